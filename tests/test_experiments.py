"""The papers' experiment grids expand into valid training experiments at every scale."""

import copy

import pytest
import torch
import yaml

from fa_repro.config import ConfigError, resolve, validate_training_specs
from fa_repro.experiments import training_specs
from fa_repro.training.data import build_data
from fa_repro.training.experiment import build_model_and_rule
from fa_repro.training_spec import parse_training_spec

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


@pytest.mark.parametrize("scale", ["paper", "quick", "ci"])
def test_every_generated_run_parses_into_records_that_keep_its_identity(repo_root, scale):
    """Every run the grids generate reads as records (no key they do not know, no value of the wrong type, the
    streamed runs complete), and its identity is the JSON of the workflow's ``spec`` param, byte for byte."""
    import json

    specs = training_specs(resolved(repo_root, scale)["experiments"])
    for name, spec in specs.items():
        run = parse_training_spec(spec, name)
        assert run.identity == json.dumps(spec, sort_keys=True), name
        assert run.rule.name == spec["rule"]["name"] and run.model.kind == spec["model"]["kind"], name


def test_refinetti_paper_scale_follows_appendix_e(repo_root):
    specs = training_specs(resolved(repo_root, "paper")["experiments"])
    spec = specs["refinetti2021_degeneracy_cifar10_relu_dfa"]
    assert spec["model"] == {"kind": "mlp", "hidden": [100, 100, 100], "activation": "relu", "bias": False}
    assert spec["optimizer"] == {"lr": 1e-4} and spec["batch_size"] == 32 and spec["epochs"] == 1000
    assert spec["data"] == {"dataset": "cifar10", "standardise": "global", "downscale": 14, "subset": None}
    assert spec["loss_reduction"] == "sum"  # the authors' summed loss: lr 1e-4 as printed (#70)
    assert spec["rule"] == {"name": "dfa", "feedback": "uniform", "fan_scaling": "inv_sqrt_plus_one"}
    assert spec["pairs"] and len(spec["seeds"]) == 20
    assert "weight_alignment" not in specs["refinetti2021_degeneracy_mnist_tanh_bp"]["metrics"]
    assert specs["refinetti2021_corruption_p0p5"]["data"]["label_corruption"] == 0.5
    target = specs["refinetti2021_targets_tanh_a0p2_b0p8"]
    assert target["data"]["alpha"] == 0.2 and target["data"]["beta"] == 0.8 and target["loss"] == "mse_sum"
    assert target["data"]["n_train"] == 1000 and target["loss_reduction"] == "sum"  # Sec. 4.1 (#24)


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
    spec = parse_training_spec({"data": {"dataset": "mnist", "downscale": 14, "label_corruption": 0.5},
                                "model": {"kind": "mlp", "hidden": [8, 8], "activation": "relu"},
                                "rule": {"name": "dfa"}, "optimizer": {"lr": 0.1}, "epochs": 1, "batch_size": 10,
                                "pairs": True, "seeds": [0, 1, 2, 3]})
    data, shape, n_out = build_data(spec, tmp_path / "m.pt", list(spec.seeds), torch.device("cpu"))
    model, rule = build_model_and_rule(spec, list(spec.seeds), shape, n_out, torch.device("cpu"))
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


