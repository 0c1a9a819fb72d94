"""NaN, inf and errors: every cell of docs/numbers.md's table, and ``detect_anomaly()``.

The table's first column is code; each row is run on ``Value(nan)``, ``Value(inf)`` and
``Value(-inf)`` and must give the value and ``d/dx`` the table says, or raise what it says.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import math
import os
import re
import threading
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ops import ANY, OPS, Op
from programs import programs
from programs import run as run_program

import microprop
from microprop import Value, detect_anomaly, dot, is_anomaly_enabled, logsumexp, no_grad, take
from microprop import sum as vsum

nan, inf = math.nan, math.inf
DOC = Path(__file__).resolve().parents[2] / "docs" / "numbers.md"
TEXT = DOC.read_text()
ROW = re.compile(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", re.M)
TABLE = ROW.findall(TEXT)
INPUTS = {"nan": nan, "inf": inf, "-inf": -inf}
CELLS = [
    pytest.param(code, x, cell.strip(), id=f"{code} at {name}")
    for code, *cells, _ in TABLE
    for (name, x), cell in zip(INPUTS.items(), cells, strict=True)
]


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def run(code: str, x: float) -> tuple[float, float]:
    """The row's code on ``Value(x)``: the result's value and ``d/dx``."""
    v = Value(x)
    y = eval(code, {"x": v, "dot": dot, "sum": vsum, "logsumexp": logsumexp, "take": take})  # noqa: S307 - our own table
    y.backward()
    return y.data, v.grad


def test_the_table_has_a_row_for_every_op():
    ops = {run_op(code) for code, *_ in TABLE}
    assert ops == {"+", "-", "neg", "*", "/", "**", "exp", "log", "sqrt", "tanh", "sigmoid", "relu",
                   "leaky_relu", "abs", "dot", "sum", "logsumexp", "take"}


def run_op(code: str) -> str:
    names = {"x": Value(2.0), "dot": dot, "sum": vsum, "logsumexp": logsumexp, "take": take}
    return eval(code, names)._op  # noqa: S307 - our own table


def engine_op_names() -> set[str]:
    """Every op name the engine can record: the name of each op defined in ``rules.py``."""
    return {str(op) for op in vars(microprop.rules).values() if isinstance(op, microprop.rules.Op)}


# Value's public methods that are not ops: they make no node.
NOT_OPS = {"backward", "zero_grad", "detach", "item", "register_hook"}


def test_every_op_the_engine_records_has_a_row_in_the_op_table_and_in_this_document():
    recorded = engine_op_names()
    assert recorded >= {"+", "-", "*", "/", "**", "exp", "dot", "sum"}  # the reading works
    assert recorded <= {op.op for op in OPS}, "add a row to tests/ops.py"
    assert recorded <= {run_op(code) for code, *_ in TABLE}, "add a row to docs/numbers.md"


def test_every_public_method_of_value_is_an_op_of_the_table():
    methods = {m for m in dir(Value) if not m.startswith("_") and callable(getattr(Value, m))}
    methods = {m for m in methods if "__mutmut_" not in m}  # mutmut's copies, beside the original
    ops = {getattr(Value(0.5), m)()._op for m in methods - NOT_OPS}
    assert ops <= {op.op for op in OPS}, "a method of Value makes an op with no row in tests/ops.py"


# The other half of the policy: models and losses refuse NaN *data*, while the engine passes a
# NaN that arose in a computation on, per IEEE 754, so that fit can notice it and name the epoch.
NAN_CASES = [
    pytest.param(op.on_values, op.point[:i] + (nan,) + op.point[i + 1 :], id=f"{op.name} at {i}")
    for op in OPS
    for i in range(op.arity)
    if op.name != "take" or i == 1  # take passes on the one input it chooses: see below
] + [
    pytest.param(lambda v: v - v, (nan,), id="nan - nan, one node"),
    pytest.param(lambda v: v * 0.0, (nan,), id="nan * 0"),
    pytest.param(lambda v: 0.0**v, (nan,), id="0 ** nan"),
    pytest.param(lambda v: (-2.0) ** v, (nan,), id="(-2) ** nan"),
    pytest.param(lambda v: Value(-2.0) ** v, (nan,), id="Value(-2) ** nan"),
]


@pytest.mark.parametrize("on_values, point", NAN_CASES)
def test_a_nan_input_to_any_op_propagates_and_backward_runs_through_it(on_values, point):
    out = on_values(*[Value(x) for x in point])
    assert math.isnan(out.data)
    out.backward()  # and backward runs through it without raising


def test_take_passes_on_nan_only_when_it_chooses_it_and_masks_the_gradient_of_the_others():
    a, b = Value(nan), Value(2.0)
    out = take([a, b], 1) * math.inf
    out.backward()
    assert out.data == math.inf and b.grad == math.inf
    assert a.grad == 0.0  # 0, where 0 * inf would be NaN: the unchosen are masked, as relu's


@pytest.mark.parametrize("code, x, cell", CELLS)
def test_every_cell_of_the_table_is_what_the_engine_does(code, x, cell):
    if cell.endswith("Error"):
        with pytest.raises(getattr(builtins, cell)):
            run(code, x)
        return
    value, grad = (float(part) for part in cell.split(", "))
    got = run(code, x)
    assert same(got[0], value) and same(got[1], grad), f"{code} at {x}: {got}, table: {cell}"


@pytest.mark.parametrize("code, x, cell", [c for c in CELLS if not c.values[2].endswith("Error")])
def test_every_cell_that_does_not_raise_agrees_with_float64_pytorch(code, x, cell):
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    names = {"torch": torch, "sum": builtins.sum,
             "dot": lambda ws, xs: builtins.sum(w * v for w, v in zip(ws, xs, strict=True)),
             "logsumexp": lambda vs: torch.logsumexp(torch.stack([torch.as_tensor(
                 v, dtype=torch.float64) for v in vs]), 0),
             "take": lambda vs, i: vs[i]}
    torch_code = code.replace("x.leaky_relu()", "torch.nn.functional.leaky_relu(x, 0.01)")
    y = eval(torch_code, {"x": t, **names})  # noqa: S307 - our own table
    y.backward()
    value, grad = run(code, x)
    assert same(y.item(), value) and same(t.grad.item(), grad)


def test_the_documented_example_prints_what_the_document_says():
    code, expected = re.search(r"```python\n(.*?)```\s*```text\n(.*?)```", TEXT, re.S).groups()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {"__name__": "__doc__"})
    assert out.getvalue() == expected


# ---- detect_anomaly: forward -----------------------------------------------------------------


def test_without_anomaly_mode_nan_and_inf_pass_silently():
    x = Value(800.0, label="x")
    assert x.exp().data == inf and math.isnan((x.exp() - x.exp()).data)
    assert not is_anomaly_enabled()


def test_the_first_op_giving_inf_is_named_with_its_input():
    x = Value(800.0, label="x")
    with detect_anomaly():
        assert is_anomaly_enabled()
        y = x * 2.0  # 1600.0: fine
        with pytest.raises(FloatingPointError) as info:
            y.exp()
    assert str(info.value) == "detect_anomaly: exp gave inf from the * node (1600.0)"
    assert not is_anomaly_enabled()


def test_an_op_giving_nan_names_every_input_with_its_label():
    a, b = Value(inf, label="a"), Value(inf, label="b")
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        a - b
    assert str(info.value) == "detect_anomaly: - gave nan from a (inf), b (inf)"


def test_a_constant_operand_is_mentioned_though_it_is_not_a_node():
    big = Value(1e308, label="big")
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        big * 10.0
    assert str(info.value) == "detect_anomaly: * gave inf from big (1e+308) and a constant"


@pytest.mark.parametrize(
    "make, x, op",
    [(lambda v: v + 1.0, inf, "+"), (lambda v: 1.0 - v, inf, "-"), (lambda v: v * 2.0, inf, "*"),
     (lambda v: v / 2.0, inf, "/"), (lambda v: 2.0 / v, 1e-320, "/"),
     (lambda v: v**2.0, inf, "**"), (lambda v: 2.0**v, inf, "**")],
)
def test_every_op_with_a_constant_says_so(make, x, op):
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        make(Value(x, label="v"))
    assert str(info.value).startswith(f"detect_anomaly: {op} gave ")
    assert str(info.value).endswith(f" from v ({x!r}) and a constant")

def test_a_wide_op_names_its_first_six_inputs_and_counts_the_rest():
    ws = [Value(1.0, label=f"w{k}") for k in range(10)]
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        dot(ws, [1.0] * 9 + [inf])
    assert str(info.value) == (
        "detect_anomaly: dot gave inf from w0 (1.0), w1 (1.0), w2 (1.0), w3 (1.0), w4 (1.0), "
        "w5 (1.0) and 4 more"
    )
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        dot(ws[:7], [1.0] * 6 + [inf])
    assert str(info.value).endswith("w5 (1.0) and 1 more")
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        dot(ws[:6], [1.0] * 5 + [inf])
    assert str(info.value).endswith("w4 (1.0), w5 (1.0)")
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        vsum([Value(inf), 1.0, Value(-inf)])
    assert str(info.value) == "detect_anomaly: sum gave nan from a leaf (inf), a leaf (-inf)"


def test_anomaly_mode_checks_under_no_grad_too():
    x = Value(1000.0, label="x")
    with detect_anomaly(), no_grad(), pytest.raises(FloatingPointError, match="exp gave inf"):
        x.exp()
    with no_grad(), detect_anomaly(), pytest.raises(FloatingPointError, match="exp gave inf"):
        x.exp()


def test_anomaly_mode_nests_and_is_restored_after_an_error():
    with detect_anomaly():
        with detect_anomaly():
            pass
        assert is_anomaly_enabled()
        with pytest.raises(FloatingPointError):
            Value(1000.0).exp()
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()
    assert Value(1000.0).exp().data == inf


def test_anomaly_mode_in_one_thread_does_not_affect_another():
    inside, outside = threading.Event(), threading.Event()
    seen = []

    def other():
        inside.wait(10)
        seen.append((is_anomaly_enabled(), Value(1000.0).exp().data))
        outside.set()

    t = threading.Thread(target=other)
    t.start()
    with detect_anomaly():
        inside.set()
        outside.wait(10)
    t.join(10)
    assert seen == [(False, inf)]


def test_detect_anomaly_is_exported():
    assert microprop.detect_anomaly is detect_anomaly
    assert "detect_anomaly" in microprop.__all__ and "is_anomaly_enabled" in microprop.__all__


# ---- detect_anomaly: backward ----------------------------------------------------------------


def test_backward_names_the_first_gradient_that_becomes_nan_and_the_step_that_made_it():
    x = Value(0.0, label="x")
    y = x.sqrt() * 0.0  # forward is fine: 0 * 0; backward: sqrt'(0) = inf times 0 is nan
    y.label = "y"
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        y.backward()
    assert str(info.value) == (
        "detect_anomaly: in backward(), the gradient of x (0.0) became nan: the sqrt node (0.0) "
        "passed it its local derivative inf times its own gradient 0.0"
    )
    y.zero_grad()
    y.backward()  # outside the block: silently nan, as before
    assert math.isnan(x.grad)


def test_no_grad_alone_checks_nothing_in_backward():
    x = Value(0.0, label="x")
    y = x.sqrt() * 0.0
    with no_grad():
        y.backward()  # a no_grad() block is open, but not detect_anomaly(): nan, silently
    assert math.isnan(x.grad)

def test_backward_in_anomaly_mode_gives_the_same_gradients_when_all_is_finite():
    x, w = Value(1.5, label="x"), Value(-0.5, label="w")
    y = (x * x + w * x).tanh() / 2.0
    y.backward()
    expected = [x.grad, w.grad]
    y.zero_grad()
    with detect_anomaly():
        y.backward()
    assert [x.grad, w.grad] == expected


def test_backward_names_a_labelled_node_and_an_infinite_gradient():
    x = Value(1e-200, label="x")
    y = x * 1e200
    y.label = "y"
    z = y * 1e200  # every value is finite; x's gradient is 1e200 * 1e200 = inf
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        z.backward()
    assert str(info.value) == (
        "detect_anomaly: in backward(), the gradient of x (1e-200) became inf: y (1.0) passed it "
        "its local derivative 1e+200 times its own gradient 1e+200"
    )


# ---- special values against PyTorch: masked zeros, signed zeros, inf and NaN --------------------
# Engine numerics that an adversarial round found wrong, each test naming the defect it guards.
#
# The reference is float64 PyTorch, op by op: its backward *masks* for a switched-off ReLU and for
# ``x ** 0`` (an infinite or NaN gradient stops there) and multiplies everywhere else, and its
# values keep the sign of zero. Gradients that are zero are compared as numbers: microprop's
# accumulate from +0.0, so a zero gradient is +0.0 (docs/numbers.md says so).


def agrees(a: float, b: float, signed: bool = True) -> bool:
    """Equal as IEEE numbers, NaN equal to NaN; the sign of a zero counts when ``signed``."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if not signed or a != 0.0:
        return a == b or math.isclose(a, b, rel_tol=1e-9)  # rounding differs, as in test_torch
    return b == 0.0 and math.copysign(1.0, a) == math.copysign(1.0, b)


