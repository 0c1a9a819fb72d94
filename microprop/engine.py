"""Scalar reverse-mode automatic differentiation.

A `Value` holds one float. Every operation on Values returns a new Value that remembers its
inputs (``_children``, an ordered tuple), the local derivative of its result with respect to each
of them (``_local_grads``, a tuple of floats, same order) and a short name (``_op``). Those three
underscore attributes are the whole recorded graph; nothing else is kept, so there are no closures
and no reference cycles, and a graph is freed as soon as nothing refers to its root.

``backward()`` walks the graph once in reverse topological order and applies the chain rule in a
single place. Each op below therefore only says what it computes and its local derivatives.

Number policy, the same for every op (docs/numbers.md has the table, op by op):
- a result too large for a float becomes ``inf`` with the right sign (IEEE 754, as PyTorch does),
  whether it comes from ``exp``, ``*`` or ``**``; NaN and inf then propagate;
- a result that does not exist in the reals raises: ``ValueError`` for a domain error (``log`` of a
  number <= 0, ``sqrt`` of a negative number, a negative base to a finite non-integer power) and
  ``ZeroDivisionError`` for ``x / 0`` and ``0 ** negative``. No op ever produces a complex number;
- inside ``detect_anomaly()``, the first op or gradient that is NaN or inf raises, named.
"""

from __future__ import annotations

import math
import numbers
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial, wraps
from typing import Any, SupportsIndex

__all__ = ["Value", "no_grad", "is_grad_enabled", "detect_anomaly", "is_anomaly_enabled", "dot"]
__all__ += ["logsumexp", "log_softmax", "softmax", "op", "take"]

_INF = math.inf
# Value's subclasses, whose instances are nodes too: `type(x) is Value or type(x) in _SUBCLASSES`
# is as fast as `type(x) is Value` for a Value, and faster than isinstance for a float.
_SUBCLASSES: set[type] = set()


