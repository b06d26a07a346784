"""What a scale's training costs on this device, before starting it.

Every training run of the scale (config.yaml, the grids of `experiments:` and the hand-written `training:`) is
grouped by what decides the time of one update (fa_repro.training.cost.step_signature: example shape, model,
rule, loss, optimiser kind, batch size, seeds trained together); one run of each group is timed on random data
of the real shapes (fa_repro.training.cost.measure_step: the engine's loop, warm-up excluded), and its planned
updates (planned_steps) give the projection:

    device-hours of a paper = Σ over its runs of planned updates × measured seconds per update / 3600

Not counted: evaluation, metric hooks and checkpoints at record times, dataset preparation, ImageNet decoding,
the teacher–student simulations (benchmarks/simulator_throughput.py). Peak memory: on CUDA the peak allocated
during the steps and one evaluation batch; on the CPU the resident tensors (data, parameters, feedback,
optimiser state; activations not counted).

Usage:
  .venv/bin/python benchmarks/paper_scale_cost.py [--scale paper] [--device auto] [--grids chu2024 ...]
      [--families] [--max-seconds 5] [--out results/benchmarks/paper_scale_cost_<device>.csv]
--max-cnn-width leaves out the wide CNNs (a CPU cannot time them in reasonable time);
--families times one representative per experiment family (the per-step table of the README) instead of every
group, and reports how close each comes to the machine: its arithmetic per update (FLOPs of the forward and update
passes' matrix products and convolutions, counted from the shapes by torch.utils.flop_counter) and the rate it
achieves against this device's measured dense float32 matmul peak (fa_repro.training.cost.matmul_peak_flops): a
family near the peak is bound by arithmetic, one far below it by overhead (small kernels, Python, launches).
"""
from __future__ import annotations

import argparse
import collections
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import pandas as pd  # noqa: E402
import torch  # noqa: E402

from fa_repro.config import load_yaml, resolve  # noqa: E402
from fa_repro.experiments import grids, selection_tags, training_specs  # noqa: E402
from fa_repro.training_spec import DatasetSpec, TrainingSpec, parse_training_spec  # noqa: E402
from fa_repro.training.cost import matmul_peak_flops, measure_step, planned_steps, step_signature  # noqa: E402


def scale_runs(scale: str) -> tuple[dict[str, TrainingSpec], dict]:
    """({run: its records}, {run: its grid}) of every training run of ``scale``."""
    base = load_yaml(ROOT / "config.yaml")
    cfg = resolve({**base, "scale": scale}, str(ROOT / "workflow/schemas/config.schema.yaml"), base=base)
    built = grids(cfg["experiments"])
    specs = {**cfg["training"], **training_specs(cfg["experiments"], built)}
    tags = selection_tags(cfg["experiments"], built)
    return ({name: parse_training_spec(spec, name) for name, spec in specs.items()},
            {name: tags.get(name, {}).get("grid", "training") for name in specs})


def family(spec: TrainingSpec, grid: str) -> str:
    """An experiment family: the paper, the model kind and whether the data are images or a synthetic task."""
    data = spec.data
    kind = ("streamed" if data.streamed else "images") if isinstance(data, DatasetSpec) else "task"
    return f"{grid} {spec.model.kind} {kind}" + (" lockstep" if spec.lockstep is not None else "")


def size(spec: TrainingSpec):
    """The hidden widths (MLP), the width (CNN) or the state's width (RNN)."""
    return spec.model.width if spec.model.kind == "cnn" else spec.model.hidden


def width(spec: TrainingSpec) -> int:
    """The widest layer of a run's network (units or channels)."""
    return max(size(spec)) if isinstance(size(spec), tuple) else size(spec)


