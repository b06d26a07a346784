# The claims registry (src/fa_repro/claims.py) checked on the data of every built leaf of this scale:
# <OUT>results/claims.csv (reruns whenever a leaf it reads changes; a claim whose leaf is not built says why), and
# figures/claims.md: every claim at every scale built so far, side by side, with the verdict of record (the
# largest scale built). The cross-scale table reads the claims tables of the scales on disk when the workflow is
# parsed: switching scales adds a column, switching back reruns nothing.

from pathlib import Path

from fa_repro.claims import CLAIMS, PAPER_NUMBERS
from fa_repro.config import SCALES_BY_SIZE

CLAIM_LEAVES = sorted({c.figure for c in CLAIMS if c.figure in FIGURES or c.figure in TABLES})
CLAIMS_ACROSS_SCALES = "figures/claims.md"


def claims_params():
    missing = {}
    for c in CLAIMS:
        if c.figure not in CLAIM_LEAVES:
            why = LEAF_MISSING.get(c.figure)
            missing[c.figure] = ("needs " + ", ".join(f"{d} ({r})" for d, r in why.items())) if why else (
                "leaf not built" if c.figure in SELECTED_LEAVES else "not among this build's leaves (config leaves)")
    return json.dumps({"scale": CFG["scale"], "missing": missing}, sort_keys=True)


def scale_claims_tables():
    """{scale: its claims table}: this scale's (built by this run), and every other scale's already on disk."""
    tables = {s: f"{scale_root(s)}results/claims.csv" for s in SCALES_BY_SIZE}
    return {s: path for s, path in tables.items() if s == CFG["scale"] or Path(path).exists()}


rule claims:
    message:
        "claims"
    output:
        csv=report(OUT + "results/claims.csv", caption="../report/claims.rst", category="Claims"),
    input:
        **{leaf: f"{OUT}results/figures/{leaf}.csv" for leaf in CLAIM_LEAVES},
        code=code("fa_repro.claims") + paper_number_files(PAPER_NUMBERS),
    params:
        inputs=lambda w, input: " ".join(f"--input {leaf}={input[leaf]}" for leaf in CLAIM_LEAVES),
        claims=claims_params(),
    log:
        OUT + "logs/claims.log",
    benchmark:  # wall and CPU time, peak memory of the job (benchmarks/build_cost.py sums them)
        OUT + "results/benchmarks/claims/claims.tsv",
    resources:
        mem_mb=CFG["compute"]["figures"]["mem_mb"],
        runtime=CFG["compute"]["figures"]["runtime_min"],
    shell:
        "echo 'input: {input}' > {log}; "
        "{PY} -m fa_repro.cli claims {params.inputs} --params {params.claims:q} --csv {output.csv} 2>> {log}"


rule claims_across_scales:
    message:
        "claims_across_scales"
    output:
        md=report(CLAIMS_ACROSS_SCALES, caption="../report/claims.rst", category="Claims"),
    input:
        **scale_claims_tables(),
        code=code("fa_repro.claims"),
    params:
        inputs=lambda w, input: " ".join(f"--input {s}={input[s]}" for s in scale_claims_tables()),
    log:
        "logs/claims_across_scales.log",
    benchmark:  # shared by the scales: at the top, with the quick build's
        "results/benchmarks/claims_across_scales/claims.tsv",
    resources:
        mem_mb=CFG["compute"]["figures"]["mem_mb"],
        runtime=CFG["compute"]["figures"]["runtime_min"],
    shell:
        "echo 'input: {input}' > {log}; "
        "{PY} -m fa_repro.cli claims-across-scales {params.inputs} --md {output.md} 2>> {log}"
