"""Bad input to explain and backward_steps on the README neuron and on graphs with huge path
counts: each row a call, the error it raises and words its message says.

Most explain rows sit with the drawing rows in test_bad_input_viz.py; these came from
test_explain.py. The rows and their shared machinery follow tests/bad_input.py.
"""

from __future__ import annotations

import pytest
from bad_input import check, short, table
from examples import readme_neuron

from microprop import Value
from microprop.explain import backward_steps, explain

ROWS, row = table()


def neuron() -> Value:
    """a = tanh(w1*x1 + w2*x2 + b): five steps of backward()."""
    return readme_neuron()[0]


def paths(doublings: int, squarings: int = 0) -> tuple[Value, Value]:
    """A root with 2 ** (doublings + squarings) paths down to x: each level doubles them."""
    x = v = Value(1.0, label="x")
    for _ in range(doublings):
        v = v + v
    for _ in range(squarings):
        v = v * v
    return v, x


def with_closure() -> tuple[Value, Value]:
    """y = cube(x) + x, the cube made micrograd's way: Value(x.data**3, (x,), "cube") and a
    _backward closure, whose local derivative no one can read."""
    x = Value(2.0, label="x")
    cube = Value(8.0, (x,), "cube")

    def _backward() -> None:
        x.grad += 12.0 * cube.grad

    cube._backward = _backward
    return cube + x, x


row("explain(neuron, value=1.0)", lambda: explain(neuron(), 1.0), TypeError,
    "value must be a Value or a label, got float")
# Far too many to list, but counted exactly and said in scientific notation.
row("explain(2**1020 paths)", lambda: explain(*paths(1020)), ValueError,
    "about 1.12e+307 paths")
# More paths than a float or a 4300-digit str can hold.
row("explain(2**5020 paths)", lambda: explain(*paths(1020, 4000)), ValueError,
    "about 1.48e+1511 paths")
row("explain(16 paths, max_paths=15)", lambda: explain(*paths(4), max_paths=15), ValueError,
    "16 paths")
# A micrograd _backward closure: refused by name, not its paths or steps silently dropped.
row("explain(cube(x) + x with a closure, x)", lambda: explain(*with_closure()), TypeError,
    "explain: #1 (cube) was made micrograd's way", "_backward closure", "microprop.op")
row("backward_steps(cube(x) + x with a closure)",
    lambda: backward_steps(with_closure()[0]), TypeError,
    "backward_steps: #1 (cube) was made micrograd's way", "microprop.op")
row("backward_steps(root=[1.0])", lambda: backward_steps([1.0]), TypeError,
    "expected a Value as the root")
for bad in (-1, 6, 1.0, type(None)):
    row(f"backward_steps(neuron).grads({short(bad)})",
        lambda bad=bad: backward_steps(neuron()).grads(bad), ValueError,
        "k must be an int from 0 to 5")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
