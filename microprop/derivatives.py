"""Gradients of gradients: every op's rule evaluated on Values, and ``grad`` as PyTorch's.

The rules of ``rules.py`` are written in an arithmetic that is passed in. Evaluated on floats they
give the numbers ``backward()`` records; evaluated here on Values, they give local derivatives
that are graphs of the op's inputs, so ``grad(..., create_graph=True)`` returns gradients you can
differentiate again. Each primitive below is the float one where its arguments are plain
numbers (constants), and where a slope is piecewise constant (relu's step, abs's sign), it is a
constant here too, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import _checks, engine, floats, nary, rules
from .engine import Value, _walk, enable_grad
from .rules import Op

__all__ = ["grad", "local_derivatives"]


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else x


class _On:
    """A primitive of one argument: the Value's own op, or the float one on a constant."""

    def __init__(self, method: str, on_floats: Any) -> None:
        self.method, self.on_floats = method, on_floats

    def __call__(self, x: Any) -> Any:
        return getattr(x, self.method)() if isinstance(x, Value) else self.on_floats(x)


class _Values:
    """The arithmetic of Values: each primitive records nodes, so its results can be
    differentiated again. Python's ``+ - * /`` serve as they are."""

    masked = floats.MASKED
    exp = _On("exp", floats.exp)
    log = _On("log", floats.log)
    sqrt = _On("sqrt", floats.sqrt)
    tanh = _On("tanh", floats.tanh)
    sigmoid = _On("sigmoid", floats.sigmoid)
    relu = _On("relu", floats.relu)
    abs = _On("abs", floats.abs)

    @staticmethod
    def root(x: Any) -> Any:
        return x**0.5 if isinstance(x, Value) else floats.root(x)

    # Slopes that are piecewise constant are constants: their own derivative is 0.
    @staticmethod
    def step(x: Any) -> float:
        return floats.step(_data(x))

    @staticmethod
    def sign(x: Any) -> float:
        return floats.sign(_data(x))

    @staticmethod
    def leaky_relu(x: Any, a: float) -> Any:
        return x.leaky_relu(a) if isinstance(x, Value) else floats.leaky_relu(x, a)

    @staticmethod
    def leaky_step(x: Any, a: float) -> float:
        return floats.leaky_step(_data(x), a)

    @staticmethod
    def chosen(index: int, k: int) -> float:
        return floats.chosen(index, k)

    @staticmethod
    def select(index: int, xs: Sequence[Any]) -> Any:
        return xs[index]

    @staticmethod
    def div(x: Any, y: Any) -> Any:
        return x / y if isinstance(x, Value) or isinstance(y, Value) else floats.div(x, y)

    @staticmethod
    def over(x: Any, y: Any) -> Any:
        """IEEE division, which at ``y = 0`` is an infinity that can be differentiated again
        (sqrt's slope at 0, whose own slope is -inf there, as in PyTorch)."""
        if not isinstance(y, Value):
            return x / y if isinstance(x, Value) else floats.over(x, y)
        return _Over(x, y)

    @staticmethod
    def divided(x: Any, y: Value) -> Value:
        return x / y if y.data != 0.0 else _node(rules.OVER, x, y)

    @staticmethod
    def power(x: Any, n: Any) -> Any:
        """``x ** n`` as a slope's factor: 0 to a negative power is inf, as floats.power."""
        if isinstance(x, Value) or isinstance(n, Value):
            return _node(rules.POW_IEEE, x, n)
        return floats.power(x, n)

    @staticmethod
    def reciprocal(x: Any) -> Any:
        """``1 / x`` as a slope: on a Value, what it multiplies is divided by ``x``, as
        PyTorch's backward divides (so a gradient of 0 stays 0 at every order, where 0 times
        the overflowing slope of 1/x would be NaN)."""
        return _DividedBy(x) if isinstance(x, Value) else floats.reciprocal(x)

    @staticmethod
    def pow(x: Any, n: Any) -> Any:  # noqa: A003
        return x**n if isinstance(x, Value) or isinstance(n, Value) else floats.pow(x, n)

    @staticmethod
    def pow_slope(x: Any, n: Any) -> Any:
        if _data(n) == 0.0:
            return floats.MASKED  # x ** 0 passes nothing back
        if not isinstance(x, Value):  # the slope of a constant base, which no gradient reads
            return floats.pow_slope(x, _data(n))
        if not isinstance(n, Value) and n - 1.0 in (0.5, -0.5):  # as PyTorch's pow(x, +-0.5):
            r = _Values.root(x)  # sqrt(x) and 1 / sqrt(x), so that -0.0 keeps its sign
            return n * (r if n > 1.0 else _Values.over(1.0, r))
        return n * _Values.power(x, n - 1.0)

    @staticmethod
    def pow_log(x: Any) -> Any:
        if isinstance(x, Value) and x.data > 0.0:
            return x.log()
        return floats.pow_log(_data(x))  # 0 at 0, NaN below (and for NaN)

    @staticmethod
    def logsumexp(xs: Sequence[Any]) -> Any:
        if any(isinstance(x, Value) for x in xs):
            return nary.logsumexp(xs)
        return floats.logsumexp(tuple(xs))

    @staticmethod
    def of_your_own(rule: Any, args: Sequence[Any]) -> tuple[Any, ...]:
        return rule.on_values(args)  # type: ignore[no-any-return]