# ---------------------------------------------------------------- Srinivasan et al. 2024
def test_srinivasan_paper_scale_follows_tables_4_and_5(repo_root):
    specs = training_specs(resolved(repo_root, "paper")["experiments"])
    validate_training_specs(specs, repo_root / SCHEMA)
    plain = specs["srinivasan2024_cifar10_h1_pepita_plain"]
    assert plain["model"] == {"kind": "mlp", "hidden": [1024], "activation": "relu", "init": "he_normal",
                              "bias": False, "dropout": 0.1}
    assert plain["optimizer"] == {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.0, "lr_milestones": [60, 90],
                                  "lr_gamma": 0.1}
    assert plain["batch_size"] == 64 and plain["epochs"] == 100 and len(plain["seeds"]) == 10
    assert plain["rule"] == {"name": "pepita", "feedback": "normal", "feedback_scale": 0.05}
    assert "feedback_angle" in plain["metrics"]
    # Table 5 (*): 3-hidden-layer MNIST PEPITA, lr 0.001 without decay; FA lr 0.01
    deep = specs["srinivasan2024_mnist_h3_pepita_plain"]["optimizer"]
    assert deep["lr"] == 0.001 and deep["lr_gamma"] == 1.0
    assert specs["srinivasan2024_mnist_h3_fa_plain"]["optimizer"]["lr"] == 0.01
    assert specs["srinivasan2024_mnist_h3_fa_plain"]["optimizer"]["lr_gamma"] == 0.1
    # DRTP uses tanh; weight decay λ per dataset and depth
    assert specs["srinivasan2024_cifar100_h1_drtp_wd"]["model"]["activation"] == "tanh"
    assert specs["srinivasan2024_cifar100_h1_drtp_wd"]["optimizer"]["weight_decay"] == 1e-5
    assert specs["srinivasan2024_cifar100_h3_pepita_wd"]["optimizer"]["weight_decay"] == 1e-4
    # normalisation: its own lr and decay (Table 4, right half)
    norm = specs["srinivasan2024_mnist_h1_pepita_norm"]
    assert norm["model"]["normalisation"] == "frobenius" and norm["optimizer"]["lr"] == 100.0
    assert norm["optimizer"]["lr_gamma"] == 0.5
    # Table 2 caption: CIFAR-10 WM with weight decay 1e-4, mirroring lr 1.0 at 2 hidden layers
    wm = specs["srinivasan2024_cifar10_h2_pepita_wd_wm"]
    assert wm["rule"]["mirroring"]["lr"] == 1.0 and wm["rule"]["mirroring"]["weight_decay"] == 0.1
    assert wm["optimizer"]["weight_decay"] == 1e-4
    assert "srinivasan2024_mnist_h2_pepita_wm" in specs and "srinivasan2024_mnist_h2_pepita_wd_wm" not in specs
    assert specs["srinivasan2024_mnist_h1_pepita_wm_prem"]["rule"]["mirroring"]["premirror_epochs"] == 5
    # Fig. 3a He uniform, Fig. 2a no momentum, App. Fig. 4 time-local
    uni = specs["srinivasan2024_cifar10_h2_pepita_he_uniform"]
    assert uni["model"]["init"] == "he_uniform" and uni["rule"]["feedback"] == "uniform"
    assert specs["srinivasan2024_mnist_h1_pepita_afa"]["rule"]["name"] == "afa"
    assert specs["srinivasan2024_mnist_h1_pepita_vanilla"]["optimizer"]["momentum"] == 0.0
    tl = specs["srinivasan2024_cifar10_h1_pepita_time_local_f0"]
    assert tl["rule"]["feedback_scale"] == 0.0 and tl["optimizer"]["lr"] == 1e-4
    assert tl["optimizer"]["lr_milestones"] == [50] and tl["metrics"] == []
    assert {f"srinivasan2024_{d}_h{n}_pepita_norm" for d in ("mnist", "cifar10", "cifar100")
            for n in range(1, 6)} <= set(specs)


def leaf_experiments(experiments: dict) -> dict[str, list[str]]:
    """{leaf: the runs its selector picks} among the generated experiments."""
    from fa_repro.experiments import selection_tags
    from fa_repro.figures.leaves import LEAVES, leaf_runs

    tags = selection_tags(experiments)
    return {leaf.id: leaf_runs(leaf, tags) for leaf in LEAVES.values() if leaf.runs}


def test_srinivasan_leaves_read_the_experiments_of_their_figure(repo_root):
    figs = leaf_experiments(resolved(repo_root, "paper")["experiments"])
    assert sorted(figs["srinivasan2024_fig3a"]) == sorted(
        f"srinivasan2024_cifar10_h{n}_pepita_{v}" for n in (1, 2, 3) for v in ("plain", "he_uniform", "hebbian"))
    assert len(figs["srinivasan2024_table1"]) == 3 * (12 + 2 * 6)
    assert sorted(figs["srinivasan2024_fig4"]) == ["srinivasan2024_cifar10_h1_pepita_time_local",
                                                   "srinivasan2024_cifar10_h1_pepita_time_local_f0"]
    assert len(figs["srinivasan2024_table3"]) == 3 * 6
    assert len(figs["srinivasan2024_fig8"]) == 3 * 5


