"""Why a gradient is what it is: the chain rule as a sum over paths, and backward step by step.

d(root)/d(value) is the sum, over every path from the root down to the value, of the product of
the local derivatives on that path's edges. ``explain`` lists those paths; ``backward_steps``
replays ``backward()`` one node at a time without touching any ``.grad``. Both return plain
data and draw nothing: the drawings of a step are on the drawing side, which reads this data
(``microprop.viz.draw_step(steps, k)`` and ``draw_steps(steps)``); nothing here reaches it.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

from . import _checks
from .careful import chain_rule_steps as _chain_rule_steps
from .engine import Value
from .graph import check_root as _check_root
from .graph import find as _find_value
from .graph import node_name as _node_name
from .graph import number as _number

__all__ = ["explain", "Explanation", "Path", "backward_steps", "BackwardSteps", "Step", "Update"]

_SHOWN = 50  # paths or steps printed in full before the text says how many more there are


@dataclass(frozen=True)
class Path:
    """One path from the root down to the value, and the local derivative on each of its edges.

    ``factors[i]`` is d(nodes[i]) / d(nodes[i + 1]); ``product`` multiplies them root first.
    ``inputs[i]`` is which input of nodes[i] (0 for the first) nodes[i + 1] is: in ``x * x`` the
    two paths differ only there.
    """

    nodes: tuple[Value, ...]
    names: tuple[str, ...]
    factors: tuple[float, ...]
    product: float
    inputs: tuple[int, ...] = ()

    def labels(self) -> list[str]:
        """The names, each input that its parent takes more than once saying which one it is."""
        out = [self.names[0]]
        for i, (parent, child) in enumerate(zip(self.nodes, self.nodes[1:])):
            twice = i < len(self.inputs) and parent._children.count(child) > 1
            out.append(f"{self.names[i + 1]} (input {self.inputs[i] + 1})" if twice
                       else self.names[i + 1])
        return out


@dataclass(frozen=True, repr=False)
class Explanation:
    """d(root)/d(value) as the sum over ``paths`` of their products; ``total`` is that sum."""

    root: Value
    value: Value
    root_name: str
    value_name: str
    paths: tuple[Path, ...]
    total: float

    def __float__(self) -> float:
        return self.total

    def __repr__(self) -> str:
        return (
            f"<Explanation d({self.root_name})/d({self.value_name}) = {_number(self.total)}, "
            f"{_count(len(self.paths), 'path')}>"
        )

    def __str__(self) -> str:
        d = f"d({self.root_name})/d({self.value_name})"
        n = len(self.paths)
        lines = [
            f"{d} by the chain rule, over {_count(n, 'path')} from {self.root_name} down to "
            f"{self.value_name}:",
            "the local derivatives along each path multiply, and the paths add up.",
            "",
        ]
        width = len(f"path {n}:")
        for k, path in enumerate(self.paths[:_SHOWN], 1):
            lines.append(f"path {k}:".ljust(width) + " " + " <- ".join(path.labels()))
            factors = " * ".join(_number(f) for f in path.factors) or "(the value is the root)"
            lines.append(" " * width + f" {factors} = {_number(path.product)}")
        if n > _SHOWN:
            lines.append(f"... and {n - _SHOWN} more paths (all are in .paths)")
        terms = " + ".join(_number(p.product) for p in self.paths) + " = " if 1 < n <= 10 else ""
        lines += ["", f"{d} = {terms}{_number(self.total)}"]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        d = f"&part;{e(self.root_name)}/&part;{e(self.value_name)}"
        rows = []
        for k, path in enumerate(self.paths[:_SHOWN], 1):
            chain = " &larr; ".join(f"<code>{e(n)}</code>" for n in path.labels())
            factors = " &times; ".join(_number(f) for f in path.factors) or "1"
            rows.append(
                f"<tr><td>{k}</td><td style='text-align:left'>{chain}</td>"
                f"<td style='text-align:left'>{factors}</td><td>{_number(path.product)}</td></tr>"
            )
        if len(self.paths) > _SHOWN:
            more = len(self.paths) - _SHOWN
            rows.append(f"<tr><td colspan='4'>&hellip; and {more} more paths (in .paths)</td></tr>")
        return (
            f"<p>{d}: the sum over {_count(len(self.paths), 'path')} of the product of the local "
            "derivatives along each path (root first)</p>"
            "<table><tr><th>path</th><th>nodes</th><th>local derivatives</th><th>product</th></tr>"
            + "".join(rows)
            + f"<tr><th colspan='3' style='text-align:right'>{d} = sum</th>"
            f"<th>{_number(self.total)}</th></tr></table>"
        )


def explain(
    root: Value,
    value: Value | str,
    *,
    max_paths: int = 10_000,
    max_total_length: int = 1_000_000,
) -> Explanation:
    """Every path from ``root`` down to ``value``, with local derivatives, products and their sum.

    The sum is d(root)/d(value), computed from the local derivatives alone (``.grad`` is not
    read), so after ``root.backward()`` it equals ``value.grad``, up to rounding. ``value`` may be
    a Value or the label of exactly one node. The number of paths can grow exponentially with
    depth, and a few paths can each be very long (``sum(losses)`` over 10,000 samples is a chain
    of 10,000 ``+``), so both are counted first: more than ``max_paths`` paths, or more than
    ``max_total_length`` nodes on all paths together (a node counted once per path through it),
    is refused before any path is built.
    """
    _check_root(root, "explain")
    if type(max_paths) is not int or max_paths < 1:
        raise ValueError(f"explain: max_paths must be an int >= 1, got {max_paths!r}")
    _checks.integer(max_total_length, "explain(max_total_length)")
    order = root._topological_order()
    index = {v: i for i, v in enumerate(order)}
    value = _find_value("explain", "value", value, order, index)

    paths = _path_counts(root, value, order, index, max_paths)
    _refuse_closures("explain", [v for v in order if paths[v]], index)
    _check_total_length(root, value, order, index, paths, max_total_length)
    found = _paths(root, value, paths, index)
    total = math.fsum(p.product for p in found)
    return Explanation(
        root,
        value,
        _node_name(root, index[root]),
        _node_name(value, index[value]),
        tuple(found),
        total,
    )


def _path_counts(
    root: Value, value: Value, order: list[Value], index: dict[Value, int], max_paths: int
) -> dict[Value, int]:
    """How many paths lead from each node down to ``value``; too many at the root is refused."""
    # Exact integers, so a count with hundreds of digits is still right, and counting costs one
    # pass over the graph.
    paths: dict[Value, int] = {}
    for v in order:
        paths[v] = 1 if v is value else sum(paths[c] for c in v._children)
    n = paths[root]
    if n > max_paths:
        amount = f"{n:,}" if n < 10**15 else _about(n)
        raise ValueError(
            f"explain: {amount} paths lead from the root to {_node_name(value, index[value])}, "
            f"more than max_paths={max_paths:,}; explain a smaller graph (fewer layers or "
            "inputs, or an intermediate node as the root), or raise max_paths"
        )
    return paths


def _refuse_closures(where: str, nodes: list[Value], index: dict[Value, int]) -> None:
    """Refuse a node whose local derivatives are not recorded: a micrograd ``_backward`` closure.

    Such a node keeps its inputs but no local derivative to pair with them, so a walk over the
    pairs would silently lose every path, and every update, through it.
    """
    for v in nodes:
        if len(v._local_grads) != len(v._children):
            name = _node_name(v, index[v])  # "#10 (cube)", or a label, which gets its op
            name += "" if name.endswith(")") else f" ({v._op or 'unnamed'})"
            raise TypeError(
                f"{where}: {name} was made micrograd's way, "
                "Value(data, children, op), so its gradient is a _backward closure whose local "
                "derivatives are hidden inside it, and the chain rule through it cannot be "
                "written out; define the op with microprop.op (its value and local "
                "derivatives) instead"
            )


def _check_total_length(
    root: Value,
    value: Value,
    order: list[Value],
    index: dict[Value, int],
    paths: dict[Value, int],
    limit: int,
) -> None:
    """Refuse, before building any, paths whose lengths add up to more than ``limit`` nodes."""
    # nodes[v]: the nodes on all paths from v down to value, added up. A path through input c
    # is c's path with v in front, so each of c's paths[c] paths gains one node. One pass.
    nodes: dict[Value, int] = {}
    for v in order:
        nodes[v] = 1 if v is value else sum(nodes[c] + paths[c] for c in v._children)
    if nodes[root] > limit:
        name = _node_name(value, index[value])
        raise ValueError(
            f"explain: the {_count(paths[root], 'path')} from the root to {name} have "
            f"{nodes[root]:,} nodes between them, more than max_total_length={limit:,}; explain "
            "a smaller graph (an intermediate node as the root, such as one sample's loss rather "
            "than their sum), or a value used in fewer places, or raise max_total_length"
        )


def _paths(
    root: Value, value: Value, paths: dict[Value, int], index: dict[Value, int]
) -> list[Path]:
    """Every path from ``root`` down to ``value``, the first input's paths first."""
    # Depth-first, keeping each partial path as a linked list (previous link, node, factor), so
    # a long chain costs its length once rather than once per step.
    found: list[Path] = []
    names: dict[Value, str] = {}  # one str per node, however many paths it lies on
    stack: list[tuple[Value, Any]] = [(root, None)]
    while stack:
        node, link = stack.pop()
        if node is value:
            edges = []
            while link is not None:
                link, child, factor, position = link
                edges.append((child, factor, position))
            edges.reverse()
            nodes = (root, *(c for c, _, _ in edges))
            factors = tuple(f for _, f, _ in edges)
            product = 1.0
            for f in factors:
                product *= f
            for v in nodes:
                if v not in names:
                    names[v] = _node_name(v, index[v])
            inputs = tuple(p for _, _, p in edges)
            found.append(Path(nodes, tuple(names[v] for v in nodes), factors, product, inputs))
            continue
        # Reversed, so the first input's paths come out first.
        edges_out = list(enumerate(zip(node._children, node._local_grads)))
        for position, (child, local) in reversed(edges_out):
            if paths[child]:
                stack.append((child, (link, child, local, position)))
    return found


