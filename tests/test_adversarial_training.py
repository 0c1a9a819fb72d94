"""Training and its data on inputs that used to give a wrong answer or a riddle, each test naming
the defect it guards against.
"""

from __future__ import annotations

import math

import pytest

from microprop.data import Standardizer

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


def test_standardizer_transform_gives_inf_only_for_a_result_too_large_for_a_float():
    """A result that cannot be a float is +-inf, which predict on the command line names by
    feature (tests/test_adversarial_cli.py); every other entry is the ordinary number."""
    scaler = Standardizer([0.0, 0.0], [1.0, 1e-300])
    assert scaler.transform([[1.0, 1e-300], [2.0, -1e10]]) == [[1.0, 1.0], [2.0, -math.inf]]


def test_standardizer_transform_keeps_a_result_that_fits_though_x_minus_mean_overflows():
    """x - mean overflowing is not the result overflowing: (1.7e308 - -1.7e308) / 1.7e308 is 2."""
    scaler = Standardizer([-1.7e308], [1.7e308])
    assert scaler.transform([[1.7e308]]) == [[2.0]]
