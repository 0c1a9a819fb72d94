"""The compiled mode: for one traced call, the same bits as eager backward(), on random programs
over every op and on the benchmark networks; over a batch, the same to 1e-12."""

from __future__ import annotations

import contextlib
import math
import random
import re
import struct
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from programs import programs, run

import microprop
from microprop import Value, custom_op, losses, nary
from microprop.compile import Compiled, CompileError, TraceMismatchError
from microprop.nn import MLP

# The op table's op of your own cannot run on the tape: asked for by name, its trace says so.
FALLS_BACK = "ignore:compile\\(backend='tape'\\)"


def bits(x: float) -> bytes:
    return b"nan" if x != x else struct.pack("<d", x)


def eager(fn, params, *args):
    for p in params:
        p.grad = 0.0
    root = fn(*args)
    root.backward()
    return root.data, [p.grad for p in params]


def outcome(call):
    try:
        value, grads = call()
    except (ArithmeticError, ValueError) as error:
        return type(error).__name__
    return bits(value), [bits(g) for g in grads]


@pytest.mark.filterwarnings(FALLS_BACK)
@settings(max_examples=400)
@given(programs(max_steps=16))
def test_a_random_program_over_every_op_gives_eagers_bits(backend, program):
    leaves, steps = program
    params = [Value(x, label=f"leaf.{i}") for i, x in enumerate(leaves)]

    def fn():
        return run(params, steps, "on_values")[-1]

    compiled = microprop.compile(fn, params, backend=backend)
    assert outcome(compiled) == outcome(lambda: eager(fn, params))


@pytest.mark.filterwarnings(FALLS_BACK)
@settings(max_examples=200)
@given(programs(max_steps=12), st.lists(st.floats(-3, 3), min_size=4, max_size=4))
def test_a_program_of_arguments_retraced_on_new_numbers_gives_eagers_bits(backend, program, new):
    """Traced on some numbers, called on others: the graph is the same, the numbers are new."""
    leaves, steps = program
    w = Value(0.75, label="w")

    def fn(*xs):
        nodes = run([w * x for x in xs], steps, "on_values")
        return nodes[-1] * w

    compiled = microprop.compile(fn, [w], check=False, backend=backend)
    try:
        compiled(*leaves)
    except (ArithmeticError, ValueError):
        return
    later = new[: len(leaves)]
    assert outcome(lambda: compiled(*later)) == outcome(
        lambda: eager(fn, [w], *[Value(x) for x in later]))


def test_reused_nodes_and_constants_on_both_sides(backend):
    a = Value(1.5, label="a")

    def fn():
        b = a + a  # a reused
        c = b * b  # b reused
        return 2.0 - c / 3.0 + 1.0 / a + 2.0 ** a + a ** 2

    compiled = microprop.compile(fn, [a], backend=backend)
    value, (grad,) = compiled()
    assert value == 2.0 - 9.0 / 3.0 + 1.0 / 1.5 + 2.0 ** 1.5 + 2.25
    assert (value, [grad]) == eager(fn, [a])


def moons_loss(model):
    def loss(x, y):
        return losses.hinge(model(x), y) + 1e-4 * nary.sum([p * p for p in model.parameters()])

    return loss


@pytest.mark.parametrize(
    ("sizes", "activation"), [((2, [16, 16, 1]), "relu"), ((4, [2, 2, 1]), "relu"),
                              ((4, [8, 3]), "tanh")],
)
def test_the_benchmark_networks_give_eagers_bits_for_one_call(sizes, activation, backend):
    random.seed(5)
    model = MLP(sizes[0], sizes[1], activation=activation)
    k = sizes[1][-1]
    if k == 1:
        fn = moons_loss(model)
        target = 1  # an int: a constant of the trace (floats become leaf Values)
    else:
        def fn(x, y):
            return losses.cross_entropy([model(x)], [y])
        target = 2
    compiled = microprop.compile(fn, model, backend=backend)
    for _ in range(5):
        x = [random.uniform(-2, 2) for _ in range(sizes[0])]
        got = compiled(x, target)
        want = eager(fn, model.parameters(), x, target)
        assert bits(got[0]) == bits(want[0])
        assert [bits(g) for g in got[1]] == [bits(g) for g in want[1]]


