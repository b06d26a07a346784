"""Diverged runs stay visible (issue 17, item 6): every training leaf's data count them, its figure or table
lists them, the claims that read it say so, and Boopathy's Fig. 8 marks where a run stopped."""
from __future__ import annotations

import numpy as np
import pandas as pd

from fa_repro.claims import evaluate, render
from fa_repro.cli import main


def metrics(experiment: str, diverged_seed: int | None, epochs=3, seeds=2, **tags) -> pd.DataFrame:
    """A metrics table as the training engine writes it; a diverged seed has NaN metrics from epoch 2 on."""
    rows = []
    for seed in range(seeds):
        for epoch in range(epochs + 1):
            gone = seed == diverged_seed and epoch >= 2
            rows.append({"experiment": experiment, "epoch": epoch, "seed": seed, "diverged": gone,
                         "diverged_epoch": 2 if seed == diverged_seed else None,
                         "wa_global": np.nan if gone else 0.1 * epoch, "ga_global": np.nan if gone else 0.2 * epoch,
                         "test_acc": np.nan if gone else 0.5, **tags})
    return pd.DataFrame(rows)


def test_a_training_leaf_counts_lists_and_reports_its_diverged_runs(tmp_path):
    inputs = {}
    for name, seed in (("refinetti2021_degeneracy_mnist_relu_dfa", 1), ("refinetti2021_degeneracy_mnist_tanh_dfa", None)):
        path = tmp_path / f"{name}.csv"
        metrics(name, seed, dataset="mnist", activation=name.split("_")[3], algorithm="dfa").to_csv(path, index=False)
        inputs[name] = path
    out = tmp_path / "fig6"
    main(["figure", "refinetti2021_fig6", *[f"--input={n}={p}" for n, p in inputs.items()], "--params",
          '{"scale": "ci"}', "--csv", f"{out}.csv", "--pdf", f"{out}.pdf", "--png", f"{out}.png"])
    data = pd.read_csv(f"{out}.csv")
    assert set(data.diverged_runs) == {1}
    fake = pd.DataFrame([{"claim": "X", "paper": "p", "figure": "f", "statement": "s", "paper_value": "v",
                          "our_value": "0.5", "status": "pass", "scale": "ci", "diverged_runs": 2, "why_it_fails": ""}])
    assert "0.5 (rests on data with 2 diverged runs)" in render(fake)


def test_a_table_leaf_lists_its_diverged_runs(tmp_path):
    inputs = []
    for method, seed in (("bp", None), ("pepita", 0)):
        name = f"srinivasan2024_mnist_h1_{method}_plain"
        path = tmp_path / f"{name}.csv"
        metrics(name, seed, method=method, variant="plain", dataset="mnist", n_hidden=1).to_csv(path, index=False)
        inputs.append(f"--input={name}={path}")
    out = tmp_path / "t1"
    main(["table", "srinivasan2024_table1", *inputs, "--params", '{"scale": "ci"}', "--csv", f"{out}.csv",
          "--md", f"{out}.md", "--display", f"{out}.display.csv"])
    data = pd.read_csv(f"{out}.csv")
    assert set(data.diverged_runs) == {1}
    # the claims resting on that table say so (whatever their verdict on these made-up numbers)
    claims = evaluate({"srinivasan2024_table1": data}, "ci")
    on_table = claims[claims.figure == "srinivasan2024_table1"]
    assert len(on_table) == 2 and (on_table.diverged_runs == 1).all()
    assert (claims[claims.figure != "srinivasan2024_table1"].diverged_runs == 0).all()
    assert ("**Diverged runs.** 1 of 4 runs diverged (loss not finite; their metrics are NaN from then on): "
            "srinivasan2024_mnist_h1_pepita_plain seed 0 at epoch 2") in (tmp_path / "t1.md").read_text()


def test_boopathy_fig8_keeps_the_epochs_after_a_run_diverged():
    from fa_repro.figures import boopathy2022_fig8 as fig8

    df = metrics("boopathy2022_cifar10_alignment", 0, epochs=4, seeds=1, dataset="cifar10", width=8)
    df["alignment_layer1"] = df.wa_global
    df["alignment_baseline_layer1"] = df.ga_global
    data = fig8.table({"a": df}, {})
    assert list(data.epoch) == [1, 2, 3, 4]
    assert list(data.n_diverged) == [0, 1, 1, 1] and data.alignment.iloc[1:].isna().all()
    fig = fig8.draw(data, {})
    assert "1 of 1 runs diverged at epoch 2" in fig.axes[0].get_title()
