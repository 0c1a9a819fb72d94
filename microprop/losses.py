"""Cost functions ``C(s, y)``: a model's outputs against the expected outputs, as one Value.

Each takes the predictions (Values or numbers, one per example) and the targets (plain numbers)
and returns their mean (or sum) as a Value, so ``loss.backward()`` fills every parameter's grad.

NaN and infinity: targets, and predictions given as plain numbers, are data and must be finite
(``ValueError`` naming the index). A prediction that is a Value is a computed result: a NaN or inf
in it propagates into the loss, as in the engine, so that ``fit`` can name the epoch it appeared.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from . import _checks, engine
from .engine import Value

__all__ = ["mse", "bce_with_logits", "hinge", "l2_penalty", "LOSSES"]


def mse(
    predictions: Sequence[Value | float] | Value | float,
    targets: Sequence[float] | float,
    *,
    reduction: str = "mean",
) -> Value:
    """Mean squared error, ``mean((s - y)^2)``."""
    ss, ys = _pairs(predictions, targets, reduction, "mse")
    terms = []
    for s, y in zip(ss, ys, strict=True):
        d = s - y
        terms.append(d * d)  # (s - y)^2, whose derivative is 2 (s - y)
    return _reduce(terms, reduction)


def bce_with_logits(
    logits: Sequence[Value | float] | Value | float,
    targets: Sequence[float] | float,
    *,
    reduction: str = "mean",
) -> Value:
    """Binary cross-entropy of ``sigmoid(s)`` against ``y`` in [0, 1], from the logit ``s``.

    ``-y log sigmoid(s) - (1 - y) log(1 - sigmoid(s))`` never takes the log of a rounded-off
    probability: it is rewritten so that ``exp`` only sees numbers <= 0, giving finite values and
    the exact gradient ``sigmoid(s) - y`` for any logit, even +-1000.
    """
    ss, ys = _pairs(logits, targets, reduction, "bce_with_logits")
    terms = []
    for s, y in zip(ss, ys, strict=True):
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"bce_with_logits: targets must be in [0, 1], got {y!r}")
        # Two equal forms, chosen by the sign of s so exp never overflows:
        #   s >= 0:  (1 - y) s + log(1 + e^-s)        s < 0:  -y s + log(1 + e^s)
        if s.data >= 0.0:
            t = ((-s).exp() + 1.0).log()
            terms.append(t if y == 1.0 else t + s * (1.0 - y))
        else:
            t = (s.exp() + 1.0).log()
            terms.append(t if y == 0.0 else t - s * y)
    return _reduce(terms, reduction)


def hinge(
    scores: Sequence[Value | float] | Value | float,
    targets: Sequence[float] | float,
    *,
    reduction: str = "mean",
) -> Value:
    """Max-margin loss ``mean(max(0, 1 - y s))`` for labels ``y`` of -1 or +1 (micrograd's demo).

    With 0/1 labels, pass ``2 * y - 1``.
    """
    ss, ys = _pairs(scores, targets, reduction, "hinge")
    terms = []
    for s, y in zip(ss, ys, strict=True):
        if y != 1.0 and y != -1.0:
            raise ValueError(
                f"hinge: targets must be -1 or +1, got {y!r} (for 0/1 labels pass 2 * y - 1)"
            )
        terms.append((1.0 - y * s).relu())
    return _reduce(terms, reduction)


def l2_penalty(parameters: Iterable[Value], alpha: float) -> Value:
    """``alpha * sum(p^2)``, to add to a loss so that large weights cost something."""
    alpha = _checks.finite(alpha, "l2_penalty(alpha)", 0.0)
    if isinstance(parameters, (str, bytes, Value)) or not isinstance(parameters, Iterable):
        raise TypeError(
            f"l2_penalty(parameters): expected a list of Values such as model.parameters(), "
            f"got {type(parameters).__name__}"
        )
    squares = []
    for p in parameters:
        if type(p) is not Value:
            raise TypeError(f"l2_penalty: expected Values, got {type(p).__name__}")
        squares.append(p * p)
    return engine.sum(squares) * alpha


def _sigmoid(s: float) -> float:
    # Two forms, so that exp never overflows: only numbers <= 0 reach it.
    return 1.0 / (1.0 + math.exp(-s)) if s >= 0 else math.exp(s) / (1.0 + math.exp(s))


@dataclass(frozen=True)
class Loss:
    """A loss by name: its function, what a report calls it, and how to read an output."""

    function: Callable[..., Value]
    title: str  # as a report names it: "final loss 0.12 (mean binary cross-entropy)"
    probability: Callable[[float], float] | None = None  # output -> P(y = 1), for a classifier


# The one list of losses that fit and the command line know by name: adding one is a function
# above, a row here, and its tests.
LOSS_TABLE: dict[str, Loss] = {
    "mse": Loss(mse, "squared error"),
    "bce": Loss(bce_with_logits, "binary cross-entropy", _sigmoid),
    "hinge": Loss(hinge, "hinge loss"),
}
LOSSES: dict[str, Callable[..., Value]] = {name: loss.function for name, loss in LOSS_TABLE.items()}


def _pairs(
    predictions: object, targets: object, reduction: str, who: str
) -> tuple[list[Value], list[float]]:
    """Predictions (as Values) and targets (as floats): two lists of the same length."""
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{who}(reduction): expected 'mean' or 'sum', got {reduction!r}")
    single = isinstance(predictions, (Value, numbers.Real)) and not isinstance(predictions, bool)
    ss = [predictions] if single else _checks.listed(predictions, who, "predictions")
    if single and isinstance(targets, numbers.Real):
        ys_in = [targets]
    else:
        ys_in = _checks.listed(targets, who, "targets")
    if len(ss) != len(ys_in):
        raise ValueError(
            f"{who}: {len(ss)} predictions but {len(ys_in)} targets; expected one target each"
        )
    if not ss:
        raise ValueError(f"{who}: no predictions (the loss of nothing is undefined)")
    values = []
    for i, s in enumerate(ss):
        if type(s) is not Value:
            if isinstance(s, bool) or not isinstance(s, numbers.Real):
                raise TypeError(
                    f"{who}: predictions must be Values or numbers, "
                    f"got {type(s).__name__} {s!r:.40}"
                )
            # A constant prediction: a leaf, so that every term is a Value.
            rule = "plain-number predictions must be finite"
            s = Value(_checks.element(s, f"{who}: prediction {i}", rule))
        values.append(s)
    rule = "targets must be finite"  # bools are fine: True is the label 1
    ys = [_checks.element(t, f"{who}: target {i}", rule, bools=True) for i, t in enumerate(ys_in)]
    return values, ys


def _reduce(terms: list[Value], reduction: str) -> Value:
    if len(terms) == 1:  # one example (per-sample SGD): no sum or division nodes needed
        return terms[0]
    total = engine.sum(terms)
    return total / len(terms) if reduction == "mean" else total
