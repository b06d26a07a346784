"""The papers' experiment grids expand into valid training experiments at every scale."""

import copy

import pytest
import torch
import yaml

from fa_repro.config import ConfigError, resolve, validate_training_specs
from fa_repro.experiments import training_specs
from fa_repro.training.experiment import build_data, build_model_and_rule

CONFIG = "config.yaml"
SCHEMA = "workflow/schemas/config.schema.yaml"


def resolved(repo_root, scale):
    raw = yaml.safe_load((repo_root / CONFIG).read_text())
    raw["scale"] = scale
    return resolve(raw, repo_root / SCHEMA)


@pytest.mark.parametrize("scale,count", [("paper", 2 * 2 * 2 + 4 + 2 * 25), ("quick", 8 + 4 + 2 * 9), ("ci", 2 + 2 + 2)])
def test_refinetti_grid_sizes(repo_root, scale, count):
    specs = training_specs(resolved(repo_root, scale)["experiments"])
    assert len([name for name in specs if name.startswith("refinetti2021")]) == count
    validate_training_specs(specs, repo_root / SCHEMA)


def test_refinetti_paper_scale_follows_appendix_e(repo_root):
    specs = training_specs(resolved(repo_root, "paper")["experiments"])
    spec = specs["refinetti2021_degeneracy_cifar10_relu_dfa"]
    assert spec["model"] == {"kind": "mlp", "hidden": [100, 100, 100], "activation": "relu"}
    assert spec["optimizer"] == {"lr": 1e-4} and spec["batch_size"] == 32 and spec["epochs"] == 1000
    assert spec["data"] == {"dataset": "cifar10", "downscale": 14, "subset": None}
    assert spec["rule"] == {"name": "dfa", "feedback": "uniform", "fan_scaling": "inv_sqrt_plus_one"}
    assert spec["pairs"] and len(spec["seeds"]) == 20
    assert "weight_alignment" not in specs["refinetti2021_degeneracy_mnist_tanh_bp"]["metrics"]
    assert specs["refinetti2021_corruption_p0p5"]["data"]["label_corruption"] == 0.5
    target = specs["refinetti2021_targets_tanh_a0p2_b0p8"]
    assert target["data"]["alpha"] == 0.2 and target["data"]["beta"] == 0.8 and target["loss"] == "mse"


def test_a_bad_generated_experiment_names_its_key(repo_root):
    cfg = resolved(repo_root, "ci")
    specs = training_specs(cfg["experiments"])
    bad = copy.deepcopy(specs)
    bad["refinetti2021_targets_relu_a0p2_b1"]["batch_size"] = 0
    with pytest.raises(ConfigError, match=r"refinetti2021_targets_relu_a0p2_b1\.batch_size"):
        validate_training_specs(bad, repo_root / SCHEMA)
    raw = yaml.safe_load((repo_root / CONFIG).read_text())
    raw["experiments"]["refinetti2021"]["common"]["lr"] = -1
    with pytest.raises(ConfigError, match=r"experiments\.refinetti2021\.common\.lr"):
        resolve(raw, repo_root / SCHEMA)


def test_pairs_share_feedback_and_corrupted_labels_but_not_initial_weights(tmp_path):
    from fake_datasets import mnist_arrays, write_mnist_raw

    from fa_repro.data import prepare

    write_mnist_raw(tmp_path, mnist_arrays(n_train=200, n_test=20))
    prepare("mnist", {"kind": "torchvision", "root": str(tmp_path)}, tmp_path / "m.pt")
    spec = {"data": {"dataset": "mnist", "downscale": 14, "label_corruption": 0.5},
            "model": {"kind": "mlp", "hidden": [8, 8], "activation": "relu"}, "rule": {"name": "dfa"},
            "pairs": True, "seeds": [0, 1, 2, 3]}
    data, shape, n_out = build_data(spec, tmp_path / "m.pt", spec["seeds"], torch.device("cpu"))
    model, rule = build_model_and_rule(spec, spec["seeds"], shape, n_out, torch.device("cpu"))
    assert torch.equal(data.labels_train[0], data.labels_train[1])
    assert not torch.equal(data.labels_train[1], data.labels_train[2])
    for b in rule.B:
        assert torch.equal(b[0], b[1]) and torch.equal(b[2], b[3]) and not torch.equal(b[1], b[2])
    w = model.weights[0]
    assert not torch.equal(w[0], w[1])


def test_chu_paper_scale_follows_the_methods(repo_root):
    specs = training_specs(resolved(repo_root, "paper")["experiments"])
    chu = {k: v for k, v in specs.items() if k.startswith("chu2024")}
    assert len(chu) == 7 + 8 + 2 * (9 + 2) + 1 + 3 + 2
    spec = chu["chu2024_scale_0p05"]
    assert spec["model"] == {"kind": "mlp", "hidden": [700, 1000], "activation": "tanh", "init": "normal",
                             "init_scale": 0.05}
    assert spec["optimizer"] == {"lr": 0.05} and spec["batch_size"] == 100 and spec["epochs"] == 50
    assert spec["rule"] == {"name": "fa", "feedback": "sign", "feedback_scale": 1.0}
    assert chu["chu2024_early_perturbed_cm0p5"]["rule"] == {"name": "perturbed_bp", "alignment": -0.5}
    assert chu["chu2024_early_fa"]["max_steps"] == 5 and len(chu["chu2024_epoch_bp"]["seeds"]) == 500
    assert chu["chu2024_alignedstart_equal"]["init_from_feedback"] == "equal"
    assert chu["chu2024_stability_b"]["lockstep"]["receiver"] == "self"
    assert chu["chu2024_stability_a"]["lockstep"]["swap_at"] == 25000
