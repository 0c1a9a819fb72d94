"""Drawing computation graphs: ``trace`` walks a graph and ``dot_source`` writes it as Graphviz DOT.

The DOT text is built in plain Python, and node names come from the topological order, so the text
is the same on every run and tests need no Graphviz. ``draw_dot`` wraps it in a ``graphviz.Digraph``
that Jupyter shows inline; the graphviz package is imported only inside the functions that need it.
"""

from __future__ import annotations

import errno
import math
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._files import write_atomic
from .engine import Value
from .explain import BackwardSteps, backward_steps
from .graph import check_root as _check_root
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

_COLORS = ("grad", "role", None)
_GROUPS = ("neuron", "layer", None)
_RANKDIRS = ("LR", "TB", "RL", "BT")
_OPTION_NAMES = (
    "show_grads",
    "show_local_grads",
    "color",
    "group",
    "collapse",
    "highlight",
    "parameters",
    "rankdir",
    "step",
)

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

    Options (all keyword, all optional):

    - ``show_grads=True``: the grad field; ``False`` draws a forward pass only.
    - ``show_local_grads=False``: label each edge with its local derivative d(result)/d(input),
      the chain-rule factor, so ``grad(input) += local * grad(result)`` can be checked by eye.
    - ``color=None | "grad" | "role"``: fill by gradient (green positive, purple negative, stronger
      for larger magnitude) or by role (input, parameter, root/loss, intermediate).
    - ``group=None | "neuron" | "layer"`` and ``collapse=False``: clusters per neuron or layer, or
      each neuron drawn as one node, found from parameter labels like ``layers.1.neurons.0.w.1``.
    - ``parameters=None``: the Values to treat as parameters; by default, leaves with dotted labels.
    - ``highlight=None``: a Value or a label; every path from the root to it is drawn in red.
    - ``rankdir="LR"``: "LR", "TB", "RL" or "BT".
    - ``step=None``: an int k, to draw the gradients as they stand after k steps of backward
      (see ``microprop.explain.backward_steps``) instead of the graph's real ``.grad``.

    Drawing before ``backward()`` (root.grad is 0) puts a note in the drawing and warns.
    """
    opts = _parse_options("dot_source", options)
    body, messages = _body(root, opts, "dot_source")
    _warn(messages)
    return "digraph microprop {\n" + "".join(body) + "}\n"


def draw_dot(
    root: Value, format: str = "svg", rankdir: str = "LR", **options: Any
) -> graphviz.Digraph:
    """``root``'s graph as a ``graphviz.Digraph`` whose ``.source`` is exactly ``dot_source``.

    Jupyter shows it inline; ``render_svg`` and ``save`` render it outside Jupyter. Takes the same
    options as ``dot_source``. Needs the graphviz package (the ``viz`` extra); rendering, and only
    rendering, also needs Graphviz's ``dot`` program.
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


@dataclass(frozen=True)
class _Options:
    show_grads: bool = True
    show_local_grads: bool = False
    color: str | None = None
    group: str | None = None
    collapse: bool = False
    highlight: Value | str | None = None
    parameters: frozenset[Value] | None = None
    rankdir: str = "LR"
    step: int | None = None


