"""Bad input to optimizers and the learning-rate schedule:
each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import pytest
from bad_input import check, inf, nan, short, table

from microprop import Value
from microprop.nn import MLP
from microprop.optim import SGD, Adam, LinearDecay

ROWS, row = table()

# ---- optimizers ----------------------------------------------------------------------------------

OPTIMIZERS = {"SGD": SGD, "Adam": Adam}
V = Value(1.0)
for who, opt in OPTIMIZERS.items():
    for bad in (5, None, Value(1.0), MLP(2, [1], seed=0)):
        row(f"{who}(params={short(bad)})", lambda opt=opt, bad=bad: opt(bad), TypeError,
            f"{who}(params)", "expected a list of Values such as model.parameters()",
            type(bad).__name__)
    for bad in ([1.0], ["ab"], [None], [[Value(1.0)]], "ab"):
        row(f"{who}(params={short(bad)})", lambda opt=opt, bad=bad: opt(bad), TypeError,
            f"{who}(params)", "expected Values, got")
    for bad in ([], (), iter([])):
        row(f"{who}(params={short(bad)}) empty", lambda opt=opt, bad=bad: opt(bad), ValueError,
            f"{who}(params)", "the parameter list is empty")
    row(f"{who}(params=[v, v])", lambda opt=opt: opt([V, V]), ValueError, "appears twice")
    for bad in (0, 0.0, -0.1, -inf, nan, inf, 10**400):
        row(f"{who}(lr={short(bad)})", lambda opt=opt, bad=bad: opt([Value(1.0)], lr=bad),
            ValueError, f"{who}(lr)", "expected a finite number in (0, inf)")
    for bad in ("0.1", None, True, 1j, [0.1]):
        row(f"{who}(lr={short(bad)})", lambda opt=opt, bad=bad: opt([Value(1.0)], lr=bad),
            TypeError, f"{who}(lr)", "expected a number", type(bad).__name__)
    row(f"{who}(weight_decay=0.1) unknown option",
        lambda opt=opt: opt([Value(1.0)], weight_decay=0.1), TypeError, "weight_decay")
for bad in (-0.1, 1.0, 1.5, nan, inf, 10**400):
    row(f"SGD(momentum={short(bad)})", lambda bad=bad: SGD([Value(1.0)], momentum=bad), ValueError,
        "SGD(momentum)", "[0, 1)")
for bad in ("0.9", True, None):
    row(f"SGD(momentum={bad!r})", lambda bad=bad: SGD([Value(1.0)], momentum=bad), TypeError,
        "SGD(momentum)", "expected a number")
for bad in ((0.9,), (0.9, 0.99, 0.999), 0.9, "ab", None):
    row(f"Adam(betas={bad!r})", lambda bad=bad: Adam([Value(1.0)], betas=bad), TypeError,
        "Adam(betas)", "expected a pair such as (0.9, 0.999)")
for betas, k in [((-0.1, 0.9), 0), ((1.0, 0.9), 0), ((0.9, 1.0), 1), ((nan, 0.9), 0),
                 ((0.9, inf), 1)]:
    row(f"Adam(betas={betas!r})", lambda b=betas: Adam([Value(1.0)], betas=b), ValueError,
        f"Adam(betas[{k}])", "[0, 1)")
row("Adam(betas=(0.9, '0.99'))", lambda: Adam([Value(1.0)], betas=(0.9, "0.99")), TypeError,
    "Adam(betas[1])", "expected a number")
for bad in (0, -1e-8, nan, inf):
    row(f"Adam(eps={bad})", lambda bad=bad: Adam([Value(1.0)], eps=bad), ValueError,
        "Adam(eps)", "(0, inf)")
for bad in ("sgd", None, [Value(1.0)]):
    row(f"LinearDecay(optimizer={short(bad)})", lambda bad=bad: LinearDecay(bad), TypeError,
        "LinearDecay(optimizer)", "expected an SGD or Adam")
for bad in (-0.1, 1.5, 100, nan, inf):
    row(f"LinearDecay(end_factor={bad})",
        lambda bad=bad: LinearDecay(SGD([Value(1.0)]), end_factor=bad), ValueError,
        "LinearDecay(end_factor)", "[0, 1]")
row("LinearDecay(end_factor='0.1')", lambda: LinearDecay(SGD([Value(1.0)]), end_factor="0.1"),
    TypeError, "LinearDecay(end_factor)", "expected a number")
for bad in (0, -1):
    row(f"LinearDecay(steps={bad})", lambda bad=bad: LinearDecay(SGD([Value(1.0)]), steps=bad),
        ValueError, "LinearDecay(steps)", "expected a positive int")
for bad in (2.5, "10", True, None):
    row(f"LinearDecay(steps={bad!r})", lambda bad=bad: LinearDecay(SGD([Value(1.0)]), steps=bad),
        TypeError, "LinearDecay(steps)", "expected a positive int", type(bad).__name__)

# Moved from test_optim.py, where they were an inline table of pytest.raises(match=...).
for id, call, error, words in [
    ("SGD([])", lambda: SGD([], lr=0.1), ValueError, ("parameter list is empty",)),
    ("SGD(Value(1.0))", lambda: SGD(Value(1.0), lr=0.1), TypeError,
     ("expected a list of Values",)),
    ("SGD([1.0])", lambda: SGD([1.0], lr=0.1), TypeError, ("expected Values, got float",)),
    ("SGD([v, v])", lambda: SGD([V, V], lr=0.1), ValueError, ("appears twice",)),
    ("SGD(lr=0.0)", lambda: SGD([Value(1.0)], lr=0.0), ValueError,
     ("SGD(lr)", "(0, inf), got 0.0")),
    ("SGD(lr=-1)", lambda: SGD([Value(1.0)], lr=-1), ValueError, ("SGD(lr)",)),
    ("SGD(lr=inf)", lambda: SGD([Value(1.0)], lr=inf), ValueError, ("finite",)),
    ("SGD(lr=nan)", lambda: SGD([Value(1.0)], lr=nan), ValueError, ("finite",)),
    ("SGD(lr='0.1')", lambda: SGD([Value(1.0)], lr="0.1"), TypeError,
     ("expected a number, got str",)),
    ("SGD(lr=True)", lambda: SGD([Value(1.0)], lr=True), TypeError, ("got bool",)),
    ("SGD(momentum=1.0)", lambda: SGD([Value(1.0)], momentum=1.0), ValueError, ("[0, 1)",)),
    ("Adam(betas=(0.9,))", lambda: Adam([Value(1.0)], betas=(0.9,)), TypeError,
     ("expected a pair",)),
    ("Adam(betas=(0.9, 1.5))", lambda: Adam([Value(1.0)], betas=(0.9, 1.5)), ValueError,
     ("betas[1]",)),
    ("Adam(eps=0)", lambda: Adam([Value(1.0)], eps=0), ValueError, ("Adam(eps)",)),
    ("LinearDecay('sgd')", lambda: LinearDecay("sgd"), TypeError, ("expected an SGD or Adam",)),
    ("LinearDecay(steps=0)", lambda: LinearDecay(SGD([Value(1.0)]), steps=0), ValueError,
     ("positive int",)),
]:
    row(f"{id} (short form)", call, error, *words)


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
