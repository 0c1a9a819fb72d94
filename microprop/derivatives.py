"""Gradients of gradients: one derivative rule per op, and ``grad`` in the spirit of PyTorch's.

``RULES`` holds each op's local derivatives as a formula of its output and inputs, written with
arithmetic that works on floats and on Values alike (``tanh: 1 - out * out``). Evaluated on
floats, a rule gives exactly the numbers the engine records (a test checks it, op by op); on
Values, it gives local derivatives that are themselves graphs, so ``grad(..., create_graph=True)``
returns gradients you can differentiate again. The compiled mode can read the same table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from . import _checks
from .engine import _USER_RULES, Value, _walk

__all__ = ["RULES", "grad", "local_derivatives"]

# A rule takes the recorded node (for what it keeps: its local derivatives, a constant), then
# its output and its inputs in the form to compute with (their floats, or the Values
# themselves), and returns one local derivative per input, in the order of its inputs.
Rule = Callable[[Value, Any, Sequence[Any]], tuple]


def _constant_slopes(node: Value, out: Any, xs: Sequence[Any]) -> tuple:
    """The recorded slopes, which are constants: ``x + c``, ``x - c``, ``-x``, ``sum``,
    ``take``, and the piecewise-linear relu, leaky_relu and abs (constant except at the kink,
    and PyTorch too takes the slope chosen there as a constant)."""
    return node._local_grads


def _mul(node: Value, out: Any, xs: Sequence[Any]) -> tuple:
    if len(xs) == 2:  # d/dx xy = y, d/dy xy = x
        return xs[1], xs[0]
    return node._local_grads  # x * c: the slope is the constant c


def _div(node: Value, out: Any, xs: Sequence[Any]) -> tuple:
    if len(xs) == 2:  # d/dx x/y = 1/y, d/dy x/y = -out/y
        return 1.0 / xs[1], -out / xs[1]
    if getattr(node._op, "constant", None) is None:
        return node._local_grads  # x / c: the slope 1/c is a constant
    return (-out / xs[0],)  # c / x: -c/x^2 = -out/x


def _log_of(x: Any) -> Any:
    return x.log() if isinstance(x, Value) else math.log(x)


def _exp_of(x: Any) -> Any:
    return x.exp() if isinstance(x, Value) else math.exp(x)


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else x  # type: ignore[no-any-return]


def _pow_exponent_slope(out: Any, x: Any) -> Any:
    """d/dn x^n = x^n ln x, with the engine's values where ln x is not real."""
    if _data(x) > 0.0:
        return out * _log_of(x)
    return out * 0.0 if _data(x) == 0.0 else math.nan


def _pow(node: Value, out: Any, xs: Sequence[Any]) -> tuple:
    local = node._local_grads
    if len(xs) == 2:  # x ** n, both Values
        x, n = xs
        base = local[0] if _data(n) == 0.0 else n * x ** (n - 1.0)
        return base, _pow_exponent_slope(out, x)
    position, c = node._op.position, node._op.constant  # type: ignore[attr-defined]
    if position == 0:  # c ** x: d/dx = c^x ln c
        return (out * math.log(c) if c > 0.0 else out * 0.0 if c == 0.0 else math.nan,)
    if c == 0.0 or (c == 0.5 and _data(out) == 0.0):
        return local  # x ** 0 passes nothing back; sqrt's slope at 0 is an infinite constant
    if c == 0.5:  # x ** 0.5 is sqrt(x): 1 / (2 sqrt x)
        return (0.5 / out,)
    return (c * xs[0] ** (c - 1.0),)  # d/dx x^n = n x^(n-1)


def _sqrt(node: Value, out: Any, xs: Sequence[Any]) -> tuple:
    return node._local_grads if _data(out) == 0.0 else (0.5 / out,)  # 1 / (2 sqrt x)


def _dot(node: Value, out: Any, xs: Sequence[Any]) -> tuple:
    """d/dw (w x) = x. Two inputs multiplied together sit side by side, each slope the very float
    object that is the other's value; every other slope is a constant (a number of data)."""
    local, children = node._local_grads, node._children
    slopes: list[Any] = []
    i = 0
    while i < len(children):
        if (
            i + 1 < len(children)
            and local[i] is children[i + 1].data
            and local[i + 1] is children[i].data
        ):
            slopes += [xs[i + 1], xs[i]]
            i += 2
        else:
            slopes.append(local[i])
            i += 1
    return tuple(slopes)


