"""Bad input to fit (its callback too), predict, accuracy and evaluate_loss:
each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from bad_input import check, inf, nan, short, table

from microprop import Value
from microprop.losses import cross_entropy
from microprop.nn import MLP, Layer, Neuron
from microprop.optim import SGD
from microprop.train import Epoch, History, accuracy, evaluate_loss, fit, predict

ROWS, row = table()

# ---- training ------------------------------------------------------------------------------------

X = [[0.0], [1.0], [2.0], [3.0]]
Y = [1.0, 3.0, 5.0, 7.0]


def fit_with(**changes: object) -> object:
    """``fit`` on a small good problem, with some arguments replaced."""
    args: dict = {"model": Neuron(1, "linear", seed=0), "X": X, "y": Y, "epochs": 2,
                  "progress": False, **changes}
    return fit(args.pop("model"), args.pop("X"), args.pop("y"), **args)


for bad in ("yes", 1, None):
    row(f"fit(compile={bad!r})", lambda bad=bad: fit_with(compile=bad), TypeError,
        "fit(compile): expected True or False")
row("fit(compile=True, loss=<a function>)",
    lambda: fit_with(compile=True, loss=lambda s, y: (s[0] - y[0]) ** 2), ValueError,
    "fit(compile=True): give the loss by name", "a loss function of your own")
# Under mse and cross_entropy a target is an argument of the trace; bce's labels (soft ones
# here) are constants of a trace each.
row("fit(compile=True, loss='bce', y= 65 distinct labels)",
    lambda: fit_with(compile=True, X=[[i / 65] for i in range(65)], y=[i / 64 for i in range(65)],
                     loss="bce"),
    ValueError, "y has 65 distinct labels", "at most 64", "loss='mse'", "compile=False")
for bad in ("mlp", None, [Value(1.0)]):
    row(f"fit(model={short(bad)})", lambda bad=bad: fit_with(model=bad), TypeError,
        "fit(model)", "expected a microprop Module", type(bad).__name__)
row("fit(model with 2 outputs, loss='mse')", lambda: fit_with(model=Layer(1, 2, seed=0)),
    ValueError, "fit: the model gives 2 outputs, one per class, but loss 'mse' takes one output",
    "use loss='cross_entropy'")
row("fit(model with 2 inputs)", lambda: fit_with(model=Neuron(2, seed=0)), ValueError,
    "the rows of X have 1 values; the model takes 2")
for bad in ("abc", None, 5, b"ab"):
    row(f"fit(X={short(bad)})", lambda bad=bad: fit_with(X=bad), TypeError,
        "fit(X)", "expected a list of rows", type(bad).__name__)
for bad, error, words in [
    ([], ValueError, ("fit(X)", "no data")),
    ([[]] * 4, ValueError, ("fit(X)", "no data")),
    ([0.0, 1.0, 2.0, 3.0], TypeError, ("fit(X)", "row 0 is a float, expected a list")),
    (["ab", "cd", "ef", "gh"], TypeError, ("fit(X)", "row 0 is a str")),
    ([[0.0], [1.0, 2.0], [2.0], [3.0]], ValueError, ("row 1 has 2 values but row 0 has 1",)),
    ([[0.0], [nan], [2.0], [3.0]], ValueError, ("row 1 holds nan", "must be finite")),
    ([[0.0], [1.0], [inf], [3.0]], ValueError, ("row 2 holds inf",)),
    ([[0.0], [1.0], [2.0], [-inf]], ValueError, ("row 3 holds -inf",)),
    ([[0.0], ["1"], [2.0], [3.0]], TypeError, ("row 1 holds a str", "expected numbers")),
    ([[0.0], [None], [2.0], [3.0]], TypeError, ("row 1 holds a NoneType",)),
    ([[0.0], [1j], [2.0], [3.0]], TypeError, ("row 1 holds a complex",)),
    ([[0.0], [True], [2.0], [3.0]], TypeError, ("row 1 holds a bool",)),
    ([[0.0], [[1.0]], [2.0], [3.0]], TypeError, ("row 1 holds a list",)),
    ([[10**400], [1.0], [2.0], [3.0]], ValueError,
     ("fit(X): row 0 holds an int too large for a float", "every value must be finite")),
    ([[0.0], [1.0], [2.0], [-(10**400)]], ValueError, ("row 3 holds an int too large",)),
]:
    row(f"fit(X={short(bad)})", lambda bad=bad: fit_with(X=bad), error, *words)
for bad in (5, "abcd", None):
    row(f"fit(y={short(bad)})", lambda bad=bad: fit_with(y=bad), TypeError,
        "fit(y)", "expected a list of targets", type(bad).__name__)
for bad, error, words in [
    ([1.0, 2.0], ValueError, ("fit: X has 4 rows but y has 2 targets",)),
    ([1.0] * 5, ValueError, ("X has 4 rows but y has 5",)),
    ([], ValueError, ("X has 4 rows but y has 0",)),
    ([1.0, nan, 5.0, 7.0], ValueError, ("fit(y): target 1 is nan", "must be finite")),
    ([1.0, 3.0, inf, 7.0], ValueError, ("target 2 is inf",)),
    ([1.0, 3.0, 5.0, 10**400], ValueError, ("target 3 is too large for a float",
                                            "must be finite")),
    ([1.0, "3", 5.0, 7.0], TypeError, ("fit(y): target 1 is a str", "expected a number")),
    ([1.0, None, 5.0, 7.0], TypeError, ("target 1 is a NoneType",)),
    ([1.0, 3j, 5.0, 7.0], TypeError, ("target 1 is a complex",)),
    ([[1.0], [3.0], [5.0], [7.0]], TypeError, ("target 0 is a list",)),
]:
    row(f"fit(y={short(bad)})", lambda bad=bad: fit_with(y=bad), error, *words)
for bad in ("crossentropy", "MSE", ""):
    row(f"fit(loss={bad!r})", lambda bad=bad: fit_with(loss=bad), ValueError,
        "fit(loss)", f"unknown loss {bad!r}", "'mse', 'bce', 'hinge', 'cross_entropy'")
for bad in (3, None, ["mse"]):
    row(f"fit(loss={bad!r})", lambda bad=bad: fit_with(loss=bad), TypeError,
        "fit(loss)", "expected a name or a function")
for out in (1.0, None, [Value(1.0)]):
    row(f"fit(loss returns {short(out)})", lambda out=out: fit_with(loss=lambda p, t: out),
        TypeError, "fit(loss)", f"returned {type(out).__name__}", "must return a Value")
row("fit(loss takes one argument)", lambda: fit_with(loss=lambda p: p[0]), TypeError,
    "positional argument")
for bad in ("sgd", SGD, 0.1):
    row(f"fit(optimizer={short(bad)})", lambda bad=bad: fit_with(optimizer=bad), TypeError,
        "fit(optimizer)", "expected SGD, Adam or None")
row("fit(optimizer of another model)",
    lambda: fit_with(optimizer=SGD(Neuron(1, seed=1).parameters())), ValueError,
    "fit(optimizer)", "holds none of this model's parameters")
row("fit(optimizer=..., lr=0.1)", lambda: fit_with(optimizer=SGD([Value(1.0)]), lr=0.1),
    ValueError, "give lr to the optimizer")
for bad in (0, -0.1, nan, inf):
    row(f"fit(lr={bad})", lambda bad=bad: fit_with(lr=bad), ValueError,
        "SGD(lr)", "expected a finite number in (0, inf)")
for bad in ("0.1", True, [0.1]):
    row(f"fit(lr={bad!r})", lambda bad=bad: fit_with(lr=bad), TypeError,
        "SGD(lr)", "expected a number")
for name in ("epochs", "batch_size", "patience"):
    for bad in (2.5, "10", True, 1e9, nan):
        row(f"fit({name}={bad!r})", lambda name=name, bad=bad: fit_with(**{name: bad}),
            TypeError, f"fit({name})", "expected a positive int", type(bad).__name__)
    for bad in (0, -1):
        row(f"fit({name}={bad})", lambda name=name, bad=bad: fit_with(**{name: bad}),
            ValueError, f"fit({name})", "expected a positive int", f"got {bad}")
row("fit(epochs=None)", lambda: fit_with(epochs=None), TypeError, "fit(epochs)")
for name in ("tol", "min_delta", "l2"):
    for bad in (-1.0, nan, inf, -inf, 10**400, -(10**400)):
        row(f"fit({name}={short(bad)})", lambda name=name, bad=bad: fit_with(**{name: bad}),
            ValueError, f"fit({name})", "expected a finite number >= 0")
    for bad in ("0.1", True, 1j):
        row(f"fit({name}={bad!r})", lambda name=name, bad=bad: fit_with(**{name: bad}),
            TypeError, f"fit({name})", "expected a number", type(bad).__name__)
for bad in (3, "linear", object()):
    row(f"fit(schedule={short(bad)})", lambda bad=bad: fit_with(schedule=bad), TypeError,
        "fit(schedule)", "an object with a step() method")
for bad in (1.5, "x", True, [1]):
    row(f"fit(seed={bad!r})", lambda bad=bad: fit_with(seed=bad, batch_size=2), TypeError,
        "fit(seed)", "expected an int, a random.Random or None")
for bad in ("yes", 1, 0):
    row(f"fit(progress={bad!r})", lambda bad=bad: fit_with(progress=bad), TypeError,
        "fit(progress)", "expected True, False or None")
for bad in (3, "print", [print], True):
    row(f"fit(callback={short(bad)})", lambda bad=bad: fit_with(callback=bad), TypeError,
        "fit(callback): expected a function of an Epoch, or None", type(bad).__name__)
row("fit(callback takes no argument)", lambda: fit_with(callback=lambda: None), TypeError,
    "positional argument")
for out, shown in ((1, "int 1"), (0, "int 0"), ("stop", "str 'stop'"), (1.0, "float 1.0"),
                   ([], "list []"), (Value(1.0), "Value")):
    row(f"fit(callback returns {short(out)})", lambda out=out: fit_with(callback=lambda e: out),
        TypeError, f"fit(callback): it returned {shown}", "after epoch 1",
        "expected True to stop training, or False or None to go on")
row("fit(callback raises)", lambda: fit_with(callback=lambda e: [][e.epoch]), IndexError,
    "list index out of range")


def assign_to_an_epoch() -> None:
    record = Epoch(1, 2, 9.0, Neuron(1, seed=0), History([9.0]))
    record.loss = 0.0  # type: ignore[misc]


row("Epoch.loss = 0.0 (the record fit shows its callback is read-only)", assign_to_an_epoch,
    FrozenInstanceError, "cannot assign to field 'loss'")
row("fit(learning_rate=0.1) unknown option", lambda: fit_with(learning_rate=0.1), TypeError,
    "learning_rate")
row("fit(positional epochs)", lambda: fit(Neuron(1, seed=0), X, Y, "mse"), TypeError,
    "positional argument")

LINE = Neuron(1, "linear", seed=0)
for who, call in {
    "predict": lambda m: predict(m, X),
    "accuracy": lambda m: accuracy(m, X, Y),
    "evaluate_loss": lambda m: evaluate_loss(m, X, Y),
}.items():
    for bad in ("model", None, lambda r: r[0]):
        row(f"{who}(model={short(bad)})", lambda call=call, bad=bad: call(bad), TypeError,
            f"{who}(model)", "expected a microprop Module")
row("predict(X=[])", lambda: predict(LINE, []), ValueError, "predict(X)", "no data")
row("predict(X=[[nan]])", lambda: predict(LINE, [[nan]]), ValueError, "predict(X)",
    "row 0 holds nan")
row("predict(X=[[10**400]])", lambda: predict(LINE, [[10**400]]), ValueError, "predict(X)",
    "row 0 holds an int too large for a float")
row("predict(X=[[1.0, 2.0]])", lambda: predict(LINE, [[1.0, 2.0]]), ValueError,
    "expected 1 inputs, got 2")
row("accuracy(y too short)", lambda: accuracy(LINE, X, [1.0]), ValueError,
    "accuracy: X has 4 rows but y has 1")
row("accuracy(y=[nan, ...])", lambda: accuracy(LINE, X, [nan, 0, 1, 0]), ValueError,
    "accuracy(y): target 0 is nan")
row("accuracy(y=[10**400, ...])", lambda: accuracy(LINE, X, [10**400, 0, 1, 0]), ValueError,
    "accuracy(y): target 0 is too large for a float")
row("evaluate_loss(X=[[10**400], ...])", lambda: evaluate_loss(LINE, [[10**400]], [1.0]),
    ValueError, "evaluate_loss(X): row 0 holds an int too large for a float")
for bad in ("0.5", None, [0.5], 1j):
    row(f"accuracy(threshold={bad!r})", lambda bad=bad: accuracy(LINE, X, Y, threshold=bad),
        TypeError, "accuracy(threshold)", "expected a number", type(bad).__name__)
for bad in (nan, inf, -inf, 10**400):
    row(f"accuracy(threshold={short(bad)})", lambda bad=bad: accuracy(LINE, X, Y, threshold=bad),
        ValueError, "accuracy(threshold)", "expected a finite number")
row("accuracy(model with 2 outputs, float targets)",
    lambda: accuracy(Layer(1, 2, seed=0), X, Y), TypeError,
    "accuracy(y): target 0 is a float 1.0, expected a class index (an int from 0 to 1)")
row("evaluate_loss(loss='l1')", lambda: evaluate_loss(LINE, X, Y, "l1"), ValueError,
    "evaluate_loss(loss)",
    "unknown loss 'l1'")
row("evaluate_loss(loss returns a float)", lambda: evaluate_loss(LINE, X, Y, lambda p, t: 0.0),
    TypeError, "evaluate_loss(loss)", "returned float")

# Moved from test_train.py, where they were an inline table of pytest.raises(match=...).
for kwargs, error, words in [
    ({"model": "mlp"}, TypeError, ("expected a microprop Module",)),
    ({"X": [[1.0, 2.0]] * 4}, ValueError, ("rows of X have 2 values; the model takes 1",)),
    ({"y": [1.0, 2.0]}, ValueError, ("X has 4 rows but y has 2",)),
    ({"y": [1.0, 2.0, inf, 0.0]}, ValueError, ("target 2 is inf",)),
    ({"loss": "ce"}, ValueError, ("unknown loss 'ce'",)),
    ({"loss": 3}, TypeError, ("expected a name or a function",)),
    ({"epochs": 0}, ValueError, ("fit(epochs): expected a positive int",)),
    ({"epochs": 2.5}, TypeError, ("fit(epochs)",)),
    ({"batch_size": 0}, ValueError, ("batch_size",)),
    ({"tol": -1.0}, ValueError, ("fit(tol)",)),
    ({"patience": 0}, ValueError, ("fit(patience)",)),
    ({"lr": -0.1}, ValueError, ("SGD(lr)",)),
    ({"progress": "yes"}, TypeError, ("progress",)),
    ({"schedule": 3}, TypeError, ("step()",)),
    ({"optimizer": "sgd"}, TypeError, ("expected SGD, Adam or None",)),
    ({"seed": "x"}, TypeError, ("fit(seed)",)),
    ({"model": MLP(1, [2], seed=0)}, ValueError, ("the model gives 2 outputs",)),
]:
    name, bad = next(iter(kwargs.items()))
    row(f"fit({name}={short(bad)}) (short form)", lambda kwargs=kwargs: fit_with(**kwargs), error,
        *words)


def fit_with_its_own_optimizer_and_lr() -> object:
    model = Neuron(1, "linear", seed=0)
    return fit_with(model=model, optimizer=SGD(model.parameters()), lr=0.1)


row("fit(optimizer of the model, lr=0.1)", fit_with_its_own_optimizer_and_lr, ValueError,
    "give lr to the optimizer")

# ---- several classes: a model with three outputs, class indices as targets --------------------

THREE = Layer(1, 3, "linear", seed=0)
for who, call in (
    ("fit", lambda y: fit(THREE, X, y, loss="cross_entropy", epochs=1, progress=False)),
    ("evaluate_loss", lambda y: evaluate_loss(THREE, X, y, "cross_entropy")),
    ("accuracy", lambda y: accuracy(THREE, X, y)),
):
    for bad, error, words in (
        (3, ValueError, ("target 3 is 3", "a class index from 0 to 2")),
        (-1, ValueError, ("target 3 is -1", "a class index from 0 to 2")),
        (1.5, TypeError, ("target 3 is a float 1.5", "a class index (an int from 0 to 2)")),
        (True, TypeError, ("target 3 is a bool True",)),
        ("virginica", TypeError, ("target 3 is a str 'virginica'",)),
    ):
        row(f"{who}(3 outputs, y=[0, 1, 2, {bad!r}])",
            lambda call=call, bad=bad: call([0, 1, 2, bad]), error, f"{who}(y)", *words)
    row(f"{who}(3 outputs, 3 targets for 4 rows)", lambda call=call: call([0, 1, 2]),
        ValueError, "X has 4 rows but y has 3 targets")
    row(f"{who}(3 outputs, y='012')", lambda call=call: call("0120"), TypeError,
        f"{who}(y): expected a list of class indices, got str")
for loss in ("mse", "bce", "hinge"):
    row(f"evaluate_loss(3 outputs, loss={loss!r})",
        lambda loss=loss: evaluate_loss(THREE, X, [0, 1, 2, 0], loss), ValueError,
        "the model gives 3 outputs, one per class", f"loss {loss!r} takes one output per row")
for who, call in (
    ("fit", lambda loss: fit(LINE, X, [0, 1, 0, 1], loss=loss, epochs=1, progress=False)),
    ("evaluate_loss", lambda loss: evaluate_loss(LINE, X, [0, 1, 0, 1], loss)),
):
    for loss in ("cross_entropy", cross_entropy):
        row(f"{who}(1 output, loss={short(loss)})", lambda call=call, loss=loss: call(loss),
            ValueError, "loss 'cross_entropy' needs one output per class (at least 2)",
            "loss='bce'")
for bad in ("classes", "proba", None):
    row(f"predict(output={bad!r})", lambda bad=bad: predict(THREE, X, output=bad),
        ValueError if isinstance(bad, str) else TypeError, "predict(output)")
for output in ("class", "probabilities"):
    row(f"predict(1 output, output={output!r})", lambda output=output: predict(LINE, X,
        output=output), ValueError, "the model gives one output, not one per class",
        "output='raw'")
row("fit(3 outputs, 2 inputs per row)", lambda: fit(Layer(2, 3, seed=0), X, [0, 1, 2, 0],
    loss="cross_entropy", progress=False), ValueError,
    "the rows of X have 1 values; the model takes 2")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
