"""Drawing computation graphs: ``trace`` walks a graph and ``dot_source`` writes it as Graphviz DOT.

The DOT text is built in plain Python, and node names come from the topological order, so the text
is the same on every run and tests need no Graphviz. ``draw_dot`` wraps it in a ``graphviz.Digraph``
that Jupyter shows inline (as its DOT text and a note when Graphviz's ``dot`` is missing); the
graphviz package is imported only inside the functions that need it. A big graph is laid out to
stay readable in a notebook cell, top to bottom, rather than drawn smaller.
"""

from __future__ import annotations

import errno
import math
import os
import re
import textwrap
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import _checks
from ._files import write_atomic
from .engine import Value
from .explain import BackwardSteps, backward_steps
from .graph import check_root as _check_root
from .graph import constants as _constants
from .graph import find as _find_value
from .graph import node_name as _node_name
from .graph import number as _number
from .graph import trace
from .graph import warn as _warn

if TYPE_CHECKING:
    import graphviz

__all__ = ["trace", "dot_source", "draw_dot", "render_svg", "save", "DotNotFoundError"]

# Ops that count as a neuron's activation when they follow its `dot` node.
ACTIVATIONS = frozenset({"tanh", "relu", "sigmoid", "leaky_relu"})

_FONT = "Helvetica,Arial,sans-serif"
_ROLE_FILLS = {
    "input": "#dbe9f6",
    "parameter": "#d9f0d3",
    "loss": "#fdd9b5",
    "intermediate": "",
    "neuron": "#e6dcf2",
}
# Green and purple, so that neither is confused with the red of a highlighted path.
_POSITIVE = (90, 174, 97)  # increasing this value increases the root
_NEGATIVE = (153, 112, 171)  # increasing it decreases the root
_PATH = "#d62728"
_STEP = "#ff7f0e"
_DIM = "#b0b0b0"

_INSTALL_VIZ = 'pip install "microprop[viz]"'
_INSTALL_DOT = (
    "Graphviz's `dot` program was not found on PATH, and rendering a drawing (SVG, PNG, ...) "
    "needs it. Install the system package: apt-get install graphviz (Debian/Ubuntu), "
    "brew install graphviz (macOS), conda install graphviz, or see https://graphviz.org/download/. "
    "dot_source() and draw_dot(...).source work without it."
)


class DotNotFoundError(RuntimeError):
    """Rendering was asked for, but Graphviz's ``dot`` program is not installed."""


def dot_source(root: Value, **options: Any) -> str:
    """The DOT text of ``root``'s graph: a record per value (label | data | grad), a node per op.

    Options (all keyword, all optional; the list is made from the table ``_OPTIONS``):

    {options}

    Drawing before ``backward()`` (root.grad is 0) puts a note in the drawing and warns.
    """
    opts = _parse_options("dot_source", options)
    body, messages = _body(root, opts, "dot_source")
    _warn(messages)
    return "digraph microprop {\n" + "".join(body) + "}\n"


def draw_dot(
    root: Value, format: str = "svg", rankdir: str | None = None, **options: Any
) -> graphviz.Digraph:
    """``root``'s graph as a ``graphviz.Digraph`` whose ``.source`` is exactly ``dot_source``.

    Jupyter shows it inline; ``render_svg`` and ``save`` render it outside Jupyter. Needs the
    graphviz package (the ``viz`` extra); rendering, and only rendering, also needs Graphviz's
    ``dot`` program. ``format`` is the format rendering makes ("svg", "png", ...). The drawing
    options, the same as ``dot_source``'s (made from the table ``_OPTIONS``):

    {options}
    """
    digraph, messages = _draw("draw_dot", root, format, {**options, "rankdir": rankdir})
    _warn(messages)
    return digraph


def render_svg(graph: Value | graphviz.Digraph, **options: Any) -> str:
    """The SVG text of a drawing: pass a Digraph from ``draw_dot``, or a root and draw options."""
    digraph = _as_digraph("render_svg", graph, "svg", options)
    return str(_pipe(digraph, "svg", "utf-8"))


def save(graph: Value | graphviz.Digraph, path: str | os.PathLike[str], **options: Any) -> str:
    """Write a drawing to ``path``, in the format its suffix names (.svg, .png, .pdf, .dot, ...).

    ``.dot`` and ``.gv`` write the DOT text and need no ``dot`` program. Returns the path written.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"save: path must be a file name (str or pathlib.Path), got {type(path).__name__}"
        )
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if not suffix:
        raise ValueError(f"save: {path!r} has no suffix; name the format, e.g. graph.svg")
    if suffix in ("dot", "gv"):
        if isinstance(graph, Value):  # the text alone: no graphviz package needed
            body, messages = _body(graph, _parse_options("save", options), "save")
            for message in messages:
                warnings.warn(message, UserWarning, stacklevel=2)
            text = "digraph microprop {\n" + "".join(body) + "}\n"
        else:
            text = _as_digraph("save", graph, "svg", options).source
        _write(path, text)
        return path
    digraph = _as_digraph("save", graph, "svg", options)
    graphviz = _import_graphviz("save")
    if suffix not in graphviz.FORMATS:
        raise ValueError(f"save: unknown format {suffix!r} (from {path!r}); {_FORMAT_HINT}")
    _write(path, _pipe(digraph, suffix, None))
    return path


def _write(path: str, data: str | bytes) -> None:
    """All of the file or none of it; a missing folder or a folder as target reads as open()'s."""
    try:
        write_atomic(path, data)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path) from None
    except IsADirectoryError:
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path) from None