RULES: dict[str, Rule] = {
    "+": _constant_slopes,
    "-": _constant_slopes,
    "neg": _constant_slopes,
    "sum": _constant_slopes,
    "take": _constant_slopes,
    "relu": _constant_slopes,
    "leaky_relu": _constant_slopes,
    "abs": _constant_slopes,
    "*": _mul,
    "/": _div,
    "**": _pow,
    "dot": _dot,
    "exp": lambda node, out, xs: (out,),  # d/dx e^x = e^x
    "log": lambda node, out, xs: (1.0 / xs[0],),  # d/dx ln x = 1/x
    "sqrt": _sqrt,
    "tanh": lambda node, out, xs: (1.0 - out * out,),  # 1 - tanh^2 x
    "sigmoid": lambda node, out, xs: (out * (1.0 - out),),  # s (1 - s)
    # d/dx_i logsumexp = exp(x_i - out), the softmax probabilities
    "logsumexp": lambda node, out, xs: tuple(_exp_of(x - out) for x in xs),
}


def local_derivatives(node: Value, on_values: bool = True) -> tuple:
    """The local derivatives of a computed node by its op's rule: as Values (graphs of its
    inputs and output) or, with ``on_values=False``, as the floats the engine recorded."""
    rule = RULES.get(str(node._op))
    if rule is None and node._op in _USER_RULES:
        user_rule = _USER_RULES[node._op]
        rule = lambda node, out, xs: tuple(user_rule(out, *xs))  # noqa: E731
    if rule is None:
        raise TypeError(
            f"grad(create_graph=True): the op {node._op or 'unnamed'!r} has no derivative rule "
            "(built-in ops have one in microprop.derivatives.RULES; give an op of your own "
            "one with microprop.op(name, rule=...)), so its gradient cannot be differentiated again"
        )
    if on_values:
        return rule(node, node, node._children)
    return rule(node, node.data, [c.data for c in node._children])


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    create_graph: bool = False,
    retain_graph: bool | None = None,
    allow_unused: bool = False,
) -> tuple:
    """d(outputs)/d(input) for each input, as ``torch.autograd.grad`` gives them.

    Several outputs are summed. No ``.grad`` is touched. The gradients are floats, or with
    ``create_graph=True`` Values built from the derivative rules, which you can differentiate
    again (``grad(grad(y, x, create_graph=True)[0], x)`` is d²y/dx²). An input the outputs do
    not depend on raises, unless ``allow_unused=True``: then its gradient is 0.0. The graph is
    never freed, so ``retain_graph`` is accepted for PyTorch's sake and changes nothing.
    """
    outs = _listed(outputs, "grad(outputs)")
    ins = _listed(inputs, "grad(inputs)")
    _checks.flag(create_graph, "grad(create_graph)")
    _checks.flag_or_none(retain_graph, "grad(retain_graph)")
    _checks.flag(allow_unused, "grad(allow_unused)")
    grads = _backward(outs, create_graph)
    result = []
    for i, x in enumerate(ins):
        if x not in grads and not allow_unused:
            raise ValueError(
                f"grad: input {i} ({x!r:.60}) is not used by the outputs, so it has no gradient; "
                "pass allow_unused=True to get 0.0 for it"
            )
        g = grads.get(x, 0.0)
        result.append(Value(g) if create_graph and not isinstance(g, Value) else g)
    return tuple(result)


def _listed(xs: object, what: str) -> list[Value]:
    items = [xs] if isinstance(xs, Value) else xs
    if not isinstance(items, (list, tuple)) or not items:
        raise TypeError(f"{what}: expected a Value or a non-empty list of Values, got "
                        f"{type(xs).__name__}")
    for i, x in enumerate(items):
        if not isinstance(x, Value):
            raise TypeError(f"{what}: expected a Value or a non-empty list of Values, got "
                            f"{type(x).__name__} at {i}")
    return list(items)


def _backward(outs: list[Value], create_graph: bool) -> dict[Value, Any]:
    """The chain rule from ``outs`` (each seeded with 1) into a dict, floats or Values."""
    root = outs[0] if len(outs) == 1 else _joined(outs)
    order = _walk(root)
    grads: dict[Value, Any] = {}
    for out in outs:
        grads[out] = grads.get(out, 0.0) + 1.0
    for node in reversed(order):
        if node not in grads or not node._children:
            continue
        g = grads[node]
        if create_graph:
            locals_ = local_derivatives(node)
        else:
            locals_ = node._local_grads
            if len(locals_) != len(node._children):
                raise TypeError("grad: a node with a _backward closure hides its derivatives")
        for child, local in zip(node._children, locals_):
            before = grads.get(child)
            step = local * g
            grads[child] = step if before is None else before + step
    return grads


def _joined(outs: list[Value]) -> Value:
    """A node above every output, only so that one walk orders them all (never differentiated)."""
    return Value(0.0, tuple(outs), tuple(0.0 for _ in outs))
