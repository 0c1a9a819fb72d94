"""Each op is written once, as a rule: what the engine records is what the rule computes.

The rules of ``microprop.rules`` are evaluated on floats (eager), on Values (gradients of
gradients) and on source text (compile). These tests tie the ops written out for speed (``+``,
``*``, ``dot``, ``sum``) to their rules bit for bit, check that no rule branches on its inputs'
numbers, and pin the defects of the three copies the rules replaced.
"""

from __future__ import annotations

import math
import struct
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ops import OPS

import microprop
from microprop import Value, custom_op, floats, nary, rules, source

SPECIAL = [0.0, -0.0, 1.5, -2.25, math.inf, -math.inf, math.nan, 5e-324, -1e308, 3.0]
NUMBERS = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True))


def bits(x: float) -> bytes:
    """The float's bits, every NaN as one: which NaN an operation on two of them returns is up
    to the C compiler at each place the operation is compiled, not to IEEE 754."""
    return b"nan" if x != x else struct.pack("<d", x)


def recorded_by_rule(node: Value) -> tuple:
    """The node's value and local derivatives, as its op's rule computes them on floats."""
    op = node._op
    args = op.arguments([c.data for c in node._children], node._local_grads)
    out, local = op.rule(floats, *args)
    return out, [local[i] for i in op.inputs_at(len(node._children))]


def same(node: Value) -> bool:
    out, local = recorded_by_rule(node)
    return bits(out) == bits(node.data) and [bits(d) for d in local] == [
        bits(d) for d in node._local_grads]


@settings(max_examples=300)
@given(NUMBERS, NUMBERS)
def test_add_mul_and_sub_written_out_record_what_their_rules_compute(x, y):
    for node in (Value(x) + Value(y), Value(x) + y, y + Value(x),
                 Value(x) * Value(y), Value(x) * y, y * Value(x),
                 Value(x) - Value(y), Value(x) - y, y - Value(x)):
        assert same(node), node._op


@settings(max_examples=300)
@given(st.lists(st.tuples(NUMBERS, NUMBERS, st.booleans(), st.booleans()), min_size=1,
                max_size=5), NUMBERS, st.booleans())
def test_dot_and_sum_written_out_record_what_their_rules_compute(pairs, b, bias_node):
    ws = [Value(w) if wn else w for w, _, wn, _ in pairs]
    xs = [Value(x) if xn else x for _, x, _, xn in pairs]
    bias = Value(b) if bias_node else b
    if any(isinstance(a, Value) for a in (*ws, *xs, bias)):
        assert same(nary.dot(ws, xs, bias))
    values = [v for v in (*ws, *xs) if isinstance(v, Value)]
    if values:
        assert same(nary.sum(values)) and same(nary.sum([*values, b]))


@pytest.mark.parametrize("row", OPS, ids=str)
def test_every_op_of_the_table_records_what_its_rule_computes(row):
    for x in SPECIAL:
        xs = [Value(x if i == 0 else p) for i, p in enumerate(row.point)]
        try:
            node = row.on_values(*xs)
        except (ValueError, ZeroDivisionError):
            continue
        assert same(node), (row.name, x)


def every_rule() -> list[rules.Op]:
    return [op for op in vars(rules).values() if isinstance(op, rules.Op) and op.args is None]


@pytest.mark.parametrize("op", every_rule(), ids=str)
def test_no_rule_branches_on_the_numbers_of_its_inputs(op):
    """Evaluated on names, a rule that tested an input's number (``if x > 0``) would raise."""
    arity = {"neg": 1, "exp": 1, "log": 1, "sqrt": 1, "tanh": 1, "sigmoid": 1, "relu": 1,
             "abs": 1, "dot": 5, "sum": 3, "logsumexp": 3}.get(str(op), 2)
    if op.rule is rules.sigmoid_slope:  # "*" of one input: sigmoid's slope of its value
        arity = 1
    arithmetic = source.Source(lambda code: source.name("_s"), lambda obj: "_u")
    args = [source.name(f"a{i}") for i in range(arity)]
    if op.rule is rules.power_of_constant:
        args[1] = 3.0  # a constant, on which a rule may branch
    if op.rule is rules.leaky_relu:
        args[1] = 0.01
    if op.rule is rules.take:
        args[0] = source.name("i")
    out, local = op.rule(arithmetic, *args)
    parameters = op.rule in (rules.power_of_constant, rules.leaky_relu)  # the last: no derivative
    assert len(local) == arity - parameters


def test_a_rule_that_branches_on_data_is_refused_when_compiled():
    def sign_by_branch(m, x):
        return (x if x > 0 else -x), (1.0,)

    op = rules.Op("branchy", sign_by_branch)
    x = Value(2.0)
    node = microprop.engine._result(2.0, op, (x,), (1.0,))
    with pytest.raises(TypeError, match="branched on the number of one of its inputs"):
        microprop.compile(lambda: node * 1.0)()


