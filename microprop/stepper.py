"""Stepping through backward() or training: a slider and buttons, in Jupyter or in a web page.

The idea is a small state machine (``Stepper`` over backward's steps, ``Training`` over epochs):
where we are, what to say about it (``grad(input) += local × grad(result)``, with numbers) and
which node to highlight, plain data that tests read without a browser or a kernel. The Jupyter
widget and the HTML page are two thin views of it, each showing the drawing ``viz`` makes.
"""

from __future__ import annotations

import copy
import html
import os
import re
from dataclasses import dataclass
from typing import Any

from . import _checks, viz
from ._files import output_path, write_atomic
from .drawing_options import parse_options
from .engine import Value
from .explain import BackwardSteps, backward_steps
from .graph import check_root as _check_root
from .graph import node_name as _node_name
from .graph import number as _number
from .losses import mse
from .nn import Module

__all__ = ["Stepper", "Training", "Frame", "widget", "to_html"]

MOST_FRAMES = 301  # drawings in one page: each is tens of KB and a call of Graphviz's dot
_INSTALL_WIDGETS = 'pip install "microprop[notebooks]" (or pip install ipywidgets)'


@dataclass(frozen=True)
class Frame:
    """What is shown at step ``k`` of ``n``: a counter, a title, the arithmetic, the node marked."""

    k: int
    n: int
    title: str  # "a (tanh) passes its grad 1.0000 to its input"
    lines: tuple[str, ...]  # one per input: "grad(z) += 0.8556 × 1.0000: 0.0000 → 0.8556"
    current: str | None  # the name of the node highlighted in orange, None at step 0
    unit: str = "step"  # or "epoch"

    @property
    def counter(self) -> str:
        return f"{self.unit} {self.k} of {self.n}"


class _Slides:
    """The moves and the two views that every stepper shares; a subclass says what k shows."""

    unit = "step"
    note = "Each step, one node passes its grad to its inputs: grad(input) += local × grad(node)."

    def __init__(self) -> None:
        self.k = 0
        self._svgs: dict[int, str] = {}

    def __len__(self) -> int:
        raise NotImplementedError

    def frame(self, k: int | None = None) -> Frame:
        raise NotImplementedError

    def heading(self) -> str:
        raise NotImplementedError

    def _digraph(self, k: int) -> Any:
        raise NotImplementedError

    def go(self, k: int) -> Frame:
        """Move to position ``k`` (0 to ``len(self)``) and say what is shown there."""
        what = f"{type(self).__name__}.go(k)"
        k = _checks.integer(k, what, low=0)
        if k > len(self):
            raise ValueError(
                f"{what}: k={k} is past the last {self.unit}; there are {len(self)} "
                f"{self.unit}s, so k must be between 0 and {len(self)}"
            )
        self.k = k
        return self.frame()

    def next(self) -> Frame:
        """One on; at the end, stay there."""
        return self.go(min(self.k + 1, len(self)))

    def previous(self) -> Frame:
        """One back; at 0, stay there."""
        return self.go(max(self.k - 1, 0))

    def svg(self, k: int | None = None) -> str:
        """Position ``k`` drawn as SVG text (without Graphviz's ``dot``: a note and DOT text)."""
        k = self.k if k is None else k
        svgs = self._svgs
        if k not in svgs:
            digraph = self._digraph(k)
            try:
                text = viz.render_svg(digraph)
                svgs[k] = text[text.index("<svg"):]  # no XML prolog inside a page
            except viz.DotNotFoundError:
                note = "Graphviz's dot program is not installed; the drawing as DOT text:"
                svgs[k] = f"<p>{note}</p><pre>{html.escape(digraph.source)}</pre>"
        return svgs[k]

    def widget(self) -> Any:
        """A Jupyter widget: a slider, previous and next buttons, the drawing and the arithmetic."""
        return _widget(self)

    def save_html(self, path: str | os.PathLike[str]) -> str:
        """Write the stepping as one web page with every frame inside it; returns the path.

        The page needs no network: the SVG drawings and a short script are in the file. Buttons,
        a slider and the left and right arrow keys move through it.
        """
        where = f"{type(self).__name__}.save_html"
        path = _html_path(path, f"{where}(path)")
        if len(self) + 1 > MOST_FRAMES:
            raise ValueError(
                f"{where}: {len(self) + 1} drawings ({self.unit}s 0 to {len(self)}) are more "
                f"than a page holds ({MOST_FRAMES}); step through a smaller graph, such as one "
                "sample's loss, or use widget(), which draws only the steps looked at"
            )
        write_atomic(path, _page(self))
        return path


