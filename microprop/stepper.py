"""Stepping through backward() or training: a slider and buttons, in Jupyter or in a web page.

The idea is a small state machine (``Stepper`` over backward's steps, ``Training`` over epochs):
where we are, what to say about it (``grad(input) += local × grad(result)``, with numbers) and
which node to highlight, plain data that tests read without a browser or a kernel. The Jupyter
widget and the HTML page are two thin views of it, each showing the drawing ``viz`` makes.
"""

from __future__ import annotations

import copy
import html
import json
import os
from dataclasses import dataclass
from typing import Any

from . import _checks, article, viz
from ._files import output_path, write_atomic
from .dot_text import dot_lines
from .drawing_options import parse_options
from .engine import Value
from .explain import BackwardSteps, backward_steps
from .graph import article_name as _article_name
from .graph import check_root as _check_root
from .graph import node_name as _node_name
from .graph import number as _number
from .losses import mse
from .nn import MLP, Module
from .scene import Scene, make_scene

__all__ = ["Stepper", "Training", "Frame", "widget", "to_html"]

# A page is one drawing, laid out once by Graphviz's dot, and per position what changes in it.
# dot's time grows fastest with fan-in: a sum of 399 values (800 nodes) takes it about 8 s, of
# 1,000 (2,002 nodes) 144 s and of 3,000 minutes, where a chain of 2,001 nodes takes 4 s.
MOST_NODES = 800
# Each position is a scene read in Python and adds only its changes to the page: the 301
# positions of a chain of 300 tanh (601 nodes) take 3 s in all, dot included, and 0.9 MB.
MOST_FRAMES = 301
_INSTALL_WIDGETS = f"{_checks.install_hint('notebooks')} (or pip install ipywidgets)"


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
        """"step k of n" (or "epoch k of n"), as the page shows it."""
        return f"{self.unit} {self.k} of {self.n}"