@settings(max_examples=200)
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_the_hessian_of_a_linear_dot_is_zero_whatever_floats_it_is_given(w1, w2, c1, c2):
    """Defect: derivatives._dot paired inputs by float object identity, so dot([w1, w2],
    [0.5, 0.5]) at (0.5, 0.5) had the Hessian [[0, 1], [1, 0]]. The op records its constants."""
    hessian = microprop.func.hessian(lambda a, b: nary.dot([a, b], [c1, c2]))(w1, w2)
    assert hessian == [[0.0, 0.0], [0.0, 0.0]]
    assert microprop.func.hessian(lambda a, b: nary.dot([a, b], [0.5, 0.5]))(0.5, 0.5) == [
        [0.0, 0.0], [0.0, 0.0]]


def test_an_op_of_your_own_named_like_a_built_in_keeps_its_own_rule():
    """Defect: rules were found by name, built-ins first, so an op of one's own named sigmoid
    was differentiated again with the built-in sigmoid's rule."""
    square = custom_op.op("sigmoid", rule=lambda out, x: (2.0 * x,))(
        lambda x: (x * x, (2.0 * x,)))
    x = Value(3.0)
    (first,) = microprop.grad(square(x), [x], create_graph=True)
    assert first.data == 6.0
    assert microprop.grad(first, [x]) == (2.0,)


def test_an_op_defined_again_under_the_same_name_uses_its_new_rule():
    """Defect: a notebook cell run again redefined an op, but its old rule was kept by name."""
    custom_op.op("twice", rule=lambda out, x: (2.0,))(lambda x: (2.0 * x, (2.0,)))
    thrice = custom_op.op("twice", rule=lambda out, x: (3.0 * x / x,))(
        lambda x: (3.0 * x, (3.0,)))
    x = Value(2.0)
    (first,) = microprop.grad(thrice(x), [x], create_graph=True)
    assert first.data == 3.0


def test_the_rule_of_an_op_of_your_own_receives_every_argument_constants_included():
    seen = []

    def rule(out, x, c):
        seen.append((type(x).__name__, c))
        return (c * x / x, x)

    scaled = custom_op.op("scaled", rule=rule)(lambda x, c: (c * x, (c, x)))
    x = Value(2.0)
    (first,) = microprop.grad(scaled(x, 5.0), [x], create_graph=True)
    assert first.data == 5.0 and seen == [("Value", 5.0)]


def test_compile_reads_no_frames_and_neither_it_nor_derivatives_keeps_a_table_of_ops():
    package = Path(microprop.__file__).parent
    for module in ("compile", "derivatives", "source", "engine", "rules"):
        text = (package / f"{module}.py").read_text(encoding="utf-8")
        assert "_getframe" not in text and "f_locals" not in text, module
    assert not hasattr(sys.modules["microprop.compile"], "RULES")
    assert not hasattr(microprop.derivatives, "RULES")


def test_renaming_a_local_variable_inside_an_op_changes_nothing_compiled():
    """Defect: compile read each op's local variables by name from its frame, so renaming y to
    den inside __truediv__ broke it with KeyError: 'y'. The op's constants are recorded."""
    w = Value(3.0)
    compiled = microprop.compile(lambda x: (w / x) / 2.0 + 1.0 / (w - x), [w])
    assert compiled(4.0) == (0.375 + -1.0, [1 / 8 - 1.0])


def test_a_constant_base_to_a_value_power_differentiates_twice_where_eager_does_once():
    """Defect: on Values the rule of c ** x also worked out the slope of the constant base,
    c * x ** (c - 1), with the op's own pow, which raises at 0 ** negative where eager's slope
    (never read) is inf; the slope of a constant is now a constant."""
    x = Value(0.5)
    assert microprop.grad(0.0 ** x, [x], create_graph=True)[0].data == 0.0
    assert microprop.func.hessian(lambda v: 0.0 ** v)(0.5) == [[0.0]]


