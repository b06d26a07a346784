"""Conventions settled against the papers and the authors' code (issue 14, docs/deviations.md #62–#70).

Each test transcribes the reference convention independently of the code under test (plain tensor algebra,
the authors' stop-gradient constructions re-expressed in torch) and compares on identical inputs.
"""

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from fa_repro.config import load
from fa_repro.experiments import boopathy2022, refinetti2021
from fa_repro.metrics import gradient_alignment, per_example_cosine
from fa_repro.models import MLP, BoopathyCNN, CrossEntropy, make_loss, make_model
from fa_repro.models.cnn import same_padding
from fa_repro.rules import make_rule
from fa_repro.rules.base import fan_scale
from fa_repro.training.metric_hooks import permuted_baseline_change


ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.usefixtures("double_precision")


def paper_config():
    return load(ROOT / "config.yaml", ROOT / "workflow/schemas/config.schema.yaml", scale="paper")


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def one_hot(n_out, shape, seed):
    return F.one_hot(torch.randint(n_out, shape, generator=gen(seed)), n_out).double()


# -- 1. gradient alignment is Refinetti Eq. 18/19: per-example error signals δa at the hidden layers ---------------
def test_gradient_alignment_is_the_per_example_cosine_of_the_hidden_error_signals():
    sizes = [7, 6, 5, 4, 3]
    model = MLP(sizes, n_seeds=2, activation_name="relu", bias=False, generator=gen(1)).double()
    rule = make_rule("dfa")
    rule.bind(model, gen(2), (7,))
    x = torch.randn(2, 9, 7, generator=gen(3))
    y = one_hot(3, (2, 9), 4)
    got = gradient_alignment(model, rule, x, y, CrossEntropy())

    # reference: explicit forward; δa^BP by autograd of the batch-mean loss, δa^DFA = (B_l e) ⊙ g'(a_l) (Eqs. 2, 4)
    W = [w.detach() for w in model.weights]
    pre, h = [], x
    for w in W[:-1]:
        a = (h @ w.transpose(-1, -2)).requires_grad_(True)
        pre.append(a)
        h = torch.relu(a)
    out = h @ W[-1].transpose(-1, -2)
    loss = -(y * torch.log_softmax(out, -1)).sum(-1).mean(1).sum()
    delta_bp = torch.autograd.grad(loss, pre)
    e = (torch.softmax(out, -1) - y).detach() / x.shape[1]
    delta_dfa = [(e @ b.transpose(-1, -2)) * (a.detach() > 0) for b, a in zip(rule.B, pre)]

    def mean_cos(u, v):  # per example, then the batch mean, per seed
        return np.array([[np.dot(p, q) / (np.linalg.norm(p) * np.linalg.norm(q)) for p, q in zip(us, vs)]
                         for us, vs in zip(u, v)]).mean(1)

    for l in range(3):
        np.testing.assert_allclose(got[f"layer{l + 1}"].numpy(), mean_cos(delta_dfa[l].numpy(), delta_bp[l].numpy()),
                                   rtol=1e-10)
    cat = lambda ds: torch.cat(list(ds), -1).numpy()
    np.testing.assert_allclose(got["global"].numpy(), mean_cos(cat(delta_dfa), cat(delta_bp)), rtol=1e-10)
    assert "layer4" not in got  # the output layer (always aligned) is not part of G