# ---- options -------------------------------------------------------------------------------

# Above this many values a drawing is laid out for reading in a notebook cell about 1,000 px
# wide: top to bottom, fields stacked, many inputs of one op spread over a few rows, and a
# highlight drawn as its paths only. Below it, the plain left-to-right picture fits anyway.
_BIG = 20
# Above this many values, a network (neurons found from parameter labels) is drawn collapsed.
_COLLAPSE = 150
_ROWS = 5  # the most rows a big top-to-bottom drawing spreads one op's parameters over
# Above this many drawn nodes, handing a drawing to Graphviz warns first: dot's layout grows
# faster than the graph (an 8,001-node chain takes it about 14 s).
_TOO_MANY = 2000
# Above this many, draw_dot refuses: dot would run for many minutes (dot_source still writes it).
_TOO_BIG = 20_000


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
class _Option:
    """One drawing option: its name, its default, the check of a given value, and its doc line."""

    name: str
    default: Any
    check: Callable[[str, str, Any], Any]  # (where, name, value) -> the value to draw with
    doc: str


# Every drawing option, in the order the docstrings and the "unknown option" message list them.
# Adding one is a row here, a field of _Options, its use in _read or _boxes, and its tests.
_OPTIONS = (
    _Option("show_grads", True, _flag, "the grad field; ``False`` draws a forward pass only."),
    _Option(
        "show_local_grads",
        False,
        _flag,
        "label each edge with its local derivative d(result)/d(input), the chain-rule factor, "
        "so ``grad(input) += local * grad(result)`` can be checked by eye.",
    ),
    _Option(
        "color",
        None,
        _one_of("grad", "role", None),
        '``"grad"`` fills by gradient (green positive, purple negative, stronger for larger '
        'magnitude), ``"role"`` by role (input, parameter, root/loss, intermediate).',
    ),
    _Option(
        "group",
        None,
        _one_of("neuron", "layer", None),
        '``"neuron"`` or ``"layer"``: a cluster per neuron or per layer, found from parameter '
        "labels like ``layers.1.neurons.0.w.1``.",
    ),
    _Option(
        "collapse",
        None,
        _flag_or_auto,
        "``True`` draws each neuron (its dot node and its activation) as one node, found from "
        f"parameter labels in the same way; by default a network of more than {_COLLAPSE} values "
        "is drawn so (unless a highlight folds it); ``False`` never collapses.",
    ),
    _Option(
        "highlight",
        None,
        _value_or_label,
        "a Value or a label; every path from the root to it is drawn in red.",
    ),
    _Option(
        "parameters",
        None,
        _parameter_set,
        "the Values to treat as parameters; by default, leaves with dotted labels.",
    ),
    _Option(
        "rankdir",
        None,
        _one_of("LR", "TB", "RL", "BT", None),
        '"LR", "TB", "RL" or "BT"; by default left to right for a small graph and top to bottom '
        f"for one of more than {_BIG} values, which stays readable in a notebook cell.",
    ),
    _Option(
        "path_only",
        None,
        _path_only,
        "a Value or a label: draw only the paths from the root to it (highlighted) and the inputs "
        "of the ops on them, folding the rest; ``True`` does that for ``highlight``. By default "
        f"a highlight in a graph of more than {_BIG} values is drawn so; ``False`` never folds.",
    ),
    _Option(
        "step",
        None,
        _step_number,
        "an int k, to draw the gradients as they stand after k steps of backward "
        "(see ``microprop.explain.backward_steps``) instead of the graph's real ``.grad``.",
    ),
)
_OPTION_NAMES = tuple(option.name for option in _OPTIONS)


@dataclass(frozen=True)
class _Options:
    """The checked options of one drawing: a field per row of ``_OPTIONS``, which holds defaults."""

    show_grads: bool
    show_local_grads: bool
    color: str | None
    group: str | None
    collapse: bool | None
    highlight: Value | str | None
    parameters: frozenset[Value] | None
    rankdir: str | None
    path_only: Value | str | bool | None
    step: int | None


