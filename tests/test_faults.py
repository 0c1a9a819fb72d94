"""Faults survived: a loss gone NaN, Ctrl-C mid-training, a crash while saving, a damaged file.

Training faults are checked bit for bit against a reference run that simply stopped earlier, with
the same seeds. Saving faults are simulated at every step of the write. (test_train.py and
test_serialization.py hold the simpler cases; these add what they do not cover.)
"""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microprop.cli as cli
from microprop import Value, is_grad_enabled
from microprop.losses import mse
from microprop.nn import MLP, Neuron
from microprop.optim import SGD, Adam
from microprop.serialization import ModelFileError, load, save
from microprop.train import History, NonFiniteLossError, TrainingInterrupted, fit

# Eight points of y = x^2: two mini-batches of 4 per epoch when batch_size=4.
X = [[x / 4] for x in range(-4, 4)]
Y = [r[0] ** 2 for r in X]
BATCHES = 2


def bits(model) -> list[bytes]:
    return [struct.pack("<d", p.data) for p in model.parameters()]


def train(epochs: int, loss=mse, optimizer=None, **kwargs):
    """A fresh seeded model trained for ``epochs``; returns (model, history or the error)."""
    model = MLP(1, [4, 1], activation="tanh", seed=3)
    opt = optimizer(model.parameters()) if optimizer else SGD(model.parameters(), lr=0.1)
    try:
        history = fit(model, X, Y, loss=loss, optimizer=opt, epochs=epochs, batch_size=4, seed=7,
                      progress=False, **kwargs)
    except (NonFiniteLossError, TrainingInterrupted) as e:
        return model, e
    return model, history


class FailsAt:
    """mse, except that call number ``at`` (counting mini-batches from 1) goes wrong."""

    def __init__(self, at: int, what: object) -> None:
        self.at, self.what, self.calls = at, what, 0

    def __call__(self, predictions, targets) -> Value:
        self.calls += 1
        if self.calls == self.at:
            if isinstance(self.what, BaseException):
                raise self.what
            return mse(predictions, targets) * self.what  # NaN or inf times a real loss
        return mse(predictions, targets)


# ---- a loss that stops being finite ----------------------------------------------------------


@pytest.mark.parametrize("optimizer", [None, lambda ps: Adam(ps, lr=0.05)], ids=["SGD", "Adam"])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("call", [1, 2, 5, 6, 8])
def test_a_non_finite_loss_names_its_epoch_and_puts_back_the_last_good_parameters_bit_for_bit(
    call, bad, optimizer
):
    epoch = (call - 1) // BATCHES + 1
    model, error = train(10, loss=FailsAt(call, bad), optimizer=optimizer)
    assert isinstance(error, NonFiniteLossError)
    assert error.epoch == epoch and f"in epoch {epoch};" in str(error)
    # The parameters from the start of the epoch before: the last whose losses were all finite
    # (the initial ones when that is epoch 1), which a run of epoch - 2 epochs ends with.
    if epoch <= 2:
        reference = MLP(1, [4, 1], activation="tanh", seed=3)
    else:
        reference, _ = train(epoch - 2, optimizer=optimizer)
    assert bits(model) == bits(reference)
    # Every finite epoch is in the history, bit for bit as in a run that stopped there.
    if epoch > 1:
        _, before = train(epoch - 1, optimizer=optimizer)
        assert error.history.losses == before.losses
    assert error.history.epochs == epoch - 1 and error.history.stop_reason == "non_finite"
    assert error.history.final_loss is None


def test_a_loss_that_is_only_non_finite_after_the_last_update_puts_back_that_epochs_start():
    def finite_while_training(predictions, targets):
        # fit's final evaluation runs under no_grad: make exactly that one NaN.
        loss = mse(predictions, targets)
        return loss if is_grad_enabled() else loss * math.nan

    model, error = train(3, loss=finite_while_training)
    assert isinstance(error, NonFiniteLossError)
    assert "after the last update of epoch 3" in str(error) and error.epoch == 3
    reference, _ = train(2)
    assert bits(model) == bits(reference)  # the start of epoch 3
    assert error.history.epochs == 3


# ---- Ctrl-C ----------------------------------------------------------------------------------


@pytest.mark.parametrize("call", [1, 2, 3, 6])
def test_ctrl_c_in_a_loss_keeps_the_last_complete_epoch_bit_for_bit(call):
    model, error = train(10, loss=FailsAt(call, KeyboardInterrupt()))
    assert isinstance(error, TrainingInterrupted) and isinstance(error, KeyboardInterrupt)
    complete = (call - 1) // BATCHES
    history = error.history
    assert history.epochs == complete and history.stop_reason == "interrupted"
    if complete:
        reference, ref_history = train(complete)
        assert bits(model) == bits(reference)
        assert history.losses == ref_history.losses
    else:
        assert bits(model) == bits(MLP(1, [4, 1], activation="tanh", seed=3))


