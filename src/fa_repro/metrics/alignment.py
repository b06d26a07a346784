"""Weight and gradient alignment (Refinetti et al. 2021 Eqs. 18–19; Chu & Bacho's alignment measure), the
similarity of two networks' weights, and PEPITA's F–W_tot angle (Srinivasan et al. 2024 Fig. 3c).

Every function works per seed: tensors carry the model's leading seed axis and results are (S,) tensors.
"""

from __future__ import annotations

import torch

from fa_repro.rules.bp import Backprop


def cosine(a, b) -> torch.Tensor:
    """∠(A, B) = Vec(A)·Vec(B)/(‖A‖‖B‖) per seed; ``a``/``b`` are tensors or lists of tensors (concatenated)."""
    a = torch.cat([t.reshape(t.shape[0], -1) for t in a], 1) if isinstance(a, (list, tuple)) else a.reshape(a.shape[0], -1)
    b = torch.cat([t.reshape(t.shape[0], -1) for t in b], 1) if isinstance(b, (list, tuple)) else b.reshape(b.shape[0], -1)
    return (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1)).clamp_min(1e-30)


def weight_alignment(model, rule) -> dict[str, torch.Tensor]:
    """Layerwise and global weight alignment: cos(W_l, image_l) with the rule's feedback image of layer l
    (DFA: F_l F_{l−1}ᵀ and F_{L−1}ᵀ, Eq. 18; FA: B_l). Keys ``layer<l>`` (1-based) and ``global``."""
    images = rule.feedback_images(model)
    if images is None:
        raise ValueError(f"rule {rule.name!r} has no feedback weights, so no weight alignment")
    weights = [w for w, _ in model.weight_layers()]
    with torch.no_grad():
        out = {f"layer{l + 1}": cosine(weights[l], img) for l, img in images}
        out["global"] = cosine([weights[l] for l, _ in images], [img for _, img in images])
    return out


def _weight_grads(model):
    return [w.grad.detach().clone() if w.grad is not None else torch.zeros_like(w) for w, _ in model.weight_layers()]


def gradient_alignment(model, rule, x, target, loss) -> dict[str, torch.Tensor]:
    """Layerwise and global cosine between the rule's weight update and the true BP gradient on a fixed
    evaluation batch (Refinetti Eqs. 18–19, GA). Leaves the model's ``.grad`` as it found them."""
    saved = [p.grad for p in model.parameters()]
    model.zero_grad(set_to_none=True)
    rule.gradients(model, x, target, loss)
    g_rule = _weight_grads(model)
    model.zero_grad(set_to_none=True)
    Backprop().gradients(model, x, target, loss)
    g_bp = _weight_grads(model)
    for p, g in zip(model.parameters(), saved):
        p.grad = g
    out = {f"layer{l + 1}": cosine(a, b) for l, (a, b) in enumerate(zip(g_rule, g_bp))}
    out["global"] = cosine(g_rule, g_bp)
    return out


def stacked_weight_similarity(model_a, model_b) -> torch.Tensor:
    """Cosine similarity between the stacked weights of two networks, per seed (Refinetti Fig. 5)."""
    with torch.no_grad():
        return cosine([w for w, _ in model_a.weight_layers()], [w for w, _ in model_b.weight_layers()])


def feedback_angle(model, feedback: torch.Tensor) -> torch.Tensor:
    """Angle in degrees between PEPITA's feedback F (S, d_in, n_out) and W_totᵀ, W_tot = W_L ⋯ W_1
    (Srinivasan et al. 2024, Fig. 3c and App. Figs. 9–10)."""
    with torch.no_grad():
        weights = [w for w, _ in model.weight_layers()]
        total = weights[0]
        for w in weights[1:]:
            total = torch.matmul(w, total)
        c = cosine(feedback, total.transpose(-1, -2)).clamp(-1.0, 1.0)
        return torch.rad2deg(torch.arccos(c))

