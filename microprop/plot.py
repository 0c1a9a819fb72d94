"""Plots for training: the loss per epoch, a model's decision regions on two features, and a
confusion matrix.

Each function returns a matplotlib ``Figure`` (made without pyplot, so a notebook shows it once
and a script saves it with ``fig.savefig``). matplotlib is imported only when a plot is asked for.
"""

from __future__ import annotations

import io
import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from . import _checks
from .engine import Value, no_grad

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_loss", "plot_decision_boundary", "plot_confusion_matrix"]

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
    if scores.shape[2] == 1:
        handles, default = _one_output(ax, xs, ys, scores[:, :, 0], points, labels, cut)
    else:
        handles, default = _k_outputs(where, ax, xs, ys, scores, points, raw, cut, class_names)
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
    where: str, model: Any, X: Any, y: Any, resolution: Any, features: Any, at: Any
) -> tuple[list[tuple[float, float]], list[float], list[Any], _Features]:
    """The points, their labels and the model's input rows, checked before anything is drawn."""
    if not callable(model):
        raise TypeError(f"{where}: model must be callable, got {type(model).__name__}")
    points, full = _points(where, X, features, at)
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
    what = f"{where}(resolution)"
    if _checks.integer(resolution, what, low=2) > _MAX_RESOLUTION:
        raise ValueError(
            f"{what}: expected an int from 2 to {_MAX_RESOLUTION}, got {resolution!r:.40}"
        )
    return points, labels, raw, full


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


def _one_output(
    ax: Any, xs: Any, ys: Any, scores: Any, points: Any, labels: list[float], cut: float | None
) -> tuple[list[Any], str]:
    """Above and below the threshold (default 0); the legend's handles and the default title."""
    cut = 0.0 if cut is None else cut
    _draw_regions(ax, xs, ys, scores, cut)
    handles = _draw_points(ax, points, labels)
    handles += _patches(
        [_REGION_COLORS[1], _REGION_COLORS[0]], [f"score > {cut:g}", f"score <= {cut:g}"]
    )
    return handles, f"decision boundary (score = {cut:g})"


def _k_outputs(
    where: str, ax: Any, xs: Any, ys: Any, scores: Any, points: Any, y: Any, cut: Any, names: Any
) -> tuple[list[Any], str]:
    """The class of the largest output; the legend's handles and the default title."""
    k = scores.shape[2]
    if cut is not None:
        raise ValueError(
            f"{where}: threshold is for a model with one output, but this one has {k}; "
            "with k outputs each region is the class of the largest output"
        )
    names = _class_names(where, names, k)
    classes = [_checks.class_index(v, f"{where}(y): label {i}", k) for i, v in enumerate(y)]
    _draw_class_regions(ax, xs, ys, scores)
    handles = _draw_points(ax, points, classes, names)
    return handles, f"decision regions of {k} classes (the largest output wins)"


def _draw_regions(ax: Any, xs: Any, ys: Any, scores: Any, cut: float) -> None:
    """Two colours for above and below the threshold, and the line between them if it shows."""
    above = (scores > cut).astype(float)
    ax.contourf(xs, ys, above, levels=[-0.5, 0.5, 1.5], colors=_REGION_COLORS)
    if scores.min() < cut < scores.max():
        ax.contour(xs, ys, scores, levels=[cut], colors="#333333", linewidths=1.2)


def _draw_class_regions(ax: Any, xs: Any, ys: Any, scores: Any) -> None:
    """One light colour per class where its output is the largest, and lines between them."""
    k = scores.shape[2]
    winner = scores.argmax(axis=2).astype(float)
    colors = [_light(_CLASS_COLORS[c % len(_CLASS_COLORS)]) for c in range(k)]
    levels = [c - 0.5 for c in range(k + 1)]
    ax.contourf(xs, ys, winner, levels=levels, colors=colors)
    if winner.min() < winner.max():
        ax.contour(xs, ys, winner, levels=levels[1:-1], colors="#333333", linewidths=1.0)


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


# ---- checks and helpers ----------------------------------------------------------------------


def _figure_and_axes(where: str, ax: Any) -> tuple[Figure, Any]:
    try:
        from matplotlib.axes import Axes
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(f"{where} needs matplotlib: {_checks.install_hint('plot')}") from None
    if ax is None:
        fig = _figure_class(Figure)(figsize=(6.0, 4.5), layout="constrained")
        return fig, fig.add_subplot()
    if not isinstance(ax, Axes):
        raise TypeError(f"{where}: ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return cast("Figure", ax.figure), ax  # a SubFigure for an Axes placed in one: it draws the same


_figure_cls: Any = None


def _figure_class(base: Any) -> Any:
    """A ``Figure`` that Jupyter shows as a PNG even when pyplot's inline support is not set up.

    The figure is made without pyplot, so pyplot neither keeps it alive nor shows it a second
    time at the end of a notebook cell.
    """
    global _figure_cls
    if _figure_cls is None:

        class Figure(base):  # type: ignore[misc]
            def _repr_png_(self) -> bytes:
                buffer = io.BytesIO()
                self.savefig(buffer, format="png", dpi=100)
                return buffer.getvalue()

        _figure_cls = Figure
    return _figure_cls


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
    where: str, X: Any, features: Any, at: Any
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
                "or features=(i, j) to pick two and hold the others fixed"
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
