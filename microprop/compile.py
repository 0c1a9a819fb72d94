"""A compiled mode: trace a function of Values once, then run its graph without building it.

``compile(fn)`` records the ops ``fn`` performs on its first call and evaluates each node's rule
once more, for a backend: as one line of Python per node for the forward pass and one per edge
for the backward pass (the chain rule, unrolled for this graph; ``backend="python"``); as flat
instructions for a small C machine (``"tape"``, ``tape.py``, the default where the extension is
built); or as NumPy code over a whole batch (``"numpy"``, ``batched.py``). The first two run the
same floating-point operations, in the same order, as eager ``backward()``, so the same bits;
the third adds a batch's gradients in another order. What runs is ``compiled.source``.

The rule, as for any tracer (``torch.jit.trace``, ``jax.jit``): tracing records the one path
``fn`` took through its own Python. A function that branches on ``.data``, calls ``random`` or
reads global state is replayed as it ran when traced. What can be detected is: a different
structure of arguments (another length, another int) traces again (or raises, by choice), and
``check=True`` replays eager on the first calls and names the first node that differs. Float
arguments become leaf Values; ints and bools are constants of the trace (one trace per value),
except in the arguments named by ``indices=``: their ints are data, read by ``microprop.take``
(a token id, a class label), so one trace serves every value of them.
Every op of ``engine`` and every ``microprop.op`` compiles (the generated code calls an op's
own function); a node with a micrograd ``_backward`` closure or local derivatives given by hand
(``Value(x, children, local_grads)``) has no formula to compile and is refused at trace time.
Where the fast code meets a number it does not handle inline (an overflow, a division by zero,
a domain error, NaN in ``logsumexp``), that call is replayed by eager microprop, which gives
eager's result or eager's error, exactly.
"""

from __future__ import annotations

import builtins
import gc
import math
import numbers
import re
import textwrap
import threading
import warnings
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from typing import Any

from . import _checks, batched, careful, engine, source, tape
from .engine import Value, _walk
from .floats import MASKED
from .micrograd import UserBackward
from .modes import anomaly_enabled, grad_enabled, tracing
from .nary import _Index
from .rules import Op

__all__ = ["compile", "Compiled", "CompileError", "Rows", "TraceMismatchError"]

_CHUNK = 20000  # generated lines per function: CPython compiles a huge function slowly
_CACHE: OrderedDict[str, Any] = OrderedDict()  # generated source -> its code, most recent last
_CACHE_SIZE = 64
_CACHE_LOCK = threading.Lock()  # threads compiling at once share _CACHE
_EAGER_LOCK = threading.RLock()  # a replay borrows the leaves' .grad; fn may call compiled code
_MOST_TRACES = 64  # per compiled function, by default: each holds its code (about 0.5 MB here)
_MOST_PATHS = 8  # traces of one structure of arguments that took different paths
_CACHED_PARTS = 8  # a program in more chunks than this is compiled afresh, not kept in _CACHE
_CHECKED_CALLS = 3  # check=True compares this many calls against eager
_BIG_SOURCE = 1 << 20  # characters: a source longer than this is kept compressed (a tenth)


class CompileError(TypeError):
    """The graph holds something the compiler cannot turn into code (named in the message)."""


class TraceMismatchError(RuntimeError):
    """``check=True``: the compiled code and eager microprop disagree (the node is named)."""


class _Bail(Exception):
    """Raised by generated code where eager microprop must decide (NaN in logsumexp, ...)."""


class _OtherPath(_Bail):
    """Raised by generated code where a comparison the trace made comes out otherwise now."""


def _bail() -> float:
    raise _Bail


def _other_path() -> None:
    raise _OtherPath


# ---- tracing: fn run once on new leaves; each node records its op, rule and constants -------


def _detach(m: Any, x: Any) -> tuple[Any, ...]:
    return x, (m.masked,)  # the value, passing nothing back: v.detach() inside a trace


_DETACH = Op("detach", _detach)


class _Trace:
    """What a trace keeps that eager would not record: where the function cut the graph
    (``detach()``, results made inside ``no_grad()``), which the code computes at every call
    but passes no gradient through, and each comparison or conversion of a Value with its
    outcome, which the code checks at every call (another outcome is another path)."""

    def __init__(self) -> None:
        self.cut_ids: set[int] = set()
        self.kept: list[Value] = []  # alive while tracing, so that their ids stay theirs
        self.guards: list[tuple[str, Value, object, object]] = []

    def cut(self, v: Value) -> None:
        self.cut_ids.add(id(v))
        self.kept.append(v)

    def detached(self, v: Value) -> Value:
        out = engine._result(v.data, _DETACH, (v,), (MASKED,))
        out.label = v.label
        self.cut(out)
        return out

    def guard(self, kind: str, v: Value, other: object, outcome: object) -> None:
        self.guards.append((kind, v, other, outcome))


@contextmanager
def _tracing(trace: _Trace) -> Any:
    """Record the graph whatever block the caller is in (an outer ``no_grad()`` does not reach
    fn, as in ``torch.func``), telling ``trace`` what eager would not record."""
    token, enabled = tracing.set(trace), grad_enabled.set(True)
    try:
        with engine._counted_block():  # so that each op looks at the switches
            yield
    finally:
        grad_enabled.reset(enabled)
        tracing.reset(token)


