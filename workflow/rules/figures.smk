# One leaf per figure: aggregate result tables into results/figures/<id>.csv and draw
# figures/<id>.pdf and .png from that table alone (src/fa_repro/figures/<id>.py).


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


def figure_params(fig):
    return json.dumps({"scale": CFG["scale"], **CFG["figures"].get(fig, {})}, sort_keys=True)


rule figure:
    output:
        pdf="figures/{figure}.pdf",
        png="figures/{figure}.png",
        csv="results/figures/{figure}.csv",
    input:
        unpack(lambda w: FIGURES[w.figure]),
        code=lambda w: code(f"fa_repro.figures.{w.figure}", "fa_repro.plotting"),
    params:
        inputs=lambda w, input: " ".join(f"--input {name}={input[name]}" for name in FIGURES[w.figure]),
        figure=lambda w: figure_params(w.figure),
    wildcard_constraints:
        figure="|".join(FIGURES),
    log:
        "logs/figures/{figure}.log",
    shell:
        "{PY} -m fa_repro.cli figure {wildcards.figure} {params.inputs} --params {params.figure:q} "
        "--csv {output.csv} --pdf {output.pdf} --png {output.png} 2> {log}"