def gradients(f, inputs: list[float], upstream: float) -> tuple[float, list[float]]:
    """f's value, and the gradients when ``upstream`` flows into it from the root above."""
    xs = [Value(x) for x in inputs]
    y = f(*xs)
    (y * Value(upstream) if upstream != 1.0 else y).backward()
    return y.data, [x.grad for x in xs]


# ---- the masked zero: a switched-off ReLU and x ** 0 pass on nothing ---------------------------


@pytest.mark.parametrize("upstream", [inf, -inf, nan])
@pytest.mark.parametrize("x", [-1.0, 0.0, -0.0, -inf])
def test_a_switched_off_relu_passes_no_infinite_or_nan_gradient_back(x, upstream):
    """Defect: 0 * inf made relu's input gradient NaN where PyTorch gives 0."""
    assert gradients(lambda v: v.relu(), [x], upstream)[1] == [0.0]


def test_relu_then_sqrt_at_a_negative_number_gives_the_gradient_0_as_in_pytorch():
    """Defect: Value(-1.0).relu().sqrt().backward() gave x.grad = nan (the probe's example)."""
    x = Value(-1.0)
    x.relu().sqrt().backward()
    assert x.grad == 0.0


@pytest.mark.parametrize("upstream", [inf, -inf, nan])
def test_x_to_the_power_0_passes_no_gradient_back_whatever_flows_in(upstream):
    """Defect: x ** 0 under an infinite gradient gave x.grad = nan; PyTorch gives 0."""
    assert gradients(lambda v: v**0, [3.0], upstream)[1] == [0.0]
    # with the exponent a Value too: only the base is masked, the exponent's ln x multiplies
    value, (dx, dn) = gradients(lambda v, n: v**n, [2.0, 0.0], upstream)
    assert value == 1.0 and dx == 0.0 and agrees(dn, upstream * math.log(2.0))


