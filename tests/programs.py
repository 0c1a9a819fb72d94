"""Random programs over the whole op set, shared by the PyTorch comparison and the fuzz tests.

A program is a few leaf numbers and a list of steps (op name, indices of earlier nodes), so nodes
are often reused; constants sit on either side of an operator. Each op is written three ways: on
Values, on plain floats with ``math`` (an independent reference), and on PyTorch tensors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from microprop import engine


def _torch() -> Any:
    import torch  # only the PyTorch column needs it, and only when it runs

    return torch


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


@dataclass(frozen=True)
class Op:
    arity: int
    on_values: Callable[..., Any]
    on_floats: Callable[..., float]
    on_tensors: Callable[..., Any]
    kink: bool = False  # relu, leaky_relu, abs: not differentiable where the input is 0


def same(f: Callable[..., Any], floats: Callable[..., float], kink: bool = False) -> Op:
    """An op written once for Values and tensors alike, plus its float reference."""
    arity = f.__code__.co_argcount
    return Op(arity, f, floats, f, kink)


# Domains are kept valid by construction: log, sqrt and division only ever see positive numbers.
OPS = {
    "add": same(lambda a, b: a + b, lambda a, b: a + b),
    "sub": same(lambda a, b: a - b, lambda a, b: a - b),
    "mul": same(lambda a, b: a * b, lambda a, b: a * b),
    "div": same(lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    "add const": same(lambda a: a + 1.5, lambda a: a + 1.5),
    "const add": same(lambda a: 1.5 + a, lambda a: 1.5 + a),
    "sub const": same(lambda a: a - 0.75, lambda a: a - 0.75),
    "const sub": same(lambda a: 2.5 - a, lambda a: 2.5 - a),
    "mul const": same(lambda a: a * 3.0, lambda a: a * 3.0),
    "const mul": same(lambda a: -0.5 * a, lambda a: -0.5 * a),
    "div const": same(lambda a: a / 4.0, lambda a: a / 4.0),
    "const div": same(lambda a: 3.0 / (a * a + 0.5), lambda a: 3.0 / (a * a + 0.5)),
    "neg": same(lambda a: -a, lambda a: -a),
    "square": same(lambda a: a**2, lambda a: a**2),
    "cube": same(lambda a: a**3, lambda a: a**3),
    "pow": same(
        lambda a, b: (a * a + 0.5) ** b.tanh(), lambda a, b: (a * a + 0.5) ** math.tanh(b)
    ),
    "const pow": same(lambda a: 2.0 ** a.tanh(), lambda a: 2.0 ** math.tanh(a)),
    "exp": same(lambda a: (a.tanh() * 2).exp(), lambda a: math.exp(math.tanh(a) * 2)),
    "log": same(lambda a: (a * a + 1).log(), lambda a: math.log(a * a + 1)),
    "sqrt": same(lambda a: (a * a + 0.1).sqrt(), lambda a: math.sqrt(a * a + 0.1)),
    "tanh": same(lambda a: a.tanh(), math.tanh),
    "sigmoid": same(lambda a: a.sigmoid(), _sigmoid),
    "relu": same(lambda a: a.relu(), lambda a: a if a > 0 else 0.0, kink=True),
    "leaky_relu": Op(
        1,
        lambda a: a.leaky_relu(0.1),
        lambda a: a if a > 0 else 0.1 * a,
        lambda a: _torch().nn.functional.leaky_relu(a, 0.1),
        kink=True,
    ),
    "abs": same(lambda a: abs(a), abs, kink=True),
    "dot": Op(
        5,
        lambda a, b, c, d, e: engine.dot([a, b], [c, d], e),
        lambda a, b, c, d, e: a * c + b * d + e,
        lambda a, b, c, d, e: a * c + b * d + e,
    ),
    "sum": Op(
        3,
        lambda a, b, c: engine.sum([a, b, c, 1.0]),
        lambda a, b, c: a + b + c + 1.0,
        lambda a, b, c: a + b + c + 1.0,
    ),
}


@st.composite
def programs(draw: Any, max_leaves: int = 4, max_steps: int = 12) -> tuple[list, list]:
    """Leaf values and a list of steps (op name, indices of earlier nodes), nodes often reused."""
    leaves = draw(
        st.lists(
            st.floats(-2, 2, allow_nan=False).filter(lambda x: abs(x) > 1e-3),
            min_size=1,
            max_size=max_leaves,
        )
    )
    steps = []
    n = len(leaves)
    for _ in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from(sorted(OPS)))
        args = [draw(st.integers(0, n - 1)) for _ in range(OPS[name].arity)]
        steps.append((name, args))
        n += 1
    return leaves, steps


def run(leaves: list, steps: list, column: str) -> list:
    """Every node of the program, leaves first, with each op taken from ``column``.

    ``leaves`` are already what the column computes on: Values, floats or tensors.
    """
    nodes = list(leaves)
    for name, args in steps:
        nodes.append(getattr(OPS[name], column)(*[nodes[i] for i in args]))
    return nodes


def kink_sides(leaves: list[float], steps: list) -> tuple[int, ...]:
    """For each relu/leaky_relu/abs step, the sign of its input: which branch it takes."""
    nodes = run(leaves, steps, "on_floats")
    signs = []
    for name, args in steps:
        if OPS[name].kink:
            x = nodes[args[0]]
            signs.append((x > 0) - (x < 0))
    return tuple(signs)
