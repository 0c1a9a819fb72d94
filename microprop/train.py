"""Training: the article's gradient-descent loop, "while the termination condition is not met".

``fit`` repeats forward, loss, ``backward()`` and an optimizer step, and stops at a maximum
number of epochs, when the loss falls below a tolerance, when it stops improving, or when a
callback, shown each epoch as an ``Epoch``, says so.

NaN and infinity: ``X`` and ``y`` must be finite (``ValueError`` naming the row or target); a loss
that becomes NaN or infinite during training stops ``fit`` with ``NonFiniteLossError`` naming the
epoch, after putting back the last parameters whose losses were all finite.
"""

from __future__ import annotations

import gc
import math
import random
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _checks, careful, engine
from .compile import Compiled, CompileError, Rows
from .compile import compile as compile_fn
from .engine import Value, no_grad
from .losses import LOSS_TABLE, LOSSES, cross_entropy, l2_penalty
from .nary import softmax
from .nn import Module
from .optim import SGD, Optimizer

__all__ = [
    "fit",
    "History",
    "Epoch",
    "NonFiniteLossError",
    "TrainingInterrupted",
    "predict",
    "accuracy",
    "evaluate_loss",
    "STOP_REASONS",
]

# Why training stopped, as ``History.stop_reason``, with the words a report can print.
STOP_REASONS = {
    "max_epochs": "reached the maximum number of epochs",
    "tolerance": "the loss fell below the tolerance",
    "plateau": "the loss stopped improving",
    "interrupted": "interrupted",
    "non_finite": "the loss became NaN or infinite",
    "callback": "the callback asked to stop",
}

LossFunction = Callable[[list[Value], list[float]], Value]
# predict's forms of an output: a model's numbers, a class index, or the class probabilities.
OUTPUTS = ("auto", "raw", "class", "probabilities")


@dataclass
class History:
    """What ``fit`` did: the loss of each epoch, why it stopped, and the loss it ended with.

    ``final_loss`` is the loss of the parameters the model holds when ``fit`` returns (computed
    after the last update, under ``no_grad``); ``losses[e]`` is epoch ``e + 1``'s mean loss over
    its batches, each measured just before that batch's update.
    """

    losses: list[float] = field(default_factory=list)
    stop_reason: str = ""
    final_loss: float | None = None

    @property
    def epochs(self) -> int:
        """The number of epochs completed."""
        return len(self.losses)


