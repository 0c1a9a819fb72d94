"""The shared checks: each takes the value, then what to call it, and returns it converted."""

from __future__ import annotations

import math

import pytest

from microprop import _checks


def test_real_gives_a_float_and_a_huge_int_is_infinite():
    assert _checks.real(3, "f(x)") == 3.0 and type(_checks.real(3, "f(x)")) is float
    assert _checks.real(-(10**400), "f(x)") == -math.inf
    with pytest.raises(TypeError, match=r"f\(x\): expected a number, got bool True"):
        _checks.real(True, "f(x)")


@pytest.mark.parametrize(
    "bounds, bad, words",
    [
        ({}, math.nan, "f(x): expected a finite number, got nan"),
        ({"low": 0.0}, -1, "f(x): expected a finite number >= 0, got -1.0"),
        ({"low": 0.0, "low_ok": False}, 0, "expected a finite number in (0, inf), got 0.0"),
        ({"low": 0.0, "high": 1.0, "high_ok": True}, 2, "in [0, 1], got 2.0"),
        ({"low": 0.0}, 10**400, "expected a finite number >= 0, got 1000000000"),
    ],
)
def test_finite_says_the_range_it_wanted(bounds, bad, words):
    with pytest.raises(ValueError) as info:
        _checks.finite(bad, "f(x)", **bounds)
    assert words in str(info.value)


def test_element_names_its_place_and_its_rule():
    rule = "every target must be finite"
    assert _checks.element(True, "f(y): target 0", rule, bools=True) == 1.0
    with pytest.raises(TypeError, match="f: target 1 is a bool, expected a number"):
        _checks.element(True, "f: target 1", rule)
    with pytest.raises(ValueError, match="f: target 2 is inf; every target must be finite"):
        _checks.element(math.inf, "f: target 2", rule)
    with pytest.raises(ValueError, match="f: target 3 is too large for a float; every target"):
        _checks.element(10**400, "f: target 3", rule)
    assert math.isnan(_checks.element(math.nan, "f: item 0", None))  # None: the caller judges


def test_rows_are_lists_of_finite_floats_of_one_length():
    assert _checks.rows(((1, 2), [3.5, 4]), "f(X)") == [[1.0, 2.0], [3.5, 4.0]]
    with pytest.raises(ValueError, match=r"f\(X\): row 1 holds an int too large for a float"):
        _checks.rows([[1.0], [10**400]], "f(X)")
    with pytest.raises(TypeError, match=r"f\(X\): row 0 holds a str, expected numbers"):
        _checks.rows([["1"]], "f(X)")


def test_flags_and_counts():
    assert _checks.flag_or_none(None, "f(p)") is None
    with pytest.raises(TypeError, match=r"f\(p\): expected True, False or None, got int 1"):
        _checks.flag_or_none(1, "f(p)")
    assert _checks.integer(10**400, "f(n)") == 10**400
    with pytest.raises(ValueError, match=r"f\(n\): expected at least 2, got 1"):
        _checks.integer(1, "f(n)", low=2)
    with pytest.raises(TypeError, match=r"f\(n\): expected an int, got float 2.5"):
        _checks.integer(2.5, "f(n)", low=2)
