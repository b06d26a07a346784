"""Align-prop (Boopathy & Fiete 2022, App. G): feedback alignment whose fixed feedback weights are the forward
weights at initialisation, so the backward path keeps the current activation derivatives:

    δa_l = (W_{l+1}(0)ᵀ δa_{l+1}) ⊙ g′(a_l(t)),   ΔW_l = −η δa_l h_{l−1}(t)ᵀ.
"""

from __future__ import annotations

from fa_repro.rules.fa import FeedbackAlignment


class AlignProp(FeedbackAlignment):
    name = "align_prop"

    def __init__(self):
        super().__init__()

    def _initial_feedback(self, weight, generator):
        return weight.detach().clone()
