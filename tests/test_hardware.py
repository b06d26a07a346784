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


def _place(configured, per_gpu, whole, local, present):
    p = hardware.training_gpu_placement(configured, per_gpu, whole, local, present)
    return p.gpu, p.gres, p.group


def test_one_training_job_per_gpu():
    assert _place(2, 1, False, local=False, present=0) == (2, "", None)  # a cluster: as configured
    assert _place(1, 1, False, local=True, present=0) == (0, "", None)  # a laptop: the CPU
    assert _place(2, 1, False, local=True, present=4) == (1, "", None)  # one GPU per local job
    assert _place(0, 1, False, local=True, present=4) == (0, "", None)  # configured for the CPU


def test_small_training_jobs_share_a_gpu():
    # locally: a place of the jobs_per_gpu on each GPU, all of them for a whole-GPU job, the CPU without a GPU
    assert _place(1, 4, False, local=True, present=2) == (1, "", None)
    assert _place(1, 4, True, local=True, present=2) == (4, "", None)
    assert _place(1, 4, False, local=True, present=0) == (0, "", None)
    # on a cluster: packed jobs ask nothing alone and one GPU for their group; whole-GPU jobs their own GPU
    assert _place(1, 4, False, local=False, present=0) == (0, "gpu:1", hardware.PACK_GROUP)
    assert _place(1, 4, True, local=False, present=0) == (1, "", None)
    assert _place(0, 4, False, local=False, present=0) == (0, "", None)  # CPU-only scale: nothing to pack
    with pytest.raises(ValueError, match="set gpus: 1 or jobs_per_gpu: 1"):
        hardware.training_gpu_placement(2, 4, False, False, 0)


def test_a_job_handed_a_gpu_that_torch_cannot_use_says_so(monkeypatch):
    torch = pytest.importorskip("torch")
    from fa_repro.training.experiment import device_for
    from fa_repro.training_spec import ComputeSpec

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    hardware.visible_gpu_count.cache_clear()
    try:
        with pytest.warns(UserWarning, match="CUDA_VISIBLE_DEVICES=0, but PyTorch"):
            assert device_for(ComputeSpec(device="auto")).type == "cpu"
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
        hardware.visible_gpu_count.cache_clear()
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert device_for(ComputeSpec()).type == "cpu"  # no GPU given: no warning
    finally:
        hardware.visible_gpu_count.cache_clear()