def test_srinivasan_table1_puts_the_paper_beside_ours_and_marks_unavailable_datasets():
    import pandas as pd

    from fa_repro.figures import srinivasan2024_table1 as t1

    runs = pd.DataFrame({"experiment": ["a", "a", "b", "b"], "epoch": [5, 5, 5, 5], "seed": [0, 1, 0, 1],
                         "test_acc": [0.90, 0.92, 0.50, 0.52], "diverged": [False] * 4,
                         "method": ["bp", "bp", "pepita", "pepita"], "variant": ["plain", "plain", "wd_wm", "wd_wm"],
                         "dataset": ["mnist", "mnist", "cifar10", "cifar10"], "n_hidden": [1, 1, 2, 2]})
    data = t1.table({"a": runs[:2], "b": runs[2:]}, {})
    bp = data[data.method == "bp"].iloc[0]
    assert bp["mean"] == pytest.approx(0.91) and bp["std"] == pytest.approx(0.01) and bp["paper_mean"] == 0.9872
    # Table 2's "PEPITA + WM" row is the configured WM variant at 2–3 hidden layers
    assert data[data.method == "pepita"].iloc[0]["paper_mean"] == pytest.approx(0.5344)
    md, shown = t1.render(data, {"scale": "ci", "unavailable": {"cifar100": "no copy"}})
    assert "| BP | 91.00 ± 1.00 | 98.72 ± 0.06 |" in md
    assert "cifar100 not built (no copy)" in md and set(shown.cifar100_ours) == {"unavailable"}


# ---------------------------------------------------------------- Boopathy & Fiete 2022
def test_boopathy_paper_scale_follows_appendix_f(repo_root):
    cfg = resolved(repo_root, "paper")["experiments"]
    specs = training_specs(cfg)
    figs = leaf_experiments(cfg)
    align = specs["boopathy2022_cifar10_alignment_normal_tanh_w512_lr2_e100"]  # Table 5: tanh, lr 2, 100 epochs
    assert align["rule"] == {"name": "bp", "linearised_companion": True} and align["metrics"] == ["alignment_score"]
    assert align["model"] == {"kind": "cnn", "width": 512, "strides": [1, 1, 1, 2, 1, 2, 1], "activation": "tanh",
                              "parameterisation": "ntk", "padding": "same"}
    assert align["data"]["holdout"] == 5000 and align["data"]["target_offset"] == 0.1 and align["loss"] == "mse_mean"
    assert align["alignment_probes"] == 100 and align["batch_size"] == 100
    assert len(figs["boopathy2022_fig1"]) == 3 * 7
    kmnist = specs["boopathy2022_kmnist_ntk_align_zero_relu_w64_lr5_e100"]
    assert kmnist["model"]["strides"] == [1, 2, 2] and kmnist["rule"] == {"name": "align_zero"}
    assert len(figs["boopathy2022_fig4"]) == 2 * 6 * 7 * 3
    assert {specs[n]["tags"]["lr"] for n in figs["boopathy2022_fig3"]} == {0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20}
    assert {specs[n]["tags"]["method"] for n in figs["boopathy2022_fig7"]} == {"normal", "align_ada", "align_zero"}
    assert all(len(specs[n]["seeds"]) == 5 and specs[n]["model"]["width"] == 256 for n in figs["boopathy2022_table2"])
    assert {specs[n]["data"]["subset"] for n in figs["boopathy2022_fig6"]} == {45, 150, 450, 1500, 4500, 15000, 45000}
    std = [specs[n] for n in figs["boopathy2022_table10"]]
    assert all(s["optimizer"]["kind"] == "adam" and s["model"]["parameterisation"] == "standard" for s in std)
    assert {s["epochs"] for s in std} == {150, 1}
    rnn = specs["boopathy2022_rnn_readout_only_w4096"]
    assert rnn["rule"] == {"name": "last_layer"} and rnn["optimizer"] == {"lr": 0.001} and rnn["batch_size"] == 50
    assert rnn["epochs"] == 200 and rnn["data"]["n_train"] == 300


def test_boopathy_fa_and_dfa_get_the_configured_feedback(repo_root):
    specs = training_specs(resolved(repo_root, "paper")["experiments"])
    assert specs["boopathy2022_cifar10_ntk_dfa_relu_w8_lr1_e150"]["rule"] == {
        "name": "dfa", "feedback": "normal", "feedback_scale": 1.0, "fan_scaling": "inv_sqrt"}


def test_srinivasan_variants_come_from_one_table(repo_root):
    from fa_repro.experiments.srinivasan2024 import VARIANTS, Grid

    block = resolved(repo_root, "paper")["experiments"]["srinivasan2024"]
    grid = Grid(block)
    name = grid.add("tables", "cifar10", 1, "pepita", "norm_wm")
    spec = grid.runs.specs[name]
    assert spec["model"]["normalisation"] and spec["rule"]["mirroring"]["premirror_epochs"] == 0
    assert VARIANTS["wm_prem"].premirror and not VARIANTS["wd_wm"].normalised
    with pytest.raises(ValueError, match="unknown Srinivasan et al. variant 'wd_norm'"):
        grid.add("tables", "cifar10", 1, "pepita", "wd_norm")