def test_ctrl_c_in_a_callback_between_epochs_keeps_that_epoch():
    class InterruptAfter:
        def __init__(self, epochs: int) -> None:
            self.epochs, self.count = epochs, 0

        def step(self) -> None:
            self.count += 1
            if self.count == self.epochs:
                raise KeyboardInterrupt

    model, error = train(10, schedule=InterruptAfter(4))
    assert isinstance(error, TrainingInterrupted) and error.history.epochs == 4
    reference, history = train(4)
    assert bits(model) == bits(reference) and error.history.losses == history.losses
    assert "after 4 complete epochs" in str(error)


def test_training_resumed_after_ctrl_c_ends_where_an_uninterrupted_run_ends():
    # Full batch and plain SGD: no shuffle, no optimizer state, so resuming is exact.
    def fresh():
        return MLP(1, [4, 1], activation="tanh", seed=3)

    whole = fresh()
    fit(whole, X, Y, lr=0.1, epochs=6, progress=False)

    model = fresh()
    with pytest.raises(TrainingInterrupted) as info:
        fit(model, X, Y, loss=FailsAt(4, KeyboardInterrupt()), lr=0.1, epochs=6, progress=False)
    assert info.value.history.epochs == 3
    fit(model, X, Y, lr=0.1, epochs=3, progress=False)
    assert bits(model) == bits(whole)


def test_after_ctrl_c_the_model_is_whole_and_usable():
    model, _ = train(10, loss=FailsAt(3, KeyboardInterrupt()))
    assert [n for n, _ in model.named_parameters()] == [
        n for n, _ in MLP(1, [4, 1], seed=0).named_parameters()
    ]
    assert all(p.label == n and math.isfinite(p.data) for n, p in model.named_parameters())
    history = fit(model, X, Y, lr=0.1, epochs=2, progress=False)  # trains on from there
    assert history.epochs == 2 and math.isfinite(history.final_loss)


# ---- Ctrl-C on the command line (simulated in-process; test_cli.py sends a real SIGINT) --------


def run_cli(args, capsys):
    code = cli.main(args)
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines()


def test_ctrl_c_during_training_exits_130_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def interrupted(*args, **kwargs):
        raise TrainingInterrupted(History(losses=[0.7, 0.6, 0.5]))

    monkeypatch.setattr(cli, "fit", interrupted)
    code, lines = run_cli(["train", "--no-progress"], capsys)
    assert code == 130
    assert lines == ["python -m microprop: interrupted after 3 epochs; nothing was saved"]
    assert os.listdir(tmp_path) == []


