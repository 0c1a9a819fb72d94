"""The tape: a trace of ``compile`` as flat instructions, for the C interpreter in ``_tape.c``.

Each node's rule (``rules.py``) is evaluated in an arithmetic whose numbers are registers: every
primitive the rule calls (``+``, ``*``, ``m.exp``, ``m.step``, ...) appends one instruction that
computes it into a new register (a chain of products summed, as a weighted sum's, is one ``dot``
instruction), and the chain rule appends one instruction per edge, in the order eager
``backward()`` adds (the C side writes those). So the machine knows the arithmetic's primitives,
never an op:
an op added to ``rules.py`` runs on the tape unchanged. Where a primitive meets a number the
fast path does not decide (an overflow, a domain error, a NaN into logsumexp), the machine stops
at that sample and ``compile`` replays it in eager microprop, as the generated Python does.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from typing import Any

from .floats import MASKED, Masked
from .nary import _Index

try:
    from . import _tape  # type: ignore[attr-defined]
except ImportError:  # built without a C compiler, or MICROPROP_PURE_PYTHON=1: the "python" backend
    _tape = None

__all__ = ["available", "build", "NotOnTape", "Tape"]

# how a run ended: every sample ran, one needs eager microprop, or takes another path
RAN, EAGER, OTHER_PATH = (_tape.RAN, _tape.EAGER, _tape.OTHER_PATH) if _tape else (0, 1, 2)


def available() -> bool:
    """Whether the C extension was built with this install."""
    return _tape is not None


class NotOnTape(TypeError):
    """The trace holds something the machine has no instruction for (named in the message)."""


_OP = {name: k for k, name in enumerate(_tape.OPCODES)} if _tape is not None else {}
_ADD, _SUB, _MUL, _DIV, _NEG = (_OP.get(n, -1) for n in ("ADD", "SUB", "MUL", "DIV", "NEG"))


class Slot:
    """A number of the traced function as the machine holds it: a register. ``masked``: the
    register may hold a mask (floats.MASKED, read only by the cases that look for one)."""

    __slots__ = ("i", "masked", "writer")

    def __init__(self, i: int, writer: Writer, masked: bool = False) -> None:
        self.i, self.writer, self.masked = i, writer, masked

    def __bool__(self, *other: object) -> bool:
        raise TypeError("a rule branched on the number of one of its inputs, which the tape "
                        "cannot follow; a rule may branch only on a constant recorded with its op")

    __index__ = __float__ = __int__ = __bool__
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __bool__
    __hash__ = object.__hash__

    def __add__(self, other: Any) -> Any:
        return self.writer.binary(_ADD, self, other)

    def __radd__(self, other: Any) -> Any:
        return self.writer.binary(_ADD, other, self)

    def __sub__(self, other: Any) -> Any:
        return self.writer.binary(_SUB, self, other)

    def __rsub__(self, other: Any) -> Any:
        return self.writer.binary(_SUB, other, self)

    def __mul__(self, other: Any) -> Any:
        return self.writer.product(self, other)

    def __rmul__(self, other: Any) -> Any:
        return self.writer.product(other, self)

    def __truediv__(self, other: Any) -> Any:
        return self.writer.binary(_DIV, self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return self.writer.binary(_DIV, other, self)

    def __neg__(self) -> Any:
        return self.writer.unary(_NEG, self)


class _Product(Slot):
    """``a * b`` of two registers, not written yet: added to a sum, it becomes a term of one
    ``dot`` instruction (a weighted sum's chain, ``z = z + w * x``, as the dot rule computes it);
    read in any other way, it is written as a ``mul`` then."""

    __slots__ = ("a", "b")

    def __init__(self, writer: Writer, a: int, b: int) -> None:
        super().__init__(-1, writer)
        self.a, self.b = a, b


class _Sum(Slot):
    """``start + a1 * b1 + a2 * b2 + ...``, not written yet: ``terms[:length]`` holds the start's
    register, then each product's pair. Chains that share a beginning share the list."""

    __slots__ = ("terms", "length")

    def __init__(self, writer: Writer, terms: list[int]) -> None:
        super().__init__(-1, writer)
        self.terms, self.length = terms, len(terms)

    def plus(self, product: _Product) -> _Sum:
        terms = self.terms
        if len(terms) != self.length:  # another chain went on from here: a list of its own
            terms = terms[:self.length]
        terms += (product.a, product.b)
        return _Sum(self.writer, terms)


class _IndexSlot(Slot):
    """An index argument's register (a token id, a class): read by select and chosen only."""

    __slots__ = ()


class Writer:
    """The arithmetic the rules are evaluated in for the tape: each primitive an instruction.

    A register's name, for the printed table, is kept as cheaply as can be: a str (a leaf, an
    argument, a constant, their gradients), an int k (the value of node k: ``v{k}``), ``~k``
    (its gradient, ``d_v{k}``), or None (a step within a rule: ``t{register}``).
    """

    masked = MASKED

    def __init__(self) -> None:
        self.code = array("i")
        self.aux = array("i")
        self.names: list[Any] = []
        self.constants: dict[Any, Slot] = {}
        self.numbers: list[tuple[int, float]] = []  # (register, number) of each constant
        self.notes: list[tuple[int, Any, str, str]] = []  # (instruction, name, op, label)

    # ---- registers ------------------------------------------------------------------------

    def register(self, name: Any = None, masked: bool = False) -> Slot:
        names = self.names
        names.append(name)
        return Slot(len(names) - 1, self, masked)

    def constant(self, c: float) -> Slot:
        key = (c, math.copysign(1.0, c)) if c == c else None
        slot = self.constants.get(key) if key is not None else None
        if slot is None:
            slot = self.register(repr(c) if c == c else "nan")
            self.numbers.append((slot.i, c))
            if key is not None:
                self.constants[key] = slot
        return slot

    def slot(self, x: Any) -> Slot:
        """``x`` as a register that holds a plain number (a mask read as the 0.0 it is)."""
        if type(x) is _Product:
            return self.emit("MUL", Slot(x.a, self), Slot(x.b, self))
        if type(x) is _Sum:
            start = len(self.aux)
            self.aux.extend(x.terms[:x.length])
            out = self.register()
            self.code.extend((_OP["DOT"], out.i, start, (x.length - 1) // 2))
            return out
        if type(x) is Slot or isinstance(x, Slot):
            if x.masked:
                return self.emit("UNMASK", x)
            return x
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise NotOnTape(f"a rule computed with a {type(x).__name__}, which the tape cannot "
                            "hold")
        return self.constant(0.0 if isinstance(x, Masked) else float(x))

    def emit(self, op: str, a: Slot, b: Slot | None = None, *, masked: bool = False) -> Slot:
        out = self.register(masked=masked)
        self.code.extend((_OP[op], out.i, a.i, b.i if b is not None else 0))
        return out

    # ---- Python's operators, for the rules' + - * / ---------------------------------------

    def binary(self, op: int, x: Any, y: Any) -> Slot:
        if op == _ADD and (type(y) is _Product or type(x) is _Product):
            return self.sum(x, y)
        if op == _ADD and (type(x) is _Sum or type(y) is _Sum):  # a sum's last term: the bias,
            acc, term = (x, y) if type(x) is _Sum else (y, x)  # added as bias * 1.0, the same
            return acc.plus(_Product(self, self.slot(term).i, self.constant(1.0).i))
        a = x.i if type(x) is Slot and not x.masked else self.slot(x).i
        b = y.i if type(y) is Slot and not y.masked else self.slot(y).i
        names = self.names
        out = len(names)
        names.append(None)
        self.code.extend((op, out, a, b))
        return Slot(out, self)

    def sum(self, x: Any, y: Any) -> Slot:
        """``x + y``, one of them a product not yet written: a term of a sum (IEEE 754's ``+``
        gives the same bits in either order)."""
        acc, product = (x, y) if type(y) is _Product else (y, x)
        if type(acc) is _Sum:
            return acc.plus(product)
        if type(acc) is _Product:
            acc = self.slot(acc)
        return _Sum(self, [self.slot(acc).i, product.a, product.b])

    def unary(self, op: int, x: Any) -> Slot:
        names = self.names
        out = len(names)
        names.append(None)
        self.code.extend((op, out, self.slot(x).i, 0))  # one input: the last int is unread
        return Slot(out, self)

    def product(self, x: Any, y: Any) -> Any:
        """``x * y``, where a mask times anything is 0.0 (floats.Masked)."""
        if isinstance(x, Masked) or isinstance(y, Masked):
            return 0.0
        x_masked = isinstance(x, Slot) and x.masked
        y_masked = isinstance(y, Slot) and y.masked
        if x_masked and y_masked:
            raise NotOnTape("a rule multiplied two slopes that may both be masks")
        if x_masked or y_masked:
            mask, other = (x, y) if x_masked else (y, x)
            return self.emit("MUL_MASKED", mask, self.slot(other))
        return _Product(self, self.slot(x).i, self.slot(y).i)

    # ---- the arithmetic's primitives (as floats.py and source.py have them) ---------------

    def exp(self, x: Any) -> Any:
        return self.emit("EXP", self.slot(x))

    def log(self, x: Any) -> Any:
        return self.emit("LOG", self.slot(x))

    def sqrt(self, x: Any) -> Any:
        return self.emit("SQRT", self.slot(x))

    def tanh(self, x: Any) -> Any:
        return self.emit("TANH", self.slot(x))

    def sigmoid(self, x: Any) -> Any:
        return self.emit("SIGMOID", self.slot(x))

    def relu(self, x: Any) -> Any:
        return self.emit("RELU", self.slot(x))

    def step(self, x: Any) -> Any:
        return self.emit("STEP", self.slot(x), masked=True)

    def leaky_relu(self, x: Any, a: Any) -> Any:
        return self.emit("LEAKY_RELU", self.slot(x), self.slot(a))

    def leaky_step(self, x: Any, a: Any) -> Any:
        return self.emit("LEAKY_STEP", self.slot(x), self.slot(a))

    def sign(self, x: Any) -> Any:
        return self.emit("SIGN", self.slot(x))

    def abs(self, x: Any) -> Any:
        return self.emit("ABS", self.slot(x))

    def div(self, x: Any, y: Any) -> Any:
        return self.binary(_DIV, x, y)

    def over(self, x: Any, y: Any) -> Any:
        return self.emit("OVER", self.slot(x), self.slot(y))

    def reciprocal(self, x: Any) -> Any:
        return self.emit("RECIPROCAL", self.slot(x))

    def pow(self, x: Any, n: Any) -> Any:  # noqa: A003
        return self.emit("POW", self.slot(x), self.slot(n))

    power = pow  # IEEE's inf where pow raises: the machine leaves both to eager

    def pow_slope(self, x: Any, n: Any) -> Any:
        if not isinstance(n, Slot) and n == 0.0:
            return MASKED  # x ** 0: nothing passes back
        return self.emit("POW_SLOPE", self.slot(x), self.slot(n), masked=isinstance(n, Slot))

    def pow_log(self, x: Any) -> Any:
        return self.emit("POW_LOG", self.slot(x))

    def root(self, x: Any) -> Any:
        return self.emit("ROOT", self.slot(x))

    def logsumexp(self, xs: tuple[Any, ...]) -> Any:
        at = [self.slot(x).i for x in xs]
        start = len(self.aux)
        self.aux.extend(at)
        out = self.register()
        self.code.extend((_OP["LOGSUMEXP"], out.i, start, len(xs)))
        return out

    def select(self, index: Any, xs: tuple[Any, ...]) -> Any:
        if not isinstance(index, Slot):
            return xs[index]
        at = [index.i, *(self.slot(x).i for x in xs)]
        start = len(self.aux)
        self.aux.extend(at)
        out = self.register()
        self.code.extend((_OP["SELECT"], out.i, start, len(xs)))
        return out

    def chosen(self, index: Any, k: int) -> Any:
        if not isinstance(index, Slot):
            return 1.0 if k == index else MASKED
        out = self.register(masked=True)
        self.code.extend((_OP["CHOSEN"], out.i, index.i, k))
        return out

    def of_your_own(self, rule: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        raise NotOnTape(f"the op {getattr(rule, 'name', 'of your own')!s:.40} is a function "
                        "of floats of your own (microprop.op), which the C machine cannot call")


class Tape:
    """A trace as instructions, and the registers they read: the leaves first (parameters, then
    other leaves), then the arguments' numbers, then constants, values and gradients."""

    def __init__(self, writer: Writer, n_leaves: int, width: int, root: int,
                 grads: list[int], describe: Any) -> None:
        self.code, self.aux = writer.code, writer.aux
        self.registers = array("d", bytes(8 * len(writer.names)))
        for i, c in writer.numbers:
            self.registers[i] = c
        self.names, self.notes, self.describe = writer.names, writer.notes, describe
        self.n_leaves, self.width, self.root = n_leaves, width, root
        self.grads = array("i", grads)

    def run(self, leaves: Sequence[float], flat: Sequence[float]) -> tuple[int, float, Any]:
        """One sample: (how it ended, its value, its gradients)."""
        return _tape.run_one(self.code, self.aux, self.registers, leaves, flat,  # type: ignore[no-any-return]
                             self.grads, self.root)

    def batch(self, leaves: Sequence[float], rows: Any,
              picks: array[int] | None = None) -> tuple[int, float, Any]:
        """Every row (a flat array of ``width`` numbers each), or those numbered by ``picks`` in
        its order: (how it ended, the summed value, the summed gradients), each added in the
        order of the rows."""
        G = array("d", bytes(8 * len(self.grads)))
        if not isinstance(rows, array):
            if not self.width and picks is None:  # rows of no numbers: only how many
                picks = array("q", bytes(8 * len(rows)))
            rows = array("d", [x for row in rows for x in row])
        if not self.width and picks is not None:
            picks = array("q", bytes(8 * len(picks)))  # each the one empty row
        n = len(picks) if picks is not None else len(rows) // self.width if self.width else 1
        ended, k, total, _ = _tape.run(self.code, self.aux, self.registers, array("d", leaves),
                                       rows, self.width, self.grads, self.root, G, 0, picks)
        return (ended if k < n else RAN), total, tuple(G)

    def name(self, i: int) -> str:
        """Register ``i`` as the table names it."""
        n = self.names[i]
        if type(n) is str:
            return n
        if type(n) is int:
            return f"v{n}" if n >= 0 else f"d_v{~n}"
        return f"t{i}"

    def __str__(self) -> str:
        return table(self)


def table(tape: Tape) -> str:
    """The tape as a person reads it: one instruction a line, the node it starts noted."""
    name, aux = tape.name, tape.aux
    opcodes = _tape.OPCODES
    notes: dict[int, list[str]] = {}  # a node computed by no instruction of its own too
    for at, n, node_op, label in tape.notes:
        shown = f"# {n if type(n) is str else f'v{n}'}: {tape.describe(node_op, label)}"
        notes.setdefault(at, []).append(shown)
    lines = [f"# the tape: {len(tape.code) // 4} instructions over {len(tape.registers)} "
             "registers (leaves, then inputs, constants, values, gradients)",
             f"# {'#':>5}  {'op':<16}{'out':<10}inputs"]
    for pc in range(0, len(tape.code), 4):
        op, o, a, b = tape.code[pc:pc + 4]
        kind = opcodes[op]
        if kind == "DOT":
            terms = aux[a:a + 1 + 2 * b]
            inputs = " + ".join([name(terms[0])] + [f"{name(terms[k])}*{name(terms[k + 1])}"
                                                    for k in range(1, len(terms), 2)])
        elif kind == "LOGSUMEXP":
            inputs = ", ".join(name(i) for i in aux[a:a + b])
        elif kind == "SELECT":
            inputs = f"[{', '.join(name(i) for i in aux[a + 1:a + 1 + b])}][{name(aux[a])}]"
        elif kind in ("CHOSEN", "IN_RANGE"):
            inputs = f"{name(a)}, {b}"
        elif kind in _ONE_INPUT:
            inputs = name(a)
        else:
            inputs = f"{name(a)}, {name(b)}"
        lines += notes.get(pc // 4, ())
        lines.append(f"{pc // 4:>7}  {kind.lower():<16}{name(o):<10}{inputs}")
    lines += notes.get(len(tape.code) // 4, ())
    return "\n".join(lines) + "\n"


_ONE_INPUT = {"NEG", "UNMASK", "EXP", "LOG", "SQRT", "TANH", "SIGMOID", "RELU", "STEP", "SIGN",
              "ABS", "RECIPROCAL", "POW_LOG", "ROOT", "IS_TRUE", "IS_FALSE"}


# ---- from a recorded trace to a tape ----------------------------------------------------------


def build(order: Sequence[Any], root: Any, leaves: Sequence[Any], arg_leaves: Sequence[Any],
          n_params: int, guards: Sequence[Any], passing: set[int], computed: Any,
          describe: Any) -> Tape:
    """The tape of a trace, as ``compile`` recorded it: ``order`` its nodes (``computed(v)``:
    whether the tape computes ``v`` from its inputs), ``leaves`` read at every call (parameters
    first), ``arg_leaves`` the arguments' leaves and indices in the order of a row's numbers,
    ``guards`` the comparisons the trace made, ``passing`` the ids of the nodes a gradient
    passes through; ``describe(op, label)`` says what a node is, in the table. Registers are
    named as the Python code names its variables (p0, k0, x0, i0, v7, d_v7)."""
    if _tape is None:
        raise NotOnTape("the tape machine (microprop._tape) is not built in this install")
    writer = Writer()
    at: dict[int, Slot] = {}
    named: dict[int, Any] = {}  # each node's name: a str, or k for v{k}
    for i, v in enumerate(leaves):
        named[id(v)] = f"p{i}" if i < n_params else f"k{i - n_params}"
        at[id(v)] = writer.register(named[id(v)])
    for i, a in enumerate(arg_leaves):
        is_index = isinstance(a, _Index)
        named[id(a)] = f"i{i}" if is_index else f"x{i}"
        at[id(a)] = (_IndexSlot if is_index else Slot)(len(writer.names), writer)
        writer.names.append(named[id(a)])
    for a in arg_leaves:
        for n in getattr(a, "lengths", ()):  # an index, out of range of a table it reads: eager
            writer.code.extend((_OP["IN_RANGE"], at[id(a)].i, at[id(a)].i, n))
    edges = _forward(writer, order, at, named, guards, computed)
    grads = _backward(writer, order, root, named, edges, leaves[:n_params], passing)
    return Tape(writer, len(leaves), len(arg_leaves), at[id(root)].i, grads, describe)


def _forward(writer: Writer, order: Sequence[Any], at: dict[int, Slot], named: dict[int, Any],
             guards: Sequence[Any], computed: Any) -> tuple[array[int], array[int], array[int]]:
    """Each computed node's instructions, from its rule, and each guard as soon as what it
    compares is computed. Returns the graph's edges for the backward pass: where each node's
    inputs start among them, each input's node number, and its slope (a register, -1 for none,
    -2 for exactly 1, -3 - register where the register may hold a mask)."""
    place = {id(v): k for k, v in enumerate(order)}
    after: dict[int, list[Any]] = {}
    for g in guards:
        k = max(place[id(x)] for x in (g[1], g[2]) if hasattr(x, "_op"))
        after.setdefault(k, []).append(g)
    kid_at, kids, slopes = array("i", [0]), array("i"), array("i")
    names, notes, code = writer.names, writer.notes, writer.code
    for k, v in enumerate(order):
        children = v._children
        if children or computed(v):
            op, vid = v._op, id(v)
            notes.append((len(code) // 4, k, op, v.label))
            inputs = [at[id(c)] for c in children]
            if op.args is None:
                args = inputs
            else:  # constants among the inputs, and index arguments where take reads them
                args = [at[id(a)] if isinstance(a, _Index) else a
                        for a in op.arguments(inputs, v._local_grads)]
            made = len(names)
            out, local = op.rule(writer, *args)
            value = out if type(out) is Slot and not out.masked else writer.slot(out)  # written
            if value.i >= made and names[value.i] is None:  # its own (no input's, no constant)
                names[value.i] = k
            at[vid] = value
            named[vid] = k
            kids.extend([place[id(c)] for c in children])
            slopes.extend(_encoded(writer, local if op.args is None
                                   else [local[i] for i in op.inputs_at(len(inputs))]))
        kid_at.append(len(kids))
        if after:
            for g in after.get(k, ()):
                _guard(writer, at, *g)
    return kid_at, kids, slopes


def _encoded(writer: Writer, local: Sequence[Any]) -> list[int]:
    out: list[int] = []
    for d in local:
        kind = type(d)
        if kind is Slot and not d.masked:  # the usual: a register
            out.append(d.i)
            continue
        if kind is _Product or kind is _Sum:
            d = writer.slot(d)
        if type(d) is Slot:
            out.append(-3 - d.i if d.masked else d.i)
        elif isinstance(d, Masked):
            out.append(-1)  # passes back nothing
        elif d == 1.0 and type(d) in (float, int):
            out.append(-2)  # exactly 1: the gradient passes on as it is (1.0 * g is g)
        else:
            out.append(writer.slot(d).i)
    return out


def _guard(writer: Writer, at: dict[int, Slot], kind: str, v: Any, other: Any,
           outcome: Any) -> None:
    """A comparison or conversion the trace made, checked at every call: another outcome is
    another path."""
    x = at[id(v)]
    if kind in ("<", "<=", ">", ">="):
        y = at[id(other)] if hasattr(other, "_op") else writer.constant(_exactly(other))
        a, b = (x, y) if kind in ("<", "<=") else (y, x)  # x > y is y < x, NaN too
        name = ("IS_LESS", "IS_NOT_LESS") if kind in ("<", ">") else ("IS_AT_MOST",
                                                                     "IS_NOT_AT_MOST")
        writer.code.extend((_OP[name[0] if outcome else name[1]], a.i, a.i, b.i))
    elif kind == "bool":
        writer.code.extend((_OP["IS_TRUE" if outcome else "IS_FALSE"], x.i, x.i, 0))
    elif kind == "int" and type(outcome) is int and abs(outcome) <= 2**53:
        writer.code.extend((_OP["IS_INT"], x.i, x.i, writer.constant(float(outcome)).i))
    elif kind in ("float", "item") and type(outcome) is float:
        writer.code.extend((_OP["IS_SAME"], x.i, x.i, writer.constant(outcome).i))
    else:
        raise NotOnTape(f"the trace converted a Value with {kind}(), which the tape cannot check")


def _exactly(c: Any) -> float:
    """A number compared with, as a float that is the same number (else the tape cannot)."""
    try:
        if isinstance(c, (bool, int, float)) and float(c) == c:
            return float(c)
    except OverflowError:  # an int too large for any float
        pass
    raise NotOnTape(f"the trace compared a Value with {c!r:.40}, which is no float")


def _backward(writer: Writer, order: Sequence[Any], root: Any, named: dict[int, Any],
              edges: tuple[array[int], array[int], array[int]], params: Sequence[Any],
              passing: set[int]) -> list[int]:
    """The chain rule, one instruction per edge, in the order eager ``backward()`` adds (written
    by the C side: in Python it took as long as evaluating every rule); returns the registers of
    the parameters' gradients."""
    kid_at, kids, slopes = edges
    wanted = {id(p) for p in params}
    zero, one = writer.constant(0.0).i, writer.constant(1.0).i
    root_at = next(k for k in range(len(order) - 1, -1, -1) if order[k] is root)
    code, grads, free = _tape.backward(
        kid_at, kids, slopes, array("i", [id(v) in wanted for v in order]),
        array("i", [id(v) in passing for v in order]), root_at, one, zero, len(writer.names))
    grad_of = array("i")
    grad_of.frombytes(grads)
    names = writer.names
    names.extend([None] * (free - len(names)))
    for k, g in enumerate(grad_of):
        if g >= 0 and names[g] is None:  # named when asked for: ~k is d_v{k}
            n = named[id(order[k])]
            names[g] = ~n if type(n) is int else f"d_{n}"
    writer.code.frombytes(code)
    at_param = {id(v): k for k, v in enumerate(order) if id(v) in wanted}
    return [grad_of[at_param[id(p)]] if id(p) in at_param and grad_of[at_param[id(p)]] >= 0
            else zero for p in params]
