"""The live view: frames shown while fit runs, what they hold, and its cost kept in a budget
(bad input: test_bad_input_plot; the measured slowdown: benchmarks/live_view.py)."""

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from microprop import plot  # noqa: E402
from microprop.data import make_moons  # noqa: E402
from microprop.nn import MLP  # noqa: E402
from microprop.plot import live  # noqa: E402
from microprop.train import fit  # noqa: E402

X, LABELS = make_moons(20, noise=0.1, seed=0)
SIGNS = [2 * t - 1 for t in LABELS]


class FakeNotebook:
    """A Jupyter kernel's side as the view sees it: each frame shown, and the cell's end."""

    def __init__(self):
        self.shown = []  # ("display" or "update", PNG bytes), in order
        self.at_end = []

    def display(self, frame):
        self.shown.append(("display", frame._repr_png_()))
        return self

    def update(self, frame):  # the display handle's update
        self.shown.append(("update", frame._repr_png_()))

    def at_cell_end(self, then):
        self.at_end.append(then)

    def end_cell(self):
        for then in self.at_end:
            then()
        self.at_end.clear()


@pytest.fixture
def notebook(monkeypatch):
    fake = FakeNotebook()
    monkeypatch.setattr(plot, "_notebook", lambda: fake)
    return fake


def moons_model():
    return MLP(2, [4, 1], seed=0)


def loss_line(view):
    return view.figure.axes[0].get_lines()[0]


def test_it_redraws_in_one_place_while_fit_runs(notebook):
    model = moons_model()
    seen = []

    def count(e):
        seen.append((e.epoch, len(notebook.shown)))

    view = live(model, X, SIGNS, every=5, budget=None, resolution=6, callback=count)
    fit(model, X, SIGNS, loss="hinge", epochs=20, callback=view)
    # Shown once, then updated in place after epochs 10, 15 and 20; each frame a PNG, and each
    # drawn before fit went on to the next epoch.
    assert [kind for kind, _ in notebook.shown] == ["display", "update", "update", "update"]
    assert all(png.startswith(b"\x89PNG") for _, png in notebook.shown)
    assert [n for epoch, n in seen if epoch % 5 == 0] == [0, 1, 2, 3]  # the callback comes first
    assert view.frames == 4


def test_the_loss_curve_holds_every_epoch_s_loss_and_the_title_the_last():
    model = moons_model()
    view = live(model, X, SIGNS, resolution=6)
    history = fit(model, X, SIGNS, loss="hinge", epochs=12, callback=view)
    line = loss_line(view)
    assert list(line.get_xdata()) == list(range(1, 13))
    assert list(line.get_ydata()) == history.losses
    assert view.figure.axes[0].get_title() == f"epoch 12 of 12: loss {history.losses[-1]:.4g}"


def test_the_final_regions_are_the_trained_model_s_as_plot_decision_boundary_draws_them():
    model = moons_model()
    view = live(model, X, SIGNS, resolution=7)
    fit(model, X, SIGNS, loss="hinge", epochs=8, callback=view)
    regions = view.figure.axes[1]
    alone = plot.plot_decision_boundary(model, X, SIGNS, resolution=7).axes[0]
    assert regions.get_title() == alone.get_title() == "decision boundary (score = 0)"
    (filled, *_), (filled_alone, *_) = (
        [c for c in ax.collections if type(c).__name__ in ("QuadContourSet", "ContourSet")]
        for ax in (regions, alone)
    )
    assert [p.vertices.tolist() for p in filled.get_paths()] == [
        p.vertices.tolist() for p in filled_alone.get_paths()
    ]
    labels = [t.get_text() for t in regions.get_legend().get_texts()]
    assert labels == ["y = -1", "y = 1", "score > 0", "score <= 0"]


def test_each_frame_replaces_the_regions_of_the_one_before(notebook):
    model = moons_model()
    view = live(model, X, SIGNS, every=1, budget=None, resolution=6)
    fit(model, X, SIGNS, loss="hinge", epochs=6, callback=view)
    contours = [c for c in view.figure.axes[1].collections if "Contour" in type(c).__name__]
    assert 1 <= len(contours) <= 2  # the fill, and the line where it shows: one frame's


