"""Ops of your own: a function of floats that returns its value and local derivatives, made an op.

The op it makes carries its own rule, as a built-in op does: the rule calls the function on
floats (eager), its derivative rule on Values (gradients of gradients), and the generated code
calls the function too (compile). Rules are found through the op a node records, never by its
name, so an op of your own named ``sigmoid`` is yours, and one defined again is the new one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from . import floats
from .engine import _SUBCLASSES, Value, _operand, _result
from .floats import to_float as _to_float
from .rules import Op

__all__ = ["op"]


def op(
    name: str, rule: Callable[..., tuple[Any, ...]] | None = None
) -> Callable[[Callable[..., tuple[Any, ...]]], Callable[..., Value]]:
    """Make a function of floats into an op on Values, by its value and its local derivatives.

    The function takes numbers and returns ``(value, (d/dx1, d/dx2, ...))``, one derivative per
    argument. Decorated, it takes Values (plain numbers mix in as constants) and records one
    node named ``name``, like a built-in op: drawn and explained under that name, pickled and
    copied, with its gradient from ``backward()``. Keyword arguments pass through unchanged
    and are not differentiated. ``gradcheck`` checks the derivatives against the value::

        @op("sin")
        def sin(x):
            return math.sin(x), (math.cos(x),)

    ``rule(out, *args)``, if given, returns the same local derivatives written with operations
    that work on Values too (``lambda out, x: (cos(x),)`` for an op ``cos`` of your own), one per
    argument the op was called with, constants included (and keyword arguments passed on), so that
    ``microprop.grad(..., create_graph=True)`` can differentiate through the op again.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"op(name): expected a non-empty str, got {name!r:.60}")
    if not name.isprintable():
        raise ValueError(f"op(name): expected a name without control characters (a newline, a "
                         f"tab...), got {name!r:.60}")
    if rule is not None and not callable(rule):
        raise TypeError(f"op({name!r}, rule): expected a function, got {type(rule).__name__}")

    def decorate(f: Callable[..., tuple[Any, ...]]) -> Callable[..., Value]:
        if not callable(f):
            kind = type(f).__name__
            raise TypeError(f"op({name!r}): expected a function to decorate, got {kind}")
        mine = OfYourOwn(name, f, rule, {})
        plain = Op(name, mine)

        @wraps(f)
        def recorded(*args: Value | float, **kwargs: object) -> Value:
            the_op = Op(name, mine.called_with(kwargs)) if kwargs else plain
            nodes = [type(a) is Value or type(a) in _SUBCLASSES for a in args]
            xs = [a.data if n else _operand(a, name) for a, n in zip(args, nodes)]  # type: ignore
            value, local = the_op.rule(floats, *xs)
            children = tuple([a for a, n in zip(args, nodes) if n])
            if len(children) < len(args):
                the_op = the_op.called_with(tuple([None if n else x for x, n in zip(xs, nodes)]))
            return _result(value, the_op, children, tuple([d for d, n in zip(local, nodes) if n]))

        mine.recorded = recorded
        _DEFINED[name] = mine
        return recorded

    return decorate


