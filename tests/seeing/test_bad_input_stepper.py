"""Bad input to stepping through backward() (stepper): each row a call, the error it raises and
words its message says. A path that cannot be written is refused before anything is drawn.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import os

import pytest
from bad_input import check, short, table
from examples import readme_neuron

from microprop import Value, nary
from microprop.nn import MLP
from microprop.stepper import Stepper, Training, to_html, widget

ROWS, row = table()


def neuron() -> Value:
    """a = tanh(w1*x1 + w2*x2 + b): five steps of backward()."""
    return readme_neuron()[0]


def chain(n: int) -> Value:
    """tanh(tanh(...(x))), n deep: n steps of backward."""
    v = Value(0.5, label="x")
    for _ in range(n):
        v = v.tanh()
    return v


def with_closure() -> Value:
    """cube(x) + x, the cube made micrograd's way with a _backward closure."""
    x = Value(2.0, label="x")
    cube = Value(8.0, (x,), "cube")
    cube._backward = lambda: None
    return cube + x


for bad in (1.0, None, [Value(1.0)]):
    row(f"Stepper(root={short(bad)})", lambda bad=bad: Stepper(bad), TypeError,
        "Stepper: expected a Value as the root")
    row(f"widget(root={short(bad)})", lambda bad=bad: widget(bad), TypeError,
        "expected a Value as the root")
    row(f"to_html(root={short(bad)})", lambda bad=bad: to_html(bad, "steps.html"), TypeError,
        "expected a Value as the root")

# Drawing options: checked by viz's table, named as the stepper's.
row("Stepper(neuron, colour='grad')", lambda: Stepper(neuron(), colour="grad"), TypeError,
    "Stepper: unknown option 'colour'", "did you mean 'color'?")
row("Stepper(neuron, color='red')", lambda: Stepper(neuron(), color="red"), ValueError,
    "color='red' is not allowed", "'grad', 'role' or None")
row("Stepper(neuron, show_grads=1)", lambda: Stepper(neuron(), show_grads=1), TypeError,
    "Stepper(show_grads): expected True or False")
row("Stepper(neuron, step=2)", lambda: Stepper(neuron(), step=2), TypeError,
    "'step' is set by the stepper itself", "go(k)")
row("widget(neuron, colour='grad')", lambda: widget(neuron(), colour="grad"), TypeError,
    "unknown option 'colour'")

# Moving: k from 0 to the number of steps (5 here).
row("Stepper(neuron).go(6)", lambda: Stepper(neuron()).go(6), ValueError,
    "k=6 is past the last step", "between 0 and 5")
row("Stepper(neuron).go(-1)", lambda: Stepper(neuron()).go(-1), ValueError,
    "Stepper.go(k): expected at least 0, got -1")
for bad in (1.0, True, "2", None):
    row(f"Stepper(neuron).go({short(bad)})", lambda bad=bad: Stepper(neuron()).go(bad),
        TypeError, "Stepper.go(k): expected an int")

# Paths: refused before any drawing is made or file written (check() looks for leftovers).
for where, call in (
    ("Stepper(neuron).save_html", lambda path: Stepper(neuron()).save_html(path)),
    ("to_html(neuron)", lambda path: to_html(neuron(), path)),
):
    row(f"{where}(path='nowhere/steps.html')", lambda call=call: call("nowhere/steps.html"),
        FileNotFoundError, "the folder", "nowhere' does not exist")
    row(f"{where}(path='.')", lambda call=call: call("."), IsADirectoryError,
        "'.' is a folder; give a file name")
    row(f"{where}(path=3)", lambda call=call: call(3), TypeError,
        "expected a file name (str or pathlib.Path), got int")
    row(f"{where}(path='')", lambda call=call: call(""), ValueError, "the file name is empty")
row("to_html(a chain of 301 tanh)", lambda: to_html(chain(301), "steps.html"), ValueError,
    "302 positions (steps 0 to 301) are more than a page holds (301)", "widget()")
row("to_html(cube(x) + x, cube made with a micrograd closure)",
    lambda: to_html(with_closure(), "steps.html"), TypeError,
    "backward_steps: #1 (cube) was made micrograd's way", "_backward closure")
row("to_html(a sum of 3,000 Values)",
    lambda: to_html(nary.sum([Value(float(i)) for i in range(3000)]), "sum.html"), ValueError,
    "3,002 nodes, more than a page draws (800)", "collapse=True", "path_only")
row("to_html(neuron, 'steps.html', colour='grad')",
    lambda: to_html(neuron(), "steps.html", colour="grad"), TypeError, "unknown option 'colour'")


# Training: a model of one output, rows and targets that match, a few epochs, a positive lr.
X, Y = [[0.0, 1.0], [1.0, 0.0]], [1.0, -1.0]


def net() -> MLP:
    return MLP(2, [2, 1], seed=0)


row("Training(model=neuron)", lambda: Training(neuron(), X, Y), TypeError,
    "Training(model): expected a microprop.nn Module", "got Value")
row("Training(model with 2 outputs)", lambda: Training(MLP(2, [2], seed=0), X, Y), TypeError,
    "the model has 2 outputs; expected one")
row("Training(X='ab')", lambda: Training(net(), "ab", Y), TypeError,
    "Training(X): expected a list of rows, got str")
row("Training(X=[[nan, 1.0], ...])", lambda: Training(net(), [[float("nan"), 1.0], [1, 0]], Y),
    ValueError, "Training(X): row 0", "finite")
row("Training(X with 3 columns)", lambda: Training(net(), [[0, 1, 2], [1, 0, 2]], Y), ValueError,
    "Training(X): row 0 has 3 numbers; expected 2, one per input of the model")
row("Training(y=[1.0])", lambda: Training(net(), X, [1.0]), ValueError,
    "Training(y): 1 targets for 2 rows of X")
row("Training(y=[1.0, inf])", lambda: Training(net(), X, [1.0, float("inf")]), ValueError,
    "Training(y[1]): expected a finite number")
for bad in (0, 201):
    row(f"Training(epochs={bad})", lambda bad=bad: Training(net(), X, Y, epochs=bad), ValueError,
        "Training(epochs)")
row("Training(epochs=2.0)", lambda: Training(net(), X, Y, epochs=2.0), TypeError,
    "Training(epochs): expected a positive int")
for bad in (0.0, -0.1, float("nan")):
    row(f"Training(lr={short(bad)})", lambda bad=bad: Training(net(), X, Y, lr=bad), ValueError,
        "Training(lr): expected a finite number in (0, inf)")
row("Training(colour='grad')", lambda: Training(net(), X, Y, colour="grad"), TypeError,
    "Training: unknown option 'colour'")
def trained(epochs: int) -> Training:
    pytest.importorskip("graphviz")  # Training keeps a drawing per epoch
    return Training(net(), X, Y, epochs=epochs)


row("Training(...).go(4)", lambda: trained(3).go(4), ValueError,
    "Training.go(k): k=4 is past the last epoch", "between 0 and 3")
row("Training(...).save_html('nowhere/t.html')",
    lambda: trained(1).save_html("nowhere/t.html"), FileNotFoundError,
    "Training.save_html(path): the folder")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)


def test_a_refused_page_writes_nothing_at_all(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for call in (lambda: to_html(neuron(), "steps.html", colour="grad"),
                 lambda: to_html(neuron(), "nowhere/steps.html")):
        with pytest.raises((TypeError, FileNotFoundError)):
            call()
    assert os.listdir(tmp_path) == []