class Value:
    """A scalar, its gradient, and the inputs it was computed from.

    Equality and hashing are by identity: two Values holding the same number are different nodes
    of the graph, so ``Value(1.0) == Value(1.0)`` is False. Compare ``.data`` to compare numbers.
    """

    __slots__ = ("data", "grad", "label", "_children", "_local_grads", "_op", "__weakref__")
    # Make NumPy scalars hand `np.float64(2) * v` over to Value.__rmul__ instead of wrapping it.
    __array_ufunc__ = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)  # type: ignore[arg-type]
        _SUBCLASSES.add(cls)  # instances of a subclass are nodes too, in every op

    def __init__(
        self,
        data: float,
        _children: tuple[Value, ...] | list[Value] = (),
        _op: str | tuple[float, ...] | list[float] = "",
        label: str = "",
    ) -> None:
        """``Value(x)`` or ``Value(x, label="x")`` is a leaf: a number you made yourself.

        Two more forms record an op, for code written against micrograd or microgpt:
        ``Value(x, (a, b), "op")`` (micrograd: the op's gradient comes from the ``_backward``
        you assign to it; without one it passes nothing back) and ``Value(x, (a, b), (da, db))``
        (microgpt: the local derivatives of x with respect to a and b, one number per input).
        """
        self.data = data if type(data) is float else _to_float(data, "Value(data)")
        self.grad = 0.0
        if not isinstance(label, str):
            raise TypeError(f"Value(label): expected a str, got {type(label).__name__}")
        self.label = label
        if type(_children) is tuple and not _children and type(_op) is str and not _op:
            self._children: tuple[Value, ...] = ()
            self._local_grads: tuple[float, ...] = ()
            self._op = ""
        else:
            self._children, self._local_grads, self._op = _recorded_by_hand(_children, _op)

    # ---- binary arithmetic; a plain number on either side is a constant, not a node ----------

    def __add__(self, other: Value | float) -> Value:
        if type(other) is Value or type(other) in _SUBCLASSES:
            total = self.data + other.data  # type: ignore[union-attr]
            return _result(total, "+", (self, other), (1.0, 1.0))
        c = other if type(other) is float else _constant(other)
        if c is None:
            return NotImplemented
        return _result(self.data + c, "+", (self,), (1.0,))

    def __mul__(self, other: Value | float) -> Value:
        if type(other) is Value or type(other) in _SUBCLASSES:
            y = other.data  # type: ignore[union-attr]
            return _result(self.data * y, "*", (self, other), (y, self.data))
        c = other if type(other) is float else _constant(other)
        if c is None:
            return NotImplemented
        return _result(self.data * c, "*", (self,), (c,))

    def __truediv__(self, other: Value | float) -> Value:
        # A primitive rather than self * other**-1: one node, and division's own error.
        node = type(other) is Value or type(other) in _SUBCLASSES
        y = other.data if node else _constant(other)  # type: ignore[union-attr]
        if y is None:
            return NotImplemented
        if y == 0.0:
            raise ZeroDivisionError(f"division by zero: {self.data!r} / {y!r}")
        out = self.data / y
        if node:  # d/dx x/y = 1/y, d/dy x/y = -x/y^2 = -out/y
            return _result(out, "/", (self, other), (1.0 / y, -out / y))
        return _result(out, "/", (self,), (1.0 / y,))

    def __rtruediv__(self, other: float) -> Value:  # other / self
        c = _constant(other)
        if c is None:
            return NotImplemented
        if self.data == 0.0:
            raise ZeroDivisionError(f"division by zero: {c!r} / {self.data!r}")
        out = c / self.data
        op = _DIVIDENDS.get(c) or _with_constant("/", 0, c)
        return _result(out, op, (self,), (-out / self.data,))  # d/dy c/y = -c/y^2

    def __pow__(self, other: Value | float) -> Value:
        if type(other) is Value or type(other) in _SUBCLASSES:
            return _pow(self, other)
        n = _constant(other)
        if n is None:
            return NotImplemented
        return _pow(self, n)

    def __rpow__(self, other: float) -> Value:  # other ** self
        c = _constant(other)
        if c is None:
            return NotImplemented
        return _pow(c, self)

    # other + self and other * self: both commute, so the same method serves, without a second call.
    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self) -> Value:  # -self, recorded as written rather than as self * -1
        return _result(-self.data, "neg", (self,), (-1.0,))

    def __sub__(self, other: Value | float) -> Value:  # self - other
        if type(other) is Value or type(other) in _SUBCLASSES:
            difference = self.data - other.data  # type: ignore[union-attr]
            return _result(difference, "-", (self, other), (1.0, -1.0))
        c = _constant(other)
        if c is None:
            return NotImplemented
        return _result(self.data - c, "-", (self,), (1.0,))  # named as written, not as + (-c)

    def __rsub__(self, other: float) -> Value:  # other - self
        c = _constant(other)
        if c is None:
            return NotImplemented
        return _result(c - self.data, "-", (self,), (-1.0,))

    # ---- functions of one variable ---------------------------------------------------------

    def exp(self) -> Value:
        try:
            e = math.exp(self.data)
        except OverflowError:
            e = _INF
        return _result(e, "exp", (self,), (e,))  # d/dx e^x = e^x

    def log(self) -> Value:
        x = self.data
        if not x > 0.0:  # also catches NaN: math.log(nan) would pass it on silently
            if x != x:
                return _result(x, "log", (self,), (x,))
            raise ValueError(f"log: expected a positive number, got {x!r}")
        return _result(math.log(x), "log", (self,), (1.0 / x,))  # d/dx ln x = 1/x

    def sqrt(self) -> Value:
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt: expected a number >= 0, got {x!r}")
        r = math.sqrt(x)  # sqrt(-0.0) is -0.0, as IEEE 754 and PyTorch say
        # d/dx sqrt(x) = 1 / (2 sqrt(x)); infinite at 0 (-inf at -0.0), as PyTorch says.
        return _result(r, "sqrt", (self,), (0.5 / r if r else math.copysign(_INF, r),))

    def tanh(self) -> Value:
        t = math.tanh(self.data)  # math.tanh saturates to +-1, it never overflows
        return _result(t, "tanh", (self,), (1.0 - t * t,))  # d/dx tanh x = 1 - tanh^2 x

    def sigmoid(self) -> Value:
        x = self.data
        # Two forms so that exp only ever sees a number <= 0 and cannot overflow.
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return _result(s, "sigmoid", (self,), (s * (1.0 - s),))  # d/dx s(x) = s (1 - s)

    def relu(self) -> Value:
        x = self.data
        # The derivative at the kink is 0, as in PyTorch: relu(0) counts as switched off. A NaN
        # is not <= 0, so it passes through with slope 1, as in PyTorch too. Switched off, it
        # passes on nothing, even an infinite gradient (PyTorch masks rather than multiplies),
        # and relu(-0.0) is -0.0, as PyTorch's.
        if not x <= 0.0:
            return _result(x, "relu", (self,), (1.0,))
        return _result(0.0 if x else x, "relu", (self,), (_MASKED,))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        a = _to_float(slope, "leaky_relu(slope)")
        x = self.data
        if x > 0.0:
            return _result(x, "leaky_relu", (self,), (1.0,))
        return _result(a * x, "leaky_relu", (self,), (a,))  # slope at 0 too, as PyTorch

    def abs(self) -> Value:
        x = self.data
        sign = 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0  # d/dx |x| = sign x, 0 at 0
        return _result(abs(x), "abs", (self,), (sign,))

    def __abs__(self) -> Value:  # abs(self)
        return self.abs()

    # ---- gradients --------------------------------------------------------------------------

    def backward(self, *, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every node this one depends on with d(self)/d(node).

        The root is seeded with 1.0. Leaves (Values you made yourself) *accumulate*: calling
        ``backward()`` twice gives them twice the gradient, as in PyTorch, so reset them between
        steps (``zero_grad()``, or ``Module.zero_grad()`` in ``microprop.nn``). Intermediate
        nodes are reset at the start of each call and hold the gradient of the latest pass only.
        ``.grad`` is always a float, so ``create_graph=True`` is refused: gradients that are
        Values come from ``microprop.grad(..., create_graph=True)``, which leaves ``.grad`` alone.
        """
        if create_graph is not False:
            raise TypeError(
                "backward(create_graph=True): .grad holds floats, which cannot be differentiated "
                "again; use microprop.grad(output, inputs, create_graph=True), which returns the "
                "gradients as Values (and leaves .grad alone)"
            )
        # Leaves only receive, so they need no place in the order: the same order as
        # _topological_order() without them (explain's step-through replays it exactly).
        order = _walk(self, leaves=False)
        for node in order:
            node.grad = 0.0
        self.grad += 1.0
        if _hooks:  # some Value anywhere has a hook: run backward the way that calls them
            _backward_hooked(order)
            return
        if _closure_nodes and any(type(n._local_grads) is _UserBackward for n in order):
            for node in reversed(order):  # a node with a _backward of a user's own: see _backward
                _node_backward(node)
            return
        if _open_blocks and _anomaly_enabled.get():
            _backward_checked(order)
            return
        # Reverse topological order: a node's gradient is complete before it is passed on.
        for node in reversed(order):
            g = node.grad
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * g  # the chain rule

    @property
    def _backward(self) -> Callable[[], None]:
        """micrograd's per-node step: ``node._backward()`` applies the chain rule for this node
        alone, adding its local derivative times ``node.grad`` into each input's ``.grad``
        (a leaf passes nothing). ``backward()`` is every node's step, in reverse topological
        order.

        For an op made micrograd's way, ``out = Value(x, (a,), "cube")``, you may assign your
        own: ``out._backward = f``, a function of no arguments that adds into the inputs'
        ``.grad`` itself; ``backward()`` then calls it for that node. Such a node cannot be
        pickled or copied (a closure does not survive either), and ``explain`` cannot see
        inside it: ``microprop.op`` defines an op that can do all of these. On a graph holding
        such a node, ``backward()`` steps one node at a time (1.6 times the time, on a long
        chain) and ``detect_anomaly()`` checks nothing; while one is alive anywhere,
        ``backward()`` first looks for one in its graph (a fifth more time).
        """
        local_grads = self._local_grads
        if type(local_grads) is _UserBackward:
            return local_grads.run
        return partial(_node_backward, self)

    @_backward.setter
    def _backward(self, run: Callable[[], None]) -> None:
        if not callable(run):
            raise TypeError(
                f"_backward: expected a function of no arguments, got {type(run).__name__}"
            )
        if not self._children:
            if not is_grad_enabled():
                return  # made inside no_grad(): a leaf, with nothing to pass back
            raise ValueError(
                "_backward: this Value is a leaf, so backward() has no inputs to pass to; "
                "give it its inputs first, as in Value(data, (a, b), 'op')"
            )
        closure = _UserBackward()
        closure.run = run
        self._local_grads = closure
        _closure_nodes.add(weakref.ref(self, _closure_nodes.discard))

    def register_hook(self, fn: Callable[[float], float | None]) -> HookHandle:
        """Call ``fn(gradient)`` with the gradient flowing into this Value during ``backward()``.

        As PyTorch's tensor hooks: a number returned replaces the gradient (what this node
        passes on to its inputs, or what a leaf adds to its ``.grad``), None keeps it. On an
        intermediate node it runs once its gradient is complete, before it is passed on; on a
        leaf, once per ``backward()`` with the whole gradient of that pass, before it is added.
        Several hooks run in the order registered, each given what the one before returned.
        ``handle.remove()`` takes it off. Only ``backward()`` runs hooks, not ``microprop.grad``.
        """
        if not callable(fn):
            raise TypeError(f"register_hook: expected a function of the gradient, got "
                            f"{type(fn).__name__}")
        handle = HookHandle(self)
        _hooks.setdefault(self, {})[handle] = fn
        return handle

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0.0 on this node and every node it depends on."""
        for node in _walk(self):
            node.grad = 0.0

    def _topological_order(self) -> list[Value]:
        """Every node reachable from this one, each after all of its inputs, in the order of a
        recursive depth-first walk (drawings and explanations number the nodes by it)."""
        return _walk(self)

    # ---- conveniences -----------------------------------------------------------------------

    def item(self) -> float:
        """The number, as a float (PyTorch's name for it; the same as ``.data``)."""
        return self.data

    # Ordering compares the numbers, so that max(values) and sorted(values) work. Equality does
    # not: == stays identity (see the class docstring), so Values stay usable in sets and dicts.
    def __lt__(self, other: Value | float) -> bool:
        y = _compared(other)
        return NotImplemented if y is None else self.data < y

    def __le__(self, other: Value | float) -> bool:
        y = _compared(other)
        return NotImplemented if y is None else self.data <= y

    def __gt__(self, other: Value | float) -> bool:
        y = _compared(other)
        return NotImplemented if y is None else self.data > y

    def __ge__(self, other: Value | float) -> bool:
        y = _compared(other)
        return NotImplemented if y is None else self.data >= y

    def __bool__(self) -> bool:  # as a float's: False for 0.0 (and -0.0), True for NaN
        return bool(self.data)

    def __int__(self) -> int:  # truncates toward zero, as int(float) does
        return int(self.data)

    def __round__(self, ndigits: SupportsIndex | None = None) -> float:
        """``round(v)`` is an int and ``round(v, n)`` a float, as for the float ``v.data``."""
        return round(self.data, ndigits)  # type: ignore[return-value]

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self.data, label=self.label)

    # ---- copies: never one that shares inputs, and no recursion on a deep graph ------------

    def __copy__(self) -> Value:
        """A new leaf with the same data, grad and label; refused for a computed Value."""
        if self._children:
            raise TypeError(
                "copy.copy of a computed Value would share its inputs, so backward() on the copy "
                "would add into the original graph's gradients; use v.detach() for a new leaf "
                "with the same number, or copy.deepcopy(v) for a copy of the whole graph"
            )
        return _rebuilt(self.data, self.grad, self.label, self._op, (), ())

    def __deepcopy__(self, memo: dict) -> Value:
        # Inputs first, so that each node's inputs are copied before it: the default copy would
        # recurse once per level and fail on a graph about a thousand deep.
        for v in self._topological_order():
            if id(v) not in memo:
                _refuse_closure(v, "copied with copy.deepcopy")
                children = tuple(memo[id(c)] for c in v._children)
                memo[id(v)] = _rebuilt(v.data, v.grad, v.label, v._op, children, v._local_grads)
        return memo[id(self)]

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple:
        """Pickle a node as its fields, with any of its inputs not yet in the pickle placed first.

        Every node is its own object in the pickle, so the pickle's memo keeps one copy of a node
        reached twice (in one graph, or from several Values pickled together). The inputs come
        first, inputs before the nodes that use them, so neither pickling nor unpickling
        recurses, however deep the graph.
        """
        if int(protocol) < 2:
            raise TypeError("a Value cannot be pickled with protocol 0 or 1; use 2 or later")
        _refuse_closure(self, "pickled")
        fields = (self.data, self.grad, self.label, self._op, self._children, self._local_grads)
        written = _pickling.written
        written.add(id(self))
        if all(id(c) in written for c in self._children):  # a leaf, too
            first: list[Value] = []
        else:
            first = _unwritten(self, written)
        _pickling.pending = self
        return _rebuilt_after, (_pickling.marker, first, *fields)

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the set of inputs, for code written against micrograd."""
        return set(self._children)

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


def _pow(base: Value | float, exponent: Value | float) -> Value:
    """``base ** exponent`` where either side (or both) is a Value."""
    x = base.data if isinstance(base, Value) else base
    n = exponent.data if isinstance(exponent, Value) else exponent
    # A NaN or infinite power of a negative base follows IEEE 754: NaN, or inf or 0 by |x|.
    if x < 0.0 and math.isfinite(n) and not n.is_integer():
        raise ValueError(f"pow: a negative base {x!r} to the non-integer power {n!r} is not real")
    if x == 0.0 and n < 0.0:
        raise ZeroDivisionError(f"pow: 0.0 cannot be raised to the negative power {n!r}")
    if n == 0.5 and not isinstance(exponent, Value):  # PyTorch's x ** 0.5 is sqrt(x), exactly
        r = math.sqrt(x)
        op = _EXPONENTS.get(n) or _with_constant("**", 1, n)
        return _result(r, op, (base,), (0.5 / r if r else math.copysign(_INF, r),))
    out = _power(x, n)
    children: list[Value] = []
    local: list[float] = []
    if isinstance(base, Value):  # d/dx x^n = n x^(n-1)
        children.append(base)
        # x ** 0 is 1 whatever x is: nothing flows back to x, not even inf, as in PyTorch
        local.append(n * _power(x, n - 1.0) if n != 0.0 else _MASKED)
    if isinstance(exponent, Value):  # d/dn x^n = x^n ln x
        children.append(exponent)
        if x > 0.0:
            local.append(out * math.log(x))
        elif x == 0.0:
            local.append(out * 0.0)  # PyTorch's 0 at x = 0 (and NaN for a NaN power)
        else:
            local.append(math.nan)  # ln x is not real: NaN, as in PyTorch
    if len(children) == 2:
        return _result(out, "**", tuple(children), tuple(local))
    if children[0] is base:
        op = _EXPONENTS.get(n) or _with_constant("**", 1, n)
    else:
        op = _BASES.get(x) or _with_constant("**", 0, x)
    return _result(out, op, tuple(children), tuple(local))


# ---- ops of your own: a value and its local derivatives, recorded as one node ------------------


def op(
    name: str, rule: Callable[..., tuple] | None = None
) -> Callable[[Callable[..., tuple]], Callable[..., Value]]:
    """Make a function of floats into an op on Values, by its value and its local derivatives.

    The function takes numbers and returns ``(value, (d/dx1, d/dx2, ...))``, one derivative per
    argument. Decorated, it takes Values (plain numbers mix in as constants) and records one
    node named ``name``, like a built-in op: drawn and explained under that name, pickled and
    copied, with its gradient from ``backward()``. Keyword arguments pass through unchanged
    and are not differentiated. ``gradcheck`` checks the derivatives against the value::

        @op("sin")
        def sin(x):
            return math.sin(x), (math.cos(x),)

    ``rule(out, *xs)``, if given, returns the same local derivatives written with operations
    that work on Values too (``lambda out, x: (cos(x),)`` for an op ``cos`` of your own), so
    that ``microprop.grad(..., create_graph=True)`` can differentiate through the op again.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"op(name): expected a non-empty str, got {name!r:.60}")
    if rule is not None:
        if not callable(rule):
            raise TypeError(f"op({name!r}, rule): expected a function, got {type(rule).__name__}")
        _USER_RULES[name] = rule

    def decorate(f: Callable[..., tuple]) -> Callable[..., Value]:
        if not callable(f):
            kind = type(f).__name__
            raise TypeError(f"op({name!r}): expected a function to decorate, got {kind}")

        @wraps(f)
        def recorded(*args: Value | float, **kwargs: object) -> Value:
            nodes = [type(a) is Value or type(a) in _SUBCLASSES for a in args]
            xs = [a.data if n else _operand(a, name) for a, n in zip(args, nodes)]  # type: ignore
            value, local = _checked_op_result(name, f(*xs, **kwargs), len(xs))
            children = tuple(a for a, n in zip(args, nodes) if n)
            return _result(value, name, children, tuple(d for d, n in zip(local, nodes) if n))

        return recorded

    return decorate


