"""Losses: values and gradients checked by hand, stability at extreme logits, and bad input."""

import math
import random

import pytest

from microprop import Value, log_softmax, logsumexp, softmax
from microprop.losses import bce_with_logits, cross_entropy, hinge, l2_penalty, mse


def test_mse_is_the_mean_of_squared_errors_with_gradient_2_error_over_n():
    s = [Value(1.0), Value(2.0)]
    loss = mse(s, [0.0, 0.0])  # (1 + 4) / 2
    assert loss.data == 2.5
    loss.backward()
    assert [v.grad for v in s] == [1.0, 2.0]  # 2 (s - y) / 2


def test_sum_reduction_skips_the_division():
    s = [Value(1.0), Value(2.0)]
    loss = mse(s, [0.0, 0.0], reduction="sum")
    loss.backward()
    assert loss.data == 5.0 and [v.grad for v in s] == [2.0, 4.0]


def test_one_prediction_and_one_target_may_be_given_bare():
    s = Value(3.0)
    loss = mse(s, 1.0)
    loss.backward()
    assert loss.data == 4.0 and s.grad == 4.0


def test_plain_number_predictions_give_a_value():
    assert mse([1.0, 3], [0, 0]).data == 5.0


def test_bce_at_logit_zero_is_log_2_with_gradient_half_minus_y():
    for y in (0.0, 1.0, 0.25):
        s = Value(0.0)
        loss = bce_with_logits([s], [y])
        loss.backward()
        assert loss.data == pytest.approx(math.log(2), rel=1e-15)
        assert s.grad == pytest.approx(0.5 - y, abs=1e-15)


