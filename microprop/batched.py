"""compile's NumPy backend: one trace run over a whole batch, each variable a row of B numbers.

The per-sample trace is written once more, each node's rule evaluated in an arithmetic whose
primitives are NumPy calls, so that a variable holds one number per sample (or one number shared
by all, where it does not depend on the sample). The neurons of a layer, ``dot`` nodes whose
weights are parameters and that read the same inputs, become one matrix product, the article's
``z = W a + b``; in the backward pass ``W^T δ`` passes δ back and ``δ a^T`` is the gradient of
``W``, already summed over the batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from . import rules, source
from .engine import Value
from .floats import MASKED
from .nary import _Index
from .rules import Op

__all__ = ["program", "require_numpy", "Batched", "NotVectorisable", "Fallback"]

_SHOWN_ROWS = 3  # rows of a weight matrix its comment lists


class NotVectorisable(TypeError):
    """The trace holds something one batch cannot follow (named in the message)."""


class Fallback(Exception):
    """A batch met a number it does not decide (an overflow, a NaN, a log of a negative):
    its rows are to run one by one, by the exact path, which gives eager's result or error."""


class Batched:
    """One trace as a NumPy function of the whole batch: ``.source`` and ``.batch(P, rows)``."""

    def __init__(self, text: str, namespace: dict[str, Any], n_params: int, width: int) -> None:
        self.source = text
        self._function = namespace["_batch"]
        self._np = namespace["np"]
        self.n_params, self._width = n_params, width

    def __str__(self) -> str:
        return self.source

    def picked(self, data: Any, picks: Sequence[int]) -> Any:
        """Rows of numbers end to end (an ``array('d')``), those numbered by ``picks``: one
        matrix, a row each, for ``batch``."""
        matrix = self._np.frombuffer(data, dtype=float)
        if self._width:
            return matrix.reshape(-1, self._width)[self._np.asarray(picks, dtype=self._np.intp)]
        return self._np.zeros((len(picks), 0))

    def batch(self, P: Sequence[float], rows: Sequence[Sequence[Any]] | Any
              ) -> tuple[float, tuple[float, ...]]:
        """The sum over ``rows`` of the root's value, and of each parameter's gradient.

        ``P``: the leaves' numbers, parameters first; each row: one call's numbers, flat (an
        index argument's ints among them). Raises ``Fallback`` where a number is not finite or
        NumPy refuses one (an overflow, a division by zero, a domain error), since eager decides
        those case by case (docs/numbers.md).
        """
        np = self._np
        B = len(rows)
        if not B:
            return 0.0, (0.0,) * self.n_params
        try:
            X = np.asarray(rows, dtype=float).reshape(B, self._width).T  # a row per argument
            with np.errstate(over="raise", divide="raise", invalid="raise"):
                total, G = self._function(np.array(P, dtype=float), X, B)
        except (ArithmeticError, ValueError) as error:
            raise Fallback(f"compile(backend='numpy'): {error}; these rows run one by one") \
                from error
        if not (math.isfinite(total) and np.isfinite(G).all()):
            raise Fallback("compile(backend='numpy'): a result is not finite; these rows run one "
                           "by one")
        return float(total), tuple(G.tolist())


def program(root: Value, order: list[Value], arg_ids: dict[int, int], leaves: list[Value],
            n_params: int, indexes: list[Any], trace: Any, names: dict[int, str],
            passing: set[int]) -> Batched:
    """The trace (compile's ``_generate`` arguments, its ``_names``, and the nodes a gradient
    passes through) as a ``Batched``."""
    np = require_numpy()
    _refuse_guards(trace.guards, names)
    computed = [v for v in order if v._children or _reads_an_index(v)]
    layers = _layers(computed, leaves[:n_params], trace.cut_ids)
    writer = _Writer(names, np)
    contributions = writer.forward(computed, layers)
    backward, started = _backward(root, order, names, contributions, layers,
                                  {id(p) for p in leaves[:n_params]}, passing)
    arg_names = source.argument_names(order, arg_ids, indexes, names)
    inputs = _inputs(leaves, writer.used, names) + _arguments(arg_names, indexes, names)
    grads = [f"G[{i}] += _total(d_{names[id(p)]}, B)"
             for i, p in enumerate(leaves[:n_params]) if id(p) in started]
    text = _function_text(
        _labels(leaves + [v for v in order if id(v) in arg_ids], names), inputs, writer.lines,
        backward, grads, names[id(root)], n_params)
    namespace = {**_helpers(np), **writer.namespace}
    exec(compile(text, "<microprop.compile numpy>", "exec"), namespace)
    return Batched(text, namespace, n_params, len(arg_names))