# The derivative rules given to op(name, rule=...), by name, for microprop.derivatives.
_USER_RULES: dict[str, Callable[..., tuple]] = {}


# ---- ops on many Values at once: one node instead of a chain -------------------------------------


def dot(
    ws: Iterable[Value | float], xs: Iterable[Value | float], bias: Value | float = 0.0
) -> Value:
    """``sum(w * x for w, x in zip(ws, xs)) + bias`` as one node instead of 2n.

    A neuron's weighted input ``z = sum_k w_k a_k + b`` in one step: the same value and the same
    gradients as the elementwise expression, with far fewer nodes to build and walk.
    Plain numbers are constants. The two sequences must have the same length.
    """
    try:
        ws, xs = list(ws), list(xs)
    except TypeError:  # name the argument, rather than "'int' object is not iterable"
        for name, arg in (("ws", ws), ("xs", xs)):
            if not isinstance(arg, Iterable):
                raise _not_a_list(f"dot({name})", arg) from None
        raise
    if len(ws) != len(xs):
        raise ValueError(f"dot: the sequences differ in length ({len(ws)} and {len(xs)})")
    children: list[Value] = []
    local: list[float] = []
    z = 0.0
    for w, x in zip(ws, xs):
        w_node = type(w) is Value or type(w) in _SUBCLASSES
        x_node = type(x) is Value or type(x) in _SUBCLASSES
        # A float constant (a row of data) is taken as it is: no call per input.
        wd = w.data if w_node else w if type(w) is float else _operand(w, "dot")  # type: ignore[union-attr]
        xd = x.data if x_node else x if type(x) is float else _operand(x, "dot")  # type: ignore[union-attr]
        z += wd * xd
        if w_node:  # d/dw (w x) = x
            children.append(w)  # type: ignore[arg-type]
            local.append(xd)
        if x_node:  # d/dx (w x) = w
            children.append(x)  # type: ignore[arg-type]
            local.append(wd)
    if isinstance(bias, Value):
        z += bias.data
        children.append(bias)
        local.append(1.0)
    else:
        z += _operand(bias, "dot(bias)")
    return _result(z, "dot", tuple(children), tuple(local))


