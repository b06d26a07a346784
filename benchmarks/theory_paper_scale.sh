#!/usr/bin/env bash
# Wall time of the whole teacher–student (theory) part at paper scale, on this machine's cores:
# every simulation, ODE integration and figure of issue #2, in a scratch copy of the repository.
# Usage: bash benchmarks/theory_paper_scale.sh   (prints the elapsed seconds)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$repo" && git ls-files --cached --others --exclude-standard) | while read -r f; do
  mkdir -p "$work/$(dirname "$f")" && cp "$repo/$f" "$work/$f"
done
cd "$work"
# the leaves that read teacher–student tables (config.yaml: leaf_sets.theory; the training leaves are the GPU part of
# the paper scale), with their claims
start=$(date +%s)
"$repo/.venv/bin/snakemake" all --profile workflow/profiles/default --cores "$(nproc)" --config scale=paper leaves=theory \
  >log.txt 2>&1 || { tail -50 log.txt; exit 1; }
end=$(date +%s)
echo "paper-scale theory part: $((end - start)) s on $(nproc) cores"
