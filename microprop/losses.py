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
from typing import Any

from . import _checks, nary
from .engine import Value
from .nary import _Index  # a class index that is data of a compile trace: read through take

__all__ = ["mse", "bce_with_logits", "hinge", "cross_entropy", "l2_penalty", "LOSSES"]


def mse(
    predictions: Sequence[Value | float] | Value | float,
    targets: Sequence[float] | float,
    *,
    reduction: str = "mean",
) -> Value:
    """Mean squared error, ``mean((s - y)^2)``. A target may be a Value too (inside
    ``microprop.compile`` a float argument is one): the formula never branches on it."""
    ss, ys = _pairs(predictions, targets, reduction, "mse", value_targets=True)
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
        if s >= 0.0:  # a comparison of Values, so that compile keeps a trace per side
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


def cross_entropy(
    logits: Sequence[Value | float] | Sequence[Sequence[Value | float]],
    targets: int | Sequence[int],
    *,
    reduction: str = "mean",
    weight: Sequence[float] | None = None,
    label_smoothing: float = 0.0,
) -> Value:
    """Cross-entropy of the softmax of ``logits`` against class indices, as PyTorch's
    ``F.cross_entropy``.

    One sample: a list of k logits and one class index ``0 <= t < k``; a batch: a list of such
    lists and a list of indices. Each sample costs ``-log softmax(s)[t] = logsumexp(s) - s_t``,
    finite for any finite logits (even +-1e308), and its gradient with respect to logit i is
    ``p_i - [i == t]`` with ``p = softmax(s)``: the article's local gradient delta for this cost.

    - ``weight``: one factor per class (>= 0); the mean is then divided by the targets' weights.
    - ``label_smoothing``: e in [0, 1] mixes the target with the uniform distribution, so each
      sample costs ``(1 - e) w_t (lse - s_t) + e / k sum_c w_c (lse - s_c)``.
    """
    rows, ts = _class_pairs(logits, targets, reduction)
    k = len(rows[0])
    w = None if weight is None else _class_weights(weight, k)
    eps = _checks.finite(label_smoothing, "cross_entropy(label_smoothing)", 0.0, 1.0, high_ok=True)
    # sum_c (w_c / k)(lse - s_c) = lse * sum(w) / k - dot(w / k, s): no term overflows
    share = [c / k for c in w] if w is not None else [1.0 / k] * k
    share_total = math.fsum(share)
    terms = []
    for s, t in zip(rows, ts, strict=True):
        lse = nary.logsumexp(s)
        term = lse - (nary.take(s, t) if isinstance(t, _Index) else s[t])  # -log p_t
        if w is not None and w[t] != 1.0:
            term = term * w[t]
        if eps:
            smooth = lse * share_total - nary.dot(share, s)
            term = term * (1.0 - eps) + smooth * eps
        terms.append(term)
    if reduction == "sum" or w is None:
        return _reduce(terms, reduction)
    total = math.fsum(w[t] for t in ts)
    if total == 0.0:
        raise ValueError("cross_entropy: the targets' class weights sum to 0, so the mean is 0/0")
    return nary.sum(terms) / total if len(terms) > 1 else terms[0] / total


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
    return nary.sum(squares) * alpha


def _sigmoid(s: float) -> float:
    # Two forms, so that exp never overflows: only numbers <= 0 reach it.
    return 1.0 / (1.0 + math.exp(-s)) if s >= 0 else math.exp(s) / (1.0 + math.exp(s))


@dataclass(frozen=True)
class Loss:
    """A loss by name: its function, what a report calls it, and how to read an output."""

    function: Callable[..., Value]
    title: str  # as a report names it: "final loss 0.12 (mean binary cross-entropy)"
    probability: Callable[[float], float] | None = None  # output -> P(y = 1), for a classifier
    classes: bool = False  # k outputs (logits) and class indices 0..k-1, rather than one output


# The one list of losses that fit and the command line know by name: adding one is a function
# above, a row here, and its tests.
LOSS_TABLE: dict[str, Loss] = {
    "mse": Loss(mse, "squared error"),
    "bce": Loss(bce_with_logits, "binary cross-entropy", _sigmoid),
    "hinge": Loss(hinge, "hinge loss"),
    "cross_entropy": Loss(cross_entropy, "cross-entropy", classes=True),
}
LOSSES: dict[str, Callable[..., Value]] = {name: loss.function for name, loss in LOSS_TABLE.items()}


def _pairs(
    predictions: object, targets: object, reduction: str, who: str, value_targets: bool = False
) -> tuple[list[Value], list[Any]]:
    """Predictions (as Values) and targets (as floats, or Values where ``value_targets``): two
    lists of the same length."""
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{who}(reduction): expected 'mean' or 'sum', got {reduction!r}")
    single = isinstance(predictions, (Value, numbers.Real)) and not isinstance(predictions, bool)
    ss = [predictions] if single else _checks.listed(predictions, who, "predictions")
    if not value_targets:
        _no_value_targets(targets, who)
    if single and isinstance(targets, (Value, numbers.Real)):
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
    ys = [t if type(t) is Value else _checks.element(t, f"{who}: target {i}", rule, bools=True)
          for i, t in enumerate(ys_in)]
    return values, ys


