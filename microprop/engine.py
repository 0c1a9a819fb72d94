"""Scalar reverse-mode automatic differentiation.

A `Value` holds one float. Every operation on Values returns a new Value that remembers its
inputs (``_children``, an ordered tuple), the local derivative of its result with respect to each
of them (``_local_grads``, a tuple of floats, same order) and its op (``_op``: the name a drawing
shows, carrying the op's rule and any constants it was called with). Those three underscore
attributes are the whole recorded graph: no closures and no reference cycles, so a graph is freed
as soon as nothing refers to its root.

Each op is written once, as a rule in ``rules.py`` (its value and local derivatives), and
computed here by evaluating that rule on floats (``floats.py`` holds the number policy).
``backward()`` walks the graph once in reverse topological order and applies the chain rule in a
single place.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from . import careful, floats, pickling, rules
from .careful import Hooks
from .conversions import Conversions
from .floats import is_numpy_bool as _is_numpy_bool
from .floats import to_float as _to_float
from .micrograd import MicrogradProtocols, closure_nodes, recorded_by_hand
from .modes import anomaly_enabled, grad_enabled, is_anomaly_enabled, is_grad_enabled, tracing
from .pickling import Copies
from .rules import ADD, DIV, MUL, MUL_BY_CONSTANT, NEG, POW, POW_OF_CONSTANT, SUB, Op

__all__ = ["Value", "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly",
           "is_anomaly_enabled"]

FLOATS = floats  # the arithmetic eager ops evaluate their rules in
# Value's subclasses, whose instances are nodes too: `type(x) is Value or type(x) in _SUBCLASSES`
# is as fast as `type(x) is Value` for a Value, and faster than isinstance for a float.
_SUBCLASSES: set[type] = set()


class Value(Copies, Hooks, MicrogradProtocols, Conversions):
    """A scalar, its gradient, and the inputs it was computed from.

    Equality and hashing are by identity: two Values holding the same number are different nodes
    of the graph, so ``Value(1.0) == Value(1.0)`` is False. Compare ``.data`` to compare numbers.
    """

    __slots__ = ("data", "grad", "label", "_children", "_local_grads", "_op", "__weakref__")
    # Make NumPy scalars hand `np.float64(2) * v` over to Value.__rmul__ instead of wrapping it.
    __array_ufunc__ = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
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
            self._op: str = ""
        else:
            self._children, self._local_grads, self._op = recorded_by_hand(_children, _op)
            if _open_blocks and not grad_enabled.get() and tracing.get() is None:
                self._children = self._local_grads = ()  # inside no_grad(), as every op: a leaf

    # ---- +, * and -, written out for speed (a test ties each to its rule) ------------------

    def __add__(self, other: Value | float) -> Value:
        """x + y; its derivative is 1 with respect to each of x and y."""
        if type(other) is Value or type(other) in _SUBCLASSES:
            return _result(self.data + other.data, ADD, (self, other), (1.0, 1.0))  # type: ignore[union-attr]
        c = other if type(other) is float else _constant(other)
        if c is None:
            return NotImplemented
        op = ADD.right.get(c) or ADD.with_constant(c, 1)
        return _result(self.data + c, op, (self,), (1.0,))

    def __mul__(self, other: Value | float) -> Value:
        """x * y; its derivative is y with respect to x and x with respect to y."""
        if type(other) is Value or type(other) in _SUBCLASSES:
            y = other.data  # type: ignore[union-attr]
            return _result(self.data * y, MUL, (self, other), (y, self.data))
        c = other if type(other) is float else _constant(other)
        if c is None:
            return NotImplemented
        return _result(self.data * c, MUL_BY_CONSTANT, (self,), (c,))  # d/dx xc = c

    # other + self and other * self: both commute, so the same method serves.
    __radd__ = __add__
    __rmul__ = __mul__

    def __sub__(self, other: Value | float) -> Value:
        """x - y; its derivative is 1 with respect to x and -1 with respect to y."""
        if type(other) is Value or type(other) in _SUBCLASSES:
            return _result(self.data - other.data, SUB, (self, other), (1.0, -1.0))  # type: ignore[union-attr]
        c = other if type(other) is float else _constant(other)
        if c is None:
            return NotImplemented
        op = SUB.right.get(c) or SUB.with_constant(c, 1)
        return _result(self.data - c, op, (self,), (1.0,))

    def __rsub__(self, other: float) -> Value:
        """c - x for a number c; its derivative is -1."""
        c = other if type(other) is float else _constant(other)
        if c is None:
            return NotImplemented
        op = SUB.left.get(c) or SUB.with_constant(c, 0)
        return _result(c - self.data, op, (self,), (-1.0,))

    # ---- every other op: its rule evaluated on floats, and the result recorded -------------

    def __truediv__(self, other: Value | float) -> Value:
        """x / y; its derivative is 1/y with respect to x and -x/y^2 with respect to y."""
        if type(other) is Value or type(other) in _SUBCLASSES:
            out, local = rules.div(FLOATS, self.data, other.data)  # type: ignore[union-attr]
            return _result(out, DIV, (self, other), local)
        return _with_constant(DIV, self, other, 1)

    def __rtruediv__(self, other: float) -> Value:
        """c / x for a number c; its derivative is -c/x^2."""
        return _with_constant(DIV, self, other, 0)

    def __pow__(self, other: Value | float) -> Value:
        """x ** n; its derivative is n x^(n-1) with respect to x and x^n ln x with respect to n."""
        if type(other) is Value or type(other) in _SUBCLASSES:
            out, local = rules.power(FLOATS, self.data, other.data)  # type: ignore[union-attr]
            return _result(out, POW, (self, other), local)
        return _with_constant(POW_OF_CONSTANT, self, other, 1)  # its rule may branch on it

    def __rpow__(self, other: float) -> Value:
        """c ** x for a number c; its derivative is c^x ln c."""
        return _with_constant(POW, self, other, 0)

    def __neg__(self) -> Value:  # recorded as written rather than as self * -1
        """-x; its derivative is -1."""
        out, local = rules.neg(FLOATS, self.data)
        return _result(out, NEG, (self,), local)

    def exp(self) -> Value:
        """e^x; its derivative is e^x."""
        out, local = rules.exp(FLOATS, self.data)
        return _result(out, rules.EXP, (self,), local)

    def log(self) -> Value:
        """ln x, the natural logarithm; its derivative is 1/x."""
        out, local = rules.log(FLOATS, self.data)
        return _result(out, rules.LOG, (self,), local)

    def sqrt(self) -> Value:
        """sqrt(x); its derivative is 1 / (2 sqrt(x)), inf at 0."""
        out, local = rules.sqrt(FLOATS, self.data)
        return _result(out, rules.SQRT, (self,), local)

    def tanh(self) -> Value:
        """tanh(x); its derivative is 1 - tanh(x)^2."""
        out, local = rules.tanh(FLOATS, self.data)
        return _result(out, rules.TANH, (self,), local)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x); its derivative is sigmoid(x) (1 - sigmoid(x))."""
        out, local = rules.sigmoid(FLOATS, self.data)
        return _result(out, rules.SIGMOID, (self,), local)

    def relu(self) -> Value:
        """max(x, 0); its derivative is 1 where x > 0, else 0 (0 at 0, as PyTorch)."""
        out, local = rules.relu(FLOATS, self.data)
        return _result(out, rules.RELU, (self,), local)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x where x > 0, else slope * x; its derivative is 1 where x > 0, else slope."""
        return _with_constant(rules.LEAKY_RELU, self, _to_float(slope, "leaky_relu(slope)"), 1)

    def abs(self) -> Value:
        """|x|; its derivative is the sign of x (0 at 0, as PyTorch)."""
        out, local = rules.abs(FLOATS, self.data)
        return _result(out, rules.ABS, (self,), local)

    def __abs__(self) -> Value:
        """abs(x), the same as x.abs(): |x|; its derivative is the sign of x."""
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
        order = _inner_nodes(self)
        self.grad += 1.0
        if careful.any_hooks() or closure_nodes or _open_blocks:  # one test, then the careful way
            if careful.backward(order, bool(_open_blocks) and anomaly_enabled.get()):
                return
        # Reverse topological order: a node's gradient is complete before it is passed on.
        for node in reversed(order):
            g = node.grad
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * g  # the chain rule

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0.0 on this node and every node it depends on."""
        for node in _walk(self):
            node.grad = 0.0

    def _topological_order(self) -> list[Value]:
        """Every node reachable from this one, each after all of its inputs, in the order of a
        recursive depth-first walk (drawings and explanations number the nodes by it)."""
        return _walk(self)

    # ---- conveniences (reading a Value as a number is conversions.py) ------------------

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        trace = tracing.get() if _open_blocks else None
        if trace is not None:  # compile's trace: a node it computes, passing nothing back
            return trace.detached(self)  # type: ignore[no-any-return]
        return Value(self.data, label=self.label)