@contextmanager
def _collector_paused() -> Any:
    """Python's cyclic collector off while a trace is recorded and turned into code, as fit
    pauses it while it trains: neither holds reference cycles, and the collector would rescan
    the growing graph again and again (a tenth to a fifth of microgpt's tracing time)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


_FLOAT = {float}


def _structure(
    args: tuple[Any, ...], what: str, indices: frozenset[Any] = frozenset()
) -> tuple[tuple[Any, ...], list[Any]]:
    """The shape of the arguments (lists and tuples nested, ints kept) and their floats, flat.

    The ints of the arguments at the positions ``indices`` are data, as the floats: each is an
    ``"i"`` in the shape and its value in ``flat``.
    """
    if indices:
        return _structure_of_any(args, what, indices)
    flat: list[float] = []
    shapes: list[object] = []
    for a in args:  # the usual case first, fast: floats and lists of floats
        if type(a) is float:
            flat.append(a)
            shapes.append("x")
        elif type(a) is list and set(map(type, a)) <= _FLOAT:
            flat.extend(a)
            shapes.append(("x",) * len(a))
        elif type(a) is int:  # a class, a label: a constant of the trace
            shapes.append(("int", a, int))
        else:
            return _structure_of_any(args, what)
    return tuple(shapes), flat


def _structure_of_any(args: tuple[Any, ...], what: str,
                      indices: frozenset[Any] = frozenset()) -> tuple[tuple[Any, ...], list[Any]]:
    flat: list[Any] = []

    def shape(a: object, where: str, holder: int | None) -> object:  # holder: the index argument
        if isinstance(a, (list, tuple)):  # a list is the tuple of its items' shapes
            items = tuple(shape(x, f"{where}[{i}]", holder) for i, x in enumerate(a))
            return ("tuple", items) if isinstance(a, tuple) else items
        if holder is not None:
            if isinstance(a, bool) or not isinstance(a, numbers.Integral):
                raise TypeError(f"{what}: argument {where} is a {type(a).__name__}; argument "
                                f"{holder} holds indices, so expected an int or a list of them")
            flat.append(int(a))  # an Integral
            return "i"
        if isinstance(a, bool) or isinstance(a, numbers.Integral) and not isinstance(a, Value):
            # numpy's ints too: an int is a constant of the trace; its type is part of the key,
            # since True == 1 and np.int64(1) == 1 and fn may tell them apart
            return ("int", a, type(a))
        if isinstance(a, Value):
            flat.append(a.data)
            return "x"
        if isinstance(a, numbers.Real):
            flat.append(float(a))
            return "x"
        raise TypeError(
            f"{what}: argument {where} is a {type(a).__name__}; expected a number, a Value, "
            "or a list or tuple of them"
        )

    return tuple(shape(a, str(k), k if k in indices else None) for k, a in enumerate(args)), flat


def _rebuild(shape: object, flat: Iterable[float], traced: bool = False) -> Any:
    """The arguments again, each float a new leaf Value, from their shape; each index an int,
    or when ``traced``, an ``_Index`` that only ``take`` accepts."""
    it = enumerate(flat)

    def made(s: str) -> Any:
        slot, x = next(it)
        if s == "x":
            return Value(x)
        return _Index(int(x), slot) if traced else x

    return _built(shape, made)


def _rebuild_plain(shape: object, flat: Iterable[float]) -> list[Any]:
    it = iter(flat)
    return _built(shape, lambda s: next(it))


def _built(shape: object, made: Callable[[str], Any]) -> list[Any]:
    """The arguments from their shape: ``made("x")`` for each float, ``made("i")`` for each
    index, ints as traced, lists and tuples as they were."""
    def build(s: Any) -> Any:
        if s in ("x", "i"):
            return made(s)
        if s[:1] == ("int",):
            return s[1]
        if s[:1] == ("tuple",):
            return tuple(build(x) for x in s[1])
        return [build(x) for x in s]

    return [build(s) for s in shape]  # type: ignore[attr-defined]


def _leaves_of(built: Any) -> list[Value | _Index]:
    out: list[Value | _Index] = []
    stack = [built]
    while stack:
        a = stack.pop()
        if isinstance(a, (list, tuple)):
            stack.extend(reversed(a))
        elif isinstance(a, (Value, _Index)):
            out.append(a)
    return out


# ---- from the recorded graph to lines of code: each node's rule, evaluated on source text -----


_comment, _described = source.comment, source.described


def _about(v: Value) -> str:
    return _described(v._op, v.label)


def _refuse_ruleless(order: list[Value]) -> None:
    """Every computed node must carry a rule: the compiler evaluates it, and nothing else."""
    for v in order:
        if not (v._children or _computed_without_inputs(v)):
            continue
        op = v._op
        if type(v._local_grads) is UserBackward:
            raise CompileError(f"compile: the {_comment(str(op)) or 'unnamed'} node has a "
                               "micrograd _backward closure, whose derivative the compiler "
                               "cannot read; define the op with microprop.op instead")
        if not isinstance(op, Op):
            raise CompileError(f"compile: the {_comment(str(op)) or 'unnamed'} node was made by "
                               "hand (Value(data, children, ...)), so it has no rule to compile; "
                               "define the op with microprop.op instead")


def _computed(v: Value) -> bool:
    return bool(v._children) or _computed_without_inputs(v)


def _computed_without_inputs(v: Value) -> bool:
    """A take of numbers only, by an index argument: no inputs, yet not a leaf (its value
    depends on the index). Any other node without inputs is a leaf, read at each call."""
    op = v._op
    return (not v._children and isinstance(op, Op) and op.args is not None
            and any(isinstance(a, _Index) for a in op.args))


def _range_checks(indexes: list[_Index], names: dict[int, str]) -> list[str]:
    """One line per index argument and length of table a take read it with while tracing, used
    or not (eager raises for an unused one too): out of range, eager decides."""
    return [f"if not 0 <= {names[id(ix)]} < {n}: _bail()" for ix in indexes for n in ix.lengths]


class _Writer(source.Lines):
    """The lines of one program's forward pass, and what its code's namespace must hold."""

    def guard(self, kind: str, v: Value, other: object, outcome: object) -> str:
        """The line that checks, at each call, that a comparison or conversion the trace made
        comes out as it did (otherwise fn takes another path: ``_other_path()``)."""
        x = self.names[id(v)]
        if kind in ("<", "<=", ">", ">="):
            y = self.names[id(other)] if isinstance(other, Value) else self.number(other)
            test = f"{x} {kind} {y}"
            return f"if {'not ' if outcome else ''}{test}: _other_path()"
        if kind == "bool":
            return f"if {'not ' if outcome else ''}{x}: _other_path()"
        if kind == "int":
            return f"if int({x}) != {outcome!r}: _other_path()"
        if kind == "round":
            digits = "" if other is None else f", {self.number(other)}"
            return f"if not _same(round({x}{digits}), {self.number(outcome)}): _other_path()"
        return f"if not _same({x}, {self.number(outcome)}): _other_path()"  # float(v), v.item()

    def number(self, c: object) -> str:
        """A number of the trace as the code reads it: exactly, whatever its type."""
        if type(c) is float:
            return source.literal(c)
        return repr(c) if type(c) in (int, bool) else self.constant(c)

    def node(self, v: Value) -> list[str | None]:
        """The line of ``v``'s value, from its rule; returns its contributions to its inputs'
        gradients (``{g}`` for its own gradient), None where it passes back nothing."""
        line, contributions = source.node(v, self.names, self.arithmetic, self.spill, _Index)
        self.lines.append(line)
        return contributions


class _Program:
    """One trace: the leaves it reads, and its code for the backend that runs it (generated
    Python, a tape for the C machine, or NumPy code over the batch)."""

    def __init__(self, fn: Callable[..., Any], shape: tuple[Any, ...], flat: list[float],
                 params: list[Any] | None, keep_graph: bool, backend: str = "python") -> None:
        self.shape = shape
        args = _rebuild(shape, flat, traced=True)
        arg_leaves = _leaves_of(args)
        trace = _Trace()
        with _tracing(trace):
            root = fn(*args)
        if not isinstance(root, Value):
            raise TypeError(f"compile(fn): fn returned a {type(root).__name__}; expected a Value "
                            "(a scalar, such as a loss)")
        walked = _walk(root)
        # where a gradient passes: the whole graph, unless fn cut it somewhere
        passing = _passing(root, trace.cut_ids) if trace.cut_ids else set(map(id, walked))
        order = _with_compared(walked, trace.guards)
        _refuse_hooks(order)
        _refuse_ruleless(order)
        arg_ids = {id(a): i for i, a in enumerate(arg_leaves)}
        indexes = [a for a in arg_leaves if isinstance(a, _Index)]
        leaves = [v for v in order if not v._children and id(v) not in arg_ids
                  and not _computed_without_inputs(v)]
        if params is None:
            self.params = leaves
        else:
            wanted = {id(p) for p in params}
            self.params = list(params)
            leaves = self.params + [v for v in leaves if id(v) not in wanted]
        self.leaves = leaves  # params first, then other leaves, read at every call
        self.backend, self.fell_back = backend, ""
        self._tape: tape.Tape | None = None
        self._batched: Any = None
        self._more: str | None = None
        self._source: str | bytes = ""
        if backend == "tape":
            try:
                self._tape = tape.build(order, root, leaves, arg_leaves, len(self.params),
                                        trace.guards, passing, _computed, _described)
            except tape.NotOnTape as why:
                self.backend, self.fell_back = "python", str(why)
        elif backend == "numpy":
            names = _names(order, arg_ids, leaves, len(self.params), indexes)
            self._batched = batched.program(root, order, arg_ids, leaves, len(self.params),
                                            indexes, trace, names, passing)
        if self.backend == "python" or keep_graph:  # check=True names a node by its Python
            source, self._more, self._namespace = _generate(
                root, order, arg_ids, leaves, len(self.params), indexes, trace, passing)
            self._source = (zlib.compress(source.encode(), 1) if len(source) > _BIG_SOURCE
                            else source)
            self.step = self._namespace["_step"]
        self.order = order if keep_graph else None  # check=True compares it with a new trace

    @property
    def source(self) -> str:
        """What runs, as a person reads it: Python lines, the tape's table, or NumPy code."""
        if self._tape is not None:
            return str(self._tape)
        if self._batched is not None:
            return self._batched.source  # type: ignore[no-any-return]
        s = self._source
        return s if isinstance(s, str) else zlib.decompress(s).decode()

    def _extra(self, name: str) -> Callable[..., Any] | None:
        """``_batch`` or ``_values``, compiled on first use (only where one function fits)."""
        if self._more is None:
            return None
        if name not in self._namespace:
            exec(_code(self._more), self._namespace)
        return self._namespace[name]  # type: ignore[no-any-return]

    @property
    def batch(self) -> Callable[..., Any] | None:
        """``batch(P, rows, G)``: the rows' summed value and gradients (raises _Bail where a
        row needs eager microprop)."""
        if self._tape is not None:
            return self._tape_batch
        if self._batched is not None:
            return self._numpy_batch
        return self._extra("_batch")

    def _tape_batch(self, P: list[float], rows: Any, G: Any) -> tuple[float, Any]:
        ended, total, grads = self._tape.batch(P, rows)  # type: ignore[union-attr]
        if ended != tape.RAN:
            raise _Bail
        return total, grads

    def _numpy_batch(self, P: list[float], rows: Any, G: Any) -> tuple[float, Any]:
        try:
            return self._batched.batch(P, rows)  # type: ignore[no-any-return]
        except batched.Fallback:
            raise _Bail from None

    @property
    def values(self) -> Callable[..., Any] | None:
        return self._extra("_values")

    def run_rows(self, P: list[float], rows: Rows, picks: array[int]) -> tuple[float, Any]:
        """The picked rows' summed value and gradients (raises _Bail where one needs eager)."""
        if self._tape is not None:
            ended, total, grads = self._tape.batch(P, rows.data, picks)
            if ended != tape.RAN:
                raise _Bail
            return total, grads
        if self._batched is not None:  # the picked rows as one matrix, copied once
            return self._numpy_batch(P, self._batched.picked(rows.data, picks), None)
        batch = self.batch
        if batch is None:  # a program split into functions: row by row
            raise _Bail
        return batch(P, [rows.flats[i] for i in picks], (0.0,) * len(self.params))  # type: ignore[no-any-return]

    def run(self, flat: Sequence[float]) -> tuple[float, tuple[Any, ...]]:
        P = [v.data for v in self.leaves]
        if self._tape is not None:
            ended, value, grads = self._tape.run(P, flat)
            if ended != tape.RAN:
                raise _OtherPath if ended == tape.OTHER_PATH else _Bail
            return value, grads
        if self._batched is not None:
            return self._numpy_batch(P, [flat], None)
        return self.step(P, flat)  # type: ignore[no-any-return]


