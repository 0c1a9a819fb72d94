"""Memory per recorded op: tracemalloc sees Python's allocations while a chain is built and run
backward, and while one demo sample records its graph.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks.implementations import IMPLEMENTATION, recursion_for
from benchmarks.problems import CHAIN_A, CHAIN_C, demo_problem


def memory(impl: str, n: int, cfg: dict) -> dict:
    """Bytes per op of a chain after building it and after backward(), and per demo sample."""
    implementation = IMPLEMENTATION[impl]
    if implementation.engine is None:
        raise ValueError(f"{impl} has no engine whose memory the benchmarks measure")
    Value, model = implementation.engine()
    if implementation.recursive:
        sys.setrecursionlimit(max(sys.getrecursionlimit(), recursion_for(n)))
    gc.collect()
    tracemalloc.start()
    built, after = chain_bytes(Value, n)
    gc.collect()
    sizes, layers, X, Y = demo_problem(cfg)
    per_sample = sample_bytes(model(sizes, layers), X, Y)
    tracemalloc.stop()
    ops = 2 * n
    return {"forward": built / ops, "backward": after / ops, "sample": per_sample}


def chain_bytes(Value: Any, n: int) -> tuple[int, int]:
    """Bytes a chain of n iterations holds once built, and once backward() has run."""
    x0 = Value(1.0)
    x = x0
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(n):
        x = x * CHAIN_A + CHAIN_C
    built = tracemalloc.get_traced_memory()[0]
    x.backward()
    after = tracemalloc.get_traced_memory()[0]
    return built - before, after - before


def sample_bytes(forward: Callable, X: list, Y: list) -> float:
    """The graph one training sample of the demo records (forward pass and its hinge loss)."""
    samples = min(10, len(X))
    gc.collect()
    start = tracemalloc.get_traced_memory()[0]
    losses = [(1 + -y * forward(x)).relu() for x, y in zip(X[:samples], Y[:samples])]
    per_sample = (tracemalloc.get_traced_memory()[0] - start) / samples
    del losses
    gc.collect()
    return per_sample