def _about(n: int) -> str:
    """A huge int in scientific notation; float(n) overflows past 1e308, str(n) past 4300 digits."""
    shift = max(n.bit_length() - 64, 0)
    exponent10 = math.log10(n >> shift) + shift * math.log10(2)
    whole = math.floor(exponent10)
    return f"about {10 ** (exponent10 - whole):.2f}e+{whole}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


# ---- backward, one step at a time ---------------------------------------------------------


@dataclass(frozen=True)
class Update:
    """One input's gradient during a step: ``after = before + local * grad`` of the node."""

    child: Value
    name: str
    local: float
    before: float
    after: float


@dataclass(frozen=True)
class Step:
    """Step ``number`` (from 1) of backward: ``node`` passes its complete ``grad`` to its inputs."""

    number: int
    node: Value
    name: str
    grad: float
    updates: tuple[Update, ...]


class BackwardSteps(Sequence[Step]):
    """What ``backward()`` does, one node per step, in the order it processes them.

    A sequence of ``Step`` records; ``steps[k - 1]`` is step k. ``grads(k)`` gives every node's
    gradient after k steps; ``microprop.viz.draw_step(steps, k)`` draws that moment, and
    ``draw_steps(steps)`` all of them.
    """

    def __init__(
        self,
        root: Value,
        order: list[Value],
        initial: dict[Value, float],
        steps: list[Step],
        accumulate: bool,
    ) -> None:
        self.root = root
        self.order = order
        self.accumulate = accumulate
        self._initial = initial
        self._steps = steps

    def __len__(self) -> int:
        return len(self._steps)

    @overload
    def __getitem__(self, i: int) -> Step: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Step]: ...

    def __getitem__(self, i: int | slice) -> Step | Sequence[Step]:
        return self._steps[i]

    def draw(self, *args: object, **kwargs: object) -> None:
        """Moved to the drawing side, which reads these steps: ``microprop.draw_step``."""
        raise AttributeError("BackwardSteps.draw(k) is now microprop.draw_step(steps, k): the "
                             "steps are plain data, and the drawing reads them")

    def frames(self, *args: object, **kwargs: object) -> None:
        """Moved to the drawing side, which reads these steps: ``microprop.draw_steps``."""
        raise AttributeError("BackwardSteps.frames() is now microprop.draw_steps(steps): the "
                             "steps are plain data, and the drawing reads them")

    def grads(self, k: int | None = None) -> dict[Value, float]:
        """Every node's gradient after ``k`` steps (0: only the root is seeded; default: all)."""
        n = len(self._steps)
        if k is None:
            k = n
        if type(k) is not int or not 0 <= k <= n:
            raise ValueError(
                f"grads: k must be an int from 0 to {n} (the number of steps), got {k!r}"
            )
        grads = dict(self._initial)
        for step in self._steps[:k]:
            for u in step.updates:
                grads[u.child] = u.after
        return grads

    def _rows(self) -> list[tuple[str, ...]]:
        rows: list[tuple[str, ...]] = []
        for step in self._steps[:_SHOWN]:
            first = (str(step.number), step.name, step.node._op, _number(step.grad))
            if not step.updates:
                rows.append(first + ("(no inputs)", "", "", ""))
            for j, u in enumerate(step.updates):
                lead = first if j == 0 else ("", "", "", "")
                rows.append(lead + (u.name, _number(u.local), _number(u.before), _number(u.after)))
        return rows

    def _intro(self) -> str:
        start = (
            "leaves start from their current .grad, as a second backward() would"
            if self.accumulate
            else "every other grad starts at 0, as after zero_grad()"
        )
        name = _node_name(self.root, len(self.order) - 1)
        return (
            f"backward() on {name}, one node per step, in reverse topological order: {name}'s "
            f"grad is set to 1 and {start}; each node passes local * grad to each input"
        )

    def __str__(self) -> str:
        header = ("step", "node", "op", "grad", "input", "local", "before", "after")
        rows = [header, *self._rows()]
        widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
        numeric = {0, 3, 5, 6, 7}
        lines = [*textwrap.wrap(self._intro(), 100), ""]
        for r in rows:
            cells = [
                r[c].rjust(widths[c]) if c in numeric else r[c].ljust(widths[c])
                for c in range(len(header))
            ]
            lines.append("  ".join(cells).rstrip())
        if len(self._steps) > _SHOWN:
            lines.append(f"... and {len(self._steps) - _SHOWN} more steps (all are in this list)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        name = _node_name(self.root, len(self.order) - 1)
        return f"<BackwardSteps: {len(self._steps)} steps of backward() from {name}>"

    def _repr_html_(self) -> str:
        e = html.escape
        head = "".join(
            f"<th>{h}</th>"
            for h in ("step", "node", "op", "grad", "input", "local", "input grad before", "after")
        )
        body = "".join(
            "<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>"
            for row in self._rows()
        )
        more = ""
        if len(self._steps) > _SHOWN:
            more = (
                f"<p>&hellip; and {len(self._steps) - _SHOWN} more steps (all are in this list)</p>"
            )
        return f"<p>{e(self._intro())}</p><table><tr>{head}</tr>{body}</table>{more}"


def _check_updates(order: list[Value], limit: int) -> None:
    """Refuse, before recording any, more than ``limit`` updates: one per edge, steps x inputs."""
    updates = sum(len(v._children) for v in order)
    if updates > limit:
        steps = sum(1 for v in order if v._children)
        raise ValueError(
            f"backward_steps: backward() on this graph takes {_count(steps, 'step')} with "
            f"{updates:,} updates of an input's grad between them, more than "
            f"max_updates={limit:,}; replay a smaller graph (an intermediate node as the "
            "root, such as one sample's loss rather than their sum), or raise max_updates"
        )


def backward_steps(
    root: Value, *, accumulate: bool = False, max_updates: int = 100_000
) -> BackwardSteps:
    """Replay ``root.backward()`` one node at a time, recording each gradient before and after.

    Nothing in the graph changes: no ``.grad`` is read or written, except that with
    ``accumulate=True`` the leaves start from their current ``.grad`` (what a real ``backward()``
    would add to). By default every gradient starts at 0, as after ``zero_grad()``. The numbers
    are computed exactly as ``backward()`` computes them, so the final ones match it bit for bit.
    Leaves have nothing to pass on and are not steps. Each step records one ``Update`` per input
    (a few hundred bytes each), so a graph with more than ``max_updates`` edges in all is refused
    before any is recorded.
    """
    _check_root(root, "backward_steps")
    _checks.flag(accumulate, "backward_steps(accumulate)")
    _checks.integer(max_updates, "backward_steps(max_updates)")
    order = root._topological_order()
    _check_updates(order, max_updates)
    index = {v: i for i, v in enumerate(order)}
    _refuse_closures("backward_steps", order, index)
    names: dict[Value, str] = {}
    grads = {v: (v.grad if accumulate and not v._children else 0.0) for v in order}
    grads[root] += 1.0
    initial = dict(grads)
    # The engine's own chain rule, one edge at a time: the same numbers as backward(), bit for bit.
    # Its edges come node by node, so a dict (kept in insertion order) groups them into steps.
    passed: dict[Value, tuple[float, list[Update]]] = {}
    for node, g, child, local, before in _chain_rule_steps(order, grads):
        after = grads[child]
        if child not in names:  # one str per node, however many nodes use it
            names[child] = _node_name(child, index[child])
        update = Update(child, names[child], local, before, after)
        passed.setdefault(node, (g, []))[1].append(update)
    steps = [
        Step(k, node, _node_name(node, index[node]), g, tuple(updates))
        for k, (node, (g, updates)) in enumerate(passed.items(), 1)
    ]
    return BackwardSteps(root, order, initial, steps, accumulate)
