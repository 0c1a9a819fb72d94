"""Gradients of gradients: the rule table against the recorded slopes, and against PyTorch.

Each op's rule (``microprop.rules``) evaluated on floats must give exactly the local
derivatives the engine records, so the fast float path and the graph-building path cannot drift.
Second derivatives and Hessians of random programs over every op then agree with float64
PyTorch, and third derivatives with closed forms.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from ops import OPS as TABLE
from programs import programs, run

import microprop
from microprop import Value, custom_op, rules
from microprop.derivatives import grad, local_derivatives

torch = pytest.importorskip("torch")

POINTS = [-1.75, -0.5, 0.0, 0.5, 2.0]


def _points(row):
    """The row's own point, and a few more inside its domain."""
    yield row.point
    for x in POINTS:
        xs = tuple(x + 0.25 * i for i in range(row.arity))
        if row.fuzz:
            xs = tuple(into(x) for into, x in zip(row.fuzz, xs))
        yield xs


@pytest.mark.parametrize("row", TABLE, ids=str)
def test_each_rule_on_floats_gives_exactly_the_recorded_local_derivatives(row):
    for xs in _points(row):
        try:
            out = row.on_values(*[Value(x) for x in xs])
        except (ValueError, ZeroDivisionError):
            continue
        by_rule = [d.data if isinstance(d, Value) else d
                   for d in local_derivatives(out, on_values=False)]
        recorded = list(out._local_grads)
        assert [repr(d) for d in by_rule] == [repr(d) for d in recorded], (row.name, xs)


def test_every_built_in_op_has_a_rule():
    built_in = {row.op for row in TABLE if row.name != "op of your own"}
    RULES = {str(op) for op in vars(rules).values() if isinstance(op, rules.Op)}
    assert built_in <= RULES


def _hessian_ours(leaves, root):
    first = grad(root, leaves, create_graph=True, allow_unused=True)
    return [list(grad(g, leaves, allow_unused=True)) for g in first]


def _hessian_torch(leaves, root):
    first = torch.autograd.grad(root, leaves, create_graph=True, allow_unused=True,
                                materialize_grads=True)
    rows = []
    for g in first:
        if not g.requires_grad:
            rows.append([0.0] * len(leaves))
            continue
        second = torch.autograd.grad(g, leaves, retain_graph=True, allow_unused=True,
                                     materialize_grads=True)
        rows.append([float(s) for s in second])
    return rows


@settings(max_examples=250)
@given(programs(max_leaves=6, max_steps=8))
def test_hessians_of_random_programs_agree_with_float64_pytorch(program):
    leaves, steps = program
    assume(len(leaves) >= 2)
    ours = run([Value(x) for x in leaves], steps, "on_values")
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    theirs = run(tensors, steps, "on_tensors")
    values = [t.detach().item() for t in theirs]
    assume(all(math.isfinite(v) and abs(v) < 1e100 for v in values))
    if not theirs[-1].requires_grad:
        return
    reference = _hessian_torch(tensors, theirs[-1])
    assume(all(math.isfinite(h) and abs(h) < 1e100 for row in reference for h in row))
    mine = _hessian_ours(ours[: len(leaves)], ours[-1])
    scale = 1.0 + max(abs(h) for row in reference for h in row)
    for row_mine, row_ref in zip(mine, reference, strict=True):
        for h, ref in zip(row_mine, row_ref, strict=True):
            assert abs(h - ref) <= 1e-9 * scale, (mine, reference)


def _third(f, x):
    v = Value(x)
    (d1,) = grad(f(v), v, create_graph=True)
    (d2,) = grad(d1, v, create_graph=True)
    return grad(d2, v)[0]


@pytest.mark.parametrize("x", [-1.5, -0.25, 0.0, 0.3, 2.0])
def test_third_derivatives_of_cube_exp_and_tanh_match_their_closed_forms(x):
    t = math.tanh(x)
    assert _third(lambda v: v**3, x) == 6.0
    assert _third(lambda v: v.exp(), x) == pytest.approx(math.exp(x), rel=1e-12)
    tanh3 = -2 * (1 - t * t) ** 2 + 4 * t * t * (1 - t * t)
    assert _third(lambda v: v.tanh(), x) == pytest.approx(tanh3, rel=1e-12, abs=1e-15)


def test_second_derivative_of_x_cubed_at_2_is_12_and_touches_no_grad():
    x = Value(2.0)
    (slope,) = grad(x**3, x, create_graph=True)
    (curvature,) = grad(slope, x)
    assert (slope.data, curvature, x.grad) == (12.0, 12.0, 0.0)


def test_x_to_the_y_with_both_values_has_the_mixed_derivative_of_pytorch():
    x, y = Value(1.5), Value(2.0)
    dx, dy = grad(x**y, [x, y], create_graph=True)
    # d/dy (y x^(y-1)) = x^(y-1) + y x^(y-1) ln x = 1.5 + 3 ln 1.5
    assert grad(dx, y)[0] == pytest.approx(1.5 + 3 * math.log(1.5), rel=1e-15)


def test_an_unused_input_raises_or_is_zero_with_allow_unused():
    x, z = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match="input 1"):
        grad(x * x, [x, z])
    assert grad(x * x, [x, z], allow_unused=True) == (2.0, 0.0)


