"""Ops on many Values at once, each one node instead of a chain: dot, sum, logsumexp, take.

Their rules are in ``rules.py`` like every op's. ``dot`` and ``sum`` of Values compute their
rules written out, for speed (a neuron's weighted input is most of a network's work); a test
ties each to its rule.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from . import floats, rules
from .engine import _SUBCLASSES, Value, _operand, _result
from .rules import DOT, SLOPE, Op

__all__ = ["dot", "sum", "logsumexp", "log_softmax", "softmax", "take"]

# dot's op for a layer reading data: every weight a Value, every input a constant (the weight's
# slope), the bias a Value. One shared op per number of inputs.
_DOT_OF_DATA: dict[int, Op] = {}
_DOT_UNBIASED: dict[int, Op] = {}  # every input a Value, and no bias (0.0)


def dot(
    ws: Iterable[Value | float], xs: Iterable[Value | float], bias: Value | float = 0.0
) -> Value:
    """``sum(w * x for w, x in zip(ws, xs)) + bias`` as one node instead of 2n.

    A neuron's weighted input ``z = sum_k w_k a_k + b`` in one step: the same value and the same
    gradients as the elementwise expression, with far fewer nodes to build and walk.
    Plain numbers are constants. The two sequences must have the same length.
    """
    try:
        ws, xs = list(ws), list(xs)
    except TypeError:  # name the argument, rather than "'int' object is not iterable"
        for name, arg in (("ws", ws), ("xs", xs)):
            if not isinstance(arg, Iterable):
                raise _not_a_list(f"dot({name})", arg) from None
        raise
    if len(ws) != len(xs):
        raise ValueError(f"dot: the sequences differ in length ({len(ws)} and {len(xs)})")
    children: list[Value] = []
    local: list[float] = []
    z = 0.0
    data = 0  # pairs of a Value weight and a constant input (a row of data)
    for w, x in zip(ws, xs):
        if type(w) is Value:  # the two common cases, written out first
            wd = w.data
            if type(x) is Value:  # a layer reading another: d/dw (w x) = x, d/dx (w x) = w
                xd = x.data
                z += wd * xd
                children.append(w)
                local.append(xd)
                children.append(x)
                local.append(wd)
                continue
            if type(x) is float:  # a layer reading a row of data: d/dw (w x) = x
                z += wd * x
                children.append(w)
                local.append(x)
                data += 1
                continue
        z, data = _any_pair(w, x, z, data, children, local)
    if isinstance(bias, Value):
        z += bias.data
        children.append(bias)
        local.append(1.0)
    else:
        bias = bias if type(bias) is float else _operand(bias, "dot(bias)")
        z += bias
    n = len(ws)
    if len(children) == 2 * n + 1:
        op = DOT
    elif data == n and len(children) == n + 1:  # a layer reading data (the bias a Value)
        op = _DOT_OF_DATA.get(n) or _DOT_OF_DATA.setdefault(n, _dot_op(ws, xs, bias))
    elif len(children) == 2 * n and bias == 0.0 and math.copysign(1.0, bias) > 0:  # no bias
        op = _DOT_UNBIASED.get(n) or _DOT_UNBIASED.setdefault(n, _dot_op(ws, xs, bias))
    else:
        op = _dot_op(ws, xs, bias)
    return _result(z, op, tuple(children), tuple(local))


def _any_pair(w: Any, x: Any, z: float, data: int, children: list[Any], local: list[Any]
              ) -> tuple[float, int]:
    """dot's product of one pair that is not a Value weight with a Value or a float input."""
    w_node = type(w) is Value or type(w) in _SUBCLASSES
    x_node = type(x) is Value or type(x) in _SUBCLASSES
    wd = w.data if w_node else w if type(w) is float else _operand(w, "dot")
    xd = x.data if x_node else x if type(x) is float else _operand(x, "dot")
    z += wd * xd
    if w_node:
        children.append(w)
        local.append(xd)
    if x_node:
        children.append(x)
        local.append(wd)
    elif w_node:
        data += 1
    return z, data


