"""compile's NumPy backend (microprop/batched.py): one trace run over a whole batch, the neurons
of a layer as one matrix product, the sums over the batch within 1e-12 of eager's."""

from __future__ import annotations

import importlib
import math
import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from programs import programs, run

from microprop import Value, article, custom_op, losses, nary
from microprop.engine import _walk
from microprop.nn import MLP, article_network

np = pytest.importorskip("numpy")
batched = importlib.import_module("microprop.batched")
compiling = importlib.import_module("microprop.compile")  # the module, not the function


def traced(fn, params, args, indices=()):
    """``batched.program`` of ``fn`` traced on ``args``, its arguments built as compile's
    ``_Program`` builds them; and the leaves, parameters first, whose numbers P holds."""
    shape, flat = compiling._structure(tuple(args), "test", frozenset(indices))
    built = compiling._rebuild(shape, flat, traced=True)
    arg_leaves = compiling._leaves_of(built)
    trace = compiling._Trace()
    with compiling._tracing(trace):
        root = fn(*built)
    order = compiling._with_compared(_walk(root), trace.guards)
    arg_ids = {id(a): i for i, a in enumerate(arg_leaves)}
    indexes = [a for a in arg_leaves if isinstance(a, compiling._Index)]
    others = [v for v in order if not v._children and id(v) not in arg_ids
              and not compiling._computed_without_inputs(v) and v not in set(params)]
    leaves = list(params) + others
    names = compiling._names(order, arg_ids, leaves, len(params), indexes)
    return batched.program(root, order, arg_ids, leaves, len(params), indexes, trace,
                           names, compiling._passing(root, trace.cut_ids)), leaves


def flat_rows(rows, indices=()):
    return [compiling._structure(tuple(r), "test", frozenset(indices))[1] for r in rows]


def eager_sums(fn, params, rows):
    """The sum over the rows of fn's value and of each parameter's gradient, by eager."""
    for p in params:
        p.grad = 0.0
    total = 0.0
    for r in rows:
        out = fn(*[[Value(x) for x in a] if isinstance(a, list) else
                   Value(a) if isinstance(a, float) else a for a in r])
        out.backward()
        total += out.data
    return total, [p.grad for p in params]


def close(got, want, rel=1e-12):
    return math.isclose(got, want, rel_tol=rel, abs_tol=rel * 1e-3)


def batch_agrees(fn, params, rows, indices=(), rel=1e-12):
    program, leaves = traced(fn, params, rows[0], indices)
    total, grads = program.batch([v.data for v in leaves], flat_rows(rows, indices))
    want_total, want_grads = eager_sums(fn, params, rows)
    assert close(total, want_total, rel), (total, want_total)
    bad = [(i, g, w) for i, (g, w) in enumerate(zip(grads, want_grads)) if not close(g, w, rel)]
    assert not bad, bad
    return program


def random_rows(n, width, lo=-2.0, hi=2.0):
    return [[random.uniform(lo, hi) for _ in range(width)] for _ in range(n)]


# ---- MLPs and losses: equal to eager ----------------------------------------------------------

@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_an_mlp_with_mse_sums_the_batch_as_eager(activation):
    model = MLP(3, [5, 4, 1], activation=activation, seed=1)

    def fn(x, y):
        s = model(x)
        return losses.mse(s, 1) + (s - y) ** 2  # a target of the trace, and one of the data

    rows = [[x, random.uniform(-1, 1)] for x in random_rows(40, 3)]
    batch_agrees(fn, model.parameters(), rows)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_an_mlp_with_cross_entropy_sums_the_batch_as_eager(activation):
    model = MLP(4, [6, 3], activation=activation, seed=2)

    def fn(x):
        return losses.cross_entropy(model(x), 2)  # the class: a constant of the trace

    batch_agrees(fn, model.parameters(), [[x] for x in random_rows(30, 4)])


def test_a_class_that_is_an_index_argument_is_taken_for_each_sample():
    model = MLP(4, [5, 3], seed=3)

    def fn(x, t):
        s = model(x)
        return nary.logsumexp(s) - nary.take(s, t)  # cross-entropy, the class as data

    rows = [[x, random.randrange(3)] for x in random_rows(30, 4)]
    program = batch_agrees(fn, model.parameters(), rows, indices=[1])
    assert "_select(i4, " in program.source and "_in_range(i4, 3)" in program.source  # place 4


