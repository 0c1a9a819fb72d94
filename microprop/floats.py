"""The arithmetic of floats that eager microprop computes with: the number policy, in one place.

Every rule of ``rules.py`` is evaluated here for ``backward()``. Python's own ``+ - *`` serve as
they are; the primitives below are the few places where a float needs a decision (overflow to
inf, a domain error, a mask, the sign of a zero). docs/numbers.md states the policy, op by op.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["MASKED", "Masked", "Reciprocal"]

_INF = math.inf


class Masked(float):
    """A local derivative of 0 that passes on 0 whatever comes in, where plain 0 * inf is NaN.

    PyTorch's backward *masks* for a switched-off ReLU, ``x ** 0`` and an unchosen ``take``
    (it selects 0 instead of multiplying), so an infinite or NaN gradient stops there.
    """

    __slots__ = ()

    def __mul__(self, other: object) -> float:
        return 0.0

    __rmul__ = __mul__


MASKED = Masked(0.0)


class Reciprocal(float):
    """``1 / x`` where it overflows (``x`` subnormal): an infinity as a number, but what it
    multiplies is divided by ``x`` instead, as PyTorch's backward divides the incoming gradient
    (``g / x``), so that ``d/dp (p log p)`` at p = 1e-310 is log p + 1, not inf."""

    __slots__ = ("x",)
    x: float

    def __new__(cls, x: float) -> Reciprocal:
        made = float.__new__(cls, math.copysign(_INF, x))
        made.x = x
        return made

    def __mul__(self, other: object) -> float:
        return other / self.x  # type: ignore[operator]

    __rmul__ = __mul__

    def __reduce__(self) -> tuple[Any, ...]:
        return Reciprocal, (self.x,)


# ---- what counts as a float: a user's number, converted without loss or refused by name --------


def to_float(x: object, what: str) -> float:
    """``x`` as a float, or a TypeError/ValueError that names it; never a lossy conversion."""
    if isinstance(x, (bool, numbers.Real)) or is_numpy_bool(x):
        try:
            return float(x)  # type: ignore[arg-type]
        except OverflowError:
            raise ValueError(f"{what}: {x!r} is too large to be a float") from None
    kind = type(x).__name__
    raise TypeError(f"{what}: expected a real number (int, float, bool), got {kind} {x!r:.60}")


def is_numpy_bool(x: object) -> bool:
    # numpy.bool_ is no numbers.Real (Python's bool is): without this, Value(np.True_) said
    # "expected a real number (int, float, bool), got bool"
    return type(x).__module__ == "numpy" and type(x).__name__ in ("bool", "bool_")

masked = MASKED  # the primitive's name, as rules read it: m.masked


def exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def log(x: float) -> float:
    if not x > 0.0:  # NaN passes; math.log(nan) would too, but -inf and 0 must raise
        if x != x:
            return x
        raise ValueError(f"log: expected a positive number, got {x!r}")
    return math.log(x)


def sqrt(x: float) -> float:
    if x < 0.0:
        raise ValueError(f"sqrt: expected a number >= 0, got {x!r}")
    return math.sqrt(x)  # sqrt(-0.0) is -0.0, as IEEE 754 and PyTorch say


tanh = math.tanh  # saturates to +-1: it never overflows


def sigmoid(x: float) -> float:
    if x >= 0.0:  # two forms, so that exp only ever sees a number <= 0
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def relu(x: float) -> float:
    # NaN is not <= 0: it passes through. relu(-0.0) is -0.0, as PyTorch's.
    return x if not x <= 0.0 else (0.0 if x else x)


def step(x: float) -> float:
    """relu's slope: 1 where x > 0 (or NaN), else a mask; 0 at the kink, as PyTorch."""
    return 1.0 if not x <= 0.0 else MASKED


def leaky_relu(x: float, a: float) -> float:
    return x if x > 0.0 else a * x


