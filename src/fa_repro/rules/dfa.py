"""Direct feedback alignment (Nøkland 2016; Refinetti et al. 2021, Eqs. 1 and 4).

The output error e = ∂J/∂ŷ (for ½‖ŷ − y‖²: ŷ − y) goes straight to every hidden layer through a fixed random
matrix B_l (Refinetti's F_l):

    δa_L = e,    δa_l^DFA = (B_l e) ⊙ g′(a_l)   (Eq. 4),    ΔW_l = −η δa_l h_{l−1}ᵀ   (Eq. 1 for l = L).

Applied in :meth:`DirectFeedback.gradients`: B_l e is injected at h_l = g(a_l) and autograd multiplies it by
g′(a_l) and h_{l−1}ᵀ inside the layer only (the layer's input is detached), so no error crosses W_{l+1}ᵀ.
"""

from __future__ import annotations

from fa_repro.rules.direct_feedback import DirectFeedback


class DirectFeedbackAlignment(DirectFeedback):
    name = "dfa"

    def signal(self, error, target):
        return error
