"""fit: its stopping reasons, NaN and Ctrl-C, progress bar, callback, evaluation helpers."""

import math
import random
import sys

import pytest

from microprop import Value, is_grad_enabled
from microprop.losses import mse
from microprop.nn import MLP, Module, Neuron
from microprop.optim import SGD, Adam, LinearDecay
from microprop.train import (
    STOP_REASONS,
    Epoch,
    History,
    NonFiniteLossError,
    TrainingInterrupted,
    accuracy,
    evaluate_loss,
    fit,
    predict,
)

# y = 2x - 1 on four points: a linear neuron can fit it exactly.
X = [[0.0], [1.0], [2.0], [3.0]]
Y = [-1.0, 1.0, 3.0, 5.0]


def line(w=0.0, b=0.0):
    n = Neuron(1, "linear")
    n.w[0].data, n.b.data = w, b
    return n


class Recorder:
    """A schedule whose step() runs after each epoch: records the parameters then."""

    def __init__(self, model):
        self.model = model
        self.states = []

    def step(self):
        self.states.append(self.model.state_dict())


def failing_loss(at_call, exception):
    """mse, except that its call number ``at_call`` raises or returns NaN."""
    calls = []

    def loss(predictions, targets):
        calls.append(1)
        if len(calls) == at_call:
            if exception is None:
                return mse(predictions, targets) * math.nan
            raise exception
        return mse(predictions, targets)

    return loss


def test_full_batch_gradient_descent_fits_a_line():
    model = line()
    history = fit(model, X, Y, lr=0.05, epochs=500, progress=False)
    assert model.w[0].data == pytest.approx(2.0, abs=1e-6)
    assert model.b.data == pytest.approx(-1.0, abs=1e-6)
    assert history.stop_reason == "max_epochs" and history.epochs == 500


def test_the_first_epoch_loss_is_the_loss_before_any_update():
    history = fit(line(), X, Y, lr=0.01, epochs=1, progress=False)
    assert history.losses == [(1 + 1 + 9 + 25) / 4]


def test_stops_at_max_epochs():
    history = fit(line(), X, Y, lr=0.01, epochs=3, progress=False)
    assert history.stop_reason == "max_epochs"
    assert history.epochs == 3 and len(history.losses) == 3
    assert history.losses[0] > history.losses[1] > history.losses[2]


def test_stops_once_the_loss_is_below_the_tolerance():
    history = fit(line(), X, Y, lr=0.05, epochs=10_000, tol=1e-3, progress=False)
    assert history.stop_reason == "tolerance"
    assert history.losses[-1] < 1e-3 <= history.losses[-2]
    assert history.epochs < 10_000


def test_stops_when_the_loss_stops_improving():
    # A learning rate so small that no epoch improves the loss by more than min_delta:
    # epoch 1 sets the best loss, epochs 2, 3 and 4 fail to beat it, patience runs out.
    history = fit(line(), X, Y, lr=1e-9, epochs=100, patience=3, min_delta=1e-3, progress=False)
    assert history.stop_reason == "plateau"
    assert history.epochs == 4


def test_final_loss_is_the_loss_of_the_parameters_returned():
    model = line()
    history = fit(model, X, Y, lr=0.05, epochs=20, progress=False)
    assert history.final_loss == evaluate_loss(model, X, Y, "mse")
    assert history.final_loss < history.losses[-1]  # one more update after the last epoch loss


def test_a_nan_loss_names_the_epoch_and_puts_back_the_last_good_parameters():
    model = line(0.5, 0.5)
    recorder = Recorder(model)
    with pytest.raises(NonFiniteLossError, match="in epoch 3") as info:
        fit(model, X, Y, loss=failing_loss(3, None), lr=0.01, epochs=10, schedule=recorder,
            progress=False)
    error = info.value
    assert error.epoch == 3 and math.isnan(error.loss)
    assert error.history.epochs == 2 and error.history.stop_reason == "non_finite"
    # Epoch 3 started from recorder.states[1]; its loss was NaN. Epoch 2 started from
    # recorder.states[0], with a finite loss: those are the parameters put back.
    assert model.state_dict() == recorder.states[0]


