# Datasets: torchvision download (a local rule: on a cluster it runs where the internet is), then one
# prepared tensor file per dataset that every training job reads (src/fa_repro/data/).

DATA_ROOT = CFG["data_root"]
DATA_SOURCES = CFG["data"]["sources"]


def prepared_dataset(name):
    return f"{DATA_ROOT}/prepared/{name}.pt"


def download_record(name):
    return f"{DATA_ROOT}/torchvision/{name}.download.json"


localrules: download_dataset


rule download_dataset:
    message:
        "download_dataset {wildcards.dataset}"
    output:
        f"{DATA_ROOT}/torchvision/{{dataset}}.download.json",
    params:
        root=f"{DATA_ROOT}/torchvision",
    wildcard_constraints:
        dataset="mnist|kmnist|cifar10|cifar100",
    log:
        "logs/data/{dataset}.download.log",
    benchmark:  # wall and CPU time, peak memory of the job (benchmarks/build_cost.py sums them)
        "results/benchmarks/download_dataset/{dataset}.tsv",
    shell:
        "echo 'input: {input}' > {log}; "
        "{PY} -m fa_repro.cli download-data {wildcards.dataset} --root {params.root} --record {output} 2>> {log}"


def _prepare_inputs(w):
    source = DATA_SOURCES[w.dataset]
    inputs = code("fa_repro.data.sources")
    if source["kind"] == "download":
        inputs.append(download_record(w.dataset))
    return inputs


# update(): Snakemake keeps the previous prepared file while the job runs and puts it back if the job fails
rule prepare_dataset:
    message:
        "prepare_dataset {wildcards.dataset}"
    output:
        update(f"{DATA_ROOT}/prepared/{{dataset}}.pt"),
    input:
        _prepare_inputs,
    params:
        source=lambda w: json.dumps(DATA_SOURCES[w.dataset], sort_keys=True),
        download_root=f"{DATA_ROOT}/torchvision",
    wildcard_constraints:
        dataset="mnist|kmnist|cifar10|cifar100|imagenet",
    log:
        "logs/data/{dataset}.prepare.log",
    benchmark:  # wall and CPU time, peak memory of the job (benchmarks/build_cost.py sums them)
        "results/benchmarks/prepare_dataset/{dataset}.tsv",
    resources:
        mem_mb=CFG["compute"]["data"]["mem_mb"],
        runtime=CFG["compute"]["data"]["runtime_min"],
    shell:
        "echo 'input: {input}' > {log}; "
        "{PY} -m fa_repro.cli prepare-data {wildcards.dataset} --source {params.source:q} "
        "--download-root {params.download_root} --out {output} 2>> {log}"
