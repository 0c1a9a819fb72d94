"""gradcheck: users can check their own functions against finite differences."""

import pytest

from microprop import GradcheckError, Value, gradcheck


def test_a_correct_function_passes():
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, Value(0.3), 1.7)


def test_the_inputs_passed_in_are_left_untouched():
    x = Value(0.5)
    gradcheck(lambda v: v * v, x)
    assert x.grad == 0.0 and x.data == 0.5


def test_a_broken_gradient_fails_with_a_table_naming_the_input():
    # Rebuilding x from its data cuts the graph: backward() misses the x**2 term.
    def cut(x, y):
        return Value(x.data**2) + x * y

    with pytest.raises(GradcheckError) as info:
        gradcheck(cut, 3.0, 2.0)
    report = str(info.value)
    assert "1 of 2 gradients disagree" in report
    assert "backward()" in report and "numeric" in report
    rows = report.splitlines()[2:]
    assert rows[0].split()[-1] == "no" and rows[1].split()[-1] == "yes"


def test_an_op_of_your_own_with_a_wrong_derivative_fails_naming_the_input():
    from microprop import op

    @op("xy_squared")
    def xy_squared(x, y):  # x * y**2, with d/dy written as y**2 instead of 2xy
        return x * y**2, (y**2, y**2)

    assert gradcheck(lambda x: xy_squared(x, 3.0), 0.5)  # the x derivative is right
    with pytest.raises(GradcheckError) as info:
        gradcheck(xy_squared, 0.5, 3.0)
    rows = str(info.value).splitlines()[2:]
    assert "1 of 2 gradients disagree" in str(info.value)
    assert rows[0].split() == ["0", "0.5", "9", "9", "yes"]
    assert rows[1].split() == ["1", "3", "9", "3", "no"]  # backward() 9, the true 2 * 0.5 * 3


def test_without_raising_a_mismatch_returns_false():
    assert gradcheck(lambda x: Value(x.data * 2), 1.0, raise_exception=False) is False


def test_gradgradcheck_passes_for_smooth_functions_of_two_inputs():
    from microprop import gradgradcheck

    assert gradgradcheck(lambda x, y: (x * y).tanh() * x.exp() + y**3, 0.3, -0.7)


def test_gradgradcheck_catches_a_rule_that_disagrees_with_the_slope():
    from microprop import GradcheckError, gradgradcheck, op

    # The slope 2x is right, but its rule says the slope is the constant 1: d2/dx2 reads 0.
    square = op("square_with_a_wrong_rule", rule=lambda out, x: (x * 0.0 + 1.0,))(
        lambda x: (x * x, (2 * x,))
    )
    with pytest.raises(GradcheckError, match="1 of 1 second derivatives disagree"):
        gradgradcheck(square, 0.3)
    assert gradgradcheck(square, 0.3, raise_exception=False) is False
