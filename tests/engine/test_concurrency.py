"""Threads and asyncio tasks: ``no_grad`` and ``detect_anomaly`` are per thread and per task, and
models trained side by side do not interfere.

The interpreter is told to switch threads every microsecond, so the threads interleave between
almost any two operations rather than running one after the other.
"""

from __future__ import annotations

import asyncio
import math
import struct
import sys
import threading

import pytest

from microprop import Value, detect_anomaly, is_anomaly_enabled, is_grad_enabled, no_grad
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


# ---- asyncio tasks and threads: no_grad() and detect_anomaly() per task -------------------------
# no_grad() and detect_anomaly() under asyncio tasks and threads, each test naming the defect.
#
# The switches were per thread, so two asyncio tasks interleaving inside the blocks in one thread
# saw each other's switch, and the one that left first restored the state the other had entered
# with. They are now context variables: per thread and per task, and a task starts with the
# switches of the code that created it.


def records() -> bool:
    """Whether an op made here is recorded into the graph."""
    return (Value(1.0) * 2.0)._children != ()


def test_a_task_outside_no_grad_records_while_another_task_waits_inside_it():
    """Defect: a task outside no_grad() built no graph while another task was inside."""
    seen = {}

    async def inside(entered: asyncio.Event, done: asyncio.Event) -> None:
        with no_grad():
            entered.set()
            await done.wait()
            seen["inside"] = records()

    async def outside(entered: asyncio.Event, done: asyncio.Event) -> None:
        await entered.wait()
        seen["outside"] = records()
        done.set()

    async def main() -> None:
        entered, done = asyncio.Event(), asyncio.Event()
        await asyncio.gather(inside(entered, done), outside(entered, done))

    asyncio.run(main())
    assert seen == {"inside": False, "outside": True}


@pytest.mark.parametrize(
    ("block", "is_on", "default"),
    [(no_grad, is_grad_enabled, True), (detect_anomaly, is_anomaly_enabled, False)],
    ids=["no_grad", "detect_anomaly"],
)
def test_two_tasks_that_leave_their_blocks_out_of_order_leave_the_switch_as_it_was(
    block, is_on, default
):
    """Defect: A enters, B enters, A leaves, B leaves: B restored what it saw on entering (A's
    switch), so recording stayed off (or anomaly checks on) for good after both had left."""
    steps: list[tuple[str, bool]] = []

    async def task(name: str, enter: asyncio.Event, leave: asyncio.Event) -> None:
        await enter.wait()
        with block():
            steps.append((f"{name} in", is_on()))
            await leave.wait()
            steps.append((f"{name} still in", is_on()))

    async def main() -> None:
        a_in, b_in, a_out, b_out = (asyncio.Event() for _ in range(4))
        tasks = [asyncio.create_task(task("A", a_in, a_out)),
                 asyncio.create_task(task("B", b_in, b_out))]
        for event in (a_in, b_in, a_out, b_out):  # A in, B in, A out, B out
            event.set()
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)
        steps.append(("after both", is_on()))

    asyncio.run(main())
    inside = not default
    assert steps == [("A in", inside), ("B in", inside), ("A still in", inside),
                     ("B still in", inside), ("after both", default)]
    assert is_on() is default


def test_a_task_created_inside_no_grad_starts_inside_it_and_cannot_switch_its_creator_back():
    async def child() -> bool:
        with no_grad():
            pass
        return records()

    async def main() -> tuple[bool, bool]:
        with no_grad():
            task = asyncio.create_task(child())
            await asyncio.sleep(0)
            return await task, records()

    assert asyncio.run(main()) == (False, False)
    assert records()


def test_threads_and_tasks_together_each_keep_their_own_switch():
    """A thread inside detect_anomaly() while tasks in the main thread record and compute NaN:
    only the thread raises, only its ops are checked."""
    in_thread, release = threading.Event(), threading.Event()
    seen = {}

    def worker() -> None:
        with detect_anomaly(), no_grad():
            in_thread.set()
            release.wait(10)
            seen["thread records"] = records()
            try:
                Value(math.inf) - math.inf
            except FloatingPointError:
                seen["thread raised"] = True

    async def task() -> tuple[bool, float]:
        await asyncio.sleep(0)
        return records(), (Value(math.inf) - math.inf).data

    thread = threading.Thread(target=worker)
    thread.start()
    assert in_thread.wait(10)

    async def main() -> list:
        return await asyncio.gather(task(), task())

    results = asyncio.run(main())
    release.set()
    thread.join(10)
    assert [r for r, _ in results] == [True, True]
    assert all(math.isnan(x) for _, x in results)
    assert seen == {"thread records": False, "thread raised": True}