def _no_value_targets(targets: object, who: str) -> None:
    """A target that is a Value is a mistake a traced function makes easily (compile makes each
    float argument a Value): say so, and what to pass instead."""
    ts = targets if isinstance(targets, (list, tuple)) else [targets]
    for i, t in enumerate(ts):
        if isinstance(t, Value):
            where = "the target" if t is targets else f"target {i}"
            raise TypeError(
                f"{who}: {where} is a Value ({t.data!r}); the loss takes targets as numbers. "
                "Inside microprop.compile each float argument becomes a Value: pass the target "
                "as an int (a class, a 0/1 or -1/+1 label; each is a constant of its own trace), "
                "or, for a target that is a float, write the loss with Values, such as "
                "(prediction - y) ** 2"
            )


def _class_pairs(
    logits: object, targets: object, reduction: str
) -> tuple[list[list[Value | float]], list[Any]]:
    """Each sample's logits (a list of k >= 2) and its class index, for one sample or a batch."""
    who = "cross_entropy"
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{who}(reduction): expected 'mean' or 'sum', got {reduction!r}")
    _no_value_targets(targets, who)
    single = isinstance(targets, (numbers.Real, _Index))  # one sample, one class index
    is_class = isinstance(targets, (numbers.Integral, _Index)) and not isinstance(targets, bool)
    if single and not is_class:
        _checks.class_index(targets, f"{who}(targets)")  # names the float or bool, and raises
    if single:
        rows_in = [_checks.listed(logits, f"{who}(logits)", "logits, one per class")]
        ts_in = [targets]
    else:
        rows_in = _checks.listed(logits, f"{who}(logits)", "lists of logits, one per sample")
        ts_in = _checks.listed(targets, f"{who}(targets)", "class indices")
        if rows_in and (isinstance(rows_in[0], str) or not isinstance(rows_in[0], Iterable)):
            raise TypeError(
                f"{who}(logits): with a list of targets, expected a list of samples, each a list "
                f"of logits, got a list of {type(rows_in[0]).__name__}; for one sample, pass "
                "one class index as the target"
            )
        if len(rows_in) != len(ts_in):
            raise ValueError(
                f"{who}: {len(rows_in)} sample{'' if len(rows_in) == 1 else 's'} of logits but "
                f"{len(ts_in)} target{'' if len(ts_in) == 1 else 's'}; expected one target each"
            )
        if not rows_in:
            raise ValueError(f"{who}: no samples (the loss of nothing is undefined)")
    rows: list[list[Value | float]] = []
    for i, r in enumerate(rows_in):
        where = f"{who}: logits" if single else f"{who}: sample {i}"
        row = r if single else _checks.listed(r, where, "logits, one per class")
        row = [_logit(v, f"{where}, logit {j}") for j, v in enumerate(row)]
        if len(row) < 2:
            raise ValueError(
                f"{where}: {len(row)} logit{'' if len(row) == 1 else 's'}, expected one per "
                "class, at least 2 (for one output and 0/1 labels, use bce_with_logits)"
            )
        if rows and len(row) != len(rows[0]):
            raise ValueError(f"{where}: {len(row)} logits, but sample 0 has {len(rows[0])}")
        rows.append(row)
    k = len(rows[0])
    where = f"{who}(targets)" if single else f"{who}: target"
    ts = [t if isinstance(t, _Index)  # data of a trace: take checks it at each call
          else _checks.class_index(t, where if single else f"{where} {i}", k)
          for i, t in enumerate(ts_in)]
    return rows, ts


def _logit(v: object, what: str) -> Value | float:
    """A logit: a Value (a NaN in it is a computed result and propagates), or a finite number."""
    if type(v) is Value:
        return v
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{what} is a {type(v).__name__}, expected a Value or a number")
    return _checks.element(v, what, "plain-number logits must be finite")


def _class_weights(weight: object, k: int) -> list[float]:
    rule = "class weights must be finite"
    ws = [
        _checks.element(c, f"cross_entropy(weight): class {i}", rule)
        for i, c in enumerate(_checks.listed(weight, "cross_entropy(weight)"))
    ]
    if len(ws) != k:
        raise ValueError(f"cross_entropy(weight): {len(ws)} weights for {k} classes; expected {k}")
    if any(c < 0.0 for c in ws):
        raise ValueError(f"cross_entropy(weight): expected weights >= 0, got {ws!r:.60}")
    return ws


def _reduce(terms: list[Value], reduction: str) -> Value:
    if len(terms) == 1:  # one example (per-sample SGD): no sum or division nodes needed
        return terms[0]
    total = nary.sum(terms)
    return total / len(terms) if reduction == "mean" else total
