"""Every public entry point, given bad input, raises an error that names what was wrong.

One table, one test: each row is an id, a call with no arguments, the exception it must raise and
words its message must contain (the argument at fault, and what was expected). Rows that follow
one pattern, such as each bad type for each size argument, are made by small loops.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from microprop import Value, engine, gradcheck, no_grad
from microprop.cli import main
from microprop.data import Standardizer, load_iris, make_moons, train_test_split
from microprop.explain import backward_steps, explain
from microprop.losses import bce_with_logits, hinge, l2_penalty, mse
from microprop.nn import MLP, Layer, Module, Neuron, article_network
from microprop.optim import SGD, Adam, LinearDecay
from microprop.serialization import ModelFileError, load, load_metadata, save
from microprop.train import History, accuracy, evaluate_loss, fit, predict

try:
    import numpy as np
except ImportError:  # pragma: no cover - numpy comes with matplotlib and torch
    np = None

nan, inf = math.nan, math.inf


@dataclass(frozen=True)
class Row:
    call: Callable[[], object]
    error: type[BaseException]
    words: tuple[str, ...]


ROWS: list = []


def row(id: str, call: Callable[[], object], error: type[BaseException], *words: str) -> None:
    ROWS.append(pytest.param(Row(call, error, words), id=id))


def short(x: object) -> str:
    """A bad value as it reads in a test id."""
    if np is not None and isinstance(x, np.ndarray):
        return f"np.array({x.tolist()!r})"
    if isinstance(x, Value):
        return f"Value({x.data!r})"
    if isinstance(x, list) and len(x) <= 4:
        return "[" + ", ".join(short(v) for v in x) + "]"
    if isinstance(x, type) or callable(x):
        return getattr(x, "__name__", type(x).__name__).replace("<lambda>", "lambda")
    if type(x) is object:
        return "object()"
    text = repr(x)
    return text if len(text) <= 24 else text[:21] + "..."


def call_id(template: str, bad: object) -> str:
    """``"Neuron(nin=?)"`` with the bad value in place of ``?``."""
    return template.replace("?", short(bad), 1)


def argument(template: str) -> str:
    """The name an error message uses for the argument: ``"Neuron(nin=?)"`` -> ``"Neuron(nin)"``."""
    return template.split("=")[0] + ")"


# Wrong types where a number goes (each names its type in the message).
NOT_NUMBERS = {"str": "1.0", "None": None, "complex": 1j, "list": [1.0], "nested list": [[1.0]]}
if np is not None:
    NOT_NUMBERS["ndarray"] = np.array([1.0, 2.0])

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
for op_name, op in OPERATORS.items():
    for kind, bad in NOT_NUMBERS.items():
        # Python names both operand types; sequences name only Value; NumPy has its own words.
        if kind == "ndarray" and op_name.startswith("v"):
            words = ("Value", "ufuncs")  # Value opts out of NumPy's array maths
        elif kind == "ndarray":
            words = ("NumPy",) if op_name == "_ + v" else ("numpy.ndarray", "Value")
        elif kind in ("str", "list", "nested list"):
            words = ("Value",)
        else:
            words = ("Value", type(bad).__name__)
        row(f"{op_name.replace('_', short(bad))}", lambda op=op, bad=bad: op(Value(2.0), bad),
            TypeError, *words)
    row(f"{op_name.replace('_', '10**400')} huge int",
        lambda op=op: op(Value(2.0), 10**400), ValueError, "too large to be a float")

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


row("with no_grad: (no parentheses)", with_no_grad_without_parentheses, TypeError,
    "context manager")
row("no_grad(True)", lambda: no_grad(True), TypeError, "no_grad", "argument")

for ws, xs in (([1.0], [1.0, 2.0]), ([], [1.0]), ([Value(1.0)] * 3, [1.0, 2.0])):
    row(f"dot(len {len(ws)}, len {len(xs)})", lambda ws=ws, xs=xs: engine.dot(ws, xs),
        ValueError, "dot", "differ in length", f"({len(ws)} and {len(xs)})")
for bad in NOT_NUMBERS.values():
    row(f"dot(ws=[{short(bad)}])", lambda bad=bad: engine.dot([bad], [1.0]), TypeError,
        "dot", type(bad).__name__)
    row(f"dot(xs=[{short(bad)}])", lambda bad=bad: engine.dot([Value(1.0)], [bad]), TypeError,
        "dot", type(bad).__name__)
    row(f"dot(bias={short(bad)})", lambda bad=bad: engine.dot([1.0], [1.0], bad), TypeError,
        "dot(bias)", type(bad).__name__)
    row(f"sum([{short(bad)}])", lambda bad=bad: engine.sum([Value(1.0), bad]), TypeError,
        "sum", type(bad).__name__)
for bad in (5, None, Value(1.0)):
    row(f"dot(ws={short(bad)})", lambda bad=bad: engine.dot(bad, [1.0]), TypeError,
        "dot(ws): expected a list of Values or numbers, got", type(bad).__name__)
    row(f"dot(xs={short(bad)})", lambda bad=bad: engine.dot([1.0], bad), TypeError,
        "dot(xs): expected a list of Values or numbers, got", type(bad).__name__)
    row(f"sum({short(bad)})", lambda bad=bad: engine.sum(bad), TypeError,
        "sum: expected a list of Values or numbers, got", type(bad).__name__)


def square(x: Value) -> Value:
    return x * x


for bad in ("f", None, 1):
    row(f"gradcheck(f={bad!r})", lambda bad=bad: gradcheck(bad, 1.0), TypeError,
        "f must be callable")
row("gradcheck() no inputs", lambda: gradcheck(square), ValueError, "at least one input")
for out in (1.0, None, [Value(1.0)]):
    row(f"gradcheck(f returns {short(out)})", lambda out=out: gradcheck(lambda x: out, 1.0),
        TypeError, "f must return a Value", type(out).__name__)
for name in ("eps", "atol", "rtol"):
    for bad in (-1.0, nan, inf, "1e-6", True, None):
        error = ValueError
        words = (name, "finite") if bad == inf else (name, "a number >= 0")
        row(f"gradcheck({name}={short(bad)})",
            lambda name=name, bad=bad: gradcheck(square, 1.0, **{name: bad}), error, *words)
row("gradcheck(eps=0)", lambda: gradcheck(square, 1.0, eps=0), ValueError, "eps must be > 0")
row("gradcheck(raise_exception='no')", lambda: gradcheck(square, 1.0, raise_exception="no"),
    TypeError, "raise_exception must be True or False")
for bad in NOT_NUMBERS.values():
    row(f"gradcheck(input {short(bad)})", lambda bad=bad: gradcheck(square, bad), TypeError,
        "expected a real number")
for bad in (nan, inf, -inf):
    row(f"gradcheck(input {bad})", lambda bad=bad: gradcheck(square, 1.0, bad), ValueError,
        "input 1 is", repr(bad), "finite")

# ---- nn: construction ----------------------------------------------------------------------------

SIZE_ARGUMENTS = {
    "Neuron(nin=?)": lambda n: Neuron(n),
    "Layer(nin=?, nout=2)": lambda n: Layer(n, 2),
    "Layer(nin=2, nout=?)": lambda n: Layer(2, n),
    "MLP(nin=?, nouts=[2, 1])": lambda n: MLP(n, [2, 1]),
    "MLP(nin=2, nouts=[3, ?, 1])": lambda n: MLP(2, [3, n, 1]),
}
SIZE_NAMES = ["Neuron(nin)", "Layer(nin)", "Layer(nout)", "MLP(nin)", "MLP(nouts[1])"]
BAD_SIZES: dict = {**NOT_NUMBERS, "float": 2.0, "bool": True, "nan": nan, "inf": inf}
if np is not None:
    BAD_SIZES["ndarray"] = np.array([3])
for (template, make), what in zip(SIZE_ARGUMENTS.items(), SIZE_NAMES, strict=True):
    for bad in BAD_SIZES.values():
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), TypeError,
            what, "expected a positive int", f"got {type(bad).__name__}")
    for bad in (0, -1, -(10**30)):
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), ValueError,
            what, "expected a positive int", f"got {bad}")
if np is not None:
    row("Neuron(nin=np.int64(0))", lambda: Neuron(np.int64(0)), ValueError, "positive int")

for bad in (3, None, "21", 2.5):
    row(f"MLP(nouts={short(bad)})", lambda bad=bad: MLP(2, bad), TypeError,
        "MLP(nouts)", "expected a list of layer sizes")
for bad in ([], (), {}):
    row(f"MLP(nouts={bad!r}) empty", lambda bad=bad: MLP(2, bad), ValueError,
        "MLP(nouts)", "at least one layer size")

ACTIVATION_ARGUMENTS = {
    "Neuron(activation=?)": lambda a: Neuron(2, a),
    "Layer(activation=?)": lambda a: Layer(2, 2, a),
    "MLP(activation=?)": lambda a: MLP(2, [1], activation=a),
    "MLP(output_activation=?)": lambda a: MLP(2, [1], output_activation=a),
    "article_network(activation=?)": lambda a: article_network(a),
}
for template, make in ACTIVATION_ARGUMENTS.items():
    for bad in ("gelu", "Tanh", ""):
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), ValueError,
            argument(template), f"unknown activation {bad!r}",
            "'relu', 'tanh', 'sigmoid', 'linear'")
    for bad in (1, ["tanh"], True):
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), TypeError,
            argument(template), "expected a name such as 'tanh'", type(bad).__name__)

FLAG_ARGUMENTS = {
    "Neuron(bias=?)": lambda b: Neuron(2, bias=b),
    "Layer(bias=?)": lambda b: Layer(2, 2, bias=b),
    "MLP(output_bias=?)": lambda b: MLP(2, [1], output_bias=b),
}
for template, make in FLAG_ARGUMENTS.items():
    for bad in (0, 1, "yes", None):
        name = argument(template).split("(")[1].rstrip(")")
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), TypeError,
            f"{name}: expected True or False", type(bad).__name__)

SEED_ARGUMENTS = {
    "Neuron(seed=?)": (lambda s: Neuron(2, seed=s), "Neuron(seed)"),
    "Layer(seed=?)": (lambda s: Layer(2, 2, seed=s), "Layer(seed)"),
    "MLP(seed=?)": (lambda s: MLP(2, [1], seed=s), "MLP(seed)"),
    "article_network(seed=?)": (lambda s: article_network(seed=s), "MLP(seed)"),
}
for template, (make, what) in SEED_ARGUMENTS.items():
    for bad in (1.5, "0", True, [0], nan):
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), TypeError,
            what, "expected an int, a random.Random or None", type(bad).__name__)
row("Neuron(unknown=1)", lambda: Neuron(2, unknown=1), TypeError, "unexpected keyword")
row("MLP(2, [1], bias=False) (it is output_bias)", lambda: MLP(2, [1], bias=False), TypeError,
    "bias")

# ---- nn: calls -----------------------------------------------------------------------------------

MODELS = {
    "Neuron": Neuron(3, seed=0),
    "Layer": Layer(3, 2, seed=0),
    "MLP": MLP(3, [2, 1], seed=0),
}
for who, model in MODELS.items():
    for bad in ("abc", None, {"a": 1, "b": 2, "c": 3}, 1j, b"abc"):
        row(f"{who}(x={short(bad)})", lambda m=model, bad=bad: m(bad), TypeError,
            who, "expected a list of 3 numbers or Values", type(bad).__name__)
    for bad in ([1.0, 2.0], [1.0, 2.0, 3.0, 4.0], [], (), 5.0):
        n = 1 if isinstance(bad, float) else len(bad)
        row(f"{who}(x={short(bad)}) wrong length", lambda m=model, bad=bad: m(bad),
            ValueError, who, f"expected 3 inputs, got {n}")
    for bad in ("2", None, 1j, [2.0], Decimal("2")):
        x = [1.0, bad, 3.0]
        row(f"{who}(x={short(x)})", lambda m=model, x=x: m(x), TypeError,
            who, "inputs must be real numbers or Values", type(bad).__name__)
    for bad in (nan, inf, -inf, Value(nan), Value(inf)):
        x = [1.0, 2.0, bad]
        shown = bad.data if isinstance(bad, Value) else bad
        row(f"{who}(x={short(x)})", lambda m=model, x=x: m(x), ValueError,
            who, f"input 2 is {shown!r}", "must be finite")
    row(f"{who}(x=[10**400, 0, 0])", lambda m=model: m([10**400, 0, 0]), ValueError,
        who, "input 0 is too large")
    row(f"{who}(X) a whole data set", lambda m=model: m([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
        ValueError, who, "expected 3 inputs, got 2", "one row at a time")
    if np is not None:
        row(f"{who}(np.ones((2, 3)))", lambda m=model: m(np.ones((2, 3))), ValueError,
            "expected 3 inputs, got 2", "one row at a time")
        row(f"{who}(np.array([1, nan, 3]))", lambda m=model: m(np.array([1.0, nan, 3.0])),
            ValueError, "input 1 is nan")
row("Neuron(1)(nan) a single number", lambda: Neuron(1, seed=0)(nan), ValueError,
    "input 0 is nan")
row("Neuron(1)('1') a str for one input", lambda: Neuron(1, seed=0)("1"), TypeError,
    "got str")

STATE = MLP(2, [1], seed=0).state_dict()  # {"layers.0.neurons.0.w.0": ..., w.1, b}
for what, state, error, words in [
    ("a list", list(STATE.values()), TypeError, ("load_state_dict", "expected a dict")),
    ("a missing name", {"layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.b": 0.0},
     ValueError, ("missing 'layers.0.neurons.0.w.1'",)),
    ("an unexpected name", {**STATE, "extra": 1.0}, ValueError, ("unexpected 'extra'",)),
    ("a str value", {**STATE, "layers.0.neurons.0.b": "0.5"}, TypeError, ("must be a real",)),
    ("a None value", {**STATE, "layers.0.neurons.0.b": None}, TypeError, ("must be a real",)),
    ("a bool value", {**STATE, "layers.0.neurons.0.b": True}, TypeError, ("got bool",)),
    ("a NaN", {**STATE, "layers.0.neurons.0.b": nan}, ValueError, ("must be finite",)),
    ("an inf", {**STATE, "layers.0.neurons.0.b": -inf}, ValueError, ("must be finite",)),
    ("a huge int", {**STATE, "layers.0.neurons.0.b": 10**400}, ValueError, ("too large",)),
]:
    row(f"load_state_dict({what})", lambda state=state: MLP(2, [1], seed=0).load_state_dict(state),
        error, *words)

row("copy.copy(model)", lambda: copy.copy(MLP(2, [1], seed=0)), TypeError,
    "would share the parameters", "copy.deepcopy")


def to_torch_of_a_bare_module() -> object:
    pytest.importorskip("torch")
    return Module().to_torch()


row("Module().to_torch()", to_torch_of_a_bare_module, NotImplementedError,
    "no PyTorch equivalent")
row("Module()(x)", lambda: Module()([1.0]), NotImplementedError)

# ---- losses --------------------------------------------------------------------------------------

LOSSES = {"mse": (mse, 0.5), "bce_with_logits": (bce_with_logits, 1.0), "hinge": (hinge, 1.0)}
for who, (loss, y) in LOSSES.items():
    for bad in ("ab", None, b"ab"):
        row(f"{who}(predictions={short(bad)})", lambda f=loss, bad=bad, y=y: f(bad, [y, y]),
            TypeError, who, "expected a list of predictions")
    for bad in (None, "2", 1j, [2.0], True):
        row(f"{who}(predictions=[{short(bad)}])", lambda f=loss, bad=bad, y=y: f([bad], [y]),
            TypeError, who, "predictions must be Values or numbers", type(bad).__name__)
    for bad in (nan, inf, -inf):
        row(f"{who}(predictions=[0.5, {bad}])", lambda f=loss, bad=bad, y=y: f([0.5, bad], [y, y]),
            ValueError, who, f"prediction 1 is {bad!r}", "must be finite")
    row(f"{who}(predictions=[10**400])", lambda f=loss, y=y: f([10**400], [y]), ValueError,
        who, "prediction 0 is too large")
    for bad in ("a", None, Value(1.0), 7):
        row(f"{who}(targets={short(bad)})", lambda f=loss, bad=bad: f([0.5, 0.5], bad), TypeError,
            who, "expected a list of targets", type(bad).__name__)
    for bad in (None, "1", 1j, [1.0], Value(1.0)):
        row(f"{who}(targets=[{short(bad)}])", lambda f=loss, bad=bad: f([0.5], [bad]), TypeError,
            who, "targets must be numbers", type(bad).__name__)
    for bad in (nan, inf, -inf):
        row(f"{who}(targets=[{bad}])", lambda f=loss, bad=bad: f([0.5], [bad]), ValueError,
            who, f"target 0 is {bad!r}", "must be finite")
    for ss, ys in (([0.5, 0.5], [y]), ([0.5], [y, y]), ([0.5], [])):
        row(f"{who}({len(ss)} predictions, {len(ys)} targets)",
            lambda f=loss, ss=ss, ys=ys: f(ss, ys), ValueError,
            who, f"{len(ss)} predictions but {len(ys)} targets")
    row(f"{who}([], []) empty", lambda f=loss: f([], []), ValueError, who, "no predictions")
    for bad in ("max", "none", "MEAN", None):
        row(f"{who}(reduction={bad!r})", lambda f=loss, bad=bad, y=y: f([0.5], [y], reduction=bad),
            ValueError, f"{who}(reduction)", "expected 'mean' or 'sum'", repr(bad))
    if np is not None:
        row(f"{who}(np.ones((2, 1)), ...) 2-D", lambda f=loss, y=y: f(np.ones((2, 1)), [y, y]),
            TypeError, "predictions must be Values or numbers", "ndarray")
for bad in (2.0, -0.5, 1.0001):
    row(f"bce_with_logits(targets=[{bad}])", lambda bad=bad: bce_with_logits([0.0], [bad]),
        ValueError, "targets must be in [0, 1]", repr(bad))
for bad in (0.0, 0.5, 2.0):
    row(f"hinge(targets=[{bad}])", lambda bad=bad: hinge([0.0], [bad]), ValueError,
        "targets must be -1 or +1", "2 * y - 1")
for bad in (5, None, Value(1.0), "ab"):
    row(f"l2_penalty(parameters={short(bad)})", lambda bad=bad: l2_penalty(bad, 0.1), TypeError,
        "l2_penalty(parameters)", "expected a list of Values", type(bad).__name__)
for bad in ([1.0], [None], [[Value(1.0)]]):
    row(f"l2_penalty(parameters={short(bad)})", lambda bad=bad: l2_penalty(bad, 0.1), TypeError,
        "l2_penalty", "expected Values", type(bad[0]).__name__)
for bad in (-1.0, nan, inf, -inf):
    row(f"l2_penalty(alpha={bad})", lambda bad=bad: l2_penalty([Value(1.0)], bad), ValueError,
        "l2_penalty(alpha)", "finite number >= 0")
for bad in ("0.1", None, True, 1j):
    row(f"l2_penalty(alpha={bad!r})", lambda bad=bad: l2_penalty([Value(1.0)], bad), TypeError,
        "l2_penalty(alpha)", "expected a number", type(bad).__name__)

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
for bad in (-0.1, 1.0, 1.5, nan, inf):
    row(f"SGD(momentum={bad})", lambda bad=bad: SGD([Value(1.0)], momentum=bad), ValueError,
        "SGD(momentum)", "[0, 1)")
for bad in ("0.9", True, None):
    row(f"SGD(momentum={bad!r})", lambda bad=bad: SGD([Value(1.0)], momentum=bad), TypeError,
        "SGD(momentum)", "expected a number")
for bad in ((0.9,), (0.9, 0.99, 0.999), 0.9, "ab", None):
    row(f"Adam(betas={bad!r})", lambda bad=bad: Adam([Value(1.0)], betas=bad), TypeError,
        "Adam(betas)", "expected a pair such as (0.9, 0.999)")
for i, betas in enumerate([(-0.1, 0.9), (1.0, 0.9), (0.9, 1.0), (nan, 0.9), (0.9, inf)]):
    k = 0 if i < 2 or i == 3 else 1
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

# ---- training ------------------------------------------------------------------------------------

X = [[0.0], [1.0], [2.0], [3.0]]
Y = [1.0, 3.0, 5.0, 7.0]


def fit_with(**changes: object) -> object:
    """``fit`` on a small good problem, with some arguments replaced."""
    args: dict = {"model": Neuron(1, "linear", seed=0), "X": X, "y": Y, "epochs": 2,
                  "progress": False, **changes}
    return fit(args.pop("model"), args.pop("X"), args.pop("y"), **args)


for bad in ("mlp", None, [Value(1.0)]):
    row(f"fit(model={short(bad)})", lambda bad=bad: fit_with(model=bad), TypeError,
        "fit(model)", "expected a microprop Module", type(bad).__name__)
row("fit(model with 2 outputs)", lambda: fit_with(model=Layer(1, 2, seed=0)), TypeError,
    "the model gives 2 outputs", "one output")
row("fit(model with 2 inputs)", lambda: fit_with(model=Neuron(2, seed=0)), ValueError,
    "the rows of X have 1 values; the model takes 2")
for bad in ("abc", None, 5, b"ab"):
    row(f"fit(X={short(bad)})", lambda bad=bad: fit_with(X=bad), TypeError,
        "fit(X)", "expected a list of rows", type(bad).__name__)
for bad, error, words in [
    ([], ValueError, ("fit(X)", "no data")),
    ([[]] * 4, ValueError, ("fit(X)", "no data")),
    ([0.0, 1.0, 2.0, 3.0], TypeError, ("fit(X)", "row 0 is a float, expected a list")),
    (["ab", "cd", "ef", "gh"], TypeError, ("fit(X)", "row 0 is a str")),
    ([[0.0], [1.0, 2.0], [2.0], [3.0]], ValueError, ("row 1 has 2 values but row 0 has 1",)),
    ([[0.0], [nan], [2.0], [3.0]], ValueError, ("row 1 holds nan", "must be finite")),
    ([[0.0], [1.0], [inf], [3.0]], ValueError, ("row 2 holds inf",)),
    ([[0.0], [1.0], [2.0], [-inf]], ValueError, ("row 3 holds -inf",)),
    ([[0.0], ["1"], [2.0], [3.0]], TypeError, ("row 1 holds a str", "expected numbers")),
    ([[0.0], [None], [2.0], [3.0]], TypeError, ("row 1 holds a NoneType",)),
    ([[0.0], [1j], [2.0], [3.0]], TypeError, ("row 1 holds a complex",)),
    ([[0.0], [True], [2.0], [3.0]], TypeError, ("row 1 holds a bool",)),
    ([[0.0], [[1.0]], [2.0], [3.0]], TypeError, ("row 1 holds a list",)),
]:
    row(f"fit(X={short(bad)})", lambda bad=bad: fit_with(X=bad), error, *words)
for bad in (5, "abcd", None):
    row(f"fit(y={short(bad)})", lambda bad=bad: fit_with(y=bad), TypeError,
        "fit(y)", "expected a list of targets", type(bad).__name__)
for bad, error, words in [
    ([1.0, 2.0], ValueError, ("fit: X has 4 rows but y has 2 targets",)),
    ([1.0] * 5, ValueError, ("X has 4 rows but y has 5",)),
    ([], ValueError, ("X has 4 rows but y has 0",)),
    ([1.0, nan, 5.0, 7.0], ValueError, ("fit(y): target 1 is nan", "must be finite")),
    ([1.0, 3.0, inf, 7.0], ValueError, ("target 2 is inf",)),
    ([1.0, 3.0, 5.0, 10**400], ValueError, ("target 3 is inf",)),
    ([1.0, "3", 5.0, 7.0], TypeError, ("fit(y): target 1 is a str", "expected a number")),
    ([1.0, None, 5.0, 7.0], TypeError, ("target 1 is a NoneType",)),
    ([1.0, 3j, 5.0, 7.0], TypeError, ("target 1 is a complex",)),
    ([[1.0], [3.0], [5.0], [7.0]], TypeError, ("target 0 is a list",)),
]:
    row(f"fit(y={short(bad)})", lambda bad=bad: fit_with(y=bad), error, *words)
for bad in ("cross_entropy", "MSE", ""):
    row(f"fit(loss={bad!r})", lambda bad=bad: fit_with(loss=bad), ValueError,
        "fit(loss)", f"unknown loss {bad!r}", "'mse', 'bce', 'hinge'")
for bad in (3, None, ["mse"]):
    row(f"fit(loss={bad!r})", lambda bad=bad: fit_with(loss=bad), TypeError,
        "fit(loss)", "expected a name or a function")
for out in (1.0, None, [Value(1.0)]):
    row(f"fit(loss returns {short(out)})", lambda out=out: fit_with(loss=lambda p, t: out),
        TypeError, "fit(loss)", f"returned {type(out).__name__}", "must return a Value")
row("fit(loss takes one argument)", lambda: fit_with(loss=lambda p: p[0]), TypeError,
    "positional argument")
for bad in ("sgd", SGD, 0.1):
    row(f"fit(optimizer={short(bad)})", lambda bad=bad: fit_with(optimizer=bad), TypeError,
        "fit(optimizer)", "expected SGD, Adam or None")
row("fit(optimizer of another model)",
    lambda: fit_with(optimizer=SGD(Neuron(1, seed=1).parameters())), ValueError,
    "fit(optimizer)", "holds none of this model's parameters")
row("fit(optimizer=..., lr=0.1)", lambda: fit_with(optimizer=SGD([Value(1.0)]), lr=0.1),
    ValueError, "give lr to the optimizer")
for bad in (0, -0.1, nan, inf):
    row(f"fit(lr={bad})", lambda bad=bad: fit_with(lr=bad), ValueError,
        "SGD(lr)", "expected a finite number in (0, inf)")
for bad in ("0.1", True, [0.1]):
    row(f"fit(lr={bad!r})", lambda bad=bad: fit_with(lr=bad), TypeError,
        "SGD(lr)", "expected a number")
for name in ("epochs", "batch_size", "patience"):
    for bad in (2.5, "10", True, 1e9, nan):
        row(f"fit({name}={bad!r})", lambda name=name, bad=bad: fit_with(**{name: bad}),
            TypeError, f"fit({name})", "expected a positive int", type(bad).__name__)
    for bad in (0, -1):
        row(f"fit({name}={bad})", lambda name=name, bad=bad: fit_with(**{name: bad}),
            ValueError, f"fit({name})", "expected a positive int", f"got {bad}")
row("fit(epochs=None)", lambda: fit_with(epochs=None), TypeError, "fit(epochs)")
for name in ("tol", "min_delta", "l2"):
    for bad in (-1.0, nan, inf, -inf):
        row(f"fit({name}={bad})", lambda name=name, bad=bad: fit_with(**{name: bad}),
            ValueError, f"fit({name})", "expected a finite number >= 0")
    for bad in ("0.1", True, 1j):
        row(f"fit({name}={bad!r})", lambda name=name, bad=bad: fit_with(**{name: bad}),
            TypeError, f"fit({name})", "expected a number", type(bad).__name__)
for bad in (3, "linear", object()):
    row(f"fit(schedule={short(bad)})", lambda bad=bad: fit_with(schedule=bad), TypeError,
        "fit(schedule)", "an object with a step() method")
for bad in (1.5, "x", True, [1]):
    row(f"fit(seed={bad!r})", lambda bad=bad: fit_with(seed=bad, batch_size=2), TypeError,
        "fit(seed)", "expected an int, a random.Random or None")
for bad in ("yes", 1, 0):
    row(f"fit(progress={bad!r})", lambda bad=bad: fit_with(progress=bad), TypeError,
        "fit(progress)", "expected True, False or None")
row("fit(learning_rate=0.1) unknown option", lambda: fit_with(learning_rate=0.1), TypeError,
    "learning_rate")
row("fit(positional epochs)", lambda: fit(Neuron(1, seed=0), X, Y, "mse"), TypeError,
    "positional argument")

LINE = Neuron(1, "linear", seed=0)
for who, call in {
    "predict": lambda m: predict(m, X),
    "accuracy": lambda m: accuracy(m, X, Y),
    "evaluate_loss": lambda m: evaluate_loss(m, X, Y),
}.items():
    for bad in ("model", None, lambda r: r[0]):
        row(f"{who}(model={short(bad)})", lambda call=call, bad=bad: call(bad), TypeError,
            f"{who}(model)", "expected a microprop Module")
row("predict(X=[])", lambda: predict(LINE, []), ValueError, "predict(X)", "no data")
row("predict(X=[[nan]])", lambda: predict(LINE, [[nan]]), ValueError, "predict(X)",
    "row 0 holds nan")
row("predict(X=[[1.0, 2.0]])", lambda: predict(LINE, [[1.0, 2.0]]), ValueError,
    "expected 1 inputs, got 2")
row("accuracy(y too short)", lambda: accuracy(LINE, X, [1.0]), ValueError,
    "accuracy: X has 4 rows but y has 1")
row("accuracy(y=[nan, ...])", lambda: accuracy(LINE, X, [nan, 0, 1, 0]), ValueError,
    "accuracy(y): target 0 is nan")
for bad in ("0.5", None, [0.5], 1j):
    row(f"accuracy(threshold={bad!r})", lambda bad=bad: accuracy(LINE, X, Y, threshold=bad),
        TypeError, "accuracy(threshold)", "expected a number", type(bad).__name__)
for bad in (nan, inf, -inf):
    row(f"accuracy(threshold={bad})", lambda bad=bad: accuracy(LINE, X, Y, threshold=bad),
        ValueError, "accuracy(threshold)", "expected a finite number")
row("accuracy(model with 2 outputs)", lambda: accuracy(Layer(1, 2, seed=0), X, Y), TypeError,
    "one output neuron")
row("evaluate_loss(loss='l1')", lambda: evaluate_loss(LINE, X, Y, "l1"), ValueError,
    "evaluate_loss(loss)",
    "unknown loss 'l1'")
row("evaluate_loss(loss returns a float)", lambda: evaluate_loss(LINE, X, Y, lambda p, t: 0.0),
    TypeError, "evaluate_loss(loss)", "returned float")

# ---- data ----------------------------------------------------------------------------------------

for bad in ("Virginica", "virginica ", ""):
    row(f"load_iris({bad!r})", lambda bad=bad: load_iris(bad), ValueError,
        "load_iris(positive)", "expected one of", "'setosa', 'versicolor', 'virginica'")
for bad in (None, 2, ["virginica"]):
    row(f"load_iris({bad!r})", lambda bad=bad: load_iris(bad), TypeError,
        "load_iris(positive)", "expected a species name", type(bad).__name__)
for bad in (1, 0, -5):
    row(f"make_moons(n_samples={bad})", lambda bad=bad: make_moons(bad), ValueError,
        "make_moons(n_samples)", "expected at least 2")
for bad in (2.5, "100", True, None):
    row(f"make_moons(n_samples={bad!r})", lambda bad=bad: make_moons(bad), TypeError,
        "make_moons(n_samples)", "expected an int", type(bad).__name__)
for bad in (-0.1, nan, inf):
    row(f"make_moons(noise={bad})", lambda bad=bad: make_moons(10, noise=bad), ValueError,
        "make_moons(noise)", "expected a finite number >= 0")
for bad in ("0.1", None, True):
    row(f"make_moons(noise={bad!r})", lambda bad=bad: make_moons(10, noise=bad), TypeError,
        "make_moons(noise)", "expected a number")
for bad in (1.5, "x", True):
    row(f"make_moons(seed={bad!r})", lambda bad=bad: make_moons(10, seed=bad), TypeError,
        "make_moons(seed)", "expected an int, a random.Random or None")

XS, YS = [[float(i)] for i in range(10)], [i % 2 for i in range(10)]
for bad in (0, 1, -0.2, 1.5, nan, inf):
    row(f"train_test_split(test_fraction={bad})",
        lambda bad=bad: train_test_split(XS, YS, test_fraction=bad), ValueError,
        "train_test_split(test_fraction)", "between 0 and 1")
for bad in ("0.2", True, None):
    row(f"train_test_split(test_fraction={bad!r})",
        lambda bad=bad: train_test_split(XS, YS, test_fraction=bad), TypeError,
        "train_test_split(test_fraction)", "expected a number")
row("train_test_split(y too short)", lambda: train_test_split(XS, YS[:-1]), ValueError,
    "X has 10 rows but y has 9 labels")
for bad in (None, 5):
    row(f"train_test_split(y={bad!r})", lambda bad=bad: train_test_split(XS, bad), TypeError,
        "train_test_split(y)", "expected a list of labels")
row("train_test_split(X=[]) empty", lambda: train_test_split([], []), ValueError,
    "train_test_split(X)", "no data")
row("train_test_split(X=[[nan], ...])", lambda: train_test_split([[nan], [1.0]], [0, 1]),
    ValueError, "row 0 holds nan")
row("train_test_split(one row)", lambda: train_test_split([[1.0]], [1]), ValueError,
    "need at least 2 rows")
for bad in ("yes", 1, None):
    row(f"train_test_split(stratify={bad!r})",
        lambda bad=bad: train_test_split(XS, YS, stratify=bad), TypeError,
        "train_test_split(stratify)", "expected True or False")
row("train_test_split(stratify, a label with one row)",
    lambda: train_test_split(XS, [0] * 9 + [1], stratify=True), ValueError,
    "every label needs at least 2 rows")
row("train_test_split(stratify, unhashable labels)",
    lambda: train_test_split(XS, [[i % 2] for i in range(10)], stratify=True), TypeError,
    "each label must be a number or a string", "got list")
row("train_test_split(seed='x')", lambda: train_test_split(XS, YS, seed="x"), TypeError,
    "train_test_split(seed)")

for mean, std, error, words in [
    ("ab", "cd", TypeError, ("Standardizer(mean)", "expected a list of numbers", "str")),
    (5, [1.0], TypeError, ("Standardizer(mean)", "got int")),
    ([0.0], None, TypeError, ("Standardizer(std)", "got NoneType")),
    ([None], [1.0], TypeError, ("Standardizer(mean)", "item 0 is a NoneType")),
    ([0.0], ["1"], TypeError, ("Standardizer(std)", "item 0 is a str")),
    ([True], [1.0], TypeError, ("item 0 is a bool",)),
    ([], [], ValueError, ("no features",)),
    ([0.0, 1.0], [1.0], ValueError, ("2 means but 1 standard deviations",)),
    ([0.0], [0.0], ValueError, ("positive", "std 0.0")),
    ([0.0], [-1.0], ValueError, ("positive", "std -1.0")),
    ([nan], [1.0], ValueError, ("finite", "mean nan")),
    ([0.0], [inf], ValueError, ("finite", "std inf")),
    ([10**400], [1.0], ValueError, ("finite", "mean inf")),
]:
    row(f"Standardizer({short(mean)}, {short(std)})",
        lambda mean=mean, std=std: Standardizer(mean, std), error, *words)
row("Standardizer.fit([])", lambda: Standardizer.fit([]), ValueError, "Standardizer.fit(X)",
    "no data")
row("Standardizer.fit([[nan]])", lambda: Standardizer.fit([[nan]]), ValueError, "row 0 holds nan")
row("Standardizer.fit('ab')", lambda: Standardizer.fit("ab"), TypeError, "Standardizer.fit(X)")
row("Standardizer.transform(2 features for 1)",
    lambda: Standardizer([0.0], [1.0]).transform([[1.0, 2.0]]), ValueError,
    "rows have 2 features, expected 1")
row("Standardizer.transform([[inf]])", lambda: Standardizer([0.0], [1.0]).transform([[inf]]),
    ValueError, "Standardizer.transform(X)", "row 0 holds inf")

# ---- saving and loading --------------------------------------------------------------------------
# Damaged files of every kind are in test_serialization.py; the rows here add the rest.


def good_file(name: str = "good.json") -> str:
    save(MLP(2, [2, 1], seed=0), name)
    return name


def damaged(change: Callable[[dict], object]) -> str:
    doc = json.loads(open(good_file()).read())
    change(doc)
    with open("bad.json", "w") as f:
        json.dump(doc, f)
    return "bad.json"


def written(text: str) -> str:
    with open("bad.json", "w") as f:
        f.write(text)
    return "bad.json"


for bad in ("model", None, [Value(1.0)]):
    row(f"save(model={short(bad)})", lambda bad=bad: save(bad, "m.json"), TypeError,
        "save(model)", "expected a Neuron, Layer or MLP")
for bad in (None, 3, ["m.json"]):
    row(f"save(path={bad!r})", lambda bad=bad: save(Neuron(1, seed=0), bad), TypeError,
        "save(path)", "expected a file name", type(bad).__name__)
row("save(path='')", lambda: save(Neuron(1, seed=0), ""), ValueError, "save(path)", "empty")
row("save(path='.') a folder", lambda: save(Neuron(1, seed=0), "."), IsADirectoryError,
    "is a folder", "give a file name")
row("save(path in a missing folder)", lambda: save(Neuron(1, seed=0), "nowhere/m.json"),
    FileNotFoundError, "the folder", "does not exist")
for bad, error in (([1], TypeError), ({"x": nan}, ValueError), ({"f": print}, TypeError)):
    row(f"save(metadata={short(bad)})",
        lambda bad=bad: save(Neuron(1, seed=0), "m.json", metadata=bad), error, "save(metadata)")


def save_with_nan() -> None:
    model = Neuron(1, seed=0)
    model.w[0].data = nan
    save(model, "m.json")


row("save(a model with a NaN parameter)", save_with_nan, ValueError, "parameter w.0 is nan",
    "only finite models")

for bad in (None, 3, ["m.json"]):
    row(f"load(path={bad!r})", lambda bad=bad: load(bad), TypeError,
        "load(path)", "expected a file name", type(bad).__name__)
row("load(path='')", lambda: load(""), ValueError, "load(path)", "empty")
row("load(path='.') a folder", lambda: load("."), IsADirectoryError, "is a folder")
row("load(a missing file)", lambda: load("absent.json"), FileNotFoundError, "no model file at")
for what, make, words in [
    ("only spaces", lambda: written("   \n"), ("the file is empty",)),
    ("null", lambda: written("null"), ("not a microprop model file",)),
    ("a JSON string", lambda: written('"microprop-model"'), ("not a microprop model file",)),
    ("100,000 nested brackets", lambda: written("[" * 100_000), ("nested too deeply",)),
    ("a key twice", lambda: written('{"format": "microprop-model", "format": "x"}'),
     ("the key 'format' appears twice",)),
    ("a parameter twice", lambda: written(
        open(good_file()).read().replace('"parameters": {', '"parameters": {"layers.1.neurons'
                                         '.0.b": 1.0, ', 1)),
     ("the key 'layers.1.neurons.0.b' appears twice",)),
    ("a 400-digit parameter", lambda: damaged(
        lambda d: d["parameters"].update({"layers.1.neurons.0.b": 10**400})),
     ("layers.1.neurons.0.b is too large for a float",)),
    ("a bool parameter", lambda: damaged(
        lambda d: d["parameters"].update({"layers.1.neurons.0.b": True})),
     ("layers.1.neurons.0.b must be a real number, got bool",)),
    ("nin = -1", lambda: damaged(lambda d: d["architecture"].update(nin=-1)),
     ("bad architecture", "MLP(nin): expected a positive int, got -1")),
    ("nin = 2.0", lambda: damaged(lambda d: d["architecture"].update(nin=2.0)),
     ("MLP(nin)", "got float")),
    ("nouts = []", lambda: damaged(lambda d: d["architecture"].update(nouts=[])),
     ("the architecture has 0 parameters but the file holds 9",)),
    ("nouts = '21'", lambda: damaged(lambda d: d["architecture"].update(nouts="21")),
     ("expected a list of layer sizes",)),
    ("nouts = [2, 0]", lambda: damaged(lambda d: d["architecture"].update(nouts=[2, 0])),
     ("MLP(nouts[1])",)),
    ("output_bias = 1", lambda: damaged(lambda d: d["architecture"].update(output_bias=1)),
     ("output_bias: expected True or False",)),
    ("an extra architecture field",
     lambda: damaged(lambda d: d["architecture"].update(dropout=0.5)), ("needs exactly",)),
    ("a Neuron with nout", lambda: damaged(
        lambda d: d.update(architecture={"type": "Neuron", "nin": 2, "nout": 1})),
     ("a Neuron architecture needs exactly",)),
]:
    row(f"load(a file with {what})", lambda make=make: load(make()), ModelFileError, *words)

row("load_metadata(path=None)", lambda: load_metadata(None), TypeError, "load_metadata(path)",
    "expected a file name")
row("load_metadata(a missing file)", lambda: load_metadata("absent.json"), FileNotFoundError,
    "no model file at")
row("load_metadata(metadata that is a list)",
    lambda: load_metadata(damaged(lambda d: d.update(metadata=[1]))), ModelFileError,
    "'metadata' should be an object")

# ---- drawing and explaining ----------------------------------------------------------------------


def graph() -> Value:
    """``out = tanh(x * w + b)`` with labels, after backward()."""
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.0, "b")
    out = (x * w + b).tanh()
    out.label = "out"
    out.backward()
    return out


def graph_with_two(label: str) -> Value:
    a, b = Value(1.0, label), Value(2.0, label)
    out = a * b
    out.backward()
    return out


def digraph() -> object:
    pytest.importorskip("graphviz")
    from microprop.viz import draw_dot

    return draw_dot(graph())


def viz(name: str) -> Callable[..., object]:
    """``microprop.viz.<name>``, needing the graphviz package only for what renders."""
    from microprop import viz as module

    def call(*args: object, **kwargs: object) -> object:
        if name in ("draw_dot", "render_svg") or (name == "save" and not str(args[1]).endswith(
                (".dot", ".gv"))):
            pytest.importorskip("graphviz")
        return getattr(module, name)(*args, **kwargs)

    return call


for where in ("trace", "dot_source", "draw_dot"):
    for bad in ("x", None, 3.0, [Value(1.0)]):
        row(f"{where}(root={short(bad)})", lambda where=where, bad=bad: viz(where)(bad),
            TypeError, where, "expected a Value as the root", type(bad).__name__)
for where in ("dot_source", "draw_dot"):
    for option, bad, error, words in [
        ("colour", "grad", TypeError, ("unknown option 'colour'", "did you mean 'color'?")),
        ("show_grad", False, TypeError, ("unknown option 'show_grad'", "'show_grads'")),
        ("format", "svg", TypeError, ("unknown option 'format'",))
        if where == "dot_source" else ("fmt", "svg", TypeError, ("unknown option 'fmt'",)),
        ("show_grads", "yes", TypeError, ("show_grads must be True or False",)),
        ("show_local_grads", 1, TypeError, ("show_local_grads must be True or False",)),
        ("collapse", None, TypeError, ("collapse must be True or False",)),
        ("color", "red", ValueError, ("color='red' is not allowed", "'grad', 'role' or None")),
        ("group", "neurons", ValueError, ("group='neurons' is not allowed",)),
        ("rankdir", "XY", ValueError, ("rankdir='XY' is not allowed", "'LR', 'TB', 'RL' or")),
        ("rankdir", "lr", ValueError, ("rankdir='lr' is not allowed",)),
        ("highlight", 3, TypeError, ("highlight must be a Value, a label (str) or None",)),
        ("highlight", "y", ValueError, ("highlight='y': no value in the graph has that label",)),
        ("parameters", 3, TypeError, ("parameters must be an iterable of Values",)),
        ("parameters", [1.0], TypeError, ("parameters[0] is a float, not a Value",)),
        ("step", -1, ValueError, ("step must be None or an int >= 0",)),
        ("step", True, ValueError, ("step must be None or an int >= 0",)),
        ("step", "1", ValueError, ("step must be None or an int >= 0",)),
        ("step", 99, ValueError, ("step=99 is out of range", "between 0 and 3")),
    ]:
        row(f"{where}({option}={bad!r})",
            lambda where=where, option=option, bad=bad: viz(where)(graph(), **{option: bad}),
            error, where, *words)
    row(f"{where}(highlight=a Value of another graph)",
        lambda where=where: viz(where)(graph(), highlight=Value(1.0)), ValueError,
        "the highlight Value is not part of this root's graph")
    row(f"{where}(highlight= a label two nodes share)",
        lambda where=where: viz(where)(graph_with_two("a"), highlight="a"), ValueError,
        "2 values have that label", "pass the Value itself")
for bad in ("svgg", None, 3, "SVG"):
    row(f"draw_dot(format={bad!r})", lambda bad=bad: viz("draw_dot")(graph(), format=bad),
        ValueError, "draw_dot", "is not a Graphviz format", "svg, png, pdf")
for path, error, words in [
    ("graph", ValueError, ("has no suffix", "graph.svg")),
    ("graph.xyz", ValueError, ("unknown format 'xyz'",)),
    (None, TypeError, ("save: path must be a file name", "NoneType")),
    (3, TypeError, ("save: path must be a file name", "int")),
    ("nowhere/graph.dot", FileNotFoundError, ("nowhere/graph.dot",)),
]:
    row(f"viz.save(path={path!r})", lambda path=path: viz("save")(graph(), path), error, *words)
row("viz.save(root='x')", lambda: viz("save")("x", "g.dot"), TypeError,
    "expected a Value or a Digraph")
row("viz.save(digraph, options)", lambda: viz("save")(digraph(), "g.svg", show_grads=False),
    TypeError, "drawing options apply to a Value")
row("viz.save(root, colour=...)", lambda: viz("save")(graph(), "g.dot", colour="grad"), TypeError,
    "unknown option 'colour'")
row("render_svg(3)", lambda: viz("render_svg")(3), TypeError, "render_svg",
    "expected a Value or a Digraph")

for bad in ("x", None, 1.0):
    row(f"explain(root={short(bad)})", lambda bad=bad: explain(bad, "x"), TypeError,
        "explain", "expected a Value as the root")
for bad, error, words in [
    (3, TypeError, ("value must be a Value or a label", "int")),
    (None, TypeError, ("value must be a Value or a label", "NoneType")),
    ("y", ValueError, ("value='y': no value in the graph has that label",)),
]:
    row(f"explain(value={bad!r})", lambda bad=bad: explain(graph(), bad), error, "explain", *words)
row("explain(value= a Value of another graph)", lambda: explain(graph(), Value(2.0)), ValueError,
    "the value Value is not part of this root's graph")
row("explain(value= a label two nodes share)", lambda: explain(graph_with_two("a"), "a"),
    ValueError, "2 values have that label")
for bad in (0, -1, 2.5, True, "5", None):
    row(f"explain(max_paths={bad!r})", lambda bad=bad: explain(graph(), "x", max_paths=bad),
        ValueError, "max_paths must be an int >= 1")


def doubled(n: int) -> tuple[Value, Value]:
    x = v = Value(1.0, "x")
    for _ in range(n):
        v = v + v
    return v, x


row("explain(2**20 paths)", lambda: explain(*doubled(20)), ValueError,
    "1,048,576 paths", "more than max_paths=10,000")
for bad in ("x", None):
    row(f"backward_steps(root={bad!r})", lambda bad=bad: backward_steps(bad), TypeError,
        "backward_steps", "expected a Value as the root")
for bad in (1, "yes", None):
    row(f"backward_steps(accumulate={bad!r})",
        lambda bad=bad: backward_steps(graph(), accumulate=bad), TypeError,
        "accumulate must be True or False")
for bad in (-1, 4, "1", 1.0):
    row(f"backward_steps(...).grads({bad!r})", lambda bad=bad: backward_steps(graph()).grads(bad),
        ValueError, "grads: k must be an int from 0 to 3")
for k, kwargs, error, words in [
    (-1, {}, ValueError, ("step must be None or an int >= 0",)),
    (4, {}, ValueError, ("step=4 is out of range",)),
    (1, {"format": "svgg"}, ValueError, ("is not a Graphviz format",)),
    (1, {"colour": "grad"}, TypeError, ("unknown option 'colour'",)),
]:
    row(f"backward_steps(...).draw({k}, {kwargs})",
        lambda k=k, kwargs=kwargs: (pytest.importorskip("graphviz"),
                                    backward_steps(graph()).draw(k, **kwargs)),
        error, "BackwardSteps.draw", *words)

# ---- plots ---------------------------------------------------------------------------------------


def plot(name: str) -> Callable[..., object]:
    def call(*args: object, **kwargs: object) -> object:
        pytest.importorskip("matplotlib")
        from microprop import plot as module

        return getattr(module, name)(*args, **kwargs)

    return call


for bad, error, words in [
    ("abc", TypeError, ("history must be a sequence of numbers", "str")),
    (None, TypeError, ("history must be a sequence of numbers", "NoneType")),
    (3.0, TypeError, ("got float",)),
    ([], ValueError, ("history is empty",)),
    (History(), ValueError, ("history is empty",)),
    ({}, ValueError, ("the mapping of loss series is empty",)),
    ({"train": []}, ValueError, ("history['train'] is empty",)),
    ({"train": "abc"}, TypeError, ("history['train'] must be a sequence",)),
    (["a"], TypeError, ("history[0] must be a number", "str")),
    ([1.0, None], TypeError, ("history[1] must be a number", "NoneType")),
    ([1.0, 1j], TypeError, ("history[1] must be a number", "complex")),
]:
    row(f"plot_loss({short(bad)})", lambda bad=bad: plot("plot_loss")(bad), error,
        "plot_loss", *words)
for history in ([1.0, 0.0], [1.0, -0.5], [1.0, nan]):
    row(f"plot_loss({history}, log=True)", lambda h=history: plot("plot_loss")(h, log=True),
        ValueError, "log=True needs losses > 0")
for bad in ("yes", 1, None):
    row(f"plot_loss(log={bad!r})", lambda bad=bad: plot("plot_loss")([1.0], log=bad), TypeError,
        "log must be True or False")
row("plot_loss(ax=3)", lambda: plot("plot_loss")([1.0], ax=3), TypeError,
    "ax must be a matplotlib Axes or None")

PX, PY = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]], [0, 1, 1]


def two_outputs(p: list[float]) -> list[float]:
    return [p[0], p[1]]


def a_word(p: list[float]) -> str:
    return "a"


def not_a_number(p: list[float]) -> float:
    return nan


def boundary(**changes: object) -> object:
    args: dict = {"model": lambda p: p[0] - p[1], "X": PX, "y": PY, "resolution": 3, **changes}
    return plot("plot_decision_boundary")(args.pop("model"), args.pop("X"), args.pop("y"), **args)


for kwargs, error, words in [
    ({"model": "m"}, TypeError, ("model must be callable", "str")),
    ({"X": "ab"}, TypeError, ("X must be a sequence of rows of 2 numbers",)),
    ({"X": None}, TypeError, ("X must be a sequence of rows", "NoneType")),
    ({"X": [], "y": []}, ValueError, ("X is empty",)),
    ({"X": [[0.0, 0.0, 0.0]], "y": [0]}, ValueError, ("X[0] has 3 features", "exactly 2")),
    ({"X": [[0.0]], "y": [0]}, ValueError, ("X[0] has 1 features",)),
    ({"X": [1.0, 2.0], "y": [0, 1]}, TypeError, ("X[0] must be a row of 2 numbers",)),
    ({"X": [[0.0, nan]], "y": [0]}, ValueError, ("X[0] = [0.0, nan] is not finite",)),
    ({"X": [[inf, 0.0]], "y": [0]}, ValueError, ("is not finite",)),
    ({"X": [["a", 0.0]], "y": [0]}, TypeError, ("X[0][0] must be a number", "str")),
    ({"X": [[-1e308, 0.0], [1e308, 1.0]], "y": [0, 1]}, ValueError,
     ("feature 0 spans", "too wide a range")),
    ({"y": [0, 1]}, ValueError, ("X has 3 rows but y has 2 labels",)),
    ({"y": "abc"}, TypeError, ("y must be a sequence of numbers",)),
    ({"y": [0, "1", 1]}, TypeError, ("y[1] must be a number",)),
    ({"y": [0, nan, 1]}, ValueError, ("y[1] is nan", "labels must be finite")),
    ({"y": [0, inf, 1]}, ValueError, ("y[1] is inf",)),
    ({"resolution": 1}, ValueError, ("resolution must be an int from 2 to 1000",)),
    ({"resolution": 1001}, ValueError, ("resolution must be an int from 2 to 1000",)),
    ({"resolution": 2.5}, ValueError, ("resolution must be an int", "got 2.5")),
    ({"resolution": "80"}, ValueError, ("resolution must be an int", "got '80'")),
    ({"resolution": True}, ValueError, ("resolution must be an int",)),
    ({"threshold": "0"}, TypeError, ("threshold must be a number", "str")),
    ({"threshold": None}, TypeError, ("threshold must be a number", "NoneType")),
    ({"threshold": nan}, ValueError, ("threshold must be finite", "nan")),
    ({"threshold": -inf}, ValueError, ("threshold must be finite",)),
    ({"ax": 3}, TypeError, ("ax must be a matplotlib Axes or None",)),
    ({"model": two_outputs}, TypeError, ("model returned 2 outputs",)),
    ({"model": a_word}, TypeError, ("model returned str",)),
    ({"model": not_a_number}, ValueError, ("model returned nan", "scores must be finite")),
    ({"model": MLP(3, [1], seed=0)}, ValueError, ("MLP: expected 3 inputs, got 2",)),
]:
    row(f"plot_decision_boundary({', '.join(f'{k}={short(v)}' for k, v in kwargs.items())})",
        lambda kwargs=kwargs: boundary(**kwargs), error, *words)

# ---- the command line ----------------------------------------------------------------------------


class CommandLineError(Exception):
    """``main`` ended with exit code 2 and this one line on stderr (and no traceback)."""


def cli(*args: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as e:  # argparse exits; main returns 2 for errors found later
            code = e.code
    text = err.getvalue()
    assert code == 2, (code, text)
    assert "Traceback" not in text and len(text.strip().splitlines()) == 1, text
    raise CommandLineError(text.strip())


def trained_model() -> str:
    save(Neuron(2, "linear", seed=0), "m.json")
    return "m.json"


row("main('train') a str, not a list", lambda: main("train"), TypeError,
    "expected a list of arguments such as ['train']")
row("main(['train', '--epochs', 5]) an int", lambda: main(["train", "--epochs", 5]), TypeError,
    "every argument must be a str", "int 5")
for args, words in [
    ((), ("the following arguments are required",)),
    (("fly",), ("invalid choice: 'fly'",)),
    (("--lr", "0.1"), ("invalid choice: '0.1'",)),
    (("train", "extra"), ("unrecognized arguments: extra",)),
    (("train", "--colour"), ("unrecognized arguments: --colour",)),
    (("train", "--learning-rate", "0.1"), ("unrecognized arguments: --learning-rate",)),
    (("train", "--lr"), ("--lr: expected one argument",)),
    (("train", "--lr", "-inf"), ("--lr: expected one argument",)),
    (("train", "--activation", "gelu"), ("--activation: invalid choice: 'gelu'",)),
    (("train", "--activation", "Tanh"), ("--activation: invalid choice: 'Tanh'",)),
    (("train", "--data", "mnist"), ("--data: invalid choice: 'mnist'",)),
    (("train", "--hidden", "2,x"), ("--hidden: expected sizes separated by commas",)),
    (("train", "--hidden", ""), ("--hidden: expected sizes separated by commas",)),
    (("train", "--hidden", "2,,2"), ("--hidden: expected sizes separated by commas",)),
    (("train", "--hidden", "2.5"), ("--hidden: expected sizes separated by commas",)),
    (("train", "--hidden", "2,0"), ("--hidden: every size must be >= 1",)),
    (("train", "--hidden", "-1"), ("--hidden: every size must be >= 1",)),
    (("train", "--model", ""), ("--model: the file name is empty",)),
    (("train", "--model", "."), ("--model: '.' is a folder",)),
    (("train", "--model", "nowhere/m.json"), ("--model: the folder", "does not exist")),
    (("train", "--graph", ""), ("--graph: the file name is empty",)),
    (("train", "--graph", "."), ("--graph: '.' is a folder",)),
    (("train", "--graph", "nowhere/g.svg"), ("--graph: the folder",)),
    (("predict",), ("the following arguments are required: MODEL.json, x",)),
    (("predict", "m.json"), ("the following arguments are required: x",)),
    (("predict", "absent.json", "1", "2"), ("error: no model file at 'absent.json'",)),
    (("predict", ".", "1", "2"), ("error: '.' is a folder, not a model file",)),
]:
    row(f"main({list(args)})", lambda args=args: cli(*args), CommandLineError, *words)
for option, bad, words in [
    ("--lr", x, w) for x, w in [("0", "must be a number > 0"), ("-1", "must be a number > 0"),
                                ("abc", "not a number: 'abc'"), ("", "not a number: ''"),
                                ("nan", "must be a finite number"),
                                ("inf", "must be a finite number"),
                                ("1e999", "must be a finite number"), ("0x1", "not a number")]
] + [
    ("--epochs", x, w) for x, w in [("0", "must be a whole number >= 1"),
                                    ("-1", "must be a whole number >= 1"),
                                    ("2.5", "not a whole number"), ("1e3", "not a whole number"),
                                    ("ten", "not a whole number"), ("", "not a whole number")]
] + [
    ("--tol", x, w) for x, w in [("-0.1", "must be a number >= 0"),
                                 ("nan", "must be a finite number"),
                                 ("x", "not a number")]
] + [
    ("--patience", x, w) for x, w in [("-1", "must be a whole number >= 0"),
                                      ("1.5", "not a whole number")]
] + [("--seed", "x", "not a whole number"), ("--seed", "1.5", "not a whole number")]:
    row(f"main(['train', '{option}', {bad!r}])",
        lambda option=option, bad=bad: cli("train", option, bad), CommandLineError,
        f"argument {option}: {words}")
for xs, words in [
    (("1", "two"), "argument x: not a number: 'two'"),
    (("1", "nan"), "argument x: must be a finite number"),
    (("inf", "1"), "argument x: must be a finite number"),
    (("1",), "this model takes 2 inputs, got 1"),
    (("1", "2", "3"), "this model takes 2 inputs, got 3"),
]:
    row(f"main(['predict', 'm.json', {', '.join(map(repr, xs))}])",
        lambda xs=xs: cli("predict", trained_model(), *xs), CommandLineError, words)
row("main(['predict', <a damaged file>, '1'])",
    lambda: cli("predict", written('{"format": "microprop-model", "vers'), "1"), CommandLineError,
    "truncated or corrupted")
row("main(['predict', <bad standardize metadata>, '1', '2'])",
    lambda: (save(Neuron(2, seed=0), "m.json", metadata={"standardize": {"mean": [0.0]}}),
             cli("predict", "m.json", "1", "2")), CommandLineError,
    "bad 'standardize' metadata")


# ---- the test ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # rows that write files write them here
    with pytest.raises(case.error) as info:
        case.call()
    message = str(info.value)
    missing = [w for w in case.words if w not in message]
    assert not missing, f"{type(info.value).__name__}: {message!r} does not say {missing}"
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_the_table_has_a_few_hundred_rows():
    assert len(ROWS) >= 300


# ---- NaN inside the engine: propagated, never raised ---------------------------------------------
# The other half of the policy above: models and losses refuse NaN *data*, while the engine passes
# a NaN that arose in a computation on, per IEEE 754, so that fit can notice it and name the epoch.

NAN_OPS = {
    "nan + 1": lambda v: v + 1.0, "1 + nan": lambda v: 1.0 + v,
    "nan - nan": lambda v: v - v, "1 - nan": lambda v: 1.0 - v,
    "nan * 0": lambda v: v * 0.0, "2 * nan": lambda v: 2.0 * v,
    "nan / 2": lambda v: v / 2.0, "2 / nan": lambda v: 2.0 / v,
    "nan / Value(2)": lambda v: v / Value(2.0), "Value(2) / nan": lambda v: Value(2.0) / v,
    "nan ** 2": lambda v: v**2, "nan ** 0.5": lambda v: v**0.5, "nan ** -1": lambda v: v**-1,
    "2 ** nan": lambda v: 2.0**v, "0 ** nan": lambda v: 0.0**v,
    "nan ** Value(2)": lambda v: v ** Value(2.0), "Value(2) ** nan": lambda v: Value(2.0) ** v,
    "(-2) ** nan": lambda v: (-2.0) ** v, "Value(-2) ** nan": lambda v: Value(-2.0) ** v,
    "exp": Value.exp, "log": Value.log, "sqrt": Value.sqrt, "tanh": Value.tanh,
    "sigmoid": Value.sigmoid, "relu": Value.relu, "leaky_relu": Value.leaky_relu, "abs": abs,
    "dot([nan, 1], [1, 2])": lambda v: engine.dot([v, Value(1.0)], [1.0, 2.0]),
    "dot(bias=nan)": lambda v: engine.dot([1.0], [Value(1.0)], v),
    "sum([1, nan])": lambda v: engine.sum([Value(1.0), v]),
}


@pytest.mark.parametrize("op", NAN_OPS.values(), ids=NAN_OPS.keys())
def test_nan_in_a_computation_propagates_through_every_op(op):
    v = Value(nan)
    out = op(v)
    assert math.isnan(out.data)
    out.backward()  # and backward runs through it without raising
