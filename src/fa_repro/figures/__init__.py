"""One module per figure or table of the catalogue (``shared/FIGURES.md``), each declared once in
``leaves.yaml`` (paper, number, caption, parameters and its inputs: a selector over the training runs' tags, or
teacher–student tables; :mod:`fa_repro.figures.leaves`).

Each module defines ``table(inputs, params)`` returning the tidy data plotted (written to
``results/figures/<id>.csv``; ``inputs`` maps a run name, or ``sim`` / ``ode``, to its result table) and
``draw(table, params)`` returning the matplotlib figure drawn only from that table (tables: ``render``).
"""