def _passing(root: Value, cut_ids: set[int]) -> set[int]:
    """The nodes a gradient passes through: those reached from the root without going through a
    node fn cut (detach(), no_grad()), which, as eager's fresh leaf, passes nothing on."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        v = stack.pop()
        if id(v) in seen or id(v) in cut_ids:
            continue
        seen.add(id(v))
        stack.extend(v._children)
    return seen


def _with_compared(order: list[Value], guards: list[Any]) -> list[Value]:
    """``order`` and, after it, what else the guards compare (a value fn compared and then
    dropped, as ``max(a, b)`` drops one): the code computes it at each call to check."""
    seen = set(order)
    for g in guards:
        for x in (g[1], g[2]):
            if isinstance(x, Value) and x not in seen:
                more = [v for v in _walk(x) if v not in seen]
                seen.update(more)
                order.extend(more)
    return order


def _refuse_hooks(order: list[Value]) -> None:
    for v in order:
        if v._children and careful.hooked(v):
            raise CompileError(f"compile: the {_about(v)} node has a hook (register_hook), which "
                               "compiled code cannot call at each step; run fn eagerly, or put "
                               "the hook on a leaf (a parameter's hook is applied)")


def _names(order: list[Value], arg_ids: dict[int, int], leaves: list[Value],
           n_params: int, indexes: list[Any]) -> dict[int, str]:
    """Each variable named by its place, never by its label: a label is data (it may hold any
    character, or be the same as another), so it appears only in comments."""
    names: dict[int, str] = {}
    for i, v in enumerate(leaves):
        names[id(v)] = f"p{i}" if i < n_params else f"k{i - n_params}"
    for v in order:
        if id(v) in arg_ids:
            names[id(v)] = f"x{arg_ids[id(v)]}"
    for ix in indexes:
        names[id(ix)] = f"i{ix.slot}"
    for k, v in enumerate(order):
        if id(v) not in names:  # the nodes computed from others
            names[id(v)] = f"v{k}"
    return names


def _forward_lines(order: list[Value], writer: _Writer, guards: list[Any]) -> dict[int, list[Any]]:
    """The forward pass, a line per node (in ``writer.lines``), each guard as soon as what it
    compares is computed, and each node's contributions (with ``{g}`` open)."""
    place = {id(v): k for k, v in enumerate(order)}
    after: dict[int, list[Any]] = {}
    for g in guards:
        k = max(place[id(x)] for x in (g[1], g[2]) if isinstance(x, Value))
        after.setdefault(k, []).append(g)
    contributions: dict[int, list[Any]] = {}
    for k, v in enumerate(order):
        if v._children or _computed_without_inputs(v):
            contributions[id(v)] = writer.node(v)
        for g in after.get(k, ()):
            writer.lines.append(writer.guard(*g))
    return contributions


