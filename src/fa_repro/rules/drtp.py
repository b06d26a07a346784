"""Direct random target projection (Frenkel et al. 2021; Srinivasan et al. 2024's baseline): hidden layers
receive the target in place of the error (−y* has the error's sign on the true class):

    δa_l^DRTP = (B_l (−y*)) ⊙ g′(a_l),   ΔW_l = −η δa_l h_{l−1}ᵀ;   the output layer uses the true error e.
"""

from __future__ import annotations

from fa_repro.rules.direct_feedback import DirectFeedback


class DirectRandomTargetProjection(DirectFeedback):
    name = "drtp"

    def signal(self, error, target):
        return -target
