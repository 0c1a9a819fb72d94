"""A graph lives exactly as long as something refers to it: no reference cycles, flat memory."""

import gc
import math
import tracemalloc
import weakref
from contextlib import contextmanager

import pytest

from microprop import Value, nary, no_grad


@contextmanager
def cyclic_gc_off():
    """Only reference counting frees objects inside: whatever survives is held or in a cycle."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def every_op(x, y, z):
    """One expression through every op the engine records."""
    a = x * y + z - 2.0 * x / y
    b = (x**2 + y**z + 2.0**x + 1.0 / y + 3.0 - x) * (-z)
    c = a.exp() + b.abs().log() + (x * x).sqrt() + a.tanh() + b.sigmoid()
    d = c.relu() + c.leaky_relu(0.1) + abs(a) + nary.dot([x, y, 0.5], [y, 2.0, z], z)
    return nary.sum([a, b, c, d, 1.0])


def test_a_graph_is_freed_by_reference_counting_as_soon_as_its_root_is_dropped():
    x, y, z = Value(0.5), Value(1.5), Value(2.0)
    with cyclic_gc_off():
        out = every_op(x, y, z)
        out.backward()
        out.zero_grad()
        out._topological_order()
        inner = [weakref.ref(v) for v in out._topological_order() if v._children]
        assert len(inner) > 20
        del out
        assert [r for r in inner if r() is not None] == []
    assert x.grad == y.grad == z.grad == 0.0  # leaves stay, as the caller still holds them


def test_backward_keeps_nothing_alive_and_leaves_hold_no_reference_to_results():
    w = [Value(0.1 * k) for k in range(8)]
    with cyclic_gc_off():
        out = nary.dot(w, w, 1.0).tanh() * 3.0
        root = weakref.ref(out)
        out.backward()
        out.backward()
        del out
        assert root() is None
    assert all(v._children == () for v in w)


def test_nothing_is_left_for_the_cycle_collector():
    x, y, z = Value(0.5), Value(1.5), Value(2.0)
    with cyclic_gc_off():
        for _ in range(20):
            out = every_op(x, y, z)
            out.backward()
            with no_grad():
                every_op(x, y, z)
        del out
        found = gc.collect()  # counts unreachable objects: a cycle would be one
    assert found == 0


def test_memory_stays_flat_across_many_training_steps():
    # A small MLP (2 -> 8 -> 8 -> 1) trained full batch on 8 points, as a training loop does it.
    def layer(nin, nout):
        return [
            ([Value(math.sin(7.0 * k + j)) for k in range(nin)], Value(0.0)) for j in range(nout)
        ]

    layers = [layer(2, 8), layer(8, 8), layer(8, 1)]
    params = [p for lay in layers for w, b in lay for p in (*w, b)]
    X = [[math.cos(k), math.sin(2.0 * k)] for k in range(8)]
    Y = [1.0 if k % 2 else -1.0 for k in range(8)]

    def step():
        losses = []
        for x, y in zip(X, Y):
            a = x
            for i, lay in enumerate(layers):
                z = [nary.dot(w, a, b) for w, b in lay]
                a = z if i == len(layers) - 1 else [v.relu() for v in z]
            losses.append((1.0 - y * a[0]).relu())
        loss = nary.sum(losses) * (1.0 / len(losses)) + 1e-4 * nary.sum([p * p for p in params])
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= 0.05 * p.grad

    with cyclic_gc_off():
        tracemalloc.start()
        try:
            for _ in range(5):
                step()
            settled = tracemalloc.get_traced_memory()[0]
            for _ in range(200):
                step()
            grown = tracemalloc.get_traced_memory()[0] - settled
        finally:
            tracemalloc.stop()
    # One step's graph is about 50 kB: keeping even one of the 200 graphs would show.
    assert grown < 10_000


@pytest.mark.slow
def test_ten_thousand_training_steps_of_the_article_network_keep_memory_flat():
    from microprop import losses
    from microprop.nn import article_network
    from microprop.optim import SGD

    model = article_network("tanh", seed=0)
    optimizer = SGD(model.parameters(), lr=0.01)
    rows = [[math.sin(k), math.cos(k), math.sin(2.0 * k), math.cos(3.0 * k)] for k in range(10)]
    targets = [1.0 if k % 3 else 0.0 for k in range(10)]

    def step(k):
        optimizer.zero_grad()
        loss = losses.mse([model(rows[k % 10])], [targets[k % 10]])
        loss.backward()
        optimizer.step()

    with cyclic_gc_off():  # with the collector off, only reference counting can free a graph
        tracemalloc.start()
        try:
            for k in range(100):
                step(k)
            settled = tracemalloc.get_traced_memory()[0]
            for k in range(10_000):
                step(k)
            grown = tracemalloc.get_traced_memory()[0] - settled
        finally:
            tracemalloc.stop()
    # One step's graph is a few kB; 10,000 kept graphs would be tens of MB.
    assert grown < 16_000, f"memory grew by {grown} bytes over 10,000 steps"