def sum(values: Iterable[Value | float]) -> Value:  # noqa: A001 - the name torch and numpy use
    """The sum of many Values as one node (Python's built-in ``sum`` makes a chain of n nodes)."""
    if not isinstance(values, Iterable):
        raise _not_a_list("sum", values)
    children: list[Value] = []
    total = 0.0
    for v in values:
        if type(v) is Value or type(v) in _SUBCLASSES:
            total += v.data  # type: ignore[union-attr]
            children.append(v)  # type: ignore[arg-type]
        else:
            total += _operand(v, "sum")
    return _result(total, "sum", tuple(children), (1.0,) * len(children))  # d/dv_i sum = 1


def logsumexp(values: Iterable[Value | float]) -> Value:
    """``log(sum(exp(v) for v in values))`` as one node, finite for any finite inputs.

    Computed as ``m + log(sum(exp(v - m)))`` with ``m`` the largest input, so exp never sees a
    number above 0: no overflow at 1000 or 1e308, and no underflow to log(0) at -1000. Its local
    derivatives are the softmax probabilities ``exp(v_i - result)``, as PyTorch computes them.
    """
    values = _listed(values, "logsumexp")
    children: list[Value] = []
    xs: list[float] = []
    for v in values:
        if type(v) is Value or type(v) in _SUBCLASSES:
            children.append(v)  # type: ignore[arg-type]
            xs.append(v.data)  # type: ignore[union-attr]
        else:
            xs.append(_operand(v, "logsumexp"))
    if not xs:
        raise ValueError("logsumexp: expected at least one value, got none")
    m = max(xs)
    if m != m or any(x != x for x in xs):  # NaN in, NaN out (max would skip it by position)
        out = math.nan
    else:
        shift = m if math.isfinite(m) else 0.0  # all -inf: log(0) is -inf; an inf: inf
        s = math.fsum(math.exp(x - shift) for x in xs)
        out = shift + math.log(s) if s else -_INF
    # d/dv_i = exp(v_i - out) <= 1, since out >= every v_i: exp cannot overflow here either.
    local = tuple(math.exp(v.data - out) for v in children)
    return _result(out, "logsumexp", tuple(children), local)