def test_per_example_cosine_counts_two_zero_vectors_as_aligned():
    a = torch.tensor([[[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]])
    b = torch.tensor([[[2.0, 0.0], [0.0, 0.0], [1.0, 0.0]]])
    torch.testing.assert_close(per_example_cosine([a], [b]), torch.tensor([(1.0 + 1.0 + 0.0) / 3]))


# -- 2. Boopathy's loss unit: TensorFlow's reduce_mean((logits − labels)²) over batch × classes ------------------
def test_boopathy_mse_is_the_mean_over_batch_and_classes():
    out = torch.randn(2, 8, 10, generator=gen(1)).requires_grad_(True)
    y = one_hot(10, (2, 8), 2) - 0.1
    loss = make_loss("mse_mean")
    per_seed = loss.per_example(out, y).mean(1)
    reference = ((out - y) ** 2).mean(dim=(1, 2))  # the authors' loss, per seed
    torch.testing.assert_close(per_seed, reference)
    (grad,) = torch.autograd.grad(reference.sum(), out)
    torch.testing.assert_close(loss.error(out, y) / out.shape[1], grad)  # the injected e is this gradient
    # the sequence task sums the per-step mean over time (train_add.py), one output
    seq = torch.randn(1, 4, 5, 1, generator=gen(3))
    torch.testing.assert_close(loss.per_example(seq, torch.zeros_like(seq)), (seq ** 2).sum(dim=(2, 3)))


def test_boopathy_runs_use_the_mean_squared_error_so_learning_rates_are_the_papers():
    block = paper_config()["experiments"]["boopathy2022"]
    specs = boopathy2022.grid(block).specs
    assert {spec["loss"] for spec in specs.values()} == {"mse_mean"}


# -- 3 and 4. Align-ada's frozen Jacobian and TensorFlow 'SAME' padding, against the authors' construction --------
def _authors_align_ada_grads(W, b, W0, b0, x, y, strides):
    """train_cifar.py's Align-ada re-expressed in torch: the frozen network receives at each layer the value of
    its own state and the gradient of the current network's (x_lin + x − stop_gradient(x)); conv layers hand
    over after batch norm (their activation is applied by the next layer), the last one after pooling."""
    def conv(h, w, s):
        h = F.pad(h, same_padding(h.shape[-1], s, 3) + same_padding(h.shape[-2], s, 3))
        return F.conv2d(h, w, stride=s) / math.sqrt(w[0].numel())

    def bn(u):
        return (u - u.mean(0)) / torch.sqrt(u.var(0, unbiased=False) + 1e-6)

    sg = lambda t: t.detach()
    cur, lin = x, x
    for i, s in enumerate(strides):
        lin_in = lin + cur - sg(cur)
        lin = bn(conv(lin_in if i == 0 else torch.relu(lin_in), W0[i], s) + b0[i][:, None, None])
        cur = bn(conv(sg(cur) if i == 0 else torch.relu(sg(cur)), W[i], s) + b[i][:, None, None])
    cur, lin = torch.relu(cur).mean((-2, -1)), torch.relu(lin).mean((-2, -1))
    c = W[-1].shape[1]
    logits_lin = (lin + cur - sg(cur)) @ W0[-1].T / math.sqrt(c) + b0[-1]
    logits = sg(cur) @ W[-1].T / math.sqrt(c) + b[-1]
    loss = ((logits + logits_lin - sg(logits_lin) - y) ** 2).mean()
    return torch.autograd.grad(loss, W + b)


def test_align_ada_and_padding_match_the_authors_construction():
    strides = [1, 2, 2]
    model = BoopathyCNN(3, 4, strides, 10, n_seeds=1, generator=gen(1)).double()
    rule = make_rule({"name": "align_ada", "frozen_from": "handoff"})
    rule.bind(model, gen(2), (3, 8, 8))
    with torch.no_grad():  # the current network has moved away from the initial one
        for p in model.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=gen(5)))
    x = torch.rand(6, 3, 8, 8, generator=gen(3))
    y = one_hot(10, (6,), 4) - 0.1
    loss = make_loss("mse_mean")
    model.zero_grad(set_to_none=True)
    rule.gradients(model, x, y, loss)
    ours = [w.grad[0] for w in model.weights] + [b.grad[0] for b in model.biases]
    cur = [p.detach()[0].clone().requires_grad_(True) for p in list(model.weights) + list(model.biases)]
    ini = [p.detach()[0] for p in list(rule.initial.weights) + list(rule.initial.biases)]
    n = len(model.weights)
    reference = _authors_align_ada_grads(cur[:n], cur[n:], ini[:n], ini[n:], x, y, strides)
    for g, r in zip(ours, reference):
        torch.testing.assert_close(g, r, rtol=1e-9, atol=1e-12)
    # Eq. 16 read literally (frozen Jacobian from the pre-activation) is another rule
    literal = make_rule({"name": "align_ada", "frozen_from": "pre_activation"})
    literal.initial = rule.initial
    model.zero_grad(set_to_none=True)
    literal.gradients(model, x, y, loss)
    assert max(float((w.grad[0] - g).abs().max()) for w, g in zip(model.weights, ours)) > 1e-4


def test_same_padding_is_tensorflows():
    assert same_padding(32, 2, 3) == (0, 1)  # stride 2 on an even map: the extra pixel after
    assert same_padding(32, 1, 3) == (1, 1)
    assert same_padding(15, 2, 3) == (1, 1)
    model = BoopathyCNN(2, 3, [2], 10, n_seeds=1, generator=gen(1)).double()
    x = torch.randn(1, 4, 2, 8, 8, generator=gen(2))
    w = model.weights[0][0].detach()
    expected = F.conv2d(F.pad(x[0], (0, 1, 0, 1)), w, stride=2) / math.sqrt(w[0].numel())
    torch.testing.assert_close(model.linear(0, x, model.weights[0].detach())[0], expected)


# -- 5. the permuted-weights baseline shuffles W_t, then subtracts W_0 --------------------------------------------
def test_permuted_baseline_shuffles_the_trained_weights_then_subtracts_the_initial_ones():
    w0 = torch.randn(2, 4, 3, 3, 3, generator=gen(1))
    wt = w0 + 0.2 * torch.randn(w0.shape, generator=gen(2))
    change = permuted_baseline_change(wt, w0, gen(3))
    for s in range(2):  # change + W_0 holds exactly the entries of W_t
        np.testing.assert_allclose(np.sort((change[s] + w0[s]).flatten().numpy()), np.sort(wt[s].flatten().numpy()))
    # not a permutation of W_t − W_0 (what we did before): its entries are of the size of W_t, not of the change
    assert float(change.norm()) > 3 * float((wt - w0).norm())


