"""The checks that public functions make of their arguments, written once.

Each check takes the value, then ``what`` to call it in a message (the caller and the argument,
such as ``"MLP(seed)"``), and returns the value in the form the caller needs, or raises one kind
of message: ``MLP(seed): expected an int, a random.Random or None, got str``. A module never
writes its own copy of one of these: copies drift. More modules move onto it in later steps.
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Iterable
from typing import Any


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
            f"{what}: expected an int, a random.Random or None, got {type(seed).__name__}"
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


def few(names: list[str]) -> str:
    """The first three names and how many more, for a message that must stay one line."""
    shown = ", ".join(repr(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")