def test_the_article_network_s_cost_with_its_names_sums_as_eager():
    model = article_network("tanh", seed=5)

    def fn(x, y):
        return article.forward(model, x, y).C

    batch_agrees(fn, model.parameters(), [[x, random.choice([0.0, 1.0])]
                                          for x in random_rows(25, 4)])


def test_a_table_of_functions_of_every_kind_of_op_sums_as_eager():
    w, u = Value(0.7, label="w"), Value(-0.4, label="u")

    @custom_op.op("cube")
    def cube(x):
        return x**3, (3 * x**2,)

    cases = [
        lambda x: (w * x).exp() + (u * x).tanh() * w,
        lambda x: ((w * x) ** 2 + 1.0).log() / (u * u + 1.0),
        lambda x: ((w * x) ** 2 + 0.5).sqrt() + (w * x + 3.0) ** 0.5 + (w * x + 3.0) ** 1.5,
        lambda x: (w * x).relu() + (u * x).leaky_relu(0.1) + abs(w * x - u),
        lambda x: (w * x).sigmoid() * 2.0 - 3.0 / (u * x - 5.0),
        lambda x: (w * x + 4.0) ** u + 2.0 ** (u * x) + (w * x) ** 0.0 * u,
        lambda x: nary.logsumexp([w * x, u, 1.0, w * u * x]) - nary.sum([w, x, 2.0]),
        lambda x: nary.take([w * x, u, 2.0], 1) * nary.dot([w, u], [x, 0.5], 1.0),
        lambda x: cube(w * x) + (w * x).detach() * u,
        lambda x: -(w * x) * (w * x) + w,  # one node read twice, a leaf added last
    ]
    rows = [[x] for x in (0.3, -1.2, 0.9, 1.7, -0.6, 2.0)]
    for k, fn in enumerate(cases):
        try:
            batch_agrees(fn, [w, u], rows)
        except AssertionError as error:
            raise AssertionError(f"case {k}: {error}") from None


def test_a_function_of_no_argument_is_its_value_times_the_rows():
    w = Value(1.5)
    program, leaves = traced(lambda: w * w + 1.0, [w], [])
    assert program.batch([1.5], [[], [], []]) == (3 * 3.25, (9.0,))
    assert program.batch([1.5], []) == (0.0, (0.0,))


def test_a_parameter_in_a_layer_and_in_a_penalty_gets_both_gradients():
    model = MLP(2, [3, 1], seed=4)

    def fn(x):
        return losses.mse(model(x), 1) + losses.l2_penalty(model.parameters(), 0.01)

    batch_agrees(fn, model.parameters(), [[x] for x in random_rows(20, 2)])


def test_a_weight_shared_by_two_neurons_of_a_layer_is_added_at_both_places():
    w, v, b = Value(0.3), Value(-0.8), Value(0.1)

    def fn(x1, x2):
        z1 = nary.dot([w, v], [x1, x2], b)
        z2 = nary.dot([v, w], [x1, x2], b)  # the same inputs: one layer, each weight twice
        return (z1.tanh() * z2).exp()

    program = batch_agrees(fn, [w, v, b], [list(r) for r in random_rows(10, 2, -1, 1)])
    assert "_scatter(G, _W1, dW1)" in program.source


@settings(max_examples=60, deadline=None)
@given(programs(max_steps=12), st.lists(st.floats(-3, 3), min_size=5, max_size=5))
def test_a_random_program_over_every_op_sums_as_eager_or_falls_back(program, numbers):
    """Where eager is finite and the batch gives numbers, they are eager's; where eager raises
    or gives inf or NaN, the batch falls back to the exact path."""
    leaves, steps = program
    w = Value(0.75, label="w")

    def fn(*xs):
        return run([w * x for x in xs], steps, "on_values")[-1] * w

    rows = [[x + d for x in leaves] for d in numbers]
    try:
        total, grads = eager_sums(fn, [w], rows)
        finite = math.isfinite(total) and math.isfinite(grads[0])
    except (ArithmeticError, ValueError):
        finite = False
    made, all_leaves = traced(fn, [w], rows[0])
    try:
        got_total, got_grads = made.batch([v.data for v in all_leaves], rows)
    except batched.Fallback:
        return
    assert finite, "eager raised or gave inf or NaN, yet the batch gave numbers"
    assert close(got_total, total) and close(got_grads[0], grads[0]), (got_total, got_grads)