def require_numpy() -> Any:
    """NumPy, imported now (only this backend needs it), or an ImportError saying what to
    install."""
    try:
        import numpy
    except ImportError:
        raise ImportError("compile(backend='numpy'): NumPy is not installed; pip install numpy "
                          "(or microprop[numpy])") from None
    return numpy


# ---- what one batch cannot follow ------------------------------------------------------------


def _about(v: Value) -> str:
    return source.described(v._op, v.label)


def _refuse_guards(guards: list[Any], names: dict[int, str]) -> None:
    """A comparison or conversion of a Value that the trace recorded: fn branches on data, and
    each row of a batch may take another path, which one NumPy function cannot follow."""
    if not guards:
        return
    kind, v, _, _ = guards[0]
    raise NotVectorisable(
        f"compile(backend='numpy'): fn branches on data: the trace compared or converted "
        f"{names.get(id(v), 'a value')} ({_about(v) or 'a leaf'}) with {kind!r}, and each row of "
        "a batch may take another path; write the branch with Value ops (relu, abs, take), or "
        "use backend='python', which checks the branch at every call")


def _reads_an_index(v: Value) -> bool:
    """A take of numbers only, by an index argument: no inputs, yet computed at each call."""
    op = v._op
    return isinstance(op, Op) and op.args is not None and any(
        isinstance(a, _Index) for a in op.args)


# ---- layers: dot nodes that read the same inputs with weights that are parameters ----------


class _Layer:
    """Neurons that form one matrix product ``Z = W @ A + b``: their dot nodes, in order."""

    def __init__(self, number: int, xs: list[Value], biased: bool) -> None:
        self.number, self.xs, self.biased = number, xs, biased
        self.nodes: list[Value] = []
        self.weights: list[list[int]] = []  # each node's weights, as places in P
        self.biases: list[Any] = []  # each node's bias: a place in P, or a constant


def _as_neuron(v: Value, place: dict[int, int]) -> tuple[list[Value], list[int], Any] | None:
    """A dot node's inputs, weights (places in P) and bias (a place, or a constant), where its
    weights are parameters and its inputs Values; else None (it is computed elementwise)."""
    op = v._op
    if not isinstance(op, Op) or op.rule is not rules.dot:
        return None
    children = v._children
    bias: Any
    if op.args is None and len(children) % 2 == 1:
        pairs, last = children[:-1], children[-1]
        if id(last) not in place:
            return None
        bias = place[id(last)]
    elif (op.args is not None and len(op.args) == len(children) + 1 and len(children) % 2 == 0
          and all(a is None for a in op.args[:-1]) and type(op.args[-1]) is float):
        pairs, bias = children, op.args[-1]
    else:
        return None
    ws, xs = pairs[0::2], list(pairs[1::2])
    if not ws or any(id(w) not in place for w in ws):
        return None
    return xs, [place[id(w)] for w in ws], bias