def test_an_exploding_learning_rate_stops_with_finite_parameters():
    model = MLP(1, [4, 1], seed=0)
    with pytest.raises(NonFiniteLossError, match="try a smaller learning rate"):
        fit(model, X, Y, lr=1e150, epochs=50, progress=False)
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_a_nan_in_the_first_epoch_puts_back_the_initial_parameters():
    model = line(0.5, 0.5)
    with pytest.raises(NonFiniteLossError, match="in epoch 1"):
        fit(model, X, Y, loss=failing_loss(1, None), epochs=5, progress=False)
    assert model.state_dict() == {"w.0": 0.5, "b": 0.5}


def test_an_arithmetic_error_mid_training_puts_back_the_last_good_parameters():
    """Defect: an op's error mid-training (an overflow, a log of 0) left the parameters of the
    epoch's partial updates in the model; now they are put back, and the error goes on."""
    model = line(0.5, 0.5)
    recorder = Recorder(model)
    with pytest.raises(OverflowError, match="boom"):
        fit(model, X, Y, loss=failing_loss(3, OverflowError("boom")), lr=0.01, epochs=10,
            schedule=recorder, progress=False)
    assert model.state_dict() == recorder.states[0]  # as for a NaN: the start of epoch 2


def test_a_diverging_cross_entropy_fit_stops_with_its_last_good_parameters():
    """Defect: logsumexp([inf, 1000.0]) raised OverflowError, so a diverging cross-entropy fit
    ended in that bare error with the last good parameters not put back."""
    from microprop.nary import logsumexp

    assert logsumexp([math.inf, 1000.0]).data == math.inf
    rows = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, -1.0]]
    model = MLP(2, [4, 3], seed=1)
    with pytest.raises(NonFiniteLossError):
        fit(model, rows, [0, 1, 2, 1], loss="cross_entropy", lr=1e200, epochs=30,
            progress=False)
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_ctrl_c_keeps_the_last_complete_epoch_and_the_history():
    model = line()
    recorder = Recorder(model)
    with pytest.raises(KeyboardInterrupt) as info:
        fit(model, X, Y, loss=failing_loss(3, KeyboardInterrupt()), lr=0.01, epochs=10,
            schedule=recorder, progress=False)
    assert isinstance(info.value, TrainingInterrupted)
    history = info.value.history
    assert history.epochs == 2 and history.stop_reason == "interrupted"
    assert model.state_dict() == recorder.states[1]  # the end of epoch 2


def test_ctrl_c_in_the_middle_of_an_update_undoes_the_half_done_epoch():
    class HalfStep(SGD):
        def step(self):
            self.params[0].data -= 100.0  # one parameter updated, then Ctrl-C
            raise KeyboardInterrupt

    model = line(0.25, 0.75)
    with pytest.raises(TrainingInterrupted) as info:
        fit(model, X, Y, optimizer=HalfStep(model.parameters()), epochs=5, progress=False)
    assert model.state_dict() == {"w.0": 0.25, "b": 0.75}
    assert info.value.history.epochs == 0


def test_mini_batches_shuffle_reproducibly_with_a_seed():
    runs = [
        fit(MLP(1, [3, 1], seed=0), X, Y, lr=0.01, epochs=5, batch_size=1, seed=s,
            progress=False).losses
        for s in (1, 1, 2)
    ]
    assert runs[0] == runs[1] != runs[2]


def test_a_random_generator_can_be_passed_as_the_seed():
    def losses(seed):
        return fit(MLP(1, [3, 1], seed=0), X, Y, lr=0.01, epochs=3, batch_size=1, seed=seed,
                   progress=False).losses

    assert losses(random.Random(1)) == losses(1)


def test_an_optimizer_and_a_schedule_can_be_passed():
    model = line()
    opt = Adam(model.parameters(), lr=0.1)
    schedule = LinearDecay(opt, end_factor=0.5, steps=10)
    history = fit(model, X, Y, optimizer=opt, schedule=schedule, epochs=10, progress=False)
    assert history.epochs == 10 and opt.lr == pytest.approx(0.05)


