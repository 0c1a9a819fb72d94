"""How Values build a graph and how backward() fills gradients, with hand-checkable numbers."""

from __future__ import annotations

import math
import sys
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from microprop import Value, engine, no_grad
from microprop.engine import is_grad_enabled

# ---- the micrograd drop-in -----------------------------------------------------------------


def test_micrograds_readme_example_gives_the_same_numbers():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    assert f"{g.data:.4f}" == "24.7041"
    g.backward()
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_micrograds_prev_attribute_still_lists_the_inputs():
    a, b = Value(1.0), Value(2.0)
    assert (a * b)._prev == {a, b}


# ---- gradients you can check by hand -------------------------------------------------------


def test_grad_accumulates_when_a_leaf_is_reused():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0


def test_reused_intermediate_node():
    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert b.grad == 2.0


def test_square_by_multiplication_records_both_edges():
    x = Value(3.0)
    y = x * x
    assert y._children == (x, x)
    y.backward()
    assert x.grad == 6.0


def test_constant_on_either_side():
    x = Value(2.0)
    for expr, grad in [
        (lambda: 2 * x, 2.0),
        (lambda: x * 2, 2.0),
        (lambda: 1 / x, -0.25),
        (lambda: x / 4, 0.25),
        (lambda: 5 - x, -1.0),
        (lambda: x - 5, 1.0),
        (lambda: 3 + x, 1.0),
        (lambda: x**3, 12.0),
        (lambda: 2**x, 4 * math.log(2)),
    ]:
        x.grad = 0.0
        expr().backward()
        assert x.grad == pytest.approx(grad, rel=1e-15)


def test_constants_are_not_nodes_of_the_graph():
    x = Value(2.0)
    y = 3 * x + 1
    assert [n for n in y._topological_order()] == [x, y._children[0], y]


def test_relu_derivative_at_zero_is_zero_as_in_pytorch():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


def test_power_with_a_value_exponent_gives_gradients_to_both_sides():
    x, n = Value(2.0), Value(3.0)
    (x**n).backward()
    assert x.grad == 12.0  # n x^(n-1)
    assert n.grad == pytest.approx(8 * math.log(2.0), rel=1e-15)  # x^n ln x


def test_zero_base_with_a_value_exponent_has_zero_exponent_gradient():
    x, n = Value(0.0), Value(2.0)
    (x**n).backward()
    assert (x.grad, n.grad) == (0.0, 0.0)


def test_dot_is_one_node_with_the_gradients_of_the_long_form():
    w = [Value(1.0), Value(-2.0), Value(3.0)]
    x = [Value(4.0), Value(5.0), Value(6.0)]
    b = Value(0.5)
    z = engine.dot(w, x, b)
    assert z.data == 4.0 - 10.0 + 18.0 + 0.5
    assert z._topological_order()[-1] is z and len(z._topological_order()) == 8
    z.backward()
    assert [v.grad for v in w] == [4.0, 5.0, 6.0]
    assert [v.grad for v in x] == [1.0, -2.0, 3.0]
    assert b.grad == 1.0


def test_sum_of_many_values_is_one_node():
    xs = [Value(float(i)) for i in range(5)]
    s = engine.sum(xs + [10])
    assert s.data == 20.0
    assert len(s._children) == 5
    s.backward()
    assert [x.grad for x in xs] == [1.0] * 5


def test_a_type_error_inside_the_callers_own_iterable_is_not_renamed():
    def rows():
        yield Value(1.0)
        raise TypeError("a bug in the caller's generator")

    with pytest.raises(TypeError, match="^a bug in the caller's generator$"):
        engine.dot(rows(), [1.0, 2.0])
    with pytest.raises(TypeError, match=r"^dot\(xs\): expected a list of Values or numbers, got"):
        engine.dot([1.0], 3.0)


# ---- the gradient contract ----------------------------------------------------------------


def test_backward_twice_accumulates_in_leaves_only():
    a = Value(1.0)
    b = a * 3
    c = b * 4
    c.backward()
    c.backward()
    assert a.grad == 24.0  # twice 12, as in PyTorch; micrograd would say 36
    assert b.grad == 4.0  # intermediate nodes hold the latest pass only
    assert c.grad == 1.0


