"""CUDA checks, run where a GPU is present (`pytest -m gpu`; skipped elsewhere): a training job on the GPU
matches the CPU one within a stated tolerance, a GPU job stopped mid-run resumes from its checkpoint's state to
the metrics of an uninterrupted GPU run, and the local profile registers the GPU places
(compute.training.jobs_per_gpu per GPU)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from fa_repro.training import run_experiment
from resume_helpers import run_resumed, spec_trainer

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")]
REPO = Path(__file__).resolve().parents[1]
SPEC = {
    "data": {"task": "correlated_regression", "n_train": 512, "n_test": 256, "alpha": 1.0, "beta": 1.0, "seed": 1},
    "model": {"kind": "mlp", "hidden": [64, 64], "activation": "tanh"}, "rule": {"name": "dfa"}, "loss": "mse",
    "optimizer": {"lr": 0.01, "momentum": 0.9}, "epochs": 4, "batch_size": 32, "seeds": [0, 1, 2],
    "metrics": ["weight_alignment"],
}
METRICS = ["train_loss", "test_loss", "wa_global"]
# float32 on both devices (TF32 off for matmuls, PyTorch's default): the same updates up to summation order
TOLERANCE = dict(rtol=1e-4, atol=1e-6)


def test_cuda_training_matches_the_cpu(tmp_path):
    cpu = run_experiment({**SPEC, "device": "cpu"}, progress=False)
    gpu = run_experiment({**SPEC, "device": "cuda"}, progress=False)
    assert set(gpu.device) == {"cuda"} and set(cpu.device) == {"cpu"}
    pd.testing.assert_frame_equal(cpu[METRICS], gpu[METRICS], check_exact=False, **TOLERANCE)


def test_a_gpu_job_resumes_from_its_checkpoint(tmp_path):
    """Stopped after 2 of 4 epochs (its checkpoint left behind) and rerun: the rerun trains epochs 3 and 4 only,
    starting from the checkpoint's state exactly (weights, momentum buffers, generators, update count), and ends with
    the rows of an uninterrupted GPU run (same device and kernels: equal up to CUDA's nondeterministic reductions)."""
    make = spec_trainer({**SPEC, "device": "cuda"}, torch.device("cuda"))
    straight = pd.DataFrame(make(4, None).run())
    resumed = pd.DataFrame(run_resumed(make, tmp_path / "run.ckpt", stop=2, epochs=4))
    assert list(resumed.epoch.unique()) == [0, 1, 2, 3, 4]
    pd.testing.assert_frame_equal(straight[["train_loss", "test_loss"]], resumed[["train_loss", "test_loss"]],
                                  check_exact=False, rtol=1e-6, atol=1e-8)


def test_the_local_profile_registers_gpu_places(tmp_path):
    """A dry run on this machine: every small training job takes one of jobs_per_gpu places per GPU (the
    paper scale's 4), whole-GPU runs all of a GPU's."""
    out = subprocess.run([str(Path(sys.executable).with_name("snakemake")), "-n", "all", "--config", "scale=paper",
                          "--profile", "workflow/profiles/default"], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    trains = [line for line in out.stdout.splitlines() if line.strip().startswith("Job ") and ": train " in line]
    assert trains and all(" on a GPU " in line for line in trains)
    assert any("shared by up to 4 training jobs" in line for line in trains)
    assert any("a GPU of its own" in line for line in trains)  # Boopathy's wide networks