def _dot_op(ws: list[Any], xs: list[Any], bias: Any) -> Op:
    """dot's op where some arguments are constants: where they go among its inputs."""
    template: list[Any] = []
    for w, x in zip(ws, xs):
        w_node = isinstance(w, Value)
        template.append(None if w_node else _operand(w, "dot"))
        x_node = isinstance(x, Value)
        template.append(None if x_node else SLOPE if w_node else _operand(x, "dot"))
    template.append(None if isinstance(bias, Value) else _operand(bias, "dot(bias)"))
    return DOT.called_with(tuple(template))


def _recorded(op: Op, args: Sequence[Any], what: str, computed: Sequence[Any] | None = None
              ) -> Value:
    """``op`` on arguments that are Values or plain numbers: its rule on floats, recorded with
    the Values as inputs and the constants kept in the op. ``computed``: every argument as the
    rule computes with it, where the caller has made them already (take's index)."""
    xs: list[Any] = []
    template: list[Any] = []
    children: list[Value] = []
    for a in args:
        if type(a) is Value or type(a) in _SUBCLASSES:
            xs.append(a.data)
            template.append(None)
            children.append(a)
        else:
            c = a if computed is not None else _operand(a, what)
            xs.append(c)
            template.append(c)
    out, local = op.rule(floats, *(xs if computed is None else computed))
    if len(children) == len(args):
        return _result(out, op, tuple(children), tuple(local))
    slopes = tuple([d for d, t in zip(local, template) if t is None])
    return _result(out, op.called_with(tuple(template)), tuple(children), slopes)


def sum(values: Iterable[Value | float]) -> Value:  # noqa: A001 - the name torch and numpy use
    """The sum of many Values as one node (Python's built-in ``sum`` makes a chain of n nodes)."""
    if not isinstance(values, Iterable):
        raise _not_a_list("sum", values)
    args = list(values)
    children: list[Value] = []
    total = 0.0
    for v in args:  # rules.sum, written out (a test ties the two)
        if type(v) is Value or type(v) in _SUBCLASSES:
            total += v.data  # type: ignore[union-attr]
            children.append(v)  # type: ignore[arg-type]
        else:
            return _recorded(rules.SUM, args, "sum")  # constants: kept in the op
    return _result(total, rules.SUM, tuple(children), (1.0,) * len(children))  # d/dv_i = 1


def logsumexp(values: Iterable[Value | float]) -> Value:
    """``log(sum(exp(v) for v in values))`` as one node, finite for any finite inputs.

    Computed as ``m + log(sum(exp(v - m)))`` with ``m`` the largest input, so exp never sees a
    number above 0: no overflow at 1000 or 1e308, and no underflow to log(0) at -1000. Its local
    derivatives are the softmax probabilities ``exp(v_i - result)``, as PyTorch computes them.
    """
    vs = _listed(values, "logsumexp")
    if not vs:
        raise ValueError("logsumexp: expected at least one value, got none")
    return _recorded(rules.LOGSUMEXP, vs, "logsumexp")


def log_softmax(values: Iterable[Value | float]) -> list[Value]:
    """``v_i - logsumexp(values)`` for each input: the log-probabilities of a softmax.

    Finite for any finite inputs. The cross-entropy of class ``t`` is ``-log_softmax(v)[t]``, and
    its gradient with respect to ``v_i`` is ``p_i - [i == t]``, with ``p = softmax(v)``.
    """
    vs = _listed(values, "log_softmax")
    lse = logsumexp(vs)
    return [v - lse for v in vs]


def softmax(values: Iterable[Value | float]) -> list[Value]:
    """``exp(v_i) / sum(exp(v))`` for each input: probabilities that sum to 1.

    Computed as ``exp(v_i - logsumexp(values))``, so no exp ever overflows.
    """
    return [lp.exp() for lp in log_softmax(_listed(values, "softmax"))]


