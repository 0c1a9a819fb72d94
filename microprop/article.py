"""One forward pass named as the article names it: x_k, z^(l)_j, a^(l)_j, s and C.

The article numbers layers from 1, the inputs being layer 1, so a network's first layer of
neurons computes ``z^(2)_j`` and ``a^(2)_j = f(z^(2)_j)``. ``forward(model, x, y)`` runs the
model on one example neuron by neuron (the very nodes ``model(x)`` makes) and labels them;
drawings and the stepper then show those names, and ``names="article"`` writes the parameters as
``W^(l)_jk`` and ``b^(l)_j`` too.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import _checks
from .engine import Value
from .nn import MLP, Neuron

__all__ = ["forward", "ArticlePass"]

Cost = Callable[[Any, Any], Value]


@dataclass(frozen=True)
class ArticlePass(Mapping[str, Value]):
    """The named values of one forward pass, by name: ``p["z^(2)_1"]``, ``p.s``, ``p.C``.

    ``s`` is the output (a list ``s_1``, ``s_2``, ... for several), ``C`` the cost, or None
    when no target was given.
    """

    s: Value | list[Value]
    C: Value | None
    nodes: dict[str, Value] = field(repr=False)

    def __getitem__(self, name: str) -> Value:
        if name not in self.nodes:
            known = ", ".join(self.nodes)
            raise KeyError(f"ArticlePass: no value is named {name!r}; the names are {known}")
        return self.nodes[name]

    def __iter__(self) -> Iterator[str]:
        # Each value once, by its label: a linear neuron's z (z^(4)_1, that is s) is looked up only.
        return (name for name, v in self.nodes.items() if v.label == name)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def forward(model: MLP, x: Any, y: Any = None, *, cost: Cost | None = None) -> ArticlePass:
    """Run ``model`` on one example ``x`` and name every value as the article does.

    Inputs become ``x_1``, ``x_2``, ...; neuron j of the layer the article numbers l gives
    ``z^(l)_j`` and ``a^(l)_j``; the output is ``s`` (``s_1``, ``s_2``, ... for several), and
    with a target ``y`` the cost is ``C``. By default the cost is the article's
    ``C = (s - y)^2``, built as ``(s - y) * (s - y)`` with ``s - y`` named too, the same numbers
    as ``mse(s, y)``; ``cost=`` takes any function of ``(s, y)``, such as ``cross_entropy``
    for a model with several outputs. Input values given as ``Value`` keep their own label if
    they have one.
    """
    if not isinstance(model, MLP):
        raise TypeError(
            "article.forward(model): expected an MLP such as article_network() or "
            f"MLP(4, [2, 2, 1]), got {type(model).__name__}"
        )
    if cost is not None and not callable(cost):
        raise TypeError(f"article.forward(cost): expected a function of (s, y), got "
                        f"{type(cost).__name__}")
    nodes: dict[str, Value] = {}
    a = _named_inputs(model, x, nodes)
    last = len(model.layers) - 1
    for i, layer in enumerate(model.layers):
        outputs = len(layer.neurons) if i == last else 0
        a = [_neuron(n, a, i + 2, j, outputs, nodes)
             for j, n in enumerate(layer.neurons, start=1)]
    s: Value | list[Value] = a[0] if len(a) == 1 else a
    if y is None:
        return ArticlePass(s, None, nodes)
    C = _cost(s, y, cost, nodes)
    C.label = "C"
    _name(nodes, "C", C)
    return ArticlePass(s, C, nodes)


def _named_inputs(model: MLP, x: Any, nodes: dict[str, Value]) -> list[Value]:
    one = isinstance(x, (Value, numbers.Real)) and not isinstance(x, bool)
    row = [x] if one else _checks.listed(x, "article.forward(x)")  # as model(3.0) takes it
    if len(row) != model.nin:
        raise ValueError(f"article.forward(x): the model takes {model.nin} inputs, got {len(row)}")
    inputs = []
    for k, v in enumerate(row, start=1):
        if not isinstance(v, Value):
            v = Value(_checks.finite(v, f"article.forward(x[{k - 1}])"))
        if not v.label:
            v.label = f"x_{k}"
        _name(nodes, v.label, v)
        inputs.append(v)
    return inputs


def _neuron(neuron: Neuron, a: list[Value], layer: int, j: int, outputs: int,
            nodes: dict[str, Value]) -> Value:
    """Neuron j of article layer ``layer``: z and a named, or s for an output neuron.

    A linear neuron makes one node, a = z: it is named a (or s), and found under both names."""
    z, out = neuron.z_and_a(a)
    if out is not z:
        z.label = f"z^({layer})_{j}"
    out.label = f"a^({layer})_{j}" if not outputs else "s" if outputs == 1 else f"s_{j}"
    _name(nodes, f"z^({layer})_{j}", z)
    _name(nodes, out.label, out)
    return out


def _name(nodes: dict[str, Value], name: str, v: Value) -> None:
    """Look ``v`` up by ``name``; a name taken by another value (an input labelled "s", two
    inputs labelled alike) would make a drawing and a lookup ambiguous, so it is refused."""
    if nodes.get(name, v) is not v:
        raise ValueError(f"article.forward: two values would be named {name!r}; give the "
                         "inputs labels of their own, or none (they are then x_1, x_2, ...)")
    nodes[name] = v


def _cost(s: Value | list[Value], y: Any, cost: Cost | None, nodes: dict[str, Value]) -> Value:
    if cost is not None:
        C = cost(s, y)
        if not isinstance(C, Value):
            raise TypeError(f"article.forward(cost): cost(s, y) gave a {type(C).__name__}, "
                            "expected a Value")
        return C
    if not isinstance(s, Value):
        raise ValueError(
            f"article.forward: the model has {len(s)} outputs, and the article's cost "
            "(s - y)^2 is for one; pass cost=, such as cost=cross_entropy"
        )
    d = s - (y if isinstance(y, Value) else _checks.finite(y, "article.forward(y)"))
    d.label = "s - y"
    _name(nodes, "s - y", d)
    return d * d  # (s - y)^2 as mse writes it, so that C has mse's numbers bit for bit