@dataclass(frozen=True)
class Epoch:
    """What ``fit`` shows its callback after each epoch, enough for a live view to redraw.

    ``epoch`` counts from 1, as ``History`` does (``history.losses[epoch - 1] == loss``), of at
    most ``epochs`` (fit's argument); ``loss`` is the epoch's mean loss, each batch's measured
    just before its update; ``model`` holds the parameters after the epoch's updates; ``history``
    is the one ``fit`` fills and returns, not a copy: its ``stop_reason`` is "" until ``fit``
    ends, so keep ``list(history.losses)`` to hold the losses of a moment.

    An error the callback raises goes on up out of ``fit`` with a note naming the epoch, and the
    parameters stay as that epoch's updates left them (the ones it was shown): they are not put
    back as for an error of the training itself, which is not what went wrong. Ctrl-C in the
    callback is Ctrl-C between epochs: ``TrainingInterrupted``, that epoch kept.
    """

    epoch: int
    epochs: int
    loss: float
    model: Module
    history: History


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite; ``.epoch`` says when and ``.history`` holds the rest."""

    def __init__(
        self, epoch: int, loss: float, history: History, after: bool = False, first: bool = False
    ) -> None:
        when = f"after the last update of epoch {epoch}" if after else f"in epoch {epoch}"
        # Before any update the learning rate has played no part: the data did it.
        advice = (
            "it was already so on the first batch, before any update, so the rows or targets "
            "are too large for this model: standardize X (data.Standardizer) and scale y"
            if first
            else "try a smaller learning rate"
        )
        super().__init__(
            f"fit: the loss became {loss!r} {when}; the parameters from the start of "
            f"epoch {max(epoch - (0 if after else 1), 1)} were put back ({advice})"
        )
        self.epoch = epoch
        self.loss = loss
        self.history = history


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``fit``: a KeyboardInterrupt that carries ``.history`` up to that point."""

    def __init__(self, history: History) -> None:
        super().__init__(f"training interrupted after {history.epochs} complete epochs")
        self.history = history


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    *,
    loss: str | LossFunction = "mse",
    optimizer: Optimizer | None = None,
    lr: float | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    tol: float | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    l2: float = 0.0,
    schedule: Any = None,
    seed: int | random.Random | None = None,
    progress: bool | None = None,
    callback: Callable[[Epoch], bool | None] | None = None,
    compile: bool = False,  # noqa: A002  (PyTorch's word for it, as in torch.compile)
) -> History:
    """Train ``model`` on rows ``X`` and targets ``y``; return the ``History``.

    - ``loss``: for a model with one output, "mse", "bce" (cross-entropy on logits, 0/1 targets)
      or "hinge" (-1/+1 targets); for a model with k > 1 outputs (one logit per class),
      "cross_entropy" with class indices 0..k-1 as targets; or a function
      ``(predictions, targets) -> Value`` (for k > 1 outputs it gets lists of k Values and class
      indices). ``l2`` adds ``l2 * sum(p^2)`` to the loss.
    - ``optimizer``: default ``SGD(model.parameters(), lr=lr or 0.1)``, the article's update;
      it may hold some of the model's parameters (the rest stay frozen), never values outside.
    - ``batch_size``: None for full batch (one update per epoch), else shuffled mini-batches
      (``seed`` makes the shuffle reproducible); ``schedule.step()`` runs after each epoch, and
      one tied to an optimizer (``LinearDecay``) must be tied to fit's: pass that optimizer too.
    - Stops after ``epochs`` epochs, or once an epoch's loss is below ``tol``, or after
      ``patience`` epochs in a row without the best loss improving by more than ``min_delta``.
    - ``progress``: a tqdm bar with the loss (None: if tqdm is installed and stderr a terminal).
    - ``callback``: called after each epoch with an ``Epoch`` (its number, loss, the model, the
      history so far). True stops training (``stop_reason`` "callback"; it is asked before
      ``tol`` and ``patience``), None or False goes on; its errors: see ``Epoch``.
    - ``compile=True``: each sample's loss runs compiled (``microprop.compile``, on the fastest
      backend; a loss by name; under "bce" and "hinge" at most 64 distinct labels, each its own
      trace): bit for bit eager's with ``batch_size=1``, else the same to about 1e-15 per step,
      since a batch adds its samples' gradients in another order.

    A NaN or infinite loss in epoch k raises ``NonFiniteLossError`` after putting back the
    parameters from the start of epoch k-1, the last epoch whose losses were all finite (for
    k = 1, the initial ones). Ctrl-C raises ``TrainingInterrupted`` (a KeyboardInterrupt) after
    putting back the parameters from the end of the last complete epoch; its ``.history`` has
    every complete epoch. Optimizer state (momentum, Adam's averages) is not rolled back.
    """
    plan = _plan(
        model, X, y, loss=loss, optimizer=optimizer, lr=lr, epochs=epochs,
        batch_size=batch_size, tol=tol, patience=patience, min_delta=min_delta, l2=l2,
        schedule=schedule, seed=seed, progress=progress, callback=callback, compile=compile,
    )
    history = History()
    _run(model, plan, history)
    return history


def _pause_collector() -> bool:
    """Switch the cyclic collector off for fit; return whether it was on.

    A step's graph holds no reference cycles, so reference counting frees it; the collector
    would walk its thousands of nodes again and again as they are made (about an eighth of the
    time of micrograd's demo). Each epoch ends with a collection of what that epoch made, so
    cycles a loss function makes are still freed.
    """
    collecting = gc.isenabled()
    gc.disable()
    return collecting


@dataclass
class _Plan:
    """fit's arguments, checked and in the form the epochs use."""

    rows: list[list[float]]
    targets: list[Any]  # floats, or class indices for a model with several outputs
    loss_fn: Any
    optimizer: Optimizer
    epochs: int
    batch_size: int
    tol: float | None
    patience: int | None
    min_delta: float
    l2: float
    schedule: Any
    rng: Any
    progress: bool | None
    callback: Callable[[Epoch], object] | None = None
    compiled: _CompiledLoss | None = None


