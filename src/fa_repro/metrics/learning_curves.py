"""The slowness of a learning curve (Srinivasan et al. 2024, Sec. 6.2 and App. Table 3).

The "plateau equation" of Dellaferrera et al. (2022), acc(t) = a·t/(s + t), is fitted to the test accuracy
over epochs; the slowness s is the number of epochs needed to reach half of the plateau a (smaller = faster).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import curve_fit


def plateau_curve(t, plateau, slowness):
    return plateau * t / (slowness + t)


def slowness(epochs, accuracy) -> tuple[float, float]:
    """Least-squares fit of acc(t) = a·t/(s + t); returns (a, s). Epochs start at 1 (after the first epoch)."""
    t = np.asarray(epochs, dtype=float)
    y = np.asarray(accuracy, dtype=float)
    ok = np.isfinite(y)
    if ok.sum() < 3:
        raise ValueError("the slowness fit needs at least three finite points")
    (a, s), _ = curve_fit(plateau_curve, t[ok], y[ok], p0=(max(y[ok].max(), 1e-3), 1.0),
                          bounds=([0.0, 0.0], [np.inf, np.inf]), maxfev=20000)
    return float(a), float(s)
