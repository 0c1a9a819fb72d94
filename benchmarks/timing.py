"""The clocks every implementation is timed by: one training loop for the trained problems, and
one chain timer for the engines that record a graph. An implementation brings only its step.

CPU time, because other programs on a shared machine disturb it less than wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import islice
from typing import Any, NamedTuple

from benchmarks.problems import CHAIN_A, CHAIN_C, Training

clock = time.process_time


class Steps(NamedTuple):
    """What an implementation brings to the training loop."""

    step: Callable[[Any], Any]  # one training step on one item of the problem; returns its loss
    read: Callable[[Any], float]  # that loss as a float
    info: dict | None = None  # more to report with the result (microprop: which network ran)
    # The problem's data in the form this implementation's steps take it, when it converts it
    # before the clock starts (one tensor per sample); None: the problem's own data.
    data: Any = None


def train(training: Training, build: Callable[[Any], Steps], cfg: dict) -> dict:
    """Build one implementation's steps for a problem, run the warm-up, then time the rest."""
    data = training.data(cfg)
    step, read, info, own = build(data)
    items = iter(training.steps(cfg, data if own is None else own))
    for item in islice(items, training.warmup):
        loss = step(item)
    start = clock()
    # A step's loss (and so its graph) lives until the next step has built its own, as in a
    # training script. Two loops, so the demo reads its loss once, after the clock, as it did.
    if training.summed:
        total = 0.0
        for item in items:
            loss = step(item)
            total += read(loss)
        seconds = clock() - start
    else:
        for item in items:
            loss = step(item)
        seconds = clock() - start
        total = read(loss)
    return {"seconds": seconds, "loss": total, **(info or {})}


def time_chain(leaf: Callable[[float], Any], n: int) -> tuple[Any, Any, float, float]:
    """``x = x * a + c`` n times from the leaf x0 = 1, then ``x.backward()``: (x0, x, seconds to
    build, seconds to build and run backward)."""
    x0 = leaf(1.0)
    x = x0
    start = clock()
    for _ in range(n):
        x = x * CHAIN_A + CHAIN_C
    built = clock()
    x.backward()
    return x0, x, built - start, clock() - start
