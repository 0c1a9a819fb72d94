"""Every row of the op table (tests/ops.py), checked for its value and every gradient.

Adding an op to the engine means adding one row to that table; the tests below pick it up.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from ops import OPS, Op

from microprop import Value


def point(data, op: Op) -> list[float]:
    return [data.draw(s, label=f"x{i}") for i, s in enumerate(op.domain)]


def close(a: float, b: float, rel: float, abs_: float) -> bool:
    return abs(a - b) <= abs_ + rel * abs(b)


@pytest.mark.parametrize("op", OPS, ids=str)
@given(data=st.data())
def test_every_op_computes_the_same_value_as_math(op, data):
    xs = point(data, op)
    out = op.on_values(*[Value(x) for x in xs])
    assert isinstance(out, Value)
    assert close(out.data, op.on_floats(*xs), rel=1e-12, abs_=1e-300)


@pytest.mark.parametrize("op", OPS, ids=str)
@given(data=st.data())
def test_every_gradient_matches_a_central_difference(op, data):
    xs = point(data, op)
    assume(op.valid(*xs))
    leaves = [Value(x) for x in xs]
    # Scale by a constant so that an op which forgot to multiply by the upstream gradient fails.
    (op.on_values(*leaves) * 3.0).backward()
    for i, x in enumerate(xs):
        h = 1e-6 * max(1.0, abs(x))
        up = xs[:i] + [x + h] + xs[i + 1 :]
        down = xs[:i] + [x - h] + xs[i + 1 :]
        numeric = 3.0 * (op.on_floats(*up) - op.on_floats(*down)) / (2 * h)
        scale = max(1.0, abs(op.on_floats(*xs)))
        assert close(leaves[i].grad, numeric, rel=1e-5, abs_=1e-6 * scale), (op.name, i, xs)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_every_op_records_only_its_value_inputs_in_order(op):
    leaves = [Value(0.5 + i) for i in range(len(op.domain))]
    out = op.on_values(*leaves)
    assert len(out._children) == len(out._local_grads)
    assert all(child in leaves for child in out._children)
    assert out._op != ""