class _Slides:
    """The moves and the two views that every stepper shares; a subclass says what k shows."""

    unit = "step"
    note = "Each step, one node passes its grad to its inputs: grad(input) += local × grad(node)."

    def __init__(self, options: dict[str, Any]) -> None:
        self.k = 0
        self.options = options
        self._svgs: dict[int, str] = {}

    def _name(self, name: str) -> str:
        """A node's name as the drawing writes it (the article's, with ``names="article"``)."""
        return _article_name(name) if self.options.get("names") == "article" else name

    def __len__(self) -> int:
        raise NotImplementedError

    def frame(self, k: int | None = None) -> Frame:
        raise NotImplementedError

    def heading(self) -> str:
        """The page's title: what is being stepped through."""
        raise NotImplementedError

    def _digraph(self, k: int) -> Any:
        raise NotImplementedError

    def _scene(self, k: int) -> Scene:
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
        if k not in self._svgs:
            self._svgs[k] = _svg_text(self._digraph(k))
        return self._svgs[k]

    def widget(self) -> Any:
        """A Jupyter widget: a slider, previous and next buttons, the drawing and the arithmetic."""
        return _widget(self)

    def save_html(self, path: str | os.PathLike[str]) -> str:
        """Write the stepping as one web page holding every position; returns the path.

        The page needs no network: one SVG drawing, what each position changes in it, and a
        short script are in the file. Buttons, a slider and the arrow keys move through it. A
        graph too big for one page (more than ``MOST_NODES`` nodes drawn, or ``MOST_FRAMES``
        positions) is refused before anything is drawn or written.
        """
        where = f"{type(self).__name__}.save_html"
        path = _html_path(path, f"{where}(path)")
        self.check_page(where)
        write_atomic(path, _page(self))
        return path

    def html(self) -> str:
        """The page ``save_html`` writes, as text (for a page that shows it in a frame)."""
        self.check_page(f"{type(self).__name__}.html")
        return _page(self)

    def check_page(self, where: str) -> None:
        """Refuse, before any drawing, a page whose layout or positions would take minutes."""
        if len(self) + 1 > MOST_FRAMES:
            raise ValueError(
                f"{where}: {len(self) + 1} positions ({self.unit}s 0 to {len(self)}) are more "
                f"than a page holds ({MOST_FRAMES}); step through a smaller graph, such as one "
                "sample's loss, or use widget(), which draws only the steps looked at"
            )
        nodes = len(self._scene(0).boxes)
        if nodes > MOST_NODES:
            raise ValueError(
                f"{where}: the drawing would have {nodes:,} nodes, more than a page draws "
                f"({MOST_NODES:,}): Graphviz's dot would lay it out for minutes, and nobody "
                "could read it; step through a smaller graph, such as one sample's loss, or "
                "draw less: collapse=True (one node per neuron) or path_only=<a value>"
            )


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
        options = _stepping_defaults(options)
        parse_options("Stepper", options)  # every name and value, before any work
        self.steps: BackwardSteps = backward_steps(root)
        super().__init__(options)


    def __len__(self) -> int:
        """The number of steps; positions go from 0 to this."""
        return len(self.steps)

    def __repr__(self) -> str:
        return f"<Stepper: {self.frame().counter} of backward() on {self.root_name}>"

    @property
    def root_name(self) -> str:
        """The root's name as drawings show it: its label, or its number and op (``#4 (+)``)."""
        return self._name(_node_name(self.steps.root, len(self.steps.order) - 1))

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
        name = self._name(step.name)
        op = f" ({step.node._op})" if not name.endswith(")") else ""
        title = (f"{name}{op} passes its grad {_number(step.grad)} to its "
                 f"{'input' if inputs == 1 else f'{inputs} inputs'}")
        lines = tuple(
            f"grad({self._name(u.name)}) += {_number(u.local)} × {_number(step.grad)}: "
            f"{_number(u.before)} → {_number(u.after)}"
            for u in step.updates
        )
        return Frame(k, n, title, lines, name)

    def heading(self) -> str:
        """``backward() on`` the root's name."""
        return f"backward() on {self.root_name}"

    def _digraph(self, k: int) -> Any:
        return viz.draw_step(self.steps, k, **self.options)

    def _scene(self, k: int) -> Scene:
        opts = parse_options("Stepper", {**self.options, "step": k})
        return make_scene(self.steps.root, opts, "Stepper", self.steps)[0]


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
        nin = getattr(model, "nin", None)
        for i, row in enumerate(rows):
            if nin is not None and len(row) != nin:
                raise ValueError(f"Training(X): row {i} has {len(row)} numbers; expected {nin}, "
                                 "one per input of the model")
        epochs = _checks.integer(epochs, "Training(epochs)")
        if epochs > 200:
            raise ValueError(
                f"Training(epochs): at most 200 (each epoch is one drawing), got {epochs}"
            )
        self.lr = _checks.finite(lr, "Training(lr)", 0.0, low_ok=False)
        options = _stepping_defaults(options)
        parse_options("Training", options)
        super().__init__(options)
        self.model = copy.deepcopy(model)
        self.losses: list[float] = []
        self._digraphs: list[Any] = []
        self._scenes: list[Scene] = []
        self._updates: list[list[tuple[str, float, float, float]]] = []
        self._train(rows, targets, epochs)

    def _train(self, rows: list[list[float]], y: list[float], epochs: int) -> None:
        params, options = self.model.parameters(), self.options
        for epoch in range(epochs + 1):
            self.model.zero_grad()
            outputs: list[Value] = []
            for x in rows:  # an MLP's values named as the article names them: z, a, s
                out = (article.forward(self.model, x).s if isinstance(self.model, MLP)
                       else self.model(x))
                if not isinstance(out, Value):
                    raise TypeError(f"Training(model): the model has {len(out)} outputs; "
                                    "expected one (the mean squared error of one output)")
                outputs.append(out)
            loss = mse(outputs, y)
            loss.label = "loss"
            loss.backward()
            self._digraphs.append(viz.draw_dot(loss, **options))  # its text, at this moment
            self._scenes.append(make_scene(loss, parse_options("Training", options), "Training")[0])
            self.losses.append(loss.data)
            if epoch < epochs:
                update = [(self._name(p.label or f"parameter {i}"), p.data, p.grad,
                           p.data - self.lr * p.grad) for i, p in enumerate(params)]
                for p, (_, _, _, new) in zip(params, update):
                    p.data = new  # p ← p − lr × grad, as SGD(params, lr).step() does
                self._updates.append(update)

    def __len__(self) -> int:
        """The number of epochs; positions go from 0 (before training) to this."""
        return len(self._updates)

    def __repr__(self) -> str:
        return f"<Training: {self.frame().counter}, loss {_number(self.losses[self.k])}>"

    def heading(self) -> str:
        """``training, lr =`` the learning rate."""
        return f"training, lr = {self.lr:g}"

    def frame(self, k: int | None = None) -> Frame:
        """What epoch ``k`` (default: the current one) shows: the loss, and epoch k's update."""
        k = self.k if k is None else k
        n, loss = len(self), _number(self.losses[k])
        if k == 0:
            title = f"before training: loss {loss}; the grads drawn are the ones epoch 1 uses"
            return Frame(0, n, title, (), None, "epoch")
        drawn = f"epoch {k + 1} uses" if k < n else "at the end"
        title = (f"after epoch {k}: loss {loss} (was {_number(self.losses[k - 1])}); the grads "
                 f"drawn are the ones {drawn}")
        update = self._updates[k - 1]
        lines = [f"{name} ← {_number(old)} − {self.lr:g} × {_number(g)} = {_number(new)}"
                 for name, old, g, new in update[: self._SHOWN]]
        if len(update) > self._SHOWN:
            lines.append(f"... and {len(update) - self._SHOWN} more parameters")
        return Frame(k, n, title, tuple(lines), None, "epoch")

    def _digraph(self, k: int) -> Any:
        return self._digraphs[k]

    def _scene(self, k: int) -> Scene:
        return self._scenes[k]


