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


def micrograd_readme(closure: bool = False) -> tuple[Value, Value, Value]:
    """micrograd's README expression, g of a and b, with b**3 made as micrograd makes an op:
    ``out = Value(b.data**3, (b,), "cube")`` and a ``_backward`` closure (or microprop's ``**``)."""
    a, b = Value(-4.0, label="a"), Value(2.0, label="b")
    if closure:
        cube = Value(b.data**3, (b,), "cube")

        def _backward():
            b.grad += 3 * b.data**2 * cube.grad

        cube._backward = _backward
    else:
        cube = b**3
    c = a + b
    d = a * b + cube
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g, a, b
