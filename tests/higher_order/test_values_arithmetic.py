"""derivatives.VALUES, the arithmetic the rules are evaluated in for gradients of gradients.

On plain numbers (a user's rule may call a primitive on a constant) it is the floats
arithmetic, bit for bit and error for error; on Values it records nodes whose numbers are the
floats arithmetic's. Powers whose slopes go through a square root are checked against float64
PyTorch to the third derivative, signed zeros and subnormals included.
"""

from __future__ import annotations

import math
import struct

import pytest

import microprop
from microprop import Value, derivatives, floats

VALUES = derivatives.VALUES
inf, nan = math.inf, math.nan
X = (2.25, -1.5, 0.0, -0.0, inf, -inf, nan, 1e-310)
Y = (2.0, -0.5, 0.0, -0.0, inf)


def outcome(call):
    """The result's bits (any NaN as one), or the error's type and message."""
    try:
        out = call()
    except (ArithmeticError, ValueError, TypeError) as error:
        return type(error).__name__, str(error)
    if isinstance(out, float):
        return type(out).__name__, b"nan" if out != out else struct.pack("<d", out)
    return type(out).__name__, out


ONE = ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "root", "reciprocal", "pow_log",
       "step", "sign"]
TWO = ["div", "over", "power", "pow", "pow_slope"]


@pytest.mark.parametrize("name", ONE)
@pytest.mark.parametrize("x", X)
def test_a_primitive_of_one_plain_number_is_the_floats_one(name, x):
    assert outcome(lambda: getattr(VALUES, name)(x)) == outcome(lambda: getattr(floats, name)(x))


@pytest.mark.parametrize("name", TWO)
@pytest.mark.parametrize("y", Y)
@pytest.mark.parametrize("x", X)
def test_a_primitive_of_two_plain_numbers_is_the_floats_one(name, x, y):
    assert outcome(lambda: getattr(VALUES, name)(x, y)) == outcome(
        lambda: getattr(floats, name)(x, y))


@pytest.mark.parametrize("x", X)
def test_the_primitives_with_a_parameter_on_plain_numbers_are_the_floats_ones(x):
    assert outcome(lambda: VALUES.leaky_relu(x, 0.1)) == outcome(lambda: floats.leaky_relu(x, 0.1))
    assert outcome(lambda: VALUES.leaky_step(x, 0.1)) == outcome(lambda: floats.leaky_step(x, 0.1))
    assert outcome(lambda: VALUES.logsumexp([x, 0.5])) == outcome(
        lambda: floats.logsumexp((x, 0.5)))


@pytest.mark.parametrize("x", [2.25, 0.5, 1e-310])
def test_the_primitives_on_a_value_record_the_floats_numbers(x):
    v = Value(x)
    for name in ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "root"]:
        assert outcome(lambda name=name: getattr(VALUES, name)(v).data) == outcome(
            lambda name=name: getattr(floats, name)(x)), name
    assert VALUES.leaky_relu(Value(-x), 0.1).data == floats.leaky_relu(-x, 0.1)
    for y in (2.0, Value(2.0)):
        assert VALUES.div(v, y).data == floats.div(x, 2.0)
        assert VALUES.pow(v, y).data == floats.pow(x, 2.0)
        assert VALUES.power(v, y).data == floats.power(x, 2.0)
    assert VALUES.over(v, 2.0).data == x / 2.0
    for name in ("div", "pow", "power"):  # a constant on the left: a node of the Value on the right
        out = getattr(VALUES, name)(2.0, v)
        assert isinstance(out, Value) and out._children == (v,), name
        assert out.data == getattr(floats, name)(2.0, x)
    assert VALUES.logsumexp([v, 0.5]).data == floats.logsumexp((x, 0.5))