def test_backward_on_a_leaf_accumulates_one_per_call():
    a = Value(5.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_zero_grad_clears_the_whole_graph():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    d.backward()
    d.zero_grad()
    assert [a.grad, b.grad, c.grad, d.grad] == [0.0, 0.0, 0.0, 0.0]


@pytest.mark.slow
def test_deep_chain_does_not_recurse():
    limit = sys.getrecursionlimit()
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0000001 + 0.0000001
    y.backward()
    assert x.grad == pytest.approx(1.0000001**1_000_000, rel=1e-9)
    assert sys.getrecursionlimit() == limit


@pytest.mark.slow
def test_python_sum_of_a_hundred_thousand_values_backpropagates():
    xs = [Value(1.0) for _ in range(100_000)]
    total = sum(xs)
    total.backward()
    assert total.data == 100_000.0
    assert all(x.grad == 1.0 for x in xs)


# ---- identity ----------------------------------------------------------------------------


def test_two_values_with_equal_data_are_different_nodes():
    a, b = Value(1.0), Value(1.0)
    assert a != b
    assert a == a
    assert len({a, b}) == 2
    assert hash(a) != hash(b)
    assert {a: "a", b: "b"}[b] == "b"


# ---- construction and conversions ---------------------------------------------------------


@pytest.mark.parametrize(
    "data", [3, 3.0, True, np.float64(3.0), np.float32(3.0), np.int64(3), np.int8(3)]
)
def test_any_real_number_is_stored_as_a_builtin_float(data):
    v = Value(data)
    assert type(v.data) is float
    assert v.data == float(data)
    assert v.grad == 0.0 and type(v.grad) is float


def test_repr_float_and_format():
    v = Value(2.0, label="w")
    assert repr(v) == "Value(data=2.0, grad=0.0, label='w')"
    assert repr(Value(-1.5)) == "Value(data=-1.5, grad=0.0)"
    assert float(v) == 2.0
    assert f"{v:.3f}" == "2.000"


def test_numpy_scalar_on_the_left_gives_a_value():
    v = Value(2.0)
    out = np.float64(3.0) * v
    assert isinstance(out, Value) and out.data == 6.0


def test_detach_gives_a_leaf_with_the_same_data():
    a = Value(2.0, label="a")
    b = (a * 3).detach()
    assert b.data == 6.0 and b._children == () and b.label == ""
    assert a.detach().label == "a"


# ---- domain errors and the overflow policy ------------------------------------------------



a, b = Value(2.0, label="a"), Value(-3.0, label="b")
zero, nan_ = Value(0.0, label="zero"), Value(math.nan, label="nan")
LN2 = math.log(2.0)


@pytest.mark.parametrize(
    "make, value, op, inputs, local",
    [
        (lambda: Value(1.0), 1.0, "", (), ()),
        (lambda: a + b, -1.0, "+", (a, b), (1.0, 1.0)),
        (lambda: a + 1, 3.0, "+", (a,), (1.0,)),
        (lambda: 1 + a, 3.0, "+", (a,), (1.0,)),
        (lambda: a * b, -6.0, "*", (a, b), (-3.0, 2.0)),
        (lambda: a * 4, 8.0, "*", (a,), (4.0,)),
        (lambda: -a, -2.0, "*", (a,), (-1.0,)),  # one node: a times -1
        (lambda: a - b, 5.0, "-", (a, b), (1.0, -1.0)),
        (lambda: a - 1, 1.0, "-", (a,), (1.0,)),  # named as written (was + for a + (-1))
        (lambda: 1 - a, -1.0, "-", (a,), (-1.0,)),
        (lambda: a / b, -2 / 3, "/", (a, b), (-1 / 3, -2 / 9)),  # 1/y and -x/y^2
        (lambda: a / 4, 0.5, "/", (a,), (0.25,)),
        (lambda: 4 / a, 2.0, "/", (a,), (-1.0,)),  # -4/a^2
        (lambda: a**3, 8.0, "**", (a,), (12.0,)),
        (lambda: a**1, 2.0, "**", (a,), (1.0,)),
        (lambda: a**0, 1.0, "**", (a,), (0.0,)),
        (lambda: zero**0, 1.0, "**", (zero,), (0.0,)),
        (lambda: 0.0**zero, 1.0, "**", (zero,), (0.0,)),  # d/dn 0^n at n = 0: PyTorch's 0
        (lambda: 2**a, 4.0, "**", (a,), (4 * LN2,)),
        (lambda: a**b, 0.125, "**", (a, b), (-3 * 2.0**-4, 0.125 * LN2)),
        (lambda: a.exp(), math.exp(2.0), "exp", (a,), (math.exp(2.0),)),
        (lambda: a.log(), LN2, "log", (a,), (0.5,)),
        (lambda: nan_.log(), math.nan, "log", (nan_,), (math.nan,)),
        (lambda: a.sqrt(), math.sqrt(2.0), "sqrt", (a,), (0.5 / math.sqrt(2.0),)),
        (lambda: zero.sqrt(), 0.0, "sqrt", (zero,), (math.inf,)),
        (lambda: a.tanh(), math.tanh(2.0), "tanh", (a,), (1 - math.tanh(2.0) ** 2,)),
        (lambda: b.sigmoid(), 1 / (1 + math.exp(3.0)), "sigmoid", (b,),
         (math.exp(-3.0) / (1 + math.exp(-3.0)) ** 2,)),
        (lambda: a.relu(), 2.0, "relu", (a,), (1.0,)),
        (lambda: b.relu(), 0.0, "relu", (b,), (0.0,)),
        (lambda: a.leaky_relu(), 2.0, "leaky_relu", (a,), (1.0,)),
        (lambda: b.leaky_relu(), -0.03, "leaky_relu", (b,), (0.01,)),
        (lambda: abs(a), 2.0, "abs", (a,), (1.0,)),
        (lambda: abs(b), 3.0, "abs", (b,), (-1.0,)),
        (lambda: abs(zero), 0.0, "abs", (zero,), (0.0,)),
        (lambda: engine.dot([a, 2.0], [3.0, b], 1.0), 1.0, "dot", (a, b), (3.0, 2.0)),
        (lambda: engine.dot([a], [b], b), -9.0, "dot", (a, b, b), (-3.0, 2.0, 1.0)),
        (lambda: engine.sum([a, 1.0, b]), 0.0, "sum", (a, b), (1.0, 1.0)),
    ],
)
def test_every_op_records_its_name_inputs_and_local_derivatives(make, value, op, inputs, local):
    out = make()
    assert (out._op, out._children) == (op, inputs)
    assert out.data == pytest.approx(value, rel=1e-15, nan_ok=True)
    assert out._local_grads == pytest.approx(local, rel=1e-15, nan_ok=True)
    assert type(out._children) is tuple and type(out._local_grads) is tuple


def test_overflow_gives_infinity_in_exp_mul_and_pow_alike():
    assert Value(1000.0).exp().data == math.inf
    assert (Value(1e308) * 10).data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(-1e200) ** 2).data == math.inf  # an even power of a negative base
    assert (Value(-1e200) ** 3).data == -math.inf
    assert (Value(10.0) ** Value(400.0)).data == math.inf
    assert (10.0 ** Value(400.0)).data == math.inf


