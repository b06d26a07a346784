"""The training engine: determinism, batched seeds, divergence, resume after a kill, real learning."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from fake_datasets import mnist_arrays, write_mnist_raw
from resume_helpers import run_resumed, spec_trainer
from fa_repro.data import prepare
from fa_repro.training import run_experiment

REPO = Path(__file__).resolve().parents[1]

REGRESSION = {
    "data": {"task": "correlated_regression", "n_train": 512, "n_test": 256, "alpha": 1.0, "beta": 1.0, "seed": 1},
    "model": {"kind": "mlp", "hidden": [32, 32], "activation": "relu"},
    "rule": {"name": "dfa"},
    "loss": "mse",
    "optimizer": {"lr": 0.01, "momentum": 0.9},
    "epochs": 3,
    "batch_size": 32,
    "seeds": [0, 1],
    "device": "cpu",
    "metrics": ["weight_alignment", "gradient_alignment"],
    "alignment_batch": 128,
}


def metric_columns(df):
    """Everything but the wall-clock timing."""
    return df.drop(columns=["config", "epoch_time_s"]).reset_index(drop=True)


def test_training_is_deterministic_and_records_alignment():
    a = run_experiment(REGRESSION, progress=False)
    b = run_experiment(REGRESSION, progress=False)
    pd.testing.assert_frame_equal(metric_columns(a), metric_columns(b))
    assert list(a.epoch.unique()) == [0, 1, 2, 3]
    assert {"wa_global", "wa_layer2", "wa_layer3", "ga_global", "ga_layer1"} <= set(a.columns)
    assert json.loads(a.config[0]) == REGRESSION
    final = a[a.epoch == 3]
    assert (final.train_loss < a[a.epoch == 0].train_loss.values).all()  # it learns (memorises)


def test_a_seed_trains_the_same_alone_or_batched():
    batched = run_experiment(REGRESSION, progress=False)
    alone = run_experiment({**REGRESSION, "seeds": [1]}, progress=False)
    cols = ["train_loss", "test_loss", "wa_global", "ga_global"]
    np.testing.assert_allclose(batched[batched.seed == 1][cols].values, alone[cols].values, rtol=1e-4, atol=1e-6)
    assert not np.allclose(batched[batched.seed == 0][cols].values, alone[cols].values)


def test_divergence_is_recorded_not_a_crash():
    spec = {**REGRESSION, "rule": {"name": "bp"}, "optimizer": {"lr": 50.0}, "epochs": 4, "metrics": []}
    df = run_experiment(spec, progress=False)
    assert df.diverged.any() and df[df.diverged].train_loss.isna().all()
    first = df[df.diverged].groupby("seed").epoch.min()
    assert (df[df.diverged].groupby("seed").diverged_epoch.first() == first).all()


def _ckpt_epoch(path):
    try:
        return torch.load(path, weights_only=False)["epoch"]
    except Exception:
        return -1


def test_a_killed_job_resumes_and_ends_with_the_same_metrics(tmp_path):
    spec = {**REGRESSION, "data": {**REGRESSION["data"], "n_train": 8192}, "epochs": 10, "batch_size": 4,
            "optimizer": {"lr": 0.002}, "metrics": ["weight_alignment"]}
    cmd = [sys.executable, "-m", "fa_repro.cli", "train", "--spec", json.dumps(spec), "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    subprocess.run(cmd + ["--out", str(tmp_path / "straight.csv")], check=True, env=env)
    ckpt = tmp_path / "run.ckpt"
    job = subprocess.Popen(cmd + ["--out", str(tmp_path / "resumed.csv"), "--checkpoint", str(ckpt)], env=env)
    deadline = time.time() + 120
    while _ckpt_epoch(ckpt) < 3 and time.time() < deadline and job.poll() is None:
        time.sleep(0.05)
    assert job.poll() is None, "the job finished before it could be killed; make it longer"
    job.send_signal(signal.SIGKILL)
    job.wait()
    killed_at = _ckpt_epoch(ckpt)
    assert 3 <= killed_at < 10 and not (tmp_path / "resumed.csv").exists()
    rerun = subprocess.run([c for c in cmd if c != "--no-progress"] + ["--out", str(tmp_path / "resumed.csv"),
                                                                        "--checkpoint", str(ckpt)],
                           check=True, env=env, capture_output=True, text=True)
    # the rerun trains epochs killed_at + 1 … 10 only: its first progress line is at killed_at + 1 of 10 epochs
    progress = [line for line in rerun.stdout.splitlines() if line.startswith("fa-repro: ")]
    assert progress and f"({killed_at + 1}/10 epochs)" in progress[0], progress[:1]
    assert not ckpt.exists()  # removed once the table is written
    straight = pd.read_csv(tmp_path / "straight.csv")
    resumed = pd.read_csv(tmp_path / "resumed.csv")
    assert not straight.diverged.any() and len(straight) == 22
    pd.testing.assert_frame_equal(metric_columns(straight), metric_columns(resumed))


def test_a_rerun_starts_from_the_state_its_checkpoint_saved(tmp_path):
    """Stopped after 2 of 4 epochs and rerun: only epochs 3 and 4 are trained, from exactly the checkpoint's weights,
    momentum buffers, generators and update count, and the rows are those of an uninterrupted run."""
    make = spec_trainer({**REGRESSION, "seeds": [0, 1, 2], "metrics": []}, torch.device("cpu"))
    straight = pd.DataFrame(make(4, None).run())
    resumed = pd.DataFrame(run_resumed(make, tmp_path / "run.ckpt", stop=2, epochs=4))
    assert list(resumed.epoch.unique()) == [0, 1, 2, 3, 4]
    pd.testing.assert_frame_equal(straight.drop(columns=["epoch_time_s"]), resumed.drop(columns=["epoch_time_s"]))


def test_a_corrupt_checkpoint_is_named_set_aside_and_the_job_starts_from_scratch(tmp_path):
    spec = {**REGRESSION, "epochs": 3, "metrics": []}
    ckpt = tmp_path / "checkpoint.pt"
    ckpt.write_bytes(b"PK\x03\x04 truncated by a full disk")
    with pytest.warns(UserWarning, match=f"checkpoint {re.escape(str(ckpt))} is unreadable"):
        resumed = run_experiment(spec, checkpoint=ckpt, out=tmp_path / "out.csv", progress=False)
    assert (tmp_path / "checkpoint.pt.corrupt").read_bytes().startswith(b"PK") and not ckpt.exists()
    straight = run_experiment(spec, progress=False)
    pd.testing.assert_frame_equal(metric_columns(straight), metric_columns(resumed))


def test_a_full_disk_gives_a_clear_error_and_leaves_no_debris(tmp_path, monkeypatch):
    """torch's writer reports a full disk as RuntimeError('… basic_ios::clear …') after writing part of the file."""
    spec = {**REGRESSION, "epochs": 3, "metrics": [], "checkpoint_every": 1}
    real_save = torch.save
    calls = []

    def save_until_the_disk_is_full(obj, f, *args, **kwargs):
        calls.append(f)
        if len(calls) < 2:
            return real_save(obj, f, *args, **kwargs)
        Path(f).write_bytes(b"PK\x03\x04 partial")
        raise RuntimeError("[enforce fail at inline_container.cc] . PytorchStreamWriter failed writing file: "
                           "basic_ios::clear: iostream error")

    monkeypatch.setattr(torch, "save", save_until_the_disk_is_full)
    ckpt = tmp_path / "checkpoint.pt"
    with pytest.raises(OSError, match=f"could not write {re.escape(str(ckpt))} .*Is the disk full"):
        run_experiment(spec, checkpoint=ckpt, out=tmp_path / "out.csv", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]  # the last good checkpoint, no .tmp
    assert torch.load(ckpt, weights_only=False)["epoch"] == 0


