"""The op table: one row per op, checked for its value and every gradient by generic tests.

Adding an op to the engine means adding one row here; the two tests below pick it up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from microprop import Value, engine


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from(points, margin=1e-3):
    """A predicate for assume(): keep finite differences off kinks and poles."""
    return lambda *xs: all(abs(x - p) > margin for x in xs for p in points)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class Op:
    name: str
    on_values: Callable[..., Value]  # how a user writes it on Values
    on_floats: Callable[..., float]  # the same maths on plain floats
    domain: tuple[st.SearchStrategy[float], ...]  # one strategy per input
    valid: Callable[..., bool] = lambda *xs: True  # where finite differences are meaningful

    def __str__(self) -> str:
        return self.name


ANY = floats(-10, 10)
POSITIVE = floats(0.01, 100)
NONZERO = ANY.filter(lambda x: abs(x) > 0.01)

OPS = [
    Op("add", lambda a, b: a + b, lambda a, b: a + b, (ANY, ANY)),
    Op("add constant", lambda a: a + 2.5, lambda a: a + 2.5, (ANY,)),
    Op("constant add", lambda a: 2.5 + a, lambda a: 2.5 + a, (ANY,)),
    Op("sub", lambda a, b: a - b, lambda a, b: a - b, (ANY, ANY)),
    Op("sub constant", lambda a: a - 2.5, lambda a: a - 2.5, (ANY,)),
    Op("constant sub", lambda a: 2.5 - a, lambda a: 2.5 - a, (ANY,)),
    Op("neg", lambda a: -a, lambda a: -a, (ANY,)),
    Op("mul", lambda a, b: a * b, lambda a, b: a * b, (ANY, ANY)),
    Op("mul constant", lambda a: a * 3.0, lambda a: a * 3.0, (ANY,)),
    Op("constant mul", lambda a: 3.0 * a, lambda a: 3.0 * a, (ANY,)),
    Op("square by mul", lambda a: a * a, lambda a: a * a, (ANY,)),
    Op("div", lambda a, b: a / b, lambda a, b: a / b, (ANY, NONZERO)),
    Op("div constant", lambda a: a / 4.0, lambda a: a / 4.0, (ANY,)),
    Op("constant div", lambda a: 4.0 / a, lambda a: 4.0 / a, (NONZERO,)),
    Op("pow int", lambda a: a**3, lambda a: a**3, (ANY,)),
    Op("pow negative int", lambda a: a**-2, lambda a: a**-2, (NONZERO,)),
    Op("pow float", lambda a: a**2.5, lambda a: a**2.5, (POSITIVE,)),
    Op("pow value", lambda a, b: a**b, lambda a, b: a**b, (POSITIVE, floats(-3, 3))),
    Op("constant pow", lambda a: 2.0**a, lambda a: 2.0**a, (ANY,)),
    Op("exp", lambda a: a.exp(), math.exp, (ANY,)),
    Op("log", lambda a: a.log(), math.log, (POSITIVE,)),
    Op("sqrt", lambda a: a.sqrt(), math.sqrt, (POSITIVE,)),
    Op("tanh", lambda a: a.tanh(), math.tanh, (ANY,)),
    Op("sigmoid", lambda a: a.sigmoid(), sigmoid, (ANY,)),
    Op("relu", lambda a: a.relu(), lambda a: max(a, 0.0), (ANY,), away_from([0.0])),
    Op(
        "leaky_relu",
        lambda a: a.leaky_relu(0.1),
        lambda a: a if a > 0 else 0.1 * a,
        (ANY,),
        away_from([0.0]),
    ),
    Op("abs", lambda a: abs(a), abs, (ANY,), away_from([0.0])),
    Op(
        "dot",
        lambda w1, w2, x1, x2, b: engine.dot([w1, w2], [x1, x2], b),
        lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b,
        (ANY,) * 5,
    ),
    Op(
        "dot with constant inputs",
        lambda w1, w2: engine.dot([w1, w2], [0.5, -2.0], 1.0),
        lambda w1, w2: w1 * 0.5 + w2 * -2.0 + 1.0,
        (ANY, ANY),
    ),
    Op(
        "sum",
        lambda a, b, c: engine.sum([a, b, 7.0, c]),
        lambda a, b, c: a + b + 7.0 + c,
        (ANY,) * 3,
    ),
]


def point(data, op: Op) -> list[float]:
    return [data.draw(s, label=f"x{i}") for i, s in enumerate(op.domain)]


def close(a: float, b: float, rel: float, abs_: float) -> bool:
    return abs(a - b) <= abs_ + rel * abs(b)


@pytest.mark.parametrize("op", OPS, ids=str)
@given(data=st.data())
def test_every_op_computes_the_same_value_as_math(op, data):
    xs = point(data, op)
    out = op.on_values(*[Value(x) for x in xs])
    assert isinstance(out, Value)
    assert close(out.data, op.on_floats(*xs), rel=1e-12, abs_=1e-300)


@pytest.mark.parametrize("op", OPS, ids=str)
@given(data=st.data())
def test_every_gradient_matches_a_central_difference(op, data):
    xs = point(data, op)
    assume(op.valid(*xs))
    leaves = [Value(x) for x in xs]
    # Scale by a constant so that an op which forgot to multiply by the upstream gradient fails.
    (op.on_values(*leaves) * 3.0).backward()
    for i, x in enumerate(xs):
        h = 1e-6 * max(1.0, abs(x))
        up = xs[:i] + [x + h] + xs[i + 1 :]
        down = xs[:i] + [x - h] + xs[i + 1 :]
        numeric = 3.0 * (op.on_floats(*up) - op.on_floats(*down)) / (2 * h)
        scale = max(1.0, abs(op.on_floats(*xs)))
        assert close(leaves[i].grad, numeric, rel=1e-5, abs_=1e-6 * scale), (op.name, i, xs)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_every_op_records_only_its_value_inputs_in_order(op):
    leaves = [Value(0.5 + i) for i in range(len(op.domain))]
    out = op.on_values(*leaves)
    assert len(out._children) == len(out._local_grads)
    assert all(child in leaves for child in out._children)
    assert out._op != ""
