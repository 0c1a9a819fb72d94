"""Bad input to Value, its operators and the engine's functions:
each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import copy
import pickle
import sys
from decimal import Decimal

import pytest
from bad_input import NOT_NUMBERS, check, inf, nan, np, short, table

import microprop
from microprop import Value, custom_op, nary, no_grad, rules

ROWS, row = table()

# ---- Value ---------------------------------------------------------------------------------------

for bad in [*NOT_NUMBERS.values(), Decimal("1"), object()]:
    row(f"Value(data={short(bad)})", lambda bad=bad: Value(bad), TypeError,
        "Value(data)", "expected a real number", type(bad).__name__)
row("Value(data=Value(1.0))", lambda: Value(Value(1.0)), TypeError, "Value(data)", "got Value")
if np is not None:
    row("Value(data=np.array(1.0)) 0-d", lambda: Value(np.array(1.0)), TypeError, "ndarray")
row("Value(data=10**400) huge int", lambda: Value(10**400), ValueError, "too large to be a float")
row("Value(data=-10**400) huge int", lambda: Value(-(10**400)), ValueError, "too large")
for bad in (3, None, b"x", ["x"]):
    row(f"Value(label={short(bad)})", lambda bad=bad: Value(1.0, label=bad), TypeError,
        "Value(label)", "expected a str", type(bad).__name__)

# Each operator, with the Value on either side, refuses each kind of non-number.
OPERATORS = {
    "v + _": lambda v, o: v + o, "_ + v": lambda v, o: o + v,
    "v - _": lambda v, o: v - o, "_ - v": lambda v, o: o - v,
    "v * _": lambda v, o: v * o, "_ * v": lambda v, o: o * v,
    "v / _": lambda v, o: v / o, "_ / v": lambda v, o: o / v,
    "v ** _": lambda v, o: v**o, "_ ** v": lambda v, o: o**v,
}
# Python names both operand types, except that for a str or a list it names only Value.
OPERAND_WORDS = {
    "str": ("Value",), "None": ("Value", "NoneType"), "complex": ("Value", "complex"),
    "list": ("Value",), "nested list": ("Value",),
}
for op_name, op in OPERATORS.items():
    for kind, words in OPERAND_WORDS.items():
        bad = NOT_NUMBERS[kind]
        row(f"{op_name.replace('_', short(bad))}", lambda op=op, bad=bad: op(Value(2.0), bad),
            TypeError, *words)
    row(f"{op_name.replace('_', '10**400')} huge int",
        lambda op=op: op(Value(2.0), 10**400), ValueError, "too large to be a float")

# NumPy has its own words: with the Value on the left, Value opts out of NumPy's array maths;
# on the right, NumPy answers ("_ + v" in its own words, the others naming both types).
if np is not None:
    array = NOT_NUMBERS["ndarray"]
    for op_name in ("v + _", "v - _", "v * _", "v / _", "v ** _"):
        row(op_name.replace("_", short(array)), lambda op=OPERATORS[op_name]: op(Value(2.0), array),
            TypeError, "Value", "ufuncs")
    row("np.array([1.0, 2.0]) + v", lambda: array + Value(2.0), TypeError, "NumPy")
    for op_name in ("_ - v", "_ * v", "_ / v", "_ ** v"):
        row(op_name.replace("_", short(array)), lambda op=OPERATORS[op_name]: op(Value(2.0), array),
            TypeError, "numpy.ndarray", "Value")

for bad in ("0.1", None, 1j, [0.1]):
    row(f"leaky_relu(slope={short(bad)})", lambda bad=bad: Value(-1.0).leaky_relu(bad),
        TypeError, "leaky_relu(slope)", "expected a real number")

# Results that do not exist in the reals raise; everything else propagates per IEEE 754.
for x in (0.0, -1.0, -inf):
    row(f"log({x})", lambda x=x: Value(x).log(), ValueError, "log", "positive", repr(x))
for x in (-1.0, -1e-300, -inf):
    row(f"sqrt({x})", lambda x=x: Value(x).sqrt(), ValueError, "sqrt", ">= 0", repr(x))
row("(-8) ** (1/3)", lambda: Value(-8.0) ** (1 / 3), ValueError, "negative base", "not real")
row("(-8) ** Value(0.5)", lambda: Value(-8.0) ** Value(0.5), ValueError, "negative base")
row("0 ** -1", lambda: Value(0.0) ** -1, ZeroDivisionError, "negative power")
row("v / 0", lambda: Value(1.0) / 0, ZeroDivisionError, "division by zero")
row("v / Value(0)", lambda: Value(1.0) / Value(0.0), ZeroDivisionError, "division by zero")
row("1 / Value(0)", lambda: 1 / Value(0.0), ZeroDivisionError, "division by zero")
row("1 / Value(-0.0)", lambda: 1 / Value(-0.0), ZeroDivisionError, "division by zero")

row("backward(1.0)", lambda: Value(1.0).backward(1.0), TypeError, "backward", "argument")
row("backward(retain_graph=True)", lambda: Value(1.0).backward(retain_graph=True), TypeError,
    "retain_graph")
row("zero_grad(True)", lambda: Value(1.0).zero_grad(True), TypeError, "zero_grad")


def with_no_grad_without_parentheses() -> None:
    with no_grad:  # type: ignore[attr-defined]
        pass


# Python's own error: a TypeError naming the protocol from 3.11, an AttributeError before.
row("with no_grad: (no parentheses)", with_no_grad_without_parentheses,
    *((TypeError, "context manager") if sys.version_info >= (3, 11) else
      (AttributeError, "__enter__")))
row("no_grad(True)", lambda: no_grad(True), TypeError, "no_grad", "argument")
row("enable_grad(True)", lambda: microprop.enable_grad(True), TypeError, "enable_grad",
    "argument")

for ws, xs in (([1.0], [1.0, 2.0]), ([], [1.0]), ([Value(1.0)] * 3, [1.0, 2.0])):
    row(f"dot(len {len(ws)}, len {len(xs)})", lambda ws=ws, xs=xs: nary.dot(ws, xs),
        ValueError, "dot", "differ in length", f"({len(ws)} and {len(xs)})")
for bad in NOT_NUMBERS.values():
    row(f"dot(ws=[{short(bad)}])", lambda bad=bad: nary.dot([bad], [1.0]), TypeError,
        "dot", type(bad).__name__)
    row(f"dot(xs=[{short(bad)}])", lambda bad=bad: nary.dot([Value(1.0)], [bad]), TypeError,
        "dot", type(bad).__name__)
    row(f"dot(bias={short(bad)})", lambda bad=bad: nary.dot([1.0], [1.0], bad), TypeError,
        "dot(bias)", type(bad).__name__)
    row(f"sum([{short(bad)}])", lambda bad=bad: nary.sum([Value(1.0), bad]), TypeError,
        "sum", type(bad).__name__)
for bad in (5, None, Value(1.0)):
    row(f"dot(ws={short(bad)})", lambda bad=bad: nary.dot(bad, [1.0]), TypeError,
        "dot(ws): expected a list of Values or numbers, got", type(bad).__name__)
    row(f"dot(xs={short(bad)})", lambda bad=bad: nary.dot([1.0], bad), TypeError,
        "dot(xs): expected a list of Values or numbers, got", type(bad).__name__)
    row(f"sum({short(bad)})", lambda bad=bad: nary.sum(bad), TypeError,
        "sum: expected a list of Values or numbers, got", type(bad).__name__)

A, B = Value(1.0), Value(2.0)
for bad in (True, 1.0, "0", None):
    row(f"take(index={short(bad)})", lambda bad=bad: nary.take([A, B], bad), TypeError,
        "take(index): expected an int, got", type(bad).__name__)
for bad in (-1, 2, 10**20):
    row(f"take(index={short(bad)}) out of range", lambda bad=bad: nary.take([A, B], bad),
        IndexError, f"take(index): {bad} is out of range for 2 values", "expected 0 to 1")
row("take([], 0)", lambda: nary.take([], 0), ValueError, "take: expected at least one value")
for bad in (5, {0: A}, {A, B}, "ab", (v for v in [A])):
    row(f"take({short(bad)}, 0)", lambda bad=bad: nary.take(bad, 0), TypeError,
        "take: expected a list or tuple of Values or numbers (or of rows), got",
        type(bad).__name__)
row("take([A, 'b'], 0)", lambda: nary.take([A, "b"], 0), TypeError, "take", "str")
row("take(ragged rows)", lambda: nary.take([[A, B], [A]], 0), ValueError,
    "take: row 1 is length 1; expected a row of 2, as row 0")
row("take(a row, then a Value)", lambda: nary.take([[A, B], A], 0), ValueError,
    "take: row 1 is Value; expected a row of 2")

# ---- micrograd's and microgpt's constructor, and _backward ------------------------------------

row("Value(2.0, 'x') positional label", lambda: Value(2.0, "x"), TypeError,
    "Value(data, _children)", "got the str 'x'", "label='x'")
for bad in (5, None, {Value(1.0)}, Value(1.0)):
    row(f"Value(1.0, _children={short(bad)})", lambda bad=bad: Value(1.0, bad), TypeError,
        "Value(_children)", "expected a tuple or list of Values", type(bad).__name__)
for bad in (1.0, "a", None):
    row(f"Value(1.0, _children=({short(bad)},))", lambda bad=bad: Value(1.0, (bad,)), TypeError,
        "Value(_children)", "expected Values", type(bad).__name__, "at 0")
for bad in (3, None, b"+", {"+"}):
    row(f"Value(1.0, (a,), _op={short(bad)})", lambda bad=bad: Value(1.0, (Value(1.0),), bad),
        TypeError, "Value(_op)", "a str", "local derivatives", type(bad).__name__)
for grads in ((), (1.0, 2.0), [1.0, 2.0, 3.0]):
    row(f"Value(1.0, (a,), local_grads of length {len(grads)})",
        lambda grads=grads: Value(1.0, (Value(1.0),), grads), ValueError,
        "Value(local_grads)", "one local derivative per input (1)", f"got {len(grads)}")
for bad in ("1", None, Value(1.0), 1j):
    row(f"Value(1.0, (a,), local_grads=({short(bad)},))",
        lambda bad=bad: Value(1.0, (Value(1.0),), (bad,)), TypeError,
        "Value(local_grads[0])", "expected a real number", type(bad).__name__)


def assign_backward(node: Value, f: object) -> None:
    node._backward = f  # type: ignore[assignment]


for bad in (None, 1.0, "f"):
    row(f"v._backward = {short(bad)}", lambda bad=bad: assign_backward(Value(1.0) * 2, bad),
        TypeError, "_backward", "expected a function of no arguments", type(bad).__name__)
row("leaf._backward = f", lambda: assign_backward(Value(1.0), lambda: None), ValueError,
    "_backward", "leaf", "Value(data, (a, b), 'op')")

# ---- the op API ----------------------------------------------------------------------------------

for bad in ("", None, 3):
    row(f"op(name={short(bad)})", lambda bad=bad: custom_op.op(bad), TypeError,
        "op(name)", "non-empty str")
row("op('f')(3.0) not a function", lambda: custom_op.op("f")(3.0), TypeError,
    "op('f')", "expected a function", "float")
for result, words in (
    (1.0, ("op 'f'", "must return (value, (d/dx1, ...))", "1.0")),
    ((1.0,), ("op 'f'", "must return (value",)),
    ((1.0, 2.0), ("op 'f'", "a tuple of 1 local derivative", "got 2.0")),
    ((1.0, (2.0, 3.0)), ("op 'f'", "a tuple of 1 local derivative", "one per argument")),
    (("1", (2.0,)), ("op 'f': value", "expected a real number", "str")),
    ((1.0, (None,)), ("op 'f': local derivative 0", "expected a real number", "NoneType")),
):
    row(f"op returning {short(result)}",
        lambda result=result: custom_op.op("f")(lambda x: result)(Value(1.0)), TypeError, *words)
for bad in ("x", None, [1.0]):
    row(f"op('f')(...)({short(bad)})",
        lambda bad=bad: custom_op.op("f")(lambda x: (x, (1.0,)))(bad), TypeError,
        "f: expected a Value or a real number", type(bad).__name__)

# ---- comparisons, as a float's ---------------------------------------------------------------

for name, compare in (("<", lambda a, b: a < b), ("<=", lambda a, b: a <= b),
                      (">", lambda a, b: a > b), (">=", lambda a, b: a >= b)):
    for bad in ("1", None, [1.0]):
        row(f"v {name} {short(bad)}", lambda compare=compare, bad=bad: compare(Value(1.0), bad),
            TypeError, f"'{name}' not supported", "Value", type(bad).__name__)
row("int(Value(nan))", lambda: int(Value(nan)), ValueError, "NaN")
row("int(Value(inf))", lambda: int(Value(inf)), OverflowError, "infinity")
row("round(Value(inf))", lambda: round(Value(inf)), OverflowError, "infinity")
row("round(v, 'x')", lambda: round(Value(1.0), "x"), TypeError, "str")

# A copy that shares a computed Value's inputs would write into the original graph; the messages
# are checked whole.


def computed() -> Value:
    """``y = tanh(x * x + w * x) / 2`` with x reused, after backward()."""
    x, w = Value(1.5, label="x"), Value(-0.5, label="w")
    y = (x * x + w * x).tanh() / 2.0
    y.label = "y"
    y.backward()
    return y


row("copy.copy(a computed Value)", lambda: copy.copy(computed()), TypeError,
    "copy.copy of a computed Value would share its inputs, so backward() on the copy would "
    "add into the original graph's gradients; use v.detach() for a new leaf with the same "
    "number, or copy.deepcopy(v) for a copy of the whole graph")
for protocol in (0, 1):
    row(f"pickle.dumps(Value(1.0), protocol={protocol}) (whole message)",
        lambda protocol=protocol: pickle.dumps(Value(1.0), protocol=protocol), TypeError,
        "a Value cannot be pickled with protocol 0 or 1; use 2 or later")


# ---- whole messages: each names the op and the operand in full -----------------------------------

NEGATIVE_BASE = "pow: a negative base -8.0 to the non-integer power {} is not real"
NOT_REAL = "expected a real number (int, float, bool), got str 'x'"
NOT_AN_OPERAND = "expected a Value or a real number, got str"
TOO_LARGE = "is too large to be a float"

row("Value(0.0).log() (whole message)", lambda: Value(0.0).log(), ValueError,
    "log: expected a positive number, got 0.0")
row("Value(-1.0).log() (whole message)", lambda: Value(-1.0).log(), ValueError,
    "log: expected a positive number, got -1.0")
row("Value(-4.0).sqrt() (whole message)", lambda: Value(-4.0).sqrt(), ValueError,
    "sqrt: expected a number >= 0, got -4.0")
row("Value(-8.0) ** (1 / 3) (whole message)", lambda: Value(-8.0) ** (1 / 3), ValueError,
    NEGATIVE_BASE.format(1 / 3))
row("Value(-8.0) ** Value(0.5) (whole message)", lambda: Value(-8.0) ** Value(0.5), ValueError,
    NEGATIVE_BASE.format(0.5))
row("(-8.0) ** Value(0.5) (whole message)", lambda: (-8.0) ** Value(0.5), ValueError,
    NEGATIVE_BASE.format(0.5))
row("Value(0.0) ** -1 (whole message)", lambda: Value(0.0) ** -1, ZeroDivisionError,
    "pow: 0.0 cannot be raised to the negative power -1.0")
row("Value(0.0) ** Value(-2.0) (whole message)",
    lambda: Value(0.0) ** Value(-2.0), ZeroDivisionError,
    "pow: 0.0 cannot be raised to the negative power -2.0")
row("Value(1.0) / 0 (whole message)", lambda: Value(1.0) / 0, ZeroDivisionError,
    "division by zero: 1.0 / 0.0")
row("Value(1.0) / Value(0.0) (whole message)", lambda: Value(1.0) / Value(0.0), ZeroDivisionError,
    "division by zero: 1.0 / 0.0")
row("1.0 / Value(0.0) (whole message)", lambda: 1.0 / Value(0.0), ZeroDivisionError,
    "division by zero: 1.0 / 0.0")
row("Value('x') (whole message)", lambda: Value("x"), TypeError,
    f"Value(data): {NOT_REAL}")
row("Value(1.0, label=3) (whole message)", lambda: Value(1.0, label=3), TypeError,
    "Value(label): expected a str, got int")
row("Value(1.0).leaky_relu('x') (whole message)", lambda: Value(1.0).leaky_relu("x"), TypeError,
    f"leaky_relu(slope): {NOT_REAL}")
row("Value(10**400) (whole message)", lambda: Value(10**400), ValueError,
    f"Value(data): {10**400!r} {TOO_LARGE}")
row("Value(1.0) + 10**400 (whole message)", lambda: Value(1.0) + 10**400, ValueError,
    f"operand: {10**400!r} {TOO_LARGE}")
row("nary.dot([1.0], ['a']) (whole message)", lambda: nary.dot([1.0], ["a"]), TypeError,
    f"dot: {NOT_AN_OPERAND}")
row("nary.dot(['a'], [1.0]) (whole message)", lambda: nary.dot(["a"], [1.0]), TypeError,
    f"dot: {NOT_AN_OPERAND}")
row("nary.dot([1.0], [1.0], 'b') (whole message)",
    lambda: nary.dot([1.0], [1.0], "b"), TypeError,
    "dot(bias): expected a Value or a real number, got str")
row("nary.sum([Value(1.0), None]) (whole message)",
    lambda: nary.sum([Value(1.0), None]), TypeError,
    "sum: expected a Value or a real number, got NoneType")
row("nary.sum(3) (whole message)", lambda: nary.sum(3), TypeError,
    "sum: expected a list of Values or numbers, got int")
row("nary.dot([1.0, 2.0], [1.0]) (whole message)",
    lambda: nary.dot([1.0, 2.0], [1.0]), ValueError,
    "dot: the sequences differ in length (2 and 1)")


# ---- the words test_engine.py checked inline -----------------------------------------------------

row("dot(len 2, len 3)", lambda: nary.dot([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0]), ValueError,
    "differ in length (2 and 3)")
row("dot([Value(1.0)], ['a'])", lambda: nary.dot([Value(1.0)], ["a"]), TypeError,
    "dot: ", "got str")
row("sum([Value(1.0), None])", lambda: nary.sum([Value(1.0), None]), TypeError,
    "sum: ", "got NoneType")
for data, kind in [
    ("1.0", "str"), (None, "NoneType"), (1j, "complex"), ([1.0], "list"), ([[1.0]], "list"),
    (Value(1.0), "Value"),
]:
    row(f"Value({short(data)}) names {kind}", lambda data=data: Value(data), TypeError,
        "expected a real number", f"got {kind}")
if np is not None:
    for data, kind in [
        (np.array(1.0), "ndarray"), (np.array([1.0, 2.0]), "ndarray"),
        (np.complex128(1.0), "complex128"),
    ]:
        row(f"Value({short(data)}) names {kind}", lambda data=data: Value(data), TypeError,
            "expected a real number", f"got {kind}")
for other in ("a", None, 1j, [1.0]):
    row(f"Value(1.0) + {short(other)}: unsupported operand",
        lambda other=other: Value(1.0) + other, TypeError, "unsupported operand")
    row(f"{short(other)} * Value(1.0) names Value",
        lambda other=other: other * Value(1.0), TypeError, "Value")
    row(f"Value(1.0) ** {short(other)}: unsupported operand",
        lambda other=other: Value(1.0) ** other, TypeError, "unsupported operand")
row("leaky_relu(slope='0.1') names str", lambda: Value(1.0).leaky_relu("0.1"), TypeError,
    "leaky_relu(slope)", "got str")

for bad in (None, 1.0, "print"):
    row(f"register_hook({short(bad)})", lambda bad=bad: Value(1.0).register_hook(bad), TypeError,
        "register_hook: expected a function of the gradient", type(bad).__name__)


def _hooked_backward(returned):
    x = Value(2.0)
    x.register_hook(lambda g: returned)
    (x * x).backward()


for bad in ("1.0", [1.0], Value(1.0)):
    row(f"register_hook(returns {short(bad)})", lambda bad=bad: _hooked_backward(bad), TypeError,
        "a hook must return a number or None", type(bad).__name__)
row("op('sin', rule=1)", lambda: custom_op.op("sin_rule", rule=1), TypeError,
    "op('sin_rule', rule): expected a function, got int")
for bad in ("sq\n    open('PWNED', 'w').write('x') #", "a\tb", "x\x00", "line\u2028sep"):
    row(f"op(name={short(bad)})", lambda bad=bad: custom_op.op(bad), ValueError,
        "op(name)", "without control characters", repr(bad)[:10])


def _second_derivative_of(op_of_your_own, x=0.5):
    v = Value(x)
    (first,) = microprop.grad(op_of_your_own(v), [v], create_graph=True)
    return microprop.grad(first, [v])


def _defined(rule):
    return custom_op.op("mine", rule=rule)(lambda x: (x * x, (2.0 * x,)))


for result, words in (
    (2.0, ("op 'mine'", "its rule must return a tuple of 1 local derivative", "2.0")),
    ((), ("op 'mine'", "a tuple of 1 local derivative(s), one per argument", "()")),
    ((1.0, 2.0), ("op 'mine'", "a tuple of 1 local derivative(s)", "(1.0, 2.0)")),
    (("2x",), ("op 'mine': its rule's derivative 0", "expected a real number", "str")),
):
    row(f"op rule returning {short(result)}",
        lambda result=result: _second_derivative_of(_defined(lambda out, x: result)), TypeError,
        *words)
row("op rule taking no output", lambda: _second_derivative_of(_defined(lambda x: (2.0 * x,))),
    TypeError, "op 'mine'", "its rule cannot take the 2 argument(s) it is given")
for bad in ("", "a\nb"):
    row(f"rules.Op(name={short(bad)})", lambda bad=bad: rules.Op(bad, rules.tanh), ValueError,
        "Op(name)", "non-empty name without control characters")
row("rules.Op(name=3)", lambda: rules.Op(3, rules.tanh), TypeError, "Op(name)",
    "expected a str, got int")
row("rules.Op('f', rule=1)", lambda: rules.Op("f", 1), TypeError, "Op('f', rule)",
    "expected a function, got int")
row("op function taking two arguments, called with one",
    lambda: custom_op.op("two")(lambda x, y: (x * y, (y, x)))(Value(1.0)), TypeError,
    "op 'two'", "its function cannot take the 1 argument(s) it is given")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
