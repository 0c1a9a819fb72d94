"""Bad input to losses: each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import pytest
from bad_input import check, inf, nan, np, short, table

from microprop import Value, log_softmax, logsumexp, softmax
from microprop.losses import bce_with_logits, cross_entropy, hinge, l2_penalty, mse

ROWS, row = table()

# ---- losses --------------------------------------------------------------------------------------

LOSSES = {"mse": (mse, 0.5), "bce_with_logits": (bce_with_logits, 1.0), "hinge": (hinge, 1.0)}
for who, (loss, y) in LOSSES.items():
    for bad in ("ab", None, b"ab"):
        row(f"{who}(predictions={short(bad)})", lambda f=loss, bad=bad, y=y: f(bad, [y, y]),
            TypeError, who, "expected a list of predictions")
    for bad in (None, "2", 1j, [2.0], True):
        row(f"{who}(predictions=[{short(bad)}])", lambda f=loss, bad=bad, y=y: f([bad], [y]),
            TypeError, who, "predictions must be Values or numbers", type(bad).__name__)
    for bad in (nan, inf, -inf):
        row(f"{who}(predictions=[0.5, {bad}])", lambda f=loss, bad=bad, y=y: f([0.5, bad], [y, y]),
            ValueError, who, f"prediction 1 is {bad!r}", "must be finite")
    row(f"{who}(predictions=[10**400])", lambda f=loss, y=y: f([10**400], [y]), ValueError,
        who, "prediction 0 is too large")
    for bad in ("a", None, 7):
        row(f"{who}(targets={short(bad)})", lambda f=loss, bad=bad: f([0.5, 0.5], bad), TypeError,
            who, "expected a list of targets", type(bad).__name__)
    for bad in (None, "1", 1j, [1.0]):
        row(f"{who}(targets=[{short(bad)}])", lambda f=loss, bad=bad: f([0.5], [bad]), TypeError,
            who, "target 0 is a", "expected a number", type(bad).__name__)
    # A float argument of a compiled function is a Value: the error says what to pass instead
    # (mse takes a Value target: its formula never branches on the target).
    if who != "mse":
        row(f"{who}(targets=Value(1.0))", lambda f=loss: f(Value(0.5), Value(1.0)), TypeError,
            who, "the target is a Value", "as numbers", "microprop.compile", "as an int")
        row(f"{who}(targets=[Value(1.0)])", lambda f=loss: f([0.5], [Value(1.0)]), TypeError,
            who, "target 0 is a Value", "as numbers", "microprop.compile", "as an int")
    row(f"{who}(targets=[10**400])", lambda f=loss: f([0.5], [10**400]), ValueError,
        who, "target 0 is too large for a float")
    for bad in (nan, inf, -inf):
        row(f"{who}(targets=[{bad}])", lambda f=loss, bad=bad: f([0.5], [bad]), ValueError,
            who, f"target 0 is {bad!r}", "must be finite")
    for ss, ys in (([0.5, 0.5], [y]), ([0.5], [y, y]), ([0.5], [])):
        row(f"{who}({len(ss)} predictions, {len(ys)} targets)",
            lambda f=loss, ss=ss, ys=ys: f(ss, ys), ValueError,
            who, f"{len(ss)} predictions but {len(ys)} targets")
    row(f"{who}([], []) empty", lambda f=loss: f([], []), ValueError, who, "no predictions")
    for bad in ("max", "none", "MEAN", None):
        row(f"{who}(reduction={bad!r})", lambda f=loss, bad=bad, y=y: f([0.5], [y], reduction=bad),
            ValueError, f"{who}(reduction)", "expected 'mean' or 'sum'", repr(bad))
    if np is not None:
        row(f"{who}(np.ones((2, 1)), ...) 2-D", lambda f=loss, y=y: f(np.ones((2, 1)), [y, y]),
            TypeError, "predictions must be Values or numbers", "ndarray")
for bad in (2.0, -0.5, 1.0001):
    row(f"bce_with_logits(targets=[{bad}])", lambda bad=bad: bce_with_logits([0.0], [bad]),
        ValueError, "targets must be in [0, 1]", repr(bad))
for bad in (0.0, 0.5, 2.0):
    row(f"hinge(targets=[{bad}])", lambda bad=bad: hinge([0.0], [bad]), ValueError,
        "targets must be -1 or +1", "2 * y - 1")
for bad in (5, None, Value(1.0), "ab"):
    row(f"l2_penalty(parameters={short(bad)})", lambda bad=bad: l2_penalty(bad, 0.1), TypeError,
        "l2_penalty(parameters)", "expected a list of Values", type(bad).__name__)
for bad in ([1.0], [None], [[Value(1.0)]]):
    row(f"l2_penalty(parameters={short(bad)})", lambda bad=bad: l2_penalty(bad, 0.1), TypeError,
        "l2_penalty", "expected Values", type(bad[0]).__name__)
for bad in (-1.0, nan, inf, -inf, 10**400):
    row(f"l2_penalty(alpha={short(bad)})", lambda bad=bad: l2_penalty([Value(1.0)], bad),
        ValueError, "l2_penalty(alpha)", "finite number >= 0")
for bad in ("0.1", None, True, 1j):
    row(f"l2_penalty(alpha={bad!r})", lambda bad=bad: l2_penalty([Value(1.0)], bad), TypeError,
        "l2_penalty(alpha)", "expected a number", type(bad).__name__)

# Moved from test_losses.py, where they were an inline table of pytest.raises(match=...).
for id, call, error, words in [
    ("mse(2 predictions, 1 target)", lambda: mse([1.0, 2.0], [1.0]), ValueError,
     ("2 predictions but 1 targets",)),
    ("mse([], [])", lambda: mse([], []), ValueError, ("no predictions",)),
    ("mse('ab', [1, 2])", lambda: mse("ab", [1, 2]), TypeError,
     ("expected a list of predictions, got str",)),
    ("mse([1.0], 'a')", lambda: mse([1.0], "a"), TypeError,
     ("expected a list of targets, got str",)),
    ("mse([None], [1.0])", lambda: mse([None], [1.0]), TypeError,
     ("predictions must be Values or numbers",)),
    ("mse([1.0], [None])", lambda: mse([1.0], [None]), TypeError,
     ("target 0 is a NoneType, expected a number",)),
    ("mse([1.0], [nan])", lambda: mse([1.0], [nan]), ValueError, ("targets must be finite",)),
    ("mse(reduction='max')", lambda: mse([1.0], [1.0], reduction="max"), ValueError,
     ("expected 'mean' or 'sum'",)),
    ("bce_with_logits([0.0], [2.0])", lambda: bce_with_logits([0.0], [2.0]), ValueError,
     ("targets must be in [0, 1]",)),
    ("hinge([0.0], [0])", lambda: hinge([0.0], [0]), ValueError,
     ("targets must be -1 or +1", "2 * y - 1")),
    ("l2_penalty(alpha=-1.0)", lambda: l2_penalty([Value(1.0)], -1.0), ValueError,
     ("finite number >= 0",)),
    ("l2_penalty([1.0], 0.1)", lambda: l2_penalty([1.0], 0.1), TypeError,
     ("expected Values, got float",)),
    ("l2_penalty(alpha='0.1')", lambda: l2_penalty([Value(1.0)], "0.1"), TypeError,
     ("expected a number",)),
]:
    row(f"{id} (short form)", call, error, *words)

# ---- several classes --------------------------------------------------------------------------

S = [0.0, 1.0, 2.0]  # one sample's logits, three classes
for bad, error, words in (
    (3, ValueError, ("cross_entropy(targets) is 3", "a class index from 0 to 2")),
    (-1, ValueError, ("cross_entropy(targets) is -1", "a class index from 0 to 2")),
    (1.5, TypeError, ("is a float 1.5", "expected a class index (an int)")),
    (1.0, TypeError, ("is a float 1.0", "expected a class index (an int)")),
    (True, TypeError, ("is a bool True", "expected a class index")),
    (nan, TypeError, ("is a float nan", "expected a class index")),
    (Value(1.0), TypeError, ("the target is a Value", "microprop.compile", "as an int")),
):
    row(f"cross_entropy(S, {bad!r})", lambda bad=bad: cross_entropy(S, bad), error, *words)
for bad, error, words in (
    ("setosa", TypeError, ("target 0 is a str 'setosa'", "a class index (an int from 0 to 2)")),
    (2.0, TypeError, ("target 0 is a float 2.0", "a class index")),
    (None, TypeError, ("target 0 is a NoneType",)),
    (5, ValueError, ("target 0 is 5", "a class index from 0 to 2")),
):
    row(f"cross_entropy([S], [{bad!r}])", lambda bad=bad: cross_entropy([S], [bad]), error,
        *words)
if np is not None:
    row("cross_entropy([S], [np.float64(1)])", lambda: cross_entropy([S], [np.float64(1.0)]),
        TypeError, "is a float64", "a class index")
for logits, words in (
    ([], ("0 logits, expected one per class, at least 2",)),
    ([0.5], ("1 logit, expected one per class, at least 2", "use bce_with_logits")),
):
    row(f"cross_entropy({logits!r}, 0)", lambda logits=logits: cross_entropy(logits, 0),
        ValueError, *words)
for bad in (nan, inf, -inf):
    row(f"cross_entropy([0.0, {bad}], 0)", lambda bad=bad: cross_entropy([0.0, bad], 0),
        ValueError, f"logit 1 is {bad!r}", "plain-number logits must be finite")
for bad in ("a", None, [0.5]):
    row(f"cross_entropy([0.0, {short(bad)}], 0)", lambda bad=bad: cross_entropy([0.0, bad], 0),
        TypeError, "logit 1 is a", "expected a Value or a number")
row("cross_entropy(3.0, 0)", lambda: cross_entropy(3.0, 0), TypeError,
    "cross_entropy(logits): expected a list of logits, one per class, got float")
row("cross_entropy(S, [1]) flat logits with a list of targets", lambda: cross_entropy(S, [1]),
    TypeError, "expected a list of samples, each a list of logits", "one class index")
row("cross_entropy([S, [0.0, 1.0]], [0, 0]) ragged", lambda: cross_entropy([S, [0.0, 1.0]], [0, 0]),
    ValueError, "sample 1: 2 logits, but sample 0 has 3")
row("cross_entropy([S], [0, 1])", lambda: cross_entropy([S], [0, 1]), ValueError,
    "1 sample of logits but 2 targets; expected one target each")
row("cross_entropy([], [])", lambda: cross_entropy([], []), ValueError, "no samples")
row("cross_entropy([S], 'ab')", lambda: cross_entropy([S], "ab"), TypeError,
    "expected a list of class indices, got str")
for bad in ("none", None):
    row(f"cross_entropy(reduction={bad!r})", lambda bad=bad: cross_entropy(S, 0, reduction=bad),
        ValueError, "cross_entropy(reduction)", "expected 'mean' or 'sum'")
for bad, error, words in (
    ([1.0, 2.0], ValueError, ("2 weights for 3 classes; expected 3",)),
    ([1.0, -1.0, 1.0], ValueError, ("expected weights >= 0",)),
    ([1.0, nan, 1.0], ValueError, ("class 1 is nan", "class weights must be finite")),
    ([1.0, "a", 1.0], TypeError, ("class 1 is a str",)),
    (2.0, TypeError, ("cross_entropy(weight): expected a list of numbers, got float",)),
):
    row(f"cross_entropy(weight={short(bad)})", lambda bad=bad: cross_entropy(S, 0, weight=bad),
        error, *words)
row("cross_entropy(weight=[0, 1, 1], targets=[0])",
    lambda: cross_entropy([S], [0], weight=[0.0, 1.0, 1.0]), ValueError,
    "the targets' class weights sum to 0")
for bad in (-0.1, 1.5, nan):
    row(f"cross_entropy(label_smoothing={bad})",
        lambda bad=bad: cross_entropy(S, 0, label_smoothing=bad), ValueError,
        "cross_entropy(label_smoothing): expected a finite number in [0, 1]")
for who, f in (("logsumexp", logsumexp), ("log_softmax", log_softmax), ("softmax", softmax)):
    for bad in (None, "ab", 3):
        row(f"{who}({short(bad)})", lambda f=f, bad=bad: f(bad), TypeError,
            f"{who}: expected a list of Values or numbers, got {type(bad).__name__}")
    row(f"{who}([])", lambda f=f: f([]), ValueError, "logsumexp: expected at least one value")
    row(f"{who}([None])", lambda f=f: f([None]), TypeError,
        "logsumexp: expected a Value or a real number, got NoneType")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