def _labels(names: dict[int, str], inputs: list[Any]) -> list[str]:
    """A comment per labelled variable read from outside (parameters, other leaves, arguments):
    which is which, in the order of the variables."""
    return [f"# {names[id(v)]}: {_comment(v.label)}" for v in inputs if v.label]


def _backward_lines(root: Value, order: list[Value], names: dict[int, str],
                    contributions: dict[int, list[Any]], wanted: set[int],
                    passing: set[int]) -> tuple[list[Any], set[Any]]:
    """The chain rule unrolled: for each node in reverse order, its δ passed to its inputs.
    ``passing``: the nodes a gradient passes through (the root's graph, less where fn cut it)."""
    needs = source.needed(order, wanted, passing)
    lines = [f"d_{names[id(root)]} = 1.0  # δ of the output: dL/dL"]
    deltas = source.Deltas(names, lines)
    deltas.started.add(id(root))
    for v in reversed(order):
        if v._children and id(v) in needs:
            deltas.node(v, contributions[id(v)], needs)
    return lines, deltas.started


def _generate(root: Value, order: list[Value], arg_ids: dict[int, int], leaves: list[Value],
              n_params: int, indexes: list[Any], trace: _Trace,
              passing: set[int]) -> tuple[str, str | None, dict[str, Any]]:
    """The source of ``_step(P, X)`` (and ``_batch``, ``_values`` when it fits one function);
    ``passing``: the nodes a gradient passes through (the root's graph, less where fn cut it)."""
    names = _names(order, arg_ids, leaves, n_params, indexes)
    writer = _Writer(names)
    contributions = _forward_lines(order, writer, trace.guards)
    arg_leaves = sorted((v for v in order if id(v) in arg_ids), key=lambda v: arg_ids[id(v)])
    forward = _labels(names, leaves + arg_leaves) + _range_checks(indexes, names) + writer.lines
    del writer.lines
    params = leaves[:n_params]
    backward, started = _backward_lines(root, order, names, contributions,
                                        {id(p) for p in params}, passing)
    leaf_names = [names[id(v)] for v in leaves]
    arg_names = source.argument_names(order, arg_ids, indexes, names)
    grads = [f"d_{names[id(p)]}" if id(p) in started else "0.0" for p in params]
    out = names[id(root)]
    body = forward + backward
    namespace = {**source.NAMESPACE, "_bail": _bail, "_other_path": _other_path,
                 "_same": _same, **writer.namespace}
    if len(body) <= _CHUNK:
        text, more = _one_function(leaf_names, arg_names, forward, backward, out, grads)
        exec(_code(text), namespace)
        return text, more, namespace
    del forward, backward
    parts = _chunked(leaf_names, arg_names, body, out, grads)
    del body
    cached = len(parts) <= _CACHED_PARTS
    for part in parts:  # one at a time: CPython's tree of a whole big source takes gigabytes
        exec(_code(part) if cached else builtins.compile(part, "<microprop.compile>", "exec"),
             namespace)
    return "\n\n".join(parts), None, namespace


