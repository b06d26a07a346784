# Training experiments (config.yaml: training.<name>): one job trains all seeds of an experiment as one
# batched model and writes per-epoch metrics (src/fa_repro/training/). A job killed mid-run resumes from
# its checkpoint when rerun.

from fa_repro.config import check_sources, validate_training_specs
from fa_repro.experiments import grids, selection_tags, training_specs
from fa_repro.provenance import files_digest
from fa_repro.registry import model_module, rule_module, rule_name

# hand-written experiments (config.yaml: training) and the papers' grids (config.yaml: experiments)
_GRIDS = grids(CFG["experiments"])
TRAINING = {**CFG["training"], **training_specs(CFG["experiments"], _GRIDS)}
RUN_TAGS = selection_tags(CFG["experiments"], _GRIDS)  # what leaves select runs by (figures.smk)
validate_training_specs(TRAINING, SCHEMA)
check_sources(DATA_SOURCES, {s["data"]["dataset"] for s in TRAINING.values() if "dataset" in s["data"]})


def training_code(name):
    spec = TRAINING[name]
    return code("fa_repro.training.experiment", rule_module(rule_name(spec)), model_module(spec["model"]["kind"]))


def training_data(name):
    dataset = TRAINING[name]["data"].get("dataset")
    return [prepared_dataset(dataset)] if dataset else []


rule train:
    message:
        "train {wildcards.experiment} on {resources.gpu} GPU(s), {threads} thread(s)"
    output:
        "results/training/{experiment}/metrics.csv",
    input:
        data=lambda w: training_data(w.experiment),
    params:
        # the package source the job runs, by content (a param, not ~30 inputs per job: see provenance.files_digest)
        code=lambda w: files_digest(training_code(w.experiment), workflow.basedir),
        code_files=lambda w: " ".join(training_code(w.experiment)),
        spec=lambda w: json.dumps(TRAINING[w.experiment], sort_keys=True),
        data=lambda w: " ".join(f"--data {p}" for p in training_data(w.experiment)),
        checkpoint="results/training/{experiment}/checkpoint.pt",
    wildcard_constraints:
        experiment="[^/]+",  # any name: TRAINING[...] in the input functions refuses unknown ones (an alternation of
        # every name would cost ~1 ms per job at paper scale)
    log:
        "logs/training/{experiment}.log",
    threads: CFG["compute"]["training"]["cpus"]
    resources:
        gpu=training_gpus,
        mem_mb=CFG["compute"]["training"]["mem_mb"],
        runtime=CFG["compute"]["training"]["runtime_min"],
    shell:
        "echo 'input: {input}' > {log}; echo 'code (sha256 {params.code}): {params.code_files}' >> {log}; "
        "{PY} -m fa_repro.cli train --spec {params.spec:q} {params.data} --name {wildcards.experiment} "
        "--checkpoint {params.checkpoint} --threads {threads} --out {output} 2>> {log}"