def _node(op: Op, *args: Any) -> Value:
    """``op`` of ``args``, some of them Values and the others constants: its rule on floats,
    recorded with the constants kept in the op."""
    inputs = tuple(a for a in args if isinstance(a, Value))
    out, local = op.rule(floats, *[_data(a) for a in args])
    if len(inputs) < len(args):
        op = op.called_with(tuple(None if isinstance(a, Value) else a for a in args))
    slopes = tuple(d for a, d in zip(args, local) if isinstance(a, Value))
    return engine._result(out, op, inputs, slopes)


class _DividedBy:
    """A slope ``1 / x`` that overflows, on Values: ``g * it`` is ``g / x``."""

    def __init__(self, x: Value) -> None:
        self.x = x

    def __mul__(self, g: Any) -> Any:
        return g / self.x

    __rmul__ = __mul__


class _Over:
    """A slope ``x / y`` on Values (sqrt's ``0.5 / sqrt(x)``): ``g * it`` is ``(x * g) / y``,
    as PyTorch's sqrt backward divides (``g / (2 * result)``). Multiplying by ``x / y`` instead,
    a gradient of 0 under ``sqrt`` at 1e-310 was ``0 * (x / y)``, whose derivative in ``y``,
    ``0 * (-x / y^2)``, is NaN where ``y^2`` is subnormal and ``x / y^2`` overflows."""

    def __init__(self, x: Any, y: Value) -> None:
        self.x, self.y = x, y

    def __mul__(self, g: Any) -> Any:
        return _Values.divided(self.x * g, self.y)

    __rmul__ = __mul__

    def __neg__(self) -> _Over:
        return _Over(-self.x, self.y)


VALUES = _Values()

# Rules whose slope, a function of the node's value, the next order differentiates as an op of
# its own (as PyTorch's ``sigmoid_backward``), so that its derivative is one number; its float
# rule is the same product, bit for bit.
_SLOPES_AS_OPS = {rules.sigmoid: rules.SIGMOID_SLOPE}

# The built-in rules whose first call of one of these primitives computes their value (a rule of
# one's own, such as cosh's ``m.exp(x)`` then ``m.exp(-x)``, may call them for other things).
_REUSING_RULES = frozenset({
    rules.div, rules.over, rules.power, rules.power_ieee, rules.power_of_constant, rules.exp,
    rules.log, rules.sqrt, rules.tanh, rules.relu, rules.leaky_relu, rules.abs, rules.logsumexp,
    rules.take})
_VALUE_PRIMITIVES = frozenset({"exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "root",
                               "leaky_relu", "div", "over", "pow", "power", "logsumexp", "select"})


class _Reusing:
    """VALUES for one node's rule, where the rule's value is the node itself, not a new node.

    PyTorch's backward formulas read the op's saved result (sqrt's ``g / (2 * result)``), so at
    the next order the paths through the result and through its slope meet at one node before
    they are multiplied on: ``sqrt(x).exp()`` at ``x = 1e-310`` has d2/dx2 ``-inf`` there. With a
    second sqrt node they met only at ``x``, as ``inf`` and ``-inf``: NaN."""

    __slots__ = ("node", "fresh")

    def __init__(self, node: Value) -> None:
        self.node, self.fresh = node, True

    def __getattr__(self, name: str) -> Any:
        if self.fresh and name in _VALUE_PRIMITIVES:
            self.fresh = False
            return self._node
        return getattr(VALUES, name)

    def _node(self, *args: Any) -> Value:
        return self.node


