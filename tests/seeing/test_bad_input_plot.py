"""Bad input to plots: each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bad_input import check, inf, nan, short, table

from microprop.nn import MLP
from microprop.train import History

ROWS, row = table()

# ---- plots ---------------------------------------------------------------------------------------


def plot(name: str) -> Callable[..., object]:
    def call(*args: object, **kwargs: object) -> object:
        pytest.importorskip("matplotlib")
        from microprop import plot as module

        return getattr(module, name)(*args, **kwargs)

    return call


for bad, error, words in [
    ("abc", TypeError, ("(history): expected a list of numbers", "str")),
    (None, TypeError, ("(history): expected a list of numbers", "NoneType")),
    (3.0, TypeError, ("got float",)),
    ([], ValueError, ("history is empty",)),
    (History(), ValueError, ("history is empty",)),
    ({}, ValueError, ("the mapping of loss series is empty",)),
    ({"train": []}, ValueError, ("history['train'] is empty",)),
    ({"train": "abc"}, TypeError, ("(history['train']): expected a list",)),
    (["a"], TypeError, ("(history): item 0 is a", "str")),
    ([1.0, None], TypeError, ("(history): item 1 is a", "NoneType")),
    ([1.0, 1j], TypeError, ("(history): item 1 is a", "complex")),
    ("0.5", TypeError, ("(history): expected a list of numbers, got str",)),
    ([1.0, "x"], TypeError, ("(history): item 1 is a str, expected a number",)),
    ({"train": [1.0, None]}, TypeError, ("(history['train']): item 1 is a",)),
    ([1.0, 10**400], ValueError, ("(history): item 1 is too large for a float",)),
    ([1.0, True], TypeError, ("(history): item 1 is a bool, expected a number",)),
]:
    row(f"plot_loss({short(bad)})", lambda bad=bad: plot("plot_loss")(bad), error,
        "plot_loss", *words)
for history in ([1.0, 0.0], [1.0, -0.5], [1.0, nan]):
    row(f"plot_loss({history}, log=True)", lambda h=history: plot("plot_loss")(h, log=True),
        ValueError, "log=True needs losses > 0")
for bad in ("yes", 1, None):
    row(f"plot_loss(log={bad!r})", lambda bad=bad: plot("plot_loss")([1.0], log=bad), TypeError,
        "plot_loss(log): expected True or False")
row("plot_loss(ax=3)", lambda: plot("plot_loss")([1.0], ax=3), TypeError,
    "ax must be a matplotlib Axes or None, got int")

PX, PY = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]], [0, 1, 1]


def two_outputs(p: list[float]) -> list[float]:
    return [p[0], p[1]]


def no_outputs(p: list[float]) -> list[float]:
    return []


def more_outputs_on_the_right(p: list[float]) -> list[float]:
    return [p[0]] * (1 if p[0] < 0.5 else 2)


def a_word(p: list[float]) -> str:
    return "a"


def not_a_number(p: list[float]) -> float:
    return nan


def a_huge_int(p: list[float]) -> int:
    return 10**400


def boundary(**changes: object) -> object:
    args: dict = {"model": lambda p: p[0] - p[1], "X": PX, "y": PY, "resolution": 3, **changes}
    return plot("plot_decision_boundary")(args.pop("model"), args.pop("X"), args.pop("y"), **args)


for kwargs, error, words in [
    ({"model": "m"}, TypeError, ("model must be callable", "str")),
    ({"X": "ab"}, TypeError, ("(X): expected a list of rows",)),
    ({"X": None}, TypeError, ("(X): expected a list of rows", "NoneType")),
    ({"X": [], "y": []}, ValueError, ("(X): no data",)),
    ({"X": [[0.0, 0.0, 0.0]], "y": [0]}, ValueError, ("(X): row 0 has 3 features", "exactly 2")),
    ({"X": [[0.0]], "y": [0]}, ValueError, ("(X): row 0 has 1 features",)),
    ({"X": [1.0, 2.0], "y": [0, 1]}, TypeError, ("(X): row 0 is a float",)),
    ({"X": [[0.0, nan]], "y": [0]}, ValueError, ("(X): row 0 holds nan",)),
    ({"X": [[inf, 0.0]], "y": [0]}, ValueError, ("every value must be finite",)),
    ({"X": [["a", 0.0]], "y": [0]}, TypeError, ("(X): row 0 holds a", "str")),
    ({"X": [[0.0, 10**400]], "y": [0]}, ValueError,
     ("(X): row 0 holds an int too large for a float",)),
    ({"X": [[-1e308, 0.0], [1e308, 1.0]], "y": [0, 1]}, ValueError,
     ("feature 0 spans", "too wide a range")),
    ({"y": [0, 1]}, ValueError, ("X has 3 rows but y has 2 labels",)),
    ({"y": "abc"}, TypeError, ("(y): expected a list of labels",)),
    ({"y": [0, "1", 1]}, TypeError, ("(y): label 1 is a",)),
    ({"y": [0, nan, 1]}, ValueError, ("(y): label 1 is nan", "every label must be finite")),
    ({"y": [0, inf, 1]}, ValueError, ("(y): label 1 is inf",)),
    ({"y": [0, 10**400, 1]}, ValueError, ("(y): label 1 is too large for a float",)),
    ({"resolution": 1}, ValueError, ("(resolution): expected at least 2, got 1",)),
    ({"resolution": 1001}, ValueError, ("(resolution): expected an int from 2 to 1000",)),
    ({"resolution": 2.5}, TypeError, ("(resolution): expected an int", "2.5")),
    ({"resolution": "80"}, TypeError, ("(resolution): expected an int", "'80'")),
    ({"resolution": True}, TypeError, ("(resolution): expected an int",)),
    ({"resolution": 10**400}, ValueError, ("(resolution): expected an int from 2 to 1000",)),
    ({"threshold": "0"}, TypeError, ("(threshold): expected a number", "str")),
    ({"threshold": [0.0]}, TypeError, ("(threshold): expected a number", "list")),
    ({"threshold": nan}, ValueError, ("(threshold): expected a finite number", "nan")),
    ({"threshold": -inf}, ValueError, ("(threshold): expected a finite number",)),
    ({"threshold": 10**400}, ValueError, ("(threshold): expected a finite number", "got 1000")),
    ({"ax": 3}, TypeError, ("ax must be a matplotlib Axes or None",)),
    ({"model": no_outputs}, ValueError, ("model returned an empty list",)),
    ({"model": more_outputs_on_the_right}, ValueError,
     ("model returned 2 outputs at", "but 1 before", "the same number everywhere")),
    ({"model": two_outputs, "threshold": 0.5}, ValueError,
     ("threshold is for a model with one output, but this one has 2",)),
    ({"model": two_outputs, "y": [0, 1, 2]}, ValueError,
     ("(y): label 2 is 2, expected a class index from 0 to 1",)),
    ({"model": two_outputs, "y": [0, 1.0, 1]}, TypeError,
     ("(y): label 1 is a float", "expected a class index")),
    ({"model": two_outputs, "y": [0, True, 1]}, TypeError, ("(y): label 1 is a bool",)),
    ({"model": two_outputs, "class_names": ["a"]}, ValueError,
     ("(class_names): got 1 names for 2 classes",)),
    ({"model": two_outputs, "class_names": ["a", 2]}, TypeError,
     ("(class_names): name 1 is a int, expected a str",)),
    ({"model": two_outputs, "class_names": "ab"}, TypeError,
     ("(class_names): expected a list of names",)),
    ({"X": [[0.0, 0.0, 0.0]], "y": [0], "features": (0,)}, ValueError,
     ("(features): got 1 indices; expected two",)),
    ({"X": [[0.0, 0.0, 0.0]], "y": [0], "features": (0, 3)}, ValueError,
     ("(features): index 1 is 3, expected a class index from 0 to 2",)),
    ({"X": [[0.0, 0.0, 0.0]], "y": [0], "features": (1, 1)}, ValueError,
     ("(features): both indices are 1",)),
    ({"X": [[0.0, 0.0, 0.0]], "y": [0], "features": (0, 1.0)}, TypeError,
     ("(features): index 1 is a float",)),
    ({"X": [[0.0, 0.0, 0.0]], "y": [0], "features": 2}, TypeError,
     ("(features): expected a list of feature indices, got int",)),
    ({"at": [0.0, 0.0]}, ValueError, ("(at): only used with features=(i, j)",)),
    ({"X": [[0.0, 0.0, 0.0]], "y": [0], "features": (0, 1), "at": [0.0, 0.0]}, ValueError,
     ("(at): got 2 values for rows of 3 features", "expected a full row")),
    ({"X": [[0.0, 0.0, 0.0]], "y": [0], "features": (0, 1), "at": [0.0, 0.0, nan]},
     ValueError, ("(at): row 0 holds nan",)),
    ({"X": [[0.0, 0.0, 0.0]], "y": [0], "features": (0, 1), "at": "abc"}, TypeError,
     ("(at): row 0 is a str",)),
    ({"model": a_word}, TypeError, ("model returned str",)),
    ({"model": not_a_number}, ValueError, ("model returned nan", "scores must be finite")),
    ({"model": a_huge_int}, ValueError, ("model's score at", "too large for a float")),
    ({"model": MLP(3, [1], seed=0)}, ValueError, ("MLP: expected 3 inputs, got 2",)),
    ({"X": [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 2.0]], "y": [0, 0, 0, 1]},
     ValueError, ("X has 5 rows but y has 4 labels",)),
    ({"X": [[0.0, "a"]], "y": [0]}, TypeError, ("(X): row 0 holds a str",)),
    ({"resolution": 20.0}, TypeError, ("(resolution): expected an int",)),
    ({"model": 3}, TypeError, ("model must be callable, got int",)),
]:
    row(f"plot_decision_boundary({', '.join(f'{k}={short(v)}' for k, v in kwargs.items())})",
        lambda kwargs=kwargs: boundary(**kwargs), error, *words)




def confusion(*args: object, **kwargs: object) -> object:
    return plot("plot_confusion_matrix")(*args, **kwargs)


for args, kwargs, error, words in [
    (("abc", [0]), {}, TypeError, ("(y_true): expected a list of class indices, got str",)),
    (([0], None), {}, TypeError, ("(y_pred): expected a list of class indices, got NoneType",)),
    (([], []), {}, ValueError, ("(y_true): no labels",)),
    (([0, 1], [0]), {}, ValueError, ("y_true has 2 labels but y_pred has 1",)),
    (([0, 1.0], [0, 1]), {}, TypeError, ("(y_true): item 1 is a float", "class index")),
    (([0, 1], [0, True]), {}, TypeError, ("(y_pred): item 1 is a bool",)),
    (([0, -1], [0, 1]), {}, ValueError, ("(y_true): item 1 is -1", "0 or more")),
    (([0, "1"], [0, 1]), {}, TypeError, ("(y_true): item 1 is a str",)),
    (([0, 2], [0, 1]), {"class_names": ["a", "b"]}, ValueError,
     ("(y_true): item 1 is 2, expected a class index from 0 to 1",)),
    (([0, 1], [0, 1]), {"class_names": ["a", None]}, TypeError,
     ("(class_names): name 1 is a NoneType",)),
    (([0, 1], [0, 1]), {"class_names": "ab"}, TypeError,
     ("(class_names): expected a list of names, got str",)),
    (([0, 1], [0, 1]), {"ax": 3}, TypeError, ("ax must be a matplotlib Axes or None",)),
]:
    row(f"plot_confusion_matrix({', '.join(map(short, args))}, {short(kwargs)})",
        lambda args=args, kwargs=kwargs: confusion(*args, **kwargs), error,
        "plot_confusion_matrix", *words)


# ---- the live view: every row raises when live(...) is made, before any training ---------------

LX, LY = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]], [0, 1, 1]


def watch(*args: object, **changes: object) -> object:
    """live(model, X, y, ...) with a one-output MLP on LX, LY unless the row says otherwise."""
    given: dict = {"model": MLP(2, [1], seed=0), "X": LX, "y": LY, **changes}
    return plot("live")(given.pop("model"), given.pop("X"), given.pop("y"), **given)


for kwargs, error, words in [
    ({"model": lambda p: p[0]}, TypeError, ("live(model): expected a microprop Module",
                                            "got function")),
    ({"model": 3}, TypeError, ("live(model): expected a microprop Module, got int",)),
    ({"X": [[0.0, 0.0, 0.0]], "y": [0]}, ValueError,
     ("live(X): row 0 has 3 features", "exactly 2", "features=(i, j)",
      "for the loss curve alone, leave out X and y: live(model)")),
    ({"every": 0}, ValueError, ("live(every): expected a positive int, got 0",)),
    ({"every": -5}, ValueError, ("live(every): expected a positive int, got -5",)),
    ({"every": 2.5}, TypeError, ("live(every): expected a positive int, got float 2.5",)),
    ({"every": True}, TypeError, ("live(every): expected a positive int, got bool",)),
    ({"every": "5"}, TypeError, ("live(every): expected a positive int, got str",)),
    ({"every": None}, TypeError, ("live(every): expected a positive int, got NoneType",)),
    ({"y": [0, 1]}, ValueError, ("live: X has 3 rows but y has 2 labels",
                                 "they must have the same length")),
    ({"X": LX * 2}, ValueError, ("live: X has 6 rows but y has 3 labels",)),
    ({"y": None}, TypeError, ("live: got X but no y", "give both", "live(model)")),
    ({"X": None}, TypeError, ("live: got y but no X", "give both", "live(model)")),
    ({"X": "abc"}, TypeError, ("live(X): expected a list of rows",)),
    ({"X": [[0.0, nan], [1.0, 1.0], [0.0, 1.0]]}, ValueError, ("live(X): row 0 holds nan",)),
    ({"y": [0, nan, 1]}, ValueError, ("live(y): label 1 is nan",)),
    ({"budget": 0}, ValueError, ("live(budget): expected a finite number in (0, 1], got 0",)),
    ({"budget": 1.5}, ValueError, ("live(budget): expected a finite number in (0, 1]",)),
    ({"budget": -0.1}, ValueError, ("live(budget): expected a finite number in (0, 1]",)),
    ({"budget": nan}, ValueError, ("live(budget): expected a finite number", "nan")),
    ({"budget": "0.1"}, TypeError, ("live(budget): expected a number, got str",)),
    ({"budget": True}, TypeError, ("live(budget): expected a number, got bool",)),
    ({"resolution": 1}, ValueError, ("live(resolution): expected at least 2, got 1",)),
    ({"resolution": 1001}, ValueError, ("live(resolution): expected an int from 2 to 1000",)),
    ({"resolution": 2.5}, TypeError, ("live(resolution): expected an int",)),
    ({"callback": 3}, TypeError, ("live(callback): expected a function of an Epoch, or None",
                                  "got int 3")),
    ({"threshold": nan}, ValueError, ("live(threshold): expected a finite number",)),
    ({"model": MLP(2, [2], seed=0), "threshold": 0.5}, ValueError,
     ("live: threshold is for a model with one output, but this one has 2",)),
    ({"model": MLP(2, [2], seed=0), "y": [0, 1, 2]}, ValueError,
     ("live(y): label 2 is 2, expected a class index from 0 to 1",)),
    ({"model": MLP(2, [2], seed=0), "y": [0, 0.5, 1]}, TypeError,
     ("live(y): label 1 is a float", "class index")),
    ({"model": MLP(2, [2], seed=0), "class_names": ["a"]}, ValueError,
     ("live(class_names): got 1 names for 2 classes",)),
    ({"model": MLP(3, [1], seed=0)}, ValueError, ("MLP: expected 3 inputs, got 2",)),
    ({"X": [[0.0, 0.0, 0.0]], "y": [0], "features": (0, 3)}, ValueError,
     ("live(features): index 1 is 3, expected a class index from 0 to 2",)),
]:
    row(f"live({', '.join(f'{k}={short(v)}' for k, v in kwargs.items())})",
        lambda kwargs=kwargs: watch(**kwargs), error, *words)
for option, value in (("features", (0, 1)), ("class_names", ["a", "b"]), ("threshold", 0.5)):
    row(f"live(model, {option}={value!r}) without X and y",
        lambda option=option, value=value: plot("live")(MLP(2, [1], seed=0), **{option: value}),
        ValueError, f"live({option}): only used for the decision regions, with X and y")
row("live(model, resolution=0) without X and y",
    lambda: plot("live")(MLP(2, [1], seed=0), resolution=0), ValueError,
    "live(resolution): expected at least 2, got 0")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