def log_softmax(values: Iterable[Value | float]) -> list[Value]:
    """``v_i - logsumexp(values)`` for each input: the log-probabilities of a softmax.

    Finite for any finite inputs. The cross-entropy of class ``t`` is ``-log_softmax(v)[t]``, and
    its gradient with respect to ``v_i`` is ``p_i - [i == t]``, with ``p = softmax(v)``.
    """
    vs = _listed(values, "log_softmax")
    lse = logsumexp(vs)
    return [v - lse for v in vs]  # type: ignore[misc]


def softmax(values: Iterable[Value | float]) -> list[Value]:
    """``exp(v_i) / sum(exp(v))`` for each input: probabilities that sum to 1.

    Computed as ``exp(v_i - logsumexp(values))``, so no exp ever overflows.
    """
    return [lp.exp() for lp in log_softmax(_listed(values, "softmax"))]


def take(values: Sequence[Any], index: int) -> Any:
    """``values[index]`` as a node, for an index that is data (a token id, a class label).

    Eager, ``values[index]`` is the same Value; but a compiled trace would keep that one index
    for good, and ``take`` records the choice instead, so the trace runs for any index. The node
    has every Value of ``values`` as an input, with local derivative 1 for the chosen one and
    a mask (0 whatever comes back, as relu's) for the others. Plain numbers are constants.
    ``values`` may also be a table (equal-length rows): then the result is its row ``index``,
    one node per column, as numpy's ``take`` along axis 0.
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError("take: expected a list or tuple of Values or numbers (or of rows), got "
                        f"{type(values).__name__}")
    rows = list(values)
    at = _take_index(index, len(rows))
    if rows and isinstance(rows[0], (list, tuple)):
        width = len(rows[0])
        for r, row in enumerate(rows):
            if not isinstance(row, (list, tuple)) or len(row) != width:
                got = f"length {len(row)}" if isinstance(row, (list, tuple)) else type(row).__name__
                raise ValueError(f"take: row {r} is {got}; expected a row of {width}, as row 0")
        return [_taken(tuple(row[j] for row in rows), index, at) for j in range(width)]
    return _taken(tuple(rows), index, at)


def _take_index(index: object, n: int) -> int:
    at = index.value if isinstance(index, _Index) else index
    if isinstance(at, bool) or not isinstance(at, numbers.Integral):
        raise TypeError(f"take(index): expected an int, got {type(at).__name__}")
    if not n:
        raise ValueError("take: expected at least one value, got none")
    at = int(at)
    if not 0 <= at < n:
        raise IndexError(f"take(index): {at} is out of range for {n} values; expected 0 to {n - 1}")
    return at


def _taken(values: tuple, index: int | _Index, at: int) -> Value:
    children: list[Value] = []
    local: list[float] = []
    for k, v in enumerate(values):
        if type(v) is Value or type(v) in _SUBCLASSES:
            children.append(v)
            local.append(1.0 if k == at else _MASKED)
        else:
            _operand(v, "take")  # every constant a number, whichever is chosen
    chosen = values[at]
    data = chosen.data if isinstance(chosen, Value) else _operand(chosen, "take")
    return _result(data, "take", tuple(children), tuple(local))


class _Index:
    """An int argument of a compiled function, seen while tracing: usable by ``take`` only.

    Anything else (a list index, a comparison, arithmetic) would fix its traced value into
    the code, so it raises instead, naming ``take``.
    """

    __slots__ = ("value", "slot")

    def __init__(self, value: int, slot: int) -> None:
        self.value, self.slot = value, slot

    def _refuse(self, *args: object) -> Any:
        raise TypeError(f"compile: an index argument ({self.value}, traced) can only be used "
                        "through microprop.take(values, index); using it as a number or a list "
                        "index would fix its traced value into the compiled code")

    __index__ = __int__ = __float__ = __bool__ = __hash__ = _refuse
    __str__ = __format__ = __round__ = __trunc__ = __floor__ = __ceil__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse  # type: ignore[assignment]
    __neg__ = __pos__ = __abs__ = __invert__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _refuse
    __pow__ = __rpow__ = __divmod__ = __rdivmod__ = _refuse
    __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = _refuse
    __lshift__ = __rlshift__ = __rshift__ = __rrshift__ = _refuse

    def __repr__(self) -> str:
        return f"<index {self.value}, traced>"


def _listed(values: object, what: str) -> list:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise _not_a_list(what, values)
    return list(values)


# ---- the machinery: recording a result, the walk, modes, anomalies, copies -----------------------


def _result(data: float, op: str, children: tuple, local_grads: tuple) -> Value:
    """A Value computed by an op: the one place where graph edges are recorded."""
    out = _object_new(Value)  # skips __init__ and its checks: data is already a float
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    if _open_blocks:  # some thread is in no_grad() or detect_anomaly(): is this one?
        if _anomaly_enabled.get() and not math.isfinite(data):
            _anomaly_in_forward(op, data, children)
        if not _grad_enabled.get():
            children = local_grads = ()
    out._children = children
    out._local_grads = local_grads
    return out


_object_new = object.__new__


class _WithConstant(str):
    """An op's name that also carries the plain number folded into it: the 3 of ``x ** 3``.

    Only ``c / x``, ``x ** n`` and ``c ** x`` need one, because their local derivative alone
    does not give the next derivative (``x * 3`` does: its local derivative is the 3). It
    compares, hashes and prints as the name, so drawings read it as before, and one instance
    is shared by every node with the same op and number, so a node holds no more than before.
    ``position`` is where the constant stood: 0 on the left, 1 on the right.
    """

    __slots__ = ("position", "constant")
    position: int
    constant: float

    def __reduce__(self) -> tuple:
        return _with_constant, (str(self), self.position, self.constant)


# The names made so far, by constant: c of c / x, n of x ** n, c of c ** x. An op looks its
# number up here first (one dict lookup); only a number it has not seen before makes a name.
_DIVIDENDS: dict[float, _WithConstant] = {}
_EXPONENTS: dict[float, _WithConstant] = {}
_BASES: dict[float, _WithConstant] = {}
_MADE = {("/", 0): _DIVIDENDS, ("**", 1): _EXPONENTS, ("**", 0): _BASES}


def _with_constant(op: str, position: int, c: float) -> _WithConstant:
    """The shared name of ``op`` with the constant ``c`` at ``position`` (made once per number)."""
    made = _MADE[op, position]
    named = made.get(c)
    if named is None:
        named = _WithConstant(op)
        named.position, named.constant = position, c
        if len(made) < 10_000 and c == c:  # NaN is never found again: no need to keep
            made[c] = named
    return named


class _Masked(float):
    """A local derivative of 0 that passes on 0 whatever comes in, where plain 0 * inf is NaN.

    PyTorch's backward *masks* for a switched-off ReLU and for ``x ** 0`` (it selects 0 instead
    of multiplying), so an infinite or NaN gradient stops there; every other zero derivative
    multiplies, as in PyTorch. One shared instance; only its multiplication differs from 0.0.
    """

    __slots__ = ()

    def __mul__(self, other: object) -> float:
        return 0.0

    __rmul__ = __mul__


_MASKED = _Masked(0.0)


def _rebuilt(
    data: float, grad: float, label: str, op: str, children: tuple, local_grads: tuple
) -> Value:
    """A Value with every field given, for copies and unpickling: they rebuild what was made."""
    v = _object_new(Value)
    v.data, v.grad, v.label, v._op = data, grad, label, op
    v._children, v._local_grads = children, local_grads
    return v


def _checked_op_result(name: str, result: object, n: int) -> tuple[float, list[float]]:
    """What an op's function returned, as ``(value, [one local derivative per argument])``."""
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
    derivatives = [_to_float(d, f"op {name!r}: local derivative {i}") for i, d in enumerate(local)]
    return _to_float(value, f"op {name!r}: value"), derivatives