def _parse_options(where: str, options: dict[str, Any]) -> _Options:
    """Check every option's name and value, naming the option and what it allows."""
    for name in options:
        if name not in _OPTION_NAMES:
            import difflib

            close = difflib.get_close_matches(name, _OPTION_NAMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = ", ".join(_OPTION_NAMES)
            raise TypeError(f"{where}: unknown option {name!r}{hint}; the options are {known}")
    values = {
        o.name: o.check(where, o.name, options[o.name]) if o.name in options else o.default
        for o in _OPTIONS
    }
    return _Options(**values)


def _document_options(doc: str | None) -> str | None:
    """``doc`` with its ``{options}`` line replaced by a bullet per row of ``_OPTIONS``."""
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
        for o in _OPTIONS
    ]
    return "\n".join(lines[:at] + bullets + lines[at + 1 :]) + ("\n" if doc.endswith("\n") else "")


# The public docstrings list the options from the table, so the two cannot drift apart.
dot_source.__doc__ = _document_options(dot_source.__doc__)
draw_dot.__doc__ = _document_options(draw_dot.__doc__)

# ---- reading the graph into a scene ------------------------------------------------------------


@dataclass
class _Box:
    """A drawn node: the record of a value or a collapsed neuron, or the small ellipse of an op."""

    name: str  # the DOT name: n<position in the topological order>, plus "op" for an op node
    fields: list[str]  # the record's fields, not yet escaped; an op node's one field is its op
    is_op: bool
    fill: str  # "" for none
    outline: dict[str, str]  # color and penwidth, when a highlighted path or a step marks it
    cluster: str | None  # the neuron or layer it is drawn inside, or None for the top level
    shape: str = ""  # "plaintext" for a constant (the 2 in x * 2); "" for a record or an op


@dataclass
class _Edge:
    src: str
    dst: str
    attrs: dict[str, str]  # label (a local derivative), color, penwidth, fontcolor


@dataclass
class _Scene:
    """Everything a drawing shows, as plain data, before any DOT is written."""

    boxes: list[_Box]  # in topological order
    edges: list[_Edge]
    notes: list[str]  # the caption, a line each: what colours and numbers mean, what is missing
    rankdir: str
    group: str | None  # names a cluster whose key is empty
    # Collapsed, a layer of neurons is one rank, so the drawing keeps each node's inputs in the
    # order given (neurons 0, 1, 2; a - b with a first), where Graphviz may rotate 8 neurons to
    # 2..7, 0, 1; and top to bottom it stacks a record's fields, so 8 neurons fit side by side.
    collapsed: bool
    stacked: bool = False  # a record's fields one above the other, whatever the rankdir
    inputs: list[str] = field(default_factory=list)  # input records to keep in this order


@dataclass
class _Reading:
    """What a drawing needs to know about each node of the graph, before anything is placed."""

    root: Value
    opts: _Options
    order: list[Value]
    index: dict[Value, int]
    grads: dict[Value, float] | None = None  # part-way through backward, or None for .grad
    current: Value | None = None  # the node whose backward step is drawn
    step_notes: list[str] = field(default_factory=list)
    not_backwarded: bool = False
    params: set[Value] = field(default_factory=set)
    key_of: dict[Value, str] = field(default_factory=dict)  # node -> its neuron's key
    output_of: dict[Value, Value] = field(default_factory=dict)  # a neuron's dot -> its output
    unit_of: dict[Value, Value] = field(default_factory=dict)  # collapsed: node -> neuron's dot
    hidden: set[Value] = field(default_factory=set)  # parameters drawn inside a collapsed neuron
    target: Value | None = None  # the highlighted node
    on_path: set[Value] = field(default_factory=set)  # nodes on a path from the root to it
    drawn: set[Value] | None = None  # path_only: the values drawn (None: all of them)
    kept: set[Value] = field(default_factory=set)  # path_only: values drawn with their inputs
    folded_to: Value | None = None  # path_only: the value whose paths are drawn
    big: bool = False  # more than _BIG values: laid out for a notebook cell
    rankdir: str = "LR"
    gmax: float = 0.0  # the largest finite |grad|, for color="grad"

    def grad(self, v: Value) -> float:
        return self.grads[v] if self.grads is not None else v.grad

    def role_of(self, v: Value) -> str:
        if v is self.root:
            return "loss"
        if not v._children:
            return "parameter" if v in self.params else "input"
        return "intermediate"

    def fill(self, v: Value, role: str) -> str:
        if self.opts.color == "grad":
            return _grad_fill(self.grad(v), self.gmax)
        if self.opts.color == "role":
            return _ROLE_FILLS[role]
        return ""

    def outline(self, members: tuple[Value, ...]) -> dict[str, str]:
        """How the node standing for ``members`` (one value, or a neuron) is marked."""
        attrs: dict[str, str] = {}
        if self.target is not None:
            if any(m in self.on_path for m in members):
                attrs["color"] = _PATH
                attrs["penwidth"] = "3" if self.target in members else "2"
            else:
                attrs["color"] = _DIM
        if self.current is not None and self.current in members:
            attrs["color"] = _STEP
            attrs["penwidth"] = "3"
        return attrs

    def expands(self, v: Value) -> bool:
        """Whether ``v``'s op and inputs are drawn (``path_only`` folds those off the paths)."""
        return bool(v._children) and (self.drawn is None or v in self.kept)

    def cluster_of(self, v: Value) -> str | None:
        key = self.key_of.get(v)
        if key is None or not self.opts.group:
            return None
        return key if self.opts.group == "neuron" else _layer_key(key)