def local_derivatives(node: Value, on_values: bool = True) -> tuple[Any, ...]:
    """The local derivatives of a computed node by its op's rule: as Values (graphs of its
    inputs) or, with ``on_values=False``, on the inputs' floats, as the engine recorded them."""
    op = node._op
    if not isinstance(op, Op):
        raise TypeError(
            f"grad(create_graph=True): the op {op or 'unnamed'!r} has no derivative rule: its node "
            "was made by hand (a micrograd closure, or Value(data, children, ...)), so its "
            "gradient cannot be differentiated again; define the op with "
            "microprop.op(name, rule=...) instead"
        )
    children = node._children
    inputs = children if on_values else [c.data for c in children]
    args = op.arguments(inputs, node._local_grads)
    if on_values and op.rule in _SLOPES_AS_OPS:  # the rule's slope, recorded as one op
        return (_node(_SLOPES_AS_OPS[op.rule], node),)
    if not on_values:
        arithmetic: Any = floats
    else:
        arithmetic = _Reusing(node) if op.rule in _REUSING_RULES else VALUES
    _, local = op.rule(arithmetic, *args)
    return tuple(local[i] for i in op.inputs_at(len(children)))


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    create_graph: bool = False,
    retain_graph: bool | None = None,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """d(outputs)/d(input) for each input, as ``torch.autograd.grad`` gives them.

    Several outputs are summed. No ``.grad`` is touched. The gradients are floats, or with
    ``create_graph=True`` Values built from the derivative rules, which you can differentiate
    again (``grad(grad(y, x, create_graph=True)[0], x)`` is d²y/dx²). An input the outputs do
    not depend on raises, unless ``allow_unused=True``: then its gradient is 0.0. The graph is
    never freed, so ``retain_graph`` is accepted for PyTorch's sake and changes nothing.
    """
    outs = _listed(outputs, "grad(outputs)")
    ins = _listed(inputs, "grad(inputs)")
    _checks.flag(create_graph, "grad(create_graph)")
    _checks.flag_or_none(retain_graph, "grad(retain_graph)")
    _checks.flag(allow_unused, "grad(allow_unused)")
    with enable_grad():  # as PyTorch: create_graph records even inside no_grad()
        grads = _backward(outs, create_graph)
    result = []
    for i, x in enumerate(ins):
        if x not in grads and not allow_unused:
            raise ValueError(
                f"grad: input {i} ({x!r:.60}) is not used by the outputs, so it has no gradient; "
                "pass allow_unused=True to get 0.0 for it"
            )
        g = grads.get(x, 0.0)
        result.append(Value(g) if create_graph and not isinstance(g, Value) else g)
    return tuple(result)


def _listed(xs: object, what: str) -> list[Value]:
    items = [xs] if isinstance(xs, Value) else xs
    if not isinstance(items, (list, tuple)) or not items:
        raise TypeError(f"{what}: expected a Value or a non-empty list of Values, got "
                        f"{type(xs).__name__}")
    for i, x in enumerate(items):
        if not isinstance(x, Value):
            raise TypeError(f"{what}: expected a Value or a non-empty list of Values, got "
                            f"{type(x).__name__} at {i}")
    return list(items)


def _backward(outs: list[Value], create_graph: bool) -> dict[Value, Any]:
    """The chain rule from ``outs`` (each seeded with 1) into a dict, floats or Values."""
    root = outs[0] if len(outs) == 1 else _joined(outs)
    order = _walk(root)
    grads: dict[Value, Any] = {}
    for out in outs:
        grads[out] = grads.get(out, 0.0) + 1.0
    for node in reversed(order):
        if node not in grads or not node._children:
            continue
        g = grads[node]
        if create_graph:
            locals_ = local_derivatives(node)
        else:
            locals_ = node._local_grads
            if len(locals_) != len(node._children):
                raise TypeError("grad: a node with a _backward closure hides its derivatives")
        for child, local in zip(node._children, locals_):
            before = grads.get(child)
            step = local * g
            grads[child] = step if before is None else before + step
    return grads


def _joined(outs: list[Value]) -> Value:
    """A node above every output, only so that one walk orders them all (never differentiated)."""
    return Value(0.0, tuple(outs), tuple(0.0 for _ in outs))
