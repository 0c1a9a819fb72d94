"""microprop.func: derivatives of functions of numbers, which nest (``grad(grad(f))``)."""

from __future__ import annotations

import math

import pytest

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