def test_ctrl_c_while_drawing_says_the_model_was_already_saved(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_save_graph", interrupted)
    code, lines = run_cli(["train", "--epochs", "2", "--no-progress"], capsys)
    assert code == 130
    assert lines == ["python -m microprop: interrupted; only model.json saved"]
    assert load(tmp_path / "model.json") is not None


def test_ctrl_c_during_predict_exits_130(tmp_path, monkeypatch, capsys):
    save(Neuron(2, seed=0), tmp_path / "m.json")

    def interrupted(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "load", interrupted)
    code, lines = run_cli(["predict", str(tmp_path / "m.json"), "1", "2"], capsys)
    assert code == 130 and lines == ["python -m microprop: interrupted; nothing was saved"]


def test_a_failure_writing_the_drawing_keeps_the_model_and_no_temporary(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith((".svg", ".dot")):
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    code, lines = run_cli(["train", "--epochs", "2", "--no-progress"], capsys)
    assert code == 1 and lines == ["python -m microprop: could not save: disk full"]
    assert sorted(os.listdir(tmp_path)) == ["model.json"]
    load(tmp_path / "model.json")


# ---- saving: a failure at every step of the write ------------------------------------------


class HalfWritten:
    """A text file that writes half of what it is given, then fails."""

    def __init__(self, f: io.TextIOBase, error: BaseException) -> None:
        self.f, self.error = f, error

    def write(self, text: str) -> int:
        self.f.write(text[: len(text) // 2])
        self.f.flush()
        raise self.error

    def __getattr__(self, name: str):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def break_step(monkeypatch, step: str, error: BaseException) -> None:
    """Make one step of ``save`` raise ``error``."""
    import tempfile

    def fail(*args, **kwargs):
        raise error

    if step == "json.dumps":
        monkeypatch.setattr(json, "dumps", fail)
    elif step == "tempfile.mkstemp":
        monkeypatch.setattr(tempfile, "mkstemp", fail)
    elif step == "write":
        real_fdopen = os.fdopen
        monkeypatch.setattr(
            os, "fdopen", lambda *a, **k: HalfWritten(real_fdopen(*a, **k), error)
        )
    else:
        module, name = step.split(".")
        monkeypatch.setattr(os, name, fail)


STEPS = ["json.dumps", "tempfile.mkstemp", "write", "os.fsync", "os.chmod", "os.replace"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()],
                         ids=["OSError", "Ctrl-C"])
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("previous", [True, False], ids=["over a file", "new file"])
def test_a_failure_at_any_step_of_saving_leaves_the_previous_file_and_no_temporary(
    tmp_path, monkeypatch, step, error, previous
):
    path = tmp_path / "m.json"
    if previous:
        save(Neuron(2, seed=0), path)
    before = path.read_bytes() if previous else None
    break_step(monkeypatch, step, error)
    if step == "os.chmod" and isinstance(error, OSError):
        save(Neuron(2, seed=1), path)  # permissions are a nicety: the save itself succeeds
        monkeypatch.undo()
        assert bits(load(path)) == bits(Neuron(2, seed=1))
    else:
        with pytest.raises(type(error)):
            save(Neuron(2, seed=1), path)
        monkeypatch.undo()
        if previous:
            assert path.read_bytes() == before
        else:
            assert not path.exists()
    assert [p.name for p in tmp_path.iterdir()] == (["m.json"] if path.exists() else [])
    save(Neuron(2, seed=2), path)  # and the next save works
    assert bits(load(path)) == bits(Neuron(2, seed=2))


# ---- loading: damaged files, and nothing in a file ever runs ----------------------------------


@pytest.fixture
def small_file(tmp_path):
    model = Neuron(2, "tanh", seed=0)
    save(model, tmp_path / "good.json", metadata={"note": "hello"})
    return model, (tmp_path / "good.json").read_text()


def test_a_file_cut_at_any_byte_is_refused(tmp_path, small_file):
    _, text = small_file
    path = tmp_path / "cut.json"
    for cut in range(len(text.rstrip())):
        path.write_text(text[:cut])
        with pytest.raises(ModelFileError):
            load(path)


@pytest.mark.slow
@settings(max_examples=300)
@given(data=st.data())
def test_a_file_with_any_one_byte_changed_is_refused_or_loads_what_it_says(
    tmp_path_factory, data
):
    model = Neuron(2, "tanh", seed=0)
    folder = tmp_path_factory.mktemp("flip", numbered=True)
    save(model, folder / "m.json")
    raw = bytearray((folder / "m.json").read_bytes())
    i = data.draw(st.integers(0, len(raw) - 1), label="position")
    raw[i] = data.draw(st.integers(0, 255).filter(lambda b: b != raw[i]), label="new byte")
    (folder / "m.json").write_bytes(bytes(raw))
    try:
        loaded = load(folder / "m.json")
    except ModelFileError:
        return  # refused, with the file named: fine
    # Accepted: then it is a whole, finite model, read from what the file now says.
    doc = json.loads(bytes(raw).decode("utf-8"))
    assert loaded.state_dict() == {k: float(v) for k, v in doc["parameters"].items()}
    assert all(math.isfinite(p.data) for p in loaded.parameters())


class Payload:
    """Unpickling this creates a file: the proof that something in a model file ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_loading_never_runs_anything_from_the_file(tmp_path, small_file):
    model, text = small_file
    marker = str(tmp_path / "ran")
    code = f"__import__('pathlib').Path({marker!r}).touch()"
    path = tmp_path / "evil.json"
    attempts = [
        pickle.dumps(Payload(marker)),
        pickle.dumps({"format": "microprop-model", "version": 1, "x": Payload(marker)}),
        code.encode(),
        text.replace('"Neuron"', json.dumps(code)).encode(),
        text.replace('"tanh"', json.dumps(code)).encode(),
        text.replace('"w.0"', json.dumps(code)).encode(),
    ]
    for content in attempts:
        path.write_bytes(content)
        with pytest.raises(ModelFileError):
            load(path)
    # Code in the metadata is only ever a string.
    path.write_text(text.replace('"hello"', json.dumps(code)))
    assert bits(load(path)) == bits(model)
    assert not os.path.exists(marker)
