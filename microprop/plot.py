"""Plots for training: the loss per epoch, a model's decision regions on two features, a
confusion matrix, and ``live``, the first two redrawn in a notebook while ``fit`` runs.

Each function returns a matplotlib ``Figure`` (made without pyplot, so a notebook shows it once
and a script saves it with ``fig.savefig``). matplotlib is imported only when a plot is asked for.
"""

from __future__ import annotations

import io
import math
import numbers
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from . import _checks
from .engine import Value, no_grad
from .nn import Module
from .train import Epoch, _check_model

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_loss", "plot_decision_boundary", "plot_confusion_matrix", "live"]

_MAX_RESOLUTION = 1000  # 1000 x 1000 is already a million forward passes
_REGION_COLORS = ("#c6dbef", "#fdd0a2")  # score <= threshold, score > threshold
_CLASS_COLORS = ("#2171b5", "#d94801", "#238b45", "#6a51a3", "#cb181d", "#525252")


def plot_loss(
    history: Any,
    *,
    ax: Axes | None = None,
    log: bool = False,
    title: str | None = None,
) -> Figure:
    """The loss per epoch as a line, from a ``History`` (``fit``'s result) or a list of numbers.

    A mapping such as ``{"train": [...], "test": [...]}`` draws one line per entry. ``log=True``
    uses a logarithmic y axis. Draws into ``ax`` when given, else into a new figure.
    """
    where = "plot_loss"
    series, reason = _loss_series(history)
    _checks.flag(log, f"{where}(log)")
    if log:
        for name, values in series.items():
            bad = [v for v in values if not v > 0.0]
            if bad:
                raise ValueError(f"{where}: log=True needs losses > 0, but {name!r} has {bad[0]!r}")
    fig, ax = _figure_and_axes(where, ax)
    for name, values in series.items():
        ax.plot(
            range(1, len(values) + 1), values, marker="." if len(values) < 60 else None, label=name
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if log:
        ax.set_yscale("log")
    if title is None:
        title = "loss per epoch" + (f" (stopped: {reason})" if reason else "")
    ax.set_title(title)
    if len(series) > 1:
        ax.legend()
    ax.grid(True, alpha=0.3)
    return fig


def plot_decision_boundary(
    model: Callable[[list[float]], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    *,
    features: Sequence[int] | None = None,
    at: Sequence[float] | None = None,
    class_names: Sequence[str] | None = None,
    resolution: int = 80,
    threshold: float | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """The regions where ``model`` decides each class, on two features, with the data on top.

    ``model`` takes a list of floats and returns a Value, a number, or a list of them (an
    ``MLP`` does). It is evaluated under ``no_grad()`` on a ``resolution`` x ``resolution`` grid
    covering the points ``X``; ``y`` holds their labels, one colour per class.

    - One output: the regions are where the score is above and below ``threshold`` (default 0,
      which suits a hinge loss on labels -1/1 and a logit for labels 0/1), with the line between.
    - k outputs: each region is the class of the largest output (the arg-max, as ``predict``
      gives), ``y`` holds class indices 0 to k-1, and ``class_names`` may name them.

    ``X`` has rows of 2 features, or, with ``features=(i, j)``, rows of any width: features i and
    j are plotted and every other feature is held at ``at[k]`` (a full row; default the mean of
    ``X``), so a 4-input model can be drawn on two of its inputs.
    """
    where = "plot_decision_boundary"
    points, labels, raw, full = _boundary_arguments(where, model, X, y, resolution, features, at)
    # A NaN threshold would colour every point "below", so finite() refuses it.
    cut = None if threshold is None else _checks.finite(_data(threshold), f"{where}(threshold)")
    fig, ax = _figure_and_axes(where, ax)
    xs, ys = _grid(where, points, resolution)
    scores = _scores(where, model, xs, ys, full)
    classes, names, cut = _classes(where, scores.shape[2], labels, raw, cut, class_names)
    _draw_scores(ax, xs, ys, scores, cut)
    handles, default = _draw_data(ax, points, classes, names, cut)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    i, j = full.features
    ax.set_xlabel(f"x[{i}]")
    ax.set_ylabel(f"x[{j}]")
    ax.set_title(title if title is not None else default)
    ax.legend(handles=handles, loc="best", fontsize="small")
    return fig


def plot_confusion_matrix(
    y_true: Sequence[int],
    y_pred: Sequence[int],
    *,
    class_names: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """How often each true class (a row) was predicted as each class (a column), as counts.

    ``y_true`` and ``y_pred`` are class indices, such as a data set's labels and
    ``predict(model, X)``. The classes are 0 to k-1, where k is ``len(class_names)`` when names
    are given, else one more than the largest index seen. The diagonal holds the right answers.
    """
    where = "plot_confusion_matrix"
    counts, names = _confusion_arguments(where, y_true, y_pred, class_names)
    fig, ax = _figure_and_axes(where, ax)
    k = len(names)
    ax.imshow(counts, cmap="Blues", vmin=0, vmax=max(1, counts.max()))
    half = counts.max() / 2
    for t in range(k):
        for p in range(k):
            n = int(counts[t, p])
            ax.text(p, t, str(n), ha="center", va="center",
                    color="white" if n > half else "black")
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    right = int(counts.trace())
    total = int(counts.sum())
    default = f"confusion matrix: {right} of {total} right"
    ax.set_title(title if title is not None else default)
    return fig


# ---- the decision boundary's steps -----------------------------------------------------------


class _Features:
    """Where the two plotted features sit in the model's input row, and the rest of that row."""

    def __init__(self, features: tuple[int, int], base: list[float]) -> None:
        self.features = features
        self.base = base

    def row(self, a: float, b: float) -> list[float]:
        r = list(self.base)
        r[self.features[0]], r[self.features[1]] = a, b
        return r


def _boundary_arguments(
    where: str, model: Any, X: Any, y: Any, resolution: Any, features: Any, at: Any,
    also: str = "",
) -> tuple[list[tuple[float, float]], list[float], list[Any], _Features]:
    """The points, their labels and the model's input rows, checked before anything is drawn;
    ``also`` ends the message for rows of more than two features."""
    if not callable(model):
        raise TypeError(f"{where}: model must be callable, got {type(model).__name__}")
    points, full = _points(where, X, features, at, also)
    # A label may be True or False (as a target may): it is 1 or 0.
    rule = "every label must be finite"
    raw = _sequence(y, f"{where}(y)", "labels")
    labels = [
        _checks.element(_data(v), f"{where}(y): label {i}", rule, bools=True)
        for i, v in enumerate(raw)
    ]
    if len(labels) != len(points):
        raise ValueError(
            f"{where}: X has {len(points)} rows but y has {len(labels)} labels; "
            "they must have the same length"
        )
    _resolution(where, resolution)
    return points, labels, raw, full


def _resolution(where: str, resolution: object) -> int:
    """The grid's points along each feature: 2 to ``_MAX_RESOLUTION``."""
    what = f"{where}(resolution)"
    n = _checks.integer(resolution, what, low=2)
    if n > _MAX_RESOLUTION:
        raise ValueError(f"{what}: expected an int from 2 to {_MAX_RESOLUTION}, got {n!r:.40}")
    return n


def _grid(where: str, points: list[tuple[float, float]], resolution: int) -> tuple[Any, Any]:
    """The grid's x and y coordinates: the points' range on each feature, padded by a tenth."""
    import numpy as np  # matplotlib depends on numpy, so it is there when matplotlib is

    axes = []
    for k in (0, 1):
        lo = min(p[k] for p in points)
        hi = max(p[k] for p in points)
        pad = 0.1 * (hi - lo) if hi > lo else 1.0
        if not math.isfinite(lo - pad) or not math.isfinite(hi + pad):
            raise ValueError(
                f"{where}: feature {k} spans [{lo:g}, {hi:g}], too wide a range for a float grid"
            )
        axes.append(np.linspace(lo - pad, hi + pad, resolution))
    return axes[0], axes[1]


def _scores(where: str, model: Any, xs: Any, ys: Any, full: _Features) -> Any:
    """The model's outputs at every grid point, ``[i, j, c]`` for ``ys[i]``, ``xs[j]``, output c;
    evaluated without building graphs."""
    import numpy as np

    scores = None
    with no_grad():
        for i, b in enumerate(ys.tolist()):
            for j, a in enumerate(xs.tolist()):
                out = _outputs(where, model(full.row(a, b)), a, b)
                if scores is None:
                    scores = np.empty((len(ys), len(xs), len(out)))
                elif len(out) != scores.shape[2]:
                    raise ValueError(
                        f"{where}: model returned {len(out)} outputs at ({a!r}, {b!r}) but "
                        f"{scores.shape[2]} before; it must return the same number everywhere"
                    )
                scores[i, j] = out
    return scores


def _classes(
    where: str, k: int, labels: list[float], raw: list[Any], cut: float | None, names: Any
) -> tuple[list[Any], list[str] | None, float]:
    """The points' classes, the classes' names and the threshold, for a model of ``k`` outputs.

    One output: the labels as they are, no names, and the threshold (default 0). k outputs:
    class indices 0 to k-1, k names, and no threshold (each region is the largest output's).
    """
    if k == 1:
        return labels, None, 0.0 if cut is None else cut
    if cut is not None:
        raise ValueError(
            f"{where}: threshold is for a model with one output, but this one has {k}; "
            "with k outputs each region is the class of the largest output"
        )
    names = _class_names(where, names, k)
    classes = [_checks.class_index(v, f"{where}(y): label {i}", k) for i, v in enumerate(raw)]
    return classes, names, 0.0


def _draw_scores(ax: Any, xs: Any, ys: Any, scores: Any, cut: float) -> list[Any]:
    """The regions of one output (above and below ``cut``) or of k (the largest); the artists."""
    if scores.shape[2] == 1:
        return _draw_regions(ax, xs, ys, scores[:, :, 0], cut)
    return _draw_class_regions(ax, xs, ys, scores)


def _draw_data(
    ax: Any, points: Any, classes: list[Any], names: list[str] | None, cut: float
) -> tuple[list[Any], str]:
    """The points on top; the legend's handles and the default title."""
    handles = _draw_points(ax, points, classes, names)
    if names is not None:
        return handles, f"decision regions of {len(names)} classes (the largest output wins)"
    handles += _patches(
        [_REGION_COLORS[1], _REGION_COLORS[0]], [f"score > {cut:g}", f"score <= {cut:g}"]
    )
    return handles, f"decision boundary (score = {cut:g})"


def _draw_regions(ax: Any, xs: Any, ys: Any, scores: Any, cut: float) -> list[Any]:
    """Two colours for above and below the threshold, and the line between them if it shows."""
    above = (scores > cut).astype(float)
    drawn = [ax.contourf(xs, ys, above, levels=[-0.5, 0.5, 1.5], colors=_REGION_COLORS)]
    if scores.min() < cut < scores.max():
        drawn.append(ax.contour(xs, ys, scores, levels=[cut], colors="#333333", linewidths=1.2))
    return drawn


def _draw_class_regions(ax: Any, xs: Any, ys: Any, scores: Any) -> list[Any]:
    """One light colour per class where its output is the largest, and lines between them."""
    k = scores.shape[2]
    winner = scores.argmax(axis=2).astype(float)
    colors = [_light(_CLASS_COLORS[c % len(_CLASS_COLORS)]) for c in range(k)]
    levels = [c - 0.5 for c in range(k + 1)]
    drawn = [ax.contourf(xs, ys, winner, levels=levels, colors=colors)]
    if winner.min() < winner.max():
        drawn.append(ax.contour(xs, ys, winner, levels=levels[1:-1], colors="#333333",
                                linewidths=1.0))
    return drawn


def _draw_points(
    ax: Any,
    points: list[tuple[float, float]],
    labels: Sequence[float],
    names: Sequence[str] | None = None,
) -> list[Any]:
    """The data on top; one colour per class, in sorted order, or class c's colour with names.
    Returns the legend handles."""
    classes = sorted(set(labels))
    for c, cls in enumerate(classes):
        mine = [p for p, label in zip(points, labels, strict=True) if label == cls]
        color = c if names is None else int(cls)
        ax.scatter(
            [p[0] for p in mine],
            [p[1] for p in mine],
            s=22,
            color=_CLASS_COLORS[color % len(_CLASS_COLORS)],
            edgecolors="white",
            linewidths=0.5,
            label=f"y = {cls:g}" if names is None else names[int(cls)],
        )
    handles, _ = ax.get_legend_handles_labels()
    return list(handles)


def _patches(colors: list[str], labels: list[str]) -> list[Any]:
    from matplotlib.patches import Patch

    return [Patch(color=c, label=t) for c, t in zip(colors, labels, strict=True)]


def _light(color: str) -> str:
    """``color`` (``#rrggbb``) mixed three parts white to one, for a region behind the points."""
    parts = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - v) / 4):02x}" for v in parts)


def _class_names(where: str, names: Any, k: int) -> list[str]:
    """``k`` names of classes, or ``class 0``, ``class 1``, ... when none are given."""
    if names is None:
        return [f"class {c}" for c in range(k)]
    what = f"{where}(class_names)"
    out = _sequence(names, what, "names")
    for i, n in enumerate(out):
        if not isinstance(n, str):
            raise TypeError(f"{what}: name {i} is a {type(n).__name__}, expected a str")
    if len(out) != k:
        raise ValueError(f"{what}: got {len(out)} names for {k} classes; expected one per class")
    return out


def _confusion_arguments(
    where: str, y_true: Any, y_pred: Any, class_names: Any
) -> tuple[Any, list[str]]:
    """The k x k counts (rows: true class, columns: predicted) and the k class names."""
    import numpy as np

    pairs = []
    for arg, values in (("y_true", y_true), ("y_pred", y_pred)):
        what = f"{where}({arg})"
        pairs.append([
            _checks.class_index(v, f"{what}: item {i}") for i, v in enumerate(
                _sequence(values, what, "class indices"))
        ])
    true, pred = pairs
    if len(true) != len(pred):
        raise ValueError(
            f"{where}: y_true has {len(true)} labels but y_pred has {len(pred)}; "
            "they must have the same length"
        )
    if not true:
        raise ValueError(f"{where}(y_true): no labels; expected at least one")
    k = max(true + pred) + 1 if class_names is None else len(_sequence(
        class_names, f"{where}(class_names)", "names"))
    names = _class_names(where, class_names, k)
    for arg, values in (("y_true", true), ("y_pred", pred)):
        for i, v in enumerate(values):
            _checks.class_index(v, f"{where}({arg}): item {i}", k)
    counts = np.zeros((k, k), dtype=int)
    for t, p in zip(true, pred, strict=True):
        counts[t, p] += 1
    return counts, names


# ---- the live view -----------------------------------------------------------------------------

_FIRST_FRAME = 0.06  # seconds to draw a frame's axes and PNG, a guess until one has been timed
_NO_LOSS_CURVE = "; for the loss curve alone, leave out X and y: live(model)"


def live(
    model: Module,
    X: Sequence[Sequence[float]] | None = None,
    y: Sequence[float] | None = None,
    *,
    every: int = 5,
    budget: float | None = 0.1,
    resolution: int = 24,
    features: Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
    threshold: float | None = None,
    callback: Callable[[Epoch], bool | None] | None = None,
) -> LiveView:
    """A figure that redraws itself in the notebook cell while ``fit`` runs:
    ``fit(model, X, y, callback=live(model, X, y))``.

    It shows the loss per epoch and, given points ``X`` and their labels ``y``, the model's
    decision regions as ``plot_decision_boundary`` draws them, on a ``resolution`` x
    ``resolution`` grid (rows of 2 features, or any number with ``features=(i, j)``);
    ``live(model)`` shows the loss alone. Every argument is checked here, before training
    (the model runs once, on the first row).

    It is cheap: it redraws after every ``every``-th epoch, and only while drawing has taken at
    most ``budget`` of the time spent training so far (keeping a frame's time in hand for the
    last epoch, which is always drawn: at once if it is fit's last, else when the cell ends);
    ``budget=None`` redraws every ``every`` epochs whatever that costs. A fast training is
    drawn few times: there was little to watch.

    Outside a Jupyter kernel (a script, a terminal) nothing is drawn while training, and
    ``view.figure`` is drawn when asked for, showing the latest epoch, ready for ``savefig``.

    It never stops training itself: it returns what ``callback`` (called with each ``Epoch``
    after the view's own work) returns, so a callback of your own can still stop ``fit``.
    """
    where = "live"
    model = _check_model(model, where)
    every = _checks.integer(every, f"{where}(every)")
    if budget is not None:
        budget = _checks.finite(budget, f"{where}(budget)", 0.0, 1.0, low_ok=False, high_ok=True)
    if callback is not None and not callable(callback):
        raise TypeError(f"{where}(callback): expected a function of an Epoch, or None, got "
                        f"{type(callback).__name__} {callback!r:.40}")
    regions = None
    if X is not None or y is not None:
        regions = _region_arguments(where, model, X, y, resolution, features, class_names,
                                    threshold)
    else:
        _no_regions(where, resolution, features=features, class_names=class_names,
                    threshold=threshold)
    return LiveView(model, regions, every, budget, callback)


def _region_arguments(
    where: str, model: Module, X: Any, y: Any, resolution: Any, features: Any, names: Any,
    threshold: Any,
) -> dict[str, Any]:
    """What the region panel needs, checked: the points, their classes and names, the grid, the
    threshold; and how long one run of the model takes, to guess a frame's cost."""
    if X is None or y is None:
        given, absent = ("X", "y") if y is None else ("y", "X")
        raise TypeError(f"{where}: got {given} but no {absent}; give both for the decision "
                        "regions, or neither for the loss curve alone: live(model)")
    points, labels, raw, full = _boundary_arguments(where, model, X, y, resolution, features,
                                                    None, _NO_LOSS_CURVE)
    cut = None if threshold is None else _checks.finite(_data(threshold), f"{where}(threshold)")
    a, b = points[0]
    start = time.perf_counter()
    with no_grad():
        k = len(_outputs(where, model(full.row(a, b)), a, b))
    seconds = time.perf_counter() - start
    classes, names, cut = _classes(where, k, labels, raw, cut, names)
    xs, ys = _grid(where, points, resolution)
    return {"points": points, "classes": classes, "names": names, "cut": cut, "full": full,
            "xs": xs, "ys": ys, "guess": seconds * len(xs) * len(ys)}


def _no_regions(where: str, resolution: Any, **options: Any) -> None:
    """Refuse options of the regions without the data to draw them."""
    _resolution(where, resolution)
    for name, value in options.items():
        if value is not None:
            raise ValueError(f"{where}({name}): only used for the decision regions, with X and "
                             "y: live(model, X, y, ...)")


class LiveView:
    """The loss per epoch and the decision regions, redrawn while ``fit`` runs (see ``live``)."""

    def __init__(self, model: Module, regions: dict[str, Any] | None, every: int,
                 budget: float | None, callback: Callable[[Epoch], bool | None] | None) -> None:
        self.every, self.budget, self._model, self._callback = every, budget, model, callback
        self.frames = 0  # shown in the notebook during the latest fit
        self._fig, self._loss_ax, self._line = _live_figure(regions is not None)
        self._regions = None if regions is None else _Regions(self._fig.axes[1], regions)
        guess = 0.0 if regions is None else regions["guess"]
        self._cost = guess + _FIRST_FRAME  # seconds a frame takes: the latest one's, once timed
        self._history: Any = None
        self._seen: Epoch | None = None  # the latest epoch fit showed the view
        self._drawn: Epoch | None = None  # the one the figure shows
        self._shown: Epoch | None = None  # the one the notebook shows
        self._notebook: _Jupyter | None = None
        self._handle: Any = None
        self._trained = self._spent = self._back = 0.0

    @property
    def figure(self) -> Figure:
        """The figure, showing the latest epoch fit has shown the view (drawn now if not yet)."""
        if self._seen is not None and self._drawn is not self._seen:
            self._draw(self._seen)
        return self._fig

    def __call__(self, e: Epoch) -> bool | None:
        """Note the epoch, redraw if one is due and affordable; what ``callback`` says, or None."""
        now = time.perf_counter()
        if e.history is not self._history:
            self._begin(e)
        else:
            self._trained += now - self._back  # training since the view last returned
        self._seen = e
        answer = None if self._callback is None else self._callback(e)
        last = e.epoch == e.epochs or answer is True
        if self._notebook is not None and (last or self._due(e.epoch)):
            self._show()
        self._back = time.perf_counter()
        return answer

    def _begin(self, e: Epoch) -> None:
        """A new fit: the same model, a new place in the output, and the clocks at zero."""
        if e.model is not self._model:
            raise ValueError(
                "live: fit trains another model than the one live was given; give both the "
                "same one: fit(model, X, y, callback=live(model, X, y))")
        self._finish()  # the previous fit's last epoch, if it is not shown yet
        self._history, self._handle, self.frames = e.history, None, 0
        self._trained = self._spent = 0.0  # epoch 1 is not timed: the view sees its end only
        self._notebook = _notebook()
        if self._notebook is not None:
            self._notebook.at_cell_end(self._finish)

    def _due(self, epoch: int) -> bool:
        """Every ``every`` epochs, while the frames so far and two more fit in the budget: the
        next, and the last epoch's, which is always drawn."""
        if epoch % self.every:
            return False
        return self.budget is None or self._spent + 2 * self._cost <= self.budget * self._trained

    def _show(self) -> None:
        """Draw the latest epoch and show it in the cell's output; its time counts."""
        assert self._seen is not None and self._notebook is not None
        start = time.perf_counter()
        self._draw(self._seen)
        frame = _Png(_png(self._fig))
        if self._handle is None:
            self._handle = self._notebook.display(frame)
        else:
            self._handle.update(frame)
        self._shown = self._seen
        self.frames += 1
        self._cost = time.perf_counter() - start
        self._spent += self._cost

    def _finish(self) -> None:
        """Show the latest epoch if the notebook does not show it yet (fit stopped early)."""
        if self._notebook is not None and self._seen is not None and self._shown is not self._seen:
            self._show()

    def _draw(self, e: Epoch) -> None:
        losses = e.history.losses[: e.epoch]
        self._line.set_data(range(1, len(losses) + 1), losses)
        self._loss_ax.set_xlim(0.5, max(e.epochs, len(losses)) + 0.5)
        self._loss_ax.relim()
        self._loss_ax.autoscale_view(scalex=False)
        self._loss_ax.set_title(f"epoch {e.epoch} of {e.epochs}: loss {e.loss:.4g}")
        if self._regions is not None:
            self._regions.draw(e.model)
        self._drawn = e


class _Regions:
    """The region panel: the points and legend drawn once, the regions again each frame."""

    def __init__(self, ax: Any, r: dict[str, Any]) -> None:
        self.ax, self.xs, self.ys, self.full, self.cut = ax, r["xs"], r["ys"], r["full"], r["cut"]
        handles, self.title = _draw_data(ax, r["points"], r["classes"], r["names"], self.cut)
        for points in ax.collections:
            points.set_zorder(3)  # above each frame's regions, drawn later
        ax.legend(handles=handles, loc="best", fontsize="small")
        ax.set_xlim(self.xs[0], self.xs[-1])
        ax.set_ylim(self.ys[0], self.ys[-1])
        i, j = self.full.features
        ax.set_xlabel(f"x[{i}]")
        ax.set_ylabel(f"x[{j}]")
        ax.set_title(self.title)
        self.drawn: list[Any] = []

    def draw(self, model: Module) -> None:
        try:
            scores = _scores("live", model, self.xs, self.ys, self.full)
        except ValueError:  # a score of nan or inf: fit says what went wrong, if it goes on
            self.ax.set_title("decision regions: the model gives scores that are not finite")
            return
        for artist in self.drawn:
            artist.remove()
        self.drawn = _draw_scores(self.ax, self.xs, self.ys, scores, self.cut)
        self.ax.set_title(self.title)


def _live_figure(regions: bool) -> tuple[Figure, Any, Any]:
    """The live view's figure: the loss on the left, the regions (if any) on the right; its
    margins fixed, since a layout engine at every frame would double a frame's cost."""
    fig = _figure_class("live")(figsize=(9.0 if regions else 5.0, 3.6))
    ax = fig.subplots(1, 2 if regions else 1, squeeze=False)[0][0]
    fig.subplots_adjust(left=0.08 if regions else 0.14, right=0.97, bottom=0.14, top=0.9,
                        wspace=0.28)
    (line,) = ax.plot([], [], color=_CLASS_COLORS[0])
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("loss per epoch")
    ax.grid(True, alpha=0.3)
    return fig, ax, line


class _Png:
    """A frame for a display handle: IPython shows its PNG."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def _repr_png_(self) -> bytes:
        return self.data

    def __repr__(self) -> str:
        return "<microprop live view>"


class _Jupyter:
    """The notebook's side of the view: a place in the cell's output, and the cell's end."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell

    def display(self, frame: _Png) -> Any:
        from IPython import display

        show: Any = display.display  # IPython has no type hints
        return show(frame, display_id=True)

    def at_cell_end(self, then: Callable[[], None]) -> None:
        def once(*_: object) -> None:
            self.shell.events.unregister("post_run_cell", once)
            then()

        self.shell.events.register("post_run_cell", once)


def _notebook() -> _Jupyter | None:
    """The Jupyter kernel's side when this runs in one, else None (a script, a terminal)."""
    ipython = sys.modules.get("IPython")  # a kernel has imported it; a script need not
    shell = None if ipython is None else ipython.get_ipython()
    return None if getattr(shell, "kernel", None) is None else _Jupyter(shell)


# ---- checks and helpers ----------------------------------------------------------------------


def _figure_and_axes(where: str, ax: Any) -> tuple[Figure, Any]:
    new_figure = _figure_class(where)
    from matplotlib.axes import Axes

    if ax is None:
        fig = new_figure(figsize=(6.0, 4.5), layout="constrained")
        return fig, fig.add_subplot()
    if not isinstance(ax, Axes):
        raise TypeError(f"{where}: ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return cast("Figure", ax.figure), ax  # a SubFigure for an Axes placed in one: it draws the same


_figure_cls: Any = None


def _figure_class(where: str) -> Any:
    """A ``Figure`` that Jupyter shows as a PNG even when pyplot's inline support is not set up.

    The figure is made without pyplot, so pyplot neither keeps it alive nor shows it a second
    time at the end of a notebook cell. Without matplotlib, an ImportError says how to get it.
    """
    try:
        from matplotlib.figure import Figure as base
    except ImportError:
        raise ImportError(f"{where} needs matplotlib: {_checks.install_hint('plot')}") from None
    global _figure_cls
    if _figure_cls is None:

        class Figure(base):  # type: ignore[misc, unused-ignore]  # Any without matplotlib
            def _repr_png_(self) -> bytes:
                return _png(self)

        _figure_cls = Figure
    return _figure_cls


def _png(fig: Any) -> bytes:
    """A figure as Jupyter is sent it: a PNG at 100 dpi (a 9-inch figure is 900 px wide)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _loss_series(history: Any) -> tuple[dict[str, list[float]], str]:
    """``{name: losses}`` and the stop reason, from a History, a mapping or a sequence."""
    where = "plot_loss"
    reason = ""
    if hasattr(history, "losses") and not isinstance(history, Mapping):
        reason = str(getattr(history, "stop_reason", "") or "")
        raw: dict[str, Any] = {"loss": history.losses}
    elif isinstance(history, Mapping):
        raw = {str(k): v for k, v in history.items()}
    else:
        raw = {"loss": history}
    if not raw:
        raise ValueError(f"{where}: the mapping of loss series is empty")
    series = {}
    for name, values in raw.items():
        label = "history" if list(raw) == ["loss"] else f"history[{name!r}]"
        what = f"{where}({label})"
        # None: a NaN loss is drawn as a gap (log=True refuses it later, naming the series).
        series[name] = [
            _checks.element(_data(v), f"{what}: item {i}", None)
            for i, v in enumerate(_sequence(values, what))
        ]
        if not series[name]:
            raise ValueError(f"{where}: {label} is empty; there is no loss to plot")
    return series, reason


def _sequence(x: object, what: str, noun: str = "numbers") -> list[Any]:
    """``x`` as a list; a mapping is refused too, since its keys are no series."""
    if isinstance(x, Mapping):  # listed's own words, which would take the keys
        raise TypeError(f"{what}: expected a list of {noun}, got {type(x).__name__}")
    return _checks.listed(x, what, noun)


def _data(v: object) -> object:
    """A Value's number, so a list of Values (a model's outputs) plots as its numbers."""
    return v.data if isinstance(v, Value) else v


def _row_data(r: object) -> object:
    """A row with its Values as numbers; anything else is left for rows() to name."""
    if isinstance(r, (str, bytes)) or not isinstance(r, Iterable):
        return r
    return [_data(v) for v in r]


def _points(
    where: str, X: Any, features: Any, at: Any, also: str = ""
) -> tuple[list[tuple[float, float]], _Features]:
    """The rows of ``X`` as (x, y) points on the two plotted features, and the model's input rows:
    two finite numbers to a row, or any number with ``features=(i, j)``."""
    what = f"{where}(X)"
    rows = _checks.rows([_row_data(r) for r in _sequence(X, what, "rows")], what)
    n = len(rows[0])
    if features is None:
        if n != 2:
            raise ValueError(
                f"{what}: row 0 has {n} features; a decision-boundary plot needs exactly 2, "
                "or features=(i, j) to pick two and hold the others fixed" + also
            )
        pair = (0, 1)
    else:
        pair = _feature_pair(f"{where}(features)", features, n)
    if at is None:
        base = [sum(r[k] for r in rows) / len(rows) for k in range(n)]
    elif features is None:
        raise ValueError(f"{where}(at): only used with features=(i, j); X has only 2 features")
    else:
        base = _checks.rows([_row_data(at)], f"{where}(at)")[0]
        if len(base) != n:
            raise ValueError(
                f"{where}(at): got {len(base)} values for rows of {n} features; expected a full "
                "row (the plotted features' entries are not used)"
            )
    return [(r[pair[0]], r[pair[1]]) for r in rows], _Features(pair, base)


def _feature_pair(what: str, features: Any, n: int) -> tuple[int, int]:
    """Two different feature indices from 0 to n-1."""
    pair = _sequence(features, what, "feature indices")
    if len(pair) != 2:
        raise ValueError(f"{what}: got {len(pair)} indices; expected two, such as (2, 3)")
    i, j = (_checks.class_index(v, f"{what}: index {k}", n) for k, v in enumerate(pair))
    if i == j:
        raise ValueError(f"{what}: both indices are {i}; expected two different features")
    return i, j


def _outputs(where: str, out: object, a: float, b: float) -> list[float]:
    """The model's output at (a, b) as a list of finite floats, one per output."""
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    if not outs:
        raise ValueError(f"{where}: model returned an empty list; expected at least one output")
    return [_score(where, o, a, b) for o in outs]


def _score(where: str, out: object, a: float, b: float) -> float:
    """One of the model's outputs at (a, b) as one finite float."""
    if isinstance(out, Value):
        s = out.data
    elif isinstance(out, numbers.Real):  # an int too large for a float is named, not overflowed
        s = _checks.element(out, f"{where}: model's score at ({a!r}, {b!r})", None, bools=True)
    else:
        raise TypeError(
            f"{where}: model returned {type(out).__name__}; expected a Value, a number, or a "
            "list of them"
        )
    if not math.isfinite(s):
        raise ValueError(f"{where}: model returned {s!r} at ({a!r}, {b!r}); scores must be finite")
    return s
