"""The playground's code cells, run as a notebook runs them: one namespace shared by every cell,
what a cell prints, and its last expression shown (a drawing as SVG, a stepper as its page).

This runs inside the page's Python (Pyodide, in a Web Worker) and, for the tests, in any Python.
Each result is plain data (dicts, lists and strings) that the page turns into HTML itself: the
page never puts a cell's text into HTML without escaping it.
"""

from __future__ import annotations

import ast
import contextlib
import io
import linecache
import traceback
from typing import Any

_CELL = "<cell "  # each cell's file name: "<cell 3>", so a traceback shows its lines
# What one cell may print before the rest is cut (and the cut is said): a loop printing forever
# would otherwise fill the page's memory before Stop is pressed.
MOST_PRINTED = 200_000
# The largest drawing or stepping page sent to the page (dot's drawing of 20,000 nodes, the most
# draw_dot makes, is about 12 MB); and the most values one cell shows.
MOST_SHOWN = 20_000_000
MOST_OUTPUTS = 100


class _Printed(io.StringIO):
    """stdout and stderr together, in order, up to MOST_PRINTED characters."""

    def __init__(self) -> None:
        super().__init__()
        self.cut = 0

    def write(self, text: str) -> int:
        room = MOST_PRINTED - self.tell()
        if len(text) > room:
            self.cut += len(text) - max(room, 0)
            text = text[: max(room, 0)]
        super().write(text)
        return len(text)


class Cells:
    """The namespace of one page's cells, and how each value is shown."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__name__": "__main__", "display": self._display}
        self._shown: list[dict[str, str]] = []
        self.count = 0

    def run(self, code: str) -> dict[str, Any]:
        """Run ``code`` as a cell: {"printed", "outputs", "error"} (error: a traceback or None)."""
        if not isinstance(code, str):
            raise TypeError(f"Cells.run: code must be a str, got {type(code).__name__}")
        printed = _Printed()
        self._shown = []
        error = None
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            try:
                self._run(code)
            except BaseException as e:  # a cell's error is shown in the cell; the page goes on
                if isinstance(e, (SystemExit, KeyboardInterrupt)) and not _from_cell(e):
                    raise
                error = _traceback(e)
        text = printed.getvalue()
        if printed.cut:
            text += f"\n[... {printed.cut:,} more characters printed, not shown]\n"
        return {"printed": text, "outputs": self._shown, "error": error}

    def _run(self, code: str) -> None:
        self.count += 1
        name = f"{_CELL}{self.count}>"
        linecache.cache[name] = (len(code), None, code.splitlines(True), name)
        tree = ast.parse(code, name, "exec")
        last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        if last is not None:
            tree.body.pop()
        exec(compile(tree, name, "exec"), self.namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), name, "eval"), self.namespace)
            if value is not None:
                self._display(value)

    def _display(self, *values: Any) -> None:
        """Show each value below the cell, as a notebook would (``display(x)`` in a cell)."""
        for value in values:
            if len(self._shown) == MOST_OUTPUTS:
                self._shown.append({"kind": "text", "data": f"[more than {MOST_OUTPUTS} values "
                                                            "shown by one cell: the rest are not]"})
            if len(self._shown) <= MOST_OUTPUTS:
                self._shown.append(shown(value))


def shown(value: Any) -> dict[str, str]:
    """How a value is shown: {"kind": "svg" | "stepper" | "text", "data": ...}; text is cut at
    MOST_PRINTED characters, as printed text is, and a drawing or a page past MOST_SHOWN is
    named instead of sent."""
    from microprop.stepper import Stepper, Training

    if isinstance(value, (Stepper, Training)):
        return _sized("stepper", value.html(), "stepping page")
    bundle = _mimebundle(value)
    svg = bundle.get("image/svg+xml")
    if isinstance(svg, str):
        return _sized("svg", _svg_only(svg), "drawing")
    text = bundle.get("text/plain")
    return {"kind": "text", "data": _cut(text if isinstance(text, str) else repr(value))}


def _sized(kind: str, data: str, what: str) -> dict[str, str]:
    if len(data) > MOST_SHOWN:
        return {"kind": "text", "data": f"[a {what} of {len(data):,} characters, more than the "
                                        f"page shows ({MOST_SHOWN:,}); draw less]"}
    return {"kind": kind, "data": data}


def _cut(text: str) -> str:
    if len(text) <= MOST_PRINTED:
        return text
    return text[:MOST_PRINTED] + f"\n[... {len(text) - MOST_PRINTED:,} more characters, not shown]"


def _mimebundle(value: Any) -> dict[str, Any]:
    """The value's own notebook forms, where it has any (a drawing's SVG, say); IPython's
    ``(data, metadata)`` form is read as its data."""
    make = getattr(type(value), "_repr_mimebundle_", None)
    if make is not None:
        bundle = make(value)
        if isinstance(bundle, tuple) and len(bundle) == 2:
            bundle = bundle[0]
        return bundle if isinstance(bundle, dict) else {}
    svg = getattr(type(value), "_repr_svg_", None)
    return {"image/svg+xml": svg(value)} if svg is not None else {}


def _svg_only(svg: str) -> str:
    """The ``<svg>`` element itself, without the XML prolog and doctype before it."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _from_cell(error: BaseException) -> bool:
    """Whether ``error`` was raised by the cell's own code (``sys.exit()`` in a cell, say)."""
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(_CELL):
            return True
        tb = tb.tb_next
    return False


def _traceback(error: BaseException) -> str:
    """The traceback as Python prints it, from the cell's first line on (the runner's own
    frames left out): what a learner needs to find their mistake. A cell that does not parse
    has no frame of its own, so the caret under its line says it all; a SyntaxError raised
    while the cell runs (its ``eval("1 +")``, say) keeps the cell's line that raised it."""
    tb = error.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith(_CELL):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))

