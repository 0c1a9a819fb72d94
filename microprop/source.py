"""The arithmetic of Python source text: each op's rule, evaluated into lines of generated code.

``compile`` evaluates the rule a node records with this arithmetic, on the names of the node's
inputs, and gets the expression of its value and of each local derivative. An expression is a
small tree, written out only once the node's value has a name, so that a derivative that reuses
the value (``1 - t * t`` of tanh) reads the variable rather than computing it again. Each
primitive is the float arithmetic's own function, called from the generated code, or inline
Python that computes the same bits (or raises, and then eager microprop decides the call).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from . import floats

__all__ = ["Code", "Deltas", "Lines", "Source", "literal", "NAMESPACE", "comment", "described",
           "needed", "node"]

_DEEPEST = 64  # operators in one expression: deeper, its left part becomes a line of its own
_ATOM, _POWER, _UNARY, _PRODUCT, _SUM = 5, 4, 3, 2, 1  # how tightly an expression binds


class Code:
    """An expression of the generated Python: a name or literal, a call, or an operator."""

    __slots__ = ("kind", "parts", "depth", "binds")

    def __init__(
        self, kind: str, parts: tuple[Any, ...], depth: int = 0, binds: int = _ATOM
    ) -> None:
        self.kind, self.parts, self.depth, self.binds = kind, parts, depth, binds

    def __bool__(self, *other: object) -> bool:
        raise TypeError("a rule branched on the number of one of its inputs, which compiled code "
                        "cannot follow; a rule may branch only on a constant recorded with its "
                        "op (write the piecewise part as a primitive of the arithmetic)")

    __index__ = __float__ = __int__ = __bool__
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __bool__
    __hash__ = object.__hash__

    def __add__(self, other: Any) -> Code:
        return _binary("+", self, other)

    def __radd__(self, other: Any) -> Code:
        return _binary("+", other, self)

    def __sub__(self, other: Any) -> Code:
        return _binary("-", self, other)

    def __rsub__(self, other: Any) -> Code:
        return _binary("-", other, self)

    def __mul__(self, other: Any) -> Code:
        return _binary("*", self, other)

    def __rmul__(self, other: Any) -> Code:
        return _binary("*", other, self)

    def __truediv__(self, other: Any) -> Code:
        return _binary("/", self, other)

    def __rtruediv__(self, other: Any) -> Code:
        return _binary("/", other, self)

    def __neg__(self) -> Code:
        return Code("neg", (self,), self.depth + 1, _UNARY)


def name(text: str) -> Code:
    return Code("text", (text,))


def literal(c: float) -> str:
    """A float as source that reads back to the same bits (inf and NaN by name)."""
    if c != c:
        return "_nan"
    if c in (math.inf, -math.inf):
        return "_inf" if c > 0 else "(-_inf)"
    return f"({c!r})" if c < 0 or math.copysign(1.0, c) < 0 else repr(c)


def _called(template: str, args: tuple[Any, ...]) -> Code:
    depth = 1 + max((getattr(a, "depth", 0) for a in args), default=0)
    return Code("call", (template, args), depth)


def _binary(op: str, a: Any, b: Any) -> Code:
    depth = 1 + max(getattr(a, "depth", 0), getattr(b, "depth", 0))
    return Code(op, (a, b), depth, _SUM if op in "+-" else _PRODUCT)


def written(x: Any, names: dict[int, str], binds: int = 0) -> str:
    """``x`` (a Code or a float) as source, parenthesised if it binds less than ``binds``."""
    if not isinstance(x, Code):
        return literal(float(x)) if x is not floats.MASKED else "_MASKED"
    given = names.get(id(x))
    if given is not None:
        return given
    if x.kind == "text":
        text = x.parts[0]
    elif x.kind == "call":
        template, args = x.parts
        text = template.format(*(written(a, names) for a in args))
    elif x.kind == "neg":
        text = "-" + written(x.parts[0], names, _UNARY)
    elif x.kind == "**":
        text = f"{written(x.parts[0], names, _ATOM)} ** {written(x.parts[1], names, _ATOM)}"
    else:
        a, b = x.parts
        tight = _SUM if x.kind in "+-" else _PRODUCT
        text = f"{written(a, names, tight)} {x.kind} {written(b, names, tight + 1)}"
    return f"({text})" if x.binds < binds else text


def _whole(n: Any) -> bool:
    """A constant exponent Python's ``**`` takes as floats.pow does: whole, or infinite or NaN
    (a negative base to a fractional power would be a complex number there)."""
    return type(n) is float and (n.is_integer() or not math.isfinite(n))


def _simple(x: Any) -> bool:
    """A name or a number: inline Python may read it more than once."""
    return not isinstance(x, Code) or x.kind == "text"


class Source:
    """The arithmetic the rules are evaluated in for ``compile``: a table of primitives, each
    the float arithmetic's function called from the code, or the same computation inline."""

    masked = floats.MASKED

    def __init__(self, spill: Callable[[Code], Code], constant: Callable[[Any], str],
                 line: Callable[[str], None] = lambda text: None) -> None:
        self._spill = spill  # makes an expression a line of its own and returns its name
        self._constant = constant  # puts an object in the code's namespace and returns its name
        self._line = line  # writes a line of its own (a check that hands the call to eager)

    def _call(self, function: str, *args: Any, inline: str | None = None) -> Code:
        if inline is not None and all(_simple(a) for a in args):
            return _called(inline, args)
        return _called(function + "(" + ", ".join("{}" for _ in args) + ")", args)

    def exp(self, x: Any) -> Code:
        return self._call("_exp", x)  # math.exp: raises on overflow, where floats give inf

    def log(self, x: Any) -> Code:
        return self._call("_log", x)  # math.log: raises at x <= 0, passes NaN

    def sqrt(self, x: Any) -> Code:
        return self._call("_sqrt", x)

    def tanh(self, x: Any) -> Code:
        return self._call("_tanh", x)

    def sigmoid(self, x: Any) -> Code:
        return self._call("_sigmoid", x)

    def relu(self, x: Any) -> Code:
        return self._call("_relu", x, inline="({0} if not {0} <= 0.0 else (0.0 if {0} else {0}))")

    def step(self, x: Any) -> Code:
        return self._call("_step", x, inline="(1.0 if not {0} <= 0.0 else _MASKED)")

    def leaky_relu(self, x: Any, a: Any) -> Code:
        return self._call("_leaky_relu", x, a, inline="({0} if {0} > 0.0 else {1} * {0})")

    def leaky_step(self, x: Any, a: Any) -> Code:
        return self._call("_leaky_step", x, a, inline="(1.0 if {0} > 0.0 else {1})")

    def sign(self, x: Any) -> Code:
        return self._call("_sign", x)

    def abs(self, x: Any) -> Code:
        return self._call("abs", x)

    def div(self, x: Any, y: Any) -> Any:
        return x / y  # raises at y == 0: eager then raises its own error

    def over(self, x: Any, y: Any) -> Any:
        return x / y  # raises at y == 0: eager then gives the infinity

    def reciprocal(self, x: Any) -> Any:
        """``1.0 / x``, named, with a line that hands the call to eager where it overflows
        (there eager divides the gradient by ``x`` instead: ``floats.Reciprocal``)."""
        r = self._spill(1.0 / x) if isinstance(x, Code) else floats.reciprocal(x)
        if isinstance(r, Code):
            self._line(f"if not -_inf < {written(r, {})} < _inf: _bail()")
        elif isinstance(r, floats.Reciprocal):  # of a subnormal constant: the object itself,
            return name(self._constant(r))  # which divides what it multiplies, as eager's does
        return r

    def pow(self, x: Any, n: Any) -> Code:  # noqa: A003
        if _whole(n):  # x ** 3: Python's own, which raises where floats.pow gives inf
            return Code("**", (x, n), getattr(x, "depth", 0) + 1, _POWER)
        return self._call("_pow", x, n)

    def power(self, x: Any, n: Any) -> Code:
        return self._call("_power", x, n)

    def pow_slope(self, x: Any, n: Any) -> Any:
        if _whole(n) and n:  # n x^(n-1), as floats.pow_slope computes it
            return n * Code("**", (x, n - 1.0), getattr(x, "depth", 0) + 1, _POWER)
        if _whole(n):
            return floats.MASKED  # x ** 0: nothing passes back
        return self._call("_pow_slope", x, n)

    def pow_log(self, x: Any) -> Code:
        return self._call("_pow_log", x)

    def root(self, x: Any) -> Code:
        return self._call("_root", x)

    def logsumexp(self, xs: tuple[Any, ...]) -> Any:
        """As floats.logsumexp computes it where the largest input is finite and no input is NaN
        (each checked by a line that hands the call to eager microprop otherwise)."""
        listed = ", ".join("{}" for _ in xs)
        m = self._spill(_called(f"max({listed})", tuple(xs))) if len(xs) > 1 else xs[0]
        self._line(f"if not -_inf < {written(m, {})} < _inf: _bail()")  # NaN too
        terms = tuple(_called("_exp({} - {})", (x, m)) for x in xs)
        total = self._spill(_called(f"_log(_fsum(({', '.join('{}' for _ in xs)},)))", terms))
        self._line(f"if {written(total, {})} != {written(total, {})}: _bail()")  # a NaN input
        return m + total

    def select(self, index: Any, xs: tuple[Any, ...]) -> Any:
        if isinstance(index, int):
            return xs[index]
        return _called("((" + ", ".join("{}" for _ in xs) + ",)[{}])", (*xs, index))

    def chosen(self, index: Any, k: int) -> Any:
        if isinstance(index, int):
            return floats.chosen(index, k)
        return _called(f"(1.0 if {{}} == {k} else _MASKED)", (index,))

    def of_your_own(self, rule: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """An op of a user's own: its function called by the code, its result checked."""
        f = self._constant(rule)
        result = self._spill(_called(f + ".on_floats((" + "{}, " * len(args) + "))", args))
        text = written(result, {})
        return name(f"{text}[0]"), tuple(name(f"{text}[1][{i}]") for i in range(len(args)))


# ---- a node of a trace, as code: what every backend that writes text shares ------------------


def argument_names(order: list[Any], arg_ids: dict[int, int], indexes: list[Any],
                   names: dict[int, str]) -> list[str]:
    """The code's name for each of the function's flat arguments, in their order (a float's
    ``x3``, an index's ``i3``); ``_unused3`` where fn never read it."""
    arg_names = [""] * len(arg_ids)
    for v in order:
        if id(v) in arg_ids:
            arg_names[arg_ids[id(v)]] = names[id(v)]
    for ix in indexes:
        arg_names[ix.slot] = names[id(ix)]
    return [n or f"_unused{i}" for i, n in enumerate(arg_names)]


class Lines:
    """The lines of a forward pass being written, and the objects its code's namespace holds;
    ``arithmetic`` (a ``Source``) writes into them."""

    def __init__(self, names: dict[int, str], arithmetic: type[Source] | None = None) -> None:
        self.names = names
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {}
        self.arithmetic = (arithmetic or Source)(self.spill, self.constant, self.lines.append)

    def spill(self, x: Code) -> Code:
        """An expression made a line of its own: its name."""
        temp = f"_s{len(self.lines)}"
        self.lines.append(f"{temp} = {written(x, {})}")
        return name(temp)

    def constant(self, obj: Any) -> str:
        """An object the code reads (the rule of an op of a user's own): its name there."""
        key = f"_u{len(self.namespace)}"
        self.namespace[key] = obj
        return key


def comment(text: str, limit: int = 40) -> str:
    """A label or an op's name as it may stand in a comment: data, never code, one line, short."""
    shown = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text[:limit])
    return shown + ("..." if len(text) > limit else "")