# ---- recording: an op's rule on floats, and the one place where edges are recorded -----------


def _result(data: float, op: str, children: tuple[Any, ...], local_grads: tuple[Any, ...]) -> Value:
    """A Value computed by an op: the one place where graph edges are recorded."""
    out = _object_new(Value)  # skips __init__ and its checks: data is already a float
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    if _open_blocks:  # some thread is in no_grad() or detect_anomaly(): is this one?
        if anomaly_enabled.get() and not math.isfinite(data):
            careful.anomaly_in_forward(op, data, children)
        if not grad_enabled.get():
            trace = tracing.get()
            if trace is None:
                children = local_grads = ()
            else:  # compile's trace computes it at each call, but passes no gradient through it
                trace.cut(out)
    out._children = children
    out._local_grads = local_grads
    return out


_object_new = object.__new__


def _with_constant(op: Op, node: Value, other: object, position: int) -> Value:
    """``op`` of a Value and a plain number at ``position`` (0: on the left, 1: on the right):
    its rule on floats, recorded with the number kept in the op (one op shared per number)."""
    c = other if type(other) is float else _constant(other)
    if c is None:
        return NotImplemented  # type: ignore[no-any-return]
    if position:
        out, local = op.rule(FLOATS, node.data, c)
        return _result(out, op.right.get(c) or op.with_constant(c, 1), (node,), local[:1])
    out, local = op.rule(FLOATS, c, node.data)
    return _result(out, op.left.get(c) or op.with_constant(c, 0), (node,), local[1:])


