"""The data and training stages through Snakemake: an offline dataset is prepared, two experiments train,
and only the stages whose code, parameters or data changed rerun."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from fake_datasets import mnist_arrays, write_mnist_raw
from pipeline_helpers import copy_repository, parse_planned_jobs, run_snakemake

from fa_repro.config import scale_root

pytestmark = pytest.mark.pipeline

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
TARGETS = ["results/training/tiny_regression/metrics.csv", "results/training/tiny_mnist/metrics.csv"]


def experiments(mnist_root: Path) -> dict:
    return {
        "data": {"sources": {"mnist": {"kind": "torchvision", "root": str(mnist_root)}}},
        "training": {
            "tiny_regression": {
                "data": {"task": "correlated_regression", "n_train": 128, "n_test": 64, "alpha": 0.6, "beta": 0.4},
                "model": {"kind": "mlp", "hidden": [16, 16], "activation": "relu"},
                "rule": {"name": "dfa"}, "loss": "mse", "optimizer": {"lr": 0.01},
                "epochs": 2, "batch_size": 16, "seeds": [0, 1], "metrics": ["weight_alignment"], "device": "cpu"},
            "tiny_mnist": {
                "data": {"dataset": "mnist", "downscale": 14, "label_corruption": 0.2},
                "model": {"kind": "mlp", "hidden": [16], "activation": "relu", "bias": False, "init": "he_normal"},
                "rule": {"name": "pepita"}, "loss": "cross_entropy", "optimizer": {"lr": 0.01, "momentum": 0.9},
                "epochs": 2, "batch_size": 10, "seeds": [3], "device": "cpu"},
        },
    }


def run(cwd: Path, *args: str, targets=TARGETS) -> str:
    cmd = [SNAKEMAKE, *targets, "--profile", "workflow/profiles/default", "--cores", "2", *args,
           "--configfile", "config.yaml", "tiny.yaml"]
    return run_snakemake(cmd, cwd)


def planned(cwd: Path) -> set[tuple[str, str]]:
    return parse_planned_jobs(run(cwd, "--dry-run"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, repo_root) -> Path:
    dst = copy_repository(repo_root, tmp_path_factory.mktemp("training") / "repo")
    write_mnist_raw(dst.parent / "offline", mnist_arrays(n_train=100, n_test=40))
    (dst / "tiny.yaml").write_text(yaml.safe_dump(experiments(dst.parent / "offline")))
    run(dst)
    return dst


def test_training_stages_build_tidy_tables(workdir):
    reg = pd.read_csv(workdir / TARGETS[0])
    assert set(reg.seed) == {0, 1} and reg.epoch.max() == 2 and "wa_global" in reg
    mnist = pd.read_csv(workdir / TARGETS[1])
    assert set(mnist.seed) == {3} and mnist.rule.iloc[0] == "pepita"
    assert json.loads(mnist.config.iloc[0])["data"]["label_corruption"] == 0.2
    assert (workdir / "resources/data/prepared/mnist.pt").exists()
    assert not (workdir / "results/training/tiny_mnist/checkpoint.pt").exists()


def test_only_what_changed_reruns(workdir):
    assert planned(workdir) == set()
    unused = workdir / "src/fa_repro/rules/align_ada.py"
    original = unused.read_text()
    unused.write_text(original + "\n# edit of a rule no experiment uses\n")
    try:
        assert planned(workdir) == set()
    finally:
        unused.write_text(original)
    dfa = workdir / "src/fa_repro/rules/direct_feedback.py"
    original = dfa.read_text()
    dfa.write_text(original + "\n# edit of the rule tiny_regression runs\n")
    try:
        assert planned(workdir) == {("train", "tiny_regression")}
    finally:
        dfa.write_text(original)
    cfg = workdir / "tiny.yaml"
    original = cfg.read_text()
    cfg.write_text(original.replace("label_corruption: 0.2", "label_corruption: 0.3"))
    try:
        assert planned(workdir) == {("train", "tiny_mnist")}
    finally:
        cfg.write_text(original)


@pytest.mark.parametrize("visible, where", [("", "the CPU"), ("0,1", "a GPU shared by up to 4 training jobs")])
def test_local_training_jobs_ask_for_a_gpu_only_where_there_is_one(workdir, monkeypatch, visible, where):
    """The default local profile: a training job takes a place on a GPU where the machine has any (the paper
    scale's compute.training.jobs_per_gpu places per GPU bound how many run at once), the CPU where it has none."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    paper = [scale_root("paper") + target for target in TARGETS]  # the paper scale builds under scales/paper/
    out = run(workdir, "--dry-run", "--forceall", "--config", "scale=paper", targets=paper)
    requests = [line for line in out.splitlines() if re.match(r"Job \d+: train ", line.strip())]
    assert len(requests) == 2 and all(f" on {where}, " in line for line in requests)


def test_local_gpu_places_bound_the_training_jobs_at_once(workdir, monkeypatch):
    """jobs_per_gpu 2 on a machine with one GPU: of four ready training jobs and four cores, two run at once,
    and a whole-GPU job runs alone. (The GPU is CUDA_VISIBLE_DEVICES=0 without a device: each job warns that
    it was handed a GPU it cannot use and trains on the CPU.)"""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    small = {**experiments(workdir.parent / "offline")["training"]["tiny_regression"], "device": "auto"}
    names = ["pack_a", "pack_b", "pack_c", "alone"]
    (workdir / "packing.yaml").write_text(yaml.safe_dump({
        "training": {n: {**small, "seeds": [i]} for i, n in enumerate(names)},
        "compute": {"training": {"gpus": 1, "jobs_per_gpu": 2, "whole_gpu": [{"experiment": "alone"}]}}}))
    cmd = [SNAKEMAKE, *[f"results/training/{n}/metrics.csv" for n in names], "--profile",
           "workflow/profiles/default", "--cores", "4", "--configfile", "config.yaml", "tiny.yaml", "packing.yaml"]
    out = run_snakemake(cmd, workdir)
    rounds = [int(n) for n in re.findall(r"^Execute (\d+) jobs", out, re.M)]
    assert max(rounds) == 2 and sum(rounds) == 4, out  # never more than the GPU's two places
    started = [m for m in re.findall(r"Job \d+: train (\w+) on ([^,]+),", out)]
    assert ("alone", "a GPU of its own") in started and ("pack_a", "a GPU shared by up to 2 training jobs") in started
    # the whole-GPU job takes both places: whatever round starts it starts nothing else
    blocks = re.split(r"^Execute \d+ jobs", out, flags=re.M)[1:]
    alone = [b for b in blocks if "train alone on" in b.split("Finished")[0]]
    assert len(alone) == 1 and alone[0].split("Finished")[0].count("Job ") == 1, alone
    for n in names:
        assert "was given GPU(s) CUDA_VISIBLE_DEVICES=0" in (workdir / f"logs/training/{n}.log").read_text()