def _plan(
    model: object, X: object, y: object, *, loss: object, optimizer: object, lr: object,
    epochs: object, batch_size: object, tol: object, patience: object, min_delta: object,
    l2: object, schedule: object, seed: object, progress: object, callback: object,
    compile: object,  # noqa: A002
) -> _Plan:
    """Check every argument of ``fit``, in the order its messages have always come."""
    model = _check_model(model, "fit")
    rows = _checks.rows(X, "fit(X)")
    nin = getattr(model, "nin", None)
    if nin is not None and len(rows[0]) != nin:
        raise ValueError(f"fit: the rows of X have {len(rows[0])} values; the model takes {nin}")
    loss_fn = _loss_function(loss, "fit")
    targets = _targets_for(model, rows, y, loss, loss_fn, "fit")
    epochs = _checks.integer(epochs, "fit(epochs)")
    n = len(rows)
    bs = n if batch_size is None else min(_checks.integer(batch_size, "fit(batch_size)"), n)
    tol = None if tol is None else _checks.finite(tol, "fit(tol)", 0.0)
    patience = None if patience is None else _checks.integer(patience, "fit(patience)")
    min_delta = _checks.finite(min_delta, "fit(min_delta)", 0.0)
    l2 = _checks.finite(l2, "fit(l2)", 0.0)
    progress = _checks.flag_or_none(progress, "fit(progress)")
    if callback is not None and not callable(callback):
        raise TypeError(f"fit(callback): expected a function of an Epoch, or None, got "
                        f"{type(callback).__name__} {callback!r:.40}")
    if schedule is not None and not callable(getattr(schedule, "step", None)):
        raise TypeError("fit(schedule): expected an object with a step() method, or None")
    params = model.parameters()
    given = optimizer is not None
    if optimizer is None:
        optimizer = SGD(params, lr=0.1 if lr is None else lr)  # type: ignore[arg-type]
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit(optimizer): expected SGD, Adam or None, got {optimizer!r:.40}")
    elif lr is not None:
        raise ValueError("fit: give lr to the optimizer, not to fit, when you pass an optimizer")
    elif not set(optimizer.params) & set(params):
        raise ValueError(
            "fit(optimizer): the optimizer holds none of this model's parameters, so training "
            "would change nothing; build it from model.parameters()"
        )
    else:
        _check_optimizer_params(optimizer, params)
    _check_schedule(schedule, optimizer, given)
    rng = _checks.rng(seed, "fit(seed)")
    plan = _Plan(rows, targets, loss_fn, optimizer, epochs, bs, tol, patience, min_delta, l2,
                 schedule, rng, progress, callback)
    if _checks.flag(compile, "fit(compile)"):
        plan.compiled = _compiled_losses(model, plan, loss)
    return plan


def _check_optimizer_params(optimizer: Optimizer, params: list[Value]) -> None:
    """Refuse an optimizer that would also move values outside the model.

    A subset of the model's parameters is fine (the rest stay frozen, as in PyTorch); an extra
    would be moved on every batch by whatever stale gradient it holds, since fit's backward
    never reaches it.
    """
    ours = set(params)
    extra = {id(p) for p in optimizer.params if p not in ours}
    if extra:
        raise ValueError(
            f"fit(optimizer): it holds {len(extra)} parameter{'' if len(extra) == 1 else 's'} "
            "that are not the model's, which every update would move by a stale gradient; "
            "build it from model.parameters() (or a part of them, to freeze the rest)"
        )


def _check_schedule(schedule: object, optimizer: Optimizer, given: bool) -> None:
    """Refuse a schedule, such as LinearDecay, that steps an optimizer other than fit's."""
    tied = getattr(schedule, "optimizer", None)
    if schedule is None or tied is None or tied is optimizer:
        return  # a schedule with no .optimizer is the caller's to vouch for
    used = "the one passed as fit(optimizer)" if given else "the SGD fit builds"
    raise ValueError(
        f"fit(schedule): it steps a different optimizer than {used}, so it would change "
        "nothing fit trains with; build the optimizer first, the schedule on it, and pass "
        "both: fit(model, X, y, optimizer=opt, schedule=LinearDecay(opt))"
    )


@dataclass
class _Marks:
    """Where the epochs have got to, so that an error can put the right parameters back."""

    good: list[float]  # from the start of the last epoch with all losses finite
    start: list[float] | None = None  # from the start of the running epoch, while it runs
    asking: bool = False  # the callback runs: its error leaves the parameters it was shown


