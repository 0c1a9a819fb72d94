"""Training and its data on inputs that used to give a wrong answer or a riddle, each test naming
the defect it guards against.
"""

from __future__ import annotations

import math

import pytest

from microprop.data import ScaledOverflowError, Standardizer
from microprop.nn import Neuron
from microprop.optim import SGD, LinearDecay
from microprop.train import NonFiniteLossError, fit

# ---- Standardizer: finite numbers near the largest float -----------------------------------


@pytest.mark.parametrize(
    "column, mean, std",
    [
        ([1e308, 1.7e308], 1.35e308, 3.5e307),  # the sum overflowed in fsum
        ([1e308, -1e308], 0.0, 1e308),  # the squared deviations overflowed
        ([1e200, -1e200], 0.0, 1e200),  # a square alone overflowed
        ([1.7e308, 1.7e308], 1.7e308, 1.0),  # a constant column is still only shifted
    ],
)
def test_standardizer_fits_finite_numbers_whose_sum_or_variance_would_overflow(column, mean, std):
    """Defect: Standardizer.fit raised a bare OverflowError (intermediate overflow in fsum,
    or Numerical result out of range) for finite numbers near 1e308."""
    scaler = Standardizer.fit([[x] for x in column])
    assert scaler.mean[0] == pytest.approx(mean) and scaler.std[0] == pytest.approx(std)


def test_standardizer_measures_a_column_of_tiny_numbers_instead_of_calling_it_constant():
    """Defect: squared deviations of numbers near 1e-200 underflowed to 0, so a varying column
    got std 1.0 as if it were constant. Now it is measured in units of its own scale."""
    scaler = Standardizer.fit([[1e-200], [3e-200]])
    assert scaler.mean == [2e-200] and scaler.std == [1e-200]
    assert scaler.transform([[1e-200], [3e-200]]) == [[-1.0], [1.0]]


def test_standardizer_fits_ordinary_numbers_to_the_same_bits_as_before():
    """Scaling by a power of two must not change a bit of the mean or std of ordinary data."""
    rows = [[0.1 * i, 3.0 - 0.7 * i * i, 1e6 + i] for i in range(17)]
    scaler = Standardizer.fit(rows)
    for j in range(3):
        column = [r[j] for r in rows]
        mean = math.fsum(column) / len(column)
        std = math.sqrt(math.fsum((x - mean) ** 2 for x in column) / len(column))
        assert scaler.mean[j] == mean and scaler.std[j] == std


def test_standardizer_transform_refuses_a_result_too_large_for_a_float_naming_its_place():
    """Defect: a result that cannot be a float came back as +-inf, so a caller had to search the
    rows for it to say which input was too large; now the error names the row and the feature
    (and carries them, which predict on the command line turns into the feature's name)."""
    scaler = Standardizer([0.0, 0.0], [1.0, 1e-300])
    assert scaler.transform([[1.0, 1e-300]]) == [[1.0, 1.0]]  # every entry that fits is kept
    with pytest.raises(ScaledOverflowError) as info:
        scaler.transform([[1.0, 1e-300], [2.0, -1e10]])
    e = info.value
    assert isinstance(e, ValueError)
    assert (e.row, e.feature, e.value, e.scaled) == (1, 1, -1e10, -math.inf)
    assert str(e).startswith("Standardizer.transform(X): row 1, feature 1 is -10000000000.0, "
                             "which scales to -inf")


def test_standardizer_transform_says_which_inputs_would_have_fitted():
    """The bound is mean +- (largest float) * std, kept inside the floats: with std 1e-300 the
    inputs from about -1.798e+08 to 1.798e+08 fit; with mean -1e308 and std 1, those up to
    about 7.977e+307 (1.798e308 - 1e308)."""
    with pytest.raises(ValueError, match=r"expected a number from about -1\.798e\+08 to "
                                         r"1\.798e\+08$"):
        Standardizer([0.0], [1e-300]).transform([[1e10]])
    with pytest.raises(ValueError, match=r"expected a number from about -1\.798e\+308 to "
                                         r"7\.977e\+307$"):
        Standardizer([-1e308], [1.0]).transform([[1.7e308]])