def _recorded_by_hand(children: object, op: object) -> tuple[tuple, tuple, str]:
    """The inputs, local derivatives and name of an op made with ``Value(data, children, op)``:
    micrograd's form (``op`` its name) or microprop's (``op`` the local derivatives), checked."""
    if isinstance(children, str):
        raise TypeError(
            f"Value(data, _children): got the str {children!r} where the op's inputs go; "
            f"a label is given by keyword: Value(data, label={children!r})"
        )
    if not isinstance(children, (tuple, list)):
        raise TypeError(
            f"Value(_children): expected a tuple or list of Values, got {type(children).__name__}"
        )
    for i, c in enumerate(children):
        if not (type(c) is Value or type(c) in _SUBCLASSES):
            raise TypeError(f"Value(_children): expected Values, got {type(c).__name__} at {i}")
    if isinstance(op, str):
        local: tuple = ()  # micrograd's: the gradient comes from a _backward assigned later
    elif isinstance(op, (tuple, list)):
        if len(op) != len(children):
            raise ValueError(
                f"Value(local_grads): expected one local derivative per input "
                f"({len(children)}), got {len(op)}"
            )
        local = tuple(
            d if type(d) is float else _to_float(d, f"Value(local_grads[{i}])")
            for i, d in enumerate(op)
        )
        op = ""
    else:
        raise TypeError(
            "Value(_op): expected a str (micrograd's op name) or a tuple of local derivatives, "
            f"one per input (microgpt's), got {type(op).__name__}"
        )
    if _open_blocks and not _grad_enabled.get():
        return (), (), op  # inside no_grad(), as every op: a leaf
    return tuple(children), local, op


class _UserBackward(tuple):
    """The ``_local_grads`` of a node given a ``_backward`` of a user's own, held as ``.run``.

    An empty tuple, so whatever pairs a node's inputs with its local derivatives finds none.
    On a graph holding one, ``backward()`` steps node by node with ``_node_backward``; while
    none is alive it does not even look, so microprop's ops pay nothing for this.
    """

    run: Callable[[], None]


# Weak references to the live nodes with a _backward of a user's own (each removes itself).
_closure_nodes: set[weakref.ref] = set()


def _node_backward(node: Value) -> None:
    """The chain rule for one node, as ``backward()`` applies it (``node._backward()``)."""
    local_grads = node._local_grads
    if type(local_grads) is _UserBackward:
        local_grads.run()
        return
    g = node.grad
    for child, local in zip(node._children, local_grads):
        child.grad += local * g


class HookHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook off its Value."""

    def __init__(self, v: Value) -> None:
        self._node = weakref.ref(v)

    def remove(self) -> None:
        v = self._node()
        hooks = _hooks.get(v) if v is not None else None
        if v is not None and hooks is not None:
            hooks.pop(self, None)
            if not hooks:
                del _hooks[v]


# The hooks of every Value that has one: empty unless someone registered a hook, and then
# backward() takes _backward_hooked, so that Values without hooks pay nothing for them.
_hooks: weakref.WeakKeyDictionary[Value, dict[HookHandle, Callable]] = (
    weakref.WeakKeyDictionary()
)


def _hooked(v: Value, g: float) -> float:
    """``g`` through the hooks of ``v`` in the order they were registered."""
    for fn in list(_hooks.get(v, {}).values()):
        replaced = fn(g)
        if replaced is not None:
            if isinstance(replaced, Value) or not isinstance(replaced, numbers.Real):
                raise TypeError(
                    f"a hook must return a number or None, got {type(replaced).__name__} "
                    f"from {getattr(fn, '__name__', fn)!r:.60}"
                )
            g = float(replaced)
    return g


def _backward_hooked(order: list[Value]) -> None:
    """``backward()`` with hooks: each node's gradient goes through its hooks before it is
    passed on, and a hooked leaf's gradient of this pass is summed apart, hooked, then added."""
    leaves: dict[Value, float] = {}
    for node in reversed(order):
        if type(node._local_grads) is _UserBackward:
            raise TypeError("register_hook: a graph with a _backward closure cannot run hooks")
        g = node.grad
        if node in _hooks:
            g = node.grad = _hooked(node, g)
        for child, local in zip(node._children, node._local_grads):
            if not child._children and child in _hooks:
                leaves[child] = leaves.get(child, 0.0) + local * g
            else:
                child.grad += local * g
    for leaf, g in leaves.items():
        leaf.grad += _hooked(leaf, g)


def _refuse_closure(v: Value, what: str) -> None:
    """A clear error where a node's ``_backward`` closure cannot go: pickles, copies, steps."""
    if type(v._local_grads) is _UserBackward:
        raise TypeError(
            f"the {v._op or 'unnamed'} node cannot be {what}: its gradient is a _backward "
            "closure, whose local derivatives are hidden inside it and which no pickle or copy "
            "can carry; define the op with microprop.op (its value and local derivatives) instead"
        )


def _compared(x: object) -> float | None:
    """The number on the other side of ``<``, ``<=``, ``>`` or ``>=``, or None if it has none.

    A real number is compared as it is, as a float compares with it (exactly, for a huge int).
    """
    if type(x) is Value or type(x) in _SUBCLASSES:
        return x.data  # type: ignore[attr-defined, no-any-return]
    return x if isinstance(x, numbers.Real) or _is_numpy_bool(x) else None  # type: ignore


def _constant(x: object) -> float | None:
    """A plain real number as a float, or None so that the operator returns NotImplemented."""
    if type(x) is float:
        return x  # type: ignore[return-value]
    if isinstance(x, (bool, numbers.Real)) or _is_numpy_bool(x):
        return _to_float(x, "operand")
    return None


def _is_numpy_bool(x: object) -> bool:
    # numpy.bool_ is no numbers.Real (Python's bool is): without this, Value(np.True_) said
    # "expected a real number (int, float, bool), got bool"
    return type(x).__module__ == "numpy" and type(x).__name__ in ("bool", "bool_")


def _not_a_list(what: str, x: object) -> TypeError:
    return TypeError(f"{what}: expected a list of Values or numbers, got {type(x).__name__}")


def _operand(x: object, what: str) -> float:
    c = _constant(x)
    if c is None:
        raise TypeError(f"{what}: expected a Value or a real number, got {type(x).__name__}")
    return c


def _to_float(x: object, what: str) -> float:
    """``x`` as a float, or a TypeError/ValueError that names it; never a lossy conversion."""
    if isinstance(x, (bool, numbers.Real)) and not isinstance(x, Value) or _is_numpy_bool(x):
        try:
            return float(x)  # type: ignore[arg-type]
        except OverflowError:
            raise ValueError(f"{what}: {x!r} is too large to be a float") from None
    kind = type(x).__name__
    raise TypeError(f"{what}: expected a real number (int, float, bool), got {kind} {x!r:.60}")


def _power(x: float, n: float) -> float:
    """``x ** n`` for a real result, with overflow (and 0 to a negative power) giving inf."""
    try:
        return x**n
    except (OverflowError, ZeroDivisionError):
        odd = n.is_integer() and int(n) % 2 == 1
        return math.copysign(_INF, x) if odd else _INF


