"""Reading a graph into a scene: which boxes, clusters, edges and caption a drawing shows.

Plain data, and no Graphviz: ``make_scene`` reads a root's graph with checked ``Options`` into a
``Scene`` (boxes in topological order, edges, cluster names, caption lines and layout hints), which
``dot_text`` writes as DOT. Everything a drawing decides is decided here: what is drawn (collapsed
neurons, ``path_only``'s folding), how it is marked (fills, highlighted paths, the step of
backward), and how a big graph is laid out to stay readable in a notebook cell.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .drawing_options import BIG as _BIG
from .drawing_options import COLLAPSE as _COLLAPSE
from .drawing_options import Options
from .engine import Value
from .explain import BackwardSteps, backward_steps
from .graph import article_name as _article_name
from .graph import check_root as _check_root
from .graph import constants as _constants
from .graph import find as _find_value
from .graph import node_name as _node_name
from .graph import number as _number

# The ops drawn as a neuron's activation when they follow its `dot` node (collapse and group).
ACTIVATION_OPS = frozenset({"tanh", "relu", "sigmoid", "leaky_relu"})

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
_ROWS = 5  # the most rows a big top-to-bottom drawing spreads one op's parameters over


@dataclass
class Box:
    """A drawn node: the record of a value or a collapsed neuron, or the small ellipse of an op."""

    name: str  # the DOT name: n<position in the topological order>, plus "op" for an op node
    fields: list[str]  # the record's fields, not yet escaped; an op node's one field is its op
    is_op: bool
    fill: str  # "" for none
    outline: dict[str, str]  # color and penwidth, when a highlighted path or a step marks it
    cluster: str | None  # the neuron or layer it is drawn inside, or None for the top level
    shape: str = ""  # "plaintext" for a constant (the 2 in x * 2); "" for a record or an op


@dataclass
class Edge:
    src: str
    dst: str
    attrs: dict[str, str]  # label (a local derivative), color, penwidth, fontcolor


@dataclass
class Scene:
    """Everything a drawing shows, as plain data, before any DOT is written."""

    boxes: list[Box]  # in topological order
    edges: list[Edge]
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
    opts: Options
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

    def name(self, v: Value) -> str:
        """What a box calls ``v``: its label, or in the article's names also ``#6 (+)``."""
        if self.opts.names != "article":
            return v.label
        return _article_name(_node_name(v, self.index[v]))

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


def make_scene(
    root: Value, opts: Options, where: str, steps: BackwardSteps | None = None
) -> tuple[Scene, list[str]]:
    """What to draw of ``root``'s graph, and the warnings to issue."""
    r, messages = _read(root, opts, where, steps)
    scene = Scene(_boxes(r), _edges(r), _notes(r), r.rankdir, opts.group, bool(r.unit_of),
                  r.big, _inputs(r))
    return scene, messages