def _layers(computed: list[Value], params: list[Value], cut_ids: set[int]) -> dict[int, _Layer]:
    """Each dot node that belongs to a layer, by its id, to its layer: the nodes with the same
    inputs in the same order (and a bias of the same kind) are one."""
    place = {id(p): i for i, p in enumerate(params)}
    by_inputs: dict[Any, _Layer] = {}
    layer_of: dict[int, _Layer] = {}
    for v in computed:
        neuron = None if id(v) in cut_ids else _as_neuron(v, place)
        if neuron is None:
            continue
        xs, weights, bias = neuron
        key = (tuple(map(id, xs)), type(bias) is int)
        layer = by_inputs.get(key)
        if layer is None:
            layer = by_inputs[key] = _Layer(len(by_inputs) + 1, xs, type(bias) is int)
        layer.nodes.append(v)
        layer.weights.append(weights)
        layer.biases.append(bias)
        layer_of[id(v)] = layer
    return layer_of


# ---- the arithmetic of NumPy source text -----------------------------------------------------


def _call(template: str, *args: Any) -> source.Code:
    depth = 1 + max((getattr(a, "depth", 0) for a in args), default=0)
    return source.Code("call", (template, args), depth)


def _listed(xs: Sequence[Any]) -> str:
    return "(" + ", ".join("{}" for _ in xs) + ",)"


