"""PyTorch as a second opinion: random composite expressions agree in float64.

Each example is a small random program over the whole op set, run once on Values and once on
float64 tensors; values must agree to 1e-12 and every gradient to 1e-9, relative to the size of
the numbers in that program.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from microprop import Value, engine

torch = pytest.importorskip("torch")


def tdot(ws, xs, b):
    return sum((w * x for w, x in zip(ws, xs, strict=True)), start=b)


# name -> (arity, on Values, on tensors); domains kept valid by construction.
OPS = {
    "add": (2, lambda a, b: a + b, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b, lambda a, b: a * b),
    "div": (2, lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    "rdiv": (1, lambda a: 3.0 / (a * a + 0.5), lambda a: 3.0 / (a * a + 0.5)),
    "rsub": (1, lambda a: 2.5 - a, lambda a: 2.5 - a),
    "neg": (1, lambda a: -a, lambda a: -a),
    "square": (1, lambda a: a**2, lambda a: a**2),
    "cube": (1, lambda a: a**3, lambda a: a**3),
    "pow": (2, lambda a, b: (a * a + 0.5) ** b.tanh(), lambda a, b: (a * a + 0.5) ** b.tanh()),
    "rpow": (1, lambda a: 2.0 ** a.tanh(), lambda a: 2.0 ** a.tanh()),
    "exp": (1, lambda a: (a.tanh() * 2).exp(), lambda a: (a.tanh() * 2).exp()),
    "log": (1, lambda a: (a * a + 1).log(), lambda a: (a * a + 1).log()),
    "sqrt": (1, lambda a: (a * a + 0.1).sqrt(), lambda a: (a * a + 0.1).sqrt()),
    "tanh": (1, lambda a: a.tanh(), lambda a: a.tanh()),
    "sigmoid": (1, lambda a: a.sigmoid(), lambda a: a.sigmoid()),
    "relu": (1, lambda a: a.relu(), lambda a: a.relu()),
    "leaky_relu": (
        1,
        lambda a: a.leaky_relu(0.1),
        lambda a: torch.nn.functional.leaky_relu(a, 0.1),
    ),
    "abs": (1, lambda a: abs(a), lambda a: a.abs()),
    "dot": (
        5,
        lambda a, b, c, d, e: engine.dot([a, b], [c, d], e),
        lambda a, b, c, d, e: tdot([a, b], [c, d], e),
    ),
    "sum": (3, lambda a, b, c: engine.sum([a, b, c, 1.0]), lambda a, b, c: a + b + c + 1.0),
}


@st.composite
def programs(draw):
    """Leaf values and a list of steps (op name, indices of earlier nodes), nodes often reused."""
    leaves = draw(
        st.lists(
            st.floats(-2, 2, allow_nan=False).filter(lambda x: abs(x) > 1e-3),
            min_size=1,
            max_size=4,
        )
    )
    steps = []
    n = len(leaves)
    for _ in range(draw(st.integers(1, 12))):
        name = draw(st.sampled_from(sorted(OPS)))
        arity = OPS[name][0]
        args = [draw(st.integers(0, n - 1)) for _ in range(arity)]
        steps.append((name, args))
        n += 1
    return leaves, steps


def run(leaves, steps, make_leaf, which):
    nodes = [make_leaf(x) for x in leaves]
    for name, args in steps:
        nodes.append(OPS[name][which](*[nodes[i] for i in args]))
    return nodes


@settings(max_examples=300)
@given(programs())
def test_random_expressions_agree_with_float64_pytorch(program):
    leaves, steps = program
    ours = run(leaves, steps, Value, 1)
    theirs = run(
        leaves, steps, lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True), 2
    )
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
    out = engine.dot(w, x, b).tanh()
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
    OPS[op][1](v).backward()
    OPS[op][2](t).backward()
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