def test_standardizer_transform_keeps_a_result_that_fits_though_x_minus_mean_overflows():
    """x - mean overflowing is not the result overflowing: (1.7e308 - -1.7e308) / 1.7e308 is 2."""
    scaler = Standardizer([-1.7e308], [1.7e308])
    assert scaler.transform([[1.7e308]]) == [[2.0]]


# ---- fit: an optimizer and a schedule that do what fit says ---------------------------------


def line_model() -> Neuron:
    return Neuron(1, "linear", seed=0)


X, Y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]


def test_fit_refuses_an_optimizer_that_also_holds_another_models_parameters():
    """Defect: the other model's parameters were moved by their stale gradients on every batch."""
    model, other = line_model(), Neuron(1, "linear", seed=1)
    for p in other.parameters():
        p.grad = 1.0  # left over from some earlier backward()
    before = [p.data for p in other.parameters()]
    optimizer = SGD(model.parameters() + other.parameters(), lr=0.1)
    with pytest.raises(ValueError) as caught:
        fit(model, X, Y, optimizer=optimizer, epochs=3)
    assert str(caught.value).startswith(
        "fit(optimizer): it holds 2 parameters that are not the model's"
    )
    assert "model.parameters()" in str(caught.value)
    assert [p.data for p in other.parameters()] == before


def test_fit_accepts_an_optimizer_over_part_of_the_model_and_leaves_the_rest_frozen():
    """Freezing by leaving parameters out of the optimizer, as PyTorch allows, still works."""
    model = line_model()
    bias = model.b.data
    fit(model, X, Y, optimizer=SGD(model.w, lr=0.05), epochs=5)
    assert model.b.data == bias and model.w[0].data != 0.0


def test_fit_refuses_a_schedule_that_steps_a_different_optimizer():
    """Defect: a LinearDecay built on another optimizer lowered that one's rate, so fit trained
    at a constant rate and said nothing."""
    model = line_model()
    params = model.parameters()
    used, other = SGD(params, lr=0.1), SGD(params, lr=0.1)
    with pytest.raises(ValueError, match=r"^fit\(schedule\): it steps a different optimizer than "
                                         r"the one passed as fit\(optimizer\)"):
        fit(model, X, Y, optimizer=used, schedule=LinearDecay(other), epochs=2)


def test_fit_refuses_a_schedule_when_it_builds_its_own_optimizer():
    """Without optimizer=, fit builds its own SGD, which no schedule made beforehand can step."""
    model = line_model()
    schedule = LinearDecay(SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="different optimizer than the SGD fit builds"):
        fit(model, X, Y, schedule=schedule, epochs=2)
    assert schedule.count == 0


def test_fit_steps_a_schedule_tied_to_its_optimizer_once_per_epoch():
    model = line_model()
    optimizer = SGD(model.parameters(), lr=0.1)
    schedule = LinearDecay(optimizer, end_factor=0.5, steps=4)
    fit(model, X, Y, optimizer=optimizer, schedule=schedule, epochs=4)
    assert schedule.count == 4 and optimizer.lr == pytest.approx(0.05)


@pytest.mark.parametrize("rows, targets", [([[1e308], [1.7e308]], [1.0, 2.0]),
                                           ([[1.0], [2.0]], [1e300, 2.0])])
def test_a_loss_infinite_before_any_update_blames_the_data_not_the_learning_rate(rows, targets):
    """Defect: huge X or y made the very first loss inf, and fit said "try a smaller learning
    rate", which cannot help: no update had happened yet."""
    model = line_model()
    start = model.state_dict()
    with pytest.raises(NonFiniteLossError) as caught:
        fit(model, rows, targets, epochs=2, progress=False)
    message = str(caught.value)
    assert "before any update" in message and "Standardizer" in message
    assert "learning rate" not in message and model.state_dict() == start
