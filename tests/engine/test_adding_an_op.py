"""Adding an op is four places: its rule, a short method, a row in tests/ops.py, a row in
docs/numbers.md (docs/architecture.md says so).

This test adds ``cosh`` exactly the way the built-in ops are defined (a rule in the arithmetic
that is passed in, an ``Op``, and a function whose body is a built-in method's) and checks that,
with nothing else written, it works in eager ``backward()``, in ``grad(grad(...))`` against
finite differences, and compiled, bit for bit with eager.
"""

from __future__ import annotations

import math
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

import microprop
from microprop import Value, engine, rules


def cosh(m, x):  # the rule, as rules.py writes one
    e, f = m.exp(x), m.exp(-x)
    return (e + f) * 0.5, ((e - f) * 0.5,)  # d/dx cosh x = sinh x


COSH = rules.Op("cosh", cosh)


def value_cosh(x: Value) -> Value:  # the method, as engine.py writes one
    out, local = cosh(engine.FLOATS, x.data)
    return engine._result(out, COSH, (x,), local)


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


@settings(max_examples=100)
@given(st.floats(-5, 5))
def test_a_new_op_gives_its_value_and_gradient_in_eager_backward(a):
    x = Value(a)
    y = value_cosh(x) * 3.0
    y.backward()
    assert math.isclose(y.data, 3.0 * math.cosh(a), rel_tol=1e-12)
    assert math.isclose(x.grad, 3.0 * math.sinh(a), rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=100)
@given(st.floats(-3, 3))
def test_a_new_op_has_second_derivatives_that_agree_with_finite_differences(a):
    def first(t: float) -> float:
        x = Value(t)
        (g,) = microprop.grad(value_cosh(x) * value_cosh(x), [x])
        return g

    x = Value(a)
    (g,) = microprop.grad(value_cosh(x) * value_cosh(x), [x], create_graph=True)
    (second,) = microprop.grad(g, [x])
    eps = 1e-6
    by_differences = (first(a + eps) - first(a - eps)) / (2 * eps)
    assert math.isclose(second, by_differences, rel_tol=1e-6, abs_tol=1e-6)
    assert math.isclose(second, 2.0 * math.cosh(2.0 * a), rel_tol=1e-9)  # d2/dx2 cosh^2 x


@settings(max_examples=100)
@given(st.floats(-800, 800), st.floats(-2, 2))
def test_a_new_op_compiles_bit_for_bit_with_eager(a, w0):
    w = Value(w0)

    def fn(x):
        return value_cosh(w * x) + value_cosh(x).log()

    compiled = microprop.compile(fn, [w])
    w.grad = 0.0
    eager = fn(Value(a))
    eager.backward()
    value, grads = compiled(a)
    assert bits(value) == bits(eager.data) and bits(grads[0]) == bits(w.grad)
    assert "cosh" in compiled.source