def _stepping_defaults(options: dict[str, Any]) -> dict[str, Any]:
    """The options, with what stepping needs unless they say otherwise: top to bottom (a page
    and a widget are taller than a notebook's output, and a graph reads down the screen, root
    at the bottom), and names="article", so that every node the text names (``#6 (+)``,
    ``W^(1)_24``) is named in the drawing too."""
    return {"rankdir": "TB", "names": "article", **options}


def widget(root: Value, **options: Any) -> Any:
    """A Jupyter widget stepping through ``backward()`` on ``root`` (see ``Stepper``)."""
    _check_root(root, "widget")
    return Stepper(root, **options).widget()


def to_html(root: Value, path: str | os.PathLike[str], **options: Any) -> str:
    """Write one web page stepping through ``backward()`` on ``root``; returns the path."""
    _check_root(root, "to_html")
    path = _html_path(path, "to_html(path)")  # a bad path is refused before any drawing is made
    return Stepper(root, **options).save_html(path)


def _svg_text(digraph: Any) -> str:
    """A Digraph drawn as SVG text for inside a page; without Graphviz's ``dot``, its DOT text."""
    try:
        text = viz.render_svg(digraph)
        return text[text.index("<svg"):]  # no XML prolog inside a page
    except viz.DotNotFoundError:
        note = ("Graphviz's dot program is not installed, or cannot be started here; the drawing "
                "as DOT text:")
        return f"<p>{note}</p><pre>{html.escape(digraph.source)}</pre>"


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
    # The box scrolls, not the drawing inside it, so each step keeps where the reader was.
    drawing = w.HTML(layout=w.Layout(flex="3 1 0", overflow="auto", max_height="70vh"))
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
    """The drawing at its own size, its text 11 pt (14.7 px) whatever the size of the graph (in
    the widget's box, which scrolls): scaled to the cell's width, the article's network had 5 px
    text. JupyterLab caps an SVG at its box's width; ``max-width: none`` keeps the size."""
    return svg.replace("<svg ", "<svg style='max-width:none' ", 1)


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

