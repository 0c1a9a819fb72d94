"""Bad input to gradcheck: each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import pytest
from bad_input import NOT_NUMBERS, check, inf, nan, short, table

from microprop import Value, gradcheck, gradgradcheck

ROWS, row = table()

def square(x: Value) -> Value:
    return x * x


for bad in ("f", None, 1):
    row(f"gradcheck(f={bad!r})", lambda bad=bad: gradcheck(bad, 1.0), TypeError,
        "f must be callable")
row("gradcheck() no inputs", lambda: gradcheck(square), ValueError, "at least one input")
for out in (1.0, None, [Value(1.0)]):
    row(f"gradcheck(f returns {short(out)})", lambda out=out: gradcheck(lambda x: out, 1.0),
        TypeError, f"f must return a Value, got {type(out).__name__}")
for name in ("eps", "atol", "rtol"):
    for bad in (-1.0, nan, 10**400):
        row(f"gradcheck({name}={short(bad)})",
            lambda name=name, bad=bad: gradcheck(square, 1.0, **{name: bad}), ValueError,
            f"gradcheck({name}): expected a finite number")
    for bad in ("1e-6", True, None):
        row(f"gradcheck({name}={short(bad)})",
            lambda name=name, bad=bad: gradcheck(square, 1.0, **{name: bad}), TypeError,
            f"gradcheck({name}): expected a number")
    row(f"gradcheck({name}=inf)", lambda name=name: gradcheck(square, 1.0, **{name: inf}),
        ValueError, name, "finite")
row("gradcheck(eps=0)", lambda: gradcheck(square, 1.0, eps=0), ValueError,
    "gradcheck(eps): expected a finite number in (0, inf), got 0")
row("gradcheck(raise_exception='no')", lambda: gradcheck(square, 1.0, raise_exception="no"),
    TypeError, "gradcheck(raise_exception): expected True or False, got str 'no'")
for bad in NOT_NUMBERS.values():
    row(f"gradcheck(input {short(bad)})", lambda bad=bad: gradcheck(square, bad), TypeError,
        "gradcheck: input 0 is a", "expected a number")
for bad in (nan, inf, -inf):
    row(f"gradcheck(input {bad})", lambda bad=bad: gradcheck(square, 1.0, bad), ValueError,
        "input 1 is", repr(bad), "finite")
row("gradcheck(input 10**400)", lambda: gradcheck(square, 10**400), ValueError,
    "gradcheck: input 0 is too large for a float")

for bad in ("f", None):
    row(f"gradgradcheck(f={bad!r})", lambda bad=bad: gradgradcheck(bad, 1.0), TypeError,
        "f must be callable")
row("gradgradcheck() no inputs", lambda: gradgradcheck(square), ValueError, "at least one input")
row("gradgradcheck(f returns [Value])", lambda: gradgradcheck(lambda x: [x], 1.0), TypeError,
    "f must return a Value, got list")
row("gradgradcheck(input nan)", lambda: gradgradcheck(square, nan), ValueError, "finite")
row("gradgradcheck(eps=0)", lambda: gradgradcheck(square, 1.0, eps=0), ValueError,
    "gradcheck(eps): expected a finite number")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
