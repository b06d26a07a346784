# One leaf per figure or table, each declared once in src/fa_repro/figures/leaves.yaml: its runs are selected by
# their tags, its teacher-student tables named. A figure aggregates its result tables into results/figures/<id>.csv
# and draws figures/<id>.pdf and .png from that table alone (src/fa_repro/figures/<id>.py); a table renders
# figures/<id>.md and .csv.

from fa_repro.config import selected_leaves, user_supplied_missing
from fa_repro.figures.leaves import LEAVES, PAPERS, check_figure_params, leaf_runs, rst_text, teacher_student_table
from fa_repro.paper_numbers import path as paper_numbers_file

check_figure_params(CFG["figures"])

# datasets a leaf cannot include here: `unavailable` sources, and user-supplied ones (ImageNet) without a copy
UNAVAILABLE = {d: s.get("reason", "unavailable") for d, s in DATA_SOURCES.items() if s["kind"] == "unavailable"}
UNAVAILABLE.update(user_supplied_missing(DATA_SOURCES))


def leaf_inputs(leaf):
    """({input name: result table}, {dataset left out: why}) of one declared leaf."""
    inputs = {name: OUT + teacher_student_table(experiment, name) for name, experiment in leaf.teacher_student.items()}
    missing = {}
    for run in leaf_runs(leaf, RUN_TAGS):
        dataset = TRAINING[run]["data"].get("dataset")
        if dataset in UNAVAILABLE:
            missing[dataset] = UNAVAILABLE[dataset]
        else:
            inputs[run] = f"{OUT}results/training/{run}/metrics.csv"
    return inputs, missing


FIGURES, TABLES, LEAF_MISSING = {}, {}, {}  # leaf -> inputs (built leaves); leaf -> {dataset: reason}
SELECTED_LEAVES = selected_leaves(CFG, LEAVES)  # config leaves: all, a set of leaf_sets, or a list
for _leaf in (LEAVES[_id] for _id in SELECTED_LEAVES):
    _inputs, _missing = leaf_inputs(_leaf)
    if _missing:
        LEAF_MISSING[_leaf.id] = _missing
    if _inputs:
        (TABLES if _leaf.kind == "table" else FIGURES)[_leaf.id] = _inputs
for _leaf, _missing in sorted(LEAF_MISSING.items()):
    _state = "built without" if _leaf in FIGURES or _leaf in TABLES else "NOT BUILT: needs"
    print(f"fa-repro: {_leaf} {_state} {', '.join(sorted(_missing))} ({'; '.join(sorted(set(_missing.values())))})",
          file=sys.stderr)


def caption(leaf_id):
    """The report caption of a leaf: paper, figure, what it shows, scale and parameters, claims it supports."""
    from fa_repro.claims import CLAIMS

    leaf = LEAVES[leaf_id]
    claims = ", ".join(f"{c.id} ({rst_text(c.statement)})" for c in CLAIMS if c.figure == leaf_id) or "none registered"
    inputs = FIGURES.get(leaf_id) or TABLES.get(leaf_id) or {}
    missing = LEAF_MISSING.get(leaf_id)
    text = (f"**{PAPERS[leaf.paper]}, {leaf.number}.** {rst_text(leaf.caption)}. Scale ``{CFG['scale']}``; figure parameters "
            f"``{figure_params(leaf_id)}``; built from {len(inputs)} result table(s) "
            f"(each carries the config and seeds that produced it). Claims: {claims}.")
    if missing:
        text += " Not included: " + "; ".join(f"{d} ({rst_text(r)})" for d, r in missing.items()) + "."
    return text


def figure_params(leaf_id):
    params = {"scale": CFG["scale"], **CFG["figures"].get(leaf_id, {})}
    if leaf_id in LEAF_MISSING:
        params["unavailable"] = LEAF_MISSING[leaf_id]
    return json.dumps(params, sort_keys=True)


def paper_number_files(names):
    """The data files of the papers' printed numbers ``names`` (rule inputs: correcting one reruns its readers)."""
    return [str(paper_numbers_file(n, workflow.basedir)) for n in names]


def leaf_code(leaf_id, *extra):
    """The package source a leaf runs and the printed-number files it reads."""
    return code(LEAVES[leaf_id].module, "fa_repro.figures.divergence", *extra) + \
        paper_number_files(LEAVES[leaf_id].paper_numbers)


rule figure:
    message:
        "figure {wildcards.figure}"
    output:
        pdf=OUT + "figures/{figure}.pdf",
        png=report(OUT + "figures/{figure}.png", caption="../report/figure.rst", category="Figures",
                   subcategory="{figure}"),
        csv=OUT + "results/figures/{figure}.csv",
    input:
        unpack(lambda w: FIGURES[w.figure]),
        code=lambda w: leaf_code(w.figure, "fa_repro.plotting"),
    params:
        inputs=lambda w, input: " ".join(f"--input {name}={input[name]}" for name in FIGURES[w.figure]),
        figure=lambda w: figure_params(w.figure),
        caption=lambda w: caption(w.figure),
    wildcard_constraints:
        figure="|".join(FIGURES),
    log:
        OUT + "logs/figures/{figure}.log",
    benchmark:  # wall and CPU time, peak memory of the job (benchmarks/build_cost.py sums them)
        OUT + "results/benchmarks/figure/{figure}.tsv",
    resources:
        mem_mb=CFG["compute"]["figures"]["mem_mb"],
        runtime=CFG["compute"]["figures"]["runtime_min"],
    shell:
        "echo 'input: {input}' > {log}; "
        "{PY} -m fa_repro.cli figure {wildcards.figure} {params.inputs} --params {params.figure:q} "
        "--csv {output.csv} --pdf {output.pdf} --png {output.png} 2>> {log}"


rule table:
    message:
        "table {wildcards.table}"
    output:
        md=OUT + "figures/{table}.md",
        display=report(OUT + "figures/{table}.csv", caption="../report/figure.rst", category="Tables",
                       subcategory="{table}"),
        csv=OUT + "results/figures/{table}.csv",
    input:
        unpack(lambda w: TABLES[w.table]),
        code=lambda w: leaf_code(w.table),
    params:
        inputs=lambda w, input: " ".join(f"--input {name}={input[name]}" for name in TABLES[w.table]),
        table=lambda w: figure_params(w.table),
        caption=lambda w: caption(w.table),
    wildcard_constraints:
        table="|".join(TABLES) or "no-table",
    log:
        OUT + "logs/figures/{table}.log",
    benchmark:  # wall and CPU time, peak memory of the job (benchmarks/build_cost.py sums them)
        OUT + "results/benchmarks/table/{table}.tsv",
    resources:
        mem_mb=CFG["compute"]["figures"]["mem_mb"],
        runtime=CFG["compute"]["figures"]["runtime_min"],
    shell:
        "echo 'input: {input}' > {log}; "
        "{PY} -m fa_repro.cli table {wildcards.table} {params.inputs} --params {params.table:q} "
        "--csv {output.csv} --md {output.md} --display {output.display} 2>> {log}"
