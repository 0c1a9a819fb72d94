"""Pickling several Values that share a graph, each test naming the defect it guards against.

Each Value used to pickle its whole graph as one flat list of plain fields, so a node pickled
beside its consumer came back as two objects (gradients then went to the copy), and the running
values of one chain stored the chain once per value: quadratic size. Now every node is its own
object in the pickle, laid out inputs first, and the pickle's memo shares it.
"""

from __future__ import annotations

import base64
import pickle

import pytest

from microprop import Value

# A graph pickled by microprop 0.1.0 (tanh((a * a + 1) * a) at a = 2, after backward()).
PICKLED_BY_0_1_0 = (
    "gASVEgEAAAAAAACMEG1pY3JvcHJvcC5lbmdpbmWUjAlfdW5waWNrbGWUk5RdlChoAl2UKEdAAAAAAAAAAEc+fMVaTwAAAI"
    "wBYZSMAJQpKXSUYYWUUpQoR0AQAAAAAAAARz5RtIZYAAAAaAaMASqUSwBLAIaUR0AAAAAAAAAAR0AAAAAAAAAAhpR0lChH"
    "QBQAAAAAAABHPlG0hlgAAACMAWKUjAErlEsBhZRHP/AAAAAAAACFlHSUKEdAJAAAAAAAAEc+QbSGWAAAAGgGaApLAksAhp"
    "RHQAAAAAAAAABHQBQAAAAAAACGlHSUKEc/7////clvNUc/8AAAAAAAAGgGjAR0YW5olEsDhZRHPkG0hlgAAACFlHSUZYWU"
    "UpQu"
)


def test_an_inner_node_pickled_beside_its_consumer_comes_back_as_one_object():
    """Defect: b and the b inside c were two objects after loading, so c.backward() filled the
    copy's gradient, not the b the caller held."""
    a = Value(2.0, label="a")
    b = a * a
    c = b + 1.0
    b2, c2 = pickle.loads(pickle.dumps([b, c]))
    assert c2._children[0] is b2
    c2.backward()
    assert b2.grad == 1.0 and b2._children[0].grad == 4.0  # dc/da = 2a = 4


def test_the_running_values_of_a_chain_pickle_in_linear_size():
    """Defect: the 2,000 running values of one chain pickled to 133 MB, the chain once per value."""
    def size(n: int) -> int:
        x, values = Value(1.0), []
        for _ in range(n):
            x = x * 1.0001 + 0.0001
            values.append(x)
        return len(pickle.dumps(values))

    small, large = size(500), size(2000)
    assert large < 5 * small  # four times the nodes, about four times the bytes
    assert large < 500_000


def test_the_running_values_come_back_linked_and_deeper_than_the_recursion_limit():
    x, values = Value(1.0, label="x0"), []
    for _ in range(5_000):
        x = x * 1.0001
        values.append(x)
    loaded = pickle.loads(pickle.dumps(values))
    assert all(later._children[0] is earlier for earlier, later in zip(loaded, loaded[1:]))
    assert loaded[0]._children[0].label == "x0"


@pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
def test_a_graph_pickled_by_microprop_0_1_0_still_loads(protocol):
    c = pickle.loads(base64.b64decode(PICKLED_BY_0_1_0))
    assert c._op == "tanh" and c.data == pytest.approx(0.9999999092),  (c.data,)
    mul = c._children[0]
    b, a = mul._children
    assert (b.label, a.label, a.data) == ("b", "a", 2.0)
    assert b._children[0]._children == (a, a)  # a * a: one a, twice
    assert (c.grad, a.grad) == (1.0, pytest.approx(a.grad))  # gradients come back
    assert a.grad != 0.0 and c._local_grads == pytest.approx((1 - c.data**2,))
    again = pickle.loads(pickle.dumps(c, protocol=protocol))
    assert again.data == c.data


def deep(n: int = 5_000) -> Value:
    x = Value(1.0, label="x0")
    for _ in range(n):
        x = x * 1.0001
    return x


@pytest.mark.parametrize(
    "objects",
    [
        pytest.param(lambda y: [y], id="alone"),
        pytest.param(lambda y: [Value(2.0), y], id="after a leaf"),
        pytest.param(lambda y: [y * 2.0, y], id="after a node that uses it"),
        pytest.param(lambda y: [y._children[0]._children[0], y], id="after one of its inputs"),
    ],
)
def test_a_deep_graph_pickles_without_recursion_wherever_it_comes_in_a_pickle(objects):
    y = deep()
    for _ in range(2):  # twice: what one pickle wrote must not mislead the next
        loaded = pickle.loads(pickle.dumps(objects(y)))
        root = loaded[-1]
        assert root.data == y.data and len(root._topological_order()) == 5_001


def test_a_graph_pickles_in_a_new_thread_too():
    import threading

    y, out = deep(), []

    def twice() -> None:  # a thread's first pickle and its second, of the same deep graph
        out.extend(pickle.dumps([Value(1.0), y]) for _ in range(2))

    thread = threading.Thread(target=twice)
    thread.start()
    thread.join()
    assert [pickle.loads(b)[1].data for b in out] == [y.data, y.data]


def test_a_graph_whose_nodes_are_reached_many_ways_pickles_each_node_once():
    """x = x + x two hundred times: 2**200 paths to the first x, 201 nodes to write."""
    x = Value(1.0)
    for _ in range(200):
        x = x + x
    loaded = pickle.loads(pickle.dumps([Value(2.0), x]))[1]
    assert loaded.data == 2.0**200 and len(loaded._topological_order()) == 201


def test_a_pickle_that_fails_half_way_leaves_the_next_one_whole():
    """A pickle aborted in the middle must not leave a node marked as laid out already."""
    a = Value(1.0)
    b = a * 2.0

    class Broken:
        def __reduce__(self):
            raise RuntimeError("cannot pickle this")

    with pytest.raises(RuntimeError):
        pickle.dumps([b * 3.0, Broken()])
    again = pickle.loads(pickle.dumps(b))
    assert again._children[0].data == 1.0
