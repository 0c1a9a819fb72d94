"""micrograd's protocols on a Value: ``_prev``, and ``_backward``, the per-node step you may assign.

A node given a ``_backward`` of a user's own keeps it in ``_local_grads`` as a ``UserBackward``,
an empty tuple, so whatever pairs a node's inputs with its local derivatives finds none; on a
graph holding one, ``backward()`` steps node by node with ``node_backward``. While none is alive
it does not even look, so microprop's own ops pay nothing for this.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import partial
from typing import Any

from . import modes
from .floats import to_float

__all__ = ["MicrogradProtocols", "UserBackward", "closure_nodes", "node_backward",
           "recorded_by_hand"]


class UserBackward(tuple[Any, ...]):
    """The ``_local_grads`` of a node given a ``_backward`` of a user's own, held as ``.run``."""

    run: Callable[[], None]


# Weak references to the live nodes with a _backward of a user's own (each removes itself).
closure_nodes: set[weakref.ref[Any]] = set()


def node_backward(node: Any) -> None:
    """The chain rule for one node, as ``backward()`` applies it (``node._backward()``)."""
    local_grads = node._local_grads
    if type(local_grads) is UserBackward:
        local_grads.run()
        return
    g = node.grad
    for child, local in zip(node._children, local_grads):
        child.grad += local * g


def refuse_closure(v: Any, what: str) -> None:
    """A clear error where a node's ``_backward`` closure cannot go: pickles, copies, steps."""
    if type(v._local_grads) is UserBackward:
        raise TypeError(
            f"the {v._op or 'unnamed'} node cannot be {what}: its gradient is a _backward "
            "closure, whose local derivatives are hidden inside it and which no pickle or copy "
            "can carry; define the op with microprop.op (its value and local derivatives) instead"
        )


class MicrogradProtocols:
    """What code written against micrograd reads and writes on a node."""

    __slots__ = ()
    _children: tuple[Any, ...]
    _local_grads: tuple[Any, ...]

    @property
    def _prev(self) -> set[Any]:
        """micrograd's name for the set of inputs, for code written against micrograd."""
        return set(self._children)

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
        if type(local_grads) is UserBackward:
            return local_grads.run
        return partial(node_backward, self)

    @_backward.setter
    def _backward(self, run: Callable[[], None]) -> None:
        if not callable(run):
            raise TypeError(
                f"_backward: expected a function of no arguments, got {type(run).__name__}"
            )
        if not self._children:
            if not modes.grad_enabled.get():
                return  # made inside no_grad(): a leaf, with nothing to pass back
            raise ValueError(
                "_backward: this Value is a leaf, so backward() has no inputs to pass to; "
                "give it its inputs first, as in Value(data, (a, b), 'op')"
            )
        closure = UserBackward()
        closure.run = run
        self._local_grads = closure  # type: ignore[misc]
        closure_nodes.add(weakref.ref(self, closure_nodes.discard))


def recorded_by_hand(children: object, op: object) -> tuple[tuple[Any, ...], tuple[Any, ...], str]:
    """The inputs, local derivatives and name of an op made with ``Value(data, children, op)``:
    micrograd's form (``op`` its name) or microgpt's (``op`` the local derivatives), checked."""
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
        if not isinstance(c, MicrogradProtocols):
            raise TypeError(f"Value(_children): expected Values, got {type(c).__name__} at {i}")
    if isinstance(op, str):
        local: tuple[Any, ...] = ()  # micrograd's: the gradient comes from a _backward set later
    elif isinstance(op, (tuple, list)):
        if len(op) != len(children):
            raise ValueError(
                f"Value(local_grads): expected one local derivative per input "
                f"({len(children)}), got {len(op)}"
            )
        local = tuple(
            d if type(d) is float else to_float(d, f"Value(local_grads[{i}])")
            for i, d in enumerate(op)
        )
        op = ""
    else:
        raise TypeError(
            "Value(_op): expected a str (micrograd's op name) or a tuple of local derivatives, "
            f"one per input (microgpt's), got {type(op).__name__}"
        )
    return tuple(children), local, op
