# The claims registry (src/fa_repro/claims.py) checked on the data of every built leaf: results/claims.csv and
# figures/claims.md. Reruns whenever a leaf it reads changes; a claim whose leaf is not built says why.

from fa_repro.claims import CLAIMS, PAPER_NUMBERS

CLAIM_LEAVES = sorted({c.figure for c in CLAIMS if c.figure in FIGURES or c.figure in TABLES})


def claims_params():
    missing = {}
    for c in CLAIMS:
        if c.figure not in CLAIM_LEAVES:
            why = LEAF_MISSING.get(c.figure)
            missing[c.figure] = ("needs " + ", ".join(f"{d} ({r})" for d, r in why.items())) if why else "leaf not built"
    return json.dumps({"scale": CFG["scale"], "missing": missing}, sort_keys=True)


rule claims:
    message:
        "claims"
    output:
        csv=report("results/claims.csv", caption="../report/claims.rst", category="Claims"),
        md="figures/claims.md",
    input:
        **{leaf: f"results/figures/{leaf}.csv" for leaf in CLAIM_LEAVES},
        code=code("fa_repro.claims") + paper_number_files(PAPER_NUMBERS),
    params:
        inputs=lambda w, input: " ".join(f"--input {leaf}={input[leaf]}" for leaf in CLAIM_LEAVES),
        claims=claims_params(),
    log:
        "logs/claims.log",
    benchmark:  # wall and CPU time, peak memory of the job (benchmarks/build_cost.py sums them)
        "results/benchmarks/claims/claims.tsv",
    resources:
        mem_mb=CFG["compute"]["figures"]["mem_mb"],
        runtime=CFG["compute"]["figures"]["runtime_min"],
    shell:
        "echo 'input: {input}' > {log}; "
        "{PY} -m fa_repro.cli claims {params.inputs} --params {params.claims:q} --csv {output.csv} --md {output.md} "
        "2>> {log}"
