"""no_grad() and detect_anomaly() under asyncio tasks and threads, each test naming the defect.

The switches were per thread, so two asyncio tasks interleaving inside the blocks in one thread
saw each other's switch, and the one that left first restored the state the other had entered
with. They are now context variables: per thread and per task, and a task starts with the
switches of the code that created it.
"""

from __future__ import annotations

import asyncio
import math
import threading

import pytest

from microprop import Value, detect_anomaly, is_anomaly_enabled, is_grad_enabled, no_grad


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