def test_l2_adds_alpha_times_the_sum_of_squares_to_the_loss():
    model = line(1.0, 2.0)
    history = fit(model, X, Y, lr=1e-12, l2=0.5, epochs=1, progress=False)
    data_loss = (3**2 + 2**2 + 1**2 + 0**2) / 4  # predictions x + 2 = 2, 3, 4, 5 against Y
    assert history.losses[0] == pytest.approx(data_loss + 0.5 * (1**2 + 2**2))


def test_hinge_and_bce_losses_train_a_classifier():
    Xc = [[-2.0], [-1.0], [1.0], [2.0]]
    model = line()
    fit(model, Xc, [0, 0, 1, 1], loss="bce", lr=0.5, epochs=50, progress=False)
    assert accuracy(model, Xc, [0, 0, 1, 1]) == 1.0
    model = line()
    fit(model, Xc, [-1, -1, 1, 1], loss="hinge", lr=0.1, epochs=50, progress=False)
    assert accuracy(model, Xc, [-1, -1, 1, 1]) == 1.0


def test_the_progress_bar_counts_epochs_and_shows_the_loss(fake_tqdm):
    bars = fake_tqdm
    history = fit(line(), X, Y, lr=0.01, epochs=3, progress=True)
    (bar,) = bars
    assert bar.kwargs["total"] == 3 and bar.n == 3 and bar.closed
    assert bar.postfix == f"loss={history.losses[-1]:.4g}"


def test_the_real_tqdm_bar_runs(capsys):
    pytest.importorskip("tqdm")
    fit(line(), X, Y, lr=0.01, epochs=3, progress=True)
    assert "training" in capsys.readouterr().err


def test_no_progress_bar_when_stderr_is_not_a_terminal(capsys):
    fit(line(), X, Y, lr=0.01, epochs=3)
    assert capsys.readouterr().err == ""