def test_other_zero_derivatives_still_multiply_so_0_times_inf_is_nan_as_in_pytorch():
    """The mask is PyTorch's, not a blanket rule: x * 0, |x| at 0 and tanh's saturation
    multiply, and so give NaN under an infinite gradient there too."""
    assert math.isnan(gradients(lambda v: v * 0.0, [1.0], inf)[1][0])
    assert math.isnan(gradients(lambda v: abs(v), [0.0], inf)[1][0])
    assert math.isnan(gradients(lambda v: v.exp(), [-1000.0], inf)[1][0])


# ---- signed zeros -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "value", "slope"),
    [
        pytest.param(lambda v: v.sqrt(), -0.0, -inf, id="sqrt(-0.0)"),
        pytest.param(lambda v: v**0.5, -0.0, -inf, id="(-0.0) ** 0.5"),
        pytest.param(lambda v: v.relu(), -0.0, 0.0, id="relu(-0.0)"),
        pytest.param(lambda v: -v, 0.0, -1.0, id="-(-0.0)"),
        pytest.param(lambda v: v * 2.0, -0.0, 2.0, id="-0.0 * 2"),
        pytest.param(lambda v: v - 0.0, -0.0, 1.0, id="-0.0 - 0"),
    ],
)
def test_minus_zero_keeps_its_sign_and_slope_as_pytorch_gives_them(f, value, slope):
    """Defect: sqrt(-0.0) had the slope +inf, (-0.0) ** 0.5 was +0.0 and relu(-0.0) was +0.0."""
    got, (grad,) = gradients(f, [-0.0], 1.0)
    assert agrees(got, value) and agrees(grad, slope)


