"""The SLURM profile for real: a one-node SLURM cluster on this machine (scripts/start_local_slurm.sh:
Debian's slurm-wlm and munge, two stand-in GPUs as a gres/gpu), leaves of every kind of job built at ci scale
through workflow/profiles/slurm so that each job is submitted with sbatch and runs under slurmd, and their data
compared with the local ci build of the same inputs. The build asks for GPUs as the paper scale does
(compute.training.gpus 1) and packs two small training jobs per GPU (jobs_per_gpu 2), Boopathy's runs keeping
a GPU each (whole_gpu): what reached sbatch is read back from slurmctld (scontrol show job).

Starting the cluster needs root; where the test cannot be root it is skipped with the reason."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pipeline_helpers import CI, ci_command, ci_copy, run_snakemake

pytestmark = pytest.mark.pipeline

# every kind of job: dataset preparation (MNIST layout and ImageFolder), training (MLP, CNN, synthetic data),
# a teacher–student simulation and ODE, figures and a table
TARGETS = ["refinetti2021_fig3a", "chu2024_fig1", "srinivasan2024_fig2a", "boopathy2022_fig6"]
TABLE = "boopathy2022_table1"
# flags for a cluster without an accounting database (see workflow/profiles/slurm/config.yaml)
NO_ACCOUNTING = ["--slurm-status-command", "squeue", "--slurm-no-account", "--slurm-keep-successful-logs"]
# GPU requests at ci scale: a GPU per training job, two small jobs sharing one, Boopathy's runs on their own
GPU_CONFIG = "slurm-gpus.yaml"
GPU_COMPUTE = {"gpus": 1, "jobs_per_gpu": 2, "whole_gpu": [{"grid": "boopathy2022"}]}


def _cluster_answers() -> bool:
    if shutil.which("sinfo") is None:
        return False
    state = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True, timeout=30)
    return state.returncode == 0 and any(s.startswith(("idle", "mixed", "alloc")) for s in state.stdout.split())


@pytest.fixture(scope="module")
def slurm_cluster(repo_root) -> None:
    if _cluster_answers():
        return
    if os.geteuid() != 0:
        pytest.skip("no SLURM cluster answers and starting one (scripts/start_local_slurm.sh) needs root")
    if shutil.which("slurmd") is None and shutil.which("apt-get") is None:
        pytest.skip("no SLURM cluster answers, slurm-wlm is not installed and there is no apt-get to install it")
    started = subprocess.run(["bash", str(repo_root / "scripts/start_local_slurm.sh")], capture_output=True,
                             text=True, timeout=900)
    assert started.returncode == 0, f"could not start the local SLURM cluster:\n{started.stderr[-4000:]}"
    assert _cluster_answers()


@pytest.fixture(scope="module")
def slurm_build(slurm_cluster, tmp_path_factory, repo_root) -> tuple[Path, str]:
    dst = ci_copy(repo_root, tmp_path_factory.mktemp("slurm") / "repo")
    (dst / GPU_CONFIG).write_text(yaml.safe_dump({"scales": {"ci": {"compute": {"training": GPU_COMPUTE}}}}))
    targets = [f"{CI}results/figures/{leaf}.csv" for leaf in TARGETS + [TABLE]]
    out = run_snakemake(ci_command(*targets, *NO_ACCOUNTING, profile="workflow/profiles/slurm") + [GPU_CONFIG], dst)
    return dst, out


def _sbatch_jobs(workdir: Path) -> dict[str, Path]:
    """{SLURM job id: its log}, from the plugin's log folder (rule_<rule>/<wildcards>/<id>.log for a single
    job, group_<group>_<rules>/<id>.log for a group)."""
    return {p.stem: p for p in (workdir / ".snakemake/slurm_logs").rglob("*.log")}


def _scontrol(job_id: str) -> str:
    shown = subprocess.run(["scontrol", "show", "job", job_id], capture_output=True, text=True, timeout=30)
    assert shown.returncode == 0, f"slurmctld forgot job {job_id} (MinJobAge): {shown.stderr}"
    return shown.stdout


def test_jobs_are_submitted_with_sbatch_and_complete(slurm_build):
    workdir, out = slurm_build
    submitted = [line for line in out.splitlines() if "has been submitted with SLURM jobid" in line]
    logs = list(_sbatch_jobs(workdir).values())
    rules = {p.relative_to(workdir / ".snakemake/slurm_logs").parts[0] for p in logs}
    assert {"rule_prepare_dataset", "rule_train", "group_gpu_pack_train", "rule_ts_simulate", "rule_ts_ode",
            "rule_figure", "rule_table"} <= rules
    assert len(submitted) == len(logs) >= 15
    for log in logs:  # each job (a group: each of its jobs) ran under slurmd and finished
        assert re.search(r"^(\d+) of \1 steps \(100%\) done", log.read_text(), re.M), log


def test_training_jobs_reach_sbatch_with_their_gpu_requests(slurm_build):
    """Packed training jobs: one sbatch job per pair, --gres=gpu:1 and the pair's cpus and memory summed, both
    trained at once inside it; whole-GPU jobs: --gpus=1 each; every other job: no GPU. Each training process
    was handed its GPU (the stand-in GPUs have no CUDA device, so each one warns and trains on the CPU)."""
    workdir, _ = slurm_build
    single = {"cpus": 1, "mem_mb": 1000}  # the ci scale's compute.training
    packs = 0
    for job_id, log in _sbatch_jobs(workdir).items():
        shown, kind = _scontrol(job_id), log.relative_to(workdir / ".snakemake/slurm_logs").parts[0]
        text = log.read_text()
        if kind == "group_gpu_pack_train":
            trained = re.findall(r"^\s*Job \d+: train (\S+) on a GPU shared by up to 2", text, re.M)
            assert 1 <= len(set(trained)) <= 2, (log, trained)
            n = len(set(trained))
            assert "TresPerNode=gres:gpu:1" in shown, shown
            assert f"NumCPUs={n * single['cpus']} " in shown and f"mem={n * single['mem_mb']}M" in shown, shown
            packs += n == 2 and "Execute 2 jobs" in text  # the pair ran side by side on its GPU
        elif kind == "rule_train":
            assert "TresPerJob=gres:gpu:1" in shown, shown
            assert log.parent.name.startswith("boopathy2022_"), log
        else:
            assert "gres" not in shown, (kind, shown)
    assert packs >= 1
    for train_log in (workdir / CI / "logs/training").glob("*.log"):
        assert re.search(r"was given GPU\(s\) CUDA_VISIBLE_DEVICES=\d", train_log.read_text()), train_log


def test_cluster_outputs_match_the_local_build(slurm_build, ci_build):
    workdir, _ = slurm_build
    for leaf in TARGETS + [TABLE]:
        cluster = pd.read_csv(workdir / CI / f"results/figures/{leaf}.csv")
        local = pd.read_csv(ci_build / CI / f"results/figures/{leaf}.csv")
        pd.testing.assert_frame_equal(cluster, local, check_exact=False, rtol=1e-6, atol=1e-9, obj=leaf)
    for leaf in TARGETS:
        assert (workdir / CI / f"figures/{leaf}.png").stat().st_size > 0