def _unpack(names: list[str], what: str) -> str:
    if not names:
        return ""
    return f"({_wrapped(names)}) = {what}"


def _wrapped(names: list[str]) -> str:
    """``a, b, c,`` on one line if short, else a few names a line, indented for a function body."""
    one = ", ".join(names) + ","
    if len(one) <= 80:
        return one
    return "\n" + "".join(f"        {line}\n" for line in textwrap.wrap(one, 88)) + "    "


def _one_function(leaf_names: list[str], arg_names: list[str], forward: list[str],
                  backward: list[str], out: str, grads: list[str]) -> tuple[str, str]:
    """``_step`` (the source shown), and ``_batch`` and ``_values`` (compiled when used)."""
    def block(lines: list[str], indent: str) -> str:
        return "".join(f"{indent}{line}\n" for line in lines if line)

    g = _wrapped(grads) if grads else ""
    acc = [f"G{i}" for i in range(len(grads))]
    row = f"({', '.join(arg_names)},)" if arg_names else "_"
    return (
        "def _step(P, X):\n"
        + block([_unpack(leaf_names, "P"), _unpack(arg_names, "X"), "# forward"], "    ")
        + block(forward, "    ") + "    # backward\n" + block(backward, "    ")
        + f"    return {out}, ({g})\n"
    ), (
        "def _batch(P, rows, G):\n"
        + block([_unpack(leaf_names, "P"), _unpack(acc, "G"), "total = 0.0"], "    ")
        + f"    for {row} in rows:\n"
        + block(forward + backward + [f"total += {out}"], "        ")
        + block([f"G{i} += {d}" for i, d in enumerate(grads)], "        ")
        + f"    return total, ({', '.join(acc)}{',' if acc else ''})\n\n\n"
        + "def _values(P, X):\n"
        + block([_unpack(leaf_names, "P"), _unpack(arg_names, "X")], "    ")
        + block(forward, "    ") + "    return locals()\n"
    )


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def _chunked(leaf_names: list[str], arg_names: list[str], body: list[str], out: str,
             grads: list[str]) -> list[str]:
    """Functions of at most _CHUNK lines, passing the variables they share through a list S;
    the source of each, ``_step`` last."""
    chunks = [body[i:i + _CHUNK] for i in range(0, len(body), _CHUNK)]
    inputs = leaf_names + arg_names
    written_in: dict[str, int] = {name: -1 for name in inputs}  # first chunk that writes it
    last_read: dict[str, int] = {}
    used: list[set[str]] = []  # the names each chunk reads or writes
    for i, chunk in enumerate(chunks):
        here: set[str] = set()
        for line in chunk:
            if line.startswith("#"):
                continue
            code = line.split("  #", 1)[0]
            if code.startswith("if "):
                target, expression = "", code
            elif " += " in code:
                target, _, expression = code.partition(" += ")
                last_read[target] = i
            else:
                target, _, expression = code.partition(" = ")
            names = _IDENTIFIER.findall(expression)
            last_read.update(dict.fromkeys(names, i))
            here.update(names)
            for t in target.split(","):
                if t.strip():
                    written_in.setdefault(t.strip(), i)
                    here.add(t.strip())
        used.append(here)
    for name in [out, *grads]:
        last_read[name] = len(chunks)
    slot = {name: k for k, name in enumerate(n for n in written_in if n in last_read)}
    parts = []
    for i, (chunk, here) in enumerate(zip(chunks, used)):
        loads = [f"    {n} = S[{slot[n]}]" for n in sorted(here)
                 if n in slot and written_in[n] < i]
        stores = [f"    S[{slot[n]}] = {n}" for n in sorted(here)
                  if n in slot and last_read.get(n, -1) > i and written_in[n] <= i]
        lines = [f"    {line}" for line in chunk]
        parts.append(f"def _c{i}(S):\n" + "\n".join(loads + lines + stores + ["    pass"]) + "\n")
    fill = [f"    S[{slot[n]}] = {src}[{k}]" for src, names in (("P", leaf_names), ("X", arg_names))
            for k, n in enumerate(names) if n in slot]
    calls = [f"    _c{i}(S)" for i in range(len(chunks))]
    result = ", ".join(f"S[{slot[g]}]" if g in slot else g for g in grads)
    parts.append("def _step(P, X):\n" + f"    S = [None] * {len(slot)}\n" + "\n".join(fill + calls)
                 + f"\n    return S[{slot[out]}], ({result}{',' if grads else ''})\n")
    return parts


def _code(source: str) -> Any:
    """The compiled code of a source, cached: the same structure is compiled once."""
    with _CACHE_LOCK:
        code = _CACHE.get(source)
        if code is not None:
            _CACHE.move_to_end(source)
            return code
    code = builtins.compile(source, "<microprop.compile>", "exec")  # outside: it can be slow
    with _CACHE_LOCK:
        _CACHE[source] = code
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return code


# ---- the public object ------------------------------------------------------------------------


