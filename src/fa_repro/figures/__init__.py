"""One module per figure or table of the catalogue (``shared/FIGURES.md``).

Each module defines ``INPUTS`` (names of the result tables it reads), ``table(inputs, params)``
returning the tidy data plotted (written to ``results/figures/<id>.csv``) and ``draw(table, params)``
returning the matplotlib figure drawn only from that table.
"""