# ---- the two switches: no_grad() and detect_anomaly() -----------------------------------------

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
    previous = grad_enabled.get()
    grad_enabled.set(False)
    try:
        with _counted_block():
            yield
    finally:
        grad_enabled.set(previous)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph again inside a ``no_grad()`` block (PyTorch's ``torch.enable_grad``)."""
    previous = grad_enabled.get()
    grad_enabled.set(True)
    try:
        yield
    finally:
        grad_enabled.set(previous)


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``FloatingPointError`` at the first NaN or inf, naming where it came from.

    Inside, an op whose result is NaN or +-inf raises, naming the op and its inputs, and
    ``backward()`` raises at the first gradient that becomes NaN or +-inf, naming the node and the
    step that made it. Per thread and task, like ``no_grad()``; outside, NaN and inf pass on
    silently.
    """
    previous = anomaly_enabled.get()
    anomaly_enabled.set(True)
    try:
        with _counted_block():
            yield
    finally:
        anomaly_enabled.set(previous)


# ---- the walk and the careful backward --------------------------------------------------------


def _walk(root: Value, leaves: bool = True) -> list[Value]:
    """The nodes ``root`` depends on, each after all of its inputs (with or without the leaves).

    Iterative: a recursive walk would hit Python's recursion limit at about a thousand nodes
    deep, and graphs here can be a million deep. A leaf is placed as soon as it comes off the
    stack. Any other node goes back on with a None above it and its inputs above that; when the
    None comes off, they are all placed, so the node can be too.
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


def _inner_nodes(root: Value) -> list[Value]:
    """_walk(root, leaves=False), each node's .grad set to 0.0 as it is placed: the order
    backward() runs in reverse. Leaves only receive, so they need no place in it (the same order
    as _topological_order() without them: explain's step-through replays it exactly)."""
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root] if root._children else []
    while stack:
        node = stack.pop()
        if node is None:  # every input of the node below it is placed
            node = stack.pop()
            node.grad = 0.0  # type: ignore[union-attr]
            order.append(node)  # type: ignore[arg-type]
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(None)
            for child in reversed(node._children):  # so the first input is placed first
                if child._children and child not in visited:
                    stack.append(child)
    return order


# ---- coercions: what counts as a number ---------------------------------------------------------


def _constant(x: object) -> float | None:
    """A plain real number as a float, or None so that the operator returns NotImplemented."""
    if type(x) is float:
        return x
    if isinstance(x, (bool, numbers.Real)) or _is_numpy_bool(x):
        return _to_float(x, "operand")
    return None


def _operand(x: object, what: str) -> float:
    c = _constant(x)
    if c is None:
        raise TypeError(f"{what}: expected a Value or a real number, got {type(x).__name__}")
    return c


# ---- pickles written by earlier versions name these ------------------------------------------

_rebuilt_after = partial(pickling.rebuilt_after, Value)
_unpickle = partial(pickling.unpickle_0_1, Value)