class Compiled:
    """``fn`` traced once per structure of arguments, run as generated Python.

    ``compiled(*args)`` returns ``(value, grads)``: the value of ``fn(*args)`` and its gradient
    with respect to each parameter (``compiled.parameters``, in that order), the same bits as
    eager ``fn(*args).backward()`` from zero gradients. ``compiled.accumulate(rows)`` adds the
    gradients of a whole batch into the parameters' ``.grad`` and returns the summed value: each
    sample's gradient is added into a running total in the order of the rows, then the total
    into ``.grad`` (eager's one big graph adds in its own order: the same to about 1e-15).
    """

    def __init__(self, fn: Callable[..., Any], params: list[Value] | None, retrace: bool,
                 check: bool, indices: frozenset[Any] = frozenset(),
                 max_traces: int = _MOST_TRACES, backend: str | None = None) -> None:
        self.fn, self._params, self.retrace, self.check = fn, params, retrace, check
        self._asked = backend  # None: the fastest this install has
        self._what = f"compiled {getattr(fn, '__name__', 'fn')}"  # how errors name it
        self._backend = backend or ("tape" if tape.available() else "python")
        self.indices, self.max_traces = indices, max_traces
        self._arguments_named = 1 + max(indices, default=-1)  # by indices: at least this many
        # The traces by structure of arguments, the most recently used last; each structure's
        # list holds a trace per path fn took through comparisons of Values.
        self._programs: OrderedDict[tuple[Any, ...], list[_Program]] = OrderedDict()
        self._lock = threading.RLock()  # threads calling one compiled function trace in turn
        self._warned: set[str] = set()
        self._latest: _Program | None = None
        self._checks_left = _CHECKED_CALLS if check else 0
        self._arity: int | None = None

    @property
    def parameters(self) -> list[Value]:
        """The parameters of the latest trace, in the order of the gradients a call returns."""
        return self._program_or_raise().params

    @property
    def source(self) -> str:
        """The code of the latest trace, as a person reads it: the generated Python, the tape
        as a table, or the NumPy code, by its backend."""
        return self._program_or_raise().source

    @property
    def backend(self) -> str:
        """What runs the latest trace: ``"python"``, ``"tape"`` or ``"numpy"`` (before the
        first call, what will)."""
        return self._latest.backend if self._latest is not None else self._backend

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        traces = sum(map(len, self._programs.values()))
        name = getattr(self.fn, "__name__", self.fn)
        return f"<microprop.compile of {name!r}: {traces} trace(s)>"

    def _program_or_raise(self) -> _Program:
        if self._latest is None:
            raise RuntimeError("compile: nothing traced yet; call the compiled function once")
        return self._latest

    def _program(
        self, args: tuple[Any, ...]
    ) -> tuple[list[_Program], tuple[Any, ...], list[float]]:
        """The traces of the arguments' structure (traced now if it is new), it, and the
        arguments' numbers."""
        what = self._what
        if self._arity is not None and len(args) != self._arity:
            raise TypeError(f"{what}: expected {self._arity} argument(s), as traced, got "
                            f"{len(args)}")
        if len(args) < self._arguments_named:
            raise TypeError(f"{what}: compile(indices) names argument "
                            f"{self._arguments_named - 1}, but it was called with {len(args)}")
        shape, flat = _structure(args, what, self.indices)
        paths = self._paths(shape, flat, len(args), what)
        return paths, shape, flat

    def _paths(self, shape: tuple[Any, ...], flat: list[Any], n_args: int,
               what: str) -> list[_Program]:
        """The traces of one structure of arguments, traced now if it is new."""
        paths = self._programs.get(shape)
        if paths is None:
            with self._lock:  # one thread traces; another waiting finds its trace
                paths = self._programs.get(shape)
                if paths is None:
                    if self._programs and not self.retrace:
                        raise ValueError(f"{what}: the arguments' structure changed: now "
                                         f"{_shown(shape)}, traced with "
                                         f"{_shown(next(iter(self._programs)))}; pass "
                                         "retrace=True to trace again for each new structure")
                    paths = self._programs[shape] = [self._trace(shape, flat)]
                    self._arity = n_args
        elif len(self._programs) > 1:
            try:
                self._programs.move_to_end(shape)  # the most recently used last
            except KeyError:
                pass  # another thread has just dropped it: it is traced again when needed
        self._latest = paths[0]
        return paths

    def _trace(self, shape: tuple[Any, ...], flat: list[float], stacklevel: int = 6) -> _Program:
        """A new trace, within the bound: past it, the least recently used one is dropped.
        ``stacklevel``: where the user's call is (6: _warn, _trace, _paths, _program, the
        public method; 5 from _run)."""
        with _collector_paused():
            program = _Program(self.fn, shape, flat, self._params, self.check, self._backend)
        if program.fell_back and self._asked == "tape":
            self._warn("tape", f"compile(backend='tape'): {program.fell_back}; this trace runs "
                       "as generated Python instead", stacklevel=stacklevel)
        if sum(map(len, self._programs.values())) >= self.max_traces:
            oldest = next(iter(self._programs))
            if oldest == shape or len(self._programs[oldest]) > 1:
                self._programs[oldest].pop(0)
            else:
                del self._programs[oldest]
            self._warn("traces", f"compile: {getattr(self.fn, '__name__', 'fn')} has been traced "
                       f"more than max_traces={self.max_traces} times, so the least recently "
                       "used traces are dropped and traced again when needed. An int argument "
                       "is a constant of its trace: if one changes at every call (a step "
                       "counter), pass it as a float, or name its position in indices=",
                       stacklevel=stacklevel)
        return program

    def _warn(self, key: str, message: str, stacklevel: int = 4) -> None:
        """Said once per compiled function, at the caller's line (4: _warn, _run, __call__)."""
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, RuntimeWarning, stacklevel=stacklevel)

    def __call__(self, *args: Any) -> tuple[float, list[float]]:
        paths, shape, flat = self._program(args)
        if engine._open_blocks and anomaly_enabled.get():  # eager's checks, and its errors
            program = paths[0]
            value, grads = self._eager(program, flat)
        else:
            program, (value, grads) = self._run(paths, shape, flat)
        self._latest = program
        if self._checks_left:
            self._checks_left -= 1
            self._compare(program, flat, value, grads)
        return value, list(grads)

    def _ran(self, program: _Program, flat: list[float]) -> tuple[float, Sequence[float]]:
        value, grads = program.run(flat)
        if careful.any_hooks():  # a parameter's hooks see its gradient, as in backward()
            return value, [careful.through_hooks(p, g) for p, g in zip(program.params, grads)]
        return value, grads

    def _run(
        self, paths: list[_Program], shape: tuple[Any, ...], flat: list[float]
    ) -> tuple[Any, ...]:
        """The trace whose path these numbers take, run (traced now if none is, within
        _MOST_PATHS; past that, eager microprop runs the call)."""
        for program in paths if len(paths) == 1 else list(paths):  # another thread may add one
            try:
                return program, self._ran(program, flat)
            except _OtherPath:
                continue
            except (ArithmeticError, ValueError, _Bail):
                return program, self._eager(program, flat)
        with self._lock:
            if len(paths) >= _MOST_PATHS:
                self._warn("paths", f"compile: {getattr(self.fn, '__name__', 'fn')} took more "
                           f"than {_MOST_PATHS} paths through comparisons of Values for one "
                           "structure of arguments; calls on other paths run eagerly")
                return paths[0], self._eager(paths[0], flat)
            program = self._trace(shape, flat, stacklevel=5)
            paths.append(program)
        try:
            return program, self._ran(program, flat)
        except (ArithmeticError, ValueError, _Bail):  # fn is not a function of its arguments
            return program, self._eager(program, flat)

    def rows(self, rows: Iterable[Sequence[Any]]) -> Rows:
        """``rows`` (each the arguments of one call) checked and flattened once, for
        ``accumulate`` to run them, or any selection of them, as often as asked: a training
        loop's data set. All of one structure of arguments (the same lengths and ints)."""
        what = f"{self._what}.rows"
        flats: list[list[Any]] = []
        first: tuple[Any, ...] | None = None
        for i, row in enumerate(_checks.listed(rows, what, "rows of arguments")):
            row = tuple(row) if isinstance(row, (list, tuple)) else (row,)
            if first is None:
                _, first, flat = self._program(row)
            else:
                shape, flat = _structure(row, what, self.indices)
                if shape != first:
                    raise ValueError(f"{what}: row {i} has the structure {_shown(shape)}, row 0 "
                                     f"{_shown(first)}; expected rows of one structure (make "
                                     "one Rows for each)")
            flats.append(flat)
        return Rows(first, flats)

    def accumulate(self, rows: Iterable[Sequence[Any]] | Rows,
                   picks: Iterable[int] | None = None) -> float:
        """Add the gradients of ``fn(*row)`` for every row into the parameters' ``.grad``; for
        ``Rows`` (``compiled.rows``), only those numbered by ``picks``, in its order, if given."""
        if isinstance(rows, Rows):
            return self._accumulate_rows(rows, picks)
        if picks is not None:
            raise TypeError("accumulate(picks): picks selects among Rows (compiled.rows(...)), "
                            f"not among a {type(rows).__name__}")
        total = 0.0
        batch: list[Any] = []
        paths: list[_Program] | None = None
        for row in rows:
            if not isinstance(row, (list, tuple)):
                row = (row,)
            p, _, flat = self._program(tuple(row))
            if paths is not None and p is not paths:
                total += self._flush(paths[0], batch)
                batch = []
            paths = p
            batch.append(flat)
        if paths is not None:
            total += self._flush(paths[0], batch)
        return total

    def _flush(self, program: _Program, batch: list[Any]) -> float:
        """The rows of one structure, run (as one function where it can be): their summed
        value, their gradients added into the parameters' ``.grad``."""
        P = [v.data for v in program.leaves]
        plain = not (self._checks_left or careful.any_hooks()
                     or engine._open_blocks and anomaly_enabled.get())
        if program.batch is not None and plain:
            try:
                value, grads = program.batch(P, batch, (0.0,) * len(program.params))
            except (ArithmeticError, ValueError, _Bail):
                value, grads = self._one_by_one(program, batch)
        else:
            value, grads = self._one_by_one(program, batch)
        for p, g in zip(program.params, grads):
            p.grad += g
        return value  # type: ignore[no-any-return]

    def _accumulate_rows(self, rows: Rows, picks: Iterable[int] | None) -> float:
        chosen = array("q", range(len(rows.flats)) if picks is None else picks)
        if not chosen:
            return 0.0
        if min(chosen) < 0 or max(chosen) >= len(rows.flats):
            raise IndexError(f"accumulate(picks): row numbers run from 0 to {len(rows.flats) - 1}"
                             f", got {min(chosen) if min(chosen) < 0 else max(chosen)}")
        what = self._what
        shape = rows.shape or ()
        program = self._paths(shape, rows.flats[chosen[0]], len(shape), what)[0]
        plain = not (self._checks_left or careful.any_hooks()
                     or engine._open_blocks and anomaly_enabled.get())
        value, grads = None, None
        if plain:
            try:
                value, grads = program.run_rows([v.data for v in program.leaves], rows, chosen)
            except (ArithmeticError, ValueError, _Bail):
                pass
        if grads is None:
            value, grads = self._one_by_one(program, [rows.flats[i] for i in chosen])
        for p, g in zip(program.params, grads):
            p.grad += g
        return value  # type: ignore[return-value]

    def _one_by_one(self, program: _Program, batch: list[Any]) -> tuple[float, list[float]]:
        total, sums = 0.0, [0.0] * len(program.params)
        for flat in batch:
            value, grads = self(*_rebuild_plain(program.shape, flat))
            total += value
            sums = [s + g for s, g in zip(sums, grads)]
        return total, sums

    def _eager(self, program: _Program, flat: list[float]) -> tuple[float, list[float]]:
        """This call replayed by eager microprop: its numbers, or its error. One thread at a
        time: it borrows the leaves' ``.grad``, which every thread's calls share."""
        with _EAGER_LOCK:
            saved = [v.grad for v in program.leaves]
            try:
                for v in program.leaves:
                    v.grad = 0.0
                with engine.enable_grad():  # gradients even inside no_grad(), as the code gives
                    root = self.fn(*_rebuild(program.shape, flat))
                root.backward()
                return root.data, [p.grad for p in program.params]
            finally:
                for v, g in zip(program.leaves, saved):
                    v.grad = g

    def _compare(self, program: _Program, flat: list[float], value: float, grads: Any) -> None:
        """check=True: the same call by eager; raise naming the first node that differs."""
        eager_value, eager_grads = self._eager(program, flat)
        if _same(value, eager_value) and all(map(_same, grads, eager_grads)):
            return
        root = self.fn(*_rebuild(program.shape, flat))
        now = _walk(root)
        values = program.values(
            [v.data for v in program.leaves], flat) if program.values else {}
        traced = program.order or []  # kept when check=True, which is when this runs
        for k, (a, b) in enumerate(zip(traced, now)):
            if a._op != b._op or len(a._children) != len(b._children):
                raise TraceMismatchError(
                    f"compile(check=True): node #{k} was {a._op or 'a leaf'} when traced and is "
                    f"{b._op or 'a leaf'} now: fn takes another path for these numbers")
        raise TraceMismatchError(
            f"compile(check=True): compiled gave {value!r} and {list(grads)!r}, eager "
            f"{eager_value!r} and {eager_grads!r}{_first_value_difference(values, now)}")