def _run(model: Module, plan: _Plan, history: History) -> None:
    """The epochs and the final loss, the progress bar shown and the collector paused meanwhile;
    what Ctrl-C or an op's error leaves is put right here."""
    params = model.parameters()
    marks = _Marks([p.data for p in params])
    bar = _progress_bar(plan.progress, plan.epochs)
    collecting = _pause_collector()
    try:
        _epochs(model, plan, params, history, bar, collecting, marks)
        _final_loss(model, plan, params, history, marks.good)
    except KeyboardInterrupt:
        if marks.start is not None:  # mid-epoch: undo its partial updates
            _restore(params, marks.start)
        history.stop_reason = "interrupted"
        raise TrainingInterrupted(history) from None
    except (ArithmeticError, ValueError) as error:  # an op's error (an overflow, a log of 0)
        # NonFiniteLossError has put them back already; the callback's error is not training's
        if not isinstance(error, NonFiniteLossError) and not marks.asking:
            _restore(params, marks.good)
            _note(error, f"fit: the parameters from the start of epoch {max(history.epochs, 1)} "
                         "were put back")
        raise
    finally:
        if collecting:
            gc.enable()
        if bar is not None:
            bar.close()


def _epochs(model: Module, plan: _Plan, params: list[Value], history: History, bar: Any,
            collect: bool, marks: _Marks) -> None:
    """Each epoch a pass over shuffled batches, then the rules for stopping: the callback's
    answer, the tolerance, then patience."""
    n = len(plan.rows)
    order = list(range(n))
    callback = plan.callback
    best, waited = math.inf, 0
    for epoch in range(1, plan.epochs + 1):
        marks.start = [p.data for p in params]
        if plan.batch_size < n:
            plan.rng.shuffle(order)
        epoch_loss = _epoch(model, plan, params, order, epoch, marks.good, history)
        history.losses.append(epoch_loss)
        marks.good, marks.start = marks.start, None
        if collect:
            gc.collect(1)  # the young generations: everything made since the last epoch
        if plan.schedule is not None:
            plan.schedule.step()
        if bar is not None:
            bar.set_postfix_str(f"loss={epoch_loss:.4g}", refresh=False)
            bar.update(1)
        if callback is not None and _ask(
            callback, Epoch(epoch, plan.epochs, epoch_loss, model, history), marks
        ):
            history.stop_reason = "callback"
            return
        if plan.tol is not None and epoch_loss < plan.tol:
            history.stop_reason = "tolerance"
            return
        if epoch_loss < best - plan.min_delta:
            best, waited = epoch_loss, 0
        else:
            waited += 1
            if plan.patience is not None and waited >= plan.patience:
                history.stop_reason = "plateau"
                return
    history.stop_reason = "max_epochs"


def _ask(callback: Callable[[Epoch], object], shown: Epoch, marks: _Marks) -> bool:
    """The callback's answer to "stop now?"; its own error goes on up, noted with the epoch."""
    marks.asking = True
    try:
        answer = callback(shown)
    except Exception as error:
        _note(error, f"fit: raised by the callback after epoch {shown.epoch}; the parameters "
                     "are left as that epoch's updates made them (the ones it was shown)")
        raise
    marks.asking = False
    if answer is True:
        return True
    if answer is None or answer is False:
        return False
    raise TypeError(
        f"fit(callback): it returned {type(answer).__name__} {answer!r:.40} after epoch "
        f"{shown.epoch}; expected True to stop training, or False or None to go on"
    )


def _final_loss(model: Module, plan: _Plan, params: list[Value], history: History,
                good: list[float]) -> None:
    """The loss of the parameters fit returns, into ``history.final_loss``."""
    final = evaluate_loss(model, plan.rows, plan.targets, plan.loss_fn)
    if plan.l2:
        with no_grad():
            final += l2_penalty(params, plan.l2).data
    if not math.isfinite(final):  # the very last update overflowed
        _restore(params, good)
        history.stop_reason = "non_finite"
        raise NonFiniteLossError(history.epochs, final, history, after=True)
    history.final_loss = final