def test_x_to_the_power_half_is_sqrt_bit_for_bit_as_in_pytorch():
    """Defect: x ** 0.5 went through pow, which differs from sqrt (PyTorch's x ** 0.5) in the
    last bit for about one number in a thousand; 2.0 ** 0.5 is one where they agree."""
    for x in [2.0, 3.0, 1e-300, 7.5e200, 0.1 * 3]:
        assert (Value(x) ** 0.5).data == math.sqrt(x)


# ---- against PyTorch: every op at every special value, under every special gradient -----------

SPECIAL = [0.0, -0.0, inf, -inf, nan, 1.5, -1.5, 2.0]
UPSTREAM = [1.0, inf, -inf, nan, 0.0]
# The powers PyTorch computes its own way (x ** 0, 0.5, 2, 3, -1), beside the table's rows.
EXTRA = [
    Op("x ** 0", "**", lambda a: a**0, None, (ANY,), (0.5,)),
    Op("x ** 0.5", "**", lambda a: a**0.5, None, (ANY,), (0.5,)),
    Op("x ** 2", "**", lambda a: a**2, None, (ANY,), (0.5,)),
    Op("x ** -1", "**", lambda a: a**-1, None, (ANY,), (0.5,)),
    Op("0 ** x", "**", lambda a: 0.0**a, None, (ANY,), (0.5,)),
]
CASES = [
    pytest.param(op, i, s, id=f"{op.name}, input {i} = {s}")
    for op in OPS + EXTRA
    for i in range(op.arity)
    for s in SPECIAL
]


