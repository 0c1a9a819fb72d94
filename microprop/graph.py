"""Reading a graph for a person: the trace, node numbers and names, lookup, and numbers.

``explain`` (the chain rule as data) and ``viz`` (drawings) both read a graph this way, so it lives
here once: nodes are numbered by the engine's topological order, named by label or ``#4 (+)``,
found by Value or label, and their numbers printed alike in tables, captions and drawings.
"""

from __future__ import annotations

import math
import re
import warnings

from .engine import Value

__all__ = ["trace"]


def check_root(root: object, where: str) -> None:
    if isinstance(root, (list, tuple)) and root and all(isinstance(v, Value) for v in root):
        # A model with k outputs returns a list: say which one Value to pass instead.
        raise TypeError(
            f"{where}: expected a Value as the root, got a {type(root).__name__} of {len(root)} "
            "Values (a model with several outputs returns one per output); pass one of them, "
            "such as out[0], or the loss computed from them, such as cross_entropy(out, y)"
        )
    if not isinstance(root, Value):
        raise TypeError(f"{where}: expected a Value as the root, got {type(root).__name__}")


def trace(root: Value) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """Every node of ``root``'s graph, inputs first, and every edge as ``(input, result)``.

    The nodes come in the engine's own iterative topological order, so a chain of 100,000 nodes
    cannot hit the recursion limit. An input used twice by one op (``x * x``) gives two edges,
    just as it gets two terms in its gradient.
    """
    check_root(root, "trace")
    nodes = root._topological_order()
    edges = [(child, node) for node in nodes for child in node._children]
    return nodes, edges


def numbered(root: Value) -> tuple[list[Value], dict[Value, int]]:
    """The nodes in topological order, and each node's number: its position in that order."""
    order = root._topological_order()
    return order, {v: i for i, v in enumerate(order)}


def node_name(v: Value, i: int) -> str:
    """How tables and captions name a node: its label, or its position and op (``#4 (+)``)."""
    return v.label or f"#{i} ({v._op or ('op' if v._children else 'leaf')})"


# A parameter's dotted label in an MLP: layers.{l}.neurons.{j}.w.{k} or layers.{l}.neurons.{j}.b.
_PARAMETER = re.compile(r"layers\.(\d+)\.neurons\.(\d+)\.(?:w\.(\d+)|b)")


def article_name(name: str) -> str:
    """A parameter's dotted label as the article writes it; any other name unchanged.

    ``layers.0.neurons.1.w.3`` is ``W^(1)_24`` and ``layers.1.neurons.0.b`` is ``b^(2)_1``: the
    article counts from 1, and a weight's superscript is the layer it comes from (its quirk Q2).
    Indices of two digits are set apart by a comma, ``W^(1)_12,3``, so that 12,3 is not 1,23.
    """
    found = _PARAMETER.fullmatch(name)
    if found is None:
        return name
    layer, j = int(found[1]) + 1, int(found[2]) + 1
    if found[3] is None:
        return f"b^({layer})_{j}"
    k = int(found[3]) + 1
    return f"W^({layer})_{j}{',' if j >= 10 or k >= 10 else ''}{k}"


def find(
    where: str, what: str, wanted: Value | str, order: list[Value], index: dict[Value, int]
) -> Value:
    """The node ``wanted`` names: the Value itself, or the one node with that label."""
    if isinstance(wanted, Value):
        if wanted not in index:
            raise ValueError(f"{where}: the {what} Value is not part of this root's graph")
        return wanted
    if not isinstance(wanted, str):
        raise TypeError(f"{where}: {what} must be a Value or a label, got {type(wanted).__name__}")
    found = [v for v in order if v.label == wanted]
    if not found:  # a parameter by the name a drawing with names="article" gives it
        found = [v for v in order if v.label and article_name(v.label) == wanted]
    if not found:
        raise ValueError(f"{where}: {what}={wanted!r}: no value in the graph has that label")
    if len(found) > 1:
        raise ValueError(
            f"{where}: {what}={wanted!r}: {len(found)} values have that label; "
            "pass the Value itself"
        )
    return found[0]


def number(x: float) -> str:
    """A number for a drawing or a table: 4 decimals, or scientific when that would hide it."""
    if not math.isfinite(x):
        return str(x)
    if x == 0.0 or 1e-4 <= abs(x) < 1e6:
        return f"{x + 0.0:.4f}"  # + 0.0 turns -0.0 into 0.0
    return f"{x:.3e}"


def constants(v: Value) -> list[tuple[int, float]]:
    """The plain numbers folded into ``v``'s op, as (operand position, number): the 2 in ``x * 2``.

    The engine records only Values as inputs, so a constant of a one-input ``+``, ``-``, ``*``,
    ``/`` or ``**`` is read back from the result and the local derivative (``x - c`` has result
    x - c), and kept only if redoing the op with it gives the result again. n-ary ops (``dot``,
    ``sum``) and a constant that cannot be read back are not shown.
    """
    if len(v._children) != 1 or v._op not in ("+", "-", "*", "/", "**"):
        return []
    try:
        candidates = _candidates(v._op, v._children[0].data, v.data, v._local_grads[0])
    except (ArithmeticError, ValueError):  # overflow, 0 ** -1, ...: nothing to read back
        return []
    for position, c, redone in candidates:
        if isinstance(redone, float) and math.isfinite(c) and _close(redone, v.data):
            return [(position, c)]
    return []


def _candidates(op: str, x: float, out: float, local: float) -> list[tuple[int, float, float]]:
    """What the constant of a one-input op may be: (position, constant, the op redone with it)."""
    if op == "+":  # x + c
        return [(1, out - x, x + (out - x))]
    if op == "*":  # x * c: d/dx = c
        return [(1, local, x * local)]
    if op == "-":  # x - c (d/dx = 1) or c - x (d/dx = -1)
        return [(1, x - out, x - (x - out))] if local > 0 else [(0, out + x, (out + x) - x)]
    if op == "/":  # x / c (d/dx = 1/c) or c / x
        first = [(1, 1.0 / local, x * local)] if local != 0.0 else []
        return first + [(0, out * x, out * x / x)]
    if out == 0.0 or x == 0.0:
        return []
    n = _whole(local * x / out)  # x ** n: d/dx = n x^(n-1) = n out / x
    found = [(1, n, x**n)]
    if local / out < 700:  # c ** x: d/dx = out ln c
        c = _whole(math.exp(local / out))
        found.append((0, c, c**x))
    return found


def _whole(c: float) -> float:
    """``c``, or the integer it is within rounding of (``x ** 2`` reads back as 1.9999999999)."""
    r = round(c)
    return float(r) if abs(c - r) <= 1e-9 * max(1.0, abs(c)) else c


def _close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def warn(messages: list[str], stacklevel: int = 3) -> None:
    """Issue each message as a UserWarning pointing at the user's line.

    The default 3 is right when a public function calls this directly: here, the public
    function, then the user's call.
    """
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=stacklevel)