def _scene(
    root: Value, opts: _Options, where: str, steps: BackwardSteps | None = None
) -> tuple[_Scene, list[str]]:
    """What to draw of ``root``'s graph, and the warnings to issue."""
    r, messages = _read(root, opts, where, steps)
    scene = _Scene(_boxes(r), _edges(r), _notes(r), r.rankdir, opts.group, bool(r.unit_of),
                   r.big, _inputs(r))
    return scene, messages


def _read(
    root: Value, opts: _Options, where: str, steps: BackwardSteps | None
) -> tuple[_Reading, list[str]]:
    _check_root(root, where)
    order = root._topological_order()
    r = _Reading(root, opts, order, {v: i for i, v in enumerate(order)})
    if opts.step is not None:
        r.grads, r.current, r.step_notes = _step_grads(root, opts.step, where, steps)

    messages: list[str] = []
    r.not_backwarded = opts.show_grads and opts.step is None and root.grad == 0.0
    if r.not_backwarded:
        messages.append(
            f"{where}: the root's grad is 0.0, so the grads drawn are not computed; call "
            "root.backward() first, or pass show_grads=False to draw the forward pass only"
        )

    r.params = _find_parameters(order, opts.parameters)
    collapse = opts.collapse
    if collapse is None:  # a network too big to read value by value is drawn neuron by neuron
        folds = opts.highlight is not None or opts.path_only not in (None, False)
        collapse = len(order) > _COLLAPSE and not folds
    if opts.group or collapse:
        r.key_of, r.output_of = _neurons(order, r.params)
        if not r.output_of and (opts.group or opts.collapse):
            option = f"group={opts.group!r}" if opts.group else "collapse=True"
            messages.append(
                f"{where}: {option} found no neuron (a dot node fed by parameters labelled like "
                "layers.0.neurons.1.w.0), so nothing is grouped"
            )

    # Collapse: a neuron instance (its dot node, and the activation after it) becomes one node,
    # and parameters that only feed neurons disappear inside them.
    if collapse:
        for z, out in r.output_of.items():
            r.unit_of[z] = z
            r.unit_of[out] = z
        outside = {c for v in order if v not in r.output_of for c in v._children if c in r.params}
        r.hidden = {p for p in r.params if p not in outside and p is not root}

    _read_paths(r, where)

    if opts.color == "grad":
        finite = [abs(r.grad(v)) for v in order if math.isfinite(r.grad(v))]
        r.gmax = max(finite, default=0.0)
    return r, messages


def _paths_to(order: list[Value], target: Value) -> set[Value]:
    """The nodes on a path from the root down to ``target``, ``target`` included."""
    on: set[Value] = set()
    for v in order:
        if v is target or any(c in on for c in v._children):
            on.add(v)
    return on


def _read_paths(r: _Reading, where: str) -> None:
    """The highlighted paths, the layout for the graph's size, and what ``path_only`` folds."""
    opts = r.opts
    r.big = len(r.order) > _BIG
    r.rankdir = opts.rankdir or ("TB" if r.big else "LR")
    if opts.highlight is not None:
        r.target = _find_value(where, "highlight", opts.highlight, r.order, r.index)
        r.on_path = _paths_to(r.order, r.target)
    fold = opts.path_only
    if fold is True and r.target is None:
        raise ValueError(
            f"{where}: path_only=True folds the graph to the paths to highlight, but no "
            "highlight is given; pass path_only=<a Value or label> or highlight=..."
        )
    if fold is None:  # by default, a highlight in a big graph is drawn as its paths only
        fold = r.target is not None and r.big
    if fold is False:
        return
    if isinstance(fold, bool):
        assert r.target is not None  # fold is True only with a highlight, checked above
        to = r.target
    else:
        to = _find_value(where, "path_only", fold, r.order, r.index)
    if r.target is None:  # path_only=<value> highlights it too
        r.target, r.on_path = to, _paths_to(r.order, to)
    r.folded_to = to
    r.kept = _paths_to(r.order, to) - {to}
    r.drawn = r.kept | {to} | {c for v in r.kept for c in v._children}


def _step_grads(
    root: Value, step: int, where: str, steps: BackwardSteps | None
) -> tuple[dict[Value, float], Value | None, list[str]]:
    """The gradients part-way through a backward step-through, the node just done, and a note."""
    if steps is None:
        steps = backward_steps(root)
    if step > len(steps):
        raise ValueError(
            f"{where}: step={step} is out of range; backward on this graph has "
            f"{len(steps)} steps, so step must be between 0 and {len(steps)}"
        )
    if step == 0:
        note = f"backward step 0 of {len(steps)}: the root's grad is set to 1"
        return steps.grads(0), None, [note]
    done = steps[step - 1]
    note = (
        f"backward step {step} of {len(steps)}: {done.name} passes its grad "
        f"{_number(done.grad)} to its inputs (orange)"
    )
    return steps.grads(step), done.node, [note]