class Stepper(_Slides):
    """Where we are in ``backward()`` on ``root``: step 0 (the root seeded) up to the last step.

    ``next()``, ``previous()`` and ``go(k)`` move (stopping at either end), ``frame()`` says what
    to show, ``svg()`` draws it. Drawing options (``color="grad"``, ``show_local_grads=True``,
    ...) are those of ``viz.draw_dot``, checked here; ``step`` is the stepper's own. Nothing in
    the graph changes: the gradients shown are replayed by ``backward_steps``.
    """

    def __init__(self, root: Value, **options: Any) -> None:
        _check_root(root, "Stepper")
        if "step" in options:
            raise TypeError(
                "Stepper: the option 'step' is set by the stepper itself; move with go(k) instead"
            )
        parse_options("Stepper", options)  # every name and value, before any work
        self.steps: BackwardSteps = backward_steps(root)
        self.options = options
        super().__init__()

    def __len__(self) -> int:
        """The number of steps; positions go from 0 to this."""
        return len(self.steps)

    def __repr__(self) -> str:
        return f"<Stepper: {self.frame().counter} of backward() on {self.root_name}>"

    @property
    def root_name(self) -> str:
        return _node_name(self.steps.root, len(self.steps.order) - 1)

    def frame(self, k: int | None = None) -> Frame:
        """What step ``k`` (default: the current one) shows, as plain text."""
        k = self.k if k is None else k
        n = len(self)
        if k == 0:
            root = self.root_name
            grad = _number(self.steps.grads(0)[self.steps.root])
            return Frame(0, n, f"{root} starts backward: its grad is set to 1",
                         (f"grad({root}) = {grad}",), None)
        step = self.steps[k - 1]
        inputs = len(step.updates)
        op = f" ({step.node._op})" if not step.name.endswith(")") else ""
        title = (f"{step.name}{op} passes its grad {_number(step.grad)} to its "
                 f"{'input' if inputs == 1 else f'{inputs} inputs'}")
        lines = tuple(
            f"grad({u.name}) += {_number(u.local)} × {_number(step.grad)}: "
            f"{_number(u.before)} → {_number(u.after)}"
            for u in step.updates
        )
        return Frame(k, n, title, lines, step.name)

    def heading(self) -> str:
        return f"backward() on {self.root_name}"

    def _digraph(self, k: int) -> Any:
        return viz.draw_step(self.steps, k, **self.options)


class Training(_Slides):
    """Gradient descent on a small network, epoch by epoch: the loss graph and each update.

    Trains a copy of ``model`` (the model itself is untouched) on rows ``X`` and targets ``y``
    with the mean squared error and plain gradient descent, ``p ← p − lr × grad``, the whole data
    set each epoch. Position 0 is the loss graph before training, with the gradients of the first
    epoch; position k is the graph after k updates, with the update of epoch k written beside it.
    Each position is one drawing, so at most 200 epochs; drawing options as for ``Stepper``.
    """

    unit = "epoch"
    note = "Each epoch: backward() gives every parameter's grad, then p ← p − lr × grad."
    _SHOWN = 12  # updates written out per epoch; the rest are counted

    def __init__(
        self, model: Module, X: Any, y: Any, *, epochs: int = 10, lr: float = 0.1, **options: Any
    ) -> None:
        if not isinstance(model, Module):
            raise TypeError("Training(model): expected a microprop.nn Module such as "
                            f"MLP(2, [3, 1]), got {type(model).__name__}")
        rows = _checks.rows(X, "Training(X)")
        targets = [_checks.finite(t, f"Training(y[{i}])")
                   for i, t in enumerate(_checks.listed(y, "Training(y)"))]
        if len(targets) != len(rows):
            raise ValueError(f"Training(y): {len(targets)} targets for {len(rows)} rows of X")
        epochs = _checks.integer(epochs, "Training(epochs)")
        if epochs > 200:
            raise ValueError(
                f"Training(epochs): at most 200 (each epoch is one drawing), got {epochs}"
            )
        self.lr = _checks.finite(lr, "Training(lr)", 0.0, low_ok=False)
        parse_options("Training", options)
        super().__init__()
        self.model = copy.deepcopy(model)
        self.losses: list[float] = []
        self._digraphs: list[Any] = []
        self._updates: list[list[tuple[str, float, float, float]]] = []
        self._train(rows, targets, epochs, options)

    def _train(self, rows: list[list[float]], y: list[float], epochs: int, options: Any) -> None:
        params = self.model.parameters()
        for epoch in range(epochs + 1):
            self.model.zero_grad()
            outputs: list[Value] = []
            for x in rows:
                out = self.model(x)
                if not isinstance(out, Value):
                    raise TypeError(f"Training(model): the model has {len(out)} outputs; "
                                    "expected one (the mean squared error of one output)")
                outputs.append(out)
            loss = mse(outputs, y)
            loss.label = "loss"
            loss.backward()
            self._digraphs.append(viz.draw_dot(loss, **options))  # its text, at this moment
            self.losses.append(loss.data)
            if epoch < epochs:
                update = [(p.label or f"parameter {i}", p.data, p.grad, p.data - self.lr * p.grad)
                          for i, p in enumerate(params)]
                for p, (_, _, _, new) in zip(params, update):
                    p.data = new  # p ← p − lr × grad, as SGD(params, lr).step() does
                self._updates.append(update)

    def __len__(self) -> int:
        """The number of epochs; positions go from 0 (before training) to this."""
        return len(self._updates)

    def __repr__(self) -> str:
        return f"<Training: {self.frame().counter}, loss {_number(self.losses[self.k])}>"

    def heading(self) -> str:
        return f"training, lr = {self.lr:g}"

    def frame(self, k: int | None = None) -> Frame:
        """What epoch ``k`` (default: the current one) shows: the loss, and epoch k's update."""
        k = self.k if k is None else k
        n, loss = len(self), _number(self.losses[k])
        if k == 0:
            title = f"before training: loss {loss}; the grads drawn are the ones epoch 1 uses"
            return Frame(0, n, title, (), None, "epoch")
        title = f"after epoch {k}: loss {loss} (was {_number(self.losses[k - 1])})"
        update = self._updates[k - 1]
        lines = [f"{name} ← {_number(old)} − {self.lr:g} × {_number(g)} = {_number(new)}"
                 for name, old, g, new in update[: self._SHOWN]]
        if len(update) > self._SHOWN:
            lines.append(f"... and {len(update) - self._SHOWN} more parameters")
        return Frame(k, n, title, tuple(lines), None, "epoch")

    def _digraph(self, k: int) -> Any:
        return self._digraphs[k]


