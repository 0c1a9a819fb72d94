"""explain and backward_steps on graphs that are big in total, each test naming the defect it
guards against.

explain capped the number of paths but not their length, so ``sum(losses)`` over 10,000 samples
(Python's built-in sum: a chain of 10,000 ``+``) passed the cap with 10,000 paths of up to 10,000
nodes each, and ran out of memory building them; backward_steps recorded an Update per edge of
any graph. Both now count what they would build, in one pass, and refuse above a bound.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

from microprop import Value
from microprop.explain import backward_steps, explain


def summed_losses(n: int) -> tuple[Value, Value]:
    """sum(losses) over n samples of a line fit, as micrograd's demo builds it, and the weight."""
    w, b = Value(0.5, label="w"), Value(0.1, label="b")
    losses = [(w * (i / n) + b - 1.0) ** 2 for i in range(n)]
    return sum(losses), w  # type: ignore[return-value]


def test_explain_refuses_paths_whose_total_length_is_huge_before_building_any():
    """Defect: 10,000 paths of up to 10,000 nodes each passed max_paths and ran out of memory."""
    total, w = summed_losses(10_000)
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(ValueError) as caught:
        explain(total, w)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    message = str(caught.value)
    assert "10,000 paths" in message and "50,055,000 nodes" in message
    assert "max_total_length=1,000,000" in message and "one sample's loss" in message
    assert seconds < 5 and peak < 20_000_000


def test_explain_counts_each_nodes_place_on_every_path_through_it():
    """The length bound counts a node once per path: x * x has two paths of two nodes."""
    x = Value(3.0, label="x")
    y = x * x
    assert sum(len(p.nodes) for p in explain(y, x, max_total_length=4).paths) == 4
    with pytest.raises(ValueError, match="2 paths from the root to x have 4 nodes"):
        explain(y, x, max_total_length=3)


def test_explain_narrowed_to_one_sample_or_a_raised_limit_still_answers():
    """The ways out the message names work: one sample's loss, or a higher limit."""
    total, w = summed_losses(300)
    one = total._children[1]  # the last sample's loss
    assert len(explain(one, w).paths) == 1
    e = explain(total, w, max_total_length=100_000)
    assert len(e.paths) == 300 and e.total == pytest.approx(float(explain(total, w)))


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_explain_max_total_length_must_be_a_positive_int(bad):
    x = Value(1.0, label="x")
    with pytest.raises((TypeError, ValueError), match=r"explain\(max_total_length\)"):
        explain(x * 2.0, x, max_total_length=bad)


def test_backward_steps_refuses_a_graph_with_too_many_updates_before_recording_any():
    """Defect: an Update (hundreds of bytes) per edge of any graph, however big."""
    total, _ = summed_losses(40_000)
    start = time.perf_counter()
    with pytest.raises(ValueError) as caught:
        backward_steps(total)
    assert time.perf_counter() - start < 5
    message = str(caught.value)
    assert "200,000 steps" in message and "279,999 updates" in message
    assert "max_updates=100,000" in message and "one sample's loss" in message


def test_backward_steps_under_a_raised_limit_replays_the_whole_graph():
    total, _ = summed_losses(50)
    with pytest.raises(ValueError, match="349 updates"):
        backward_steps(total, max_updates=300)
    assert len(backward_steps(total, max_updates=349)) == 250


@pytest.mark.parametrize("bad", [0, 2.0, None])
def test_backward_steps_max_updates_must_be_a_positive_int(bad):
    x = Value(1.0, label="x")
    with pytest.raises((TypeError, ValueError), match=r"backward_steps\(max_updates\)"):
        backward_steps(x * 2.0, max_updates=bad)