def _boxes(r: _Reading) -> list[_Box]:
    """A record per value (or per collapsed neuron), and an op node after each computed value."""
    boxes = []
    for i, v in enumerate(r.order):
        if v in r.hidden or (v in r.unit_of and r.unit_of[v] is not v):
            continue  # inside a collapsed neuron, drawn by its dot node
        if r.drawn is not None and v not in r.drawn:
            continue  # folded away by path_only
        cluster = r.cluster_of(v)
        shown = r.output_of[v] if v in r.unit_of else v  # a neuron shows its output's numbers
        members: tuple[Value, ...] = (v, shown) if v in r.unit_of else (v,)
        if v in r.unit_of:
            fields = [r.key_of[v] or "neuron", shown._op if shown is not v else "linear"]
            fill = r.fill(shown, "neuron")
        else:
            fields = [v.label] if v.label else []
            fill = r.fill(v, r.role_of(v))
        fields.append(f"data {_number(shown.data)}")
        if r.opts.show_grads:
            fields.append(f"grad {_number(r.grad(shown))}")
        outline = r.outline(members)
        if v._children and not r.expands(v):
            outline["style"] = "dashed"  # computed from values path_only does not draw
        boxes.append(_Box(f"n{i}", fields, False, fill, outline, cluster))
        if r.expands(v) and v not in r.unit_of:
            boxes.append(_Box(f"n{i}op", [v._op], True, "", r.outline((v,)), cluster))
            for _, c in _constants(v):  # a plain number the op was given: the y in s - y
                boxes.append(_Box(f"n{i}c", [f"{c:.6g}"], False, "", {}, cluster, "plaintext"))
    return boxes


def _edges(r: _Reading) -> list[_Edge]:
    """Input -> op -> result for each value; one arrow per input into a collapsed neuron."""
    edges: list[_Edge] = []
    unit_edges: set[tuple[str, str]] = set()
    for i, v in enumerate(r.order):
        if not r.expands(v):
            continue
        is_unit = v in r.unit_of
        rows = _rows(r, v)
        for child, local, row in zip(v._children, v._local_grads, rows):
            if is_unit and (child in r.params or r.unit_of.get(child) is r.unit_of[v]):
                continue  # an edge inside a collapsed neuron
            unit = r.unit_of.get(child)
            src = f"n{r.index[unit if unit is not None else child]}"
            exact = unit is None or r.output_of[unit] is child  # drawn node shows child's number
            attrs: dict[str, str] = {}
            if is_unit:
                dst = f"n{r.index[r.unit_of[v]]}"
                if (src, dst) in unit_edges:
                    continue  # one arrow per input is enough for a collapsed neuron
                unit_edges.add((src, dst))
            else:
                dst = f"n{i}op"
                if r.opts.show_local_grads and exact:
                    attrs["label"] = " " + _number(local) + " "
            if r.target is not None:
                if child in r.on_path and v in r.on_path:
                    attrs.update(color=_PATH, penwidth="2", fontcolor=_PATH)
                else:
                    attrs["color"] = _DIM
            if r.current is not None and v is r.current:
                attrs.update(color=_STEP, penwidth="2.5", fontcolor=_STEP)
            if row > 1:
                attrs["minlen"] = str(row)
            edges.append(_Edge(src, dst, attrs))
        if not is_unit:
            attrs = {}
            if r.target is not None:
                attrs = {"color": _PATH, "penwidth": "2"} if v in r.on_path else {"color": _DIM}
            edges.append(_Edge(f"n{i}op", f"n{i}", attrs))
            for position, _ in _constants(v):  # in operand order: c's edge first for c - x
                dim = {"color": _DIM} if r.target is not None else {}
                at = len(edges) - 1 - (len(v._children) if position == 0 else 0)
                edges.insert(at, _Edge(f"n{i}c", f"n{i}op", {"style": "dashed", **dim}))
    return edges + _below(r)


def _below(r: _Reading) -> list[_Edge]:
    """Invisible edges that put a layer's parameters below the layer before it, top to bottom.

    Otherwise ``dot`` ranks them beside the previous layer's outputs, and the two layers' clusters,
    which may not overlap, are pushed side by side into a drawing too wide to read.
    """
    if not (r.big and r.rankdir in ("TB", "BT")):
        return []
    edges = []
    for v in r.order:
        if not r.expands(v):
            continue
        before = next((c for c in v._children if c._children), None)
        for c in dict.fromkeys(v._children):
            if before is not None and c in r.params and c not in r.hidden and not c._children:
                unit = r.unit_of.get(before)
                src = r.index[unit if unit is not None else before]
                edges.append(_Edge(f"n{src}", f"n{r.index[c]}", {"style": "invis"}))
    return edges


