"""The one op table: a row per way of using an op, read by every test that goes over the ops.

The generic op tests (``test_ops.py``), the random programs of the fuzz and PyTorch comparisons
(``programs.py``), the NaN tests (``test_numbers.py``) and the check that no public op is missing
from here or from ``docs/numbers.md`` all read ``OPS``. Adding an op to the engine is one method
there and one row here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from microprop import custom_op, nary


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from(points, margin=1e-3):
    """A predicate for assume(): keep finite differences off kinks and poles."""
    return lambda *xs: all(abs(x - p) > margin for x in xs for p in points)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _logsumexp(*xs: float) -> float:
    """log(sum(exp(x))) with the largest x taken out first, so that no exp overflows."""
    m = max(xs)
    return m + math.log(math.fsum(math.exp(x - m) for x in xs))


def _torch() -> Any:
    import torch  # only the PyTorch column needs it, and only when it runs

    return torch


# Maps any number into a domain with arithmetic alone, so that the same function serves Values,
# floats and tensors: random programs apply it to an op's inputs, which can be anything.
def ANYWHERE(a):
    return a


def POSITIVE_PART(a):  # > 0.5
    return a * a + 0.5


def BOUNDED(a):  # in [-1, 1], so that exp and powers of programs never overflow
    return 2 * a / (a * a + 1)


@dataclass(frozen=True)
class Op:
    name: str
    op: str  # what the engine records (``_op``), and what a drawing shows
    on_values: Callable[..., Any]  # how a user writes it on Values
    on_floats: Callable[..., float]  # the same maths on plain floats, an independent reference
    domain: tuple[st.SearchStrategy[float], ...]  # one strategy per input
    point: tuple[float, ...]  # one point inside the domain (the NaN tests use it)
    fuzz: tuple[Callable[[Any], Any], ...] | None = None  # into the domain, per input; None: as is
    on_tensors: Callable[..., Any] | None = None  # PyTorch's spelling, where on_values is not it
    kink: bool = False  # not differentiable where the (first) input is 0
    valid: Callable[..., bool] = lambda *xs: True  # where finite differences are meaningful

    @property
    def arity(self) -> int:
        return len(self.domain)

    def __str__(self) -> str:
        return self.name


ANY = floats(-10, 10)
POSITIVE = floats(0.01, 100)
NONZERO = ANY.filter(lambda x: abs(x) > 0.01)
KINK = away_from([0.0])


@custom_op.op("sin", rule=lambda out, x: (COS(x),))
def SIN(x):
    """An op of a user's own (``microprop.op``), which every op test then runs like a built-in;
    its rule (and its cosine's) lets second derivatives go through it too."""
    return math.sin(x), (math.cos(x),)


@custom_op.op("cos", rule=lambda out, x: (-SIN(x),))
def COS(x):
    return math.cos(x), (-math.sin(x),)


OPS = [
    Op("add", "+", lambda a, b: a + b, lambda a, b: a + b, (ANY, ANY), (0.5, 1.5)),
    Op("add constant", "+", lambda a: a + 2.5, lambda a: a + 2.5, (ANY,), (0.5,)),
    Op("constant add", "+", lambda a: 2.5 + a, lambda a: 2.5 + a, (ANY,), (0.5,)),
    Op("sub", "-", lambda a, b: a - b, lambda a, b: a - b, (ANY, ANY), (0.5, 1.5)),
    Op("sub constant", "-", lambda a: a - 2.5, lambda a: a - 2.5, (ANY,), (0.5,)),
    Op("constant sub", "-", lambda a: 2.5 - a, lambda a: 2.5 - a, (ANY,), (0.5,)),
    Op("neg", "neg", lambda a: -a, lambda a: -a, (ANY,), (0.5,)),
    Op("mul", "*", lambda a, b: a * b, lambda a, b: a * b, (ANY, ANY), (0.5, 1.5)),
    Op("mul constant", "*", lambda a: a * 3.0, lambda a: a * 3.0, (ANY,), (0.5,)),
    Op("constant mul", "*", lambda a: 3.0 * a, lambda a: 3.0 * a, (ANY,), (0.5,)),
    Op("square by mul", "*", lambda a: a * a, lambda a: a * a, (ANY,), (0.5,)),
    Op("div", "/", lambda a, b: a / b, lambda a, b: a / b, (ANY, NONZERO), (0.5, 1.5),
       fuzz=(ANYWHERE, POSITIVE_PART)),
    Op("div constant", "/", lambda a: a / 4.0, lambda a: a / 4.0, (ANY,), (0.5,)),
    Op("constant div", "/", lambda a: 4.0 / a, lambda a: 4.0 / a, (NONZERO,), (0.5,),
       fuzz=(POSITIVE_PART,)),
    Op("pow int", "**", lambda a: a**3, lambda a: a**3, (ANY,), (0.5,)),
    Op("pow negative int", "**", lambda a: a**-2, lambda a: a**-2, (NONZERO,), (0.5,),
       fuzz=(POSITIVE_PART,)),
    Op("pow float", "**", lambda a: a**2.5, lambda a: a**2.5, (POSITIVE,), (0.5,),
       fuzz=(POSITIVE_PART,)),
    Op("pow value", "**", lambda a, b: a**b, lambda a, b: a**b, (POSITIVE, floats(-3, 3)),
       (0.5, 1.5), fuzz=(POSITIVE_PART, BOUNDED)),
    Op("constant pow", "**", lambda a: 2.0**a, lambda a: 2.0**a, (ANY,), (0.5,),
       fuzz=(BOUNDED,)),
    Op("exp", "exp", lambda a: a.exp(), math.exp, (ANY,), (0.5,), fuzz=(BOUNDED,)),
    Op("log", "log", lambda a: a.log(), math.log, (POSITIVE,), (0.5,), fuzz=(POSITIVE_PART,)),
    Op("sqrt", "sqrt", lambda a: a.sqrt(), math.sqrt, (POSITIVE,), (0.5,),
       fuzz=(POSITIVE_PART,)),
    Op("tanh", "tanh", lambda a: a.tanh(), math.tanh, (ANY,), (0.5,)),
    Op("sigmoid", "sigmoid", lambda a: a.sigmoid(), sigmoid, (ANY,), (0.5,)),
    Op("relu", "relu", lambda a: a.relu(), lambda a: max(a, 0.0), (ANY,), (0.5,),
       kink=True, valid=KINK),
    Op("leaky_relu", "leaky_relu", lambda a: a.leaky_relu(0.1),
       lambda a: a if a > 0 else 0.1 * a, (ANY,), (0.5,),
       on_tensors=lambda a: _torch().nn.functional.leaky_relu(a, 0.1), kink=True, valid=KINK),
    Op("abs", "abs", lambda a: abs(a), abs, (ANY,), (0.5,), kink=True, valid=KINK),
    Op("dot", "dot",
       lambda w1, w2, x1, x2, b: nary.dot([w1, w2], [x1, x2], b),
       lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b, (ANY,) * 5, (0.5, 1.5, -1.0, 2.0, 0.25),
       on_tensors=lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b),
    Op("dot with constant inputs", "dot",
       lambda w1, w2: nary.dot([w1, w2], [0.5, -2.0], 1.0),
       lambda w1, w2: w1 * 0.5 + w2 * -2.0 + 1.0, (ANY, ANY), (0.5, 1.5),
       on_tensors=lambda w1, w2: w1 * 0.5 + w2 * -2.0 + 1.0),
    Op("op of your own", "sin", lambda a: SIN(a), math.sin, (ANY,), (0.5,), fuzz=(BOUNDED,),
       on_tensors=lambda a: _torch().sin(a)),
    Op("sum", "sum",
       lambda a, b, c: nary.sum([a, b, 7.0, c]),
       lambda a, b, c: a + b + 7.0 + c, (ANY,) * 3, (0.5, 1.5, -1.0),
       on_tensors=lambda a, b, c: a + b + 7.0 + c),
    Op("logsumexp", "logsumexp",
       lambda a, b, c: nary.logsumexp([a, b, -1.0, c]),
       lambda a, b, c: _logsumexp(a, b, -1.0, c),
       (ANY,) * 3, (0.5, 1.5, -1.0),
       on_tensors=lambda a, b, c: _torch().logsumexp(
           _torch().stack([a, b, _torch().tensor(-1.0, dtype=a.dtype), c]), 0)),
    Op("take", "take",
       lambda a, b, c: nary.take([a, 2.0, b, c], 2),
       lambda a, b, c: b, (ANY,) * 3, (0.5, 1.5, -1.0),
       on_tensors=lambda a, b, c: _torch().stack(
           [a, _torch().tensor(2.0, dtype=a.dtype), b, c])[2]),
]
BY_NAME = {op.name: op for op in OPS}