def described(op: str, label: str) -> str:
    """A node in a comment: its op's name and its label, as data."""
    return f"{comment(str(op))}{f' {comment(label)}' if label else ''}"


def node(v: Any, names: dict[int, str], m: Source, spill: Callable[[Code], Code],
         index_type: type) -> tuple[str, list[str | None]]:
    """The line of node ``v``'s value, from its op's rule evaluated in ``m`` on its inputs'
    names (an argument of ``index_type``, a traced index, by its name too), and its
    contributions to its inputs' gradients (``{g}`` for its own gradient), None where it passes
    back nothing."""
    op = v._op
    inputs = [name(names[id(c)]) for c in v._children]
    args = [name(names[id(a)]) if isinstance(a, index_type) else a
            for a in op.arguments(inputs, v._local_grads)]
    out, local = op.rule(m, *args)
    out = flattened(out, spill)
    o = names[id(v)]
    named = {id(out): o}
    return (f"{o} = {written(out, {})}  # {described(op, v.label)}",
            [contribution(flattened(local[i], spill), named)
             for i in op.inputs_at(len(v._children))])


def needed(order: list[Any], wanted: set[int], passing: set[int]) -> set[int]:
    """The ids of the nodes whose gradient the code computes: the ``wanted`` leaves, and each
    node in ``passing`` (the root's graph, less where fn cut it) that leads to one."""
    needs = set(wanted)
    for v in order:
        if id(v) in passing and any(id(c) in needs for c in v._children):
            needs.add(id(v))
    return needs