# Every rule at an ordinary point: the Op, its arguments, which of them are parameters (given,
# not differentiated), and the value the maths gives. OVER is reached only through gradients of
# gradients and POW_IEEE through derivatives' powers, so no table of ops reaches their slopes.
RULE_POINTS = [
    (rules.ADD, (1.5, -2.25), (), -0.75),
    (rules.SUB, (1.5, -2.25), (), 3.75),
    (rules.MUL, (1.5, -2.25), (), -3.375),
    (rules.DIV, (3.0, 2.0), (), 1.5),
    (rules.OVER, (3.0, 2.0), (), 1.5),
    (rules.NEG, (1.5,), (), -1.5),
    (rules.POW, (1.5, 2.5), (), 1.5 ** 2.5),
    (rules.POW_IEEE, (1.5, -2.5), (), 1.5 ** -2.5),
    (rules.POW_OF_CONSTANT, (2.25, 0.5), (1,), 1.5),
    (rules.POW_OF_CONSTANT, (2.25, 1.5), (1,), 3.375),
    (rules.POW_OF_CONSTANT, (1.5, 3.0), (1,), 3.375),
    (rules.EXP, (0.5,), (), math.exp(0.5)),
    (rules.LOG, (1.5,), (), math.log(1.5)),
    (rules.SQRT, (2.25,), (), 1.5),
    (rules.TANH, (0.5,), (), math.tanh(0.5)),
    (rules.SIGMOID, (0.5,), (), 1.0 / (1.0 + math.exp(-0.5))),
    (rules.SIGMOID_SLOPE, (0.25,), (), 0.1875),
    (rules.RELU, (1.5,), (), 1.5),
    (rules.LEAKY_RELU, (-1.5, 0.1), (1,), -0.15),
    (rules.ABS, (-1.5,), (), 1.5),
    (rules.DOT, (1.5, -2.0, 0.5, 3.0, 0.25), (), -1.25),
    (rules.SUM, (1.5, -2.0, 0.5), (), 0.0),
    (rules.LOGSUMEXP, (0.5, -1.0, 2.0), (), math.log(math.exp(0.5) + math.exp(-1) + math.exp(2))),
]


@pytest.mark.parametrize(("op", "args", "given", "want"), RULE_POINTS,
                         ids=[f"{row[0]}{row[1]}" for row in RULE_POINTS])
def test_every_rule_gives_its_value_and_slopes_by_central_differences(op, args, given, want):
    """A rule's slope that no table of ops reaches (OVER's 1/y was 2/y and no test failed) is
    still checked: each slope against (f(x + h) - f(x - h)) / 2h of the rule's own value."""
    out, slopes = op.rule(floats, *args)
    assert out == pytest.approx(want, rel=1e-15)
    assert len(slopes) == len(args) - len(given)
    h = 1e-6
    for k, slope in enumerate(slopes):
        up, down = list(args), list(args)
        up[k] += h
        down[k] -= h
        by_differences = (op.rule(floats, *up)[0] - op.rule(floats, *down)[0]) / (2 * h)
        assert float(slope) == pytest.approx(by_differences, rel=1e-7, abs=1e-9), k


def test_take_passes_its_chosen_inputs_slope_and_masks_the_index_and_the_others():
    out, slopes = rules.TAKE.rule(floats, 1, 4.0, 5.0, 6.0)
    assert out == 5.0
    assert [float(s) for s in slopes] == [0.0, 0.0, 1.0, 0.0]
    assert [type(s) is floats.Masked for s in slopes] == [True, True, False, True]


def test_the_slope_marker_reads_as_its_name_and_pickles_as_the_one_marker():
    import pickle

    assert repr(rules.SLOPE) == "SLOPE"
    assert pickle.loads(pickle.dumps(rules.SLOPE)) is rules.SLOPE


def test_an_op_with_the_same_constants_is_made_once_and_shared_by_every_node():
    """A node records its op; ops with constants are made once per constant, so a million
    ``x - 2.0`` hold one op between them. -0.0 and 0.0 are two constants; NaN, equal to nothing,
    is never found again, so an op with it is never kept."""
    a, b = Value(1.0), Value(2.0)
    assert (a - 2.0)._op is (b - 2.0)._op and (2.0 - a)._op is (2.0 - b)._op
    assert (a - 2.0)._op is not (2.0 - a)._op
    assert (a - 2.0)._op.args == (None, 2.0) and (2.0 - a)._op.args == (2.0, None)
    made = rules.SUB.called_with((None, 3.5))
    assert rules.SUB.called_with((None, 3.5)) is made and made.args == (None, 3.5)
    zero, minus_zero = rules.SUB.called_with((None, 0.0)), rules.SUB.called_with((None, -0.0))
    assert zero is not minus_zero and rules.SUB.called_with((None, 0.0)) is zero
    assert rules.SUB.called_with((None, math.nan)) is not rules.SUB.called_with((None, math.nan))
    assert rules.SUB.called_with((None, 3.5)).rule is rules.sub and str(made) == "-"


def test_the_ops_kept_per_op_are_bounded():
    op = rules.Op("bounded", rules.sub)
    for k in range(rules._MADE_AT_MOST + 50):
        op.called_with((None, float(k)))
        op.with_constant(float(k) + 0.5, 1)
    assert len(op._made) == len(op.right) == rules._MADE_AT_MOST