class Rows:
    """Rows of one structure of arguments, checked and flattened once by ``compiled.rows``."""

    def __init__(self, shape: tuple[Any, ...] | None, flats: list[list[Any]]) -> None:
        self.shape, self.flats = shape, flats
        self._data: array[float] | None = None

    @property
    def data(self) -> array[float]:
        """The rows' numbers end to end, as the tape machine reads them (made on first use)."""
        if self._data is None:
            self._data = array("d", [x for flat in self.flats for x in flat])
        return self._data

    def __len__(self) -> int:
        return len(self.flats)

    def __repr__(self) -> str:
        shown = _shown(self.shape) if self.shape is not None else "()"
        return f"<microprop.compile Rows: {len(self.flats)} of {shown}>"


def _first_value_difference(values: dict[str, Any], now: list[Value]) -> str:
    for k, v in enumerate(now):
        name = f"v{k}"
        if name in values and not _same(values[name], v.data):
            return (f"; the first node that differs is #{k} ({v._op}): "
                    f"{values[name]!r} != {v.data!r}")
    return ""


def _same(a: float, b: float) -> bool:
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b) or (a != a and b != b)


def _shown(shape: tuple[Any, ...]) -> str:
    def show(s: Any) -> str:
        if s in ("x", "i"):
            return s  # type: ignore[no-any-return]
        if s[:1] == ("int",):
            return repr(s[1])
        if s[:1] == ("tuple",):
            return "(" + ", ".join(show(x) for x in s[1]) + ("," if len(s[1]) == 1 else "") + ")"
        return "[" + ", ".join(show(x) for x in s) + "]"

    return "(" + ", ".join(show(s) for s in shape) + ")"


