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
from microprop.plot import (  # noqa: E402
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_loss,
)

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


def three_stripes(p):
    """Class 0 left of x0 = 0.5, class 1 from 0.5 to 1.5, class 2 beyond: three outputs."""
    return [Value(0.5 - p[0]), Value(0.0 * p[0]), Value(p[0] - 1.5)]


def test_k_outputs_colour_each_region_by_the_class_of_the_largest_output():
    fig = plot_decision_boundary(
        three_stripes, X, [0, 1, 0, 1, 2], resolution=23, class_names=["a", "b", "c"]
    )
    (ax,) = fig.axes
    filled, lines = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert list(filled.levels) == [-0.5, 0.5, 1.5, 2.5]  # one band per class
    assert list(lines.levels) == [0.5, 1.5]  # the borders between neighbouring classes
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [len(p.get_offsets()) for p in points] == [2, 2, 1]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]
    assert ax.get_title() == "decision regions of 3 classes (the largest output wins)"
    # a point's colour is its class's colour, the region behind it a lighter shade of it
    assert [tuple(p.get_facecolor()[0]) for p in points] == [
        matplotlib.colors.to_rgba(c) for c in ("#2171b5", "#d94801", "#238b45")
    ]


def test_classes_get_numbered_names_when_none_are_given():
    fig = plot_decision_boundary(three_stripes, X, [0, 1, 0, 1, 2], resolution=5)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["class 0", "class 1", "class 2"]


def test_features_pick_two_inputs_and_hold_the_others_at_their_mean():
    seen = []

    def model(p):
        seen.append(p)
        return [p[0], p[1], p[2]]

    X3 = [[1.0, 0.0, 5.0], [3.0, 2.0, 7.0]]  # feature 1 has mean 1.0
    fig = plot_decision_boundary(model, X3, [0, 2], features=(2, 0), resolution=2)
    assert all(p[1] == 1.0 for p in seen)
    assert sorted({p[2] for p in seen}) == pytest.approx([4.8, 7.2])  # the grid runs on x[2]
    assert fig.axes[0].get_xlabel() == "x[2]" and fig.axes[0].get_ylabel() == "x[0]"


def test_at_gives_the_value_of_the_features_not_plotted():
    seen = []

    def model(p):
        seen.append(p)
        return p[0] - p[2]

    X3 = [[1.0, 0.0, 5.0], [3.0, 2.0, 7.0]]
    plot_decision_boundary(model, X3, [0, 1], features=(0, 2), at=[9.0, -4.0, 9.0], resolution=3)
    assert len(seen) == 9 and all(p[1] == -4.0 for p in seen)


def test_a_four_input_iris_model_draws_its_three_species_on_the_petals():
    from microprop.data import IRIS_SPECIES, load_iris
    from microprop.nn import MLP

    X, y = load_iris(classes=3)
    fig = plot_decision_boundary(
        MLP(4, [3], seed=0), X, y, features=(2, 3), class_names=IRIS_SPECIES, resolution=10
    )
    points = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    assert [len(p.get_offsets()) for p in points] == [50, 50, 50]


# ---- confusion matrix ---------------------------------------------------------------------------


def test_the_confusion_matrix_counts_each_true_class_against_each_prediction():
    fig = plot_confusion_matrix(
        [0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 2], class_names=["a", "b", "c"]
    )
    (ax,) = fig.axes
    (image,) = ax.get_images()
    assert image.get_array().tolist() == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]
    assert [t.get_text() for t in ax.texts] == ["1", "1", "0", "0", "2", "1", "0", "0", "1"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert ax.get_title() == "confusion matrix: 4 of 6 right"


def test_without_names_the_classes_run_to_the_largest_index_seen():
    ax = plot_confusion_matrix([0, 3], [0, 0]).axes[0]
    assert ax.get_images()[0].get_array().shape == (4, 4)
    assert ax.get_xticklabels()[3].get_text() == "class 3"


# ---- display and installation ------------------------------------------------------------------


def test_a_figure_shows_itself_as_png_in_a_notebook():
    png = plot_loss([1.0, 0.5])._repr_png_()
    assert png.startswith(b"\x89PNG")


def test_without_matplotlib_the_error_names_the_plot_extra(monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    from microprop._checks import install_hint

    with pytest.raises(ImportError, match=re.escape(install_hint("plot"))):
        plot_loss([1.0])