def widget(root: Value, **options: Any) -> Any:
    """A Jupyter widget stepping through ``backward()`` on ``root`` (see ``Stepper``)."""
    _check_root(root, "widget")
    return Stepper(root, **options).widget()


def to_html(root: Value, path: str | os.PathLike[str], **options: Any) -> str:
    """Write one web page stepping through ``backward()`` on ``root``; returns the path."""
    _check_root(root, "to_html")
    path = _html_path(path, "to_html(path)")  # a bad path is refused before any drawing is made
    return Stepper(root, **options).save_html(path)


def _html_path(path: object, what: str) -> str:
    """A path that can be written, refused before anything is drawn or written if it cannot."""
    text = output_path(path, what)
    if os.path.isdir(text):
        raise IsADirectoryError(f"{what}: {text!r} is a folder; give a file name, e.g. steps.html")
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{what}: the folder {folder!r} does not exist; create it first")
    return text


# ---- the Jupyter widget --------------------------------------------------------------------


def _import_widgets() -> Any:
    try:
        import ipywidgets
    except ImportError:
        raise ImportError(f"Stepper.widget needs ipywidgets: {_INSTALL_WIDGETS}") from None
    return ipywidgets


def _widget(stepper: _Slides) -> Any:
    """The widget's parts, wired so that every control moves the one stepper."""
    w = _import_widgets()
    slider = w.IntSlider(value=stepper.k, min=0, max=len(stepper), description="step",
                         continuous_update=False)
    previous = w.Button(description="◀ previous")
    following = w.Button(description="next ▶")
    counter = w.HTML()
    drawing = w.HTML(layout=w.Layout(flex="3 1 0", overflow="auto"))
    text = w.HTML(layout=w.Layout(flex="2 1 0", padding="0 0 0 1em"))

    def show(change: object = None) -> None:
        frame = stepper.go(slider.value)
        counter.value = f"<b style='font-size:1.3em'>{frame.counter}</b>"
        drawing.value = _fit(stepper.svg())
        text.value = _arithmetic_html(frame, "1.1em")
        previous.disabled = frame.k == 0
        following.disabled = frame.k == frame.n

    slider.observe(show, names="value")
    previous.on_click(lambda _: setattr(slider, "value", stepper.previous().k))
    following.on_click(lambda _: setattr(slider, "value", stepper.next().k))
    show()
    box = w.VBox([w.HBox([previous, slider, following, counter]), w.HBox([drawing, text])])
    box.stepper = stepper  # for tests and for a learner who wants the numbers
    return box


def _fit(svg: str) -> str:
    """The drawing scaled to the width of its box (its viewBox keeps the shape), not in pt."""
    return re.sub(r'^<svg width="[\d.]+pt" height="[\d.]+pt"',
                  '<svg width="100%" style="max-height:75vh"', svg, count=1)


