"""GPU counting and the GPUs a training job asks for (workflow/profiles: local and SLURM)."""
import pytest

from fa_repro import hardware


@pytest.mark.parametrize("visible, count", [("0", 1), ("0,1,3", 3), ("", 0), ("-1", 0), ("0,-1,1", 1),
                                            ("GPU-8a1b2c3d,GPU-4e5f", 2)])
def test_visible_gpus_follow_cuda_visible_devices(monkeypatch, visible, count):
    hardware.visible_gpu_count.cache_clear()
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    try:
        assert hardware.visible_gpu_count() == count
    finally:
        hardware.visible_gpu_count.cache_clear()


def test_without_a_driver_there_is_no_gpu(monkeypatch):
    hardware.visible_gpu_count.cache_clear()
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(hardware.shutil, "which", lambda name: None)
    try:
        assert hardware.visible_gpu_count() == 0
    finally:
        hardware.visible_gpu_count.cache_clear()


def test_training_gpu_request():
    assert hardware.training_gpu_request(2, local=False, present=0) == 2  # a cluster: as configured
    assert hardware.training_gpu_request(1, local=True, present=0) == 0  # a laptop: the CPU
    assert hardware.training_gpu_request(2, local=True, present=4) == 1  # one GPU per local job
    assert hardware.training_gpu_request(0, local=True, present=4) == 0  # configured for the CPU