class Deltas:
    """The backward pass's lines: each node's δ passed to its inputs, each input's gradient
    started at its first term (``0.0 + ...``, as eager's ``.grad`` starts at 0.0) and added to
    at the next ones."""

    def __init__(self, names: dict[int, str], lines: list[str]) -> None:
        self.names, self.lines = names, lines
        self.started: set[int] = set()

    def add(self, child: Any, term: str) -> None:
        target = f"d_{self.names[id(child)]}"
        if id(child) in self.started:
            self.lines.append(f"{target} += {term}")
        else:
            self.started.add(id(child))
            self.lines.append(f"{target} = 0.0 + {term}")

    def node(self, v: Any, contributions: list[str | None], needs: set[int]) -> None:
        """``v``'s δ, complete, passed to each of its inputs a gradient is needed for."""
        g = f"d_{self.names[id(v)]}"
        self.lines.append(f"# δ of {self.names[id(v)]} ({described(v._op, v.label)}) = {g}, "
                          "passed to its inputs")
        for child, d in zip(v._children, contributions):
            if id(child) not in needs:
                continue
            if d is None:  # passes back nothing (take's unchosen): the gradient only starts
                if id(child) not in self.started:
                    self.started.add(id(child))
                    self.lines.append(f"d_{self.names[id(child)]} = 0.0")
                continue
            self.add(child, d.format(g=g))


