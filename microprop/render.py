"""Graphviz itself: the ``Digraph`` that ``draw_dot`` returns, rendering it with the ``dot``
program, and writing drawings to files.

The graphviz package is imported only inside the functions that need it, and only rendering needs
Graphviz's ``dot`` program: without it, rendering raises ``DotNotFoundError`` naming the system
package, and a notebook shows the DOT text and a note instead of the drawing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ._checks import install_hint
from ._files import write_atomic
from .dot_text import dot_body, dot_lines
from .drawing_options import document_options, parse_options
from .engine import Value
from .explain import BackwardSteps
from .graph import warn as _warn
from .scene import make_scene

if TYPE_CHECKING:
    import graphviz


_INSTALL_DOT = (
    "Graphviz's `dot` program was not found on PATH, and rendering a drawing (SVG, PNG, ...) "
    "needs it. Install the system package: apt-get install graphviz (Debian/Ubuntu), "
    "brew install graphviz (macOS), conda install graphviz, or see https://graphviz.org/download/. "
    "dot_source() and draw_dot(...).source work without it."
)


class DotNotFoundError(RuntimeError):
    """Rendering was asked for, but Graphviz's ``dot`` program is not installed, or this Python
    cannot start it (Pyodide, in a web page, cannot start any program)."""


class _DotCannotStart(DotNotFoundError):
    """``dot`` may be installed, but this Python cannot start it."""


def _cannot_start(why: str) -> str:
    """Why ``dot`` did not run when starting it failed, rather than finding it."""
    return (
        f"Graphviz's `dot` program could not be started here ({why}): this Python cannot run "
        "other programs, as in Pyodide, or may not run that one. dot_source() and "
        "draw_dot(...).source work without it; in a web page, Graphviz compiled to WebAssembly "
        "(the npm package @viz-js/viz) draws that DOT text."
    )

# Above this many drawn nodes, handing a drawing to Graphviz warns first: dot's layout grows
# faster than the graph (an 8,001-node chain takes it about 14 s).
_TOO_MANY = 2000
# Above this many, draw_dot refuses: dot would run for many minutes (dot_source still writes it).
_TOO_BIG = 20_000


def draw_dot(
    root: Value, format: str = "svg", rankdir: str | None = None, **options: Any
) -> graphviz.Digraph:
    """``root``'s graph as a ``graphviz.Digraph`` whose ``.source`` is exactly ``dot_source``.

    Jupyter shows it inline; ``render_svg`` and ``save`` render it outside Jupyter. Needs the
    graphviz package (the ``viz`` extra); rendering, and only rendering, also needs Graphviz's
    ``dot`` program. ``format`` is the format rendering makes ("svg", "png", ...). The drawing
    options, the same as ``dot_source``'s (made from the table ``drawing_options.OPTIONS``):

    {options}
    """
    digraph, messages = _draw("draw_dot", root, format, {**options, "rankdir": rankdir})
    _warn(messages)
    return digraph


# The public docstring lists the options from the table, so the two cannot drift apart.
draw_dot.__doc__ = document_options(draw_dot.__doc__)


def draw_step(
    steps: BackwardSteps, k: int, format: str = "svg", **options: Any
) -> graphviz.Digraph:
    """A drawing of the graph after ``k`` steps of ``steps = backward_steps(root)``.

    The node that just stepped is orange, and the gradients are those after ``k`` steps (0: only
    the root is seeded). ``format`` and the drawing options are ``draw_dot``'s.
    """
    digraph, messages = _draw_step("draw_step", steps, k, format, options)
    _warn(messages)
    return digraph


def draw_steps(
    steps: BackwardSteps, format: str = "svg", **options: Any
) -> Iterator[graphviz.Digraph]:
    """One drawing per moment of ``steps``: after step 0 (only the root seeded), 1, ..., len."""
    _check_steps("draw_steps", steps)  # now, not at the first drawing
    return _frames(steps, format, options)


def _frames(steps: BackwardSteps, format: str, options: dict[str, Any]) -> Iterator[Any]:
    for k in range(len(steps) + 1):
        digraph, messages = _draw_step("draw_steps", steps, k, format, options)
        _warn(messages)
        yield digraph


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
            body, messages = dot_body(graph, parse_options("save", options), "save")
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



_FORMAT_HINT = "common formats are svg, png, pdf, jpg and dot (graphviz.FORMATS lists them all)"


def _import_graphviz(where: str) -> Any:
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            f"{where} needs the graphviz Python package: {install_hint('viz')} "
            "(dot_source() needs nothing extra)"
        ) from None
    return graphviz


_digraph_class: Any = None


def _make_digraph(graphviz: Any, format: str) -> Any:
    """A Digraph whose rendering turns graphviz's ExecutableNotFound into DotNotFoundError."""
    global _digraph_class
    if _digraph_class is None:

        class Digraph(graphviz.Digraph):  # type: ignore[misc]
            """A ``graphviz.Digraph`` that names the system package when ``dot`` is missing."""

            def pipe(self, *args: Any, **kwargs: Any) -> Any:
                format = kwargs.get("format", args[0] if args else None) or self.format
                if _svg_renderer is not None and format == "svg":
                    return _rendered_svg(_svg_renderer, self.source, kwargs.get("encoding"))
                with _running_dot(graphviz):
                    return super().pipe(*args, **kwargs)

            def _repr_mimebundle_(self, *args: Any, **kwargs: Any) -> Any:
                if _svg_renderer is not None:
                    return {"image/svg+xml": _rendered_svg(_svg_renderer, self.source, "utf-8")}
                # In a notebook without `dot`, show the DOT text and a note: the notebook goes on.
                try:
                    with _running_dot(graphviz):
                        return super()._repr_mimebundle_(*args, **kwargs)
                except DotNotFoundError as e:
                    return _without_dot(self.source, isinstance(e, _DotCannotStart))

            def render(self, *args: Any, **kwargs: Any) -> Any:
                with _running_dot(graphviz):
                    return super().render(*args, **kwargs)

        _digraph_class = Digraph
    return _digraph_class("microprop", format=format)