def test_bce_matches_its_definition_for_moderate_logits():
    for z in (-3.0, -0.5, 0.7, 4.0):
        for y in (0.0, 1.0, 0.3):
            p = 1 / (1 + math.exp(-z))
            s = Value(z)
            loss = bce_with_logits([s], [y])
            loss.backward()
            assert loss.data == pytest.approx(-y * math.log(p) - (1 - y) * math.log(1 - p))
            assert s.grad == pytest.approx(p - y, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("z", [-1000.0, -40.0, 40.0, 1000.0])
def test_bce_stays_finite_with_the_exact_gradient_at_extreme_logits(z):
    for y in (0.0, 1.0):
        s = Value(z)
        loss = bce_with_logits([s], [y])
        loss.backward()
        assert math.isfinite(loss.data) and math.isfinite(s.grad)
        # the loss is |z| when the logit is confidently wrong, about 0 when right
        wrong = (z > 0) != (y == 1.0)
        assert loss.data == pytest.approx(abs(z) if wrong else 0.0, abs=1e-15)
        assert s.grad == pytest.approx((1.0 if z > 0 else 0.0) - y, abs=1e-15)


def test_bce_averages_over_examples():
    assert bce_with_logits([0.0, 0.0], [0, 1]).data == pytest.approx(math.log(2))


def test_hinge_is_the_mean_of_max_0_1_minus_y_s():
    s = [Value(2.0), Value(0.5), Value(0.5)]
    loss = hinge(s, [1, 1, -1])  # (0 + 0.5 + 1.5) / 3
    assert loss.data == pytest.approx(2 / 3)
    loss.backward()
    assert [v.grad for v in s] == pytest.approx([0.0, -1 / 3, 1 / 3])


def test_l2_penalty_is_alpha_times_the_sum_of_squares():
    ps = [Value(1.0), Value(-2.0)]
    penalty = l2_penalty(ps, 0.5)  # 0.5 * (1 + 4)
    penalty.backward()
    assert penalty.data == 2.5 and [p.grad for p in ps] == [1.0, -2.0]


def test_bce_matches_pytorch_in_float64():
    torch = pytest.importorskip("torch")
    zs = [-800.0, -30.0, -2.5, -1e-3, 0.0, 0.3, 7.0, 36.0, 800.0]
    ys = [1.0, 0.0, 0.2, 1.0, 0.5, 0.0, 1.0, 0.0, 0.3]
    s = [Value(z) for z in zs]
    loss = bce_with_logits(s, ys)
    loss.backward()
    t = torch.tensor(zs, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        t, torch.tensor(ys, dtype=torch.float64)
    )
    expected.backward()
    assert loss.data == pytest.approx(expected.item(), rel=1e-14)
    assert [v.grad for v in s] == pytest.approx(t.grad.tolist(), rel=1e-12, abs=1e-17)


# ---- several classes: logsumexp, softmax, cross-entropy -----------------------------------------


def test_logsumexp_of_two_zeros_is_log_2_and_its_slopes_are_the_softmax_halves():
    a, b = Value(0.0), Value(0.0)
    out = logsumexp([a, b])
    out.backward()
    assert out.data == math.log(2.0)
    assert (a.grad, b.grad) == (0.5, 0.5)
    assert out._op == "logsumexp" and out._children == (a, b)  # one node, not a chain


@pytest.mark.parametrize("big", [1000.0, 1e308])
def test_logsumexp_never_overflows_or_underflows_for_finite_logits(big):
    xs = [Value(big), Value(0.0), Value(-big)]
    out = logsumexp(xs)
    out.backward()
    assert out.data == big  # exp(0 - big) and exp(-2 big) vanish beside exp(big - big) = 1
    assert [x.grad for x in xs] == [1.0, 0.0, 0.0]


def test_softmax_gives_probabilities_that_sum_to_1_in_the_order_of_the_logits():
    p = softmax([Value(1.0), Value(2.0), 3.0])
    assert [round(v.data, 4) for v in p] == [0.09, 0.2447, 0.6652]
    assert math.fsum(v.data for v in p) == pytest.approx(1.0, abs=1e-15)


def test_log_softmax_is_each_logit_minus_the_logsumexp():
    xs = [Value(1.0), Value(2.0), Value(3.0)]
    lse = logsumexp(xs).data  # 3 + log(e^-2 + e^-1 + 1) = 3.4076...
    assert lse == pytest.approx(math.log(math.exp(1) + math.exp(2) + math.exp(3)), rel=1e-15)
    assert [v.data for v in log_softmax(xs)] == [1.0 - lse, 2.0 - lse, 3.0 - lse]


def test_cross_entropy_of_equal_logits_is_log_k_and_its_gradient_is_p_minus_one_hot():
    s = [Value(0.0) for _ in range(4)]
    loss = cross_entropy(s, 2)
    loss.backward()
    assert loss.data == math.log(4.0)
    assert [v.grad for v in s] == [0.25, 0.25, 0.25 - 1.0, 0.25]  # delta = p - y


def test_cross_entropy_is_finite_and_exact_at_extreme_logits():
    s = [Value(1000.0), Value(0.0), Value(-1000.0)]
    loss = cross_entropy(s, 1)
    loss.backward()
    assert loss.data == 1000.0
    assert [v.grad for v in s] == [1.0, -1.0, 0.0]


def test_a_batch_averages_the_samples_and_sum_reduction_adds_them():
    logits = [[0.0, 0.0], [Value(0.0), Value(0.0)]]
    assert cross_entropy(logits, [0, 1]).data == math.log(2.0)
    assert cross_entropy(logits, [0, 1], reduction="sum").data == 2 * math.log(2.0)


def test_class_weights_divide_the_mean_by_the_targets_weights_as_pytorch_does():
    # Each sample costs log 2; weighted 1 and 3, the mean is (1 log 2 + 3 log 2) / (1 + 3).
    loss = cross_entropy([[0.0, 0.0], [0.0, 0.0]], [0, 1], weight=[1.0, 3.0])
    assert loss.data == pytest.approx(math.log(2.0), rel=1e-15)


def test_full_label_smoothing_makes_every_class_the_target():
    # With e = 1 the target is uniform: each sample costs mean_c(lse - s_c) whatever its class.
    a = cross_entropy([1.0, 2.0, 4.0], 0, label_smoothing=1.0).data
    b = cross_entropy([1.0, 2.0, 4.0], 2, label_smoothing=1.0).data
    assert a == pytest.approx(b, rel=1e-15)


def torch_cases(n: int, seed: int = 0):
    """Random batches of 2 to 50 classes, ordinary and extreme logits, with and without the
    options: n cases for the float64 PyTorch comparison."""
    rng = random.Random(seed)
    for _ in range(n):
        k, batch = rng.randint(2, 50), rng.randint(1, 4)
        scale = rng.choice([1.0, 30.0, 1000.0, 1e300])
        xs = [[rng.uniform(-1, 1) * scale for _ in range(k)] for _ in range(batch)]
        ts = [rng.randrange(k) for _ in range(batch)]
        weight = [rng.uniform(0.1, 2.0) for _ in range(k)] if rng.random() < 0.4 else None
        yield xs, ts, weight, rng.choice([0.0, 0.0, 0.1, 0.5]), rng.choice(["mean", "sum"])


def test_cross_entropy_equals_float64_pytorch_on_300_random_cases():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for xs, ts, weight, eps, reduction in torch_cases(300):
        values = [[Value(x) for x in row] for row in xs]
        loss = cross_entropy(values, ts, reduction=reduction, weight=weight,
                             label_smoothing=eps)
        loss.backward()
        t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
        w = None if weight is None else torch.tensor(weight, dtype=torch.float64)
        expected = F.cross_entropy(t, torch.tensor(ts), weight=w, reduction=reduction,
                                   label_smoothing=eps)
        expected.backward()
        assert loss.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-12)
        grads = [v.grad for row in values for v in row]
        assert grads == pytest.approx(t.grad.flatten().tolist(), rel=1e-9, abs=1e-9)


def test_mse_takes_a_value_target_and_passes_it_a_gradient():
    """Inside microprop.compile a float argument is a Value: mse takes it as a target, as
    PyTorch's mse_loss takes a tensor, with d/dy (s - y)^2 = -2 (s - y)."""
    s, y = Value(3.0), Value(1.0)
    loss = mse(s, y)
    loss.backward()
    assert (loss.data, s.grad, y.grad) == (4.0, 4.0, -4.0)
    assert mse([s], [y]).data == mse([3.0], [1.0]).data == 4.0
