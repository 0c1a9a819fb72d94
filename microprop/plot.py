"""Plots for training: the loss per epoch, and a 2-feature model's decision boundary.

Each function returns a matplotlib ``Figure`` (made without pyplot, so a notebook shows it once
and a script saves it with ``fig.savefig``). matplotlib is imported only when a plot is asked for.
"""

from __future__ import annotations

import io
import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import _checks
from .engine import Value, no_grad

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_loss", "plot_decision_boundary"]

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
    resolution: int = 80,
    threshold: float = 0.0,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """The regions where ``model`` scores above and below ``threshold``, with the data on top.

    ``model`` takes a list of 2 floats and returns a Value, a number, or a list of one of them
    (an ``MLP`` with one output does). It is evaluated under ``no_grad()`` on a
    ``resolution`` x ``resolution`` grid covering the points ``X`` (rows of 2 features); ``y``
    holds their labels, one colour per class. The line is where the score equals ``threshold``:
    0 suits a hinge loss on labels -1/1 and a logit for labels 0/1.
    """
    where = "plot_decision_boundary"
    points, labels, cut = _boundary_arguments(where, model, X, y, resolution, threshold)
    fig, ax = _figure_and_axes(where, ax)
    xs, ys = _grid(where, points, resolution)
    scores = _scores(where, model, xs, ys)
    _draw_regions(ax, xs, ys, scores, cut)
    _draw_points(ax, points, labels)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    from matplotlib.patches import Patch

    handles, _ = ax.get_legend_handles_labels()
    handles += [
        Patch(color=_REGION_COLORS[1], label=f"score > {cut:g}"),
        Patch(color=_REGION_COLORS[0], label=f"score <= {cut:g}"),
    ]
    ax.set_title(title if title is not None else f"decision boundary (score = {cut:g})")
    ax.legend(handles=handles, loc="best", fontsize="small")
    return fig


# ---- the decision boundary's steps -----------------------------------------------------------


def _boundary_arguments(
    where: str, model: Any, X: Any, y: Any, resolution: Any, threshold: Any
) -> tuple[list[tuple[float, float]], list[float], float]:
    """The points, their labels and the threshold, checked before anything is drawn."""
    if not callable(model):
        raise TypeError(f"{where}: model must be callable, got {type(model).__name__}")
    points = _points(f"{where}(X)", X)
    # A label may be True or False (as a target may): it is 1 or 0.
    rule = "every label must be finite"
    labels = [
        _checks.element(_data(v), f"{where}(y): label {i}", rule, bools=True)
        for i, v in enumerate(_sequence(y, f"{where}(y)", "labels"))
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
    # A NaN threshold would colour every point "below", so finite() refuses it.
    cut = _checks.finite(_data(threshold), f"{where}(threshold)")
    return points, labels, cut


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


def _scores(where: str, model: Any, xs: Any, ys: Any) -> Any:
    """The model's score at every grid point, row ``i`` for ``ys[i]``, without building graphs."""
    import numpy as np

    scores = np.empty((len(ys), len(xs)))
    with no_grad():
        for i, b in enumerate(ys.tolist()):
            for j, a in enumerate(xs.tolist()):
                scores[i, j] = _score(where, model([a, b]), a, b)
    return scores


def _draw_regions(ax: Any, xs: Any, ys: Any, scores: Any, cut: float) -> None:
    """Two colours for above and below the threshold, and the line between them if it shows."""
    above = (scores > cut).astype(float)
    ax.contourf(xs, ys, above, levels=[-0.5, 0.5, 1.5], colors=_REGION_COLORS)
    if scores.min() < cut < scores.max():
        ax.contour(xs, ys, scores, levels=[cut], colors="#333333", linewidths=1.2)


def _draw_points(ax: Any, points: list[tuple[float, float]], labels: list[float]) -> None:
    """The data on top, one colour per class in sorted order."""
    classes = sorted(set(labels))
    for c, cls in enumerate(classes):
        mine = [p for p, label in zip(points, labels, strict=True) if label == cls]
        ax.scatter(
            [p[0] for p in mine],
            [p[1] for p in mine],
            s=22,
            color=_CLASS_COLORS[c % len(_CLASS_COLORS)],
            edgecolors="white",
            linewidths=0.5,
            label=f"y = {cls:g}",
        )


# ---- checks and helpers ----------------------------------------------------------------------


def _figure_and_axes(where: str, ax: Any) -> tuple[Any, Any]:
    try:
        from matplotlib.axes import Axes
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(f'{where} needs matplotlib: pip install "microprop[plot]"') from None
    if ax is None:
        fig = _figure_class(Figure)(figsize=(6.0, 4.5), layout="constrained")
        return fig, fig.add_subplot()
    if not isinstance(ax, Axes):
        raise TypeError(f"{where}: ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax.figure, ax


_figure_cls: Any = None


def _figure_class(base: Any) -> Any:
    """A ``Figure`` that Jupyter shows as a PNG even when pyplot's inline support is not set up.

    The figure is made without pyplot, so pyplot neither keeps it alive nor shows it a second
    time at the end of a notebook cell.
    """
    global _figure_cls
    if _figure_cls is None:

        class Figure(base):  # type: ignore[misc,valid-type]
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


def _sequence(x: object, what: str, noun: str = "numbers") -> list:
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


def _points(what: str, X: Any) -> list[tuple[float, float]]:
    """The rows of ``X`` as (x, y) points: finite numbers, two to a row."""
    rows = _checks.rows([_row_data(r) for r in _sequence(X, what, "rows")], what)
    for i, r in enumerate(rows):
        if len(r) != 2:
            raise ValueError(
                f"{what}: row {i} has {len(r)} features; a decision-boundary plot needs exactly 2"
            )
    return [(a, b) for a, b in rows]


def _score(where: str, out: object, a: float, b: float) -> float:
    """The model's output at (a, b) as one finite float."""
    if isinstance(out, (list, tuple)):
        if len(out) != 1:
            raise TypeError(
                f"{where}: model returned {len(out)} outputs; expected a Value or a list with one"
            )
        out = out[0]
    if isinstance(out, Value):
        s = out.data
    elif isinstance(out, numbers.Real):  # an int too large for a float is named, not overflowed
        s = _checks.element(out, f"{where}: model's score at ({a!r}, {b!r})", None, bools=True)
    else:
        raise TypeError(
            f"{where}: model returned {type(out).__name__}; expected a Value, a number, or a "
            "list with one of them"
        )
    if not math.isfinite(s):
        raise ValueError(f"{where}: model returned {s!r} at ({a!r}, {b!r}); scores must be finite")
    return s
