"""Helpers of the end-to-end tests: a scratch copy of the repository and the jobs a dry run plans."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path


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
    """(rule, wildcard value) of every job a Snakemake dry run lists (the 'all' target excluded)."""
    jobs, rule = set(), None
    for line in dry_run_output.splitlines():
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
