"""Copies and pickles of Values: never one that shares inputs, and no recursion on a deep graph.

A node is pickled as its fields with any of its inputs not yet in the pickle placed first, so the
pickle's memo keeps one copy of a node reached twice and neither pickling nor unpickling
recurses, however deep the graph.
"""

from __future__ import annotations

import threading
from typing import Any, SupportsIndex

from .micrograd import refuse_closure

__all__ = ["Copies"]


def rebuilt(cls: type, data: float, grad: float, label: str, op: str, children: tuple[Any, ...],
            local_grads: tuple[Any, ...]) -> Any:
    """A node with every field given, for copies and unpickling: they rebuild what was made."""
    v: Any = object.__new__(cls)
    v.data, v.grad, v.label, v._op = data, grad, label, op
    v._children, v._local_grads = children, local_grads
    return v


class _Pickling(threading.local):
    """What the pickle being written (in this thread) holds already."""

    def __init__(self) -> None:
        self.written: set[int] = set()  # the ids of the nodes in it
        self.pending: Any = None  # the node being pickled
        self.marker = _NewPickle()


class _NewPickle:
    """Goes into a pickle with every node. The pickle's memo writes it once, so its
    ``__reduce_ex__`` runs once per pickle, and what ``written`` holds is then another pickle's.
    A node whose inputs were wrongly taken as written finds them missing when they come up, and
    places them first itself."""

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        _pickling.written = {id(_pickling.pending)}
        return bool, ()


_pickling = _Pickling()


def _unwritten(node: Any, written: set[int]) -> list[Any]:
    """The nodes ``node`` depends on that the pickle lacks, each after its inputs.

    The engine's walk, but it never enters a node already written, so that laying out the
    running values of a chain one by one costs each node once, not once per later value.
    """
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[Any] = list(reversed(node._children))
    while stack:
        v = stack.pop()
        if v is None:  # every input of the node below it is placed
            order.append(stack.pop())
        elif id(v) not in seen and id(v) not in written:
            seen.add(id(v))
            stack.append(v)
            stack.append(None)
            stack.extend(c for c in reversed(v._children) if id(c) not in seen)
    return order


def rebuilt_after(cls: type, new_pickle: bool, inputs: list[Any], *fields: Any) -> Any:
    """Unpickling: ``inputs`` (the nodes placed first) are rebuilt already; now this node."""
    return rebuilt(cls, *fields)


class Copies:
    """``copy.copy``, ``copy.deepcopy`` and pickle, for a node of a graph."""

    __slots__ = ()
    data: float
    grad: float
    label: str
    _op: str
    _children: tuple[Any, ...]
    _local_grads: tuple[Any, ...]

    def __copy__(self) -> Any:
        """A new leaf with the same data, grad and label; refused for a computed Value."""
        if self._children:
            raise TypeError(
                "copy.copy of a computed Value would share its inputs, so backward() on the copy "
                "would add into the original graph's gradients; use v.detach() for a new leaf "
                "with the same number, or copy.deepcopy(v) for a copy of the whole graph"
            )
        return rebuilt(type(self), self.data, self.grad, self.label, self._op, (), ())

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        # Inputs first, so that each node's inputs are copied before it: the default copy would
        # recurse once per level and fail on a graph about a thousand deep.
        for v in self._topological_order():  # type: ignore[attr-defined]
            if id(v) not in memo:
                refuse_closure(v, "copied with copy.deepcopy")
                children = tuple(memo[id(c)] for c in v._children)
                memo[id(v)] = rebuilt(type(v), v.data, v.grad, v.label, v._op, children,
                                      v._local_grads)
        return memo[id(self)]

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        """Pickle a node as its fields, with any of its inputs not yet in the pickle placed first.

        Every node is its own object in the pickle, so the pickle's memo keeps one copy of a node
        reached twice (in one graph, or from several Values pickled together). The inputs come
        first, inputs before the nodes that use them, so neither pickling nor unpickling
        recurses, however deep the graph.
        """
        if int(protocol) < 2:
            raise TypeError("a Value cannot be pickled with protocol 0 or 1; use 2 or later")
        refuse_closure(self, "pickled")
        fields = (self.data, self.grad, self.label, self._op, self._children, self._local_grads)
        written = _pickling.written
        written.add(id(self))
        if all(id(c) in written for c in self._children):  # a leaf, too
            first: list[Any] = []
        else:
            first = _unwritten(self, written)
        _pickling.pending = self
        return rebuilt_after, (type(self), _pickling.marker, first, *fields)


def unpickle_0_1(cls: type, nodes: list[Any]) -> Any:
    """A graph pickled by microprop 0.1 (one flat list), rebuilt: each node after its inputs."""
    made: list[Any] = []
    for n in nodes:
        if type(n) is not cls:
            data, grad, label, op, inputs, local_grads = n
            n = rebuilt(cls, data, grad, label, op, tuple(made[i] for i in inputs), local_grads)
        made.append(n)
    return made[-1]