# The drawing fills the window beside the arithmetic and scrolls; its scale is in CSS px, so
# browser zoom makes it bigger, as a reader expects, and text never shrinks below 13 px.
_STYLE = """
* { box-sizing: border-box; }
html, body { height: 100%; }
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #222; display: flex;
       flex-direction: column; }
header { display: flex; align-items: center; gap: 0.8rem; flex-wrap: wrap; font-size: 1.3rem;
         padding: 0.4rem 1rem; border-bottom: 1px solid #ddd; }
h1 { font-size: 1.4rem; margin: 0 0.5rem 0 0; }
button { font-size: 1.2rem; padding: 0.2rem 0.8rem; cursor: pointer; }
input[type=range] { flex: 1; min-width: 8rem; height: 1.6rem; }
#counter { font-weight: bold; min-width: 8em; }
main { display: flex; flex: 1; min-height: 0; }
#view { flex: 1; overflow: auto; cursor: grab; padding: 0.5rem; min-width: 0; }
#view.dragging { cursor: grabbing; user-select: none; }
#view svg { display: block; margin: 0 auto; }
.text { flex: 0 0 30%; min-width: 16rem; overflow: auto; font-size: 1.4rem; line-height: 1.4;
        padding: 0.5rem 1rem; border-left: 1px solid #ddd; }
.text code { font-size: 1.3rem; background: #fff3e6; padding: 0.1rem 0.3rem; }
.text ul { padding-left: 1.2rem; margin: 0.3rem 0; }
.text li { margin-bottom: 0.4rem; }
.text .title { margin: 0.5rem 0; }
#current { color: #d35400; font-weight: bold; }
body[data-unit=epoch] .text code { font-size: 1.05rem; }
body[data-unit=epoch] #marked { display: none; }
footer { color: #666; font-size: 1rem; padding: 0.3rem 1rem; border-top: 1px solid #ddd; }
@media (max-width: 900px) {  /* a narrow window, or a wide one zoomed in: the text below */
  main { flex-direction: column; }
  .text { flex: 0 0 auto; max-height: 35%; border-left: none; border-top: 1px solid #ddd; }
}
"""