def test_pepita_and_bp_learn_a_tiny_mnist_through_the_prepared_file(tmp_path):
    arrays = mnist_arrays(n_train=600, n_test=200, seed=3)
    # make the classes learnable: a class-dependent bright square on the noise
    for split in ("train", "test"):
        for img, label in zip(arrays[f"{split}_images"], arrays[f"{split}_labels"]):
            img //= 4
            img[2 * label:2 * label + 6, 4:10] = 255
    write_mnist_raw(tmp_path, arrays)
    prepare("mnist", {"kind": "torchvision", "root": str(tmp_path)}, tmp_path / "mnist.pt")
    base = {"data": {"dataset": "mnist", "downscale": 14}, "loss": "cross_entropy", "epochs": 5, "batch_size": 20,
            "seeds": [0, 1], "device": "cpu", "drop_last": True}
    pepita = run_experiment({**base, "model": {"kind": "mlp", "hidden": [64], "activation": "relu", "bias": False,
                                               "init": "he_normal", "dropout": 0.1},
                             "rule": {"name": "pepita"}, "optimizer": {"lr": 0.05, "momentum": 0.9}},
                            tmp_path / "mnist.pt", progress=False)
    bp = run_experiment({**base, "model": {"kind": "mlp", "hidden": [64], "activation": "relu"},
                         "rule": {"name": "bp"}, "optimizer": {"lr": 0.1}}, tmp_path / "mnist.pt", progress=False)
    for df in (pepita, bp):
        assert df[df.epoch == 0].test_acc.mean() < 0.3
        assert df[df.epoch == 5].test_acc.mean() > 0.8




