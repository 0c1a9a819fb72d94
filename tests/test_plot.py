"""Plots: figures with the expected lines, regions and points (bad input: test_bad_input_plot)."""

import re
import sys
from types import SimpleNamespace

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from microprop import Value, is_grad_enabled  # noqa: E402
from microprop.plot import plot_decision_boundary, plot_loss  # noqa: E402

X = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 2.0]]
Y = [0, 0, 0, 1, 1]


def above_diagonal(p):
    """Positive where x0 + x1 > 1.5: the last two points; a Value, as a model returns."""
    return Value(p[0]) + p[1] - 1.5


# ---- loss ---------------------------------------------------------------------------------


def test_a_list_of_losses_is_one_line_over_the_epochs():
    fig = plot_loss([3.0, 2.0, 1.5])
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [1, 2, 3]
    assert list(line.get_ydata()) == [3.0, 2.0, 1.5]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"


def test_a_title_replaces_the_default_one():
    assert plot_loss([3.0, 2.0], title="Iris").axes[0].get_title() == "Iris"
    assert plot_loss([3.0, 2.0]).axes[0].get_title() == "loss per epoch"


def test_a_training_history_gives_its_losses_and_why_it_stopped():
    history = SimpleNamespace(losses=[1.0, 0.5, 0.25], stop_reason="tol")
    ax = plot_loss(history).axes[0]
    assert list(ax.get_lines()[0].get_ydata()) == [1.0, 0.5, 0.25]
    assert ax.get_title() == "loss per epoch (stopped: tol)"


def test_a_mapping_draws_one_labelled_line_per_series():
    fig = plot_loss({"train": [1.0, 0.5], "test": [1.2, 0.8, 0.7]}, log=True)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["train", "test"]
    assert ax.get_yscale() == "log"
    assert ax.get_legend() is not None


def test_values_count_as_numbers():
    fig = plot_loss([Value(2.0), Value(1.0)])
    assert list(fig.axes[0].get_lines()[0].get_ydata()) == [2.0, 1.0]


def test_drawing_into_given_axes_returns_their_figure():
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_loss([1.0, 0.5], ax=ax) is fig
    assert len(ax.get_lines()) == 1


# ---- decision boundary -------------------------------------------------------------------------


def test_the_decision_boundary_has_two_regions_a_line_and_each_class_of_points():
    fig = plot_decision_boundary(above_diagonal, X, Y, resolution=20)
    (ax,) = fig.axes
    contours = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert len(contours) == 2  # the filled regions and the line where the score is 0
    assert list(contours[1].levels) == [0.0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [len(p.get_offsets()) for p in points] == [3, 2]  # y = 0, then y = 1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "y = 0",
        "y = 1",
        "score > 0",
        "score <= 0",
    ]
    # the grid covers the points with a margin of a tenth of their range
    assert ax.get_xlim() == pytest.approx((-0.2, 2.2))


def test_the_model_is_evaluated_under_no_grad_once_per_grid_point():
    calls = []

    def model(p):
        calls.append(is_grad_enabled())
        return [Value(p[0] - p[1])]  # a list with one Value, like MLP(2, [..., 1])

    plot_decision_boundary(model, X, Y, resolution=7)
    assert len(calls) == 49
    assert not any(calls)


def test_a_model_that_scores_one_side_everywhere_gets_no_line():
    fig = plot_decision_boundary(lambda p: 1.0, X, Y, resolution=5, threshold=0.5)
    contours = [c for c in fig.axes[0].collections if isinstance(c, ContourSet)]
    assert len(contours) == 1


# ---- display and installation ------------------------------------------------------------------


def test_a_figure_shows_itself_as_png_in_a_notebook():
    png = plot_loss([1.0, 0.5])._repr_png_()
    assert png.startswith(b"\x89PNG")


def test_without_matplotlib_the_error_names_the_plot_extra(monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=re.escape('pip install "microprop[plot]"')):
        plot_loss([1.0])