# One drawing, and per position only what changes in it (see _restyling): show(k) lays position
# 0's looks and then each later position's changes up to k over it, so any jump lands right.
_SCRIPT = """
const steps = [...document.querySelectorAll('template.step')].map(t => (
  {current: t.dataset.current, text: t.innerHTML, looks: JSON.parse(t.dataset.looks)}));
const slider = document.getElementById('slider');
const last = steps.length - 1;
const svg = document.querySelector('.drawing svg');
const nodes = new Map();  // a node's DOT name, which Graphviz writes as its title -> its group
if (svg) {
  svg.querySelectorAll('g.node').forEach(g => nodes.set(g.querySelector('title').textContent, g));
}
const caption = svg ? svg.querySelectorAll('g.graph > text') : [];
const set = (elements, name, value) => elements.forEach(e => e.setAttribute(name, value));
function paint(key, value) {
  const [name, what] = key.split(' ');
  if (name === 'caption') { if (caption[what]) caption[what].textContent = value; return; }
  const edge = name[0] === 'e';
  const g = edge ? document.getElementById('mp-' + name) : nodes.get(name);
  if (!g) return;
  const texts = g.querySelectorAll('text');
  if (edge) {  // its line, its arrowhead, its label
    const lines = g.querySelectorAll('path, polygon');
    const heads = g.querySelectorAll('polygon');
    if (what === 'stroke') { set(lines, 'stroke', value); set(heads, 'fill', value); }
    else if (what === 'width') set(lines, 'stroke-width', value);
    else if (what === 'font') set(texts, 'fill', value);
    else if (what === 'label' && texts[0]) texts[0].textContent = value;
    return;
  }
  const shapes = g.querySelectorAll('polygon, ellipse, polyline, path');
  if (what === 'fill') { if (shapes[0]) shapes[0].setAttribute('fill', value); }
  else if (what === 'stroke') set(shapes, 'stroke', value);
  else if (what === 'width') set(shapes, 'stroke-width', value);
  else {  // text-1 is the last field (the grad), text-2 the one before it
    const t = texts[texts.length + Number(what.slice(4))];
    if (t) t.textContent = value;
  }
}
function show(k) {
  k = Math.max(0, Math.min(last, k));
  const looks = {};
  for (let i = 0; i <= k; i++) Object.assign(looks, steps[i].looks);
  for (const key in looks) paint(key, looks[key]);
  document.querySelector('.frame .text').innerHTML = steps[k].text;
  slider.value = k;
  document.getElementById('counter').textContent =
    document.body.dataset.unit + ' ' + k + ' of ' + last;
  document.getElementById('current').textContent = steps[k].current || '(none yet)';
  document.getElementById('prev').disabled = k === 0;
  document.getElementById('next').disabled = k === last;
  follow();
}
// The drawing's scale: fit to the view's width, its smallest text kept between 13 and 22 px;
// + and - (or Ctrl and the wheel) zoom about the pointer, 0 fits again; drag or the wheel pans.
const view = document.getElementById('view');
const box = svg ? svg.viewBox.baseVal : null;
const fonts = svg ? [...svg.querySelectorAll('g.node text')].map(
  t => Number(t.getAttribute('font-size')) || 14) : [];
const smallest = (fonts.length ? Math.min(...fonts) : 14) * 4 / 3;  // px at scale 1 (pt to px)
let scale = 1;
function zoom(to, x, y) {
  if (!box) return;
  const r = view.getBoundingClientRect();
  x = x === undefined ? r.width / 2 : x; y = y === undefined ? r.height / 2 : y;
  const ax = (view.scrollLeft + x) / scale, ay = (view.scrollTop + y) / scale;
  scale = Math.max(4 / smallest, Math.min(200 / smallest, to));
  svg.style.width = (box.width * 4 / 3 * scale) + 'px';
  svg.style.height = (box.height * 4 / 3 * scale) + 'px';
  view.scrollLeft = ax * scale - x; view.scrollTop = ay * scale - y;
}
function fit() {
  if (!box) return;
  const width = view.clientWidth - 16;
  zoom(Math.max(13 / smallest, Math.min(22 / smallest, width / (box.width * 4 / 3))), 0, 0);
}
if (svg) { svg.removeAttribute('width'); svg.removeAttribute('height'); fit(); }
window.addEventListener('resize', fit);
function follow() {  // the orange node into view, if a step put it outside
  const marked = [...nodes.values()].find(g => g.querySelector('[stroke="#ff7f0e"]'))
    || (at() === 0 ? nodes.get(document.body.dataset.root) : null);  // backward starts there
  if (!marked) return;
  const m = marked.getBoundingClientRect(), v = view.getBoundingClientRect();
  if (m.top < v.top || m.bottom > v.bottom || m.left < v.left || m.right > v.right) {
    view.scrollTop += m.top + m.height / 2 - (v.top + v.height / 2);
    view.scrollLeft += m.left + m.width / 2 - (v.left + v.width / 2);
  }
}
view.addEventListener('wheel', (event) => {
  if (!event.ctrlKey) return;  // the wheel alone scrolls; with Ctrl (or a pinch) it zooms
  event.preventDefault();
  const r = view.getBoundingClientRect();
  zoom(scale * Math.exp(-event.deltaY / 300), event.clientX - r.left, event.clientY - r.top);
}, {passive: false});
let drag = null;
view.addEventListener('mousedown', (event) => {
  drag = {x: event.clientX, y: event.clientY, left: view.scrollLeft, top: view.scrollTop};
  view.classList.add('dragging');
});
window.addEventListener('mousemove', (event) => {
  if (!drag) return;
  view.scrollLeft = drag.left - (event.clientX - drag.x);
  view.scrollTop = drag.top - (event.clientY - drag.y);
});
window.addEventListener('mouseup', () => { drag = null; view.classList.remove('dragging'); });
document.getElementById('zoom-in').onclick = () => zoom(scale * 1.25);
document.getElementById('zoom-out').onclick = () => zoom(scale / 1.25);
document.getElementById('zoom-fit').onclick = fit;
const at = () => Number(slider.value);
document.getElementById('prev').onclick = () => show(at() - 1);
document.getElementById('next').onclick = () => show(at() + 1);
slider.oninput = () => show(at());
document.addEventListener('keydown', (event) => {
  const pan = {ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0]};
  const zooms = {'+': 1.25, '=': 1.25, '-': 1 / 1.25};
  const moves = {ArrowLeft: at() - 1, ArrowRight: at() + 1, Home: 0, End: last};
  if (event.ctrlKey || event.metaKey || event.altKey) return;  // the browser's own keys
  if (event.key in pan && (event.shiftKey || !(event.key in moves))) {
    event.preventDefault();  // Shift and an arrow, or up and down: pan by a fifth of the view
    const [dx, dy] = pan[event.key];
    view.scrollBy(dx * view.clientWidth / 5, dy * view.clientHeight / 5);
  } else if (event.key in moves) { event.preventDefault(); show(moves[event.key]); }
  else if (event.key in zooms) { event.preventDefault(); zoom(scale * zooms[event.key]); }
  else if (event.key === '0') { event.preventDefault(); fit(); }
  // Shown in a frame (the browser site's), Escape is the host page's: it closes the frame.
  else if (event.key === 'Escape' && window.parent !== window) parent.postMessage('escape', '*');
});
// ... and the page around the frame may pass on keys it was given ("key:ArrowRight").
window.addEventListener('message', (event) => {
  if (event.source === window.parent && typeof event.data === 'string' &&
      event.data.startsWith('key:')) {
    document.dispatchEvent(new KeyboardEvent('keydown', {key: event.data.slice(4)}));
  }
});
show(0);
"""