def _walk(root: Value, leaves: bool = True) -> list[Value]:
    """The nodes ``root`` depends on, each after all of its inputs (with or without the leaves).

    Iterative: a recursive walk would hit Python's recursion limit at about a thousand nodes
    deep, and graphs here can be a million deep. A leaf is placed as soon as it comes off the
    stack. Any other node goes back on with a None above it and its inputs above that; when the
    None comes off, they are all placed, so the node can be too. No tuple or iterator per node,
    which made this walk slow; and without leaves, they never go on the stack at all.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # every input of the node below it is placed
            order.append(stack.pop())  # type: ignore[arg-type]
        elif node not in visited:
            visited.add(node)
            if node._children:
                stack.append(node)
                stack.append(None)
                for child in reversed(node._children):  # so the first input is placed first
                    if (leaves or child._children) and child not in visited:
                        stack.append(child)
            elif leaves:
                order.append(node)
    return order


def _chain_rule_steps(order: list[Value], grads: dict[Value, float]) -> Iterator[tuple]:
    """backward()'s chain rule one edge at a time, on a dict of gradients, for those who watch it.

    Yields ``(node, its grad, input, local derivative, the input's grad before)`` after each
    update. The same arithmetic in the same order as ``backward()``, so the same bits; used by
    ``detect_anomaly`` and ``explain.backward_steps``. ``backward()`` keeps its own loop on
    ``.grad``, since a generator per edge would make every training step several times slower.
    """
    for node in reversed(order):
        _refuse_closure(node, "stepped through")
        g = grads[node]
        for child, local in zip(node._children, node._local_grads):
            before = grads[child]
            grads[child] = before + local * g
            yield node, g, child, local, before


def _backward_checked(order: list[Value]) -> None:
    """The chain rule inside ``detect_anomaly()``: raise at the first NaN or infinite gradient."""
    grads = {c: c.grad for node in order for c in (node, *node._children)}
    try:
        for node, g, child, local, _ in _chain_rule_steps(order, grads):
            if not math.isfinite(grads[child]):
                _anomaly_in_backward(node, child, local, g, grads[child])
    finally:
        for v, grad in grads.items():
            v.grad = grad


# Per thread and per asyncio task: a context variable, not a thread-local, so that two tasks
# interleaving in one thread each keep their own switch (a new thread starts at the defaults).
_grad_enabled: ContextVar[bool] = ContextVar("microprop_grad_enabled", default=True)
_anomaly_enabled: ContextVar[bool] = ContextVar("microprop_detect_anomaly", default=False)
# How many no_grad() and detect_anomaly() blocks are open, in all threads together. While it is 0
# every thread records and checks nothing, and _result and backward skip the per-context lookup,
# which would add about a tenth to the cost of a node.
_open_blocks = 0
_open_blocks_lock = threading.Lock()


@contextmanager
def _counted_block() -> Iterator[None]:
    global _open_blocks
    with _open_blocks_lock:
        _open_blocks += 1
    try:
        yield
    finally:
        with _open_blocks_lock:
            _open_blocks -= 1


@contextmanager
def no_grad() -> Iterator[None]:
    """Compute values without recording a graph (for evaluation and plotting).

    Results made inside are leaves. The switch is per thread and per asyncio task: other
    threads and tasks keep recording.
    """
    previous = _grad_enabled.get()
    _grad_enabled.set(False)
    try:
        with _counted_block():
            yield
    finally:
        _grad_enabled.set(previous)


def is_grad_enabled() -> bool:
    """Whether ops here (this thread, this task) record the graph (False inside ``no_grad()``)."""
    return _grad_enabled.get()


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``FloatingPointError`` at the first NaN or inf, naming where it came from.

    Inside, an op whose result is NaN or +-inf raises, naming the op and its inputs, and
    ``backward()`` raises at the first gradient that becomes NaN or +-inf, naming the node and the
    step that made it. Per thread and task, like ``no_grad()``; outside, NaN and inf pass on
    silently.
    """
    previous = _anomaly_enabled.get()
    _anomaly_enabled.set(True)
    try:
        with _counted_block():
            yield
    finally:
        _anomaly_enabled.set(previous)


def is_anomaly_enabled() -> bool:
    """Whether this thread (and task) is inside ``detect_anomaly()``."""
    return _anomaly_enabled.get()


def _describe(v: Value) -> str:
    """A node as the anomaly messages name it: its label, else its op, and its number."""
    if v.label:
        return f"{v.label} ({v.data!r})"
    if v._children:
        return f"the {v._op or 'unnamed'} node ({v.data!r})"
    return f"a leaf ({v.data!r})"


def _anomaly_in_forward(op: str, data: float, children: tuple) -> None:
    inputs = ", ".join(_describe(c) for c in children[:6])
    if len(children) > 6:
        inputs += f" and {len(children) - 6} more"
    elif len(children) == 1 and op in ("+", "-", "*", "/", "**"):
        inputs += " and a constant"  # which is not a node, so it has no name to give
    raise FloatingPointError(f"detect_anomaly: {op} gave {data!r} from {inputs}")


def _anomaly_in_backward(
    node: Value, child: Value, local: float, g: float, grad: float
) -> None:
    raise FloatingPointError(
        f"detect_anomaly: in backward(), the gradient of {_describe(child)} became "
        f"{grad!r}: {_describe(node)} passed it its local derivative {local!r} times its "
        f"own gradient {g!r}"
    )


class _Pickling(threading.local):
    """What the pickle being written (in this thread) holds already."""

    def __init__(self) -> None:
        self.written: set[int] = set()  # the ids of the nodes in it
        self.pending: Value | None = None  # the node being pickled
        self.marker = _NewPickle()


class _NewPickle:
    """Goes into a pickle with every node. The pickle's memo writes it once, so its
    ``__reduce_ex__`` runs once per pickle, and what ``written`` holds is then another pickle's.
    A node whose inputs were wrongly taken as written finds them missing when they come up, and
    places them first itself."""

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple:
        _pickling.written = {id(_pickling.pending)}
        return bool, ()


_pickling = _Pickling()


def _unwritten(node: Value, written: set[int]) -> list[Value]:
    """The nodes ``node`` depends on that the pickle lacks, each after its inputs.

    The walk of ``_walk``, but it never enters a node already written, so that laying out the
    running values of a chain one by one costs each node once, not once per later value.
    """
    order: list[Value] = []
    seen: set[int] = set()
    stack: list[Value | None] = list(reversed(node._children))
    while stack:
        v = stack.pop()
        if v is None:  # every input of the node below it is placed
            order.append(stack.pop())  # type: ignore[arg-type]
        elif id(v) not in seen and id(v) not in written:
            seen.add(id(v))
            stack.append(v)
            stack.append(None)
            stack.extend(c for c in reversed(v._children) if id(c) not in seen)
    return order


def _rebuilt_after(new_pickle: bool, inputs: list, *fields: object) -> Value:
    """Unpickling: ``inputs`` (the nodes placed first) are rebuilt already; now this node."""
    return _rebuilt(*fields)  # type: ignore[arg-type]


def _unpickle(nodes: list) -> Value:
    """A graph pickled by microprop 0.1 (one flat list), rebuilt: each node after its inputs."""
    made: list[Value] = []
    for n in nodes:
        if type(n) is not Value:
            data, grad, label, op, inputs, local_grads = n
            n = _rebuilt(data, grad, label, op, tuple(made[i] for i in inputs), local_grads)
        made.append(n)
    return made[-1]
