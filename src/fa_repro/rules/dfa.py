"""Direct feedback alignment (Nøkland 2016; Refinetti et al. 2021): hidden layer l receives B_l e."""

from __future__ import annotations

from fa_repro.rules.direct_feedback import DirectFeedback


class DirectFeedbackAlignment(DirectFeedback):
    name = "dfa"

    def signal(self, error, target):
        return error
