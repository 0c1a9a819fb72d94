"""Check a function's gradients (and second derivatives) against central finite differences.

The same test PyTorch's ``gradcheck`` makes, for scalar functions of Values: float64, a step of
``eps`` on each input in turn, and ``|analytic - numeric| <= atol + rtol * |numeric|``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _checks
from .derivatives import grad
from .engine import Value, no_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when a gradient disagrees with finite differences."""


def gradcheck(
    f: Callable[..., Value],
    *inputs: Value | float,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Whether ``backward()`` through ``f(*inputs)`` agrees with central differences.

    ``f`` takes as many Values as there are ``inputs`` and returns a Value. The inputs you pass
    are not touched: ``f`` is called on fresh leaves holding the same numbers. On a mismatch this
    raises ``GradcheckError`` with a table of every input (or returns False when
    ``raise_exception=False``). The defaults are PyTorch's.
    """
    point = _arguments(f, inputs, eps, atol, rtol, raise_exception)
    analytic = _analytic(f, point)
    numeric = _numeric(f, point, eps)
    bad = [
        i
        for i, (a, n) in enumerate(zip(analytic, numeric))
        if not abs(a - n) <= atol + rtol * abs(n)
    ]
    if not bad:
        return True
    if not raise_exception:
        return False
    rows = [f"  {'input':>5}  {'value':>14}  {'backward()':>14}  {'numeric':>14}  ok"]
    for i, (x, a, n) in enumerate(zip(point, analytic, numeric)):
        rows.append(f"  {i:>5}  {x:>14.6g}  {a:>14.8g}  {n:>14.8g}  {'no' if i in bad else 'yes'}")
    raise GradcheckError(
        f"gradcheck: {len(bad)} of {len(point)} gradients disagree with central differences "
        f"(eps={eps}, atol={atol}, rtol={rtol}):\n" + "\n".join(rows)
    )


def _arguments(
    f: object, inputs: tuple[Any, ...], eps: object, atol: object, rtol: object,
    raise_exception: object
) -> list[float]:
    """The point to check at, as floats, once every argument has been checked."""
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    if not inputs:
        raise ValueError("gradcheck: give at least one input value")
    _checks.finite(eps, "gradcheck(eps)", 0.0, low_ok=False)
    # An infinite tolerance would pass anything, so finite() refuses it.
    _checks.finite(atol, "gradcheck(atol)", 0.0)
    _checks.finite(rtol, "gradcheck(rtol)", 0.0)
    _checks.flag(raise_exception, "gradcheck(raise_exception)")
    # At NaN or inf there is no difference to take: every comparison would fail or mislead.
    rule = "gradients are checked at finite points only"
    return [
        _checks.element(
            x.data if isinstance(x, Value) else x, f"gradcheck: input {i}", rule, bools=True
        )
        for i, x in enumerate(inputs)
    ]


def _analytic(f: Callable[..., Value], point: list[float]) -> list[float]:
    """Each input's gradient from one ``backward()`` through ``f`` on fresh leaves."""
    leaves = [Value(x) for x in point]
    _call(f, leaves).backward()
    return [leaf.grad for leaf in leaves]


def _numeric(f: Callable[..., Value], point: list[float], eps: float) -> list[float]:
    """Each input's central difference ``(f(x + eps) - f(x - eps)) / 2 eps``, others held."""
    numeric = []
    with no_grad():
        for i, x in enumerate(point):
            up = point[:i] + [x + eps] + point[i + 1 :]
            down = point[:i] + [x - eps] + point[i + 1 :]
            hi = _call(f, [Value(v) for v in up]).data
            lo = _call(f, [Value(v) for v in down]).data
            numeric.append((hi - lo) / (2 * eps))
    return numeric


def _call(f: Callable[..., Value], args: list[Value]) -> Value:
    out = f(*args)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    return out


def gradgradcheck(
    f: Callable[..., Value],
    *inputs: Value | float,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Whether the second derivatives of ``f`` (``microprop.grad`` with ``create_graph=True``,
    twice) agree with central differences of its first derivatives, input by input.

    The same arguments, defaults (PyTorch's) and table of a mismatch as ``gradcheck``.
    """
    point = _arguments(f, inputs, eps, atol, rtol, raise_exception)
    n = len(point)
    analytic = _second(f, point)
    numeric = []
    for j in range(n):
        up = _first(f, point[:j] + [point[j] + eps] + point[j + 1 :])
        down = _first(f, point[:j] + [point[j] - eps] + point[j + 1 :])
        numeric.append([(u - d) / (2 * eps) for u, d in zip(up, down)])
    pairs = [(i, j) for i in range(n) for j in range(n)]
    bad = [
        (i, j) for i, j in pairs
        if not abs(analytic[i][j] - numeric[j][i]) <= atol + rtol * abs(numeric[j][i])
    ]
    if not bad:
        return True
    if not raise_exception:
        return False
    rows = [f"  {'d2f/dxi dxj':>11}  {'grad(grad)':>14}  {'numeric':>14}  ok"]
    for i, j in pairs:
        ok = "no" if (i, j) in bad else "yes"
        rows.append(f"  {f'{i}, {j}':>11}  {analytic[i][j]:>14.8g}  {numeric[j][i]:>14.8g}  {ok}")
    raise GradcheckError(
        f"gradgradcheck: {len(bad)} of {n * n} second derivatives disagree with central "
        f"differences of the first (eps={eps}, atol={atol}, rtol={rtol}):\n" + "\n".join(rows)
    )


def _first(f: Callable[..., Value], point: list[float]) -> list[float]:
    leaves = [Value(x) for x in point]
    return list(grad(_call(f, leaves), leaves, allow_unused=True))


def _second(f: Callable[..., Value], point: list[float]) -> list[list[float]]:
    leaves = [Value(x) for x in point]
    first = grad(_call(f, leaves), leaves, create_graph=True, allow_unused=True)
    return [list(grad(g, leaves, allow_unused=True)) for g in first]
