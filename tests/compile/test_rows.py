"""A data set checked and flattened once (``compiled.rows``), run by number (``accumulate(rows,
picks)``); and fit(compile=True) on it: targets as arguments of the trace where the loss allows.
"""

import math

import pytest

import microprop
from microprop import Value, take
from microprop.data import Standardizer, load_iris
from microprop.losses import cross_entropy
from microprop.nn import MLP, article_network
from microprop.train import fit

FLOWERS, _ = load_iris()
FLOWERS = Standardizer.fit(FLOWERS).transform(FLOWERS)
_, SPECIES = load_iris()


def squared_error(model):
    return microprop.compile(lambda x, y: (model(x) - y) ** 2, model)


def test_accumulate_over_rows_by_number_is_accumulate_over_the_rows_bit_for_bit():
    model = MLP(4, [5, 1], seed=0)
    compiled = squared_error(model)
    data = [(x, float(k % 3)) for k, x in enumerate(FLOWERS)]
    rows = compiled.rows(data)
    picks = [7, 3, 3, 140, 0]
    model.zero_grad()
    by_number = compiled.accumulate(rows, picks)
    grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    assert compiled.accumulate([data[i] for i in picks]) == by_number
    assert [p.grad for p in model.parameters()] == grads
    model.zero_grad()
    assert compiled.accumulate(rows) == compiled.accumulate(data) / 2 * 2  # every row, in order
    assert len(rows) == 150 and "150 of ([x, x, x, x], x)" in repr(rows)


def test_rows_of_another_structure_are_named_with_both_structures():
    compiled = squared_error(MLP(2, [1], seed=0))
    with pytest.raises(ValueError, match=r"row 2 has the structure \(\[x, x, x\], x\), row 0 "
                                         r"\(\[x, x\], x\); expected rows of one structure"):
        compiled.rows([([1.0, 2.0], 0.0), ([3.0, 4.0], 1.0), ([1.0, 2.0, 3.0], 0.0)])


@pytest.mark.parametrize("picks, error, words", [
    ([0, 3], IndexError, "row numbers run from 0 to 2, got 3"),
    ([-1], IndexError, "row numbers run from 0 to 2, got -1"),
    ([0.5], TypeError, "integer"),
])
def test_picks_that_name_no_row_are_refused(picks, error, words):
    compiled = squared_error(MLP(2, [1], seed=0))
    rows = compiled.rows([([1.0, 2.0], 0.0)] * 3)
    with pytest.raises(error, match=words):
        compiled.accumulate(rows, picks)


def test_picks_select_among_rows_only():
    compiled = squared_error(MLP(2, [1], seed=0))
    with pytest.raises(TypeError, match=r"picks selects among Rows"):
        compiled.accumulate([([1.0, 2.0], 0.0)], [0])


def test_no_rows_and_no_picks_add_nothing():
    model = MLP(2, [1], seed=0)
    compiled = squared_error(model)
    model.zero_grad()
    assert compiled.accumulate(compiled.rows([])) == 0.0
    assert compiled.accumulate(compiled.rows([([1.0, 2.0], 0.0)]), []) == 0.0
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_row_that_needs_eager_runs_eagerly_among_the_others():
    """log of a negative in one row: eager's error, as accumulate over a list gives it."""
    x = Value(1.0)
    compiled = microprop.compile(lambda a: (a * x).log(), [x])
    rows = compiled.rows([1.0, 2.0])
    assert compiled.accumulate(rows) == math.log(1.0) + math.log(2.0)
    with pytest.raises(ValueError, match="log: expected a positive number, got -1.0"):
        compiled.accumulate(compiled.rows([1.0, -1.0]))


# ---- fit(compile=True) ------------------------------------------------------------------------


def trained(make_model, X, y, compile, **options):
    model = make_model()
    history = fit(model, X, y, progress=False, compile=compile, seed=0, **options)
    return [p.data for p in model.parameters()], history