def test_max_steps_stops_after_that_many_updates_and_update_norm_measures_them():
    spec = {**REGRESSION, "rule": {"name": "bp"}, "optimizer": {"lr": 0.1}, "epochs": 5, "max_steps": 3,
            "metrics": ["update_norm"], "seeds": [0]}
    df = run_experiment(spec, progress=False)
    assert list(df.step) == [0, 3] and list(df.epoch) == [0, 1]
    assert df.update_norm_layer1.iloc[0] == 0 and df.update_norm_layer1.iloc[1] > 0
    one = run_experiment({**spec, "max_steps": 1}, progress=False)
    assert one.update_norm_layer3.iloc[1] < df.update_norm_layer3.iloc[1]


def test_init_from_feedback_sets_signs_or_values():
    from fa_repro.training.experiment import build_model_and_rule
    from fa_repro.training_spec import parse_training_spec

    def run(**parts):
        return parse_training_spec({**REGRESSION, **parts})

    base = {"model": {"kind": "mlp", "hidden": [8, 6], "activation": "tanh", "init": "normal", "init_scale": 0.05},
            "rule": {"name": "fa", "feedback": "normal"}}
    for mode in ("sign", "equal"):
        model, rule = build_model_and_rule(run(**base, init_from_feedback=mode), [0, 1], (5,), 3, torch.device("cpu"))
        for layer, b in rule.feedback_images(model):
            w = model.weights[layer].detach()
            assert torch.equal(torch.sign(w), torch.sign(b))
            if mode == "equal":
                torch.testing.assert_close(w, 0.05 * b)
    plain, _ = build_model_and_rule(run(**base), [0, 1], (5,), 3, torch.device("cpu"))
    signed, _ = build_model_and_rule(run(**base, init_from_feedback="sign"), [0, 1], (5,), 3, torch.device("cpu"))
    torch.testing.assert_close(plain.weights[1].abs(), signed.weights[1].abs())
    torch.testing.assert_close(plain.weights[0], signed.weights[0])  # the first layer has no feedback


def test_lockstep_swap_copies_the_weights_once():
    spec = {**REGRESSION, "rule": {"name": "fa", "feedback": "sign"}, "seeds": [0], "metrics": [],
            "loss": "mse", "lockstep": {"partner": {"name": "bp"}, "swap_at": 4, "receiver": "partner",
                                        "steps": 8, "record_every_steps": 2}}
    df = run_experiment(spec, progress=False)
    assert list(df.step) == [0, 2, 4, 6, 8]
    start = df[df.step == 0].iloc[0]
    assert start.alignment_layer1 == pytest.approx(1.0)  # same initial weights
    before, at = df[df.step == 2].iloc[0], df[df.step == 4].iloc[0]
    assert before.alignment_layer1 < 1 - 1e-6
    assert at.alignment_layer1 == pytest.approx(1.0, abs=1e-6) and at.alignment_layer3 == pytest.approx(1.0, abs=1e-6)
    assert df[df.step == 8].iloc[0].alignment_layer1 < 1.0