class _Arithmetic(source.Source):
    """The rules' primitives as NumPy calls on rows of numbers; ``+ - * /`` are NumPy's own.
    Where NumPy meets an overflow or a domain error it raises (``np.errstate``), or gives a
    number that is not finite, and the batch falls back to the exact path."""

    def exp(self, x: Any) -> source.Code:
        return _call("np.exp({})", x)

    def log(self, x: Any) -> source.Code:
        return _call("np.log({})", x)

    def sqrt(self, x: Any) -> source.Code:
        return _call("np.sqrt({})", x)

    def tanh(self, x: Any) -> source.Code:
        return _call("np.tanh({})", x)

    def sigmoid(self, x: Any) -> source.Code:
        return _call("_sigmoid({})", x)

    def relu(self, x: Any) -> source.Code:
        return _call("np.where({0} > 0.0, {0}, 0.0)", x)

    def step(self, x: Any) -> source.Code:
        return _call("np.where({} > 0.0, 1.0, 0.0)", x)  # the mask as 0: a NaN falls back

    def leaky_relu(self, x: Any, a: Any) -> source.Code:
        return _call("np.where({0} > 0.0, {0}, {1} * {0})", x, a)

    def leaky_step(self, x: Any, a: Any) -> source.Code:
        return _call("np.where({} > 0.0, 1.0, {})", x, a)

    def sign(self, x: Any) -> source.Code:
        return _call("np.sign({})", x)

    def abs(self, x: Any) -> source.Code:
        return _call("np.abs({})", x)

    def reciprocal(self, x: Any) -> Any:
        return 1.0 / x  # overflow (x subnormal) raises: eager then divides instead

    def pow(self, x: Any, n: Any) -> Any:  # noqa: A003
        if type(n) is float and n.is_integer():
            return source.Code("**", (x, n), getattr(x, "depth", 0) + 1, 4)
        return _call("np.power({}, {})", x, n)  # a negative base to 0.5: invalid, falls back

    power = pow

    def pow_slope(self, x: Any, n: Any) -> Any:
        if type(n) is float and n.is_integer():
            return n * source.Code("**", (x, n - 1.0), getattr(x, "depth", 0) + 1, 4) if n \
                else MASKED  # x ** 0: nothing passes back
        return _call("_pow_slope({}, {})", x, n)

    def pow_log(self, x: Any) -> source.Code:
        return _call("_pow_log({})", x)

    def root(self, x: Any) -> source.Code:
        return _call("np.sqrt({})", x)

    def logsumexp(self, xs: tuple[Any, ...]) -> source.Code:
        return _call("_logsumexp(" + _listed(xs) + ")", *xs)

    def select(self, index: Any, xs: tuple[Any, ...]) -> Any:
        if isinstance(index, int):  # a constant of the trace: the same for every row
            return xs[index]
        return _call("_select({}, " + _listed(xs) + ", B)", index, *xs)

    def chosen(self, index: Any, k: int) -> Any:
        if isinstance(index, int):
            return 1.0 if k == index else MASKED
        return _call(f"np.where({{}} == {k}, 1.0, 0.0)", index)

    def of_your_own(self, rule: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """An op of a user's own: its function of floats called row by row (no NumPy form)."""
        f = self._constant(rule)
        result = self._spill(_call(f"_own({f}, B, " + _listed(args) + ")", *args))
        text = source.written(result, {})
        return (source.name(f"{text}[0]"),
                tuple(source.name(f"{text}[1][{i}]") for i in range(len(args))))


# ---- the forward pass: a line per node, a matrix product per layer ---------------------------


class _Writer(source.Lines):
    """The lines of the forward pass, what the code's namespace holds, and the leaves it reads."""

    def __init__(self, names: dict[int, str], np: Any) -> None:
        super().__init__(names, _Arithmetic)
        self.np = np
        self.used: set[int] = set()  # the leaves and arguments read by name

    def forward(self, computed: list[Value], layers: dict[int, _Layer]) -> dict[int, list[Any]]:
        """Each node's line (a layer's lines at its first node), and each node's contributions
        to its inputs' gradients (``{g}`` for its own), as compile's Python backend has them."""
        contributions: dict[int, list[Any]] = {}
        written: set[int] = set()
        for v in computed:
            layer = layers.get(id(v))
            if layer is None:
                contributions[id(v)] = self.node(v)
            elif id(layer) not in written:
                written.add(id(layer))
                self.layer(layer)
        return contributions

    def node(self, v: Value) -> list[Any]:
        op = v._op
        if not isinstance(op, Op) or not callable(getattr(op, "rule", None)):
            raise NotVectorisable(f"compile(backend='numpy'): the {_about(v) or 'unnamed'} node "
                                  "has no rule (a micrograd closure, or made by hand)")
        self.used.update(id(c) for c in v._children)
        line, contributions = source.node(v, self.names, self.arithmetic, self.spill, _Index)
        self.lines.append(line)
        return contributions

    def layer(self, layer: _Layer) -> None:
        """``Z = W @ A + b`` (A: the inputs, a row each; W: the weights, a row per neuron)."""
        n = layer.number
        self.used.update(id(x) for x in layer.xs)
        W = self.np.array(layer.weights)
        self.namespace[f"_W{n}"] = W
        xs = ", ".join(self.names[id(x)] for x in layer.xs)
        self.lines += [
            f"# layer {n}: the dot nodes {', '.join(self.names[id(v)] for v in layer.nodes)} "
            "read the same inputs: one matrix product",
            f"A{n} = _rows(({xs},), B)  # a^({n}): {len(layer.xs)} x B, a column per sample",
            f"W{n} = P[_W{n}]  # W^({n}): {W.shape[0]} x {W.shape[1]}, {_shown(layer.weights)}"]
        bias = ""
        if layer.biased:
            self.namespace[f"_b{n}"] = self.np.array(layer.biases)
            self.lines.append(f"b{n} = P[_b{n}][:, None]  # b^({n}): "
                              f"{_shown([layer.biases])}, a column")
            bias = f" + b{n}"
        elif any(layer.biases):  # constant biases (0.0, as an unbiased neuron's, adds nothing)
            self.namespace[f"_b{n}"] = self.np.array(layer.biases)[:, None]
            bias = f" + _b{n}"
        self.lines.append(f"Z{n + 1} = W{n} @ A{n}{bias}  # z^({n + 1}) = W^({n}) a^({n})"
                          + (" + b" if bias else ""))
        for j, v in enumerate(layer.nodes):
            self.lines.append(f"{self.names[id(v)]} = Z{n + 1}[{j}]  # {_about(v)}")


def _shown(rows: list[list[Any]]) -> str:
    """Places in P as a comment: ``p0-p3 / p5-p8``, a few rows."""
    def row(r: list[Any]) -> str:
        if len(r) > 1 and r == list(range(r[0], r[0] + len(r))):
            return f"p{r[0]}-p{r[-1]}"
        return " ".join(f"p{i}" for i in r[:6]) + (" ..." if len(r) > 6 else "")

    shown = " / ".join(row(r) for r in rows[:_SHOWN_ROWS])
    return shown + (" / ..." if len(rows) > _SHOWN_ROWS else "")


# ---- the backward pass: δ per node, and per layer W^T δ ---------------------------------------


def _backward(root: Value, order: list[Value], names: dict[int, str],
              contributions: dict[int, list[Any]], layers: dict[int, _Layer], wanted: set[int],
              passing: set[int]) -> tuple[list[str], set[int]]:
    """The chain rule over rows: each node's δ passed to its inputs, a layer's at its first
    node (when every neuron's δ is complete). Returns the lines and the gradients started."""
    needs = source.needed(order, wanted, passing)
    lines = [f"d_{names[id(root)]} = 1.0  # δ of the output: dL/dL, for every sample"]
    deltas = source.Deltas(names, lines)
    deltas.started.add(id(root))
    for v in reversed(order):
        if not v._children or id(v) not in needs:
            continue
        layer = layers.get(id(v))
        if layer is None:
            deltas.node(v, contributions[id(v)], needs)
        elif v is layer.nodes[0]:
            _layer_backward(layer, names, deltas.started, needs, deltas.add, lines)
    return lines, deltas.started


def _layer_backward(layer: _Layer, names: dict[int, str], started: set[int], needs: set[int],
                    add: Callable[[Value, str], None], lines: list[str]) -> None:
    """δ of a layer's neurons as a matrix, then ``δ a^T`` and ``δ`` summed over the batch into
    G, and ``W^T δ`` passed to the inputs (``add`` writes each input's line after these)."""
    deltas = [f"d_{names[id(v)]}" if id(v) in started else "0.0" for v in layer.nodes]
    if all(d == "0.0" for d in deltas):
        return
    n = layer.number
    lines += [f"# layer {n}: δ of z^({n + 1}), a row per neuron, passed back as W^T δ",
              f"dZ{n + 1} = _rows(({', '.join(deltas)},), B)",
              f"dW{n} = dZ{n + 1} @ A{n}.T  # dC/dW^({n}) = δ a^T, summed over the batch",
              _added(f"_W{n}", f"dW{n}", layer.weights)]
    if layer.biased:
        lines += [f"db{n} = dZ{n + 1}.sum(axis=1)  # dC/db^({n}) = δ, summed over the batch",
                  _added(f"_b{n}", f"db{n}", [layer.biases])]
    if any(id(x) in needs for x in layer.xs):
        lines.append(f"dA{n} = W{n}.T @ dZ{n + 1}  # δ passed back: W^T δ, a row per input")
        for k, x in enumerate(layer.xs):
            if id(x) in needs:
                add(x, f"dA{n}[{k}]")


def _added(places: str, g: str, rows: list[list[int]]) -> str:
    """``G[places] += g``, or where a parameter is in two places, each place added."""
    flat = [i for r in rows for i in r]
    if len(set(flat)) == len(flat):
        return f"G[{places}] += {g}"
    return f"_scatter(G, {places}, {g})  # G[{places}] += {g}, a parameter in two places"


# ---- the function as a whole -----------------------------------------------------------------


def _inputs(leaves: list[Value], used: set[int], names: dict[int, str]) -> list[str]:
    """The leaves read by name, from P (those only a layer reads are gathered into its W)."""
    read = [(i, names[id(v)]) for i, v in enumerate(leaves) if id(v) in used]
    if not read:
        return []
    if len(read) == len(leaves):
        return [f"({', '.join(n for _, n in read)},) = P"]
    return [f"({', '.join(n for _, n in read)},) = P[[{', '.join(str(i) for i, _ in read)}]]"]


def _arguments(arg_names: list[str], indexes: list[Any], names: dict[int, str]) -> list[str]:
    """The arguments, a row of B numbers each; an index argument's as ints, checked in range
    for each table a take read it with (out of range: the exact path raises eager's error)."""
    if not arg_names:
        return []
    lines = [f"({', '.join(arg_names)},) = X  # the arguments: a row of B numbers each"]
    for ix in indexes:
        i = names[id(ix)]
        lines.append(f"{i} = {i}.astype(np.intp)")
        lines += [f"_in_range({i}, {n})" for n in ix.lengths]
    return lines


def _labels(inputs: list[Value], names: dict[int, str]) -> list[str]:
    return [f"# {names[id(v)]}: {source.comment(v.label)}" for v in inputs if v.label]


def _function_text(labels: list[str], inputs: list[str], forward: list[str],
                   backward: list[str], grads: list[str], out: str, n_params: int) -> str:
    body = (labels + inputs + ["# forward: each variable a row of B numbers, one per sample "
                               "(or one number, the same for all)"] + forward
            + ["# backward", f"G = np.zeros({n_params})  # the gradients, summed over the batch"]
            + backward + grads + [f"return _total({out}, B), G"])
    return "def _batch(P, X, B):\n" + "".join(f"    {line}\n" for line in body)


def _helpers(np: Any) -> dict[str, Any]:
    """What the generated code calls, besides NumPy's own functions."""
    def _rows(xs: tuple[Any, ...], B: int) -> Any:  # one row per x, each of B numbers
        out = np.empty((len(xs), B))
        for k, x in enumerate(xs):
            out[k] = x  # a row of B, or one number for all
        return out

    def _total(x: Any, B: int) -> float:  # the sum over the batch (x may be one shared number)
        return np.broadcast_to(x, (B,)).sum()  # type: ignore[no-any-return]

    def _scatter(G: Any, places: Any, g: Any) -> None:  # G[places] += g, places repeated too
        np.add.at(G, places, g)

    def _sigmoid(x: Any) -> Any:  # as floats.sigmoid: exp only ever sees a number <= 0
        e = np.exp(-np.abs(x))
        return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))

    def _pow_log(x: Any) -> Any:  # ln x, 0 at 0, NaN below (falls back)
        ln = np.log(np.where(x > 0.0, x, 1.0))
        return np.where(x > 0.0, ln, np.where(x == 0.0, 0.0, np.nan))

    def _pow_slope(x: Any, n: Any) -> Any:  # n x^(n - 1), 0 where n is 0
        return np.where(n != 0.0, n * np.power(x, n - 1.0), 0.0)

    def _logsumexp(xs: tuple[Any, ...]) -> Any:  # the largest taken out: no overflow
        stacked = np.stack(np.broadcast_arrays(*xs))
        m = stacked.max(axis=0)
        return m + np.log(np.exp(stacked - m).sum(axis=0))

    def _select(i: Any, xs: tuple[Any, ...], B: int) -> Any:  # xs[i] for each sample's i
        return _rows(xs, B)[i, np.arange(B)]

    def _in_range(i: Any, n: int) -> None:
        if not ((0 <= i) & (i < n)).all():
            raise ValueError(f"an index out of range for {n} values")

    def _own(rule: Any, B: int, xs: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
        rows = _rows(xs, B).T.tolist()  # the function of floats, sample by sample
        results = [rule.on_floats(tuple(row)) for row in rows]
        slopes = [np.array([float(r[1][k]) for r in results]) for k in range(len(xs))]
        return np.array([r[0] for r in results]), tuple(slopes)

    return {"np": np, "_rows": _rows, "_total": _total, "_scatter": _scatter,
            "_sigmoid": _sigmoid, "_pow_log": _pow_log, "_pow_slope": _pow_slope,
            "_logsumexp": _logsumexp, "_select": _select, "_in_range": _in_range, "_own": _own,
            "_MASKED": 0.0, "_inf": math.inf, "_nan": math.nan}