def _inputs(r: _Reading) -> list[str]:
    """The inputs of a big top-to-bottom drawing, x_1 before x_2 before x_10, by their labels.

    ``dot`` orders a row to cross fewer edges, which can put x_3 before x_2; an invisible node
    with an edge to each input, in order, keeps them as a reader counts them.
    """
    if not (r.big and r.rankdir in ("TB", "BT")):
        return []
    drawn = [
        v for v in r.order
        if not v._children and v not in r.params and (r.drawn is None or v in r.drawn)
    ]
    ordered = sorted(drawn, key=lambda v: _counting(v.label))
    return [f"n{r.index[v]}" for v in ordered] if len(ordered) > 1 else []


def _counting(label: str) -> list[tuple[int, int | str]]:
    """A sort key that counts the numbers in a label: x_2 before x_10."""
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", label) if p]


def _rows(r: _Reading, v: Value) -> list[int]:
    """How many ranks above ``v``'s op each of its inputs sits: 1, or more for many leaves.

    Top to bottom, a neuron's weights side by side would make the drawing too wide for a
    notebook cell; as a staircase of up to five rows they take a fifth of the width (the
    article's 4-2-2-1 network: 1,273 pt wide with three rows, 1,214 pt with five).
    """
    rows = [1] * len(v._children)
    leaves = [k for k, c in enumerate(v._children) if not c._children and c not in r.hidden]
    spread = [k for k in leaves if v._children[k] in r.params] if r.params else leaves
    if r.big and r.rankdir in ("TB", "BT") and len(spread) > 2:
        for n, k in enumerate(spread):
            rows[k] = 1 + n % _ROWS
        for k in set(leaves) - set(spread):
            rows[k] = _ROWS + 1  # the inputs in a row of their own, above the parameters
    return rows


def _notes(r: _Reading) -> list[str]:
    """The caption: what is missing, and what the numbers and colours mean."""
    notes = list(r.step_notes)
    if r.not_backwarded:
        notes.insert(0, "NOTE: root.grad is 0: backward() has not run, so no grad is computed yet")
    if r.opts.show_local_grads:
        notes.append(
            "edge numbers: local derivative d(result)/d(input); grad(input) += local x grad(result)"
        )
    if r.opts.color == "grad":
        notes.append("fill: green = positive grad, purple = negative, stronger = larger |grad|")
    elif r.opts.color == "role":
        notes.append(
            "fill: blue = input, green = parameter, orange = root (loss), white = intermediate"
            + (", purple = neuron" if r.unit_of else "")
        )
    if r.target is not None:
        name = _node_name(r.target, r.index[r.target])
        notes.append(f"red: every path from the root to {name}; its grad sums the products on them")
    if r.drawn is not None and r.folded_to is not None:
        name = _node_name(r.folded_to, r.index[r.folded_to])
        notes.append(
            f"path_only: {len(r.drawn)} of {len(r.order)} values, the paths to {name} and the "
            "inputs of their ops; a dashed box folds what it is computed from (path_only=False "
            "draws all)"
        )
    return notes


# ---- writing the scene as DOT text -------------------------------------------------------------


def _body(
    root: Value, opts: _Options, where: str, steps: BackwardSteps | None = None
) -> tuple[list[str], list[str]]:
    """The lines between ``digraph microprop {`` and ``}``, and the warnings to issue."""
    scene, messages = _scene(root, opts, where, steps)
    return _dot_lines(scene), messages


def _dot_lines(scene: _Scene) -> list[str]:
    graph_attrs = {"rankdir": scene.rankdir, "fontname": _FONT}
    graph_attrs.update(nodesep="0.25", ranksep="0.35")
    if scene.collapsed:
        graph_attrs["ordering"] = "in"
    if scene.notes:
        # \l ends a left-justified line in a Graphviz label.
        caption = "".join(_escape(n) + "\\l" for n in scene.notes)
        graph_attrs.update(label=caption, labelloc="b", labeljust="l", fontsize="12")
    body = [f"\tgraph {_attrs(graph_attrs)}\n"]
    body.append(f'\tnode [shape=record fontname="{_FONT}" fontsize=11 height=0.3]\n')
    body.append(f'\tedge [fontname="{_FONT}" fontsize=11 arrowsize=0.7]\n')

    # Node lines go to their cluster (or to the top level, key None), in topological order.
    horizontal = scene.stacked or scene.collapsed or scene.rankdir in ("LR", "RL")
    clusters: dict[str | None, list[str]] = {None: []}
    for box in scene.boxes:
        clusters.setdefault(box.cluster, []).append(_box_line(box, horizontal))
    body.extend(f"\t{line}\n" for line in clusters[None])
    # Clusters in the order of their names, layer 2 before layer 10.
    names = sorted((key for key in clusters if key is not None), key=_natural)
    for k, key in enumerate(names):
        label = _escape(key or scene.group or "")
        body.append(f"\tsubgraph cluster_{k} {{\n")
        body.append(f'\t\tlabel="{label}" style="rounded,dashed" color="#888888" fontsize=11\n')
        body.extend(f"\t\t{line}\n" for line in clusters[key])
        body.append("\t}\n")
    if scene.inputs:  # see _inputs: an invisible node keeps the inputs in order
        body.append("\tinputs [shape=point style=invis ordering=out]\n")
        body.extend(f"\tinputs -> {name} [style=invis]\n" for name in scene.inputs)
    for edge in scene.edges:  # edge attributes are numbers and colours: nothing to escape
        attrs = f" {_attrs(edge.attrs)}" if edge.attrs else ""
        body.append(f"\t{edge.src} -> {edge.dst}{attrs}\n")
    return body


