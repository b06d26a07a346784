# One leaf per figure: aggregate result tables into results/figures/<id>.csv and draw
# figures/<id>.pdf and .png from that table alone (src/fa_repro/figures/<id>.py).

from fa_repro.config import user_supplied_missing


def ts(experiment, kind):
    return f"results/teacher_student/{experiment}/{'simulation' if kind == 'sim' else 'ode'}.csv"


# figure id -> {input name: result table}
FIGURES = {
    "refinetti2021_fig2": {"sim": ts("refinetti2021_fig2", "sim")},
    "refinetti2021_fig3a": {"sim": ts("refinetti2021_fig3", "sim"), "ode": ts("refinetti2021_fig3", "ode")},
    "refinetti2021_fig3b": {"sim": ts("refinetti2021_fig3", "sim")},
    "refinetti2021_fig4": {"sim": ts("refinetti2021_fig4", "sim")},
    "refinetti2021_fig4_plearn": {"sim": ts("refinetti2021_fig4", "sim")},
    "refinetti2021_fig10": {"sim": ts("refinetti2021_fig10", "sim"), "ode": ts("refinetti2021_fig10", "ode")},
    "srinivasan2024_fig2b": {"sim": ts("srinivasan2024_fig2", "sim"), "ode": ts("srinivasan2024_fig2", "ode")},
    "srinivasan2024_fig2c": {"sim": ts("srinivasan2024_fig2", "sim"), "ode": ts("srinivasan2024_fig2", "ode")},
    "srinivasan2024_fig7": {"sim": ts("srinivasan2024_fig2", "sim"), "ode": ts("srinivasan2024_fig2", "ode")},
}


def training_results(part):
    """{experiment: metrics table} of one part of a paper's generated grid."""
    return {name: f"results/training/{name}/metrics.csv" for name in sorted(TRAINING) if name.startswith(part)}


FIGURES.update({
    "refinetti2021_fig5": training_results("refinetti2021_degeneracy_"),
    "refinetti2021_fig6": {k: v for k, v in training_results("refinetti2021_degeneracy_").items() if k.endswith("_dfa")},
    "refinetti2021_fig7": training_results("refinetti2021_corruption_"),
    "refinetti2021_fig8": training_results("refinetti2021_targets_"),
    "refinetti2021_fig9": training_results("refinetti2021_corruption_"),
    "refinetti2021_fig12": training_results("refinetti2021_targets_"),
    "chu2024_fig1": training_results("chu2024_scale_"),
    "chu2024_fig2": training_results("chu2024_firstupdate_"),
    "chu2024_fig3": {**training_results("chu2024_epoch_"), **training_results("chu2024_early_")},
    "chu2024_fig4": training_results("chu2024_alignedstart_"),
    "chu2024_fig5": training_results("chu2024_stability_"),
})


# leaves of the grids that list their inputs (fa_repro.experiments.<paper>.figure_experiments); experiments on a
# dataset whose source is `unavailable` are left out and the leaf says which datasets it could not include
UNAVAILABLE = {d: s.get("reason", "unavailable") for d, s in DATA_SOURCES.items() if s["kind"] == "unavailable"}
UNAVAILABLE.update(user_supplied_missing(DATA_SOURCES))  # e.g. ImageNet while no copy is at its root
TABLE_IDS = ("srinivasan2024_table1", "srinivasan2024_table3", "boopathy2022_table1", "boopathy2022_table2",
             "boopathy2022_table10")
LEAF_MISSING = {}  # leaf -> {dataset: reason}
TABLES = {}
for _leaf, _names in figure_experiments(CFG["experiments"]).items():
    _datasets = {n: TRAINING[n]["data"].get("dataset") for n in _names}
    _missing = {d: UNAVAILABLE[d] for d in _datasets.values() if d in UNAVAILABLE}
    _inputs = {n: f"results/training/{n}/metrics.csv" for n in sorted(_names) if _datasets[n] not in UNAVAILABLE}
    if _missing:
        LEAF_MISSING[_leaf] = _missing
    if _inputs:
        (TABLES if _leaf in TABLE_IDS else FIGURES)[_leaf] = _inputs