# -- 6. PEPITA's weight mirroring: Sec. 2.1's r = W ξ, kept (the authors' code sends ξ through the whole block) -----
def test_weight_mirroring_is_the_transposing_rule_with_the_linear_map():
    model = MLP([6, 5, 3], n_seeds=1, activation_name="relu", bias=False, init="he_normal", generator=gen(1)).double()
    rule = make_rule({"name": "pepita", "mirroring": {"lr": 0.1, "noise_std": 0.1, "batch_size": 8}})
    rule.bind(model, gen(2), (6,))
    factors = [f[0].clone() for f in rule.factors]
    target_std = float(rule.target_std)
    state = rule.generator.get_state()
    rule.mirror(model, 8)
    g = torch.Generator()
    g.set_state(state)
    expected = []
    for w, f in zip(model.weights, factors):
        xi = torch.randn((1, 8, w.shape[2]), generator=g)[0]
        xi = 0.1 * (xi - xi.mean(0))
        r = xi @ w.detach()[0].T  # r = W ξ (Sec. 2.1), no activation, dropout or normalisation
        expected.append(f + 0.1 * xi.T @ r / 8)
    total = expected[0] @ expected[1]
    factor = (target_std / float(total.flatten().std())) ** 0.5
    for got, ref in zip(rule.factors, expected):
        torch.testing.assert_close(got[0], ref * factor)


# -- 7. Refinetti's deep MLPs have no biases (the authors' code) ------------------------------------------------------
def test_refinetti_deep_networks_have_no_biases():
    block = paper_config()["experiments"]["refinetti2021"]
    for name, spec in refinetti2021.grid(block).specs.items():
        model = make_model(spec["model"], input_shape=(196,), n_out=10, n_seeds=1, generator=gen())
        assert model.biases is None, name


# -- 8. fan_scaling tinydfa is the authors' effective feedback scale --------------------------------------------------
def test_tinydfa_scale_is_the_authors_effective_feedback():
    n = 100
    stored = torch.rand(200_000, generator=gen(1)) * 2 - 1  # TinyDFA stores U(−1, 1) entries …
    effective_std = float((stored / math.sqrt(n)).std())  # … and divides the projected error by √n
    rule = make_rule({"name": "dfa", "feedback": "uniform", "fan_scaling": "tinydfa"})
    model = MLP([5, n, 200], n_seeds=1, generator=gen(2)).double()  # 20 000 feedback entries
    rule.bind(model, gen(3), (5,))
    assert abs(float(rule.B[0].std()) / effective_std - 1) < 0.02
    assert fan_scale("tinydfa", n) == pytest.approx(1 / math.sqrt(n))
    assert fan_scale("tinydfa", n) / fan_scale("inv_sqrt_plus_one", n) == pytest.approx(1.005, abs=1e-3)


# -- 9. PEPITA-time-local against the authors' "mixed_tl" mode, momentum and weight decay included -------------------
def test_time_local_matches_the_authors_two_half_steps_through_one_momentum_optimiser():
    model = MLP([6, 5, 3], n_seeds=1, activation_name="relu", bias=False, init="he_normal", generator=gen(1)).double()
    rule = make_rule({"name": "pepita", "variant": "time_local", "feedback_scale": 0.5})
    rule.bind(model, gen(3), (6,))
    x = torch.randn(1, 7, 6, generator=gen(4))
    y = one_hot(3, (1, 7), 5)
    W = [w.detach()[0].numpy().copy() for w in model.weights]
    Fm = rule.F[0].numpy()
    lr, mu, wd = 0.05, 0.9, 1e-2
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=mu, weight_decay=wd)
    for _ in range(2):
        rule.step(model, x, y, CrossEntropy(), opt)
    # trainer.py (mode mixed_tl): grads h_l h_{l−1}ᵀ/bs from the clean pass, opt step; modulated pass on W⁺ with
    # x − F e, grads −h_lᵉʳʳ (h_{l−1}ᵉʳʳ)ᵀ/bs (last layer −y (h_{L−1}ᵉʳʳ)ᵀ/bs), opt step: one SGD, one momentum buffer
    xn, yn, n = x[0].numpy(), y[0].numpy(), 7
    relu = lambda u: np.maximum(u, 0)
    softmax = lambda u: np.exp(u) / np.exp(u).sum(1, keepdims=True)
    buf = [None, None]

    def sgd(grads):
        for i, g in enumerate(grads):
            g = g + wd * W[i]
            buf[i] = g if buf[i] is None else mu * buf[i] + g
            W[i] = W[i] - lr * buf[i]

    for _ in range(2):
        h1 = relu(xn @ W[0].T)
        out = softmax(h1 @ W[1].T)
        sgd([h1.T @ xn / n, out.T @ h1 / n])
        xe = xn - (out - yn) @ Fm.T
        h1e = relu(xe @ W[0].T)
        sgd([-h1e.T @ xe / n, -yn.T @ h1e / n])
    for w, ref in zip(model.weights, W):
        np.testing.assert_allclose(w.detach()[0].numpy(), ref, rtol=1e-10)
