"""The GPUs a job can use: counted without importing torch (the Snakefile asks at parse time), and the
device a training job picks when several are visible."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass


@functools.cache
def visible_gpu_count() -> int:
    """GPUs this process may use: the entries of ``CUDA_VISIBLE_DEVICES`` when it is set, else the GPUs
    ``nvidia-smi -L`` lists (0 when there is no NVIDIA driver)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        entries = [e.strip() for e in visible.split(",") if e.strip()]
        # CUDA stops at the first invalid entry ("-1" or "" hide every GPU)
        count = 0
        for entry in entries:
            if entry.startswith("-"):
                break
            count += 1
        return count
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return 0
    try:
        listed = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    if listed.returncode != 0:
        return 0
    return sum(1 for line in listed.stdout.splitlines() if line.startswith("GPU "))


# the Snakemake group that packs small training jobs onto one GPU on a cluster (see training_gpu_placement)
PACK_GROUP = "gpu_pack"


@dataclass(frozen=True)
class GpuPlacement:
    """Where a training job runs and what it asks the scheduler for.

    ``gpu``: the job's ``gpu`` resource — on a cluster the GPUs of its own sbatch request (the SLURM plugin
    turns it into ``--gpus``); locally the places it takes on this machine's GPUs (each GPU has
    ``jobs_per_gpu`` places). ``gres``: the SLURM GRES of a packed job (``gpu:1``, shared by its group), else
    "". ``group``: the Snakemake group of packed jobs on a cluster (``jobs_per_gpu`` of them per sbatch job),
    else None. ``device``: the console's words for it."""

    gpu: int
    gres: str = ""
    group: str | None = None
    device: str = "the CPU"


def training_gpu_placement(configured: int, jobs_per_gpu: int, whole_gpu: bool, local: bool,
                           present: int) -> GpuPlacement:
    """The placement of one training job (config.yaml ``compute.training``: ``gpus``, ``jobs_per_gpu``, and
    ``whole_gpu`` — whether the job is one that keeps a GPU to itself).

    * No GPU configured (``gpus: 0``), or a local run on a machine without one: the CPU.
    * Locally: one place on a GPU, or all ``jobs_per_gpu`` places of one for a whole-GPU job; the Snakefile
      registers ``present × jobs_per_gpu`` places, so at most ``jobs_per_gpu`` small jobs share a GPU.
    * On a cluster, ``jobs_per_gpu`` 1 or a whole-GPU job: its own sbatch job with ``--gpus=<gpus>``.
    * On a cluster, packed: GPU-free as a single job, ``gres=gpu:1`` for its group, which Snakemake submits as
      one sbatch job running up to ``jobs_per_gpu`` of them at once (cpus and memory summed over them)."""
    if configured < 0 or jobs_per_gpu < 1:
        raise ValueError(f"compute.training: gpus {configured} must be >= 0 and jobs_per_gpu {jobs_per_gpu} >= 1")
    if configured > 1 and jobs_per_gpu > 1:
        raise ValueError(f"compute.training: jobs_per_gpu {jobs_per_gpu} packs jobs onto one GPU, but gpus is "
                         f"{configured}; set gpus: 1 or jobs_per_gpu: 1")
    if configured == 0 or (local and present == 0):
        return GpuPlacement(0)
    shared = jobs_per_gpu > 1 and not whole_gpu
    if local:
        if shared:
            return GpuPlacement(1, device=f"a GPU shared by up to {jobs_per_gpu} training jobs")
        return GpuPlacement(jobs_per_gpu, device="a GPU of its own")
    if shared:
        return GpuPlacement(0, gres="gpu:1", group=PACK_GROUP,
                            device=f"a GPU shared by up to {jobs_per_gpu} training jobs (one sbatch job)")
    return GpuPlacement(configured, device=f"{configured} GPU(s) of its own")


def least_busy_cuda_device():
    """The visible CUDA device with the most free memory, so that parallel local jobs spread over the GPUs."""
    import torch

    count = torch.cuda.device_count()
    if count <= 1:
        return torch.device("cuda")
    free = [torch.cuda.mem_get_info(i)[0] for i in range(count)]
    return torch.device("cuda", max(range(count), key=free.__getitem__))
