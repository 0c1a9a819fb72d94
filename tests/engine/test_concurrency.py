"""Threads: ``no_grad`` is per thread, and models trained side by side do not interfere.

The interpreter is told to switch threads every microsecond, so the threads interleave between
almost any two operations rather than running one after the other.
"""

from __future__ import annotations

import struct
import sys
import threading

import pytest

from microprop import Value, is_grad_enabled, no_grad
from microprop.nn import MLP
from microprop.train import fit, predict


@pytest.fixture(autouse=True)
def switch_threads_often():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def run_together(*targets):
    """Start every target at the same moment in its own thread; re-raise the first error."""
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def wrapped(target):
        try:
            barrier.wait(10)
            target()
        except BaseException as e:  # noqa: BLE001 - handed to the main thread below
            errors.append(e)

    threads = [threading.Thread(target=wrapped, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    if errors:
        raise errors[0]


def test_no_grad_toggled_in_one_thread_never_leaks_into_another():
    rounds = 5_000
    recorded, unrecorded = [], []

    def toggler():
        x = Value(1.5)
        for _ in range(rounds):
            with no_grad():
                y = (x * 2.0 + x).tanh()
                unrecorded.append(y._children == () and not is_grad_enabled())

    def builder():
        x = Value(0.5)
        for _ in range(rounds):
            y = (x * 2.0 + x).tanh()
            z = y.sigmoid()
            recorded.append(is_grad_enabled() and z._children == (y,) and len(y._children) == 1)

    run_together(toggler, builder, builder)
    assert len(unrecorded) == rounds and all(unrecorded)
    assert len(recorded) == 2 * rounds and all(recorded)
    assert is_grad_enabled()


def test_a_thread_started_inside_no_grad_still_records():
    seen = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append((is_grad_enabled(), Value(1.0) * 2)))
        t.start()
        t.join()
    enabled, y = seen[0]
    assert enabled and len(y._children) == 1


def bits(model) -> list[bytes]:
    return [struct.pack("<d", p.data) for p in model.parameters()]


# XOR-like points: enough to make a small network work for a few epochs.
X = [[a / 2, b / 2] for a in range(-2, 3) for b in range(-2, 3)]
Y = [1.0 if (a > 0) != (b > 0) else 0.0 for a, b in X]


def train() -> tuple[MLP, list[float]]:
    model = MLP(2, [6, 6, 1], activation="tanh", seed=11)
    history = fit(model, X, Y, loss="bce", lr=0.2, epochs=6, batch_size=5, seed=5,
                  progress=False)
    return model, history.losses


def test_two_models_trained_at_once_end_bit_for_bit_as_when_trained_one_after_the_other():
    first, first_losses = train()
    second, second_losses = train()
    assert bits(first) == bits(second)  # the reference: deterministic, one after the other

    results = []

    def trainer():
        results.append(train())

    def evaluator():  # and predictions under no_grad, all the while
        model = MLP(2, [6, 6, 1], activation="tanh", seed=1)
        for _ in range(40):
            predict(model, X)

    run_together(trainer, trainer, evaluator)
    assert len(results) == 2
    for model, losses in results:
        assert bits(model) == bits(first)
        assert losses == first_losses