def test_a_batch_adds_into_grad_within_1e_12_of_one_big_eager_graph(backend):
    random.seed(6)
    model = MLP(2, [8, 8, 1])
    rows = [([random.uniform(-1, 1), random.uniform(-1, 1)], random.choice((-1.0, 1.0)))
            for _ in range(40)]

    def loss(x, y):
        return (1.0 - y * model(x)).relu()

    compiled = microprop.compile(loss, model, backend=backend)
    model.zero_grad()
    total = compiled.accumulate(rows)
    ours = [p.grad for p in model.parameters()]
    model.zero_grad()
    big = nary.sum([loss(x, y) for x, y in rows])
    big.backward()
    assert total == pytest.approx(big.data, rel=1e-12)
    for mine, theirs in zip(ours, [p.grad for p in model.parameters()]):
        assert mine == pytest.approx(theirs, rel=1e-12, abs=1e-15)


def test_parameters_data_is_read_at_every_call(backend):
    w = Value(2.0)
    compiled = microprop.compile(lambda x: w * x, [w], backend=backend)
    assert compiled(3.0) == (6.0, [3.0])
    w.data = 5.0
    assert compiled(3.0) == (15.0, [3.0])


def test_the_source_names_variables_by_place_shows_labels_in_comments_and_the_deltas():
    """A label is data: variables are named by their place (p0, x0, v7), labels are comments."""
    random.seed(1)
    model = MLP(4, [2, 2, 1])
    compiled = microprop.compile(lambda x, y: (model(x) - y) ** 2, model, backend="python")
    compiled([1.0, 2.0, 3.0, 4.0], 0.5)
    source = str(compiled)
    names = [p.label for p in model.parameters()]
    assert f"# p0: {names[0]}" in source and f"# p{len(names) - 1}: {names[-1]}" in source
    assert "d_p0 = " in source
    assert "δ of" in source
    assert len(source.splitlines()) > 40


def test_a_negative_constant_to_a_value_power_compiles_with_eagers_bits_and_errors(backend):
    """Once refused at trace time; its rule is the one eager runs, so it compiles."""
    w = Value(1.0)
    compiled = microprop.compile(lambda x: (-2.0) ** (w * x), [w], backend=backend)
    for x in (1.0, 2.0, 3.0, -1.0, 0.0):
        assert outcome(lambda: compiled(x)) == outcome(lambda: eager(  # noqa: B023
            lambda x: (-2.0) ** (w * x), [w], x))  # noqa: B023
    with pytest.raises(ValueError, match="negative base -2.0 to the non-integer power 0.5"):
        compiled(0.5)


def test_dividing_by_a_subnormal_constant_divides_the_gradient_as_eager_does(backend):
    """Defect (the python backend): 1 / 1e-310 overflows, so eager keeps the slope of w / 1e-310
    as floats.Reciprocal and divides the gradient by 1e-310 instead; the generated code wrote
    the slope as _inf, so with an upstream gradient of 1e-10 it gave inf where eager gives
    1e300."""
    w = Value(1.0)

    def fn(x):
        return (w / 1e-310) * x

    compiled = microprop.compile(fn, [w], backend=backend)
    assert outcome(lambda: compiled(1e-10)) == outcome(lambda: eager(fn, [w], Value(1e-10)))
    assert compiled(1e-10)[1] == [1e-10 / 1e-310]


def test_a_new_input_length_traces_again_or_raises(backend):
    w = Value(1.0)
    compiled = microprop.compile(lambda xs: nary.sum([w * x for x in xs]), [w], backend=backend)
    assert compiled([1.0, 2.0]) == (3.0, [3.0])
    assert compiled([1.0, 2.0, 4.0]) == (7.0, [7.0])
    strict = microprop.compile(lambda xs: nary.sum([w * x for x in xs]), [w], retrace=False,
                               backend=backend)
    strict([1.0, 2.0])
    with pytest.raises(ValueError, match="structure changed"):
        strict([1.0, 2.0, 4.0])


