"""Weight and gradient alignment (Refinetti et al. 2021 Eqs. 18–19), Chu & Bacho's update alignment, the
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


def _with_restored_grads(model, fn):
    saved = [p.grad for p in model.parameters()]
    try:
        return fn()
    finally:
        for p, g in zip(model.parameters(), saved):
            p.grad = g


def hidden_errors(model, rule, x, target, loss) -> dict[int, torch.Tensor]:
    """δa_l, the error signal a rule's update sends to each hidden pre-activation a_l, per example (S, B, …):
    Refinetti Eq. 2 for BP, Eq. 3 for FA, Eq. 4 for DFA. Read off the rule's own backward pass (a hook on every
    hidden pre-activation of the traces it runs) and keyed by the layer (its index among the model's hidden
    layers, the time step for the RNN); a layer the rule sends nothing to is absent. A layer that receives a
    signal twice (from two forward passes, or two backward passes through one) has no single δa: refused.
    The model's ``.grad`` are left as found."""
    store: dict[int, torch.Tensor] = {}
    repeated: set[int] = set()
    original = model.trace

    def keep(layer: int, grad: torch.Tensor) -> None:
        if layer in store:
            repeated.add(layer)
        store[layer] = grad.detach()

    def trace(*args, **kwargs):
        result = original(*args, **kwargs)
        for layer, u in enumerate(result.hidden_pre):
            if u.requires_grad:
                u.register_hook(lambda g, layer=layer: keep(layer, g))
        return result

    def run():
        model.zero_grad(set_to_none=True)
        model.trace = trace
        try:
            rule.gradients(model, x, target, loss)
        finally:
            del model.trace
        if repeated:
            raise ValueError(
                f"rule {rule.name!r} sends hidden layer(s) {_layer_names(repeated)} an error signal more than once "
                "(two forward passes, or two backward passes through one): its δa there is not one signal, so "
                "its gradient alignment is undefined; measure update_alignment instead")
        return dict(store)

    return _with_restored_grads(model, run)


def _layer_names(layers) -> str:
    return ", ".join(str(l + 1) for l in sorted(layers))


def per_example_cosine(a: list[torch.Tensor], b: list[torch.Tensor]) -> torch.Tensor:
    """Batch mean of the per-example cosine between the concatenations of ``a`` and ``b`` (each (S, B, …)), per seed;
    an example whose two vectors are both zero counts as aligned (1), as in the authors' code."""
    a_flat = torch.cat([t.flatten(start_dim=2) for t in a], 2)
    b_flat = torch.cat([t.flatten(start_dim=2) for t in b], 2)
    norm_a, norm_b = a_flat.norm(dim=2), b_flat.norm(dim=2)
    c = (a_flat * b_flat).sum(2) / (norm_a * norm_b).clamp_min(1e-30)
    c = torch.where((norm_a == 0) & (norm_b == 0), torch.ones_like(c), c)
    return c.mean(1)


def gradient_alignment(model, rule, x, target, loss) -> dict[str, torch.Tensor]:
    """Refinetti Eqs. 18–19: GA = ∠(G^rule, G^BP) with G = (δa_1, …, δa_{L−1}), the error signals at the hidden
    layers (the output layer's is e for every rule, so it is left out), on a fixed evaluation batch. As in the
    authors' code the cosine is taken per example and averaged over the batch. Keys ``layer<l>`` (hidden layers,
    1-based) and ``global`` (all hidden layers concatenated)."""
    ours = hidden_errors(model, rule, x, target, loss)
    bp = hidden_errors(model, Backprop(), x, target, loss)
    if set(ours) != set(bp):  # each δa is compared with BP's at the same layer, never with a neighbour's
        problems = []
        if set(bp) - set(ours):
            problems.append(f"sends no error signal to hidden layer(s) {_layer_names(set(bp) - set(ours))}")
        if set(ours) - set(bp):
            problems.append(f"sends one to hidden layer(s) {_layer_names(set(ours) - set(bp))}, which BP does not")
        raise ValueError(f"gradient alignment compares the error signal of rule {rule.name!r} at each hidden layer "
                         f"with BP's at the same layer, but the rule {' and '.join(problems)}; measure "
                         "update_alignment (the cosine of the weight updates) instead")
    layers = sorted(bp)
    out = {f"layer{l + 1}": per_example_cosine([ours[l]], [bp[l]]) for l in layers}
    out["global"] = per_example_cosine([ours[l] for l in layers], [bp[l] for l in layers])
    return out


def update_alignment(model, rule, x, target, loss) -> dict[str, torch.Tensor]:
    """Chu & Bacho's gradient alignment, defined on the weight updates: layerwise and global cosine between the
    rule's update ΔW and the BP gradient on a fixed evaluation batch (output layer included). Leaves the model's
    ``.grad`` as it found them."""

    def run():
        model.zero_grad(set_to_none=True)
        rule.gradients(model, x, target, loss)
        g_rule = _weight_grads(model)
        model.zero_grad(set_to_none=True)
        Backprop().gradients(model, x, target, loss)
        return g_rule, _weight_grads(model)

    g_rule, g_bp = _with_restored_grads(model, run)
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