def test_it_never_stops_training_by_itself_and_returns_what_its_callback_says(notebook):
    model = moons_model()
    history = fit(model, X, SIGNS, loss="hinge", epochs=7, callback=live(model, X, SIGNS))
    assert (history.epochs, history.stop_reason) == (7, "max_epochs")

    notebook.shown.clear()
    model = moons_model()
    view = live(model, X, SIGNS, resolution=6, callback=lambda e: e.epoch == 3)
    history = fit(model, X, SIGNS, loss="hinge", epochs=50, callback=view)
    assert (history.epochs, history.stop_reason) == (3, "callback")
    # A stop asked for is the last epoch: drawn at once, not at the cell's end.
    assert len(notebook.shown) == 1 and view.frames == 1
    notebook.end_cell()
    assert len(notebook.shown) == 1


def test_an_early_stop_by_fit_is_drawn_when_the_cell_ends(notebook):
    model = moons_model()
    view = live(model, X, SIGNS, every=100, resolution=6)
    history = fit(model, X, SIGNS, loss="hinge", epochs=50, patience=1, min_delta=10.0,
                  callback=view)
    assert history.stop_reason == "plateau" and history.epochs == 2
    assert notebook.shown == []  # fit could not say epoch 1 was its last
    notebook.end_cell()
    assert [kind for kind, _ in notebook.shown] == ["display"]
    assert list(loss_line(view).get_ydata()) == history.losses