def _box_line(box: _Box, horizontal: bool) -> str:
    if box.is_op:
        attrs = {"label": _escape(box.fields[0]), "shape": "ellipse"}
    elif box.shape:
        attrs = {"label": _escape(box.fields[0]), "shape": box.shape}
    else:
        attrs = {"label": _record(box.fields, horizontal)}
    if box.fill:
        attrs["style"] = "filled"
        attrs["fillcolor"] = box.fill
    style = ",".join(filter(None, [attrs.get("style"), box.outline.get("style")]))
    attrs.update(box.outline)
    if style:
        attrs["style"] = style  # filled and dashed: both
    return f"{box.name} {_attrs(attrs)}"


def _natural(name: str) -> list[tuple[int, int | str]]:
    return [(0, int(p)) if p.isdigit() else (1, p) for p in name.split(".")]


def _find_parameters(order: list[Value], explicit: frozenset[Value] | None) -> set[Value]:
    """The parameters among the nodes: those given, or else leaves labelled like ``a.b.0``."""
    if explicit is not None:
        return {v for v in order if v in explicit}
    return {v for v in order if not v._children and _is_parameter_label(v.label)}


def _is_parameter_label(label: str) -> bool:
    parts = label.split(".")
    return len(parts) > 1 and all(p.isidentifier() or p.isdigit() for p in parts)


def _neuron_key(label: str) -> str:
    """``layers.1.neurons.0.w.2`` -> ``layers.1.neurons.0``; ``layers.1.neurons.0.b`` too."""
    parts = label.split(".")
    return ".".join(parts[:-2] if parts[-1].isdigit() else parts[:-1])


def _layer_key(neuron: str) -> str:
    """``layers.1.neurons.0`` -> ``layers.1``."""
    parts = neuron.split(".")
    return ".".join(parts[:-2]) if len(parts) >= 2 and parts[-1].isdigit() else ""


def _neurons(order: list[Value], params: set[Value]) -> tuple[dict[Value, str], dict[Value, Value]]:
    """The neuron each node belongs to, and each neuron's dot node mapped to its output node.

    A neuron is a ``dot`` node fed by parameters of one neuron (by their labels), plus the
    activation node right after it; its parameters belong to it too.
    """
    key_of = {p: _neuron_key(p.label) for p in params}
    output_of: dict[Value, Value] = {}
    for v in order:
        if v._op == "dot":
            keys = {key_of[c] for c in v._children if c in params}
            if len(keys) == 1:
                key_of[v] = keys.pop()
                output_of[v] = v
        elif v._op in ACTIVATIONS and len(v._children) == 1:
            z = v._children[0]
            if output_of.get(z) is z:
                key_of[v] = key_of[z]
                output_of[z] = v
    return key_of, output_of


def _grad_fill(g: float, gmax: float) -> str:
    """A fill colour: hue from the sign of ``g``, strength from ``|g|`` relative to the largest."""
    if math.isnan(g):
        return "#fff2a8"
    if g == 0.0 or gmax == 0.0:
        return "#ffffff"
    t = 1.0 if math.isinf(g) else 0.15 + 0.85 * min(abs(g) / gmax, 1.0)
    base = _POSITIVE if g > 0 else _NEGATIVE
    r, gr, b = (round(255 + (c - 255) * t) for c in base)
    return f"#{r:02x}{gr:02x}{b:02x}"