@settings(max_examples=100)
@given(st.lists(st.floats(-5, 5), min_size=2, max_size=6), st.data())
def test_one_trace_takes_any_index_with_eagers_bits(backend, xs, data):
    """take with an index argument: traced at one index, run at others, as eager at each."""
    table = [Value(x, label=f"t.{k}") for k, x in enumerate(xs)]
    rows = [table[k:k + 2] + [0.5] for k in range(len(table) - 1)]  # overlapping, a constant

    def fn(ij):
        i, j = ij
        a, b, c = nary.take(rows, i)
        return nary.take(table, j) * a + (b * c).tanh() * nary.take([a, 2.0, b, *table], j)

    compiled = microprop.compile(fn, table, indices=[0], backend=backend)
    pairs = data.draw(st.lists(st.tuples(st.integers(0, len(rows) - 1),
                                         st.integers(0, len(table) - 1)), min_size=1, max_size=5))
    for ij in pairs:
        assert outcome(lambda: compiled(list(ij))) == outcome(  # noqa: B023 - called at once
            lambda: eager(fn, table, list(ij)))  # noqa: B023
    assert "1 trace(s)" in repr(compiled)


def test_a_constant_index_compiles_to_the_value_it_picks(backend):
    w, v = Value(2.0, label="w"), Value(3.0, label="v")
    compiled = microprop.compile(lambda x: nary.take([w, v, 4.0], 1) * x, [w, v], backend=backend)
    assert compiled(5.0) == (15.0, [0.0, 5.0])
    if backend == "python":
        assert "# p1: v" in compiled.source and " = p1  # take" in compiled.source
        assert "if " not in compiled.source
    else:  # no instruction picks at each call: the multiplication reads p1 itself
        assert "select" not in compiled.source and "in_range" not in compiled.source
        assert [line.split()[1:] for line in compiled.source.splitlines()
                if not line.startswith("#")][0] == ["mul", "v4", "p1,", "x0"]


def test_an_index_argument_is_checked_in_range_once_per_table_and_shown_by_name(backend):
    table = [[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]]
    params = [v for row in table for v in row]
    compiled = microprop.compile(lambda i: nary.sum(nary.take(table, i)), params, indices=[0],
                                 backend=backend)
    assert compiled(1) == (7.0, [0.0, 0.0, 1.0, 1.0])
    if backend == "python":
        assert compiled.source.count("if not 0 <= i0 < 2: _bail()") == 1
        assert "(i0,) = X" in compiled.source
    else:
        checks = [line.split()[1:] for line in compiled.source.splitlines()
                  if "in_range" in line]
        assert checks == [["in_range", "i0", "i0,", "2"]]


def test_check_names_a_function_that_branches_on_data(backend):
    w = Value(1.0)

    def fn(x):
        return (w * x).exp() if x.data > 0 else (w * x).tanh()

    compiled = microprop.compile(fn, [w], check=True, backend=backend)
    compiled(1.0)
    with pytest.raises(TraceMismatchError, match="node #3 was exp when traced and is tanh now"):
        compiled(-1.0)


def test_overflow_and_domain_errors_are_eagers(backend):
    w = Value(1.0)
    compiled = microprop.compile(lambda x: (w * x).exp() + (w + x).sqrt(), [w], backend=backend)
    assert compiled(1.0)[0] == math.exp(1.0) + math.sqrt(2.0)
    assert compiled(1000.0)[0] == math.inf  # exp overflows to inf, as eager
    assert compiled(-1.0)[1] == [math.inf]  # sqrt at 0: an infinite slope, as eager
    with pytest.raises(ValueError, match="sqrt: expected a number >= 0"):
        compiled(-2.0)


def test_an_op_of_your_own_is_called_from_the_generated_code():
    @custom_op.op("cube")
    def cube(x):
        return x**3, (3 * x**2,)

    w = Value(2.0)
    compiled = microprop.compile(lambda x: cube(w * x), [w])
    assert compiled(1.0) == (8.0, [12.0])


def test_a_micrograd_closure_is_refused_at_trace_time_naming_the_op():
    w = Value(2.0)

    def fn():
        out = Value(w.data**3, (w,), "cube")

        def _backward():
            w.grad += 3 * w.data**2 * out.grad

        out._backward = _backward
        return out

    with pytest.raises(CompileError) as caught:
        microprop.compile(fn, [w])()
    assert str(caught.value) == (
        "compile: the cube node has a micrograd _backward closure, whose derivative the compiler "
        "cannot read; define the op with microprop.op instead")