def test_the_budget_limits_the_drawing_to_a_share_of_the_training_time(notebook, monkeypatch):
    """A clock the test moves: each epoch of training takes 1 s and each frame 1 s. With a budget
    of 0.25, a frame is drawn while the frames so far and two more (the next, and the last
    epoch's) take at most a quarter of the training timed; epoch 1 is not timed, since the view
    sees only its end. The first frame's cost is a guess (0.06 s here), then the last one's."""
    clock = [0.0]
    monkeypatch.setattr(plot, "time", SimpleNamespace(perf_counter=lambda: clock[0]))
    savefig = Figure.savefig

    def slow_savefig(self, *args, **kwargs):
        clock[0] += 1.0
        return savefig(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", slow_savefig)
    model = moons_model()
    view = live(model, X, SIGNS, every=1, budget=0.25, resolution=4)
    frames = [0]

    def one_more_second(e):
        clock[0] += 1.0  # an epoch of training, as the view sees it
        view(e)
        frames.append(len(notebook.shown))

    fit(model, X, SIGNS, loss="hinge", epochs=30, callback=one_more_second)
    drawn_after = [e for e in range(1, 31) if frames[e] > frames[e - 1]]
    # 1 + 2 <= 12 / 4 at epoch 13, 2 + 2 <= 16 / 4 at epoch 17, ...; and epoch 30, the last.
    assert drawn_after == [2, 13, 17, 21, 25, 29, 30]
    assert view.frames == 7 <= 0.25 * 29


def test_outside_a_kernel_nothing_is_drawn_while_training_and_the_figure_shows_the_end():
    assert plot._notebook() is None  # pytest is no Jupyter kernel
    model = moons_model()
    view = live(model, X, SIGNS, every=1, budget=None, resolution=6)
    drawn = []
    draw = view._draw
    view._draw = lambda e: (drawn.append(e.epoch), draw(e))
    history = fit(model, X, SIGNS, loss="hinge", epochs=5, callback=view)
    assert drawn == [] and view.frames == 0
    assert isinstance(view.figure, Figure) and drawn == [5]
    assert isinstance(view.figure, Figure) and drawn == [5]  # drawn once
    assert list(loss_line(view).get_ydata()) == history.losses
    view.figure.savefig(io.BytesIO(), format="png")


def test_a_view_used_again_starts_a_new_frame_in_the_new_cell(notebook):
    model = moons_model()
    view = live(model, X, SIGNS, every=2, budget=None, resolution=5)
    fit(model, X, SIGNS, loss="hinge", epochs=4, callback=view)
    fit(model, X, SIGNS, loss="hinge", epochs=3, callback=view)  # no stop at an even epoch
    kinds = [kind for kind, _ in notebook.shown]
    assert kinds == ["display", "update", "display", "update"]  # 2, 4; then 2, and 3 (the last)
    assert list(loss_line(view).get_xdata()) == [1, 2, 3]


def test_it_works_with_compile_true(notebook):
    eager, compiled = moons_model(), moons_model()
    views = [live(m, X, SIGNS, every=2, budget=None, resolution=5) for m in (eager, compiled)]
    h1 = fit(eager, X, SIGNS, loss="hinge", epochs=4, batch_size=1, seed=0, callback=views[0])
    h2 = fit(compiled, X, SIGNS, loss="hinge", epochs=4, batch_size=1, seed=0, compile=True,
             callback=views[1])
    assert h1.losses == h2.losses  # bit for bit with batch_size=1, as without the view
    assert [list(loss_line(v).get_ydata()) for v in views] == [h1.losses, h2.losses]
    assert len(notebook.shown) == 4


def test_a_model_with_several_outputs_colours_each_class_by_name(notebook):
    model = MLP(2, [4, 3], seed=0)
    classes = [i % 3 for i in range(len(X))]
    view = live(model, X, classes, class_names=["a", "b", "c"], every=3, budget=None,
                resolution=6)
    history = fit(model, X, classes, loss="cross_entropy", epochs=6, callback=view)
    regions = view.figure.axes[1]
    assert regions.get_title() == "decision regions of 3 classes (the largest output wins)"
    assert [t.get_text() for t in regions.get_legend().get_texts()] == ["a", "b", "c"]
    assert list(loss_line(view).get_ydata()) == history.losses
    assert len(notebook.shown) == 2


def test_the_loss_alone_for_data_of_more_than_two_features(notebook):
    rows = [[x0, x1, x0 * x1] for x0, x1 in X]
    model = MLP(3, [4, 1], seed=0)
    view = live(model, every=2, budget=None)
    history = fit(model, rows, SIGNS, loss="hinge", epochs=4, callback=view)
    assert len(view.figure.axes) == 1
    assert list(loss_line(view).get_ydata()) == history.losses
    assert len(notebook.shown) == 2


def test_two_of_more_features_with_features_and_the_rest_at_their_mean(notebook):
    rows = [[x0, x1, 0.5] for x0, x1 in X]
    model = MLP(3, [4, 1], seed=0)
    view = live(model, rows, SIGNS, features=(0, 1), resolution=5)
    fit(model, rows, SIGNS, loss="hinge", epochs=3, callback=view)
    assert view.figure.axes[1].get_xlabel() == "x[0]"


def test_the_view_refuses_a_fit_of_another_model_before_drawing_anything(notebook):
    view = live(moons_model(), X, SIGNS, resolution=5)
    with pytest.raises(ValueError, match="another model than the one live was given"):
        fit(moons_model(), X, SIGNS, loss="hinge", epochs=3, callback=view)
    assert notebook.shown == []


def test_a_model_whose_scores_overflow_on_the_grid_does_not_stop_training(notebook):
    model = moons_model()

    def blow_up(e):  # what a far too large learning rate does
        if e.epoch == 2:
            for p in model.parameters():
                p.data = 1e308

    view = live(model, X, SIGNS, every=1, budget=None, resolution=5, callback=blow_up)
    with pytest.raises(FloatingPointError, match="in epoch 3"):  # fit says it, a step later
        fit(model, X, SIGNS, loss="hinge", epochs=5, callback=view)
    assert view.figure.axes[1].get_title() == (
        "decision regions: the model gives scores that are not finite")


def test_in_a_kernel_frames_go_to_a_display_handle_and_the_end_to_post_run_cell(monkeypatch):
    """The real _Jupyter, against stand-ins for IPython's display and events."""
    import sys
    import types

    calls = []

    class Handle:
        def update(self, frame):
            calls.append(("update", frame._repr_png_()[:4]))

    def display(frame, display_id=False):
        calls.append(("display", display_id))
        return Handle()

    class Events:
        def __init__(self):
            self.callbacks = []

        def register(self, name, fn):
            self.callbacks.append((name, fn))

        def unregister(self, name, fn):
            self.callbacks.remove((name, fn))

    shell = types.SimpleNamespace(kernel=object(), events=Events())
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell
    ipython.display = types.SimpleNamespace(display=display)
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", ipython.display)
    model = moons_model()
    view = live(model, X, SIGNS, every=100, resolution=5)
    fit(model, X, SIGNS, loss="hinge", epochs=50, tol=1e9, callback=view)  # stops at 1
    assert calls == [] and [name for name, _ in shell.events.callbacks] == ["post_run_cell"]
    for _, fn in list(shell.events.callbacks):
        fn(None)  # the cell ends
    assert calls == [("display", True)] and shell.events.callbacks == []


def test_the_benchmark_prints_a_row_per_case_with_the_ratio(capsys):
    import sys

    root = Path(__file__).resolve().parents[2]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from benchmarks import live_view

    assert live_view.main(["--quick"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + len(live_view.cases(1))  # the header, then a row per case
    for row in rows[1:]:
        assert re.search(r"\| \d+\.\d\d\d \| \d+\.\d\d\d \| \d+\.\d\dx \|", row), row
