#!/usr/bin/env bash
# Set up (scripts/bootstrap.sh), then build every figure at the default (quick) scale.
# Extra arguments go to Snakemake, e.g. `bash scripts/build.sh --config scale=paper`.
# Datasets are downloaded through torchvision; on a machine without internet that has the offline copies
# in ../shared/datasets, those are used instead, and the build says so (FA_REPRO_DOWNLOAD=1 forces downloads).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
extra=()
if [ -z "${FA_REPRO_DOWNLOAD:-}" ] && [ -d ../shared/datasets ]; then
  echo "build: reading MNIST and CIFAR-10 from ../shared/datasets (workflow/offline-shared-datasets.yaml);" \
       "KMNIST and CIFAR-100 leaves are reported as unavailable. FA_REPRO_DOWNLOAD=1 downloads instead." >&2
  extra=(--configfile config.yaml workflow/offline-shared-datasets.yaml)
fi
exec .venv/bin/snakemake --profile workflow/profiles/default all "${extra[@]}" "$@"
