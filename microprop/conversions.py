"""A Value read as a number: ordering, ``bool``, ``int``, ``round``, ``float``, ``format``.

Each gives what the float ``v.data`` gives. While ``compile`` traces a function, each also tells
the trace its outcome (``modes.tracing``), so that the compiled code checks at every call that
the function still takes the path it took. Equality is not here: ``==`` stays identity, so that
Values stay usable in sets and dicts.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable
from typing import Any, SupportsIndex

from .floats import is_numpy_bool
from .modes import tracing

__all__ = ["Conversions"]


class Conversions:
    """What makes ``max(values)``, ``sorted(values)``, ``if v:`` and ``f"{v:.3f}"`` work."""

    __slots__ = ()
    data: float

    def item(self) -> float:
        """The number, as a float (PyTorch's name for it; the same as ``.data``)."""
        _seen("float", self, None, self.data)
        return self.data

    def __lt__(self, other: Any) -> bool:
        return _ordered(self, other, "<", operator.lt)

    def __le__(self, other: Any) -> bool:
        return _ordered(self, other, "<=", operator.le)

    def __gt__(self, other: Any) -> bool:
        return _ordered(self, other, ">", operator.gt)

    def __ge__(self, other: Any) -> bool:
        return _ordered(self, other, ">=", operator.ge)

    def __bool__(self) -> bool:  # as a float's: False for 0.0 (and -0.0), True for NaN
        out = bool(self.data)
        _seen("bool", self, None, out)
        return out

    def __int__(self) -> int:  # truncates toward zero, as int(float) does
        out = int(self.data)
        _seen("int", self, None, out)
        return out

    def __round__(self, ndigits: SupportsIndex | None = None) -> float:
        """``round(v)`` is an int and ``round(v, n)`` a float, as for the float ``v.data``."""
        out = round(self.data, ndigits)
        _seen("round", self, ndigits, out)
        return out

    def __float__(self) -> float:
        _seen("float", self, None, self.data)
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec)


def _ordered(v: Conversions, other: object, kind: str, compare: Callable[..., Any]) -> bool:
    y = _compared(other)
    if y is None:
        return NotImplemented  # type: ignore[no-any-return]
    out: bool = compare(v.data, y)
    _seen(kind, v, other, out)
    return out


def _compared(x: object) -> float | None:
    """The number on the other side of ``<``, ``<=``, ``>`` or ``>=``, or None if it has none.

    A real number is compared as it is, as a float compares with it (exactly, for a huge int).
    """
    if isinstance(x, Conversions):
        return x.data
    return x if isinstance(x, numbers.Real) or is_numpy_bool(x) else None  # type: ignore[return-value]


def _seen(kind: str, v: Conversions, other: object, outcome: object) -> None:
    """A comparison or conversion of ``v``: a compile trace (if this thread runs one) keeps its
    outcome, to check at each call that the function still takes the path it took."""
    trace = tracing.get()
    if trace is not None:
        trace.guard(kind, v, other, outcome)