@pytest.mark.parametrize("x", [1e308, -1e308, 710.0, -710.0, 1e5, -1e5])
def test_tanh_and_sigmoid_never_overflow(x):
    for f in (Value.tanh, Value.sigmoid):
        v = Value(x)
        out = f(v)
        out.backward()
        assert math.isfinite(out.data) and math.isfinite(v.grad)
        assert 0.0 <= v.grad <= 1.0


@given(
    st.floats(-50, 50, allow_nan=False).filter(lambda x: x != 0),
    st.integers(-6, 6),
    st.floats(-3, 3, allow_nan=False),
)
def test_no_operation_ever_produces_a_complex_number(base, n, other):
    x = Value(base)
    results = [x**n, x ** float(n), x ** Value(float(n))]
    try:
        results.append(x**other)
    except ValueError:
        assert base < 0 and not other.is_integer()
    for r in results:
        r.backward()
        assert type(r.data) is float and type(x.grad) is float


# ---- no_grad ------------------------------------------------------------------------------


def test_no_grad_computes_values_without_recording_a_graph():
    a = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        b = a * 3 + 1
    assert is_grad_enabled()
    assert b.data == 7.0 and b._children == ()
    b.backward()
    assert a.grad == 0.0


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            Value(1.0) / 0
    assert is_grad_enabled()


def test_no_grad_in_one_thread_does_not_affect_another():
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def evaluate():
        with no_grad():
            inside.set()
            done.wait(5)

    t = threading.Thread(target=evaluate)
    t.start()
    inside.wait(5)
    a = Value(1.0)
    seen["children"] = (a * 2)._children
    done.set()
    t.join()
    assert seen["children"] == (a,)
