"""The GPUs a job can use: counted without importing torch (the Snakefile asks at parse time), and the
device a training job picks when several are visible."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess


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


def training_gpu_request(configured: int, local: bool, present: int) -> int:
    """GPUs one training job asks the scheduler for: the configured number on a cluster; locally at most one,
    and none on a machine without GPUs (the job then trains on the CPU)."""
    if not local:
        return configured
    return min(configured, 1) if present > 0 else 0


def least_busy_cuda_device():
    """The visible CUDA device with the most free memory, so that parallel local jobs spread over the GPUs."""
    import torch

    count = torch.cuda.device_count()
    if count <= 1:
        return torch.device("cuda")
    free = [torch.cuda.mem_get_info(i)[0] for i in range(count)]
    return torch.device("cuda", max(range(count), key=free.__getitem__))