def derivatives_in_torch(n: float, x0: float) -> list[float]:
    torch = pytest.importorskip("torch")
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(x**n, x, create_graph=True)
    (h,) = torch.autograd.grad(g, x, create_graph=True)
    (t,) = torch.autograd.grad(h, x)
    return [g.item(), h.item(), t.item()]


@pytest.mark.parametrize("n", [2.5, 1.5, 0.5, -0.5, 3.5])
@pytest.mark.parametrize("x0", [2.25, 0.0, 1e-310])
def test_powers_through_a_square_root_to_the_third_derivative_as_pytorch(n, x0):
    """x ** 2.5's slope 2.5 x^1.5 and its slope 1.5 sqrt(x), x ** 0.5's 0.5 / sqrt(x): each
    written with the square root, as PyTorch's pow(x, +-0.5) does, so that 0 gives PyTorch's
    infinities and a subnormal x does not underflow x^-0.5's power."""
    x = Value(x0)
    if x0 == 0.0 and n < 0:
        with pytest.raises(ZeroDivisionError):  # 0 to a negative power: numbers.md's policy
            x**n
        return
    (g,) = microprop.grad(x**n, [x], create_graph=True)
    (h,) = microprop.grad(g, [x], create_graph=True)
    (t,) = microprop.grad(h, [x])
    ours = [g.data, h.data, t]
    theirs = derivatives_in_torch(n, x0)
    assert [math.copysign(1.0, a) for a in ours] == [math.copysign(1.0, b) for b in theirs]
    for a, b in zip(ours, theirs):
        assert a == pytest.approx(b, rel=1e-14), (ours, theirs)


def test_an_output_listed_twice_counts_twice_as_in_pytorch():
    x = Value(1.5)
    y = x * x
    assert microprop.grad([y, y], [x]) == (6.0,)
    assert microprop.grad([y, y, x], [x], create_graph=True)[0].data == 7.0


def test_the_messages_of_what_cannot_be_differentiated_again_are_whole():
    w = Value(2.0)
    made = Value(w.data ** 3, (w,), "")  # by hand: no rule
    with pytest.raises(TypeError) as caught:
        microprop.grad(made, [w], create_graph=True)
    assert str(caught.value) == (
        "grad(create_graph=True): the op 'unnamed' has no derivative rule: its node was made by "
        "hand (a micrograd closure, or Value(data, children, ...)), so its gradient cannot be "
        "differentiated again; define the op with microprop.op(name, rule=...) instead")
    closure = Value(w.data ** 3, (w,), "cube")
    closure._backward = lambda: None
    with pytest.raises(TypeError) as caught:
        microprop.grad(closure, [w])
    assert str(caught.value) == "grad: a node with a _backward closure hides its derivatives"
    with pytest.raises(ValueError) as caught:
        microprop.grad(w * 2.0, [Value(1.0, label="unused")])
    assert str(caught.value) == (
        "grad: input 0 (Value(data=1.0, grad=0.0, label='unused')) is not used by the outputs, so "
        "it has no gradient; pass allow_unused=True to get 0.0 for it")


@pytest.mark.parametrize(("x0", "n", "slope"), [
    (2.25, 1.5, 2.25), (2.25, 0.5, 1.0 / 3.0), (-0.0, 1.5, -0.0), (-0.0, 0.5, -inf),
    (0.0, 0.5, inf), (0.0, 1.5, 0.0)])
def test_the_slope_of_a_half_power_goes_through_the_square_root_keeping_zeros_sign(x0, n, slope):
    """n x^(n-1) for n = 1.5 and 0.5 is 1.5 sqrt(x) and 0.5 / sqrt(x), as PyTorch's pow(x, 0.5)
    and rsqrt: at -0.0, -0.0 and -inf (x ** 0.5 and x ** -0.5 would give 0.0 and inf)."""
    got = VALUES.pow_slope(Value(x0), n).data
    assert got == pytest.approx(slope, rel=1e-15) and math.copysign(1.0, got) == math.copysign(
        1.0, slope)