# A function that draws DOT text as SVG text in place of the dot program: in a web page, Graphviz
# compiled to WebAssembly (set by the page, through set_svg_renderer).
_svg_renderer: Callable[[str], str] | None = None


def set_svg_renderer(render: Callable[[str], str] | None) -> Callable[[str], str] | None:
    """Draw SVG with ``render(dot_text) -> svg_text`` instead of Graphviz's ``dot`` program;
    ``None`` goes back to ``dot``. Returns the renderer that was set before.

    For where no program can be started, as in a web page (Pyodide), where ``@viz-js/viz``
    (Graphviz compiled to WebAssembly) draws: then ``render_svg``, ``save`` to .svg, a drawing
    shown in a notebook and the stepping pages all draw with it. Other formats still need ``dot``.
    """
    global _svg_renderer
    if render is not None and not callable(render):
        raise TypeError(
            "set_svg_renderer: expected a function taking DOT text and returning SVG text, "
            f"or None, got {type(render).__name__}"
        )
    before, _svg_renderer = _svg_renderer, render
    return before


def _rendered_svg(render: Callable[[str], str], source: str, encoding: str | None) -> str | bytes:
    """``source`` drawn by the renderer given to ``set_svg_renderer``, checked to be SVG."""
    svg = render(source)
    if not isinstance(svg, str) or "<svg" not in svg:
        shown = repr(svg)[:60]
        raise TypeError(
            "the renderer given to set_svg_renderer must return SVG text (a str holding "
            f"'<svg'), got {type(svg).__name__} {shown}"
        )
    return svg if encoding else svg.encode("utf-8")


# Where no program can be started at all: Pyodide (in a web page) and WASI. There subprocess
# raises OSError (Pyodide's errno 138, "not supported"), which says nothing about `dot`.
_NO_PROCESSES = sys.platform in ("emscripten", "wasi")
_NOT_SUPPORTED = {errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


@contextlib.contextmanager
def _running_dot(graphviz: Any) -> Iterator[None]:
    """Graphviz's ``dot`` run inside: not found, or not startable, is a ``DotNotFoundError``
    (any other error, such as a folder that cannot be written, stays what it is)."""
    if _NO_PROCESSES:
        raise _DotCannotStart(_cannot_start(f"sys.platform is {sys.platform!r}"))
    try:
        yield
    except graphviz.ExecutableNotFound:
        raise DotNotFoundError(_INSTALL_DOT) from None
    except OSError as e:
        if e.errno not in _NOT_SUPPORTED:
            raise
        raise _DotCannotStart(_cannot_start(str(e))) from None


def _without_dot(source: str, cannot_start: bool = False) -> dict[str, str]:
    """What a notebook shows of a drawing when Graphviz's ``dot`` program is missing."""
    import html

    note = (
        "Graphviz's dot program is not installed, so this drawing is shown as its DOT text "
        "(apt-get install graphviz, brew install graphviz or conda install graphviz draws it)."
    ) if not cannot_start else (
        "Graphviz's dot program cannot be started by this Python (as in Pyodide), so this "
        "drawing is shown as its DOT text (@viz-js/viz draws it in a web page)."
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
    opts = parse_options(where, options)
    scene, messages = make_scene(root, opts, where, steps)
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
    body = dot_lines(scene)
    digraph.body.extend(body)
    return digraph, messages




def _check_steps(where: str, steps: object) -> None:
    if not isinstance(steps, BackwardSteps):
        raise TypeError(
            f"{where}: steps must be what backward_steps(root) returns, got {type(steps).__name__}"
        )


def _draw_step(
    where: str, steps: BackwardSteps, k: int, format: str, options: dict[str, Any]
) -> tuple[Any, list[str]]:
    """The drawing of step ``k`` of ``steps``, and the warnings to issue."""
    _check_steps(where, steps)
    return _draw(where, steps.root, format, {**options, "step": k}, steps)


def _as_digraph(where: str, graph: object, format: str, options: dict[str, Any]) -> Any:
    if isinstance(graph, Value):
        digraph, messages = _draw(where, graph, format, options)
        for message in messages:
            warnings.warn(message, UserWarning, stacklevel=3)  # the line calling render_svg/save
        return digraph
    try:
        import graphviz
    except ImportError:  # no graphviz package: then no Digraph either, and the input is wrong
        graphviz = None
    if graphviz is None or not isinstance(graph, graphviz.Graph | graphviz.Digraph):
        raise TypeError(
            f"{where}: expected a Value or a Digraph from draw_dot, got {type(graph).__name__}"
        )
    if options:
        raise TypeError(f"{where}: drawing options apply to a Value, not to a finished Digraph")
    return graph


def _pipe(digraph: Any, format: str, encoding: str | None) -> Any:
    """Render with Graphviz's ``dot``, naming the system package when it is missing."""
    if _svg_renderer is not None and format == "svg":
        return _rendered_svg(_svg_renderer, digraph.source, encoding)
    graphviz = _import_graphviz("rendering")
    with _running_dot(graphviz):
        return digraph.pipe(format=format, encoding=encoding)
