"""Bad input to compile and to what it returns: each row a call, the error and words it says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import math

import pytest
from bad_input import check, table

from microprop import Value, nary
from microprop.compile import Compiled, CompileError, compile

ROWS, row = table()
W = Value(2.0, label="w")


def traced(fn, *args, **options):
    """A compiled fn, called once on args (the trace)."""
    compiled = compile(fn, [W], **options)
    compiled(*args)
    return compiled


def traced_take():
    """W times a Value taken from a table by an index argument, traced with index 0."""
    compiled = compile(lambda i: nary.take(TABLE, i) * W, [W], indices=[0])
    compiled(0)
    return compiled


def closure_node():
    out = Value(W.data * 3.0, (W,), "triple")
    out._backward = lambda: None
    return out


for bad in ("f", None, 1):
    row(f"compile(fn={bad!r})", lambda bad=bad: compile(bad), TypeError,
        "compile(fn): expected a function", type(bad).__name__)
for out in (1.0, None, [Value(1.0)]):
    row(f"compile(fn returns {type(out).__name__})", lambda out=out: compile(lambda: out)(),
        TypeError, f"fn returned a {type(out).__name__}", "expected a Value")
row("compile(fn returns a float) (whole message)", lambda: compile(lambda: 1.0)(), TypeError,
    "compile(fn): fn returned a float; expected a Value (a scalar, such as a loss)")
row("compile(params=1)", lambda: compile(lambda: W * 2.0, 1), TypeError,
    "compile(params): expected a list of Values, got int")
row("compile(params=[1.0])", lambda: compile(lambda: W * 2.0, [1.0]), TypeError,
    "compile(params): item 0 is not a leaf Value")
row("compile(params=[a computed Value])", lambda: compile(lambda: W * 2.0, [W * 1.0]),
    TypeError, "item 0 is not a leaf Value")
row("compile(params=[W, W])", lambda: compile(lambda: W * 2.0, [W, W]), ValueError,
    "compile(params): item 1 is item 0 again", "each parameter once")
for bad, error in ((0, ValueError), (-3, ValueError), ("8", TypeError), (True, TypeError)):
    row(f"compile(max_traces={bad!r})", lambda bad=bad: compile(lambda: W, max_traces=bad),
        error, "compile(max_traces)", "positive int")
for name in ("retrace", "check"):
    row(f"compile({name}='yes')", lambda name=name: compile(lambda: W, **{name: "yes"}),
        TypeError, f"compile({name}): expected True or False, got str")
row("compile(...)(one argument too many)", lambda: traced(lambda x: W * x, 1.0)(1.0, 2.0),
    TypeError, "expected 1 argument(s), as traced, got 2")
row("compile(...)('1.0')", lambda: traced(lambda x: W * x, 1.0)("1.0"), TypeError,
    "argument 0 is a str", "expected a number, a Value, or a list or tuple of them")
row("compile(...)([1.0, None])", lambda: traced(lambda x: W * x[0], [1.0, 2.0])([1.0, None]),
    TypeError, "argument 0[1] is a NoneType")
row("compile(retrace=False)(a longer list)",
    lambda: traced(lambda xs: nary.sum(xs) * W, [1.0], retrace=False)([1.0, 2.0]),
    ValueError, "structure changed: now ([x, x])", "traced with ([x])", "retrace=True")
row("compile(a micrograd closure)", lambda: compile(closure_node)(), CompileError,
    "the triple node has a micrograd _backward closure", "microprop.op")
row("compile(a node made by hand)",
    lambda: compile(lambda: Value(W.data, (W,), (1.0,)))(), CompileError,
    "the unnamed node was made by hand", "microprop.op")
row("compile(...) log of a negative input, as eager",
    lambda: traced(lambda x: (W * x).log(), 1.0)(-1.0), ValueError,
    "log: expected a positive number, got -2.0")
row("compile(...) 1 / 0, as eager", lambda: traced(lambda x: 1.0 / (W * x), 1.0)(0.0),
    ZeroDivisionError, "division by zero")
TABLE = [Value(1.0), Value(2.0)]
for bad in (0, "0", [True], [-1], [1.5]):
    row(f"compile(indices={bad!r})", lambda bad=bad: compile(lambda i: W, indices=bad),
        TypeError, "compile(indices): expected")
row("compile(max_traces=0) (whole message)", lambda: compile(lambda: W, max_traces=0),
    ValueError, "compile(max_traces): expected a positive int, got 0")
row("compile(indices='x') (whole message)", lambda: compile(lambda x: W, indices="x"), TypeError,
    "compile(indices): expected a list of argument positions, got str")
row("compiled(object()) (whole message)", lambda: compile(lambda x: W * x, [W])(object()),
    TypeError, "compiled <lambda>: argument 0 is a object; expected a number, a Value, or a list "
    "or tuple of them")


row("compile(indices=[0])(1.5) (whole message)",
    lambda: compile(lambda i: W * 1.0, indices=[0])(1.5), TypeError,
    "compiled <lambda>: argument 0 is a float; argument 0 holds indices, so expected an int or a "
    "list of them")


class _Unnamed:  # a callable without __name__: messages call it fn
    def __call__(self, x):
        return W * x


def _traced_unnamed():
    compiled = compile(_Unnamed(), [W])
    compiled(1.0)
    return compiled


row("compiled fn(1.0, 2.0), traced with one (whole message)",
    lambda: _traced_unnamed()(1.0, 2.0), TypeError,
    "compiled fn: expected 1 argument(s), as traced, got 2")
row("compiled fn([object()]) (whole message)", lambda: _traced_unnamed()([object()]), TypeError,
    "compiled fn: argument 0[0] is a object; expected a number, a Value, or a list or tuple of "
    "them")
row("compile(indices=[1])(one argument)",
    lambda: compile(lambda i: W, indices=[1])(0), TypeError,
    "compile(indices) names argument 1, but it was called with 1")
for bad, where, kind in ((1.0, "0", "float"), (True, "0", "bool"), (None, "0", "NoneType"),
                         ([0, 1.0], "0[1]", "float")):
    row(f"compile(indices=[0])({bad!r})",
        lambda bad=bad: compile(lambda i: W * 1.0, indices=[0])(bad), TypeError,
        f"argument {where} is a {kind}; argument 0 holds indices, so expected an int")
row("compile(indices=[0]) an index used as a list index",
    lambda: compile(lambda i: TABLE[i] * W, indices=[0])(1), TypeError,
    "an index argument (1, traced) can only be used through microprop.take")
row("compile(indices=[0]) an index in arithmetic",
    lambda: compile(lambda i: nary.take(TABLE, i + 1) * W, indices=[0])(0), TypeError,
    "can only be used through microprop.take")
row("compile(indices=[0]) an index compared",
    lambda: compile(lambda i: W if i == 0 else W * 2.0, indices=[0])(0), TypeError,
    "can only be used through microprop.take")
for use, misuse in (("divided", lambda i: i / 2), ("negated", lambda i: -i),
                    ("raised to a power", lambda i: 2 ** i), ("rounded", round),
                    ("made a str", str), ("formatted", lambda i: f"{i}"),
                    ("shifted", lambda i: i << 1), ("hashed", hash)):
    row(f"compile(indices=[0]) an index {use}",
        lambda misuse=misuse: compile(lambda i: W * (misuse(i) and 1.0), indices=[0])(1),
        TypeError, "can only be used through microprop.take")
row("compile(indices=[0]) an index out of range, as eager",
    lambda: traced_take()(2), IndexError, "take(index): 2 is out of range for 2 values")
row("compile(...).source before a call (whole message)", lambda: compile(lambda: W).source,
    RuntimeError, "compile: nothing traced yet; call the compiled function once")
for bad in ("gpu", 3, "Tape"):
    row(f"compile(backend={bad!r})", lambda bad=bad: compile(lambda: W, backend=bad), ValueError,
        "compile(backend): expected one of 'python', 'tape', 'numpy'", repr(bad))


def squares() -> Compiled:
    return compile(lambda x: (W * x) ** 2, [W])


row("compiled.rows(rows=3)", lambda: squares().rows(3), TypeError, "compiled <lambda>.rows",
    "rows of arguments")
row("compiled.rows(rows of two structures)",
    lambda: squares().rows([1.0, 2.0, ([3.0],)]), ValueError,
    "row 2 has the structure ([x]), row 0 (x); expected rows of one structure")
row("compiled.rows(a row of a str)", lambda: squares().rows([1.0, "a"]), TypeError,
    "argument 0 is a str; expected a number")
row("compiled.accumulate(Rows, picks=[5])",
    lambda: (lambda c: c.accumulate(c.rows([1.0, 2.0]), [5]))(squares()), IndexError,
    "accumulate(picks): row numbers run from 0 to 1, got 5")
row("compiled.accumulate(Rows, picks=['a'])",
    lambda: (lambda c: c.accumulate(c.rows([1.0]), ["a"]))(squares()), TypeError, "integer")
row("compiled.accumulate(a list, picks=[0])",
    lambda: squares().accumulate([1.0], [0]), TypeError,
    "picks selects among Rows (compiled.rows(...)), not among a list")


def test_a_nan_input_gives_nan_as_eager_does():
    compiled = traced(lambda x: (W * x).tanh(), 1.0)
    value, (grad,) = compiled(math.nan)
    assert math.isnan(value) and math.isnan(grad)


def test_compiled_is_what_compile_returns():
    assert isinstance(compile(lambda: W), Compiled)


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