def describe(spec: TrainingSpec) -> str:
    data = spec.data.dataset if isinstance(spec.data, DatasetSpec) else spec.data.task
    shown = list(size(spec)) if isinstance(size(spec), tuple) else size(spec)
    return (f"{data} {spec.model.kind} {shown} {spec.rule.name}, batch {spec.batch_size} × "
            f"{len(spec.seeds)} seed(s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="paper")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--grids", nargs="*", help="only these papers (grid names)")
    parser.add_argument("--families", action="store_true", help="one representative per experiment family")
    parser.add_argument("--family", nargs="*", help="only families whose name contains one of these")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=5.0, help="timing budget per group (≥ 1 update)")
    parser.add_argument("--threads", type=int, default=0, help="PyTorch CPU threads (0: PyTorch's default)")
    parser.add_argument("--max-cnn-width", type=int,
                        help="leave out convolutional networks wider than this (listed, not timed): on a CPU a step "
                             "of Boopathy's widest takes a minute")
    parser.add_argument("--out", help="CSV of the groups (default results/benchmarks/…_<device>.csv)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else (
        f"CPU {platform.processor() or platform.machine()}, {torch.get_num_threads()} thread(s)")

    specs, grid_of = scale_runs(args.scale)
    if args.grids:
        specs = {n: s for n, s in specs.items() if grid_of[n] in args.grids}
    if args.family:
        specs = {n: s for n, s in specs.items() if any(f in family(s, grid_of[n]) for f in args.family)}
    groups = collections.defaultdict(list)
    for name, spec in specs.items():
        key = (family(spec, grid_of[name]), step_signature(spec)) if not args.families else (family(spec, grid_of[name]),)
        groups[key].append(name)
    if args.families:  # the family's most numerous signature stands for it
        chosen = {}
        for (fam,), names in groups.items():
            by_sig = collections.Counter(step_signature(specs[n]) for n in names)
            sig = min(by_sig, key=lambda s: (-by_sig[s], s))
            chosen[(fam, sig)] = [n for n in names if step_signature(specs[n]) == sig]
        groups = chosen

    if args.max_cnn_width:
        wide = {k: v for k, v in groups.items()
                if specs[v[0]].model.kind == "cnn" and width(specs[v[0]]) > args.max_cnn_width}
        for key, names in sorted(wide.items()):
            print(f"not timed (CNN width > {args.max_cnn_width}): {key[0]}: {describe(specs[names[0]])}, "
                  f"{len(names)} run(s), {sum(planned_steps(specs[n]) for n in names)} steps")
        groups = {k: v for k, v in groups.items() if k not in wide}
    peak = matmul_peak_flops(device) if args.families else float("nan")
    rows = []
    with_cache = ROOT / "results/benchmarks/synthetic-datasets"
    with_cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for i, ((fam, sig), names) in enumerate(sorted(groups.items())):
        example = specs[names[0]]
        cost = measure_step(example, device, steps=args.steps, max_seconds=args.max_seconds, data_folder=with_cache)
        steps = sum(planned_steps(specs[n]) for n in names)
        rows.append({"paper": grid_of[names[0]], "family": fam, "example_run": names[0], "what": describe(example),
                     "runs": len(names), "planned_steps": steps, "us_per_step": cost.seconds_per_step * 1e6,
                     "steps_timed": cost.steps_timed, "device_hours": steps * cost.seconds_per_step / 3600,
                     "longest_run_hours": max(planned_steps(specs[n]) for n in names) * cost.seconds_per_step / 3600,
                     "peak_mb": cost.peak_mb, "gflop_per_step": cost.flops_per_step / 1e9,
                     "achieved_gflops": cost.flops_per_step / cost.seconds_per_step / 1e9,
                     "peak_gflops": peak / 1e9, "percent_of_peak": 100 * cost.flops_per_step / cost.seconds_per_step / peak,
                     "device": device_name, "signature": sig})
        r = rows[-1]
        print(f"[{i + 1}/{len(groups)}] {fam}: {r['what']}: {r['us_per_step']:.0f} µs/step "
              f"({r['steps_timed']} timed), {r['runs']} run(s), {r['device_hours']:.2f} device-h, "
              f"{r['peak_mb']:.0f} MB", flush=True)
    table = pd.DataFrame(rows)
    out = Path(args.out or ROOT / f"results/benchmarks/paper_scale_cost_{'families_' if args.families else ''}"
               f"{args.scale}_{device.type}.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    print(f"\n{device_name}, scale {args.scale}; {len(table)} group(s) timed in {time.perf_counter() - started:.0f} s;"
          f" table: {out}")
    if args.families:
        print(f"dense float32 matmul peak of this device: {peak / 1e9:.0f} GFLOP/s")
        print(table[["family", "what", "us_per_step", "gflop_per_step", "achieved_gflops", "percent_of_peak",
                     "peak_mb"]].to_markdown(index=False, floatfmt=".3g"))
        return
    summary = table.groupby("paper").agg(runs=("runs", "sum"), planned_steps=("planned_steps", "sum"),
                                         device_hours=("device_hours", "sum"),
                                         longest_run_hours=("longest_run_hours", "max"), peak_mb=("peak_mb", "max"))
    summary.loc["all"] = [summary.runs.sum(), summary.planned_steps.sum(), summary.device_hours.sum(),
                          summary.longest_run_hours.max(), summary.peak_mb.max()]
    print(summary.to_markdown(floatfmt=".1f"))
    print(json.dumps({"device": device_name, "scale": args.scale}))


if __name__ == "__main__":
    main()