def _page(stepper: _Slides) -> str:
    """The whole page: controls on top, the one drawing beside the arithmetic, then the data
    of every position (what it says, and what it changes in the drawing) and the script."""
    e = html.escape
    n = len(stepper)
    scene, changes = _restyling(stepper)
    svg = _drawing(stepper, scene)
    heading = e(stepper.heading())
    texts = [_arithmetic_html(stepper.frame(k), "1em") for k in range(n + 1)]
    # Each position as a template: what it says, the node it marks, what it changes (as JSON).
    positions = "".join(
        f"<template class='step' data-k='{k}' data-current='{e(stepper.frame(k).current or '')}'"
        f" data-looks='{e(json.dumps(looks, ensure_ascii=False, separators=(',', ':')))}'>"
        f"{text}</template>"
        for k, (text, looks) in enumerate(zip(texts, changes))
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{heading}, {stepper.unit} by {stepper.unit}</title>"
        f"<style>{_STYLE}</style></head>"
        f"<body data-unit='{stepper.unit}' data-root='{e(_root_box(scene))}'>"
        f"<header><h1>{heading}</h1>"
        "<button id='prev' title='previous step (left arrow)'>◀ previous</button>"
        f"<input id='slider' type='range' min='0' max='{n}' value='0' aria-label='step'>"
        "<button id='next' title='next step (right arrow)'>next ▶</button>"
        f"<span id='counter'>{stepper.unit} 0 of {n}</span>"
        "<span id='marked'>in orange: <span id='current'>(none yet)</span></span>"
        "<span><button id='zoom-out' title='smaller (-)'>−</button>"
        "<button id='zoom-fit' title='fit to the width (0)'>fit</button>"
        "<button id='zoom-in' title='bigger (+)'>+</button></span></header>"
        f"<main class='frame'><div class='drawing' id='view'>{svg}</div>"
        f"<div class='text'>{texts[0]}</div></main>"
        f"<footer>{e(stepper.note)} Keys: ← → step, Home End jump, + − 0 zoom, ↑ ↓ pan "
        "(or drag).</footer>"
        f"{positions}"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )


