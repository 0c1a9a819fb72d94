"""The drawing options: one table (name, default, check, doc line), and the checked set of one call.

``dot_source``, ``draw_dot``, ``render_svg`` and ``save`` take the same keyword options; each is a
row of ``OPTIONS``, checked by ``parse_options`` into an ``Options`` and listed in the public
docstrings by ``document_options``, so the table, the checks and the docs cannot drift apart.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import _checks
from .engine import Value

# Above this many values a drawing is laid out for reading in a notebook cell about 1,000 px
# wide: top to bottom, fields stacked, many inputs of one op spread over a few rows, and a
# highlight drawn as its paths only. Below it, the plain left-to-right picture fits anyway.
BIG = 20
# Above this many values, a network (neurons found from parameter labels) is drawn collapsed.
COLLAPSE = 150


def _flag(where: str, name: str, value: object) -> bool:
    return _checks.flag(value, f"{where}({name})")


def _flag_or_auto(where: str, name: str, value: object) -> bool | None:
    return None if value is None else _checks.flag(value, f"{where}({name})")


def _one_of(*allowed: str | None) -> Callable[[str, str, object], Any]:
    """A check that ``value`` is one of ``allowed`` (a str equal to one, or the very object)."""

    def check(where: str, name: str, value: object) -> object:
        if not any(value is a or (isinstance(value, str) and value == a) for a in allowed):
            names = [repr(a) for a in allowed]
            listed = ", ".join(names[:-1]) + " or " + names[-1]
            raise ValueError(f"{where}: {name}={value!r} is not allowed; expected one of {listed}")
        return value

    return check


def _value_or_label(where: str, name: str, value: object) -> object:
    if value is not None and not isinstance(value, (Value, str)):
        raise TypeError(
            f"{where}: {name} must be a Value, a label (str) or None, got {type(value).__name__}"
        )
    return value


def _path_only(where: str, name: str, value: object) -> object:
    if isinstance(value, bool) or value is None:
        return value
    return _value_or_label(where, name, value)


def _step_number(where: str, name: str, value: object) -> int | None:
    return None if value is None else _checks.integer(value, f"{where}({name})", low=0)


def _parameter_set(where: str, name: str, value: object) -> frozenset[Value] | None:
    if value is None:
        return None
    if isinstance(value, (str, Value)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{where}: {name} must be an iterable of Values (e.g. model.parameters()), "
            f"got {type(value).__name__}"
        )
    items = list(value)
    for i, p in enumerate(items):
        if not isinstance(p, Value):
            raise TypeError(f"{where}: {name}[{i}] is a {type(p).__name__}, not a Value")
    return frozenset(items)


@dataclass(frozen=True)
class Option:
    """One drawing option: its name, its default, the check of a given value, and its doc line."""

    name: str
    default: Any
    check: Callable[[str, str, Any], Any]  # (where, name, value) -> the value to draw with
    doc: str


# Every drawing option, in the order the docstrings and the "unknown option" message list them.
# Adding one is a row here, a field of Options, its use in scene.py (_read, _boxes, _edges), and
# its tests.
OPTIONS = (
    Option("show_grads", True, _flag, "the grad field; ``False`` draws a forward pass only."),
    Option(
        "show_local_grads",
        False,
        _flag,
        "label each edge with its local derivative d(result)/d(input), the chain-rule factor, "
        "so ``grad(input) += local * grad(result)`` can be checked by eye.",
    ),
    Option(
        "color",
        None,
        _one_of("grad", "role", None),
        '``"grad"`` fills by gradient (green positive, purple negative, stronger for larger '
        'magnitude), ``"role"`` by role (input, parameter, root/loss, intermediate).',
    ),
    Option(
        "group",
        None,
        _one_of("neuron", "layer", None),
        '``"neuron"`` or ``"layer"``: a cluster per neuron or per layer, found from parameter '
        "labels like ``layers.1.neurons.0.w.1``.",
    ),
    Option(
        "collapse",
        None,
        _flag_or_auto,
        "``True`` draws each neuron (its dot node and its activation) as one node, found from "
        f"parameter labels in the same way; by default a network of more than {COLLAPSE} values "
        "is drawn so (unless a highlight folds it); ``False`` never collapses.",
    ),
    Option(
        "highlight",
        None,
        _value_or_label,
        "a Value or a label; every path from the root to it is drawn in red.",
    ),
    Option(
        "parameters",
        None,
        _parameter_set,
        "the Values to treat as parameters; by default, leaves with dotted labels.",
    ),
    Option(
        "rankdir",
        None,
        _one_of("LR", "TB", "RL", "BT", None),
        '"LR", "TB", "RL" or "BT"; by default left to right for a small graph and top to bottom '
        f"for one of more than {BIG} values, which stays readable in a notebook cell.",
    ),
    Option(
        "path_only",
        None,
        _path_only,
        "a Value or a label: draw only the paths from the root to it (highlighted) and the inputs "
        "of the ops on them, folding the rest; ``True`` does that for ``highlight``. By default "
        f"a highlight in a graph of more than {BIG} values is drawn so; ``False`` never folds.",
    ),
    Option(
        "names",
        None,
        _one_of("article", None),
        '``"article"`` names parameters as the article does (``W^(1)_24`` for '
        "``layers.0.neurons.1.w.3``, ``b^(2)_1``), writes an unlabelled value's number and op "
        "(``#6 (+)``) in its box, and draws a collapsed neuron as its ``a = f(z)``, its bias, "
        "and its weights on the arrows in; by default, labels only.",
    ),
    Option(
        "step",
        None,
        _step_number,
        "an int k, to draw the gradients as they stand after k steps of backward "
        "(see ``microprop.explain.backward_steps``) instead of the graph's real ``.grad``.",
    ),
)
OPTION_NAMES = tuple(option.name for option in OPTIONS)


@dataclass(frozen=True)
class Options:
    """The checked options of one drawing: a field per row of ``OPTIONS``, which holds defaults."""

    show_grads: bool
    show_local_grads: bool
    color: str | None
    group: str | None
    collapse: bool | None
    highlight: Value | str | None
    parameters: frozenset[Value] | None
    rankdir: str | None
    path_only: Value | str | bool | None
    names: str | None
    step: int | None


def parse_options(where: str, options: dict[str, Any]) -> Options:
    """Check every option's name and value, naming the option and what it allows."""
    for name in options:
        if name not in OPTION_NAMES:
            import difflib

            close = difflib.get_close_matches(name, OPTION_NAMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = ", ".join(OPTION_NAMES)
            raise TypeError(f"{where}: unknown option {name!r}{hint}; the options are {known}")
    values = {
        o.name: o.check(where, o.name, options[o.name]) if o.name in options else o.default
        for o in OPTIONS
    }
    return Options(**values)


def document_options(doc: str | None) -> str | None:
    """``doc`` with its ``{options}`` line replaced by a bullet per row of ``OPTIONS``."""
    if doc is None:  # python -OO drops docstrings
        return None
    lines = doc.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == "{options}")
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    bullets = [
        textwrap.fill(
            f"- ``{o.name}={o.default!r}``: {o.doc}",
            width=100,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        for o in OPTIONS
    ]
    return "\n".join(lines[:at] + bullets + lines[at + 1 :]) + ("\n" if doc.endswith("\n") else "")
