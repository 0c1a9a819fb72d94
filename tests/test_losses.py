"""Losses: values and gradients checked by hand, stability at extreme logits, and bad input."""

import math

import pytest

from microprop import Value
from microprop.losses import bce_with_logits, hinge, l2_penalty, mse


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