def leaky_step(x: float, a: float) -> float:
    return 1.0 if x > 0.0 else a  # the slope a at 0 too, as PyTorch


def sign(x: float) -> float:
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0  # abs's slope, 0 at 0


abs = abs  # noqa: A001  (the built-in, named here as a primitive of this arithmetic)


def div(x: float, y: float) -> float:
    """The ``/`` op: ``x / 0`` raises, naming both numbers."""
    if y == 0.0:
        raise ZeroDivisionError(f"division by zero: {x!r} / {y!r}")
    return x / y


def reciprocal(x: float) -> float:
    """``1 / x`` as a slope (log's, the divisor's of ``/``): the float, or a ``Reciprocal``
    where it overflows. ``x`` is never 0 here: log and ``/`` have raised at 0 already."""
    r = 1.0 / x
    return r if r - r == 0.0 or r != r else Reciprocal(x)  # r - r is NaN only for +-inf


def over(x: float, y: float) -> float:
    """IEEE 754 division, where ``x / 0`` is an infinity signed by both (sqrt's slope at 0)."""
    if y == 0.0:
        return math.copysign(_INF, x) * math.copysign(1.0, y) if x == x and x else math.nan
    return x / y


def power(x: float, n: float) -> float:
    """``x ** n`` where it is real, overflow (and 0 to a negative power) giving inf."""
    try:
        return x**n  # type: ignore[no-any-return]  # typeshed: a float or a complex
    except (OverflowError, ZeroDivisionError):
        odd = n.is_integer() and int(n) % 2 == 1
        return math.copysign(_INF, x) if odd else _INF


def pow(x: float, n: float) -> float:  # noqa: A001
    """The ``**`` op: a result that is not real raises; one too large is inf."""
    # A NaN or infinite power of a negative base follows IEEE 754: NaN, or inf or 0 by |x|.
    if x < 0.0 and math.isfinite(n) and not n.is_integer():
        raise ValueError(f"pow: a negative base {x!r} to the non-integer power {n!r} is not real")
    if x == 0.0 and n < 0.0:
        raise ZeroDivisionError(f"pow: 0.0 cannot be raised to the negative power {n!r}")
    return power(x, n)


def pow_slope(x: float, n: float) -> float:
    """d/dx x^n = n x^(n-1); at n == 0 a mask: x ** 0 is 1 whatever x is, as in PyTorch."""
    return n * power(x, n - 1.0) if n != 0.0 else MASKED


def pow_log(x: float) -> float:
    """ln x in d/dn x^n = x^n ln x: 0 at x == 0 (PyTorch's), NaN where ln x is not real."""
    return math.log(x) if x > 0.0 else 0.0 if x == 0.0 else math.nan


def root(x: float) -> float:
    """``x ** 0.5``, computed as sqrt(x) as PyTorch does, with pow's error below 0."""
    if x < 0.0:
        raise ValueError(f"pow: a negative base {x!r} to the non-integer power 0.5 is not real")
    return math.sqrt(x)


def logsumexp(xs: tuple[float, ...]) -> float:
    """``log(sum(exp(x)))`` with the largest taken out, summed exactly: no overflow, NaN in gives
    NaN out, all -inf gives -inf."""
    m = max(xs)
    if m != m or any(x != x for x in xs):  # max would skip a NaN by its position
        return math.nan
    if m - m != 0.0:  # an input of +inf (the log of an infinite sum), or all -inf (of 0)
        return m
    return m + math.log(math.fsum(math.exp(x - m) for x in xs))


def select(index: int, xs: tuple[Any, ...]) -> float:
    return xs[index]  # type: ignore[no-any-return]


def chosen(index: int, k: int) -> float:
    """take's slope for input k: 1 for the chosen one, a mask for the others."""
    return 1.0 if k == index else MASKED


def of_your_own(rule: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """An op made with ``microprop.op``: its own function of floats, its result checked."""
    return rule.on_floats(args)  # type: ignore[no-any-return]