def take(values: Sequence[Any], index: int | _Index) -> Any:
    """``values[index]`` as a node, for an index that is data (a token id, a class label).

    Eager, ``values[index]`` is the same Value; but a compiled trace would keep that one index
    for good, and ``take`` records the choice instead, so the trace runs for any index. The node
    has every Value of ``values`` as an input, with local derivative 1 for the chosen one and
    a mask (0 whatever comes back, as relu's) for the others. Plain numbers are constants.
    ``values`` may also be a table (equal-length rows): then the result is its row ``index``,
    one node per column, as numpy's ``take`` along axis 0.
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError("take: expected a list or tuple of Values or numbers (or of rows), got "
                        f"{type(values).__name__}")
    rows = list(values)
    at = _take_index(index, len(rows))
    if rows and isinstance(rows[0], (list, tuple)):
        width = len(rows[0])
        for r, row in enumerate(rows):
            if not isinstance(row, (list, tuple)) or len(row) != width:
                got = f"length {len(row)}" if isinstance(row, (list, tuple)) else type(row).__name__
                raise ValueError(f"take: row {r} is {got}; expected a row of {width}, as row 0")
        return [_taken([row[j] for row in rows], index, at) for j in range(width)]
    return _taken(rows, index, at)


def _take_index(index: object, n: int) -> int:
    if isinstance(index, _Index):
        index.lengths[n] = None  # compiled code checks every one, as eager does at each call
    at = index.value if isinstance(index, _Index) else index
    if isinstance(at, bool) or not isinstance(at, numbers.Integral):
        raise TypeError(f"take(index): expected an int, got {type(at).__name__}")
    if not n:
        raise ValueError("take: expected at least one value, got none")
    at = int(at)
    if not 0 <= at < n:
        raise IndexError(f"take(index): {at} is out of range for {n} values; expected 0 to {n - 1}")
    return at


def _taken(values: list[Any], index: int | _Index, at: int) -> Value:
    # every constant a number, whichever is chosen
    values = [v if isinstance(v, Value) else _operand(v, "take") for v in values]
    recorded = index if isinstance(index, _Index) else at
    computed = [at, *(v.data if isinstance(v, Value) else v for v in values)]
    return _recorded(rules.TAKE, [recorded, *values], "take", computed)


class _Index:
    """An int argument of a compiled function, seen while tracing: usable by ``take`` only.

    Anything else (a list index, a comparison, arithmetic) would fix its traced value into
    the code, so it raises instead, naming ``take``.
    """

    __slots__ = ("value", "slot", "lengths")

    def __init__(self, value: int, slot: int) -> None:
        self.value, self.slot = value, slot
        self.lengths: dict[int, None] = {}  # of the tables take read with it, used or not

    def _refuse(self, *args: object) -> Any:
        raise TypeError(f"compile: an index argument ({self.value}, traced) can only be used "
                        "through microprop.take(values, index); using it as a number or a list "
                        "index would fix its traced value into the compiled code")

    __index__ = __int__ = __float__ = __bool__ = __hash__ = _refuse
    __str__ = __format__ = __round__ = __trunc__ = __floor__ = __ceil__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __neg__ = __pos__ = __abs__ = __invert__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _refuse
    __pow__ = __rpow__ = __divmod__ = __rdivmod__ = _refuse
    __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = _refuse
    __lshift__ = __rlshift__ = __rshift__ = __rrshift__ = _refuse

    def __repr__(self) -> str:
        return f"<index {self.value}, traced>"


def _not_a_list(what: str, x: object) -> TypeError:
    return TypeError(f"{what}: expected a list of Values or numbers, got {type(x).__name__}")


def _listed(values: object, what: str) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise _not_a_list(what, values)
    return list(values)
