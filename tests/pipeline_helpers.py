"""Helpers of the end-to-end tests: a scratch copy of the repository with its offline test datasets, the
ci-scale Snakemake command and the jobs a dry run plans."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from fake_datasets import cifar_arrays, mnist_arrays, write_imagefolder, write_imagenet, write_mnist_raw

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
# the datasets of the ci build: small files in torchvision's MNIST layout and a CIFAR-10 ImageFolder
OFFLINE_CONFIG = "offline-test-data.yaml"
CI = "scales/ci/"  # where the ci scale builds (fa_repro.config.scale_root): results/, figures/, logs/ below it


def ci_command(*targets: str, profile: str = "workflow/profiles/default") -> list[str]:
    """Snakemake at ci scale on the test's datasets; ``targets`` may carry further options."""
    cores = ["--cores", "2"] if profile.endswith("default") else []
    return [SNAKEMAKE, *targets, "--profile", profile, *cores, "--config", "scale=ci",
            "--configfile", "config.yaml", OFFLINE_CONFIG]


def learnable(arrays):
    """Noise images with a bright class-dependent bar, so that the tiny networks have something to learn."""
    for split in ("train", "test"):
        for img, label in zip(arrays[f"{split}_images"], arrays[f"{split}_labels"]):
            img //= 3
            img[..., 2 * label:2 * label + 5, 3:9] = 255
    return arrays


def ci_copy(repo_root: Path, dst: Path) -> Path:
    """A copy of the repository at ``dst`` with the ci build's datasets written beside it (the same files for
    every copy: they are drawn from fixed seeds)."""
    copy_repository(repo_root, dst)
    data = dst.parent / "datasets"
    write_mnist_raw(data, learnable(mnist_arrays(n_train=300, n_test=100, seed=11)))
    write_imagefolder(data / "cifar10", learnable(cifar_arrays(n_train=300, n_test=100, seed=12)))
    write_imagenet(data / "imagenet", seed=13)
    (dst / OFFLINE_CONFIG).write_text(yaml.safe_dump({"data": {"sources": {
        "mnist": {"kind": "torchvision", "root": str(data)},
        "cifar10": {"kind": "imagefolder", "root": str(data / "cifar10")},
        "imagenet": {"kind": "imagefolder", "root": str(data / "imagenet"), "test_dir": "val", "user_supplied": True},
        "kmnist": {"kind": "unavailable", "reason": "not written by the test"},
        "cifar100": {"kind": "unavailable", "reason": "not written by the test"}}}}))
    return dst


def copy_repository(repo_root: Path, dst: Path) -> Path:
    """Copy the repository's files (tracked and untracked, not ignored) to ``dst``."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=repo_root,
                            capture_output=True, text=True, check=True).stdout.split()
    for rel in listed:
        src = repo_root / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)
    return dst


def run_snakemake(cmd: list[str], cwd: Path) -> str:
    """Run a Snakemake command in ``cwd``; its output, or an AssertionError carrying the end of its logs."""
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return proc.stdout + proc.stderr


def parse_planned_jobs(dry_run_output: str) -> set[tuple[str, str]]:
    """(rule, wildcard value) of every job a Snakemake dry run lists (the 'all' target excluded): the rules'
    ``message`` lines, ``Job N: <rule> <wildcard value>``, or Snakemake's own ``rule <name>:`` blocks."""
    jobs, rule = set(), None
    for line in dry_run_output.splitlines():
        m = re.match(r"^Job \d+: (\w+)(?: (\S+))?(?: .*)?$", line.strip())
        if m:
            jobs.add((m.group(1), m.group(2) or ""))
            rule = None
            continue
        m = re.match(r"^(?:local)?rule (\w+):", line.strip())
        if m:
            rule = m.group(1)
            if rule != "all":
                jobs.add((rule, ""))
            continue
        m = re.match(r"^wildcards: (.*)$", line.strip())
        if m and rule and rule != "all":
            jobs.discard((rule, ""))
            jobs.add((rule, m.group(1).split("=", 1)[1]))
    return jobs
