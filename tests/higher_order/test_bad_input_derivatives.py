"""Bad input to microprop.grad and the derivative rules: each row a call, its error and words.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import pytest
from bad_input import check, short, table

from microprop import Value, grad
from microprop.derivatives import local_derivatives

ROWS, row = table()

x = Value(2.0)

for bad in (2.0, None, "y", [], [1.0], (Value(1.0), 1.0)):
    row(f"grad(outputs={short(bad)})", lambda bad=bad: grad(bad, x), TypeError,
        "grad(outputs): expected a Value", type(bad).__name__ if not isinstance(bad, tuple)
        else "float at 1")
for bad in (2.0, None, [], [x, 3.0]):
    row(f"grad(inputs={short(bad)})", lambda bad=bad: grad(x * x, bad), TypeError,
        "grad(inputs): expected")
row("grad(input the output does not use)", lambda: grad(x * x, [x, Value(1.0)]), ValueError,
    "grad: input 1", "is not used by the outputs", "allow_unused=True")
for name in ("create_graph", "allow_unused"):
    row(f"grad({name}='yes')", lambda name=name: grad(x * x, x, **{name: "yes"}), TypeError,
        f"grad({name}): expected True or False, got str")
for bad in (True, 1, "yes"):
    row(f"backward(create_graph={bad!r})", lambda bad=bad: (x * x).backward(create_graph=bad),
        TypeError, "backward(create_graph=True): .grad holds floats",
        "microprop.grad(output, inputs, create_graph=True)")
row("grad(retain_graph=1)", lambda: grad(x * x, x, retain_graph=1), TypeError,
    "grad(retain_graph): expected True, False or None, got int")


def _closure_node() -> Value:
    out = Value(4.0, (x,), "cube")
    out._backward = lambda: None
    return out


row("grad(output with a _backward closure)", lambda: grad(_closure_node(), x), TypeError,
    "_backward closure")
row("local_derivatives(op with no rule)", lambda: local_derivatives(_closure_node()), TypeError,
    "the op 'cube' has no derivative rule", "microprop.op(name, rule=...)")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
