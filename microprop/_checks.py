"""The checks that public functions make of their arguments, written once.

Each check takes the value, then ``what`` to call it in a message (the caller and the argument,
such as ``"fit(lr)"`` or ``"fit(X): row 3"``), and returns the value in the form the caller
needs, or raises one kind of message: ``fit(X): row 3, feature 2 is nan; expected a finite
number``. A module never writes its own copy of one of these: copies drift.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterable, Mapping
from typing import Any

from .engine import Value


def number(x: object, what: str, *, bools: bool = False) -> float:
    """``x`` as a float: an int, float or NumPy scalar (a bool only if ``bools``)."""
    if type(x) is float:
        return x  # type: ignore[return-value]
    if (isinstance(x, bool) and not bools) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what}: expected a number, got {type(x).__name__} {x!r:.40}")
    try:
        return float(x)
    except OverflowError:  # an int with hundreds of digits
        raise ValueError(f"{what}: {x!r:.40}... is too large for a float") from None


def finite(x: object, what: str, *, bools: bool = False) -> float:
    """``x`` as a finite float; NaN and +-inf are refused, naming ``what``."""
    f = number(x, what, bools=bools)
    if not math.isfinite(f):
        raise ValueError(f"{what} is {f!r}; expected a finite number")
    return f


def in_range(
    x: object,
    what: str,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_ok: bool = True,
    high_ok: bool = False,
) -> float:
    """``x`` as a finite float in ``[low, high)`` (brackets as ``low_ok`` / ``high_ok`` say)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what}: expected a number, got {type(x).__name__} {x!r:.40}")
    try:
        f = float(x)
    except OverflowError:  # an int with hundreds of digits: out of any finite range
        f = math.copysign(math.inf, x)  # type: ignore[arg-type]
    above = f >= low if low_ok else f > low
    below = f <= high if high_ok else f < high
    if not (above and below and math.isfinite(f)):
        bounds = f"{'[' if low_ok else '('}{low:g}, {high:g}{']' if high_ok else ')'}"
        shown = repr(f) if math.isfinite(f) or isinstance(x, float) else f"{x!r:.40}"
        raise ValueError(f"{what}: expected a finite number in {bounds}, got {shown}")
    return f


def integer(x: object, what: str, low: int = 1) -> int:
    """``x`` as an int of at least ``low`` (1: a positive int); bools are refused."""
    kind = "a positive int" if low == 1 else f"an int >= {low}"
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{what}: expected {kind}, got {type(x).__name__} {x!r:.40}")
    if x < low:
        raise ValueError(f"{what}: expected {kind}, got {x}")
    return int(x)


def flag(x: object, what: str) -> bool:
    if not isinstance(x, bool):
        raise TypeError(f"{what}: expected True or False, got {type(x).__name__} {x!r:.40}")
    return x


def rng(seed: object, what: str) -> Any:
    """A source of random numbers: the global ``random`` for None, else a seeded stream."""
    if seed is None or seed is random:
        return random  # the module: the global stream, seedable with random.seed()
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{what}: expected an int, a random.Random or None, got {type(seed).__name__} "
            f"{seed!r:.40}"
        )
    return random.Random(int(seed))


def choice(x: object, allowed: Iterable[str], what: str, noun: str = "") -> str:
    """``x`` if it is one of ``allowed`` (names), else an error listing them."""
    names = list(allowed)
    if not isinstance(x, str):
        raise TypeError(f"{what}: expected a name such as {names[0]!r}, got {type(x).__name__}")
    if x not in names:
        known = ", ".join(repr(n) for n in names)
        raise ValueError(f"{what}: unknown {noun or 'name'} {x!r}; expected one of {known}")
    return x


def listed(x: object, what: str, items: str = "numbers") -> list:
    """``x`` as a list: any iterable but a string, bytes or a dict, whose items are ``items``."""
    if isinstance(x, (str, bytes, Mapping)) or not isinstance(x, Iterable):
        raise TypeError(f"{what}: expected a list of {items}, got {type(x).__name__}")
    return list(x)


def reals(values: object, what: str, item: str = "item") -> list[float]:
    """``values`` as a list of finite floats, naming the first bad one by its position."""
    return [finite(v, f"{what}: {item} {i}") for i, v in enumerate(listed(values, what))]


def rows(X: object, what: str) -> list[list[float]]:
    """``X`` as a non-empty list of equally long, non-empty lists of finite floats."""
    out: list[list[float]] = []
    for i, r in enumerate(listed(X, what, "rows")):
        if isinstance(r, (str, bytes, Mapping)) or not isinstance(r, Iterable):
            raise TypeError(f"{what}: row {i} is a {type(r).__name__}, expected a list of numbers")
        row = [finite(v, f"{what}: row {i}, feature {j}") for j, v in enumerate(r)]
        if out and len(row) != len(out[0]):
            raise ValueError(f"{what}: row {i} has {len(row)} values but row 0 has {len(out[0])}")
        out.append(row)
    if not out or not out[0]:
        raise ValueError(f"{what}: no data (expected at least one row of at least one number)")
    return out


def value(x: object, what: str) -> Value:
    if not isinstance(x, Value):
        raise TypeError(f"{what}: expected a Value, got {type(x).__name__}")
    return x


def function(f: object, what: str) -> Any:
    if not callable(f):
        raise TypeError(f"{what}: expected a function, got {type(f).__name__} {f!r:.40}")
    return f


def few(names: list[str]) -> str:
    """The first three names and how many more, for a message that must stay one line."""
    shown = ", ".join(repr(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")