def _epoch(
    model: Module, plan: _Plan, params: list[Value], order: list[int], epoch: int,
    good: list[float], history: History,
) -> float:
    """One pass over the batches, an update after each; the mean loss, weighted by batch size."""
    total = 0.0
    for b in range(0, len(order), plan.batch_size):
        batch = order[b : b + plan.batch_size]
        compiled = plan.compiled
        c = None if compiled is None else _compiled_gradients(compiled, plan, params, batch)
        if c is None:
            predictions = [model(plan.rows[i]) for i in batch]
            cost = _loss(plan.loss_fn, predictions, [plan.targets[i] for i in batch], "fit")
            if plan.l2:
                cost = cost + l2_penalty(params, plan.l2)
            c = cost.data
        if not math.isfinite(c):
            _restore(params, good)
            history.stop_reason = "non_finite"
            raise NonFiniteLossError(epoch, c, history, first=epoch == 1 and b == 0)
        if plan.compiled is None:
            for p in params:
                p.grad = 0.0
            cost.backward()
        plan.optimizer.step()
        total += c * len(batch)
    return total / len(order)


# ---- compile=True ------------------------------------------------------------------------------

_MOST_TARGETS = 64  # distinct labels (bce, hinge, cross_entropy), each its own trace


class _CompiledLoss:
    """One sample's share of a batch's loss, ``loss([model(x)], [target]) * share``, compiled,
    with ``share`` = 1 / batch size a leaf the code reads at each call. The target is an argument
    of the trace under ``mse`` (a float) and ``cross_entropy`` (a class, read through ``take``):
    one trace serves every target. ``bce`` and ``hinge`` branch on their labels, so each label
    is a constant of a trace of its own.

    Eager's mean hands each sample's term the gradient ``1 / batch size`` (one node, no division,
    for a batch of one); so does the share here, and from there each sample's backward pass is
    eager's, operation for operation. The rows are checked and flattened once, here, by
    ``Compiled.rows``; each batch then names its rows by number.
    """

    def __init__(self, model: Module, loss_fn: Any, rows: list[list[float]],
                 targets: list[Any]) -> None:
        share = self.share = Value(1.0)
        by_label = loss_fn not in (LOSSES["mse"], LOSSES["cross_entropy"])
        labels = sorted(set(targets)) if by_label else []
        if len(labels) > _MOST_TARGETS:
            raise ValueError(
                f"fit(compile=True): y has {len(labels)} distinct labels; each is a constant of "
                f"its own trace, and at most {_MOST_TARGETS} are compiled (0/1 or -1/+1 "
                "labels); train with loss='mse', or eagerly (compile=False)"
            )

        def share_of_loss(x: list[Value], target: Any) -> Value:
            t = labels[target] if by_label else target  # a label by its number: a constant
            return _loss(loss_fn, [model(x)], [t], "fit") * share

        indices = (1,) if loss_fn is LOSSES["cross_entropy"] else ()
        self.compiled: Compiled = compile_fn(share_of_loss, model.parameters(), indices=indices)
        number = {t: k for k, t in enumerate(labels)}
        args = [(row, number[t] if by_label else t) for row, t in zip(rows, targets)]
        groups: dict[Any, list[int]] = {}
        for i, t in enumerate(targets):
            groups.setdefault(t if by_label else None, []).append(i)
        self.group = [0] * len(rows)  # each sample's group, and its place among the group's rows
        self.place = [0] * len(rows)
        self.rows: list[Rows] = []
        for members in groups.values():
            for j, i in enumerate(members):
                self.group[i], self.place[i] = len(self.rows), j
            self.rows.append(self.compiled.rows([args[i] for i in members]))

    def gradients(self, plan: _Plan, params: list[Value], batch: list[int]) -> float:
        """Set every parameter's ``.grad`` to the batch's gradient; return the batch's loss."""
        for p in params:
            p.grad = 0.0
        self.share.data = 1.0 / len(batch)
        picks: list[list[int]] = [[] for _ in self.rows]
        for i in batch:  # one label's rows together: one trace at a time
            picks[self.group[i]].append(self.place[i])
        c = 0.0
        for rows, chosen in zip(self.rows, picks):
            if chosen:
                c += self.compiled.accumulate(rows, chosen)
        if plan.l2:
            c += _l2_backward(params, plan.l2)
        return c