for _leaf, _missing in sorted(LEAF_MISSING.items()):
    _state = "built without" if _leaf in FIGURES or _leaf in TABLES else "NOT BUILT: needs"
    print(f"fa-repro: {_leaf} {_state} {', '.join(sorted(_missing))} ({'; '.join(sorted(set(_missing.values())))})",
          file=sys.stderr)


def caption(leaf):
    """The report caption of a leaf: paper, figure, what it shows, scale and parameters, claims it supports."""
    from fa_repro.claims import CLAIMS
    from fa_repro.figures.catalogue import LEAVES, PAPERS

    paper = leaf.split("_")[0]
    number, what = LEAVES.get(leaf, ("", leaf))
    claims = ", ".join(f"{c.id} ({c.statement})" for c in CLAIMS if c.figure == leaf) or "none registered"
    inputs = FIGURES.get(leaf) or TABLES.get(leaf) or {}
    missing = LEAF_MISSING.get(leaf)
    text = (f"**{PAPERS.get(paper, paper)}, {number}.** {what}. Scale ``{CFG['scale']}``; figure parameters "
            f"``{figure_params(leaf)}``; built from {len(inputs)} result table(s) "
            f"(each carries the config and seeds that produced it). Claims: {claims}.")
    if missing:
        text += " Not included: " + "; ".join(f"{d} ({r})" for d, r in missing.items()) + "."
    return text


def figure_params(fig):
    params = {"scale": CFG["scale"], **CFG["figures"].get(fig, {})}
    if fig in LEAF_MISSING:
        params["unavailable"] = LEAF_MISSING[fig]
    return json.dumps(params, sort_keys=True)


rule figure:
    output:
        pdf="figures/{figure}.pdf",
        png=report("figures/{figure}.png", caption="../report/figure.rst", category="Figures",
                   subcategory="{figure}"),
        csv="results/figures/{figure}.csv",
    input:
        unpack(lambda w: FIGURES[w.figure]),
        code=lambda w: code(f"fa_repro.figures.{w.figure}", "fa_repro.plotting"),
    params:
        inputs=lambda w, input: " ".join(f"--input {name}={input[name]}" for name in FIGURES[w.figure]),
        figure=lambda w: figure_params(w.figure),
        caption=lambda w: caption(w.figure),
    wildcard_constraints:
        figure="|".join(FIGURES),
    log:
        "logs/figures/{figure}.log",
    resources:
        mem_mb=CFG["compute"]["figures"]["mem_mb"],
        runtime=CFG["compute"]["figures"]["runtime_min"],
    shell:
        "{PY} -m fa_repro.cli figure {wildcards.figure} {params.inputs} --params {params.figure:q} "
        "--csv {output.csv} --pdf {output.pdf} --png {output.png} 2> {log}"


rule table:
    output:
        md="figures/{table}.md",
        display=report("figures/{table}.csv", caption="../report/figure.rst", category="Tables",
                       subcategory="{table}"),
        csv="results/figures/{table}.csv",
    input:
        unpack(lambda w: TABLES[w.table]),
        code=lambda w: code(f"fa_repro.figures.{w.table}"),
    params:
        inputs=lambda w, input: " ".join(f"--input {name}={input[name]}" for name in TABLES[w.table]),
        table=lambda w: figure_params(w.table),
        caption=lambda w: caption(w.table),
    wildcard_constraints:
        table="|".join(TABLES) or "no-table",
    log:
        "logs/figures/{table}.log",
    resources:
        mem_mb=CFG["compute"]["figures"]["mem_mb"],
        runtime=CFG["compute"]["figures"]["runtime_min"],
    shell:
        "{PY} -m fa_repro.cli table {wildcards.table} {params.inputs} --params {params.table:q} "
        "--csv {output.csv} --md {output.md} --display {output.display} 2> {log}"
