"""PyTorch as a second opinion: random composite expressions agree in float64.

Each example is a small random program over the whole op set, run once on Values and once on
float64 tensors; values must agree to 1e-12 and every gradient to 1e-9, relative to the size of
the numbers in that program.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from programs import OPS, programs, run

from microprop import Value, nary

torch = pytest.importorskip("torch")


@settings(max_examples=300)
@given(programs())
def test_random_expressions_agree_with_float64_pytorch(program):
    leaves, steps = program
    ours = run([Value(x) for x in leaves], steps, "on_values")
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    theirs = run(tensors, steps, "on_tensors")
    values = [t.detach().item() for t in theirs]
    assume(all(math.isfinite(v) and abs(v) < 1e100 for v in values))
    # relu and abs have kinks: keep away from them so both libraries take the same branch.
    assume(all(abs(v) > 1e-9 for v in values))

    scale = 1.0 + max(abs(v) for v in values)
    for mine, ref in zip(ours, values, strict=True):
        assert abs(mine.data - ref) <= 1e-12 * scale

    root_ours, root_theirs = ours[-1], theirs[-1]
    root_ours.backward()
    root_theirs.backward()
    ref_grads = [0.0 if t.grad is None else float(t.grad) for t in theirs[: len(leaves)]]
    assume(all(math.isfinite(g) for g in ref_grads))
    gscale = 1.0 + max(abs(g) for g in ref_grads)
    for leaf, ref in zip(ours[: len(leaves)], ref_grads, strict=True):
        assert abs(leaf.grad - ref) <= 1e-9 * gscale


def test_a_tanh_neuron_agrees_with_pytorch_exactly_enough():
    w = [Value(0.3), Value(-0.7)]
    x = [Value(1.5), Value(2.0)]
    b = Value(0.1)
    out = nary.dot(w, x, b).tanh()
    out.backward()
    tw = torch.tensor([0.3, -0.7], dtype=torch.float64, requires_grad=True)
    tx = torch.tensor([1.5, 2.0], dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    tout = torch.tanh(tw @ tx + tb)
    tout.backward()
    assert out.data == pytest.approx(tout.item(), rel=1e-12)
    assert [v.grad for v in w] == pytest.approx(tw.grad.tolist(), rel=1e-9)
    assert [v.grad for v in x] == pytest.approx(tx.grad.tolist(), rel=1e-9)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-9)


@pytest.mark.parametrize("x", [-1.0, 0.0, 2.0])
@pytest.mark.parametrize("op", ["relu", "abs", "leaky_relu"])
def test_derivatives_at_kinks_and_elsewhere_match_pytorchs_conventions(op, x):
    v = Value(x)
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    OPS[op].on_values(v).backward()
    OPS[op].on_tensors(t).backward()
    assert v.grad == float(t.grad)


def test_sqrt_and_fractional_power_at_zero_have_an_infinite_slope_like_pytorch():
    v = Value(0.0)
    v.sqrt().backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    t.sqrt().backward()
    assert v.grad == float(t.grad) == math.inf
    v = Value(0.0)
    (v**0.5).backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (t**0.5).backward()
    assert v.grad == float(t.grad) == math.inf
