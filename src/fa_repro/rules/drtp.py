"""Direct random target projection (Frenkel et al. 2021): hidden layers receive B_l(−y*), the target standing
in for the error (−y* has the error's sign on the true class); the output layer uses the true error."""

from __future__ import annotations

from fa_repro.rules.direct_feedback import DirectFeedback


class DirectRandomTargetProjection(DirectFeedback):
    name = "drtp"

    def signal(self, error, target):
        return -target
