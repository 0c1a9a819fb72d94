"""The checks that public functions make of their arguments, written once.

Each check takes the value, then ``what`` to call it in a message (the caller and the argument,
such as ``"MLP(seed)"``), and returns the value in the form the caller needs, or raises one kind
of message: ``MLP(seed): expected an int, a random.Random or None, got str``. A module never
writes its own copy of one of these: copies drift. One policy for numbers: a bool is not a number
(except as a label or target, where True is 1), inf and nan are refused wherever a finite number
is needed, and an int too large for a float is a ValueError that names it, never an OverflowError.
"""

from __future__ import annotations

import math
import numbers
import os
import random
from collections.abc import Iterable
from typing import Any


def integer(x: object, what: str, low: int = 1) -> int:
    """``x`` as an int of at least ``low`` (1: a positive int); bools are refused."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        kind = "a positive int" if low == 1 else "an int"
        raise TypeError(f"{what}: expected {kind}, got {type(x).__name__} {x!r:.40}")
    if x < low:
        kind = "a positive int" if low == 1 else f"at least {low}"
        raise ValueError(f"{what}: expected {kind}, got {x}")
    return int(x)


def flag(x: object, what: str) -> bool:
    if not isinstance(x, bool):
        raise TypeError(f"{what}: expected True or False, got {type(x).__name__} {x!r:.40}")
    return x


def flag_or_none(x: object, what: str) -> bool | None:
    """A flag where None means "decide for me" (such as a progress bar only on a terminal)."""
    if x is not None and not isinstance(x, bool):
        raise TypeError(f"{what}: expected True, False or None, got {type(x).__name__} {x!r:.40}")
    return x


def real(x: object, what: str) -> float:
    """``x`` as a float, which may be inf or nan (an int too large for a float becomes inf)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what}: expected a number, got {type(x).__name__} {x!r:.40}")
    try:
        return float(x)
    except OverflowError:  # an int with hundreds of digits: infinite as far as a float can say
        return math.inf if x > 0 else -math.inf  # type: ignore[operator]


def finite(
    x: object,
    what: str,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_ok: bool = True,
    high_ok: bool = False,
) -> float:
    """``x`` as a finite float from ``low`` to ``high``, each included as ``low_ok``/``high_ok``."""
    f = real(x, what)
    above = f >= low if low_ok else f > low
    below = f <= high if high_ok else f < high
    if not (above and below and math.isfinite(f)):
        if low == -math.inf and high == math.inf:
            bounds = ""
        elif high == math.inf and low_ok:
            bounds = f" >= {low:g}"
        else:
            bounds = f" in {'[' if low_ok else '('}{low:g}, {high:g}{']' if high_ok else ')'}"
        shown = repr(f) if math.isfinite(f) or isinstance(x, float) else f"{x!r:.40}"
        raise ValueError(f"{what}: expected a finite number{bounds}, got {shown}")
    return f


def element(
    x: object, what: str, rule: str | None, *, bools: bool = False, holds: bool = False
) -> float:
    """One number of a list as a float; ``what`` names its place ("fit(y): target 3").

    ``rule`` is what the message says when it is not finite ("every target must be finite"), or
    None to let the caller judge inf and nan. ``bools``: True is accepted as 1 (a label).
    ``holds``: the place is a row, so the message says "row 1 holds a str, expected numbers".
    """
    if type(x) is float:  # the common case, first
        f = x
    elif isinstance(x, numbers.Real) and (bools or not isinstance(x, bool)):
        try:
            f = float(x)
        except OverflowError:  # an int with hundreds of digits
            big = "holds an int too large" if holds else "is too large"
            rest = f"; {rule}" if rule else ""
            raise ValueError(f"{what} {big} for a float{rest}") from None
    else:
        verb, kind = ("holds", "numbers") if holds else ("is", "a number")
        raise TypeError(f"{what} {verb} a {type(x).__name__}, expected {kind}")
    if rule and not math.isfinite(f):
        raise ValueError(f"{what} {'holds' if holds else 'is'} {f!r}; {rule}")
    return f


def class_index(x: object, what: str, classes: int | None = None) -> int:
    """``x`` as a class index, an int from 0 to ``classes - 1``; a bool or a float (even 1.0) is
    refused, since a float target usually means a regression target or a probability."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        upto = f" from 0 to {classes - 1}" if classes else ""
        raise TypeError(
            f"{what} is a {type(x).__name__} {x!r:.40}, expected a class index (an int{upto})"
        )
    t = int(x)
    if t < 0 or classes is not None and t >= classes:
        upto = f"from 0 to {classes - 1}" if classes else "0 or more"
        raise ValueError(f"{what} is {t}, expected a class index {upto}")
    return t


def listed(x: object, what: str, noun: str = "numbers") -> list[Any]:
    """``x`` as a list, or a TypeError saying a list of ``noun`` was expected (a str is not one)."""
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        raise TypeError(f"{what}: expected a list of {noun}, got {type(x).__name__}")
    return list(x)


def rows(X: object, what: str) -> list[list[float]]:
    """``X`` as a non-empty list of equally long lists of finite floats, or a clear error."""
    out: list[list[float]] = []
    for i, r in enumerate(listed(X, what, "rows")):
        if isinstance(r, (str, bytes)) or not isinstance(r, Iterable):
            raise TypeError(f"{what}: row {i} is a {type(r).__name__}, expected a list of numbers")
        where = f"{what}: row {i}"
        row = [element(v, where, "every value must be finite", holds=True) for v in r]
        if out and len(row) != len(out[0]):
            raise ValueError(f"{what}: row {i} has {len(row)} values but row 0 has {len(out[0])}")
        out.append(row)
    if not out or not out[0]:
        raise ValueError(f"{what}: no data (expected at least one row of at least one number)")
    return out


def rng(seed: object, what: str) -> Any:
    """A source of random numbers: the global ``random`` for None, else a seeded stream."""
    if seed is None or seed is random:
        return random  # the module: the global stream, seedable with random.seed()
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{what}: expected an int, a random.Random or None, got {type(seed).__name__}"
        )
    return random.Random(int(seed))


def choice(
    x: object, what: str, allowed: Iterable[str], noun: str = "name", example: str = ""
) -> str:
    """``x`` if it is one of ``allowed`` (names), else an error listing them; ``example`` (the
    first name if not given) is the one a type error suggests, usually the default."""
    names = list(allowed)
    if not isinstance(x, str):
        shown = example or names[0]
        raise TypeError(f"{what}: expected a name such as {shown!r}, got {type(x).__name__}")
    if x not in names:
        known = ", ".join(repr(n) for n in names)
        raise ValueError(f"{what}: unknown {noun} {x!r}; expected one of {known}")
    return x


def few(names: list[str]) -> str:
    """The first three names and how many more, for a message that must stay one line."""
    shown = ", ".join(repr(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def install_hint(extra: str) -> str:
    """The pip command that installs ``extra`` for this copy of microprop.

    microprop is not on PyPI, so ``pip install "microprop[viz]"`` only works where microprop is
    already installed (pip then adds the extra's packages). Run from a clone (its folder holds
    setup.cfg), the command is an editable install of the clone with the extra.
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isfile(os.path.join(root, "setup.cfg")):  # an installed wheel
        return f'pip install "microprop[{extra}]"'
    command = f'pip install -e ".[{extra}]"'
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:  # the working folder was deleted
        here = ""
    same = os.path.normcase(here) == os.path.normcase(os.path.realpath(root))
    return command if same else f"{command} in {root}"
