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


REUSED = [  # where the paths through an op's result and through its slope must meet first
    ("sqrt(x).exp() at 1e-310", lambda x: x.sqrt().exp(), 1e-310),
    ("x * sqrt(x) + x at 1e-310", lambda x: x.sqrt() * (x.sqrt() + 2.5), 1e-310),
    ("2 ** sqrt(x) at 1e-310", lambda x: 2.0 ** x.sqrt(), 1e-310),
    ("x sqrt(x) at 1e-310 as 2 ** sqrt(x)", lambda x: 2.0 ** x.sqrt() * x.sqrt(), 1e-310),
]


@pytest.mark.parametrize("name, f, point", REUSED, ids=[r[0] for r in REUSED])
def test_a_rule_reads_its_nodes_result_as_pytorchs_backward_reads_the_saved_result(name, f, point):
    """Defect: evaluated on Values, a rule computed its own value again as a new node (sqrt's
    slope 0.5 / r with a second r). PyTorch's backward reads the saved result, so at the next
    order the path through the result and the path through the slope add up at that one node
    (``5e154 + -inf``) before the chain multiplies on; here they met only at x, as ``inf`` and
    ``-inf``, and ``sqrt(x).exp()'' `` at 1e-310 was NaN where PyTorch gives -inf."""
    x = Value(point)
    (first,) = grad(f(x), [x], create_graph=True)
    (second,) = grad(first, [x])
    t = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    (tfirst,) = torch.autograd.grad(f(t), [t], create_graph=True)
    (tsecond,) = torch.autograd.grad(tfirst, [t])
    assert second == tsecond.item() and not math.isnan(second), name


def test_the_slope_of_sigmoid_is_one_op_at_the_next_order_as_pytorchs_sigmoid_backward():
    """Defect: sigmoid's slope s (1 - s) was a product on Values, so an infinite gradient went
    down both its edges to s, ``inf * (1 - s) - inf * s``: d2/dx2 of ``sigmoid(x) * inf`` at 0.5
    was NaN; PyTorch's sigmoid_backward differentiates to ``(1 - 2s)`` first: -inf."""
    x = Value(0.5)
    (first,) = grad(x.sigmoid() * math.inf, [x], create_graph=True)
    (second,) = grad(first, [x])
    t = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    (tfirst,) = torch.autograd.grad(torch.sigmoid(t) * math.inf, [t], create_graph=True)
    assert second == torch.autograd.grad(tfirst, [t])[0].item() == -math.inf
    y = Value(-1.3)  # and the third derivative of sigmoid, s' (1 - 6s + 6s^2), as before
    s = 1.0 / (1.0 + math.exp(1.3))
    (g,) = grad(y.sigmoid(), [y], create_graph=True)
    (h,) = grad(g, [y], create_graph=True)
    assert grad(h, [y])[0] == pytest.approx(s * (1 - s) * (1 - 6 * s + 6 * s * s), rel=1e-12)


def test_a_mask_below_sqrt_sends_back_a_constant_zero_at_every_order():
    """The choice the fuzz recomputes in PyTorch: relu switched off below sqrt at 0 passes on a
    constant 0, so d2/dx2 of exp(sqrt(relu(x))) at 0 is 0 (PyTorch's where(on, g, 0) is a zeros
    tensor that its sqrt's double backward multiplies by 1 / (2 * 0): NaN)."""
    x = Value(0.0)
    (first,) = grad(x.relu().sqrt().exp(), [x], create_graph=True)
    assert first.data == 0.0 and grad(first, [x], allow_unused=True) == (0.0,)


@pytest.mark.parametrize("row", [r for r in TABLE if r.name != "op of your own"], ids=str)
def test_the_primitive_a_rule_reuses_as_its_node_computes_the_nodes_value(row):
    """Reading the node as its rule's value is right only where the rule's first call of a
    value primitive computes that value: checked for every built-in op on Values."""
    from microprop import derivatives

    node = row.on_values(*[Value(x) for x in row.point])
    if node._op.rule not in derivatives._REUSING_RULES:
        return
    calls = []

    class Recording:
        def __getattr__(self, name):
            f = getattr(derivatives.VALUES, name)
            if name in derivatives._VALUE_PRIMITIVES and not calls:
                return lambda *a: calls.append(f(*a)) or calls[0]
            return f

    node._op.rule(Recording(), *node._op.arguments(node._children, node._local_grads))
    assert calls and getattr(calls[0], "data", calls[0]) == node.data, row.name