def _l2_backward(params: list[Value], alpha: float) -> float:
    """``l2_penalty(params, alpha)``'s value, its gradients added into ``.grad`` as its
    ``backward()`` adds them: the same floats in the same order (each ``p * p`` node passes
    ``p * alpha`` to p twice), without building the graph, which cost a small network more than
    its compiled step. Hooks and anomaly checks see the graph, so there it is built."""
    if careful.any_hooks() or engine._open_blocks:
        penalty = l2_penalty(params, alpha)
        penalty.backward()
        return penalty.data
    total = 0.0
    for p in params:
        x = p.data
        total += x * x
        share = x * alpha
        p.grad += share
        p.grad += share
    return total * alpha


def _compiled_gradients(compiled: _CompiledLoss, plan: _Plan, params: list[Value],
                        batch: list[int]) -> float | None:
    """The batch's loss with its gradients from compiled code, or None where the model holds
    what compiled code cannot keep (a hook on an inner node, a micrograd closure): then fit
    says why, once, and trains eagerly from there on."""
    try:
        return compiled.gradients(plan, params, batch)
    except CompileError as error:
        warnings.warn(f"fit(compile=True): {error}; training eagerly instead", RuntimeWarning,
                      stacklevel=6)  # user, fit, _run, _epochs, _epoch, here
        plan.compiled = None
        return None


def _compiled_losses(model: Module, plan: _Plan, loss: object) -> _CompiledLoss | None:
    if not isinstance(loss, str):
        raise ValueError(
            "fit(compile=True): give the loss by name ('mse', 'bce', 'hinge' or 'cross_entropy'): "
            "each is a mean of one term per sample, which the compiled code computes sample by "
            "sample; a loss function of your own need not be: train with it eagerly (compile=False)"
        )
    try:
        return _CompiledLoss(model, plan.loss_fn, plan.rows, plan.targets)
    except CompileError as error:  # traced here, at the first row: fit says why and goes on
        warnings.warn(f"fit(compile=True): {error}; training eagerly instead", RuntimeWarning,
                      stacklevel=4)  # user, fit, _plan, _compiled_losses
        return None


def predict(model: Module, X: Sequence[Sequence[float]], *, output: str = "auto") -> list[Any]:
    """The model's answer for each row.

    ``output``: "auto" (the default) gives a float per row for a model with one output, and the
    class index (the arg-max of the k outputs, the first on a tie) for a model with several;
    "class" and "probabilities" (the softmax of the k outputs, a list per row) need several
    outputs; "raw" gives the outputs as floats (a list per row for several).
    """
    _check_model(model, "predict")
    rows = _checks.rows(X, "predict(X)")
    output = _checks.choice(output, "predict(output)", OUTPUTS, "output", "auto")
    out: list[Any] = []
    with no_grad():
        for r in rows:
            s = model(r)
            if isinstance(s, Value):
                if output in ("class", "probabilities"):
                    raise ValueError(
                        f"predict(output={output!r}): the model gives one output, not one per "
                        "class; use output='raw' (for a logit, sigmoid gives P(y = 1))"
                    )
                out.append(s.data)
            elif output == "probabilities":
                out.append([p.data for p in softmax(s)])
            elif output == "raw":
                out.append([v.data for v in s])
            else:
                scores = [v.data for v in s]
                out.append(max(range(len(scores)), key=scores.__getitem__))
    return out


def accuracy(
    model: Module, X: Sequence[Sequence[float]], y: Sequence[float], threshold: float = 0.0
) -> float:
    """The fraction of rows the model gets right.

    One output: the output and the label fall on the same side of ``threshold``; the default 0.0
    suits a logit (labels 0/1) and a hinge score (labels -1/+1); use 0.5 for a model trained with
    "mse" on 0/1 labels. Several outputs: the arg-max is the label, a class index.
    """
    _check_model(model, "accuracy")
    rows = _checks.rows(X, "accuracy(X)")
    # A NaN threshold would make every comparison False, and so every row "correct".
    t = _checks.finite(threshold, "accuracy(threshold)")
    targets = _targets_for(model, rows, y, None, None, "accuracy")
    answers = predict(model, rows)
    if type(answers[0]) is int:  # predict gives class indices for several outputs, else floats
        hits = sum(a == label for a, label in zip(answers, targets, strict=True))
    else:
        hits = sum((s > t) == (label > t) for s, label in zip(answers, targets, strict=True))
    return float(hits / len(rows))  # hits counts bools: an int


