"""Metrics on constructed cases with known answers."""

import math

import numpy as np
import pytest
import torch

from fa_repro.metrics import (
    alignment_score,
    cosine,
    feedback_angle,
    gradient_alignment,
    per_example_cosine,
    slowness,
    update_alignment,
    stacked_weight_similarity,
    update_norms,
    weight_alignment,
)
from fa_repro.models import MLP, BoopathyCNN, MeanSquaredError
from fa_repro.rules import make_rule
from fa_repro.rules.base import output_error
from fa_repro.rules.dfa import DirectFeedbackAlignment


def gen(s=0):
    return torch.Generator().manual_seed(s)


def test_cosine_per_seed_and_concatenated():
    a = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    b = torch.tensor([[2.0, 0.0], [-1.0, -1.0]])
    torch.testing.assert_close(cosine(a, b), torch.tensor([1.0, -1.0]))
    # lists are concatenated before the cosine: [1,0 | 0,1]·[1,0 | 0,-1] = 0
    torch.testing.assert_close(cosine([a[:1], a[:1].flip(1)], [b[:1], -b[:1].flip(1)]), torch.tensor([0.0]))


def test_weight_alignment_of_dfa_follows_eq_18():
    model = MLP([5, 4, 3, 2], n_seeds=2, generator=gen(1))
    rule = make_rule("dfa")
    rule.bind(model, gen(2), (5,))
    B1, B2 = rule.B  # (S, 4, 2), (S, 3, 2)
    with torch.no_grad():  # put W_2 exactly on its image F_2 F_1ᵀ and W_3 anti-parallel to F_2ᵀ
        model.weights[1].copy_(3.0 * B2 @ B1.transpose(-1, -2))
        model.weights[2].copy_(-0.5 * B2.transpose(-1, -2))
    wa = weight_alignment(model, rule)
    torch.testing.assert_close(wa["layer2"], torch.ones(2))
    torch.testing.assert_close(wa["layer3"], -torch.ones(2))
    expected = cosine([model.weights[1], model.weights[2]], [B2 @ B1.transpose(-1, -2), B2.transpose(-1, -2)])
    torch.testing.assert_close(wa["global"], expected)
    with pytest.raises(ValueError, match="no feedback weights"):
        weight_alignment(model, make_rule("bp"))


def dfa_on_a_one_hidden_layer_mlp(feedback_seed):
    """A 5–4–3 MLP of two seeds with a bound DFA rule, a batch of 8 and the MSE loss."""
    model = MLP([5, 4, 3], n_seeds=2, generator=gen(1))
    rule = make_rule("dfa")
    rule.bind(model, gen(feedback_seed), (5,))
    return model, rule, torch.randn(2, 8, 5, generator=gen(3)), torch.randn(2, 8, 3, generator=gen(4)), MeanSquaredError()


def test_gradient_alignment_is_one_for_bp_like_feedback_and_restores_grads():
    model, rule, x, y, loss = dfa_on_a_one_hidden_layer_mlp(2)
    rule.B = [model.weights[1].detach().transpose(-1, -2).clone()]
    sentinel = torch.full_like(model.weights[0], 7.0)
    model.weights[0].grad = sentinel
    ga = gradient_alignment(model, rule, x, y, loss)
    torch.testing.assert_close(ga["global"], torch.ones(2))
    assert model.weights[0].grad is sentinel
    rule.bind(model, gen(5), (5,))
    ga = gradient_alignment(model, rule, x, y, loss)
    assert float(ga["layer1"].abs().max()) < 0.999
    assert set(ga) == {"layer1", "global"}  # hidden layers only: the output layer's error is e for every rule


class _DFASkippingHiddenLayer2(DirectFeedbackAlignment):
    """DFA that leaves hidden layer 2 without a signal (its representation is not sent B_2 e)."""
    name = "dfa_skipping_layer2"

    def gradients(self, model, x, target, loss, masks=None):
        trace = model.trace(x, masks=masks, detach_inputs=True)
        e = output_error(loss, trace.output, target)
        kept = [l for l in range(len(self.B)) if l != 1]
        torch.autograd.backward([trace.hidden_post[l] for l in kept] + [trace.output],
                                [e @ self.B[l].transpose(-1, -2) for l in kept] + [e])


class _DFAOnTwoPasses(DirectFeedbackAlignment):
    """DFA applied to two forward passes of the batch (a clean and a shifted one), both updating the weights."""
    name = "dfa_two_passes"

    def gradients(self, model, x, target, loss, masks=None):
        super().gradients(model, x, target, loss, masks)
        return super().gradients(model, x + 0.5, target, loss, masks)