def contribution(d: Any, named: dict[int, str]) -> str | None:
    """A local derivative times the node's gradient ``{g}``, as eager's ``local * g``."""
    if d is floats.MASKED:
        return None  # eager adds 0.0, which leaves a gradient that starts at 0.0 as it was
    if type(d) is float and d == 1.0:
        return "{g}"  # 1.0 * g is g, to the bit
    return f"{written(d, named, 2)} * {{g}}"


def _parts(x: Code) -> list[Any]:
    return list(x.parts[1]) if x.kind == "call" else [] if x.kind == "text" else list(x.parts)


def flattened(root: Any, spill: Callable[[Code], Code]) -> Any:
    """``root`` with each part that nests deeper than _DEEPEST made a line of its own, from the
    bottom up (CPython's compiler recurses once per level: a sum of a million terms would fail).
    Iterative, as every walk here: such a tree can be a million deep."""
    if not isinstance(root, Code) or root.depth <= _DEEPEST:
        return root
    depth: dict[int, int] = {}
    stack: list[tuple[Code, bool]] = [(root, False)]
    while stack:
        x, ready = stack.pop()
        if id(x) in depth:
            continue
        parts = _parts(x)
        if not ready:
            stack.append((x, True))
            stack.extend((p, False) for p in parts if isinstance(p, Code) and p.depth > 0)
            continue
        own = [depth.get(id(p), 0) if isinstance(p, Code) else 0 for p in parts]
        while own and 1 + max(own) > _DEEPEST:
            k = own.index(max(own))
            parts[k] = spill(parts[k])
            own[k] = 0
        if x.kind == "call":
            x.parts = (x.parts[0], tuple(parts))
        elif x.kind != "text":
            x.parts = tuple(parts)
        depth[id(x)] = 1 + max(own, default=0) if x.kind != "text" else 0
    return root


# What the generated code's primitives are bound to.
NAMESPACE = {
    "_exp": math.exp, "_log": math.log, "_sqrt": math.sqrt, "_tanh": math.tanh,
    "_sigmoid": floats.sigmoid, "_relu": floats.relu, "_step": floats.step,
    "_leaky_relu": floats.leaky_relu, "_leaky_step": floats.leaky_step, "_sign": floats.sign,
    "_pow": floats.pow, "_power": floats.power, "_pow_slope": floats.pow_slope,
    "_pow_log": floats.pow_log, "_root": floats.root, "_fsum": math.fsum, "_MASKED": floats.MASKED,
    "_inf": math.inf, "_nan": math.nan,
}
