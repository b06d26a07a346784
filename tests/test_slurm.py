"""The SLURM profile for real: a one-node SLURM cluster on this machine (scripts/start_local_slurm.sh:
Debian's slurm-wlm and munge), leaves of every kind of job built at ci scale through
workflow/profiles/slurm so that each job is submitted with sbatch and runs under slurmd, and their data
compared with the local ci build of the same inputs.

Starting the cluster needs root; where the test cannot be root it is skipped with the reason."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from pipeline_helpers import ci_command, ci_copy, run_snakemake

pytestmark = pytest.mark.pipeline

# every kind of job: dataset preparation (MNIST layout and ImageFolder), training (MLP, CNN, synthetic data),
# a teacher–student simulation and ODE, figures and a table
TARGETS = ["refinetti2021_fig3a", "chu2024_fig1", "srinivasan2024_fig2a", "boopathy2022_fig6"]
TABLE = "boopathy2022_table1"
# flags for a cluster without an accounting database (see workflow/profiles/slurm/config.yaml)
NO_ACCOUNTING = ["--slurm-status-command", "squeue", "--slurm-no-account", "--slurm-keep-successful-logs"]


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
    targets = [f"results/figures/{leaf}.csv" for leaf in TARGETS + [TABLE]]
    out = run_snakemake(ci_command(*targets, *NO_ACCOUNTING, profile="workflow/profiles/slurm"), dst)
    return dst, out


def test_jobs_are_submitted_with_sbatch_and_complete(slurm_build):
    workdir, out = slurm_build
    submitted = [line for line in out.splitlines() if "has been submitted with SLURM jobid" in line]
    logs = list((workdir / ".snakemake/slurm_logs").rglob("*.log"))
    rules = {p.relative_to(workdir / ".snakemake/slurm_logs").parts[0] for p in logs}
    assert {"rule_prepare_dataset", "rule_train", "rule_ts_simulate", "rule_ts_ode", "rule_figure",
            "rule_table"} <= rules
    assert len(submitted) == len(logs) >= 20
    for log in logs:  # each job ran its step under slurmd and finished it
        text = log.read_text()
        assert "1 of 1 steps (100%) done" in text, log


def test_cluster_outputs_match_the_local_build(slurm_build, ci_build):
    workdir, _ = slurm_build
    for leaf in TARGETS + [TABLE]:
        cluster = pd.read_csv(workdir / f"results/figures/{leaf}.csv")
        local = pd.read_csv(ci_build / f"results/figures/{leaf}.csv")
        pd.testing.assert_frame_equal(cluster, local, check_exact=False, rtol=1e-6, atol=1e-9, obj=leaf)
    for leaf in TARGETS:
        assert (workdir / f"figures/{leaf}.png").stat().st_size > 0
