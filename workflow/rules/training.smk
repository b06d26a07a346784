# Training experiments (config.yaml: training.<name>): one job trains all seeds of an experiment as one
# batched model and writes per-epoch metrics (src/fa_repro/training/). A job killed mid-run resumes from
# its checkpoint when rerun.

import functools

from fa_repro.config import check_sources, validate_training_specs
from fa_repro.experiments import grids, selection_tags, training_specs
from fa_repro.figures.leaves import check_selector_keys, matches
from fa_repro.hardware import PACK_GROUP, training_gpu_placement, visible_gpu_count
from fa_repro.provenance import files_digest
from fa_repro.registry import model_module, rule_module, rule_name

# hand-written experiments (config.yaml: training) and the papers' grids (config.yaml: experiments)
_GRIDS = grids(CFG["experiments"])
TRAINING = {**CFG["training"], **training_specs(CFG["experiments"], _GRIDS)}
RUN_TAGS = selection_tags(CFG["experiments"], _GRIDS)  # what leaves select runs by (figures.smk)
validate_training_specs(TRAINING, SCHEMA)
check_sources(DATA_SOURCES, {s["data"]["dataset"] for s in TRAINING.values() if "dataset" in s["data"]})


_COMPUTE = CFG["compute"]["training"]
# hand-written experiments are selected by their name (`experiment`) and their own tags
_PLACEMENT_TAGS = {**{name: {"experiment": name, **spec.get("tags", {})} for name, spec in CFG["training"].items()},
                   **RUN_TAGS}
check_selector_keys(_COMPUTE["whole_gpu"], _PLACEMENT_TAGS, "config compute.training.whole_gpu")
_WHOLE_GPU = {name for name, tags in _PLACEMENT_TAGS.items() if any(matches(s, tags) for s in _COMPUTE["whole_gpu"])}
check_selector_keys(_COMPUTE["alone"], _PLACEMENT_TAGS, "config compute.training.alone")
_ALONE = {name for name, tags in _PLACEMENT_TAGS.items() if any(matches(s, tags) for s in _COMPUTE["alone"])}


def training_placement(name):
    """Where a training job runs: the CPU, a GPU of its own, or a GPU shared with up to compute.training.
    jobs_per_gpu other small jobs (fa_repro.hardware.training_gpu_placement). Evaluated when the DAG is built,
    once Snakemake knows its executor (a dry run counts as local). Locally the `gpu` resource counts places
    on this machine's GPUs (registered here unless `--resources gpu=N` set it); on a cluster packed jobs form
    the group PACK_GROUP, jobs_per_gpu of them per sbatch job (unless --group-components sets it)."""
    local = workflow.local_exec
    present = visible_gpu_count() if local else 0
    per_gpu = _COMPUTE["jobs_per_gpu"]
    if local and "gpu" not in workflow.global_resources:
        workflow.register_resource("gpu", present * per_gpu)
    if not local and per_gpu > 1 and PACK_GROUP not in workflow.group_settings.group_components:
        settings = workflow.group_settings
        settings.group_components = {**settings.group_components, PACK_GROUP: per_gpu}
    return training_gpu_placement(_COMPUTE["gpus"], per_gpu, name in _WHOLE_GPU or name in _ALONE, local, present)


def training_threads(name):
    """A training job's threads: compute.training.cpus; locally, every core for the runs of compute.training.alone
    (their wall time is figure data, Boopathy App. Fig. 7), so that Snakemake runs no other job beside them."""
    if workflow.local_exec and name in _ALONE:
        return max(workflow.cores or 1, _COMPUTE["cpus"])
    return _COMPUTE["cpus"]


# packed jobs' Snakemake group on a cluster; no group function at all where nothing is packed (it costs Snakemake
# ~0.2 ms per job to evaluate, twice, at every parse)
_TRAINING_GROUP = (lambda w: training_placement(w.experiment).group) if _COMPUTE["jobs_per_gpu"] > 1 else None


class _TrainingDevice:
    """`{TRAINING_DEVICE:{wildcards.experiment}}` in a message: where that job trains, in words (not a param:
    params are provenance, and moving to a machine with or without a GPU must not retrain anything)."""

    def __format__(self, experiment):
        return training_placement(experiment).device


TRAINING_DEVICE = _TrainingDevice()


def training_code(name):
    spec = TRAINING[name]
    return _training_code(rule_module(rule_name(spec)), model_module(spec["model"]["kind"]))


@functools.cache
def _training_code(rule, model):  # a few dozen (rule, model) pairs for thousands of jobs
    return code("fa_repro.training.experiment", rule, model)


def training_data(name):
    dataset = TRAINING[name]["data"].get("dataset")
    return [prepared_dataset(dataset)] if dataset else []


rule train:
    message:
        "train {wildcards.experiment} on {TRAINING_DEVICE:{wildcards.experiment}}, {threads} thread(s)"
    output:
        OUT + "results/training/{experiment}/metrics.csv",
    input:
        data=lambda w: training_data(w.experiment),
    params:
        # the package source the job runs, by content (a param, not ~30 inputs per job: see provenance.files_digest)
        code=lambda w: files_digest(training_code(w.experiment), workflow.basedir),
        code_files=lambda w: " ".join(training_code(w.experiment)),
        spec=lambda w: json.dumps(TRAINING[w.experiment], sort_keys=True),
        data=lambda w: " ".join(f"--data {p}" for p in training_data(w.experiment)),
        checkpoint=OUT + "results/training/{experiment}/checkpoint.pt",
    wildcard_constraints:
        experiment="[^/]+",  # any name: TRAINING[...] in the input functions refuses unknown ones (an alternation of
        # every name would cost ~1 ms per job at paper scale)
    log:
        OUT + "logs/training/{experiment}.log",
    benchmark:  # wall and CPU time, peak memory of the job (benchmarks/build_cost.py sums them)
        OUT + "results/benchmarks/train/{experiment}.tsv",
    group:
        _TRAINING_GROUP
    threads: lambda w: training_threads(w.experiment)
    resources:
        gpu=lambda w: training_placement(w.experiment).gpu,
        gres=lambda w: training_placement(w.experiment).gres,
        mem_mb=_COMPUTE["mem_mb"],
        runtime=_COMPUTE["runtime_min"],
    shell:
        "echo 'input: {input}' > {log}; echo 'code (sha256 {params.code}): {params.code_files}' >> {log}; "
        "{PY} -m fa_repro.cli train --spec {params.spec:q} {params.data} --name {wildcards.experiment} "
        "--checkpoint {params.checkpoint} --threads {threads} --out {output} 2>> {log}"