def test_streamed_imagenet_training_resumes_from_its_checkpoint_with_the_same_batches(tmp_path):
    """The ImageNet path (Boopathy Fig. 5): a job stopped after 2 of 4 loop epochs and rerun from its checkpoint
    draws the same batches and augmentations and ends with the metrics of an uninterrupted run."""
    from fake_datasets import write_imagenet

    from fa_repro.models import make_loss
    from fa_repro.training.engine import Trainer
    from fa_repro.training.data import build_data
    from fa_repro.training.experiment import build_model_and_rule, train_config
    from fa_repro.training_spec import parse_training_spec

    root = write_imagenet(tmp_path / "imagenet", seed=5)
    prepare("imagenet", {"kind": "imagefolder", "root": str(root), "test_dir": "val"}, tmp_path / "in.pt")
    spec = {"data": {"dataset": "imagenet", "image_size": 16, "steps_per_epoch": 2, "n_test": 8, "n_probe": 8},
            "model": {"kind": "cnn", "width": 3, "strides": [2, 1], "activation": "relu"},
            "rule": {"name": "dfa", "spatially_shared": True, "feedback": "normal"}, "seeds": [0],
            "optimizer": {"lr": 0.05, "momentum": 0.9}, "batch_size": 4, "eval_batch_size": 8}
    device = torch.device("cpu")

    def trainer(epochs, checkpoint):
        run = parse_training_spec({**spec, "epochs": epochs})
        data, shape, n_out = build_data(run, tmp_path / "in.pt", [0], device, workers=1)
        model, rule = build_model_and_rule(run, [0], shape, n_out, device)
        config = train_config(run)
        return Trainer(model, rule, make_loss("mse"), data, config, seeds=[0], fingerprint="same", checkpoint=checkpoint,
                       progress=False)

    straight = pd.DataFrame(trainer(4, None).run())
    # stops after epoch 2 (its checkpoint left behind), rerun from there
    resumed = pd.DataFrame(run_resumed(trainer, tmp_path / "run.ckpt", stop=2, epochs=4))
    assert list(resumed.epoch) == [0, 1, 2, 3, 4] and list(resumed.step) == [0, 2, 4, 6, 8]
    pd.testing.assert_frame_equal(straight.drop(columns=["epoch_time_s"]), resumed.drop(columns=["epoch_time_s"]))


def test_a_training_job_shows_its_progress_and_warnings_on_the_console(tmp_path):
    """Issue 17, item 8: stdout (Snakemake's console) gets a line per tenth of the run and every warning; the tqdm
    bar stays on stderr (the job's log)."""
    spec = {**REGRESSION, "epochs": 10, "metrics": []}
    ckpt = tmp_path / "checkpoint.pt"
    ckpt.write_bytes(b"not a checkpoint")  # set aside with a warning
    proc = subprocess.run([sys.executable, "-m", "fa_repro.cli", "train", "--spec", json.dumps(spec), "--name", "tiny",
                           "--checkpoint", str(ckpt), "--out", str(tmp_path / "m.csv")], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    lines = proc.stdout.splitlines()
    progress = [line for line in lines if line.startswith("fa-repro: tiny: ")]
    assert [line.split(": ")[2].split(" %")[0] for line in progress] == [str(p) for p in range(10, 101, 10)]
    assert "(10/10 epochs)" in progress[-1]
    assert any(line.startswith("fa-repro warning: ") and "checkpoint.pt" in line for line in lines)
    assert "tiny: 100%" in proc.stderr and "fa-repro: tiny" not in proc.stderr


def test_the_metrics_probe_is_a_fixed_sample_of_the_whole_training_set():
    """A prepared ImageFolder dataset is stored class by class: the examples the per-epoch metrics and the epoch-0
    evaluation see must be spread over the whole set (the first 1000 would be one class), the same at every call, and
    carry each seed's own (corrupted) targets."""
    from fa_repro.training.engine import TrainingData

    labels = torch.arange(10).repeat_interleave(100)  # sorted by class, as prepared from an ImageFolder
    x = labels[:, None].float().repeat(1, 3)
    per_seed = torch.stack([labels, (labels + 1) % 10])
    data = TrainingData(x, torch.nn.functional.one_hot(per_seed, 10).float(), x[:5], torch.zeros(5, 10),
                        per_seed, labels[:5], per_seed_targets=True)
    xp, yp, lp = data.probe(100)
    assert len(xp) == 100 and len(set(lp[0].tolist())) == 10  # every class, not the first 100 (all class 0)
    assert torch.equal(xp[:, 0].long(), lp[0]) and torch.equal(yp.argmax(-1), lp)  # rows stay together, per seed
    assert torch.equal(data.probe(100)[0], xp) and len(data.probe(5000)[0]) == 1000
