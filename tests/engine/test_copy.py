"""copy.copy, copy.deepcopy and pickle of Values and models: a working copy or a clear refusal.

Never a copy that writes into the original graph. A deep copy or an unpickled graph is a graph of
its own (reused nodes stay reused); a model's deep copy trains on its own and to the same numbers;
``copy.copy(model)`` is refused because it would share the parameters. The refusals are rows in
test_bad_input_engine.py and test_bad_input_nn.py.
"""

from __future__ import annotations

import copy
import pickle
import struct

import pytest

from microprop import Value, no_grad
from microprop.nn import MLP, Layer, Neuron, article_network
from microprop.train import fit

DEEP = 5_000  # deeper than Python's recursion limit (1000)


def bits(model) -> list[bytes]:
    return [struct.pack("<d", p.data) for p in model.parameters()]


def small_graph():
    """``y = tanh(x * x + w * x) / 2`` with x reused, after backward()."""
    x, w = Value(1.5, label="x"), Value(-0.5, label="w")
    y = (x * x + w * x).tanh() / 2.0
    y.label = "y"
    y.backward()
    return x, w, y


def shape(root: Value) -> list[tuple]:
    """The graph as plain data: each node's numbers, op and inputs by position."""
    order = root._topological_order()
    index = {v: i for i, v in enumerate(order)}
    return [
        (v.data, v.grad, v.label, v._op, tuple(index[c] for c in v._children), v._local_grads)
        for v in order
    ]


def grads_below(root: Value) -> list[float]:
    return [v.grad for v in root._topological_order()]


def deep_chain():
    x = v = Value(1.0, label="x")
    for _ in range(DEEP):
        v = v * 1.0001
    return x, v


# ---- Value -----------------------------------------------------------------------------------


def test_a_shallow_copy_of_a_leaf_is_an_independent_leaf():
    x = Value(2.0, label="x")
    x.grad = 0.5
    c = copy.copy(x)
    assert c is not x and (c.data, c.grad, c.label, c._children) == (2.0, 0.5, "x", ())
    c.data, c.grad = 9.0, 9.0
    (c * 3.0).backward()
    assert (x.data, x.grad) == (2.0, 0.5)


def test_a_shallow_copy_of_a_value_made_under_no_grad_is_a_leaf_like_it():
    with no_grad():
        y = Value(2.0) * 3.0
    y.label = "y"
    c = copy.copy(y)
    assert c is not y and (c.data, c.label, c._op, c._children, c._local_grads) == (
        6.0, "y", "*", (), ())


def test_a_deep_copy_of_a_graph_is_the_same_graph_and_independent():
    x, w, y = small_graph()
    before = shape(y)
    c = copy.deepcopy(y)
    assert shape(c) == before  # same numbers, ops and wiring, x still used twice
    assert not set(c._topological_order()) & set(y._topological_order())  # no shared node
    c.zero_grad()
    c.backward()
    for v in c._topological_order():
        v.data += 1.0
    assert shape(y) == before


def test_deep_copying_a_graph_and_its_leaves_together_keeps_them_linked():
    x, w, y = small_graph()
    x2, y2 = copy.deepcopy((x, y))
    assert x2 in y2._topological_order() and x not in y2._topological_order()


def test_a_deep_copy_of_a_graph_deeper_than_the_recursion_limit_works():
    x, y = deep_chain()
    c = copy.deepcopy(y)
    c.backward()
    assert c.data == y.data and x.grad == 0.0
    assert c._topological_order()[0].grad == pytest.approx(1.0001**DEEP)


@pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
def test_a_pickled_graph_round_trips_with_its_reused_nodes(protocol):
    x, w, y = small_graph()
    before = shape(y)
    z = pickle.loads(pickle.dumps(y, protocol=protocol))
    assert shape(z) == before
    z.zero_grad()
    z.backward()
    assert shape(z) == before and shape(y) == before  # same gradients again; y untouched


def test_pickling_a_graph_and_its_leaves_together_keeps_them_linked():
    x, w, y = small_graph()
    x2, y2 = pickle.loads(pickle.dumps((x, y)))
    assert x2 in y2._topological_order() and x not in y2._topological_order()
    before = x.grad
    y2.backward()
    assert x2.grad == pytest.approx(2 * before) and x.grad == before  # into x2, not x


def test_a_graph_deeper_than_the_recursion_limit_pickles():
    x, y = deep_chain()
    z = pickle.loads(pickle.dumps(y))
    z.backward()
    assert z.data == y.data and z._topological_order()[0].grad == pytest.approx(1.0001**DEEP)


# ---- models ----------------------------------------------------------------------------------

MODELS = [
    article_network(seed=1),
    MLP(3, [4, 4, 1], activation="relu", output_activation="sigmoid", seed=2),
    Layer(3, 2, "tanh", bias=False, seed=3),
    Neuron(4, "linear", seed=4),
]


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_a_deep_copy_of_a_model_is_equal_and_shares_nothing(model):
    c = copy.deepcopy(model)
    assert type(c) is type(model) and repr(c) == repr(model)
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in model.named_parameters()]
    assert bits(c) == bits(model)
    assert [p.label for p in c.parameters()] == [p.label for p in model.parameters()]
    assert not {id(p) for p in c.parameters()} & {id(p) for p in model.parameters()}


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_a_pickled_model_round_trips_bit_for_bit_and_computes_the_same(model):
    c = pickle.loads(pickle.dumps(model))
    assert type(c) is type(model) and repr(c) == repr(model) and bits(c) == bits(model)
    x = [0.25 * (k + 1) for k in range(model.nin)]
    out, out_c = model(x), c(x)
    if isinstance(out, list):
        assert [v.data for v in out] == [v.data for v in out_c]
    else:
        assert out.data == out_c.data


X = [[a / 2, b / 2] for a in range(-2, 3) for b in range(-2, 3)]
Y = [float(a * b > 0) for a, b in X]


def train(model):
    return fit(model, X, Y, loss="bce", lr=0.3, epochs=5, batch_size=5, seed=1,
               progress=False).losses


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_model_trains_on_its_own_to_the_same_numbers_as_the_original(how):
    original = MLP(2, [5, 5, 1], activation="tanh", seed=0)
    original(X[0]).backward()  # a graph and some grads hanging off the parameters
    start = bits(original)
    c = copy.deepcopy(original) if how == "deepcopy" else pickle.loads(pickle.dumps(original))
    losses = train(c)
    assert bits(original) == start  # training the copy did not touch the original
    assert train(original) == losses
    assert bits(original) == bits(c)