def test_gradient_alignment_pairs_error_signals_by_layer_and_refuses_a_mismatch():
    """Three hidden layers of one width, so that pairing by position would silently compare a rule's δa at layer 3
    with BP's at layer 2 (or keep only the second pass's signals)."""
    model = MLP([5, 4, 4, 4, 3], n_seeds=2, generator=gen(1))
    x, y, loss = torch.randn(2, 8, 5, generator=gen(3)), torch.randn(2, 8, 3, generator=gen(4)), MeanSquaredError()
    full = make_rule("dfa")
    full.bind(model, gen(2), (5,))
    reference = gradient_alignment(model, full, x, y, loss)
    for rule, problem in ((_DFASkippingHiddenLayer2(), r"sends no error signal to hidden layer\(s\) 2;"),
                          (_DFAOnTwoPasses(), r"sends hidden layer\(s\) 1, 2, 3 an error signal more than once")):
        rule.bind(model, gen(2), (5,))
        with pytest.raises(ValueError, match=problem):
            gradient_alignment(model, rule, x, y, loss)
        # update alignment, defined on the weight updates, still measures them
        assert set(update_alignment(model, rule, x, y, loss)) == {"layer1", "layer2", "layer3", "layer4", "global"}
    # the complete rule's δa at each layer is its own (B_l e) ⊙ g′(a_l), paired with BP's at that layer
    trace = model.trace(x)
    bp = torch.autograd.grad(loss.per_example(trace.output, y).mean(1).sum(), trace.hidden_pre)
    e = output_error(loss, trace.output.detach(), y)
    for l in range(3):
        delta = (e @ full.B[l].transpose(-1, -2)) * (1 - torch.tanh(trace.hidden_pre[l].detach()) ** 2)
        torch.testing.assert_close(reference[f"layer{l + 1}"], per_example_cosine([delta], [bp[l]]))


def test_update_alignment_is_chu_and_bachos_cosine_of_the_weight_updates():
    model, rule, x, y, loss = dfa_on_a_one_hidden_layer_mlp(5)
    ua = update_alignment(model, rule, x, y, loss)
    torch.testing.assert_close(ua["layer2"], torch.ones(2))  # the output layer's update is BP's
    model.zero_grad(set_to_none=True)
    rule.gradients(model, x, y, loss)
    g_rule = [w.grad.clone() for w in model.weights]
    model.zero_grad(set_to_none=True)
    make_rule("bp").gradients(model, x, y, loss)
    torch.testing.assert_close(ua["global"], cosine(g_rule, [w.grad for w in model.weights]))


def test_stacked_similarity_and_update_norms():
    a = MLP([4, 3, 2], n_seeds=2, generator=gen(1))
    b = MLP([4, 3, 2], n_seeds=2, generator=gen(1))
    torch.testing.assert_close(stacked_weight_similarity(a, b), torch.ones(2))
    with torch.no_grad():
        for w in b.weights:
            w.mul_(-2.0)
    torch.testing.assert_close(stacked_weight_similarity(a, b), -torch.ones(2))
    before = [w.detach().clone() for w in a.weights]
    after = [w + 3.0 / math.sqrt(w[0].numel()) for w in before]
    for n in update_norms(before, after):
        torch.testing.assert_close(n, torch.full((2,), 3.0))


def test_feedback_angle_is_zero_when_f_is_the_transposed_total_weight():
    model = MLP([6, 5, 3], n_seeds=2, generator=gen(1), bias=False)
    w_tot = model.weights[1] @ model.weights[0]
    torch.testing.assert_close(feedback_angle(model, w_tot.transpose(-1, -2) * 0.1), torch.zeros(2), atol=0.1, rtol=0)  # float32 arccos near 1
    torch.testing.assert_close(feedback_angle(model, -w_tot.transpose(-1, -2)), torch.full((2,), 180.0), atol=0.1, rtol=0)
    random = torch.randn(2, 600, 40, generator=gen(3))
    big = MLP([600, 50, 40], n_seeds=2, generator=gen(2), bias=False)
    assert torch.all((feedback_angle(big, random) - 90).abs() < 5)


def test_alignment_score_linear_layer_matches_the_trace_formula():
    model = MLP([30, 20, 2], n_seeds=1, generator=gen(1))
    d = torch.randn(1, 20, 30, generator=gen(2))
    d_star = d + 0.8 * torch.randn(1, 20, 30, generator=gen(3))
    delta = d[0].T @ d[0]
    sigma = d_star[0].T @ d_star[0]
    exact = torch.trace(delta @ sigma) / torch.sqrt(torch.trace(delta @ delta) * torch.trace(sigma @ sigma))
    est = alignment_score(model, 0, d, d_star, (30,), n_probes=20000, generator=gen(4))
    assert float(est[0]) == pytest.approx(float(exact), abs=0.02)
    same = alignment_score(model, 0, d, 5 * d, (30,), n_probes=10, generator=gen(4))
    torch.testing.assert_close(same, torch.ones(1))


def test_alignment_score_conv_layer_matches_the_explicit_operator():
    """Build the strided convolution as an explicit matrix and compare with the probe estimate."""
    model = BoopathyCNN(2, 3, [2], 2, generator=gen(1))
    d = torch.randn(1, 3, 2, 3, 3, generator=gen(2))
    d_star = d + torch.randn(1, 3, 2, 3, 3, generator=gen(3))
    shape = (2, 6, 6)

    def matrix(w):
        eye = torch.eye(72).reshape(72, *shape)
        return model.linear(0, eye[None], w).reshape(72, -1).T  # (out, in)

    A, A_star = matrix(d), matrix(d_star)
    delta, sigma = A.T @ A, A_star.T @ A_star
    exact = torch.trace(delta @ sigma) / torch.sqrt(torch.trace(delta @ delta) * torch.trace(sigma @ sigma))
    est = alignment_score(model, 0, d, d_star, shape, n_probes=20000, generator=gen(4))
    assert float(est[0]) == pytest.approx(float(exact), abs=0.02)


def test_slowness_recovers_a_known_plateau_curve():
    t = np.arange(1, 61)
    a, s = slowness(t, 0.52 * t / (4.0 + t) + 0.002 * np.sin(t))
    assert a == pytest.approx(0.52, rel=0.02) and s == pytest.approx(4.0, rel=0.05)
    with pytest.raises(ValueError, match="three finite points"):
        slowness([1, 2], [0.1, 0.2])

