"""microprop.func: derivatives of functions of numbers, which nest (``grad(grad(f))``)."""

from __future__ import annotations

import math

import pytest

import microprop
from microprop import Value, func
from microprop.func import jvp, value_and_grad


def cube(x):
    return x**3


def test_grad_of_a_cube_at_2_is_12_and_its_grad_is_12_then_6():
    assert func.grad(cube)(2.0) == 12.0
    assert func.grad(func.grad(cube))(2.0) == 12.0
    assert func.grad(func.grad(func.grad(cube)))(2.0) == 6.0


def test_the_fourth_derivative_of_a_cube_is_zero():
    assert func.grad(func.grad(func.grad(func.grad(cube))))(2.0) == 0.0


def test_value_and_grad_over_two_arguments():
    f = func.value_and_grad(lambda x, y: x * y + y, argnums=(0, 1))
    assert f(2.0, 3.0) == (9.0, (3.0, 3.0))
    assert func.value_and_grad(lambda x, y: x * y, argnums=1)(2.0, 3.0) == (6.0, 2.0)


def test_grad_called_on_a_value_returns_a_value_that_depends_on_it():
    x = Value(2.0)
    slope = func.grad(cube)(x)
    assert isinstance(slope, Value) and slope.data == 12.0
    slope.backward()
    assert x.grad == 12.0  # d/dx 3x^2 = 6x


def test_hessian_of_x_squared_y_at_1_2():
    assert func.hessian(lambda x, y: x * x * y)(1.0, 2.0) == [[4.0, 2.0], [2.0, 0.0]]


def test_hessian_of_a_function_ignoring_an_argument_has_zeros_for_it():
    assert func.hessian(lambda x, y: x.tanh())(0.0, 5.0) == [[0.0, 0.0], [0.0, 0.0]]


def test_tanh_curvature_by_grad_of_grad():
    t = math.tanh(0.5)
    assert func.grad(func.grad(lambda x: x.tanh()))(0.5) == pytest.approx(-2 * t * (1 - t * t))


def test_jvp_of_x_squared_y_at_1_2_along_each_axis_is_2xy_then_x_squared():
    f = lambda x, y: x * x * y  # noqa: E731
    assert jvp(f, (1.0, 2.0), (1.0, 0.0)) == (2.0, 4.0)
    assert jvp(f, (1.0, 2.0), (0.0, 1.0)) == (2.0, 1.0)
    assert jvp(lambda x: x**3, 2.0, 1.0) == (8.0, 12.0)  # one argument: plain numbers


@pytest.mark.parametrize("direction", [(1.0, 0.0), (0.5, -2.0), (-3.0, 0.25)])
def test_jvp_is_the_gradient_dotted_with_the_direction(direction):
    f = lambda x, y: (x * y).tanh() * x.exp() + x**y - (y / x).log()  # noqa: E731
    value, (dx, dy) = value_and_grad(f, argnums=(0, 1))(0.3, 1.2)
    assert jvp(f, (0.3, 1.2), direction) == pytest.approx(
        (value, dx * direction[0] + dy * direction[1]), rel=1e-12)


def test_jvp_at_relus_kink_gives_pytorchs_zero_slope():
    assert jvp(lambda x: x.relu(), 0.0, 1.0) == (0.0, 0.0)


# ---- corners where PyTorch is the reference ---------------------------------------------------

torch = pytest.importorskip("torch")


def test_grad_hessian_and_jvp_inside_no_grad_give_the_derivatives():
    """Defect: inside no_grad() func.grad, hessian and jvp returned 0 (their f recorded nothing);
    torch.func.grad gives the gradient there: it respects an inner no_grad, not an outer one."""
    from microprop import no_grad

    with no_grad():
        assert func.grad(cube)(2.0) == 12.0
        assert func.grad(func.grad(cube))(2.0) == 12.0
        assert func.hessian(lambda x, y: x * x * y)(1.0, 2.0) == [[4.0, 2.0], [2.0, 0.0]]
        assert jvp(lambda x: x * x, (3.0,), (1.0,)) == (9.0, 6.0)

        def inner_cut(x):
            with no_grad():
                frozen = x * x
            return frozen * x

        assert func.grad(inner_cut)(3.0) == 9.0  # an inner no_grad() still cuts
    with torch.no_grad():
        tx = torch.tensor(3.0, dtype=torch.float64)
        assert torch.func.grad(lambda x: (x * x).detach() * x)(tx).item() == 9.0


@pytest.mark.parametrize("f", [lambda x: x.sqrt(), lambda x: x**0.5], ids=["sqrt", "x ** 0.5"])
def test_the_second_derivative_of_a_square_root_at_0_is_minus_infinity(f):
    """Defect: sqrt''(0) and (x ** 0.5)'' at 0 were 0 here and -inf in PyTorch: the slope
    0.5 / sqrt(x), infinite at 0, was recorded as a constant, whose own slope is 0."""
    assert func.grad(f)(0.0) == math.inf
    assert func.grad(func.grad(f))(0.0) == -math.inf
    x = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (gg,) = torch.autograd.grad(g, x)
    assert gg.item() == -math.inf
    assert func.hessian(f)(0.0) == [[-math.inf]]


def test_jvp_through_a_constant_with_an_infinite_slope_is_the_tangent():
    """Defect: jvp gave NaN where a constant part of the graph had an infinite local derivative
    (0 tangent times inf): jvp(lambda x: x + c.exp()) with c = Value(1000.0); torch gives 1.0."""
    c = Value(1000.0)
    assert jvp(lambda x: x + c.exp(), (1.0,), (1.0,)) == (math.inf, 1.0)
    tc = torch.tensor(1000.0, dtype=torch.float64)
    _, tangent = torch.func.jvp(lambda x: x + tc.exp(), (torch.tensor(1.0, dtype=torch.float64),),
                                (torch.tensor(1.0, dtype=torch.float64),))
    assert tangent.item() == 1.0


@pytest.mark.parametrize("p", [1e-310, 5e-324, -0.0 + 4e-309])
def test_a_slope_1_over_x_at_a_subnormal_divides_the_gradient_as_pytorch(p):
    """Defect: local derivatives stored as 1/x overflowed at subnormal x: d/dp (p log p) at
    1e-310 was inf here and -712.8 in PyTorch, which divides the incoming gradient by x."""
    def f(v):
        return v * v.log()

    t = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    f(t).backward()
    expected = t.grad.item()
    assert expected == math.log(p) + 1.0
    v = Value(p)
    f(v).backward()
    assert v.grad == expected
    assert func.grad(f)(p) == expected
    w = Value(p)
    assert microprop.compile(lambda: f(w), [w])() == (f(Value(p)).data, [expected])
    a, b = Value(3.0), Value(p)
    (a / b * b).backward()  # d/da (a / b) * b: b / b, not b * inf
    assert a.grad == 1.0
