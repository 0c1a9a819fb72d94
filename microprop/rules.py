"""Each op once: what it computes, and its local derivative with respect to each argument.

A rule takes an arithmetic ``m`` and the op's arguments in the order the op was called with them,
constants included, and returns ``(value, (d/da1, d/da2, ...))``, one derivative per argument. A
number the op's kind fixes, its parameter (the n of ``x ** n``, leaky_relu's slope), comes last
and has no derivative.
It computes with Python's operators and ``m``'s primitives only, and never branches on its
arguments' numbers (only on a constant recorded with the op, such as the 3 of ``x ** 3``), so that
every evaluator runs the same rule: floats for ``backward()`` (``floats.py``, where the number
policy lives), Values for gradients of gradients (``derivatives.py``), source text for
``compile``. An ``Op`` is what a node records: the name a drawing shows, the rule, and the
constants it was called with.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Op", "SLOPE"]


class _Slope:
    """In an op's arguments: this constant is the slope recorded for the input just before it
    (``x * c`` records ``c`` as its slope, so it need not be kept twice)."""

    def __repr__(self) -> str:
        return "SLOPE"

    def __reduce__(self) -> str:
        return "SLOPE"  # pickled by name: the one marker comes back


SLOPE = _Slope()
_new_str = str.__new__
_MADE_AT_MOST = 4096  # ops with constants kept per op: one shared object per constant
Evaluated = tuple[Any, tuple[Any, ...]]  # what a rule returns: (value, (d/da1, d/da2, ...))


def _key(args: tuple[Any, ...]) -> Any:
    """``args`` as a key that tells ``-0.0`` from ``0.0`` (equal as numbers); None for a NaN,
    which is equal to nothing and so never found again."""
    if any(type(a) is float and a != a for a in args):
        return None
    if all(type(a) is not float or a for a in args):
        return args
    return args, tuple([math.copysign(1.0, a) for a in args if type(a) is float])


class Op(str):
    """An op as a node records it: a ``str`` (its name, as drawings show it) with its rule.

    ``args`` says where the op's inputs go among the rule's arguments: ``None`` is "the inputs,
    in order"; otherwise a tuple of the constants, with ``None`` where the next input goes.
    """

    __slots__ = ("rule", "args", "_made", "left", "right")
    rule: Callable[..., Evaluated]
    args: tuple[Any, ...] | None
    _made: dict[Any, Op]  # this op with constants, by them (an op without any keeps these three)
    left: dict[float, Op]  # this op with one input and a nonzero constant on its left, by it
    right: dict[float, Op]  # and on its right: ``x - 2`` records ``SUB.right[2.0]``

    def __new__(cls, name: str, rule: Callable[..., Evaluated],
                args: tuple[Any, ...] | None = None) -> Op:
        if args is None:  # an op defined, rather than one of its calls with constants
            if not isinstance(name, str):
                raise TypeError(f"Op(name): expected a str, got {type(name).__name__}")
            if not name or not name.isprintable():
                raise ValueError(f"Op(name): expected a non-empty name without control "
                                 f"characters, got {name!r:.60}")
            if not callable(rule):
                raise TypeError(f"Op({name!r}, rule): expected a function, got "
                                f"{type(rule).__name__}")
        op = super().__new__(cls, name)
        op.rule, op.args = rule, args
        if args is None:  # only an op without constants makes ops with them
            op._made, op.left, op.right = {}, {}, {}
        return op

    def __reduce__(self) -> tuple[Any, ...]:
        return Op, (str(self), self.rule, self.args)

    def called_with(self, args: tuple[Any, ...]) -> Op:
        """This op with constants in ``args`` (``None`` where an input goes), made once per
        distinct ``args`` and shared by every node that has them."""
        try:
            key = _key(args)
            made = self._made.get(key)
        except TypeError:  # an argument that cannot be a key (compile's index placeholder)
            return Op(str(self), self.rule, args)
        if made is None:
            made = Op(str(self), self.rule, args)
            if len(self._made) < _MADE_AT_MOST and key is not None:
                self._made[key] = made
        return made

    def with_constant(self, c: float, position: int) -> Op:
        """This op of one input and the constant ``c`` at ``position`` (0 on the left, 1 on the
        right), made as cheaply as a str can be: the engine asks for one at each new number."""
        made = _new_str(Op, self)
        made.rule = self.rule
        if position:
            made.args = (None, c)
            side = self.right
        else:
            made.args = (c, None)
            side = self.left
        if c and c == c and len(side) < _MADE_AT_MOST:  # not a zero (-0.0 == 0.0), not NaN
            side[c] = made
        return made

    def arguments(self, inputs: Sequence[Any], slopes: Sequence[float]) -> tuple[Any, ...]:
        """The rule's arguments, given the node's inputs (in any evaluator's form)."""
        if self.args is None:
            return tuple(inputs)
        out, k = [], 0
        for a in self.args:
            if a is None:
                out.append(inputs[k])
                k += 1
            else:
                out.append(slopes[k - 1] if a is SLOPE else a)
        return tuple(out)

    def inputs_at(self, n: int) -> list[int]:
        """Which of the rule's arguments are the node's ``n`` inputs."""
        if self.args is None:
            return list(range(n))
        return [i for i, a in enumerate(self.args) if a is None]


# ---- the rules: one per op -------------------------------------------------------------------


def add(m: Any, x: Any, y: Any) -> Evaluated:
    return x + y, (1.0, 1.0)


def sub(m: Any, x: Any, y: Any) -> Evaluated:
    return x - y, (1.0, -1.0)


def mul(m: Any, x: Any, y: Any) -> Evaluated:
    return x * y, (y, x)


def div(m: Any, x: Any, y: Any) -> Evaluated:
    out = m.div(x, y)  # x / 0 raises
    return out, (m.reciprocal(y), -out / y)  # d/dx x/y = 1/y; d/dy x/y = -x/y^2 = -out/y


def over(m: Any, x: Any, y: Any) -> Evaluated:  # x / 0 is an infinity: sqrt's slope, differentiated
    out = m.over(x, y)
    return out, (m.over(1.0, y), -m.over(out, y))


def neg(m: Any, x: Any) -> Evaluated:
    return -x, (-1.0,)


def power(m: Any, x: Any, n: Any) -> Evaluated:
    out = m.pow(x, n)
    return out, (m.pow_slope(x, n), out * m.pow_log(x))  # n x^(n-1), x^n ln x


def power_ieee(m: Any, x: Any, n: Any) -> Evaluated:  # x ** n, 0 ** -1 = inf: a slope's own factor
    out = m.power(x, n)
    return out, (m.pow_slope(x, n), out * m.pow_log(x))


def power_of_constant(m: Any, x: Any, n: float) -> Evaluated:
    """``x ** n``, ``n`` a parameter; ``x ** 0.5`` is a sqrt, as PyTorch computes it."""
    if n == 0.5:
        r = m.root(x)
        return r, (m.over(0.5, r),)
    if n == 1.5:  # its slope's x ** 0.5 as a sqrt too, as PyTorch's: -0.0 keeps its sign
        return m.pow(x, n), (1.5 * m.root(x),)
    return m.pow(x, n), (m.pow_slope(x, n),)


def exp(m: Any, x: Any) -> Evaluated:
    e = m.exp(x)
    return e, (e,)  # d/dx e^x = e^x


def log(m: Any, x: Any) -> Evaluated:
    return m.log(x), (m.reciprocal(x),)  # d/dx ln x = 1/x


def sqrt(m: Any, x: Any) -> Evaluated:
    r = m.sqrt(x)
    return r, (m.over(0.5, r),)  # 1 / (2 sqrt x): inf at 0, -inf at -0.0, as PyTorch


def tanh(m: Any, x: Any) -> Evaluated:
    t = m.tanh(x)
    return t, (1.0 - t * t,)  # d/dx tanh x = 1 - tanh^2 x


def sigmoid(m: Any, x: Any) -> Evaluated:
    s = m.sigmoid(x)
    return s, (s * (1.0 - s),)  # d/dx s(x) = s (1 - s)


def sigmoid_slope(m: Any, s: Any) -> Evaluated:  # s (1 - s) as one op of s: derivatives.py
    return s * (1.0 - s), (1.0 - 2.0 * s,)


def relu(m: Any, x: Any) -> Evaluated:
    return m.relu(x), (m.step(x),)  # slope 1 where x > 0, else a mask


def leaky_relu(m: Any, x: Any, a: float) -> Evaluated:  # a: the slope below 0, a parameter
    return m.leaky_relu(x, a), (m.leaky_step(x, a),)


def abs(m: Any, x: Any) -> Evaluated:  # noqa: A001
    return m.abs(x), (m.sign(x),)  # d/dx |x| = sign x, 0 at 0


def dot(m: Any, *wxb: Any) -> Evaluated:
    """``w1 x1 + w2 x2 + ... + b``: the arguments are the pairs, then the bias."""
    z = 0.0
    slopes = []
    for i in range(0, len(wxb) - 1, 2):
        w, x = wxb[i], wxb[i + 1]
        z = z + w * x
        slopes += [x, w]  # d/dw wx = x, d/dx wx = w
    return z + wxb[-1], (*slopes, 1.0)


def sum(m: Any, *xs: Any) -> Evaluated:  # noqa: A001
    total = 0.0
    for x in xs:
        total = total + x
    return total, (1.0,) * len(xs)


def logsumexp(m: Any, *xs: Any) -> Evaluated:
    out = m.logsumexp(xs)
    return out, tuple([m.exp(x - out) for x in xs])  # the softmax probabilities, each <= 1


def take(m: Any, index: Any, *xs: Any) -> Evaluated:
    """``xs[index]``: slope 1 for the chosen input, a mask for the others (and the index)."""
    return m.select(index, xs), (m.masked, *(m.chosen(index, k) for k in range(len(xs))))


ADD = Op("+", add)
SUB = Op("-", sub)
MUL = Op("*", mul)
MUL_BY_CONSTANT = Op("*", mul, (None, SLOPE))  # x * c: the slope c is the constant
DIV = Op("/", div)
OVER = Op("/", over)
NEG = Op("neg", neg)
POW = Op("**", power)
POW_OF_CONSTANT = Op("**", power_of_constant)
POW_IEEE = Op("**", power_ieee)
EXP = Op("exp", exp)
LOG = Op("log", log)
SQRT = Op("sqrt", sqrt)
TANH = Op("tanh", tanh)
SIGMOID = Op("sigmoid", sigmoid)
SIGMOID_SLOPE = Op("*", sigmoid_slope)  # drawn as what it computes, s * (1 - s)
RELU = Op("relu", relu)
LEAKY_RELU = Op("leaky_relu", leaky_relu)
ABS = Op("abs", abs)
DOT = Op("dot", dot)
SUM = Op("sum", sum)
LOGSUMEXP = Op("logsumexp", logsumexp)
TAKE = Op("take", take)