def test_an_unnamed_micrograd_closure_is_refused_as_unnamed():
    w = Value(2.0)

    def fn():
        out = Value(w.data**3, (w,), "")
        out._backward = lambda: None
        return out

    with pytest.raises(CompileError) as caught:
        microprop.compile(fn, [w])()
    assert str(caught.value).startswith("compile: the unnamed node has a micrograd _backward ")


@pytest.mark.parametrize(("op", "said"), [("", "unnamed"), ("cube", "cube")])
def test_a_node_made_by_hand_is_refused_naming_it(op, said):
    w = Value(2.0)
    with pytest.raises(CompileError) as caught:
        microprop.compile(lambda: Value(w.data**3, (w,), op), [w])()
    assert str(caught.value) == (
        f"compile: the {said} node was made by hand (Value(data, children, ...)), so it has no "
        "rule to compile; define the op with microprop.op instead")


def chain_of(x, steps, a, b):
    """A function of no argument: ``steps`` times ``y * a + b`` from ``x``."""
    def chain():
        y = x
        for _ in range(steps):
            y = y * a + b
        return y

    return chain


def test_a_long_chain_is_split_into_functions_and_compiles(monkeypatch):
    monkeypatch.setattr(sys.modules["microprop.compile"], "_CHUNK", 500)
    x = Value(1.0)
    chain = chain_of(x, 3000, 1.0001, 0.0001)
    compiled = microprop.compile(chain, [x], backend="python")
    got = compiled()
    assert "def _c1(S)" in compiled.source
    want = eager(chain, [x])
    assert got[0] == want[0] and got[1] == want[1]


@settings(max_examples=150)
@given(programs(max_steps=10), st.integers(1, 9),
       st.lists(st.floats(-3, 3), min_size=4, max_size=4))
def test_a_program_split_into_small_functions_gives_eagers_bits(program, chunk, new):
    """Above _CHUNK lines the source is split into functions sharing a list S. Each kind of
    line must cross a split intact: a guard, an accumulation (+=), a tuple of arguments, a
    parameter nothing reads (its gradient 0.0), an output read in the last chunk only. Chunks of
    1 to 9 lines put the splits everywhere a small program has them."""
    leaves, steps = program
    w, unused = Value(0.75, label="w"), Value(2.0, label="unused")

    def fn(*xs):
        nodes = run([w * x for x in xs], steps, "on_values")
        out = nodes[-1] * w
        return out + w if out > w else out - w  # a guard line, on a comparison of Values

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules["microprop.compile"], "_CHUNK", chunk)
        compiled = microprop.compile(fn, [w, unused], check=False, backend="python")
        for xs in (leaves, new[: len(leaves)]):  # the second call runs the split code again
            want = outcome(lambda xs=xs: eager(fn, [w, unused], *[Value(x) for x in xs]))
            assert outcome(lambda xs=xs: compiled(*xs)) == want
    if len(compiled.source.splitlines()) > 3 * chunk + 10:
        assert "def _c1(S)" in compiled.source


def test_the_code_shown_reads_forward_then_backward_even_with_no_parameter():
    compiled = microprop.compile(lambda x: x * x, [], backend="python")
    assert compiled(2.0) == (4.0, [])
    assert compiled.source == (
        "def _step(P, X):\n"
        "    (x0,) = X\n"
        "    # forward\n"
        "    v1 = x0 * x0  # *\n"
        "    # backward\n"
        "    d_v1 = 1.0  # δ of the output: dL/dL\n"
        "    return v1, ()\n")
    assert compiled.accumulate([(1.0,), (2.0,)]) == 5.0  # the batch function, no gradient


def test_a_function_of_no_argument_accumulates_over_empty_rows(backend):
    """Defect (the tape): rows of no number each ran once only as a batch, since the machine
    counted them by their numbers: accumulate([(), ()]) gave 3.0, not 6.0."""
    w = Value(1.0)
    compiled = microprop.compile(lambda: w * 3.0, [w], backend=backend)
    assert compiled() == (3.0, [3.0])
    assert compiled.accumulate([(), ()]) == 6.0 and w.grad == 6.0
    assert compiled.accumulate([(), (), ()]) == 9.0 and w.grad == 15.0  # added, as backward()


