"""copy.copy, copy.deepcopy and pickle of Values and models: a working copy or a clear refusal.

Never a copy that writes into the original graph. A deep copy or an unpickled graph is a graph of
its own (reused nodes stay reused); a model's deep copy trains on its own and to the same numbers;
``copy.copy(model)`` is refused because it would share the parameters. The refusals are rows in
test_bad_input_engine.py and test_bad_input_nn.py.
"""

from __future__ import annotations

import base64
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


# ---- pickling several Values that share a graph -------------------------------------------------
# Pickling several Values that share a graph, each test naming the defect it guards against.
#
# Each Value used to pickle its whole graph as one flat list of plain fields, so a node pickled
# beside its consumer came back as two objects (gradients then went to the copy), and the running
# values of one chain stored the chain once per value: quadratic size. Now every node is its own
# object in the pickle, laid out inputs first, and the pickle's memo shares it.


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


def test_an_unpickled_constant_op_is_differentiated_again_and_compiled():
    """Defect: the marker that says "this constant is the slope" (x * c, a dot of data) came back
    from a pickle as a new object, so the rule was handed the marker instead of the number."""
    import microprop

    x = Value(0.7)
    x2, y2, z2 = pickle.loads(pickle.dumps((x, x * 3.0, microprop.dot([x], [2.0], 0.0))))
    assert microprop.grad(y2, x2, create_graph=True)[0].data == 3.0
    assert microprop.compile(lambda: y2, [x2])() == (0.7 * 3.0, [3.0])
    assert microprop.compile(lambda: z2, [x2])() == (0.0 + 0.7 * 2.0 + 0.0, [2.0])


def test_an_unpickled_op_of_your_own_keeps_the_keywords_it_was_called_with():
    """Defect: an op of one's own was pickled by its name alone, so the keywords of the call
    were lost, and the unpickled graph compiled to other numbers with no error."""
    import microprop

    @microprop.op("power_kw", rule=lambda out, x, p=2.0: (p * x ** (p - 1),))
    def power_kw(x, p=2.0):
        return x**p, (p * x ** (p - 1),)

    x = Value(2.0)
    x2, y2 = pickle.loads(pickle.dumps((x, power_kw(x, p=3.0))))
    assert microprop.compile(lambda: y2, [x2])() == (8.0, [12.0])
    assert microprop.func.grad(microprop.func.grad(lambda v: power_kw(v, p=3.0)))(0.7) == (
        3.0 * 2.0 * 0.7)
