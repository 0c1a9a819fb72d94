"""The careful ways through ``backward()``: hooks on a gradient, and ``detect_anomaly``'s checks.

``backward()`` makes one test (is any hook registered, is a ``detect_anomaly()`` block open) and
otherwise runs its plain loop, so that Values without hooks pay nothing for them.
"""

from __future__ import annotations

import math
import numbers
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from .micrograd import UserBackward, closure_nodes, node_backward, refuse_closure

__all__ = ["HookHandle", "Hooks"]


class HookHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook off its Value."""

    def __init__(self, v: Any) -> None:
        self._node = weakref.ref(v)

    def remove(self) -> None:
        """Take the hook off its Value (again: nothing happens)."""
        v = self._node()
        hooks = _hooks.get(v) if v is not None else None
        if v is not None and hooks is not None:
            hooks.pop(self, None)
            if not hooks:
                del _hooks[v]


# The hooks of every Value that has one: empty unless someone registered a hook.
_hooks: weakref.WeakKeyDictionary[Any, dict[HookHandle, Callable[[float], float | None]]] = (
    weakref.WeakKeyDictionary())


def any_hooks() -> bool:
    return bool(_hooks)


def hooked(v: Any) -> bool:
    """Whether ``v`` has a hook (compile refuses a hooked node, and hooks a leaf's gradient)."""
    return bool(_hooks) and v in _hooks


def through_hooks(v: Any, g: float) -> float:
    """``g`` as ``backward()`` would add it to the leaf ``v``: through its hooks, if any."""
    return _hooked(v, g) if _hooks and v in _hooks else g


class Hooks:
    """``register_hook``, as PyTorch's tensors have it."""

    __slots__ = ()

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


def _hooked(v: Any, g: float) -> float:
    """``g`` through the hooks of ``v`` in the order they were registered."""
    for fn in list(_hooks.get(v, {}).values()):
        replaced = fn(g)
        if replaced is not None:
            if isinstance(replaced, Hooks) or not isinstance(replaced, numbers.Real):
                raise TypeError(
                    f"a hook must return a number or None, got {type(replaced).__name__} "
                    f"from {getattr(fn, '__name__', fn)!r:.60}"
                )
            g = float(replaced)
    return g


def _hooks_in(order: list[Any]) -> bool:
    """Whether a node of this graph, or a leaf it reads, has a hook (hooks elsewhere do not
    concern this backward pass)."""
    return any(n in _hooks or any(c in _hooks for c in n._children) for n in order)


def backward_hooked(order: list[Any], checked: bool) -> None:
    """``backward()`` with hooks: each node's gradient goes through its hooks before it is
    passed on, and a hooked leaf's gradient of this pass is summed apart, hooked, then added.
    ``checked``: inside ``detect_anomaly()``, each gradient is checked as it changes."""
    leaves: dict[Any, float] = {}
    for node in reversed(order):
        if type(node._local_grads) is UserBackward:
            raise TypeError("register_hook: a graph with a _backward closure cannot run hooks")
        g = node.grad
        if node in _hooks:
            g = node.grad = _hooked(node, g)
        for child, local in zip(node._children, node._local_grads):
            if not child._children and child in _hooks:
                leaves[child] = leaves.get(child, 0.0) + local * g
            else:
                child.grad += local * g
                if checked and not math.isfinite(child.grad):
                    _anomaly(child, f"{describe(node)} passed it its local derivative "
                                    f"{local!r} times its own gradient {g!r}")
    for leaf, g in leaves.items():
        leaf.grad += _hooked(leaf, g)
        if checked and not math.isfinite(leaf.grad):
            _anomaly(leaf, f"its hooks made its gradient of this pass {g!r}")


def _anomaly(v: Any, how: str) -> None:
    raise FloatingPointError(f"detect_anomaly: in backward(), the gradient of {describe(v)} "
                             f"became {v.grad!r}: {how}")


def chain_rule_steps(order: list[Any], grads: dict[Any, Any]) -> Iterator[tuple[Any, ...]]:
    """backward()'s chain rule one edge at a time, on a dict of gradients, for those who watch it.

    Yields ``(node, its grad, input, local derivative, the input's grad before)`` after each
    update. The same arithmetic in the same order as ``backward()``, so the same bits; used by
    ``detect_anomaly`` and ``explain.backward_steps``. ``backward()`` keeps its own loop on
    ``.grad``, since a generator per edge would make every training step several times slower.
    """
    for node in reversed(order):
        refuse_closure(node, "stepped through")
        g = grads[node]
        for child, local in zip(node._children, node._local_grads):
            before = grads[child]
            grads[child] = before + local * g
            yield node, g, child, local, before


def backward_checked(order: list[Any]) -> None:
    """The chain rule inside ``detect_anomaly()``: raise at the first NaN or infinite gradient."""
    grads = {c: c.grad for node in order for c in (node, *node._children)}
    try:
        for node, g, child, local, _ in chain_rule_steps(order, grads):
            if not math.isfinite(grads[child]):
                child.grad = grads[child]
                _anomaly(child, f"{describe(node)} passed it its local derivative {local!r} "
                                f"times its own gradient {g!r}")
    finally:
        for v, grad in grads.items():
            v.grad = grad


def describe(v: Any) -> str:
    """A node as the anomaly messages name it: its label, else its op, and its number."""
    if v.label:
        return f"{v.label} ({v.data!r})"
    if v._children:
        return f"the {v._op or 'unnamed'} node ({v.data!r})"
    return f"a leaf ({v.data!r})"


def anomaly_in_forward(op: str, data: float, children: tuple[Any, ...]) -> None:
    inputs = ", ".join(describe(c) for c in children[:6])
    if len(children) > 6:
        inputs += f" and {len(children) - 6} more"
    elif len(children) == 1 and op in ("+", "-", "*", "/", "**"):
        inputs += " and a constant"  # which is not a node, so it has no name to give
    raise FloatingPointError(f"detect_anomaly: {op} gave {data!r} from {inputs}")


def backward(order: list[Any], checked: bool) -> bool:
    """backward() where a hook, a micrograd closure or detect_anomaly() (``checked``) asks for
    it; False if none of them concerns this graph, and the plain loop may run."""
    if _hooks and _hooks_in(order):  # a hook on this graph: the backward that calls them
        backward_hooked(order, checked)
        return True
    if closure_nodes and any(type(n._local_grads) is UserBackward for n in order):
        for node in reversed(order):  # a node with a _backward of a user's own
            node_backward(node)
            for child in node._children if checked else ():
                if not math.isfinite(child.grad):
                    _anomaly(child, f"the _backward of {describe(node)} made it so")
        return True
    if checked:
        backward_checked(order)
        return True
    return False