def _parse_options(where: str, options: dict[str, Any]) -> _Options:
    """Check every option's name and value, naming the option and what it allows."""
    for name in options:
        if name not in _OPTION_NAMES:
            import difflib

            close = difflib.get_close_matches(name, _OPTION_NAMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = ", ".join(_OPTION_NAMES)
            raise TypeError(f"{where}: unknown option {name!r}{hint}; the options are {known}")
    for name in ("show_grads", "show_local_grads", "collapse"):
        if name in options and type(options[name]) is not bool:
            raise TypeError(f"{where}: {name} must be True or False, got {options[name]!r}")
    for name, allowed in (("color", _COLORS), ("group", _GROUPS), ("rankdir", _RANKDIRS)):
        if name in options:
            _check_choice(where, name, options[name], allowed)
    highlight = options.get("highlight")
    if highlight is not None and not isinstance(highlight, (Value, str)):
        raise TypeError(
            f"{where}: highlight must be a Value, a label (str) or None, "
            f"got {type(highlight).__name__}"
        )
    step = options.get("step")
    if step is not None and (type(step) is not int or step < 0):
        raise ValueError(f"{where}: step must be None or an int >= 0, got {step!r}")
    values = dict(options)
    if options.get("parameters") is not None:
        values["parameters"] = _parameter_set(where, options["parameters"])
    return _Options(**values)


def _check_choice(where: str, name: str, value: object, allowed: tuple) -> None:
    if not any(value is a or (isinstance(value, str) and value == a) for a in allowed):
        names = [repr(a) for a in allowed]
        listed = ", ".join(names[:-1]) + " or " + names[-1]
        raise ValueError(f"{where}: {name}={value!r} is not allowed; expected one of {listed}")


def _parameter_set(where: str, parameters: object) -> frozenset[Value]:
    if isinstance(parameters, (str, Value)) or not isinstance(parameters, Iterable):
        raise TypeError(
            f"{where}: parameters must be an iterable of Values (e.g. model.parameters()), "
            f"got {type(parameters).__name__}"
        )
    items = list(parameters)
    for i, p in enumerate(items):
        if not isinstance(p, Value):
            raise TypeError(f"{where}: parameters[{i}] is a {type(p).__name__}, not a Value")
    return frozenset(items)


# ---- building the DOT text -----------------------------------------------------------------


def _body(
    root: Value, opts: _Options, where: str, steps: BackwardSteps | None = None
) -> tuple[list[str], list[str]]:
    """The lines between ``digraph microprop {`` and ``}``, and the warnings to issue."""
    _check_root(root, where)
    order = root._topological_order()
    index = {v: i for i, v in enumerate(order)}

    # Which gradients to show: the real ones, or those part-way through a backward step-through.
    grads: dict[Value, float] | None = None
    current = None
    notes: list[str] = []  # the caption: what colours and numbers mean, and what is missing
    if opts.step is not None:
        if steps is None:
            steps = backward_steps(root)
        if opts.step > len(steps):
            raise ValueError(
                f"{where}: step={opts.step} is out of range; backward on this graph has "
                f"{len(steps)} steps, so step must be between 0 and {len(steps)}"
            )
        grads = steps.grads(opts.step)
        if opts.step == 0:
            notes.append(f"backward step 0 of {len(steps)}: the root's grad is set to 1")
        else:
            done = steps[opts.step - 1]
            current = done.node
            notes.append(
                f"backward step {opts.step} of {len(steps)}: {done.name} passes its grad "
                f"{_number(done.grad)} to its inputs (orange)"
            )

    def grad(v: Value) -> float:
        return grads[v] if grads is not None else v.grad

    not_backwarded = opts.show_grads and opts.step is None and root.grad == 0.0
    messages: list[str] = []
    if not_backwarded:
        messages.append(
            f"{where}: the root's grad is 0.0, so the grads drawn are not computed; call "
            "root.backward() first, or pass show_grads=False to draw the forward pass only"
        )

    params = _find_parameters(order, opts.parameters)
    key_of: dict[Value, str] = {}
    output_of: dict[Value, Value] = {}
    if opts.group or opts.collapse:
        key_of, output_of = _neurons(order, params)
        if not output_of:
            option = f"group={opts.group!r}" if opts.group else "collapse=True"
            messages.append(
                f"{where}: {option} found no neuron (a dot node fed by parameters labelled like "
                "layers.0.neurons.1.w.0), so nothing is grouped"
            )

    # Collapse: a neuron instance (its dot node, and the activation after it) becomes one node,
    # and parameters that only feed neurons disappear inside them.
    unit_of: dict[Value, Value] = {}
    hidden: set[Value] = set()
    if opts.collapse:
        for z, out in output_of.items():
            unit_of[z] = z
            unit_of[out] = z
        seen_outside = {c for v in order if v not in output_of for c in v._children if c in params}
        hidden = {p for p in params if p not in seen_outside and p is not root}

    target = None
    if opts.highlight is not None:
        target = _find_value(where, "highlight", opts.highlight, order, index)
    on_path: set[Value] = set()
    if target is not None:
        for v in order:
            if v is target or any(c in on_path for c in v._children):
                on_path.add(v)

    gmax = 0.0
    if opts.color == "grad":
        finite = [abs(grad(v)) for v in order if math.isfinite(grad(v))]
        gmax = max(finite, default=0.0)

    horizontal = opts.rankdir in ("LR", "RL")  # record fields run across in both orientations

    def fill(v: Value, role: str) -> str:
        if opts.color == "grad":
            return _grad_fill(grad(v), gmax)
        if opts.color == "role":
            return _ROLE_FILLS[role]
        return ""

    def role_of(v: Value) -> str:
        if v is root:
            return "loss"
        if not v._children:
            return "parameter" if v in params else "input"
        return "intermediate"

    def style(attrs: dict[str, str], members: tuple[Value, ...], fillcolor: str) -> str:
        """The attribute list of a drawn node standing for ``members`` (one value, or a neuron)."""
        if fillcolor:
            attrs["style"] = "filled"
            attrs["fillcolor"] = fillcolor
        if target is not None:
            if any(m in on_path for m in members):
                attrs["color"] = _PATH
                attrs["penwidth"] = "3" if target in members else "2"
            else:
                attrs["color"] = _DIM
        if current is not None and current in members:
            attrs["color"] = _STEP
            attrs["penwidth"] = "3"
        return _attrs(attrs)

    # Node lines go to their cluster (or to the top level, key None), in topological order.
    clusters: dict[str | None, list[str]] = {None: []}

    def cluster_of(v: Value) -> str | None:
        key = key_of.get(v)
        if key is None or not opts.group:
            return None
        return key if opts.group == "neuron" else _layer_key(key)

    for i, v in enumerate(order):
        if v in hidden or (v in unit_of and unit_of[v] is not v):
            continue  # inside a collapsed neuron, drawn by its dot node
        lines = clusters.setdefault(cluster_of(v), [])
        if v in unit_of:
            out = output_of[v]
            fields = [key_of[v] or "neuron", out._op if out is not v else "linear"]
            fields.append(f"data {_number(out.data)}")
            if opts.show_grads:
                fields.append(f"grad {_number(grad(out))}")
            attrs = {"label": _record(fields, horizontal)}
            lines.append(f"n{i} {style(attrs, (v, out), fill(out, 'neuron'))}")
            continue
        fields = [v.label] if v.label else []
        fields.append(f"data {_number(v.data)}")
        if opts.show_grads:
            fields.append(f"grad {_number(grad(v))}")
        attrs = {"label": _record(fields, horizontal)}
        lines.append(f"n{i} {style(attrs, (v,), fill(v, role_of(v)))}")
        if v._children:
            op_attrs = {"label": _escape(v._op), "shape": "ellipse"}
            lines.append(f"n{i}op {style(op_attrs, (v,), '')}")

    edges: list[str] = []
    unit_edges: set[tuple[str, str]] = set()
    for i, v in enumerate(order):
        if not v._children:
            continue
        is_unit = v in unit_of
        for child, local in zip(v._children, v._local_grads):
            if is_unit and (child in params or child in unit_of and unit_of[child] is unit_of[v]):
                continue  # an edge inside a collapsed neuron
            if child in unit_of:
                src = f"n{index[unit_of[child]]}"
                exact = output_of[unit_of[child]] is child
            else:
                src = f"n{index[child]}"
                exact = True
            attrs = {}
            if is_unit:
                dst = f"n{index[unit_of[v]]}"
                if (src, dst) in unit_edges:
                    continue  # one arrow per input is enough for a collapsed neuron
                unit_edges.add((src, dst))
            else:
                dst = f"n{i}op"
                if opts.show_local_grads and exact:
                    attrs["label"] = " " + _number(local) + " "
            if target is not None:
                if child in on_path and v in on_path:
                    attrs.update(color=_PATH, penwidth="2", fontcolor=_PATH)
                else:
                    attrs["color"] = _DIM
            if current is not None and v is current:
                attrs.update(color=_STEP, penwidth="2.5", fontcolor=_STEP)
            edges.append(f"{src} -> {dst}" + (f" {_attrs(attrs)}" if attrs else ""))
        if not is_unit:
            attrs = {}
            if target is not None:
                attrs = {"color": _PATH, "penwidth": "2"} if v in on_path else {"color": _DIM}
            edges.append(f"n{i}op -> n{i}" + (f" {_attrs(attrs)}" if attrs else ""))

    if not_backwarded:
        notes.insert(0, "NOTE: root.grad is 0: backward() has not run, so no grad is computed yet")
    if opts.show_local_grads:
        notes.append(
            "edge numbers: local derivative d(result)/d(input); grad(input) += local x grad(result)"
        )
    if opts.color == "grad":
        notes.append("fill: green = positive grad, purple = negative, stronger = larger |grad|")
    elif opts.color == "role":
        notes.append(
            "fill: blue = input, green = parameter, orange = root (loss), white = intermediate"
            + (", purple = neuron" if unit_of else "")
        )
    if target is not None:
        name = _node_name(target, index[target])
        notes.append(f"red: every path from the root to {name}; its grad sums the products on them")

    graph_attrs = {"rankdir": opts.rankdir, "fontname": _FONT, "nodesep": "0.25", "ranksep": "0.35"}
    if notes:
        # \l ends a left-justified line in a Graphviz label.
        caption = "".join(_escape(n) + "\\l" for n in notes)
        graph_attrs.update(label=caption, labelloc="b", labeljust="l", fontsize="11")
    body = [f"\tgraph {_attrs(graph_attrs)}\n"]
    body.append(f'\tnode [shape=record fontname="{_FONT}" fontsize=11 height=0.3]\n')
    body.append(f'\tedge [fontname="{_FONT}" fontsize=9 arrowsize=0.7]\n')
    body.extend(f"\t{line}\n" for line in clusters[None])
    # Clusters in the order of their names, layer 2 before layer 10.
    names = sorted((key for key in clusters if key is not None), key=_natural)
    for k, key in enumerate(names):
        label = _escape(key or opts.group or "")
        body.append(f"\tsubgraph cluster_{k} {{\n")
        body.append(f'\t\tlabel="{label}" style="rounded,dashed" color="#888888" fontsize=10\n')
        body.extend(f"\t\t{line}\n" for line in clusters[key])
        body.append("\t}\n")
    body.extend(f"\t{line}\n" for line in edges)
    return body, messages


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

            def render(self, *args: Any, **kwargs: Any) -> Any:
                try:
                    return super().render(*args, **kwargs)
                except graphviz.ExecutableNotFound:
                    raise DotNotFoundError(_INSTALL_DOT) from None

        _digraph_class = Digraph
    return _digraph_class("microprop", format=format)


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
    body, messages = _body(root, opts, where, steps)
    digraph = _make_digraph(graphviz, format)
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
