"""Writing a scene as Graphviz DOT text, in plain Python: no graphviz package, no ``dot`` program.

Node names come from the topological order, so the text is the same on every run and tests need
no Graphviz. ``dot_source`` is the public function; ``dot_lines`` writes the body that
``draw_dot`` hands to a ``graphviz.Digraph``.
"""

from __future__ import annotations

from typing import Any

from .drawing_options import Options, document_options, parse_options
from .engine import Value
from .explain import BackwardSteps
from .graph import warn as _warn
from .scene import Box, Scene, make_scene

_FONT = "Helvetica,Arial,sans-serif"


def dot_source(root: Value, **options: Any) -> str:
    """The DOT text of ``root``'s graph: a record per value (label | data | grad), a node per op.

    Options (all keyword, all optional; the list is made from the table
    ``drawing_options.OPTIONS``):

    {options}

    Drawing before ``backward()`` (root.grad is 0) puts a note in the drawing and warns.
    """
    opts = parse_options("dot_source", options)
    body, messages = dot_body(root, opts, "dot_source")
    _warn(messages)
    return "digraph microprop {\n" + "".join(body) + "}\n"


# The public docstring lists the options from the table, so the two cannot drift apart.
dot_source.__doc__ = document_options(dot_source.__doc__)


def dot_body(
    root: Value, opts: Options, where: str, steps: BackwardSteps | None = None
) -> tuple[list[str], list[str]]:
    """The lines between ``digraph microprop {`` and ``}``, and the warnings to issue."""
    scene, messages = make_scene(root, opts, where, steps)
    return dot_lines(scene), messages


def dot_lines(scene: Scene) -> list[str]:
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
    for edge in scene.edges:  # numbers and colours, and a label that may be a weight's name
        escaped = {k: _escape(v) if k == "label" else v for k, v in edge.attrs.items()}
        attrs = f" {_attrs(escaped)}" if edge.attrs else ""
        body.append(f"\t{edge.src} -> {edge.dst}{attrs}\n")
    return body


def _box_line(box: Box, horizontal: bool) -> str:
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
