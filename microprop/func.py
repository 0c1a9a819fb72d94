"""Derivatives of functions, not of graphs: ``grad(f)``, ``value_and_grad(f)``, ``hessian(f)``,
and forward mode's ``jvp(f, primals, tangents)``.

The idea of HIPS autograd, JAX and ``torch.func``: ``grad(f)`` is another function, so it can be
differentiated again (``grad(grad(f))``). Built on ``microprop.grad``: called on numbers, these
return floats; called on Values (as an outer ``grad`` calls an inner one), they return Values
that still depend on them, which is what makes the nesting work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _checks, engine
from .derivatives import grad as _grad
from .engine import Value

__all__ = ["grad", "value_and_grad", "hessian", "jvp"]


def grad(f: Callable[..., Value], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The function computing df/dx at the argument ``argnums`` (a tuple of them for several).

    ``grad(lambda x: x**3)(2.0)`` is 12.0 and ``grad(grad(lambda x: x**3))(2.0)`` is 12.0.
    """
    value_and_slope = value_and_grad(f, argnums)
    return lambda *args: value_and_slope(*args)[1]


def value_and_grad(
    f: Callable[..., Value], argnums: int | tuple[int, ...] = 0
) -> Callable[..., tuple[Any, Any]]:
    """The function computing ``(f(*args), df/dx)`` in one pass, ``x`` as in ``grad``."""
    _callable(f, "value_and_grad")
    many = isinstance(argnums, tuple)
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    for n in nums:
        _checks.integer(n, "value_and_grad(argnums)", low=0)

    def value_and_slope(*args: Any) -> tuple[Any, Any]:
        for n in nums:
            if n >= len(args):
                raise ValueError(
                    f"value_and_grad(argnums): argument {n} asked for, but f was given "
                    f"{len(args)} argument(s)"
                )
        nested = any(isinstance(a, Value) for a in args)
        xs = _leaves(args, "value_and_grad")
        with engine.enable_grad():  # an outer no_grad() does not reach f, as in torch.func
            out = _scalar(f(*xs), "value_and_grad")
        slopes = _grad(out, [xs[n] for n in nums], create_graph=nested, allow_unused=True)
        value = out if nested else out.data
        return value, (slopes if many else slopes[0])

    return value_and_slope


def hessian(f: Callable[..., Value]) -> Callable[..., list[list[float]]]:
    """The function computing the matrix of second derivatives d²f/dx_i dx_j, as lists of floats.

    ``hessian(lambda x, y: x * x * y)(1.0, 2.0)`` is ``[[4.0, 2.0], [2.0, 0.0]]``.
    """
    _callable(f, "hessian")

    def second_derivatives(*args: Any) -> list[list[float]]:
        if not args:
            raise ValueError("hessian: give f at least one number to take derivatives at")
        xs = [Value(a.data if isinstance(a, Value) else a) for a in _leaves(args, "hessian")]
        with engine.enable_grad():
            out = _scalar(f(*xs), "hessian")
        first = _grad(out, xs, create_graph=True, allow_unused=True)
        return [list(_grad(g, xs, allow_unused=True)) for g in first]

    return second_derivatives


def jvp(
    f: Callable[..., Value], primals: Any, tangents: Any
) -> tuple[float, float]:
    """``(f(*primals), the derivative of f along tangents)``, by forward mode.

    ``backward()`` carries d(output)/d(node) from the output back to the inputs: one pass gives
    every input's derivative of one output. Forward mode carries d(node)/d(direction) from the
    inputs on to the output: one pass gives the derivative along one direction. Here each node's
    tangent is the sum of its local derivatives times its inputs' tangents, in the order the
    nodes were made. ``jvp(lambda x, y: x * x * y, (1.0, 2.0), (1.0, 0.0))`` is ``(2.0, 4.0)``.
    """
    _callable(f, "jvp")
    xs = [Value(a) for a in _numbers(primals, "jvp(primals)")]
    vs = _numbers(tangents, "jvp(tangents)")
    if len(vs) != len(xs):
        raise ValueError(f"jvp: {len(xs)} primals but {len(vs)} tangents; give one direction "
                         "component per argument")
    with engine.enable_grad():
        out = _scalar(f(*xs), "jvp")
    tangent: dict[Value, float] = dict(zip(xs, vs))
    for node in engine._walk(out, leaves=False):  # inputs before the nodes made from them
        if len(node._local_grads) != len(node._children):
            raise TypeError("jvp: a node with a _backward closure hides its local derivatives")
        # Only inputs that depend on the primals carry a tangent: a constant part of the graph
        # has none, not a tangent of 0 (0 times an infinite local derivative would be NaN).
        terms = [local * tangent[child]
                 for child, local in zip(node._children, node._local_grads) if child in tangent]
        if terms:
            tangent[node] = sum(terms, 0.0)
    return out.data, tangent.get(out, 0.0)


def _numbers(xs: object, what: str) -> list[float]:
    if isinstance(xs, (int, float)) and not isinstance(xs, bool):
        return [float(xs)]  # one argument: jvp(f, 2.0, 1.0)
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__iter__"):
        raise TypeError(f"{what}: expected a number or a list of numbers, got "
                        f"{type(xs).__name__}")
    return [_checks.real(x, f"{what}[{i}]") for i, x in enumerate(xs)]


def _callable(f: object, what: str) -> None:
    if not callable(f):
        raise TypeError(f"{what}: f must be a function, got {type(f).__name__}")


def _leaves(args: tuple[Any, ...], what: str) -> list[Value]:
    """The arguments as Values: Values as they are (so an outer derivative sees through),
    numbers as new leaves."""
    return [
        a if isinstance(a, Value) else Value(_checks.real(a, f"{what}: argument {i}"))
        for i, a in enumerate(args)
    ]


def _scalar(out: object, what: str) -> Value:
    if isinstance(out, Value):
        return out
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        return Value(float(out))  # a constant function: every derivative is 0
    raise TypeError(
        f"{what}: f must return one number (a Value), got {type(out).__name__}; for several "
        "outputs, take the derivative of each one"
    )
