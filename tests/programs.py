"""Random programs over the whole op table, shared by the PyTorch comparison and the fuzz tests.

A program is a few leaf numbers and a list of steps (op name, indices of earlier nodes), so nodes
are often reused; constants sit on either side of an operator. Each op of ``ops.OPS`` runs three
ways: on Values, on plain floats with ``math`` (an independent reference), and on PyTorch tensors,
with its inputs first mapped into its domain by the row's ``fuzz`` functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from ops import OPS as TABLE
from ops import Op as Row


@dataclass(frozen=True)
class Op:
    arity: int
    on_values: Callable[..., Any]
    on_floats: Callable[..., float]
    on_tensors: Callable[..., Any]
    kink: bool = False  # relu, leaky_relu, abs: not differentiable where the input is 0


def _in_domain(f: Callable[..., Any], row: Row) -> Callable[..., Any]:
    if row.fuzz is None:
        return f
    return lambda *xs: f(*[into(x) for into, x in zip(row.fuzz, xs)])


def _program_op(row: Row) -> Op:
    tensors = row.on_tensors or row.on_values
    return Op(
        row.arity,
        _in_domain(row.on_values, row),
        _in_domain(row.on_floats, row),
        _in_domain(tensors, row),
        row.kink,
    )


OPS = {row.name: _program_op(row) for row in TABLE}


@st.composite
def programs(
    draw: Any, max_leaves: int = 4, max_steps: int = 12, values: Any = None
) -> tuple[list, list]:
    """Leaf values and a list of steps (op name, indices of earlier nodes), nodes often reused."""
    if values is None:
        values = st.floats(-2, 2, allow_nan=False).filter(lambda x: abs(x) > 1e-3)
    leaves = draw(st.lists(values, min_size=1, max_size=max_leaves))
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
