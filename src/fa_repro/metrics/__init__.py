"""Alignment measures, Boopathy's alignment score, update norms and learning-curve fits."""

from fa_repro.metrics.alignment import (
    cosine,
    feedback_angle,
    gradient_alignment,
    hidden_errors,
    per_example_cosine,
    stacked_weight_similarity,
    update_alignment,
    weight_alignment,
)
from fa_repro.metrics.alignment_score import alignment_score
from fa_repro.metrics.updates import update_norms

__all__ = ["cosine", "feedback_angle", "gradient_alignment", "hidden_errors", "per_example_cosine",
           "stacked_weight_similarity", "update_alignment", "weight_alignment",
           "alignment_score", "slowness", "update_norms"]


def __getattr__(name):
    """``slowness`` on first use: its module imports SciPy's optimiser (0.45 s), which no training job needs and
    every one of them paid at start-up through the metric hooks (issue 24)."""
    if name == "slowness":
        from fa_repro.metrics.learning_curves import slowness

        return slowness
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