def test_long_lists_of_names_fill_lines_of_88_characters():
    """One line up to 80 characters; longer, lines of at most 88 (8 names of 9 characters and a
    space each: a ninth would make 89), indented for a function body."""
    wrapped = sys.modules["microprop.compile"]._wrapped
    names = [f"a{k:07d}" for k in range(20)]
    assert wrapped(names[:8]) == ", ".join(names[:8]) + ","  # 79 characters
    lines = wrapped(names).split("\n")
    assert lines[0] == "" and lines[-1] == "    "
    assert [line.count(",") for line in lines[1:-1]] == [8, 8, 4]
    assert all(line.startswith("        a") and len(line) <= 8 + 88 for line in lines[1:-1])
    exactly_80 = [f"b{k:05d}" for k in range(9)] + ["b000000"]  # 9 x "b00000, " + "b000000,"
    assert len(", ".join(exactly_80) + ",") == 80 and "\n" not in wrapped(exactly_80)
    assert "\n" in wrapped([*exactly_80[:-1], "b0000000"])  # 81


def spy_on_batches(compiled, shape):
    """Count the calls of the trace's one function for a whole batch of rows (the generated
    ``_batch``, or the tape's ``batch``)."""
    program = compiled._programs[shape][0]
    if program._tape is not None:
        batch = program._tape.batch
    else:
        batch = program.batch  # compiled on first use, into the trace's namespace
    calls = []

    def counted(*args):
        calls.append(len(args[1]))
        return batch(*args)

    if program._tape is not None:
        program._tape.batch = counted
    else:
        program._namespace["_batch"] = counted
    return calls


@pytest.mark.parametrize("inside_no_grad", [False, True])
def test_accumulate_runs_the_rows_of_one_structure_through_one_function(inside_no_grad, backend):
    w = Value(2.0)
    compiled = microprop.compile(lambda x: w * x * x, [w], check=False, backend=backend)
    compiled(1.0)
    calls = spy_on_batches(compiled, ("x",))
    with microprop.no_grad() if inside_no_grad else contextlib.nullcontext():
        assert compiled.accumulate([(1.0,), (2.0,), (3.0,)]) == 28.0
    assert calls == [3] and w.grad == 14.0


def test_accumulate_adds_the_totals_of_rows_of_several_structures(backend):
    w = Value(2.0)
    compiled = microprop.compile(lambda x: w * (x[0] if isinstance(x, list) else x), [w],
                                 retrace=True, backend=backend)
    rows = [(1.0,), (2.0,), ([3.0],), ([4.0],), (5.0,)]
    assert compiled.accumulate(rows) == 30.0 and w.grad == 15.0


def test_the_code_reuses_a_nodes_value_as_its_slope_and_passes_a_slope_of_one_as_is():
    w = Value(2.0, label="w")
    compiled = microprop.compile(lambda x: (w * x + w).exp(), [w], backend="python")
    compiled(0.5)
    assert compiled.source.split("    # backward\n")[1] == (
        "    d_v4 = 1.0  # δ of the output: dL/dL\n"
        "    # δ of v4 (exp) = d_v4, passed to its inputs\n"
        "    d_v3 = 0.0 + v4 * d_v4\n"  # exp's slope is its value: v4, not _exp(v3) again
        "    # δ of v3 (+) = d_v3, passed to its inputs\n"
        "    d_v2 = 0.0 + d_v3\n"  # 1.0 * g written as g: the same bits
        "    d_p0 = 0.0 + d_v3\n"
        "    # δ of v2 (*) = d_v2, passed to its inputs\n"
        "    d_p0 += x0 * d_v2\n"
        "    return v4, (d_p0,)\n")
    sigmoid = microprop.compile(lambda x: (w * x).sigmoid(), [w], backend="python")
    sigmoid(0.5)
    assert "    d_v2 = 0.0 + v3 * (1.0 - v3) * d_v3\n" in sigmoid.source  # no (v3 * (...))