def compile(fn: Callable[..., Value], params: Iterable[Value] | Any = None, *,  # noqa: A001
            retrace: bool = True, check: bool = False, indices: Iterable[int] = (),
            max_traces: int = _MOST_TRACES, backend: str | None = None) -> Compiled:
    """``fn`` (numbers in, a Value out) as generated straight-line Python; see ``Compiled``.

    ``params``: the leaves to differentiate (a list of Values or a Module); by default every
    leaf ``fn`` uses that is not one of its arguments. ``retrace=False`` raises instead of
    tracing again when the arguments' structure changes. ``check=True`` runs the first calls by
    eager too and raises ``TraceMismatchError`` naming the first node that differs.
    ``indices``: the positions of arguments whose ints are data (token ids, class labels) used
    through ``microprop.take``, so that one trace serves every value of them; other ints are
    constants of the trace. While tracing, such an int is a placeholder that only ``take``
    accepts: anything else done with it (indexing a list, arithmetic, a comparison) raises.
    ``max_traces``: how many traces are kept (each structure of arguments, and each path fn
    takes through comparisons of Values, is one); past it the least recently used is dropped,
    with a warning. ``backend``: what runs the traces: ``"python"`` (generated Python, always
    there), ``"tape"`` (the C machine, where the install built it) or ``"numpy"`` (the whole
    batch at once, NumPy installed); by default the fastest this install has
    (``compiled.backend`` says which).
    """
    if not callable(fn):
        raise TypeError(f"compile(fn): expected a function, got {type(fn).__name__}")
    if params is not None:
        if hasattr(params, "parameters"):
            params = params.parameters()
        if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
            kind = type(params).__name__
            raise TypeError(f"compile(params): expected a list of Values, got {kind}")
        params = list(params)
        first: dict[Value, int] = {}
        for i, p in enumerate(params):
            if not isinstance(p, Value) or p._children:
                raise TypeError(f"compile(params): item {i} is not a leaf Value ({p!r:.60})")
            if first.setdefault(p, i) != i:
                raise ValueError(f"compile(params): item {i} is item {first[p]} again; each "
                                 "parameter once, so that each gradient has one place")
    return Compiled(fn, params, _checks.flag(retrace, "compile(retrace)"),
                    _checks.flag(check, "compile(check)"), _positions(indices),
                    _checks.integer(max_traces, "compile(max_traces)"), _backend(backend))


_BACKENDS = ("python", "tape", "numpy")


def _backend(backend: object) -> str | None:
    """compile(backend): a backend this install has, or None for the fastest."""
    if backend is None:
        return None
    if not isinstance(backend, str) or backend not in _BACKENDS:
        raise ValueError(f"compile(backend): expected one of {', '.join(map(repr, _BACKENDS))} "
                         f"(or None, the fastest there is), got {backend!r:.60}")
    if backend == "tape" and not tape.available():
        raise ImportError("compile(backend='tape'): the tape machine, a C extension "
                          "(microprop._tape), was not built with this install: reinstall "
                          "microprop where a C compiler is found (pip prints why the build "
                          "failed with -v), or use backend='python'")
    if backend == "numpy":
        batched.require_numpy()
    return backend


def _positions(indices: object) -> frozenset[int]:
    """compile(indices): argument positions."""
    positions = _checks.listed(indices, "compile(indices)", "argument positions")
    for k in positions:
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise TypeError(f"compile(indices): expected argument positions (ints >= 0), got {k!r}")
    return frozenset(positions)
