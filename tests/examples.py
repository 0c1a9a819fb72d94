"""Small graphs several test files share, built the same way everywhere."""

from __future__ import annotations

from microprop import Value


def readme_neuron() -> tuple[Value, dict[str, Value]]:
    """The README's neuron, a = tanh(w1*x1 + w2*x2 + b) with z = 0.4, before backward()."""
    x1, x2 = Value(1.5, label="x1"), Value(-0.5, label="x2")
    w1, w2, b = Value(0.8, label="w1"), Value(-1.2, label="w2"), Value(-1.4, label="b")
    z = w1 * x1 + w2 * x2 + b
    z.label = "z"
    a = z.tanh()
    a.label = "a"
    return a, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, z=z)
