"""Bad input to microprop.func: each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import pytest
from bad_input import check, short, table

from microprop import Value
from microprop.func import grad, hessian, jvp, value_and_grad

ROWS, row = table()


def cube(x):
    return x**3


for make in (grad, value_and_grad, hessian):
    name = make.__name__
    for bad in (None, 1.0, "f"):
        row(f"{name}(f={short(bad)})", lambda make=make, bad=bad: make(bad), TypeError,
            f"{name}: f must be a function, got {type(bad).__name__}")
for bad in (None, 1.0, "f"):
    row(f"jvp(f={short(bad)})", lambda bad=bad: jvp(bad, 1.0, 1.0), TypeError,
        f"jvp: f must be a function, got {type(bad).__name__}")
for primals, tangents, error, words in [
    ((1.0, 2.0), (1.0,), ValueError, ("jvp: 2 primals but 1 tangents",)),
    ("ab", (1.0,), TypeError, ("jvp(primals): expected a number or a list of numbers, got str",)),
    ((1.0,), None, TypeError, ("jvp(tangents): expected a number or a list of numbers",)),
    ((1.0,), ("x",), TypeError, ("jvp(tangents)[0]",)),
]:
    row(f"jvp(primals={primals!r}, tangents={tangents!r})",
        lambda p=primals, t=tangents: jvp(lambda *xs: xs[0] * 2.0, p, t), error, *words)
row("jvp(f returning a list)", lambda: jvp(lambda x: [x, x], 1.0, 1.0), TypeError,
    "jvp: f must return one number (a Value), got list")
for bad in ("0", 1.5, True):
    row(f"grad(argnums={short(bad)})", lambda bad=bad: grad(cube, bad), TypeError,
        "value_and_grad(argnums): expected an int")
row("grad(argnums=-1)", lambda: grad(cube, -1), ValueError,
    "value_and_grad(argnums): expected at least 0, got -1")
row("grad(argnums=1) of one argument", lambda: grad(cube, 1)(2.0), ValueError,
    "argument 1 asked for, but f was given 1 argument(s)")
row("grad(f)('2.0')", lambda: grad(cube)("2.0"), TypeError,
    "value_and_grad: argument 0: expected a number, got str")
row("grad(f returns a list)", lambda: grad(lambda x: [x, x])(2.0), TypeError,
    "value_and_grad: f must return one number (a Value), got list")
row("hessian(f returns a list)", lambda: hessian(lambda x, y: [x, y])(1.0, 2.0), TypeError,
    "hessian: f must return one number (a Value), got list")
row("hessian(f)()", lambda: hessian(cube)(), ValueError, "hessian: give f at least one number")
row("hessian(f)(None)", lambda: hessian(cube)(None), TypeError,
    "hessian: argument 0: expected a number, got NoneType")
row("value_and_grad(f)([Value])", lambda: value_and_grad(cube)([Value(1.0)]), TypeError,
    "value_and_grad: argument 0: expected a number, got list")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