def test_the_variables_are_named_by_kind_and_place_and_the_labels_are_comments(backend):
    """p for parameters, k for other Values read, x for arguments, in their order; a label,
    even one fn gives an argument, is a comment beside the name."""
    w, k = Value(2.0, label="w"), Value(3.0, label="k")

    def fn(x, y):
        y.label, x.label = "why", "ex"
        return w * y + x * k

    compiled = microprop.compile(fn, [w], backend=backend)
    assert compiled(2.0, 1.0) == (8.0, [1.0])  # x0 > x1: their order is not their numbers
    if backend == "python":
        assert compiled.source.split("    v")[0] == (
            "def _step(P, X):\n    (p0, k0,) = P\n    (x0, x1,) = X\n    # forward\n"
            "    # p0: w\n    # k0: k\n    # x0: ex\n    # x1: why\n")
    else:  # the same names: w * y is p0 times x1, x * k is x0 times k0
        ops = [line.split()[1:] for line in compiled.source.splitlines()
               if not line.startswith("#")]
        assert ops[:3] == [["mul", "v2", "p0,", "x1"], ["mul", "v5", "x0,", "k0"],
                           ["add", "v6", "v2,", "v5"]]


def test_a_function_that_returns_its_parameter_has_the_gradient_one(backend):
    w = Value(2.0)
    assert microprop.compile(lambda x: w, [w], backend=backend)(1.0) == (2.0, [1.0])


def test_the_code_says_where_it_comes_from_in_tracebacks_and_profiles():
    w = Value(2.0)
    compiled = microprop.compile(lambda x: w * x, [w], backend="python")
    compiled(1.0)
    assert compiled._latest.step.__code__.co_filename == "<microprop.compile>"


@settings(max_examples=60)
@given(programs(max_steps=10))
def test_slopes_nested_deeper_than_the_bound_are_split_into_lines_and_give_eagers_bits(program):
    """A slope deeper than source._DEEPEST operators is written as several lines (CPython's
    compiler recurses per level); with the bound at 1, every slope of every op is split."""
    leaves, steps = program
    params = [Value(x, label=f"leaf.{i}") for i, x in enumerate(leaves)]

    def fn():
        return run(params, steps, "on_values")[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules["microprop.source"], "_DEEPEST", 1)
        compiled = microprop.compile(fn, params)
        assert outcome(compiled) == outcome(lambda: eager(fn, params))


def test_labels_in_comments_are_one_escaped_line_of_at_most_40_characters():
    w = Value(2.0, label="w\tone" + "x" * 50)

    def fn(x, unused):
        h = w * x
        h.label = "hidden"
        return h.tanh()

    compiled = microprop.compile(fn, [w], backend="python")
    compiled(0.5, 1.0)
    lines = compiled.source.splitlines()
    assert lines[2] == "    (x0, _unused1,) = X"  # an argument fn does not read, named so
    assert lines[4] == "    # p0: w\\tone" + "x" * 35 + "..."  # 40 characters: \t is one
    assert "    v2 = p0 * x0  # * hidden" in lines and "    v3 = _tanh(v2)  # tanh" in lines
    assert "    # δ of v2 (* hidden) = d_v2, passed to its inputs" in lines
    assert "    # δ of v3 (tanh) = d_v3, passed to its inputs" in lines
    comment = sys.modules["microprop.compile"]._comment
    assert comment("x" * 40) == "x" * 40 and comment("x" * 41) == "x" * 40 + "..."
    assert comment("a\nb\x00") == "a\\nb\\x00"


def chunks_of(fn, params, chunk):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules["microprop.compile"], "_CHUNK", chunk)
        compiled = microprop.compile(fn, params, backend="python")
        result = compiled()
    return compiled, result