def _arithmetic_html(frame: Frame, size: str) -> str:
    e = html.escape
    items = []
    for line in frame.lines:  # the sum on one line, the grad it changes ("0.0 → 0.8") below
        first, *change = line.rsplit(": ", 1)
        after = f"<br><span class='change'>{e(change[0])}</span>" if change else ""
        items.append(f"<li><code>{e(first)}</code>{after}</li>")
    lines = "".join(items)
    return (
        f"<p class='title' style='font-size:{size}'>{e(frame.title)}</p>"
        f"<ul class='lines' style='font-size:{size}'>{lines}</ul>"
    )


# ---- the web page --------------------------------------------------------------------------

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 0; padding: 1rem 2rem; color: #222; }
header { display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; font-size: 1.6rem; }
h1 { font-size: 1.8rem; margin: 0 1rem 0 0; }
button { font-size: 1.5rem; padding: 0.3rem 1rem; cursor: pointer; }
input[type=range] { flex: 1; min-width: 10rem; height: 2rem; }
#counter { font-weight: bold; min-width: 9em; }
main { display: flex; gap: 2rem; margin-top: 1rem; }
main[hidden] { display: none; }
body.wide main { flex-direction: column; gap: 0; }
.drawing { flex: 3 1 0; }
.drawing svg { width: 100%; height: auto; max-height: 78vh; }
body.wide .drawing svg { max-height: 60vh; }
.text { flex: 2 1 0; font-size: 1.7rem; line-height: 1.4; }
.text code { font-size: 1.6rem; background: #fff3e6; padding: 0.1rem 0.3rem; }
.text ul { padding-left: 1.2rem; margin: 0.3rem 0; }
.text li { margin-bottom: 0.4rem; }
.text .title { margin: 0.5rem 0; }
#current { color: #d35400; font-weight: bold; }
body[data-unit=epoch] .text code { font-size: 1.15rem; }
body[data-unit=epoch] #marked { display: none; }
footer { color: #666; font-size: 1.1rem; margin-top: 1rem; }
"""

# Show frame k, keep the controls in step with it; arrows, Home and End move too.
_SCRIPT = """
const frames = document.querySelectorAll('.frame');
const slider = document.getElementById('slider');
const last = frames.length - 1;
function show(k) {
  k = Math.max(0, Math.min(last, k));
  frames.forEach((f, i) => { f.hidden = i !== k; });
  slider.value = k;
  document.getElementById('counter').textContent =
    document.body.dataset.unit + ' ' + k + ' of ' + last;
  document.getElementById('current').textContent = frames[k].dataset.current || '(none yet)';
  document.getElementById('prev').disabled = k === 0;
  document.getElementById('next').disabled = k === last;
}
const at = () => Number(slider.value);
document.getElementById('prev').onclick = () => show(at() - 1);
document.getElementById('next').onclick = () => show(at() + 1);
slider.oninput = () => show(at());
document.addEventListener('keydown', (event) => {
  const moves = {ArrowLeft: at() - 1, ArrowRight: at() + 1, Home: 0, End: last};
  if (event.key in moves) { event.preventDefault(); show(moves[event.key]); }
});
show(0);
"""


def _aspect(svg: str) -> float:
    """Width over height of an SVG drawing, from its first width and height (1 if none)."""
    found = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg[:500])
    return float(found[1]) / max(float(found[2]), 1.0) if found else 1.0


def _page(stepper: _Slides) -> str:
    """The whole page: controls on top, then for each step its drawing beside its arithmetic."""
    e = html.escape
    n = len(stepper)
    heading = e(stepper.heading())
    # A wide drawing gets the whole width, its text below; decided once, so nothing jumps.
    wide = " class='wide'" if _aspect(stepper.svg(0)) > 1.6 else ""
    frames = []
    for k in range(n + 1):
        frame = stepper.frame(k)
        frames.append(
            f"<main class='frame' data-k='{k}' data-current='{e(frame.current or '')}'"
            f"{' hidden' if k else ''}>"
            f"<div class='drawing'>{stepper.svg(k)}</div>"
            f"<div class='text'>{_arithmetic_html(frame, '1em')}</div></main>"
        )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{heading}, {stepper.unit} by {stepper.unit}</title>"
        f"<style>{_STYLE}</style></head><body{wide} data-unit='{stepper.unit}'>"
        f"<header><h1>{heading}</h1>"
        "<button id='prev' title='previous step (left arrow)'>◀ previous</button>"
        f"<input id='slider' type='range' min='0' max='{n}' value='0' aria-label='step'>"
        "<button id='next' title='next step (right arrow)'>next ▶</button>"
        f"<span id='counter'>{stepper.unit} 0 of {n}</span>"
        "<span id='marked'>in orange: <span id='current'>(none yet)</span></span></header>"
        + "".join(frames)
        + f"<footer>{e(stepper.note)} Keys: ← and → move, Home and End jump.</footer>"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
