"""The machinery every bad-input table shares: the Row, how a table adds one, and the check.

A row is an id (a readable call), a call with no arguments, the exception it must raise and the
words its message must contain; an exact-message check is a row whose words are the whole message.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from microprop import Value

try:
    import numpy as np
except ImportError:  # pragma: no cover - numpy comes with matplotlib and torch
    np = None


@dataclass(frozen=True)
class Row:
    id: str
    call: Callable[[], object]
    error: type[BaseException]
    words: tuple[str, ...]
    whole: bool = False  # the one word is the whole message, not a part of it


def table() -> tuple[list, Callable[..., None]]:
    """A module's list of rows, and the ``row(id, call, error, *words)`` that adds to it."""
    rows: list = []

    def row(id: str, call: Callable[[], object], error: type[BaseException], *words: str) -> None:
        whole = id.endswith("(whole message)")  # the tables' convention for exact messages
        rows.append(pytest.param(Row(id, call, error, words, whole), id=id))

    return rows, row


def check(case: Row, tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The call raises the row's error, its message says every word, and no temp file is left."""
    monkeypatch.chdir(tmp_path)  # rows that write files write them here
    with pytest.raises(case.error) as info:
        case.call()
    message = str(info.value)
    missing = [w for w in case.words if w not in message]
    assert not missing, f"{type(info.value).__name__}: {message!r} does not say {missing}"
    if case.whole:
        assert (message,) == case.words
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def short(x: object) -> str:
    """A bad value as it reads in a test id."""
    if np is not None and isinstance(x, np.ndarray):
        return f"np.array({x.tolist()!r})"
    if isinstance(x, Value):
        return f"Value({x.data!r})"
    if isinstance(x, list) and len(x) <= 4:
        return "[" + ", ".join(short(v) for v in x) + "]"
    if isinstance(x, type) or callable(x):
        return getattr(x, "__name__", type(x).__name__).replace("<lambda>", "lambda")
    if type(x) is object:
        return "object()"
    text = repr(x)
    return text if len(text) <= 24 else text[:21] + "..."


def call_id(template: str, bad: object) -> str:
    """``"Neuron(nin=?)"`` with the bad value in place of ``?``."""
    return template.replace("?", short(bad), 1)


nan, inf = math.nan, math.inf

# Wrong types where a number goes (each names its type in the message).
NOT_NUMBERS = {"str": "1.0", "None": None, "complex": 1j, "list": [1.0], "nested list": [[1.0]]}
if np is not None:
    NOT_NUMBERS["ndarray"] = np.array([1.0, 2.0])


def written(text: str) -> str:
    """A file ``bad.json`` holding ``text`` (in the row's own temporary folder)."""
    with open("bad.json", "w") as f:
        f.write(text)
    return "bad.json"