def test_without_tqdm_there_is_no_bar_and_no_crash(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` fail
    history = fit(line(), X, Y, lr=0.01, epochs=3, progress=True)
    assert history.epochs == 3 and capsys.readouterr().err == ""


# ---- evaluation --------------------------------------------------------------------------------


class GradModeSpy(Module):
    """Records whether the graph was being recorded each time it is called."""

    def __init__(self):
        self.modes = []

    def __call__(self, x):
        self.modes.append(is_grad_enabled())
        return Value(x[0])


def test_evaluation_runs_under_no_grad():
    spy = GradModeSpy()
    predict(spy, [[1.0], [-1.0]])
    accuracy(spy, [[1.0]], [1])
    evaluate_loss(spy, [[1.0]], [1.0])
    assert len(spy.modes) >= 4 and not any(spy.modes)


def test_predict_returns_floats_for_one_output():
    assert predict(line(2.0, 1.0), [[0.0], [1.0]]) == [1.0, 3.0]
    assert predict(line(2.0, 1.0), [[0.0], [1.0]], output="raw") == [1.0, 3.0]


def test_accuracy_counts_the_same_side_of_the_threshold():
    model = line(1.0, 0.0)  # the output is x itself
    assert accuracy(model, [[-1.0], [2.0], [3.0], [-4.0]], [0, 1, 0, 1]) == 0.5
    assert accuracy(model, [[0.4], [0.6]], [0, 1], threshold=0.5) == 1.0


def test_history_counts_its_epochs():
    assert History(losses=[3.0, 2.0]).epochs == 2


# ---- bad input ---------------------------------------------------------------------------------


# ---- an int too large for a float: a ValueError naming it, never a bare OverflowError ----------


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"X": [[10**400], [1.0], [2.0], [3.0]]}, "fit(X): row 0 holds an int too large"),
        ({"y": [1.0, 3.0, 5.0, -(10**400)]}, "fit(y): target 3 is too large for a float"),
        ({"tol": 10**400}, "fit(tol): expected a finite number >= 0"),
        ({"min_delta": 10**400}, "fit(min_delta): expected a finite number >= 0"),
        ({"l2": 10**400}, "fit(l2): expected a finite number >= 0"),
        ({"lr": 10**400}, "SGD(lr): expected a finite number in (0, inf)"),
    ],
)
def test_a_huge_int_in_fit_is_a_value_error_naming_it(kwargs, words):
    args = {"model": line(), "X": X, "y": Y, "epochs": 2, "progress": False, **kwargs}
    with pytest.raises(ValueError) as info:
        fit(args.pop("model"), args.pop("X"), args.pop("y"), **args)
    assert words in str(info.value)


def test_a_huge_int_threshold_is_a_value_error():
    with pytest.raises(ValueError, match=r"accuracy\(threshold\): expected a finite number"):
        accuracy(line(), X, Y, threshold=10**400)


def test_a_huge_epoch_count_is_fine_when_another_rule_stops_training():
    history = fit(line(), X, Y, epochs=10**400, tol=1e9, progress=False)
    assert history.epochs == 1 and history.stop_reason == "tolerance"


class Cycle:
    """An object that refers to itself: only the cyclic collector can free it."""

    def __init__(self):
        self.me = self


@pytest.mark.parametrize("enabled", [True, False])
def test_fit_leaves_the_cyclic_collector_as_it_found_it(enabled):
    import gc

    (gc.enable if enabled else gc.disable)()
    try:
        fit(line(), X, Y, lr=0.01, epochs=2, progress=False)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_cycles_a_loss_function_makes_are_freed_at_the_end_of_each_epoch():
    import weakref

    made, alive_at_epoch_end = [], []

    def loss(predictions, targets):
        made.append(weakref.ref(Cycle()))  # garbage at once, but only a collection frees it
        return mse(predictions, targets)

    class Watch:
        def step(self):  # runs after each epoch
            alive_at_epoch_end.append(sum(r() is not None for r in made))

    fit(line(), X, Y, loss=loss, lr=0.01, epochs=3, schedule=Watch(), progress=False)
    assert alive_at_epoch_end == [0, 0, 0]


# ---- fit: an optimizer and a schedule that do what fit says ---------------------------------
# Training and its data on inputs that used to give a wrong answer or a riddle, each test naming
# the defect it guards against.


def line_model() -> Neuron:
    return Neuron(1, "linear", seed=0)


# y = 2x + 1 on three points (X and Y above are another line)
LINE_X, LINE_Y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]


def test_fit_refuses_an_optimizer_that_also_holds_another_models_parameters():
    """Defect: the other model's parameters were moved by their stale gradients on every batch."""
    model, other = line_model(), Neuron(1, "linear", seed=1)
    for p in other.parameters():
        p.grad = 1.0  # left over from some earlier backward()
    before = [p.data for p in other.parameters()]
    optimizer = SGD(model.parameters() + other.parameters(), lr=0.1)
    with pytest.raises(ValueError) as caught:
        fit(model, LINE_X, LINE_Y, optimizer=optimizer, epochs=3)
    assert str(caught.value).startswith(
        "fit(optimizer): it holds 2 parameters that are not the model's"
    )
    assert "model.parameters()" in str(caught.value)
    assert [p.data for p in other.parameters()] == before


def test_fit_accepts_an_optimizer_over_part_of_the_model_and_leaves_the_rest_frozen():
    """Freezing by leaving parameters out of the optimizer, as PyTorch allows, still works."""
    model = line_model()
    bias = model.b.data
    fit(model, LINE_X, LINE_Y, optimizer=SGD(model.w, lr=0.05), epochs=5)
    assert model.b.data == bias and model.w[0].data != 0.0


def test_fit_refuses_a_schedule_that_steps_a_different_optimizer():
    """Defect: a LinearDecay built on another optimizer lowered that one's rate, so fit trained
    at a constant rate and said nothing."""
    model = line_model()
    params = model.parameters()
    used, other = SGD(params, lr=0.1), SGD(params, lr=0.1)
    with pytest.raises(ValueError, match=r"^fit\(schedule\): it steps a different optimizer than "
                                         r"the one passed as fit\(optimizer\)"):
        fit(model, LINE_X, LINE_Y, optimizer=used, schedule=LinearDecay(other), epochs=2)


def test_fit_refuses_a_schedule_when_it_builds_its_own_optimizer():
    """Without optimizer=, fit builds its own SGD, which no schedule made beforehand can step."""
    model = line_model()
    schedule = LinearDecay(SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="different optimizer than the SGD fit builds"):
        fit(model, LINE_X, LINE_Y, schedule=schedule, epochs=2)
    assert schedule.count == 0


def test_fit_steps_a_schedule_tied_to_its_optimizer_once_per_epoch():
    model = line_model()
    optimizer = SGD(model.parameters(), lr=0.1)
    schedule = LinearDecay(optimizer, end_factor=0.5, steps=4)
    fit(model, LINE_X, LINE_Y, optimizer=optimizer, schedule=schedule, epochs=4)
    assert schedule.count == 4 and optimizer.lr == pytest.approx(0.05)


@pytest.mark.parametrize("rows, targets", [([[1e308], [1.7e308]], [1.0, 2.0]),
                                           ([[1.0], [2.0]], [1e300, 2.0])])
def test_a_loss_infinite_before_any_update_blames_the_data_not_the_learning_rate(rows, targets):
    """Defect: huge X or y made the very first loss inf, and fit said "try a smaller learning
    rate", which cannot help: no update had happened yet."""
    model = line_model()
    start = model.state_dict()
    with pytest.raises(NonFiniteLossError) as caught:
        fit(model, rows, targets, epochs=2, progress=False)
    message = str(caught.value)
    assert "before any update" in message and "Standardizer" in message
    assert "learning rate" not in message and model.state_dict() == start


# ---- callback: training you watch --------------------------------------------------------------


class Watcher:
    """A callback that keeps what each call showed, and asks to stop at epoch ``stop_at``."""

    def __init__(self, stop_at=None):
        self.stop_at = stop_at
        self.seen = []

    def __call__(self, e):
        self.seen.append((e.epoch, e.epochs, e.loss, e.model.state_dict(), e.history,
                          list(e.history.losses), e.history.stop_reason))
        return e.epoch == self.stop_at


def test_the_callback_is_called_once_per_epoch_with_the_epoch_its_loss_and_the_model():
    model = line()
    recorder = Recorder(model)  # its step() runs after each epoch's updates, as the callback does
    watch = Watcher()
    history = fit(model, X, Y, lr=0.01, epochs=3, schedule=recorder, callback=watch,
                  progress=False)
    assert [s[:2] for s in watch.seen] == [(1, 3), (2, 3), (3, 3)]
    assert [s[2] for s in watch.seen] == history.losses
    assert watch.seen[0][2] == (1 + 1 + 9 + 25) / 4  # epoch 1's loss: before any update
    assert [s[3] for s in watch.seen] == recorder.states  # the model after the epoch's updates
    assert all(s[4] is history for s in watch.seen)  # fit's own history, as it grows
    assert [s[5] for s in watch.seen] == [history.losses[:1], history.losses[:2], history.losses]
    assert [s[6] for s in watch.seen] == ["", "", ""]  # the stop reason comes once fit ends
    assert history.stop_reason == "max_epochs"


def test_a_callback_returning_true_stops_training_and_the_history_says_why():
    model = line()
    watch = Watcher(stop_at=2)
    history = fit(model, X, Y, lr=0.01, epochs=10, callback=watch, progress=False)
    assert len(watch.seen) == 2 and history.epochs == len(history.losses) == 2
    assert history.stop_reason == "callback"
    assert STOP_REASONS["callback"] == "the callback asked to stop"
    assert history.final_loss == evaluate_loss(model, X, Y)  # as after any other stop


@pytest.mark.parametrize("answer", [None, False])
def test_a_callback_returning_none_or_false_lets_training_go_on(answer):
    history = fit(line(), X, Y, lr=0.01, epochs=4, callback=lambda e: answer, progress=False)
    assert history.epochs == 4 and history.stop_reason == "max_epochs"


def test_the_callback_is_asked_before_the_tolerance_and_patience():
    # Epoch 1's loss, 9.0, is below tol=10: the callback saying stop at the same epoch wins.
    history = fit(line(), X, Y, lr=0.01, epochs=5, tol=10.0, callback=lambda e: True,
                  progress=False)
    assert (history.epochs, history.stop_reason) == (1, "callback")
    history = fit(line(), X, Y, lr=0.01, epochs=5, tol=10.0, callback=lambda e: None,
                  progress=False)
    assert (history.epochs, history.stop_reason) == (1, "tolerance")
    history = fit(line(), X, Y, lr=1e-9, epochs=100, patience=3, min_delta=1e-3,
                  callback=Watcher(stop_at=4), progress=False)
    assert (history.epochs, history.stop_reason) == (4, "callback")


@pytest.mark.parametrize("loss, targets, outputs", [
    ("mse", [-1.0, 1.0, 3.0, 5.0], 1),
    ("bce", [0, 1, 0, 1], 1),
    ("hinge", [-1, 1, -1, 1], 1),
    ("cross_entropy", [0, 1, 2, 1], 3),
    (mse, [-1.0, 1.0, 3.0, 5.0], 1),
])
def test_the_callback_sees_the_epoch_losses_with_every_loss(loss, targets, outputs):
    watch = Watcher()
    history = fit(MLP(1, [3, outputs], seed=0), X, targets, loss=loss, lr=0.05, epochs=3,
                  callback=watch, progress=False)
    assert [s[2] for s in watch.seen] == history.losses and len(history.losses) == 3


@pytest.mark.parametrize("loss, targets, outputs", [
    ("mse", [-1.0, 1.0, 3.0, 5.0], 1),
    ("cross_entropy", [0, 1, 2, 1], 3),
])
def test_compiled_training_makes_the_same_callback_calls_as_eager(loss, targets, outputs):
    calls = {}
    for compile in (False, True):
        watch = Watcher(stop_at=4)
        model = MLP(1, [3, outputs], seed=0)
        history = fit(model, X, targets, loss=loss, lr=0.05, epochs=10, batch_size=1, seed=0,
                      callback=watch, compile=compile, progress=False)
        calls[compile] = [s[:4] for s in watch.seen], history.stop_reason
    # One sample per update: compiled training is eager's bit for bit, so are the calls.
    assert calls[True] == calls[False]
    assert [s[0] for s in calls[True][0]] == [1, 2, 3, 4] and calls[True][1] == "callback"


@pytest.mark.parametrize("error", [ValueError, ZeroDivisionError, RuntimeError])
def test_a_callbacks_error_goes_on_with_a_note_and_leaves_the_parameters_it_was_shown(error):
    """Even an error fit would take for an op's (a ValueError, an ArithmeticError) is the
    callback's own: the parameters are not put back, and the note names the epoch."""
    model = line(0.5, 0.5)
    shown = []

    def fail_at_epoch_2(e):
        shown.append(e.model.state_dict())
        if e.epoch == 2:
            raise error("bad plot")  # a new one each run: a note would stay on a shared one

    with pytest.raises(error, match="bad plot") as info:
        fit(model, X, Y, lr=0.01, epochs=5, callback=fail_at_epoch_2, progress=False)
    assert model.state_dict() == shown[-1] != shown[0]
    if sys.version_info >= (3, 11):
        assert info.value.__notes__ == [
            "fit: raised by the callback after epoch 2; the parameters are left as that epoch's "
            "updates made them (the ones it was shown)"
        ]


def test_ctrl_c_in_the_callback_keeps_the_epoch_it_was_shown():
    model = line()
    shown = []

    def interrupt_at_epoch_3(e):
        shown.append(e.model.state_dict())
        if e.epoch == 3:
            raise KeyboardInterrupt

    with pytest.raises(TrainingInterrupted) as info:
        fit(model, X, Y, lr=0.01, epochs=5, callback=interrupt_at_epoch_3, progress=False)
    history = info.value.history
    assert history.epochs == 3 and history.stop_reason == "interrupted"
    assert model.state_dict() == shown[-1]


def test_without_a_callback_fit_makes_no_epoch_records(monkeypatch):
    import microprop.train as train

    def no_record(*args):
        raise AssertionError("fit built an Epoch with no callback to show it to")

    monkeypatch.setattr(train, "Epoch", no_record)
    assert fit(line(), X, Y, lr=0.01, epochs=3, progress=False).epochs == 3


def test_the_epoch_record_is_read_only():
    from dataclasses import FrozenInstanceError

    record = Epoch(1, 3, 9.0, line(), History([9.0]))
    with pytest.raises(FrozenInstanceError):
        record.loss = 0.0
