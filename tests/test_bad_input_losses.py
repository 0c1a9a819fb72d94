"""Bad input to losses: each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import pytest
from bad_input import check, inf, nan, np, short, table

from microprop import Value
from microprop.losses import bce_with_logits, hinge, l2_penalty, mse

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
    for bad in ("a", None, Value(1.0), 7):
        row(f"{who}(targets={short(bad)})", lambda f=loss, bad=bad: f([0.5, 0.5], bad), TypeError,
            who, "expected a list of targets", type(bad).__name__)
    for bad in (None, "1", 1j, [1.0], Value(1.0)):
        row(f"{who}(targets=[{short(bad)}])", lambda f=loss, bad=bad: f([0.5], [bad]), TypeError,
            who, "target 0 is a", "expected a number", type(bad).__name__)
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


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
