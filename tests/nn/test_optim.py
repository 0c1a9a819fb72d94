"""Optimizers: steps worked by hand, a step that lowers a loss, the schedule, and bad input."""

import math

import pytest

from microprop import Value
from microprop.losses import mse
from microprop.nn import MLP
from microprop.optim import SGD, Adam, LinearDecay


def test_sgd_step_is_the_articles_update_w_minus_lr_times_grad():
    p, q = Value(1.0), Value(-2.0)
    p.grad, q.grad = 0.5, -4.0
    SGD([p, q], lr=0.1).step()
    assert p.data == 1.0 - 0.1 * 0.5 and q.data == -2.0 + 0.1 * 4.0


def test_sgd_momentum_keeps_a_running_velocity():
    # v1 = g1 = 2; v2 = 0.5 * 2 + 1 = 2; p = 1 - 0.1 * 2 - 0.1 * 2 = 0.6
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.5)
    p.grad = 2.0
    opt.step()
    assert p.data == pytest.approx(0.8)
    p.grad = 1.0
    opt.step()
    assert p.data == pytest.approx(0.6)


def test_adam_first_step_moves_each_parameter_by_about_lr():
    # Step 1: m_hat = g and v_hat = g^2, so p -= lr * g / (|g| + eps).
    p, q = Value(1.0), Value(-2.0)
    p.grad, q.grad = 2.0, -0.5
    Adam([p, q], lr=0.1).step()
    assert p.data == pytest.approx(1.0 - 0.1 * 2.0 / (2.0 + 1e-8), rel=1e-15)
    assert q.data == pytest.approx(-2.0 + 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-15)


def test_adam_second_step_by_hand():
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    p = Value(1.0)
    opt = Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    p.grad = 2.0
    opt.step()
    p.grad = -1.0
    opt.step()
    m = b1 * (1 - b1) * 2.0 + (1 - b1) * -1.0  # 0.18 - 0.1 = 0.08
    v = b2 * (1 - b2) * 4.0 + (1 - b2) * 1.0  # 0.003996 + 0.001 = 0.004996
    m_hat, v_hat = m / (1 - b1**2), v / (1 - b2**2)
    expected = 1.0 - lr * 2.0 / (2.0 + eps) - lr * m_hat / (math.sqrt(v_hat) + eps)
    assert p.data == pytest.approx(expected, rel=1e-14)
    assert opt.t == 2


def test_one_sgd_step_lowers_the_loss_on_four_points():
    model = MLP(2, [4, 1], seed=0)
    X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [-1.0, -0.5]]
    y = [1.0, -1.0, 0.5, 0.0]

    def loss():
        return mse([model(x) for x in X], y)

    opt = SGD(model.parameters(), lr=0.05)
    before = loss()
    opt.zero_grad()
    before.backward()
    opt.step()
    assert loss().data < before.data


def test_zero_grad_clears_the_parameters_it_holds():
    ps = [Value(1.0), Value(2.0)]
    for p in ps:
        p.grad = 3.0
    Adam(ps).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


def test_linear_decay_lowers_lr_in_a_straight_line_then_holds():
    opt = SGD([Value(0.0)], lr=1.0)
    schedule = LinearDecay(opt, end_factor=0.1, steps=4)
    rates = []
    for _ in range(6):
        schedule.step()
        rates.append(opt.lr)
    assert rates == pytest.approx([0.775, 0.55, 0.325, 0.1, 0.1, 0.1])


def test_linear_decay_reproduces_micrograds_demo_schedule():
    opt = SGD([Value(0.0)], lr=1.0)
    schedule = LinearDecay(opt, end_factor=0.1, steps=100)
    for _ in range(50):
        schedule.step()
    assert opt.lr == pytest.approx(1.0 - 0.9 * 50 / 100)


V = Value(1.0)


def test_adam_matches_pytorch_over_several_steps():
    torch = pytest.importorskip("torch")
    start, grads = [1.0, -2.0, 0.5], [[2.0, 0.5, -1.0], [-1.0, 3.0, 0.0], [0.3, 0.0, 2.0]]
    ps = [Value(x) for x in start]
    opt = Adam(ps, lr=0.1, betas=(0.8, 0.99), eps=1e-6)
    t = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([t], lr=0.1, betas=(0.8, 0.99), eps=1e-6)
    for g in grads:
        for p, gi in zip(ps, g, strict=True):
            p.grad = gi
        opt.step()
        t.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
        assert [p.data for p in ps] == pytest.approx(t.tolist(), rel=1e-14)


def test_sgd_with_momentum_matches_pytorch():
    torch = pytest.importorskip("torch")
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    t = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    topt = torch.optim.SGD([t], lr=0.1, momentum=0.9)
    for g in (2.0, -1.0, 0.5, 0.5):
        p.grad = g
        opt.step()
        t.grad = torch.tensor([g], dtype=torch.float64)
        topt.step()
        assert p.data == pytest.approx(t.item(), rel=1e-14)