# ---- the code: the article's matrix equations --------------------------------------------------

def test_an_mlp_s_code_is_a_matrix_product_per_layer_and_w_transpose_delta_back():
    model = MLP(4, [3, 2, 1], seed=0)
    program, _ = traced(lambda x: losses.mse(model(x), 1), model.parameters(),
                        [[0.1, 0.2, 0.3, 0.4]])
    text = program.source
    for line in ("A1 = _rows((x0, x1, x2, x3,), B)", "W1 = P[_W1]", "Z2 = W1 @ A1 + b1",
                 "Z3 = W2 @ A2 + b2", "Z4 = W3 @ A3 + b3", "dW1 = dZ2 @ A1.T",
                 "db1 = dZ2.sum(axis=1)", "dA2 = W2.T @ dZ3", "dA3 = W3.T @ dZ4",
                 "G[_W1] += dW1", "return _total("):
        assert line in text, line
    assert "dA1 =" not in text, "the inputs' δ is never needed"
    assert str(program) == text


def test_neurons_that_read_different_inputs_are_not_one_layer():
    w = [Value(0.5), Value(-0.5), Value(0.25)]

    def fn(a, b, c):
        return nary.dot(w[:2], [a, b], w[2]) * nary.dot(w[:2], [b, a], w[2])

    program = batch_agrees(fn, w, random_rows(8, 3))
    assert "Z2 = W1 @ A1 + b1" in program.source and "Z3 = W2 @ A2 + b2" in program.source


# ---- what a batch cannot follow, and where it falls back --------------------------------------

@pytest.mark.parametrize("fn, said", [
    (lambda w, x: (w * x).tanh() if w * x > 0 else w * x, "'>'"),
    (lambda w, x: max(w * x, w), "p0 (a leaf)"),
    (lambda w, x: losses.bce_with_logits(w * x, 1.0), "'>='"),
    (lambda w, x: w * float(w * x), "'float'"),
])
def test_a_function_that_branches_on_data_is_not_vectorisable(fn, said):
    w = Value(0.5)
    with pytest.raises(batched.NotVectorisable, match="branches on data") as caught:
        traced(lambda x: fn(w, x), [w], [1.0])
    assert said in str(caught.value) and "backend='python'" in str(caught.value)


@pytest.mark.parametrize("fn, x", [
    (lambda w, x: (w * x).exp(), 1000.0),  # overflow: eager gives inf
    (lambda w, x: (w * x).log(), -1.0),  # a log of a negative: eager raises
    (lambda w, x: (w * x).sqrt(), 0.0),  # sqrt at 0: an infinite slope
    (lambda w, x: w / x, 0.0),  # a division by zero
    (lambda w, x: (w * x) ** 0.5, -4.0),  # a negative base to a fractional power
])
def test_a_number_the_batch_does_not_decide_falls_back(fn, x):
    w = Value(1.0)
    program, leaves = traced(lambda a: fn(w, a), [w], [2.0])
    assert program.batch([1.0], [[2.0], [3.0]])[0] > -math.inf
    with pytest.raises(batched.Fallback):
        program.batch([1.0], [[2.0], [x], [3.0]])


def test_an_index_out_of_range_falls_back_to_eager_s_error():
    table = [Value(1.0), Value(2.0)]
    program, _ = traced(lambda i: nary.take(table, i) * 2.0, table, [1], indices=[0])
    assert program.batch([1.0, 2.0], [[0], [1], [1]]) == (10.0, (2.0, 4.0))
    with pytest.raises(batched.Fallback):
        program.batch([1.0, 2.0], [[0], [2]])


def test_without_numpy_it_says_what_to_install(monkeypatch):
    w = Value(1.0)
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy now raises ImportError
    with pytest.raises(ImportError, match=r"pip install numpy \(or microprop\[numpy\]\)"):
        traced(lambda x: w * x, [w], [1.0])