def test_code_is_split_above_the_bound_and_kept_in_the_cache_up_to_eight_parts():
    """_CHUNK lines fit one function, one more line makes two; the parts of a program of at
    most _CACHED_PARTS functions are kept in the code cache, a bigger one's are compiled afresh
    (each part's code still says where it comes from)."""
    cache = sys.modules["microprop.compile"]._CACHE
    x = Value(0.5)
    chain = chain_of(x, 20, 1.5, 0.25)
    whole = microprop.compile(chain, [x], backend="python")
    want = whole()
    lines = len([line for line in whole.source.splitlines()[4:-1] if line.strip()])
    one, _ = chunks_of(chain, [x], lines)
    assert "def _c0" not in one.source
    two, got = chunks_of(chain, [x], lines - 1)
    assert got == want and two.source.count("def _c") == 2
    parts = [part + "\n" for part in two.source[:-1].split("\n\n\n")]  # a blank line between
    assert [part.split("(")[0] for part in parts] == ["def _c0", "def _c1", "def _step"]
    for size, kept in ((-(-lines // 7), True), (-(-lines // 8), False)):  # 8 parts, 9 parts
        cache.clear()
        split, got = chunks_of(chain, [x], size)
        assert got == want
        parts = [part + "\n" for part in split.source[:-1].split("\n\n\n")]
        assert len(parts) == (8 if kept else 9)
        assert all((part in cache) is kept for part in parts)
        assert split._latest.step.__code__.co_filename == "<microprop.compile>"
    free, got = chunks_of(chain, [], 5)  # no parameter: the gradients are ()
    assert got == (want[0], []) and "def _c1" in free.source


def test_compiling_the_same_structure_twice_uses_the_cache():
    import sys

    from microprop import compile as module  # noqa: F401

    cache = sys.modules["microprop.compile"]._CACHE
    w = Value(3.0)
    microprop.compile(lambda x: w * x + 1.0, [w])(2.0)
    size = len(cache)
    microprop.compile(lambda x: w * x + 1.0, [w])(5.0)
    assert len(cache) == size


def test_compiled_is_the_public_class():
    assert isinstance(microprop.compile(lambda: Value(1.0) * 2.0), Compiled)


def test_logsumexp_of_one_value_compiles(backend):  # attention over the first token of microgpt
    w = Value(0.5)
    compiled = microprop.compile(lambda x: nary.logsumexp([w * x]), [w], backend=backend)
    assert outcome(lambda: compiled(3.0)) == outcome(lambda: eager(
        lambda x: nary.logsumexp([w * x]), [w], 3.0))


def test_tracing_pauses_the_garbage_collector_and_restores_it_even_on_an_error():
    import gc

    seen = []

    def fn(x):
        seen.append(gc.isenabled())
        return Value(2.0) * x

    assert gc.isenabled()
    microprop.compile(fn)(1.0)
    assert seen == [False] and gc.isenabled()
    with pytest.raises(TypeError):
        microprop.compile(lambda: 1.0)()
    assert gc.isenabled()
    gc.disable()
    try:
        microprop.compile(fn)(1.0)
        assert not gc.isenabled()  # left off, as it was
    finally:
        gc.enable()


def test_a_big_source_is_kept_compressed_and_reads_back_whole(monkeypatch):
    w = Value(2.0, label="w")

    def fn(x):
        return (w * x).tanh() + w

    plain = microprop.compile(fn, [w], backend="python")
    plain(1.0)
    monkeypatch.setattr(sys.modules["microprop.compile"], "_BIG_SOURCE", 10)  # every one "big"
    packed = microprop.compile(fn, [w], backend="python")
    assert packed(1.0) == plain(1.0)
    assert isinstance(packed._latest._source, bytes) and packed.source == plain.source
    assert isinstance(plain._latest._source, str)  # a small one is kept as it is
    monkeypatch.setattr(sys.modules["microprop.compile"], "_BIG_SOURCE", len(plain.source))
    at_the_bound = microprop.compile(fn, [w], backend="python")
    at_the_bound(1.0)
    assert at_the_bound._latest._source == plain.source  # not above the bound: text


def test_without_check_the_trace_keeps_no_graph_and_arguments_are_never_leaves(backend):
    """check=False keeps no graph alive (only check=True compares one); an argument is read from
    X at every call, never from the Value it was when traced."""
    w = Value(2.0)
    fn = lambda x: w * x  # noqa: E731
    unchecked = microprop.compile(fn, [w], check=False, backend=backend)
    unchecked(1.0)
    assert unchecked._latest.order is None
    checked = microprop.compile(fn, [w], check=True, backend=backend)
    checked(1.0)
    assert checked._latest.order is not None
    assert [v.data for v in checked._latest.leaves] == [2.0]
    assert checked(5.0) == (10.0, [5.0])


def test_a_take_of_numbers_only_follows_its_index_and_is_no_parameter(backend):
    w = Value(2.0)

    def fn(i):
        a, b = nary.take([[w, 1.0], [w * 3.0, 5.0]], i)  # column b: numbers only
        return nary.take([1.0, 2.0, 3.0], i) * a * b

    compiled = microprop.compile(fn, indices=[0], backend=backend)
    for i in (0, 1):
        assert outcome(lambda: compiled(i)) == outcome(lambda: eager(fn, [w], i))  # noqa: B023
    assert compiled.parameters == [w]


@pytest.mark.parametrize("label", ["d_w", "total", "X", "P", "rows", "G0", "max", "locals"])
def test_no_label_can_take_a_name_the_generated_code_uses(label, backend):
    x, y = Value(1.0, label="w"), Value(2.0, label=label)

    def fn(t):
        return (x * y + x) * t

    compiled = microprop.compile(fn, [x, y], check=True, backend=backend)
    assert outcome(lambda: compiled(3.0)) == outcome(lambda: eager(fn, [x, y], 3.0))
    x.grad = y.grad = 0.0
    assert compiled.accumulate([(1.0,), (2.0,)]) == 9.0 and (x.grad, y.grad) == (9.0, 3.0)


def test_an_unused_take_checks_its_index_as_eager_does(backend):
    ps = [Value(1.0), Value(2.0), Value(3.0), Value(4.0)]

    def fn(i):
        nary.take(ps[:2], i)  # made, not used: eager still raises for i >= 2
        return nary.take(ps, i) * 2.0

    compiled = microprop.compile(fn, ps, indices=[0], backend=backend)
    assert compiled(1)[0] == 4.0
    with pytest.raises(IndexError, match="3 is out of range for 2 values"):
        compiled(3)


def test_a_numpy_int_is_an_index_as_a_python_int_is(backend):
    np = pytest.importorskip("numpy")
    ps = [Value(1.0), Value(2.0)]
    compiled = microprop.compile(lambda i: nary.take(ps, i) * 3.0, ps, indices=[0],
                                 backend=backend)
    assert compiled(np.int64(1)) == compiled(1) == (6.0, [0.0, 3.0])
    as_constant = microprop.compile(lambda i: ps[i] * 3.0, ps, backend=backend)  # an int: constant
    assert as_constant(np.int64(1)) == (6.0, [0.0, 3.0])


# A line of the tape's table: its number, the op, the register written, the registers read.
INSTRUCTION = r" *\d+  [a-z_]+ +[\w.+-]+ +[\w.+\-, \[\]]*"
LABELS = ["w₁", "σ²", "x\nimport os", "a\r\x0b\x0c\u2028\u0085b", "'\"#", "é" * 300, "w", "w"]


def test_no_label_or_op_name_becomes_code_changes_a_variable_or_grows_the_code(backend):
    """Defect: labels became variable names (w₁ a SyntaxError, two labels one variable after
    Unicode normalisation) and op names went into comments unescaped (a newline in a name ran
    the next line as code). Variables are named by place; labels stand in comments, escaped
    and cut to a bounded length."""
    import io
    import tokenize

    ws = [Value(0.5 + k, label=label) for k, label in enumerate(LABELS)]

    def fn(x):
        out = x * 1.0
        for w in ws:
            out = (out * w).tanh()
            out.label = LABELS[len(LABELS) - 1 - ws.index(w)]
        return out

    compiled = microprop.compile(fn, ws, backend=backend)
    assert outcome(lambda: compiled(0.3)) == outcome(lambda: eager(fn, ws, 0.3))
    source = compiled.source
    if backend == "python":
        code = [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline)
                if t.type == tokenize.NAME]
    else:  # the table: every line a comment or an instruction of names made by place
        lines = [line for line in source.splitlines() if not line.startswith("#")]
        assert all(re.fullmatch(INSTRUCTION, line) for line in lines), lines
        code = [word for line in lines for word in line.replace(",", " ").split()]
    assert "import" not in code and "os" not in code
    assert max(len(line) for line in source.splitlines()) < 200


def test_the_code_cache_keeps_the_most_recently_used_sources():
    """Past its size, the cache drops the least recently used source, not the one just used."""
    import sys

    module = sys.modules["microprop.compile"]
    module._CACHE.clear()
    first = module._code("x = 1")
    for k in range(module._CACHE_SIZE - 1):
        module._code(f"x = {k + 2}")
    assert module._code("x = 1") is first  # used again: now the most recent
    module._code("y = 0")  # one past the size: "x = 2", the oldest, goes
    assert "x = 1" in module._CACHE and "x = 2" not in module._CACHE
    assert len(module._CACHE) == module._CACHE_SIZE