def _against_torch(op: Op, inputs: list[float], upstream: float) -> list[str]:
    torch = pytest.importorskip("torch")
    try:
        value, grads = gradients(op.on_values, inputs, upstream)
    except (ValueError, ZeroDivisionError):
        return []  # microprop refuses where PyTorch gives NaN or inf (docs/numbers.md)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    ty = (op.on_tensors or op.on_values)(*ts)
    (ty * upstream if upstream != 1.0 else ty).backward()
    expected = [0.0 if t.grad is None else t.grad.item() for t in ts]
    wrong = [] if agrees(value, ty.item()) else [f"value {value} != {ty.item()}"]
    return wrong + [f"d/dx{k} {g} != {e}" for k, (g, e) in enumerate(zip(grads, expected))
                    if not agrees(g, e, signed=False)]


@pytest.mark.parametrize(("op", "i", "special"), CASES)
def test_every_op_at_a_special_value_agrees_with_pytorch_under_every_special_gradient(
    op, i, special
):
    inputs = list(op.point)
    inputs[i] = special
    wrong = {u: w for u in UPSTREAM if (w := _against_torch(op, inputs, u))}
    assert wrong == {}


@pytest.mark.parametrize("first", [op for op in OPS + EXTRA if op.arity == 1], ids=str)
def test_two_ops_in_a_row_agree_with_pytorch_when_the_first_sends_inf_or_nan_on(first):
    """Where the first op makes an infinite slope or value (sqrt at 0, exp overflow, 1/x at
    -0.0), the second op's zero derivative decides: the relu().sqrt() kind of defect."""
    for second in [op for op in OPS + EXTRA if op.arity == 1]:
        for x in SPECIAL + [-1000.0, 1000.0]:
            wrong = _against_torch(
                Op("", "", lambda a, f=first, g=second: g.on_values(f.on_values(a)), None,
                   (ANY,), (0.5,),
                   on_tensors=lambda a, f=first, g=second: (g.on_tensors or g.on_values)(
                       (f.on_tensors or f.on_values)(a))),
                [x], 1.0)
            assert wrong == [], f"{second.name}({first.name}(x)) at x = {x}"


# ---- random programs whose leaves are zeros, infinities and NaN --------------------------------

SPECIAL_LEAVES = st.sampled_from([0.0, -0.0, inf, -inf, nan]) | st.floats(-2, 2, allow_nan=False)


def _close(mine: float, ref: float, scale: float, rel: float) -> bool:
    if not (math.isfinite(mine) and math.isfinite(ref)):
        return agrees(mine, ref, signed=False)
    return abs(mine - ref) <= rel * scale


# 300 programs in every test run; FUZZ_EXAMPLES=20000 for the long run the closing note cites.
@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")), deadline=None)
@given(programs(values=SPECIAL_LEAVES))
def test_random_programs_through_inf_and_nan_agree_with_pytorch(program):
    """The relu().sqrt() defect at random: programs whose leaves are +-0, +-inf and NaN, so that
    intermediate values and gradients are infinite or NaN, agree with float64 PyTorch."""
    torch = pytest.importorskip("torch")
    leaves, steps = program
    try:
        ours = run_program([Value(x) for x in leaves], steps, "on_values")
    except (ValueError, ZeroDivisionError):
        assume(False)  # microprop refuses where PyTorch gives NaN or inf (docs/numbers.md)
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    theirs = run_program(tensors, steps, "on_tensors")
    values = [t.detach().item() for t in theirs]
    # both sides take the same branch at a kink only if no value is a rounding error from 0
    assume(all(v == 0.0 or not math.isfinite(v) or 1e-9 < abs(v) < 1e100 for v in values))
    finite = [abs(v) for v in values if math.isfinite(v)]
    scale = 1.0 + max(finite, default=0.0)
    assert [_close(m.data, r, scale, 1e-12) for m, r in zip(ours, values)] == [True] * len(values)
    ours[-1].backward()
    theirs[-1].backward()
    ref = [0.0 if t.grad is None else float(t.grad) for t in theirs[: len(leaves)]]
    assume(all(g == 0.0 or not math.isfinite(g) or abs(g) < 1e100 for g in ref))
    gscale = 1.0 + max((abs(g) for g in ref if math.isfinite(g)), default=0.0)
    mine = [leaf.grad for leaf in ours[: len(leaves)]]
    assert [_close(m, r, gscale, 1e-9) for m, r in zip(mine, ref)] == [True] * len(ref), (mine, ref)