def _read(
    root: Value, opts: Options, where: str, steps: BackwardSteps | None
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


def _boxes(r: _Reading) -> list[Box]:
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
        if v in r.unit_of and r.opts.names == "article":
            fields = _neuron_fields(r, v, shown)
            fill = r.fill(shown, "neuron")
        elif v in r.unit_of:
            fields = [r.key_of[v] or "neuron", shown._op if shown is not v else "linear"]
            fill = r.fill(shown, "neuron")
        else:
            fields = [r.name(v)] if v.label or r.opts.names == "article" else []
            fill = r.fill(v, r.role_of(v))
        if r.opts.names != "article" or v not in r.unit_of:
            fields += _numbers(r, shown, "data ")
        outline = r.outline(members)
        if v._children and not r.expands(v):
            outline["style"] = "dashed"  # computed from values path_only does not draw
        boxes.append(Box(f"n{i}", fields, False, fill, outline, cluster))
        if r.expands(v) and v not in r.unit_of:
            boxes.append(Box(f"n{i}op", [v._op], True, "", r.outline((v,)), cluster))
            for _, c in _constants(v):  # a plain number the op was given: the y in s - y
                boxes.append(Box(f"n{i}c", [f"{c:.6g}"], False, "", {}, cluster, "plaintext"))
    return boxes


def _numbers(r: _Reading, v: Value, prefix: str) -> list[str]:
    """A value's data and (unless show_grads=False) grad, as a box's fields."""
    shown = [f"{prefix}{_number(v.data)}"]
    if r.opts.show_grads:
        shown.append(f"grad {_number(r.grad(v))}")
    return shown


def _neuron_fields(r: _Reading, z: Value, a: Value) -> list[str]:
    """A collapsed neuron in the article's names: ``a = f(z)``, then z's, a's and b's numbers.

    Every value the stepping text can name is in the box: z and a (one node when the neuron is
    linear), and the bias, which is drawn inside the neuron; the weights label the arrows in.
    """
    if a is z:
        fields = [f"{r.name(z)} (linear)", *_numbers(r, z, "data ")]
    else:
        fields = [f"{r.name(a)} = {a._op}({r.name(z)})"]
        fields += [" ".join(_numbers(r, z, "z ")), " ".join(_numbers(r, a, "a "))]
    arrows = _weights_in(r, z).values()
    for p in z._children:  # the bias, and weights that meet a number rather than a drawn value
        if p in r.hidden and p not in arrows:
            fields.append(" ".join(_numbers(r, p, r.name(p) + " ")))
    return fields


def _weights_in(r: _Reading, z: Value) -> dict[Value, Value]:
    """The weight on each input of a collapsed neuron: ``w.k`` meets the neuron's k-th input."""
    inputs = [c for c in z._children if c not in r.params]
    weights = {}
    for w in z._children:
        k = w.label.rsplit(".", 1)[-1]  # a weight's label ends in its number, w.0, w.1, ...
        if w in r.hidden and k.isdigit() and int(k) < len(inputs):
            weights[inputs[int(k)]] = w
    return weights


def _edges(r: _Reading) -> list[Edge]:
    """Input -> op -> result for each value; one arrow per input into a collapsed neuron."""
    edges: list[Edge] = []
    unit_edges: set[tuple[str, str]] = set()
    for i, v in enumerate(r.order):
        if not r.expands(v):
            continue
        is_unit = v in r.unit_of
        weights = _weights_in(r, v) if is_unit and r.opts.names == "article" else {}
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
                if child in weights:
                    attrs["label"] = f" {r.name(weights[child])} "
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
            edges.append(Edge(src, dst, attrs))
        if not is_unit:
            attrs = {}
            if r.target is not None:
                attrs = {"color": _PATH, "penwidth": "2"} if v in r.on_path else {"color": _DIM}
            edges.append(Edge(f"n{i}op", f"n{i}", attrs))
            for position, _ in _constants(v):  # in operand order: c's edge first for c - x
                dim = {"color": _DIM} if r.target is not None else {}
                at = len(edges) - 1 - (len(v._children) if position == 0 else 0)
                edges.insert(at, Edge(f"n{i}c", f"n{i}op", {"style": "dashed", **dim}))
    return edges + _below(r)


def _below(r: _Reading) -> list[Edge]:
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
                edges.append(Edge(f"n{src}", f"n{r.index[c]}", {"style": "invis"}))
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

    In a cluster, the outputs of the layer before sit a row above the staircase too: ``dot``
    ranks an edge into a cluster as a wish, not a rule (reversing it costs ten times its weight a
    rank, stretching it one), and stretched over the staircase, the edges from the layer before
    pulled the cluster up until the few ``_below`` edges of its top row lay flat. ``dot`` 2.43
    cannot route a flat edge between records ("lost edge", at 6-9 or 11-14 neurons in a layer).
    """
    rows = [1] * len(v._children)
    leaves = [k for k, c in enumerate(v._children) if not c._children and c not in r.hidden]
    spread = [k for k in leaves if v._children[k] in r.params] if r.params else leaves
    if r.big and r.rankdir in ("TB", "BT") and len(spread) > 2:
        for n, k in enumerate(spread):
            rows[k] = 1 + n % _ROWS
        for k in set(leaves) - set(spread):
            rows[k] = _ROWS + 1  # the inputs in a row of their own, above the parameters
        if r.cluster_of(v) is not None:
            top = max(rows[k] for k in spread) + 1
            for k, c in enumerate(v._children):
                if c._children:
                    rows[k] = top
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
        elif v._op in ACTIVATION_OPS and len(v._children) == 1:
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
