"""How long ``snakemake -n all`` takes at each scale, against a trivial Snakefile with the same number of jobs
(one rule, a lambda param, threads and resources, as Snakemake's own cost floor).

    .venv/bin/python benchmarks/dry_run_overhead.py [--scales ci quick paper] [--repeats 2]

Prints one row per scale: jobs, seconds for our workflow, seconds for the trivial one, their ratio (the best of
``--repeats`` runs each). Offline dataset sources (workflow/offline-shared-datasets.yaml) when ../shared is there.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
TRIVIAL = '''
N = {n}
rule all:
    input: [f"out/{{i}}.txt" for i in range(N)]
rule job:
    output: "out/{{i}}.txt"
    params: p=lambda w: int(w.i) * 2
    threads: 1
    resources: mem_mb=1000, runtime=10
    shell: "echo {{params.p}} > {{output}}"
'''


def timed(cmd: list[str], cwd: Path) -> tuple[float, str]:
    began = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return seconds, proc.stdout + proc.stderr


def jobs_planned(output: str) -> int:
    m = re.search(r"^total\s+(\d+)$", output, flags=re.M)
    return int(m.group(1)) if m else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", nargs="+", default=["ci", "quick", "paper"])
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    offline = ["workflow/offline-shared-datasets.yaml"] if (ROOT.parent / "shared" / "datasets").is_dir() else []
    print("| scale | jobs | `snakemake -n all` (s) | trivial Snakefile, same jobs (s) | ratio |")
    print("|---|---|---|---|---|")
    for scale in args.scales:
        cmd = [SNAKEMAKE, "-n", "all", "--forceall", "--cores", "2", "--configfile", "config.yaml", *offline,
               "--config", f"scale={scale}"]
        ours = [timed(cmd, ROOT) for _ in range(args.repeats)]
        n = jobs_planned(ours[0][1])
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "Snakefile").write_text(TRIVIAL.format(n=n - 1))  # minus the 'all' job
            trivial = [timed([SNAKEMAKE, "-n", "--forceall", "--cores", "2"], Path(tmp)) for _ in range(args.repeats)]
        best, floor = min(s for s, _ in ours), min(s for s, _ in trivial)
        print(f"| {scale} | {n} | {best:.1f} | {floor:.1f} | {best / floor:.2f} |", flush=True)


if __name__ == "__main__":
    main()