def test_a_regression_with_every_target_different_compiles_to_one_trace_and_is_eagers():
    """Under mse the target is an argument of the trace (more than 64 were refused before)."""
    targets = [math.sin(3.0 * x[0]) + 0.1 * k / 150 for k, x in enumerate(FLOWERS)]
    assert len(set(targets)) == 150

    def network():
        return article_network("tanh", seed=1)

    eager, eager_history = trained(network, FLOWERS, targets, False, loss="mse", lr=0.05,
                                   epochs=3, batch_size=1)
    compiled, history = trained(network, FLOWERS, targets, True, loss="mse", lr=0.05, epochs=3,
                                batch_size=1)
    assert compiled == eager and history.losses == eager_history.losses  # bit for bit


def test_every_class_shares_one_trace_read_through_take():
    model = MLP(4, [6, 3], seed=4)
    eager_model = MLP(4, [6, 3], seed=4)
    fit(eager_model, FLOWERS, SPECIES, loss="cross_entropy", epochs=2, batch_size=1,
        progress=False, seed=0)
    history = fit(model, FLOWERS, SPECIES, loss="cross_entropy", epochs=2, batch_size=1,
                  progress=False, seed=0, compile=True)
    assert [p.data for p in model.parameters()] == [p.data for p in eager_model.parameters()]
    assert history.stop_reason == "max_epochs"


def test_cross_entropy_takes_a_class_that_is_data_of_a_trace():
    model = MLP(4, [3], seed=0)
    compiled = microprop.compile(lambda x, t: cross_entropy(model(x), t), model, indices=[1])
    for x, t in zip(FLOWERS[::30], SPECIES[::30]):
        model.zero_grad()
        eager = cross_entropy(model([Value(v) for v in x]), t)
        eager.backward()
        value, grads = compiled(x, t)
        assert value == eager.data and grads == [p.grad for p in model.parameters()]
    assert sum(map(len, compiled._programs.values())) == 1  # one trace for the three classes


def test_a_class_weight_needs_the_class_as_a_number_and_says_so():
    model = MLP(4, [3], seed=0)
    compiled = microprop.compile(
        lambda x, t: cross_entropy([model(x)], [t], weight=[1.0, 2.0, 1.0]), model, indices=[1])
    with pytest.raises(TypeError, match="can only be used through microprop.take"):
        compiled(FLOWERS[0], 1)


def test_take_of_a_token_and_its_class_compile_once_per_length():
    table = [[Value(0.1 * (i + j)) for j in range(3)] for i in range(4)]
    params = [v for row in table for v in row]

    def cost(tokens):
        rows = [take(table, t) for t in tokens[:-1]]
        return cross_entropy(rows, tokens[1:])

    compiled = microprop.compile(cost, params, indices=[0])
    for tokens in ([0, 1, 2], [3, 2, 1], [2, 2, 0]):
        value, grads = compiled(tokens)
        for p in params:
            p.grad = 0.0
        eager = cost(tokens)
        eager.backward()
        assert value == eager.data and grads == [p.grad for p in params]
    assert sum(map(len, compiled._programs.values())) == 1


def test_the_l2_term_of_a_compiled_fit_is_eagers_penalty_and_backward_bit_for_bit():
    from microprop.losses import l2_penalty
    from microprop.train import _l2_backward

    model = MLP(4, [5, 3], seed=1)
    params = model.parameters()
    for p in params:
        p.grad = 0.25 * p.data  # what the data's gradients left
    penalty = l2_penalty(params, 1e-3)
    penalty.backward()
    eager = [p.grad for p in params]
    for p in params:
        p.grad = 0.25 * p.data
    assert _l2_backward(params, 1e-3) == penalty.data
    assert [p.grad for p in params] == eager


def test_a_hooked_parameter_sees_the_l2_terms_gradient_as_eager_gives_it():
    """Where a hook is on, fit's L2 term is built as a graph, so the hook sees its gradient."""
    def run(compile):
        model = MLP(4, [3, 3], seed=2)
        seen = []
        model.parameters()[0].register_hook(lambda g: seen.append(g))
        fit(model, FLOWERS[:20], SPECIES[:20], loss="cross_entropy", l2=1e-2, epochs=1,
            progress=False, seed=0, compile=compile)
        return seen, [p.data for p in model.parameters()]

    (eager_seen, eager_params), (seen, params) = run(False), run(True)
    assert len(eager_seen) == 1  # one backward() of the whole batch's loss
    assert len(seen) == 20 + 1  # compiled: each sample's call, then the L2 term's backward()
    assert max(abs(a - b) for a, b in zip(params, eager_params)) < 1e-12