class OfYourOwn:
    """The rule of an op of your own: its function of floats, and its derivative rule on Values.

    Called as every rule is, ``rule(m, *args)``; each arithmetic has a primitive that runs it
    (``m.of_your_own``): floats call the function, Values the derivative rule, compile writes a
    call of the function into its code.
    """

    def __init__(self, name: str, f: Callable[..., tuple[Any, ...]],
                 derivative: Callable[..., Any] | None,
                 kwargs: dict[str, Any]) -> None:
        self.name, self.f, self.derivative, self.kwargs = name, f, derivative, kwargs
        self.recorded: Callable[..., Value] | None = None

    def __call__(self, m: Any, *args: Any) -> tuple[Any, ...]:
        return m.of_your_own(self, args)  # type: ignore[no-any-return]

    def called_with(self, kwargs: dict[str, Any]) -> OfYourOwn:
        """This rule for a call with keyword arguments (passed to the function and the rule)."""
        made = OfYourOwn(self.name, self.f, self.derivative, kwargs)
        made.recorded = self.recorded
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        # A function may be a lambda: pickled by the op's name, with the call's keywords.
        return _named, (self.name, self.kwargs)

    def on_floats(self, xs: Sequence[float]) -> tuple[float, tuple[Any, ...]]:
        """The function on floats, its result checked: ``(value, one derivative per argument)``."""
        try:
            result = self.f(*xs, **self.kwargs)
        except TypeError:
            _refuse_arguments(self.name, "its function", self.f, xs, self.kwargs)
            raise
        return checked_result(self.name, result, len(xs))

    def on_values(self, args: Sequence[Any]) -> tuple[Any, ...]:
        """The op recorded on Values and its derivative rule on them, for create_graph."""
        if self.derivative is None:
            raise TypeError(
                f"grad(create_graph=True): the op {self.name!r} has no derivative rule (give it "
                f"one with microprop.op({self.name!r}, rule=...)), so its gradient cannot be "
                "differentiated again"
            )
        out = self.recorded(*args, **self.kwargs)  # type: ignore[misc]
        try:
            local = self.derivative(out, *args, **self.kwargs)
        except TypeError:
            _refuse_arguments(self.name, "its rule", self.derivative, (out, *args), self.kwargs)
            raise
        if not isinstance(local, (tuple, list)) or len(local) != len(args):
            raise TypeError(
                f"op {self.name!r}: its rule must return a tuple of {len(args)} local "
                f"derivative(s), one per argument, got {local!r:.60}"
            )
        for i, d in enumerate(local):
            if not isinstance(d, Value):
                _to_float(d, f"op {self.name!r}: its rule's derivative {i}")
        return out, tuple(local)


def _refuse_arguments(
    name: str, which: str, f: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]
) -> None:
    """A clear error if ``f`` cannot take ``args`` at all (rather than a TypeError inside it)."""
    try:
        inspect.signature(f).bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"op {name!r}: {which} cannot take the {len(args)} argument(s) it is "
                        f"given ({e}); the op is called with {len(args)}") from None
    except ValueError:  # a built-in without a signature: nothing to say beyond Python's error
        pass


def checked_result(name: str, result: object, n: int) -> tuple[float, tuple[Any, ...]]:
    """What an op's function returned, as ``(value, (one local derivative per argument))``."""
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(
            f"op {name!r}: its function must return (value, (d/dx1, ...)), got {result!r:.60}"
        )
    value, local = result
    if not isinstance(local, (tuple, list)) or len(local) != n:
        raise TypeError(
            f"op {name!r}: expected a tuple of {n} local derivative(s), one per argument, "
            f"got {local!r:.60}"
        )
    derivatives = tuple(_to_float(d, f"op {name!r}: local derivative {i}")
                        for i, d in enumerate(local))
    return _to_float(value, f"op {name!r}: value"), derivatives


# The ops of your own defined so far, by name, the latest kept: for unpickling only, where a
# function (perhaps a lambda) cannot travel and the op is found again by the name it was saved
# under.
_DEFINED: dict[str, OfYourOwn] = {}


def _named(name: str, kwargs: dict[str, Any] | None = None) -> Any:
    mine = _DEFINED.get(name)
    if mine is None:
        return _Unknown(name)
    return mine.called_with(kwargs) if kwargs else mine


class _Unknown:
    """The rule of an unpickled op of your own that this process has not defined."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, m: Any, *args: Any) -> tuple[Any, ...]:
        raise TypeError(f"the op {self.name!r} was unpickled, but no op of that name is defined "
                        "here: define it again with microprop.op before differentiating its "
                        "gradient or compiling it")

    def __reduce__(self) -> tuple[Any, ...]:
        return _named, (self.name,)