def _escape(text: str) -> str:
    """Text for inside a DOT string: backslashes and quotes escaped, newlines kept as breaks."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


_RECORD_ESCAPES = str.maketrans({"\\": "\\\\", "\n": " ", **{ch: "\\" + ch for ch in '{}|<>"'}})


def _record(fields: list[str], horizontal: bool) -> str:
    """A record label; braces, bars and angle brackets in a field are escaped, not structure."""
    inner = " | ".join(text.translate(_RECORD_ESCAPES) for text in fields)
    # In left-to-right layouts fields stack vertically unless wrapped in braces.
    return "{ " + inner + " }" if horizontal else inner


def _attrs(attrs: dict[str, str]) -> str:
    """``[key="value" ...]``, values already escaped."""
    return "[" + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + "]"


# ---- graphviz --------------------------------------------------------------------------------

_FORMAT_HINT = "common formats are svg, png, pdf, jpg and dot (graphviz.FORMATS lists them all)"


def _import_graphviz(where: str) -> Any:
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            f"{where} needs the graphviz Python package: {_INSTALL_VIZ} "
            "(dot_source() needs nothing extra)"
        ) from None
    return graphviz


_digraph_class: Any = None


def _make_digraph(graphviz: Any, format: str) -> Any:
    """A Digraph whose rendering turns graphviz's ExecutableNotFound into DotNotFoundError."""
    global _digraph_class
    if _digraph_class is None:

        class Digraph(graphviz.Digraph):  # type: ignore[name-defined,misc]
            """A ``graphviz.Digraph`` that names the system package when ``dot`` is missing."""

            def pipe(self, *args: Any, **kwargs: Any) -> Any:
                try:
                    return super().pipe(*args, **kwargs)
                except graphviz.ExecutableNotFound:
                    raise DotNotFoundError(_INSTALL_DOT) from None

            def _repr_mimebundle_(self, *args: Any, **kwargs: Any) -> Any:
                # In a notebook without `dot`, show the DOT text and a note: the notebook goes on.
                try:
                    return super()._repr_mimebundle_(*args, **kwargs)
                except (graphviz.ExecutableNotFound, DotNotFoundError):
                    return _without_dot(self.source)

            def render(self, *args: Any, **kwargs: Any) -> Any:
                try:
                    return super().render(*args, **kwargs)
                except graphviz.ExecutableNotFound:
                    raise DotNotFoundError(_INSTALL_DOT) from None

        _digraph_class = Digraph
    return _digraph_class("microprop", format=format)


def _without_dot(source: str) -> dict[str, str]:
    """What a notebook shows of a drawing when Graphviz's ``dot`` program is missing."""
    import html

    note = (
        "Graphviz's dot program is not installed, so this drawing is shown as its DOT text "
        "(apt-get install graphviz, brew install graphviz or conda install graphviz draws it)."
    )
    return {
        "text/plain": note + "\n\n" + source,
        "text/html": f"<p><em>{html.escape(note)}</em></p><pre>{html.escape(source)}</pre>",
    }


def _draw(
    where: str,
    root: Value,
    format: str,
    options: dict[str, Any],
    steps: BackwardSteps | None = None,
) -> tuple[Any, list[str]]:
    graphviz = _import_graphviz(where)
    if not isinstance(format, str) or format not in graphviz.FORMATS:
        raise ValueError(f"{where}: format={format!r} is not a Graphviz format; {_FORMAT_HINT}")
    opts = _parse_options(where, options)
    scene, messages = _scene(root, opts, where, steps)
    if len(scene.boxes) > _TOO_BIG:
        raise ValueError(
            f"{where}: this drawing would have {len(scene.boxes):,} nodes, more than Graphviz's "
            f"dot lays out in reasonable time (at most {_TOO_BIG:,} are drawn); collapse=True "
            "(one node per neuron) or path_only=<a value> draws less, and dot_source() gives "
            "the DOT text of any graph"
        )
    if len(scene.boxes) > _TOO_MANY:  # a chain of 8,001 values takes dot about 14 s
        messages.append(
            f"{where}: this drawing has {len(scene.boxes)} nodes, and Graphviz's dot may take "
            "many seconds or minutes to lay it out; collapse=True (one node per neuron) or "
            "path_only=<a value> draws less, and dot_source() gives the text at once"
        )
    digraph = _make_digraph(graphviz, format)
    body = _dot_lines(scene)
    digraph.body.extend(body)
    return digraph, messages


def _draw_step(
    where: str, steps: BackwardSteps, k: int, format: str, options: dict[str, Any]
) -> tuple[Any, list[str]]:
    """``BackwardSteps.draw``'s drawing of step ``k``; microprop/__init__ hands it to explain."""
    return _draw(where, steps.root, format, {**options, "step": k}, steps)


def _as_digraph(where: str, graph: object, format: str, options: dict[str, Any]) -> Any:
    if isinstance(graph, Value):
        digraph, messages = _draw(where, graph, format, options)
        for message in messages:
            warnings.warn(message, UserWarning, stacklevel=3)  # the line calling render_svg/save
        return digraph
    graphviz = _import_graphviz(where)
    if not isinstance(graph, graphviz.Graph | graphviz.Digraph):
        raise TypeError(
            f"{where}: expected a Value or a Digraph from draw_dot, got {type(graph).__name__}"
        )
    if options:
        raise TypeError(f"{where}: drawing options apply to a Value, not to a finished Digraph")
    return graph


def _pipe(digraph: Any, format: str, encoding: str | None) -> Any:
    """Render with Graphviz's ``dot``, naming the system package when it is missing."""
    graphviz = _import_graphviz("rendering")
    try:
        return digraph.pipe(format=format, encoding=encoding)
    except graphviz.ExecutableNotFound:
        raise DotNotFoundError(_INSTALL_DOT) from None