def _root_box(scene: Scene) -> str:
    """The DOT name of the root's box, the last value drawn (boxes come inputs first)."""
    return next((b.name for b in reversed(scene.boxes) if not b.is_op and not b.shape), "")


def _looks(scene: Scene) -> dict[str, str]:
    """What a position may change in the drawing, by key: "n3 fill", "n3 text-1" (a field
    counted from the end, so the grad is text-1 with or without a label), "e5 stroke",
    "caption 0"; the values as the SVG has them (penwidth is stroke-width, no fill is none)."""
    looks: dict[str, str] = {}
    for box in scene.boxes:
        n = len(box.fields)
        for j, text in enumerate(box.fields):
            looks[f"{box.name} text{j - n}"] = text.replace("\n", " ")  # as a record shows it
        looks[f"{box.name} fill"] = box.fill or "none"
        looks[f"{box.name} stroke"] = box.outline.get("color", "black")
        looks[f"{box.name} width"] = box.outline.get("penwidth", "1")
    for j, edge in enumerate(scene.edges):
        attrs = edge.attrs
        looks[f"e{j} stroke"] = attrs.get("color", "black")
        looks[f"e{j} width"] = attrs.get("penwidth", "1")
        looks[f"e{j} font"] = attrs.get("fontcolor", "black")
        if "label" in attrs:
            looks[f"e{j} label"] = attrs["label"]
    looks.update((f"caption {j}", note) for j, note in enumerate(scene.notes))
    return looks


def _is_text(key: str) -> bool:
    return key.startswith("caption") or key.endswith(" label") or " text-" in key


def _restyling(stepper: _Slides) -> tuple[Scene, list[dict[str, str]]]:
    """The scene to draw once, and for each position what it changes from the one before.

    Each text is drawn as the longest it ever is, so the box around it is wide enough at
    every position; position 0's changes then set every text and every look that any later
    position changes, so that showing position k is position 0's changes and those up to k.
    """
    first = stepper._scene(0)
    start = before = _looks(first)
    changes: list[dict[str, str]] = [{}]
    widest = {key: value for key, value in start.items() if _is_text(key)}
    for k in range(1, len(stepper) + 1):
        now = _looks(stepper._scene(k))
        changed = {key: value for key, value in now.items() if before.get(key) != value}
        for key, value in changed.items():
            if _is_text(key) and len(value) > len(widest.get(key, "")):
                widest[key] = value
        changes.append(changed)
        before = now
    ever = set().union(*changes)
    changes[0] = {key: value for key, value in start.items()
                  if key in ever or widest.get(key, value) != value}
    return _widened(first, widest), changes


def _widened(scene: Scene, widest: dict[str, str]) -> Scene:
    """A copy of ``scene`` with each text its longest, and an id on each edge for the script
    (an edge's DOT names may repeat: x * x has two edges from x to its op)."""
    scene = copy.deepcopy(scene)
    for box in scene.boxes:
        n = len(box.fields)
        box.fields = [widest.get(f"{box.name} text{j - n}", text)
                      for j, text in enumerate(box.fields)]
    for j, edge in enumerate(scene.edges):
        if "label" in edge.attrs:
            edge.attrs["label"] = widest.get(f"e{j} label", edge.attrs["label"])
        edge.attrs["id"] = f"mp-e{j}"
    scene.notes = [widest.get(f"caption {j}", note) for j, note in enumerate(scene.notes)]
    return scene


def _drawing(stepper: _Slides, scene: Scene) -> str:
    """``scene`` drawn by Graphviz, once: in position 0's Digraph, its body replaced."""
    digraph = stepper._digraph(0).copy()
    digraph.body = dot_lines(scene)
    return _svg_text(digraph)