def test_gradients_of_several_outputs_are_summed():
    x = Value(3.0)
    assert grad([x * x, x * 2], x) == (8.0,)


def test_a_second_derivative_goes_through_an_op_of_your_own_with_a_rule():
    from ops import SIN

    x = Value(0.5)
    (d1,) = grad(SIN(x), x, create_graph=True)
    assert grad(d1, x)[0] == -math.sin(0.5)


def test_an_op_without_a_rule_cannot_be_differentiated_twice():
    cube = custom_op.op("cube_without_rule")(lambda x: (x**3, (3 * x * x,)))
    x = Value(2.0)
    assert grad(cube(x), x) == (12.0,)
    with pytest.raises(TypeError, match="no derivative rule"):
        grad(cube(x), x, create_graph=True)


# At a kink PyTorch defines the slope (relu'(0) = 0, abs'(0) = sign(0) = 0); Hessians there agree.
KINKS = [
    ("relu(x) * x at 0", lambda x, y: x.relu() * x * y, lambda x, y: torch.relu(x) * x * y,
     (0.0, 1.5)),
    ("abs(x) * x at 0", lambda x, y: abs(x) * x + y, lambda x, y: x.abs() * x + y, (0.0, 1.0)),
    ("relu(x * y) at x = 0", lambda x, y: (x * y).relu(), lambda x, y: torch.relu(x * y),
     (0.0, 2.0)),
    ("abs(x - y) (x + y) where x = y", lambda x, y: abs(x - y) * (x + y),
     lambda x, y: (x - y).abs() * (x + y), (1.0, 1.0)),
    ("relu(x) ** 2 at 0", lambda x, y: x.relu() ** 2 + x * y,
     lambda x, y: torch.relu(x) ** 2 + x * y, (0.0, -0.5)),
    ("x ** y, both Values", lambda x, y: x**y, lambda x, y: x**y, (1.5, 2.5)),
    ("x ** y at y = 0", lambda x, y: x**y, lambda x, y: x**y, (0.7, 0.0)),
    ("tanh(x y) exp(x)", lambda x, y: (x * y).tanh() * x.exp(),
     lambda x, y: torch.tanh(x * y) * torch.exp(x), (0.3, -1.2)),
]


@pytest.mark.parametrize("name, ours, theirs, point", KINKS, ids=[k[0] for k in KINKS])
def test_hessians_at_kinks_and_of_x_to_the_y_agree_with_pytorch(name, ours, theirs, point):
    leaves = [Value(v) for v in point]
    mine = _hessian_ours(leaves, ours(*leaves))
    tensors = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in point]
    reference = _hessian_torch(tensors, theirs(*tensors))
    for row_mine, row_ref in zip(mine, reference, strict=True):
        for h, ref in zip(row_mine, row_ref, strict=True):
            assert h == pytest.approx(ref, rel=1e-9, abs=1e-12), (name, mine, reference)


def test_grad_of_several_outputs_and_create_graph_work_inside_no_grad():
    """Defect: inside no_grad(), grad() of several outputs joined them under a node that
    no_grad made a leaf, and so said "input 0 is not used"; create_graph recorded nothing."""
    a = Value(2.0)
    y1, y2 = a * a, a * 3.0
    with microprop.no_grad():
        assert grad([y1, y2], [a]) == (7.0,)
        (first,) = grad(y1, [a], create_graph=True)
        assert grad(first, [a]) == (2.0,)


def test_the_slope_of_zero_to_a_power_below_one_is_infinite_at_every_order():
    """Defect: grad(x ** n, create_graph=True) at x = 0 with n a Value in (0, 1) raised
    ZeroDivisionError: the slope n x^(n-1) was built with the ** op, which refuses 0 to a
    negative power; eager backward() and PyTorch give inf there (0 ** -0.5 as IEEE 754 says)."""
    torch = pytest.importorskip("torch")
    x, n = Value(0.0), Value(0.5)
    first = grad(x ** n, [x, n], create_graph=True)
    tx = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    tn = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    expected = torch.autograd.grad(tx ** tn, [tx, tn], create_graph=True)
    assert [g.data for g in first] == [t.item() for t in expected] == [math.inf, 0.0]
    assert microprop.func.grad(microprop.func.grad(lambda v: v ** 0.3))(0.0) == -math.inf


def test_a_zero_gradient_stays_zero_through_a_1_over_x_slope_at_every_order():
    """Defect: the unchosen input of take passes back 0, which met log's slope 1/x as 0 * (1/x);
    differentiated again that is 0 * (-1/x^2), NaN where 1/x^2 overflows (x = 1e-160). PyTorch
    divides the gradient by x (0 / x), and so does microprop now: d²/dx² is 0 as there."""
    x0, x1 = Value(1.0), Value(1e-160)
    y = microprop.take([x1.log(), 2.0, x0, x0], 2)
    (g,) = grad(y, [x1], create_graph=True)
    assert grad(g, [x1], allow_unused=True)[0] == 0.0
    assert microprop.func.grad(microprop.func.grad(lambda v: v.log() * 0.0))(1e-160) == 0.0