def evaluate_loss(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    loss: str | LossFunction = "mse",
) -> float:
    """The mean loss over all rows, computed under ``no_grad()`` (no graph is kept)."""
    _check_model(model, "evaluate_loss")
    rows = _checks.rows(X, "evaluate_loss(X)")
    loss_fn = _loss_function(loss, "evaluate_loss")
    targets = _targets_for(model, rows, y, loss, loss_fn, "evaluate_loss")
    with no_grad():
        predictions = [model(r) for r in rows]
        return _loss(loss_fn, predictions, targets, "evaluate_loss").data


# ---- helpers -----------------------------------------------------------------------------------


def _progress_bar(progress: bool | None, total: int) -> Any:
    if progress is False:
        return None
    if progress is None:
        isatty = getattr(sys.stderr, "isatty", None)
        if isatty is None or not isatty():
            return None
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a nicety: the `train` extra installs it
        return None
    return tqdm(total=total, desc="training", unit="epoch", leave=False)


def _note(error: BaseException, text: str) -> None:
    if hasattr(error, "add_note"):  # Python 3.11 and later
        error.add_note(text)


def _restore(params: list[Value], values: list[float]) -> None:
    for p, x in zip(params, values, strict=True):
        p.data = x


def _check_model(model: object, who: str) -> Module:
    if not isinstance(model, Module):
        raise TypeError(f"{who}(model): expected a microprop Module, got {type(model).__name__}")
    return model


def _loss(loss_fn: Any, predictions: list[Any], targets: list[float], who: str) -> Value:
    """The loss as a Value; anything else (a float has no gradient) is named as the mistake."""
    cost = loss_fn(predictions, targets)
    if type(cost) is not Value:
        raise TypeError(
            f"{who}(loss): the loss function returned {type(cost).__name__} {cost!r:.40}; it must "
            "return a Value computed from the predictions, so that backward() can reach them"
        )
    return cost


def _loss_function(loss: object, who: str) -> Any:
    if isinstance(loss, str):
        return LOSSES[_checks.choice(loss, f"{who}(loss)", LOSSES, "loss")]
    if callable(loss):
        return loss
    raise TypeError(f"{who}(loss): expected a name or a function, got {type(loss).__name__}")


def _classes(model: Module, row: list[float]) -> int:
    """The model's number of outputs if it gives several (one logit per class), else 0."""
    with no_grad():
        s = model(row)
    return 0 if isinstance(s, Value) else len(s)


def _targets_for(
    model: Module, rows: list[list[float]], y: object, loss: object, loss_fn: Any, who: str
) -> list[Any]:
    """The targets in the form the model's outputs and the loss need: floats for one output,
    class indices for several; a loss made for the other kind of model is refused here."""
    k = _classes(model, rows[0])
    name = loss if isinstance(loss, str) else "cross_entropy" if loss_fn is cross_entropy else None
    if name is not None and k and not LOSS_TABLE[name].classes:
        raise ValueError(
            f"{who}: the model gives {k} outputs, one per class, but loss {name!r} takes one "
            "output per row; with class indices as targets use loss='cross_entropy'"
        )
    if name is not None and not k and LOSS_TABLE[name].classes:
        raise ValueError(
            f"{who}: loss 'cross_entropy' needs one output per class (at least 2), but the model "
            "gives one; for 0/1 labels and one output use loss='bce', or give the model k outputs"
        )
    if not k:
        return _targets(y, len(rows), who)
    labels = _checks.listed(y, f"{who}(y)", "class indices")
    if len(labels) != len(rows):
        raise ValueError(f"{who}: X has {len(rows)} rows but y has {len(labels)} targets")
    return [_checks.class_index(t, f"{who}(y): target {i}", k) for i, t in enumerate(labels)]


def _targets(y: object, n: int, who: str) -> list[float]:
    """Targets as floats, one per row; True is the label 1."""
    rule = "every target must be finite"
    targets = _checks.listed(y, f"{who}(y)", "targets")
    out = [
        _checks.element(t, f"{who}(y): target {i}", rule, bools=True)
        for i, t in enumerate(targets)
    ]
    if len(out) != n:
        raise ValueError(f"{who}: X has {n} rows but y has {len(out)} targets")
    return out
