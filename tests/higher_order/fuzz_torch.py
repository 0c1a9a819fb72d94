"""A differential fuzz of values, gradients, Hessians, third derivatives and ``jvp`` against
float64 PyTorch, at the numbers where derivatives go wrong: ±0, ±inf, NaN, subnormals, huge.

A program is a few leaves and steps over the op table ``tests/ops.py`` (each op called as it is,
or with its inputs first mapped into its domain), all drawn from one seed and its index, so any
program can be made again. Both libraries compute it, every difference is a mismatch, and a
mismatch is *explained* only by a difference that docs/numbers.md states, verified per program:
a documented choice of microprop's (``FIXES``: the sigmoid, ``c / x``, structural zeros) must
remove it when PyTorch computes the program again with that choice made, and a number that
depends on the formula (``FORMULA``) must be one where PyTorch's own other ways
(``other_ways``) disagree with its reverse mode. Anything else is ``UNEXPLAINED``. Shared by
``test_fuzz_torch.py`` (a few hundred programs) and
``scripts/fuzz_higher_order.py`` (100,000).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from ops import BOUNDED, BY_NAME, POSITIVE_PART
from ops import OPS as TABLE
from torch.autograd import forward_ad

import microprop
from microprop import Value, floats

F64 = torch.float64
inf, nan = math.inf, math.nan

# Leaves: half ordinary numbers, half the corners. 5e-324 is the smallest subnormal, 1e-310 one
# whose reciprocal overflows, 1e-160 one whose square is subnormal; ±710 and ±745 are where exp
# overflows and underflows (sigmoid's two forms part there); 1e300 squares to inf.
SPECIAL = (0.0, -0.0, inf, -inf, nan, 5e-324, -5e-324, 1e-310, -1e-310, 2.2250738585072014e-308,
           1e-160, -1e-160, 1e300, -1e300, 1.7976931348623157e308, 710.0, -710.0, 745.0,
           -745.0, 1.0, -1.0)
DIRECTIONS = (1.0, -0.5, 2.0, 0.25, -1.0)  # powers of two: multiplying by them is exact
TANGENTS = DIRECTIONS + (0.0, 0.0)  # jvp also along directions with zero components

# Finite numbers agree when |ours - theirs| <= TOLERANCE * (1 + the largest finite magnitude
# PyTorch gives in that quantity). Both libraries round each IEEE operation correctly, and their
# exp, log, tanh and pow are within a few ulp (2.2e-16 each) of the true value; a program has at
# most 8 steps, reused nodes and derivatives up to the third multiply that by at most a few
# hundred, and cancellation makes the error relative to the largest term rather than to the
# result, hence the scale. 1e-9 leaves a margin of about 1e4 over that, and is still a
# millionth of any mistake in a formula (a wrong factor or sign is wrong by the whole term).
TOLERANCE = 1e-9

QUANTITIES = ("value", "gradient", "gradient (create_graph)", "hessian", "third", "jvp")
AGREE = "agree"
RAISES = "microprop raises where PyTorch gives nan or inf"
SIGMOID = "sigmoid below -709: microprop's e^x/(1+e^x) is not 0"
CONSTANT_OVER = "c / x: microprop divides, PyTorch takes c * (1/x), which overflows"
STRUCTURAL = "structural zero: a kink's or a mask's slope is a constant"
FORMULA = "formula-dependent: PyTorch's own ways disagree"
NEGATIVE_INFINITY = "(-inf) ** a non-integer: microprop refuses it, as any negative base"
DIVISOR = "x / y: microprop's slope in y is -(x / y) / y, PyTorch's -x / (y * y) overflows"
NEGATIVE_POWER = "x ** -2: microprop's power is a subnormal, PyTorch's 1 / (x * x) is 0"
SQRT_QUOTIENT = "sqrt's slope (g / 2) / r: its slope in r reads that quotient, PyTorch's a new one"
UNEXPLAINED = "unexplained"


@dataclass(frozen=True)
class Program:
    """Leaves, steps (op row name, input node indices, mapped into the domain?), a direction for
    the third derivative and a tangent for ``jvp``; made again from ``(seed, index)``."""

    leaves: tuple[float, ...]
    steps: tuple[tuple[str, tuple[int, ...], bool], ...]
    direction: tuple[float, ...]
    tangent: tuple[float, ...]
    seed: int = 0
    index: int = 0


def make(seed: int, index: int, max_leaves: int = 4, max_steps: int = 8) -> Program:
    """Program number ``index`` of the run with ``seed``: the same on every machine."""
    rng = random.Random(f"{seed}:{index}")
    n = rng.randint(1, max_leaves)
    leaves = tuple(rng.choice(SPECIAL) if rng.random() < 0.5 else rng.choice(
        [round(rng.uniform(-3, 3), 3), float(rng.randint(-2, 2))]) for _ in range(n))
    steps = []
    for _ in range(rng.randint(1, max_steps)):
        row = rng.choice(TABLE)
        args = tuple(rng.randrange(n) if rng.random() < 0.3 else rng.randrange(
            max(0, n - 3), n) for _ in range(row.arity))  # mostly the last few nodes: deep
        steps.append((row.name, args, row.fuzz is not None and rng.random() < 0.5))
        n += 1
    return Program(leaves, tuple(steps), tuple(rng.choice(DIRECTIONS) for _ in leaves),
                   tuple(rng.choice(TANGENTS) for _ in leaves), seed, index)


# ---- the two columns ----------------------------------------------------------------------------


def _accurate_sigmoid(x: Any) -> Any:
    """PyTorch's sigmoid made microprop's: below -700, e^x/(1+e^x) is e^x to the last bit."""
    return torch.where(x < -700.0, torch.exp(torch.clamp(x, max=-700.0)), torch.sigmoid(x))


class _Div(torch.autograd.Function):
    """x / y as rules.div: the slope in x ``1 / y`` divides (``g / y``), the slope in y is
    ``-out / y`` from the result, at every order. PyTorch's backward takes
    ``-g * x / (y * y)``, whose ``y * y`` underflows for a subnormal y (to 0, and then
    ``x / 0`` is inf, and ``inf - inf`` NaN where the true slope is finite)."""

    @staticmethod
    def forward(x: Any, y: Any) -> Any:
        return x / y

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        ctx.save_for_backward(inputs[1], output)
        ctx.save_for_forward(inputs[1], output)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        y, out = ctx.saved_tensors
        return _Div.apply(g, y), _Div.apply(-out, y) * g

    @staticmethod
    def jvp(ctx: Any, tx: Any, ty: Any) -> Any:
        y, out = ctx.saved_tensors
        total = _c(0.0) if tx is None else _Div.apply(tx, y)
        return total if ty is None else total + _Div.apply(-out, y) * ty


class _Sqrt(torch.autograd.Function):
    """sqrt as rules.sqrt: the incoming gradient goes back as ``(0.5 * g) / r``, a quotient
    made as microprop's (``_Div``, whose slope in ``r`` reads that quotient, ``-q / r``).
    PyTorch's ``g / (2 * r)`` is a division whose own backward makes ``1 / (2 r)`` again as a
    new node, so at the next order the path through it is met by nothing: under sqrt(sin x) at
    5e-324 it gets an underflowed gradient (-3e-325 is -0.0) alone, times ``-1 / (4 r^2)``,
    which overflows: ``0 * inf``, NaN, where microprop's quotient adds that -0.0 to the -inf
    of the other path first (the third derivative, ``3 / 8 x^(-5/2)``, overflows to +inf)."""

    @staticmethod
    def forward(x: Any) -> Any:
        return torch.sqrt(x)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        ctx.save_for_backward(output)
        ctx.save_for_forward(output)

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (r,) = ctx.saved_tensors
        return _Div.apply(0.5 * g, r)

    @staticmethod
    def jvp(ctx: Any, t: Any) -> Any:
        (r,) = ctx.saved_tensors
        return _Div.apply(0.5 * t, r)


class _PowerOf(torch.autograd.Function):
    """x ** n for a constant n as rules.power_of_constant computes it: the float power, which
    is correctly rounded down to the subnormals, and its slope n x^(n-1) the same way at every
    order (floats.pow_slope, derivatives.pow_slope). PyTorch computes ``x ** -2`` as
    ``1 / (x * x)``: for |x| > 1.34e154 the square overflows and the power is 0 where it is a
    subnormal (``4e160 ** -2`` is 6.27e-322)."""

    @staticmethod
    def forward(x: Any, n: float) -> Any:
        return _c(floats.power(float(x), n))

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        ctx.save_for_backward(inputs[0])
        ctx.save_for_forward(inputs[0])
        ctx.n = inputs[1]

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        (x,) = ctx.saved_tensors
        return g * (ctx.n * _PowerOf.apply(x, ctx.n - 1.0)), None

    @staticmethod
    def jvp(ctx: Any, t: Any, _: Any) -> Any:
        (x,) = ctx.saved_tensors
        return t * (ctx.n * _PowerOf.apply(x, ctx.n - 1.0))


# ---- the kinks and masks written microprop's way, in PyTorch ------------------------------------
# microprop records a piecewise-constant slope (relu's step, leaky_relu's, abs's sign, take's
# chosen one, pow's mask at the exponent 0) as a constant, so its derivative is exactly 0, and a
# mask selects 0 rather than multiplying (microprop/floats.py: step, leaky_step, sign, chosen,
# pow_slope, pow_log; microprop/rules.py: power, logsumexp, take). PyTorch multiplies zeros
# tensors by the chain in its double backward, and spreads one entry's NaN through stack, gather
# and logsumexp. These compute the same numbers with microprop's graph, from PyTorch's own ops: a
# mask computed from the detached input is a constant, torch.where selects.


def _c(x: float) -> Any:
    return torch.tensor(x, dtype=F64)


class _Relu(torch.autograd.Function):
    """relu(x) as rules.relu: the slope 1 where x > 0 or NaN, else a mask, which sends back a
    constant 0 (floats.Masked: ``MASKED * g`` is the float 0.0, whatever ``g`` is), so nothing
    flows into the incoming gradient's own graph at the next order. A ``torch.where`` sends back
    ``where(on, g, 0)``, whose derivative in ``g`` is a zeros tensor, and that is multiplied on
    (``0 * inf``: sqrt's ``g / (2 * 0)`` below a switched-off relu is NaN at the next order)."""

    @staticmethod
    def forward(x: Any) -> Any:
        return torch.relu(x)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        ctx.on = not bool(inputs[0] <= 0.0)  # a scalar: microprop's step decides per number

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        return g if ctx.on else _c(0.0)

    @staticmethod
    def jvp(ctx: Any, t: Any) -> Any:
        return t * 1.0 if ctx.on else _c(0.0)


_relu_as_microprop = _Relu.apply


def _leaky_relu_as_microprop(x: Any) -> Any:
    """x times its slope (1 or 0.1) taken as a constant, as floats.leaky_step gives it."""
    xd = x.detach()
    return x * torch.where(xd > 0.0, _c(1.0), _c(0.1))


def _abs_as_microprop(x: Any) -> Any:
    """x times sign(x) taken as a constant (0 at 0 and at NaN, as floats.sign)."""
    xd = x.detach()
    return x * torch.where(xd > 0.0, _c(1.0), torch.where(xd < 0.0, _c(-1.0), _c(0.0)))


class _LogSumExp(torch.autograd.Function):
    """logsumexp([a, b, -1.0, c]) as one node: its value microprop's, each input's slope
    exp(x_i - out) on its own, so a NaN in one input reaches only its own entry."""

    @staticmethod
    def forward(a: Any, b: Any, c: Any) -> Any:
        return _c(floats.logsumexp((float(a), float(b), -1.0, float(c))))

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        ctx.save_for_backward(*inputs, output)
        ctx.save_for_forward(*inputs, output)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        *xs, out = ctx.saved_tensors
        return tuple(g * torch.exp(x - out) for x in xs)

    @staticmethod
    def jvp(ctx: Any, *tangents: Any) -> Any:
        *xs, out = ctx.saved_tensors
        total = _c(0.0)  # microprop's jvp: only the inputs that carry a tangent count
        for x, t in zip(xs, tangents):
            total = total if t is None else total + torch.exp(x - out) * t
        return total


class _Dot(torch.autograd.Function):
    """dot([w1, w2], [x1, x2], b) as one node, as rules.dot: an input used twice (``dot([y, y],
    [a, b], y)``) has its gradients added in the order of its places, (w1, x1, w2, x2, b), as
    microprop's backward adds them; PyTorch's three products and two sums send them in the order
    its engine reaches those nodes, and ``1e300 + 1 - 1e300`` is not ``1e300 - 1e300 + 1``."""

    @staticmethod
    def forward(w1: Any, x1: Any, w2: Any, x2: Any, b: Any) -> Any:
        return w1 * x1 + w2 * x2 + b

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        ctx.save_for_backward(*inputs[:4])
        ctx.save_for_forward(*inputs[:4])

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        w1, x1, w2, x2 = ctx.saved_tensors
        return x1 * g, w1 * g, x2 * g, w2 * g, g

    @staticmethod
    def jvp(ctx: Any, *tangents: Any) -> Any:
        w1, x1, w2, x2 = ctx.saved_tensors
        total = None  # microprop's jvp: only the inputs that carry a tangent, in order
        for slope, t in zip((x1, w1, x2, w2, _c(1.0)), tangents):
            if t is not None:
                total = slope * t if total is None else total + slope * t
        return _c(0.0) if total is None else total


def _dot_as_microprop(w1: Any, w2: Any, x1: Any, x2: Any, b: Any) -> Any:
    return _Dot.apply(w1, x1, w2, x2, b)  # the row's arguments, in the rule's order


class _Pow(torch.autograd.Function):
    """x ** n for two Values as rules.power: the slope in x n x^(n-1), masked (a selected 0) at
    n == 0; the slope in n x^n ln x, with ln x a constant 0 at x == 0 and NaN below."""

    @staticmethod
    def forward(x: Any, n: Any) -> Any:
        return torch.pow(x, n)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        ctx.save_for_backward(*inputs, output)
        ctx.save_for_forward(*inputs, output)

    @staticmethod
    def _slopes(x: Any, n: Any, out: Any) -> tuple:
        masked = n == 0.0
        safe_n = torch.where(masked, _c(1.0), n)  # never differentiated where it is masked
        in_x = safe_n * _Pow.apply(x, safe_n - 1.0)
        positive = x > 0.0
        ln = torch.where(positive, torch.log(torch.where(positive, x, _c(1.0))),
                         torch.where(x == 0.0, _c(0.0), _c(nan)))
        return masked, in_x, out * ln

    # At n == 0 the slope in x is a mask: a constant 0 goes back, as for relu (see _Relu).
    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        masked, in_x, in_n = _Pow._slopes(*ctx.saved_tensors)
        return _c(0.0) if masked else g * in_x, g * in_n

    @staticmethod
    def jvp(ctx: Any, tx: Any, tn: Any) -> Any:
        masked, in_x, in_n = _Pow._slopes(*ctx.saved_tensors)
        total = _c(0.0)
        if tx is not None and not masked:
            total = total + in_x * tx
        return total if tn is None else total + in_n * tn


class _Take(torch.autograd.Function):
    """[a, 2.0, b, c][2] as rules.take: b's slope 1, the others' a mask, so they are sent a
    selected 0 (not a multiplied one, and not a stack whose backward spreads one entry's NaN).
    A 0 still goes back, as in microprop: ``take([x, 2.0, x, y ** y], 2)`` at ``y = nan`` has
    d/dy = 0 * nan = nan in both libraries, where list indexing would send nothing back."""

    @staticmethod
    def forward(a: Any, b: Any, c: Any) -> Any:
        return b.clone()

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        pass

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        return _c(0.0), g, _c(0.0)

    @staticmethod
    def jvp(ctx: Any, ta: Any, tb: Any, tc: Any) -> Any:
        return _c(0.0) if tb is None else tb + 0.0


STRUCTURAL_OPS: dict[str, Callable[..., Any]] = {
    "relu": _relu_as_microprop,
    "leaky_relu": _leaky_relu_as_microprop,
    "abs": _abs_as_microprop,
    "take": _Take.apply,
    "logsumexp": _LogSumExp.apply,
    "pow value": _Pow.apply,
}

ONE_NODE = "dot as one node: an input's gradients add up in the order of its places"

# What PyTorch would compute had it made microprop's documented choice: a mismatch that goes
# away when the program is computed again with one of these (or the fewest of them together) is
# explained by it.
FIXES: dict[str, dict[str, Callable[..., Any]]] = {
    SIGMOID: {"sigmoid": _accurate_sigmoid},
    CONSTANT_OVER: {"constant div": lambda a: torch.tensor(4.0, dtype=F64) / a},
    DIVISOR: {"div": _Div.apply},
    SQRT_QUOTIENT: {"sqrt": _Sqrt.apply},
    NEGATIVE_POWER: {"pow negative int": lambda a: _PowerOf.apply(a, -2.0)},
    STRUCTURAL: STRUCTURAL_OPS,
    ONE_NODE: {"dot": _dot_as_microprop},
}


def _apply(step: tuple, nodes: Sequence[Any], column: str, fixes: dict | None = None) -> Any:
    name, args, mapped = step
    row = BY_NAME[name]
    if column == "on_values":
        f = row.on_values
    else:
        f = (fixes or {}).get(name) or row.on_tensors or row.on_values
    xs = [nodes[i] for i in args]
    if mapped:
        xs = [into(x) for into, x in zip(row.fuzz, xs)]
    return f(*xs)


def run(program: Program, leaves: Sequence[Any], column: str, fixes: dict | None = None) -> list:
    nodes = list(leaves)
    for step in program.steps:
        nodes.append(_apply(step, nodes, column, fixes))
    return nodes


def first_raise(program: Program) -> tuple[int, str] | None:
    """The step at which microprop raises (its documented refusals), and the error; None."""
    nodes: list[Any] = [Value(x) for x in program.leaves]
    for k, step in enumerate(program.steps):
        try:
            nodes.append(_apply(step, nodes, "on_values"))
        except Exception as e:  # noqa: BLE001 - only two kinds are documented; check() says
            return k, f"{type(e).__name__}: {e}"
    return None


def _along(gs: Sequence[Any], v: Sequence[float]) -> Any:
    total: Any = 0.0
    for g, c in zip(gs, v):
        total = total + g * c
    return total


def _number(x: Any) -> float:
    return float(x.data) if isinstance(x, Value) else float(x)


def ours(program: Program) -> dict[str, list | str]:
    """Every quantity by microprop; a quantity whose computation raised is the error's text."""
    out: dict[str, list | str] = {}
    xs = [Value(x) for x in program.leaves]
    nodes = run(program, xs, "on_values")
    out["value"] = [n.data for n in nodes]
    root = nodes[-1]

    def grad(y: Any, create: bool) -> list:
        if not isinstance(y, Value):
            return [0.0] * len(xs)
        return list(microprop.grad(y, xs, create_graph=create, allow_unused=True))

    def attempt(name: str, compute: Callable[[], list]) -> None:
        try:
            out[name] = compute()
        except Exception as e:  # noqa: BLE001 - any error is a finding, named in the report
            out[name] = f"raised {type(e).__name__}: {e}"

    attempt("gradient", lambda: [float(g) for g in grad(root, False)])
    try:
        first = grad(root, True)
    except Exception as e:  # noqa: BLE001
        out["gradient (create_graph)"] = out["hessian"] = out["third"] = f"raised {e!r}"
        first = None
    if first is not None:
        out["gradient (create_graph)"] = [_number(g) for g in first]
        attempt("hessian", lambda: [_number(h) for g in first for h in grad(g, False)])
        attempt("third", lambda: [_number(_along(
            grad(_along(grad(_along(first, program.direction), True), program.direction),
                 False), program.direction))])
    attempt("jvp", lambda: list(microprop.func.jvp(
        lambda *vs: run(program, vs, "on_values")[-1], list(program.leaves),
        list(program.tangent))))
    return out


def theirs(program: Program, fixes: dict | None = None) -> dict[str, list | str]:
    """Every quantity by float64 PyTorch (``fixes``: rows computed microprop's way)."""
    out: dict[str, list | str] = {}
    xs = [torch.tensor(x, dtype=F64, requires_grad=True) for x in program.leaves]
    nodes = run(program, xs, "on_tensors", fixes)
    out["value"] = [float(n.detach()) for n in nodes]
    root = nodes[-1]

    def grad(y: Any, create: bool) -> list:
        if not (isinstance(y, torch.Tensor) and y.requires_grad):
            return [torch.zeros((), dtype=F64) for _ in xs]
        return list(torch.autograd.grad(y, xs, create_graph=create, retain_graph=True,
                                        allow_unused=True, materialize_grads=True))

    first = grad(root, True)
    out["gradient"] = out["gradient (create_graph)"] = [float(g.detach()) for g in first]
    out["hessian"] = [float(h.detach()) for g in first for h in grad(g, False)]
    v = program.direction
    out["third"] = [float(_along(grad(_along(grad(_along(first, v), True), v), False), v)
                          .detach())]
    primals = tuple(torch.tensor(x, dtype=F64) for x in program.leaves)
    tangents = tuple(torch.tensor(t, dtype=F64) for t in program.tangent)
    value, tangent = torch.func.jvp(lambda *ts: run(program, ts, "on_tensors", fixes)[-1],
                                    primals, tangents)
    out["jvp"] = [float(value), float(tangent)]
    return out


# ---- comparing ----------------------------------------------------------------------------------


def same(a: float, b: float, scale: float) -> bool:
    """NaN is NaN, an infinity its own sign, a finite number within the tolerance of the other."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= TOLERANCE * scale


@dataclass(frozen=True)
class Mismatch:
    quantity: str
    index: int | None
    ours: Any
    theirs: Any

    def __str__(self) -> str:
        where = "" if self.index is None else f"[{self.index}]"
        return f"{self.quantity}{where}: microprop {self.ours!r}, PyTorch {self.theirs!r}"


def compare(mine: dict, reference: dict) -> list[Mismatch]:
    found = []
    for q in QUANTITIES:
        a, b = mine[q], reference[q]
        if isinstance(a, str) or isinstance(b, str):
            found.append(Mismatch(q, None, a, b))
            continue
        finite = [abs(x) for x in b if math.isfinite(x)]
        scale = 1.0 + max(finite, default=0.0)
        found += [Mismatch(q, i, x, y) for i, (x, y) in enumerate(zip(a, b))
                  if not same(x, y, scale)]
    return found


def other_ways(program: Program, fixes: dict | None = None) -> list[dict[str, list]]:
    """The derivatives by PyTorch in two other ways: forward mode over reverse mode (the
    gradient by forward mode), and reverse mode over forward mode; ``jvp`` in both as the
    reverse-mode gradient dotted with the tangent. The value has one way only."""
    n = len(program.leaves)
    xs = [torch.tensor(x, dtype=F64, requires_grad=True) for x in program.leaves]

    def tangent(y: Any) -> Any:
        t = forward_ad.unpack_dual(y).tangent if isinstance(y, torch.Tensor) else None
        return _c(0.0) if t is None else t

    def grad(y: Any, create: bool = True) -> list:
        if not (isinstance(y, torch.Tensor) and y.requires_grad):
            return [torch.zeros((), dtype=F64) for _ in xs]
        return list(torch.autograd.grad(y, xs, create_graph=create, retain_graph=True,
                                        allow_unused=True, materialize_grads=True))

    def root(direction: Sequence[float]) -> Any:
        duals = [forward_ad.make_dual(x, _c(d)) for x, d in zip(xs, direction)]
        return run(program, duals, "on_tensors", fixes)[-1]

    values = [float(x) for x in run(program, [x.detach() for x in xs], "on_tensors", fixes)]
    reverse = [float(g) for g in grad(run(program, xs, "on_tensors", fixes)[-1], False)]
    jvp = [values[-1], float(_along([_c(g) for g in reverse], program.tangent))]
    fr = {"value": values, "gradient": [0.0] * n, "hessian": [0.0] * (n * n), "jvp": jvp}
    rf = {"value": values, "gradient": reverse, "hessian": [0.0] * (n * n), "jvp": jvp}
    for j in range(n):
        with forward_ad.dual_level():
            y = root([1.0 if i == j else 0.0 for i in range(n)])
            fr["gradient"][j] = float(tangent(y))
            for i, g in enumerate(grad(y)):
                fr["hessian"][i * n + j] = float(tangent(g))  # d/dx_j of d/dx_i
            for i, h in enumerate(grad(tangent(y))):
                rf["hessian"][i * n + j] = float(h)  # d/dx_i of d/dx_j
    v = program.direction
    with forward_ad.dual_level():
        y = root(v)
        fr["third"] = [float(tangent(_along(grad(_along(grad(y), v)), v)))]
        rf["third"] = [float(_along(grad(_along(grad(tangent(y)), v)), v))]
    for way in (fr, rf):
        way["gradient (create_graph)"] = way["gradient"]
    return [fr, rf]


# ---- microprop's graph, its last backward run in PyTorch's order --------------------------------
# PyTorch's engine runs the nodes of a backward pass by sequence number, the last made first, and
# a node's gradient is its contributions added as they arrive; microprop's walk takes the reverse
# of a depth-first order. Where finite contributions overflow when added before an infinite one
# (1.2e308 + 1.2e308 - inf is NaN, 1.2e308 - inf + 1.2e308 is -inf), or a large pair cancels
# before or after a small one, the two orders give different numbers from the same terms.

ORDER = "order of adding: microprop's terms, added in PyTorch's order, give PyTorch's number"


class _Numbered:
    """Numbers microprop's nodes in the order PyTorch would have made them, while active.

    A node's number is when it was made (engine._result, which every op calls), except in a
    backward pass with create_graph: there microprop's rule makes all of an op's slopes, in the
    order of its inputs, and then multiplies each by the incoming gradient, while PyTorch's
    generated backward takes the last input first and multiplies each slope as soon as it is
    made (``x ** x``: log x, x^x log x, g times it, then x - 1, x^(x-1), x x^(x-1), g times it).
    So each slope's new nodes, then its product, are numbered in that order. Numbers are tuples:
    ``(n,)`` as made, ``(n, rank, 0 or 1, m)`` for the rank-th slope (0) or product (1) of the
    op whose slopes were asked for after node ``n``."""

    def __enter__(self) -> dict:
        from microprop import custom_op, derivatives, engine, nary

        self.made: dict[Value, tuple] = {}
        self.slot: tuple | None = None
        result, slopes = engine._result, derivatives.local_derivatives
        self.patched = [(m, "_result", result) for m in (engine, nary, custom_op)]
        self.patched.append((derivatives, "local_derivatives", slopes))

        def numbered(*args: Any) -> Value:
            node = result(*args)
            n = len(self.made)
            self.made[node] = (n,) if self.slot is None else (*self.slot, n)
            return node

        def in_torch_order(node: Value, on_values: bool = True) -> tuple:
            start = len(self.made)
            local = slopes(node, on_values)
            return tuple(self._renumbered(local, start)) if on_values else local

        for module, name, _ in self.patched:
            setattr(module, name, in_torch_order if name == "local_derivatives" else numbered)
        return self.made

    def _renumbered(self, local: tuple, start: int) -> list:
        """Renumbers the nodes made for ``local`` from ``start`` on, the last slope's first, and
        wraps each slope so that its product with the gradient is numbered right after it."""
        wrapped: list[Any] = [None] * len(local)
        for rank, i in enumerate(reversed(range(len(local)))):
            new, stack = set(), [local[i]]
            while stack:  # the slope's nodes made for it (not yet given to a later input's)
                v = stack.pop()
                if isinstance(v, Value) and len(self.made.get(v, ())) == 1 \
                        and self.made[v][0] >= start:
                    new.add(v)
                    stack.extend(v._children)
            for v in sorted(new, key=self.made.__getitem__):
                self.made[v] = (start - 1, rank, 0, self.made[v][0])
            wrapped[i] = _Product(local[i], (start - 1, rank, 1), self)
        return wrapped

    def __exit__(self, *_: object) -> None:
        for module, name, original in self.patched:
            setattr(module, name, original)


class _Product:
    """A slope whose product with the gradient (``slope * g``, derivatives._backward) is
    numbered in ``slot``."""

    def __init__(self, slope: Any, slot: tuple, numbered: _Numbered) -> None:
        self.slope, self.slot, self.numbered = slope, slot, numbered

    def __mul__(self, g: Any) -> Any:
        self.numbered.slot = self.slot
        try:
            return self.slope * g
        finally:
            self.numbered.slot = None


def _grad_in_torch_order(y: Any, xs: Sequence[Value], made: dict) -> list[float]:
    """d y / d xs on floats, microprop's recorded slopes, nodes run the last made first."""
    if not isinstance(y, Value):
        return [0.0] * len(xs)
    from microprop.engine import _walk

    order = sorted(_walk(y), key=lambda node: made.get(node, (-1,)), reverse=True)
    grads: dict[Value, Any] = {y: 1.0}
    for node in order:
        if node in grads:
            for child, local in zip(node._children, node._local_grads):
                step = local * grads[node]
                grads[child] = grads[child] + step if child in grads else step
    return [float(grads.get(x, 0.0)) for x in xs]


def ours_in_torch_order(program: Program) -> dict[str, list]:
    """microprop's Hessian and third derivative, each last backward pass in PyTorch's order."""
    with _Numbered() as made:
        xs = [Value(x) for x in program.leaves]
        first = microprop.grad(run(program, xs, "on_values")[-1], xs, create_graph=True,
                               allow_unused=True)
        hessian = [h for g in first for h in _grad_in_torch_order(g, xs, made)]
        v = program.direction
        inner = microprop.grad(_along(first, v), xs, create_graph=True, allow_unused=True)
        third = [_number(_along(_grad_in_torch_order(_along(inner, v), xs, made), v))]
    return {"hessian": hessian, "third": third}


def _in_torch_order(program: Program, mine: dict, subsets: list[list[str]]) -> set | None:
    """The documented choices (perhaps none) with which PyTorch's numbers are microprop's terms
    added in PyTorch's order; None where no such choice is found."""
    try:
        reordered = {**mine, **ours_in_torch_order(program)}
    except Exception:  # noqa: BLE001 - a quantity microprop could not compute: not this
        return None
    for subset in [[], *subsets]:
        if not compare(reordered, theirs(program, _fixes(subset))):
            return {*subset, ORDER}
    return None


def _formula_dependent(mismatches: list[Mismatch], reference: dict, ways: list[dict]) -> bool:
    """Whether at every mismatched entry one of PyTorch's other ways disagrees with its first
    (one NaN or infinite and the other not, or two finite numbers beyond the tolerance)."""
    for m in mismatches:
        if m.index is None or isinstance(reference[m.quantity], str):
            return False
        first = reference[m.quantity]
        scale = 1.0 + max((abs(x) for x in first if math.isfinite(x)), default=0.0)
        if all(same(first[m.index], way[m.quantity][m.index], scale) for way in ways):
            return False
    return True


@dataclass
class Outcome:
    """What one program gave: the labels it earned and its unexplained mismatches."""

    program: Program
    labels: set[str] = field(default_factory=set)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def unexplained(self) -> bool:
        return UNEXPLAINED in self.labels


def _fixes(names: Sequence[str]) -> dict:
    return {op: f for name in names for op, f in FIXES[name].items()}


def _explain(program: Program, mine: dict, mismatches: list[Mismatch]) -> tuple[set, list]:
    """The labels that explain ``mismatches``, and those that stay unexplained: first the
    fewest of microprop's documented choices that, made in PyTorch, remove every mismatch; then
    those with which microprop's own terms, added in PyTorch's order, give PyTorch's numbers
    (an exact reproduction, so it goes before the next); then the mismatches left with all of
    them made, where PyTorch disagrees with itself."""
    names = list(FIXES)
    subsets = [[a] for a in names] + [[a, b] for i, a in enumerate(names) for b in names[i + 1:]]
    for subset in subsets + [names]:
        if not compare(mine, theirs(program, _fixes(subset))):
            return set(subset), []
    reordered = _in_torch_order(program, mine, subsets + [names])
    if reordered is not None:
        return reordered, []
    reference = theirs(program, _fixes(names))
    left = compare(mine, reference)
    labels = {name for name in names if len(compare(mine, theirs(
        program, _fixes([other for other in names if other != name])))) > len(left)}
    try:
        ways = other_ways(program, _fixes(names))
    except Exception:  # noqa: BLE001 - PyTorch cannot compute it a second way: no explanation
        return set(), mismatches
    if _formula_dependent(left, reference, ways):
        return labels | {FORMULA}, []
    return set(), mismatches


def check(program: Program) -> Outcome:
    """Run ``program`` both ways and classify each difference (see the module docstring)."""
    outcome = Outcome(program)
    raised = first_raise(program)
    if raised is not None:
        k, error = raised
        xs = [torch.tensor(x, dtype=F64) for x in program.leaves]
        value = float(run(program, xs, "on_tensors")[len(program.leaves) + k])
        for name in FIXES:  # PyTorch's number once an earlier step is computed microprop's way
            if math.isfinite(value):  # (sigmoid(-745) is 5e-324 here: -745 ** 5e-324 is NaN)
                value = float(run(program, xs, "on_tensors", _fixes([name]))[
                    len(program.leaves) + k])
                outcome.labels.add(name) if not math.isfinite(value) else None
        documented = error.startswith(("ValueError", "ZeroDivisionError"))
        if error.startswith("ValueError: pow: a negative base -inf to the non-integer power"):
            outcome.labels.add(NEGATIVE_INFINITY)  # docs/numbers.md: PyTorch takes the limit
        elif math.isfinite(value) or not documented:  # only where PyTorch's number is not real
            outcome.labels.add(UNEXPLAINED)
            outcome.mismatches.append(Mismatch("value", len(program.leaves) + k, error, value))
            return outcome
        else:
            outcome.labels.add(RAISES)
        if k == 0:
            return outcome
        program = replace(program, steps=program.steps[:k])  # and what came before it
    mine, reference = ours(program), theirs(program)
    mismatches = compare(mine, reference)
    if not mismatches:
        outcome.labels.add(AGREE) if not outcome.labels else None
        return outcome
    labels, left = _explain(program, mine, mismatches)
    outcome.labels.update(labels)
    if left:
        outcome.labels.add(UNEXPLAINED)
        outcome.mismatches = left
    return outcome


# ---- making a failure small, and writing it on one line ----------------------------------------


def _without_step(program: Program, j: int) -> Program | None:
    """``program`` without step ``j``: its users read its first input instead."""
    n = len(program.leaves)
    name, args, mapped = program.steps[j]
    node, instead = n + j, args[0]
    steps = []
    for name2, args2, mapped2 in program.steps[:j] + program.steps[j + 1:]:
        steps.append((name2, tuple(instead if a == node else a - (a > node) for a in args2),
                      mapped2))
    return replace(program, steps=tuple(steps)) if steps else None


def _without_leaf(program: Program, i: int) -> Program | None:
    n = len(program.leaves)
    if n == 1 or any(i in args for _, args, _ in program.steps):
        return None
    drop = lambda xs: xs[:i] + xs[i + 1:]  # noqa: E731
    steps = tuple((name, tuple(a - (a > i) for a in args), m) for name, args, m in program.steps)
    return replace(program, leaves=drop(program.leaves), steps=steps,
                   direction=drop(program.direction), tangent=drop(program.tangent))


def _candidates(p: Program):
    for k in range(1, len(p.steps)):
        yield replace(p, steps=p.steps[:k])
    for j in range(len(p.steps)):
        yield _without_step(p, j)
    for i in range(len(p.leaves)):
        yield _without_leaf(p, i)
    for j, (name, args, mapped) in enumerate(p.steps):
        for i, a in enumerate(args):
            for b in range(a):  # an earlier node: fewer leaves used, shorter chains
                yield replace(p, steps=p.steps[:j] + (
                    (name, args[:i] + (b,) + args[i + 1:], mapped),) + p.steps[j + 1:])
        if mapped:
            yield replace(p, steps=p.steps[:j] + ((name, args, False),) + p.steps[j + 1:])
    for i, x in enumerate(p.leaves):
        for simpler in (1.0, 0.5, 2.0, 0.0):
            if repr(x) != repr(simpler) and not (x in SPECIAL and simpler == 0.0 and x):
                yield replace(p, leaves=p.leaves[:i] + (simpler,) + p.leaves[i + 1:])
    for i in range(len(p.leaves)):
        if p.direction[i] != 1.0:
            yield replace(p, direction=p.direction[:i] + (1.0,) + p.direction[i + 1:])
        if p.tangent[i] not in (1.0, 0.0):
            yield replace(p, tangent=p.tangent[:i] + (1.0,) + p.tangent[i + 1:])


def _kind(x: Any) -> str:
    if isinstance(x, str):
        return "an error"
    if not isinstance(x, float):
        return "numbers"  # the other side of an error
    return "nan" if math.isnan(x) else "inf" if math.isinf(x) else "0" if x == 0 else "finite"


def signature(outcome: Outcome) -> tuple:
    """What kind of failure: its first quantity, the kinds of the two numbers, the ops."""
    first = outcome.mismatches[0]
    return (first.quantity, _kind(first.ours), _kind(first.theirs),
            tuple(sorted({name for name, _, _ in outcome.program.steps})))


def shrink(outcome: Outcome, budget: int = 400) -> Outcome:
    """A smaller program with an unexplained mismatch in the same first quantity."""
    quantity = outcome.mismatches[0].quantity
    best = outcome
    changed = True
    while changed and budget > 0:
        changed = False
        for candidate in _candidates(best.program):
            if candidate is None:
                continue
            budget -= 1
            try:
                result = check(candidate)
            except Exception:  # noqa: BLE001 - a candidate PyTorch cannot run is no smaller case
                continue
            if result.unexplained and result.mismatches[0].quantity == quantity:
                best, changed = result, True
                break
            if budget <= 0:
                break
    return best


_TEMPLATES = {
    "add": "{0} + {1}", "add constant": "{0} + 2.5", "constant add": "2.5 + {0}",
    "sub": "{0} - {1}", "sub constant": "{0} - 2.5", "constant sub": "2.5 - {0}",
    "neg": "-{0}", "mul": "{0} * {1}", "mul constant": "{0} * 3.0", "constant mul": "3.0 * {0}",
    "square by mul": "{0} * {0}", "div": "{0} / {1}", "div constant": "{0} / 4.0",
    "constant div": "4.0 / {0}", "pow int": "{0} ** 3", "pow negative int": "{0} ** -2",
    "pow float": "{0} ** 2.5", "pow value": "{0} ** {1}", "constant pow": "2.0 ** {0}",
    "exp": "{0}.exp()", "log": "{0}.log()", "sqrt": "{0}.sqrt()", "tanh": "{0}.tanh()",
    "sigmoid": "{0}.sigmoid()", "relu": "{0}.relu()", "leaky_relu": "{0}.leaky_relu(0.1)",
    "abs": "abs({0})", "dot": "dot([{0}, {1}], [{2}, {3}], {4})",
    "dot with constant inputs": "dot([{0}, {1}], [0.5, -2.0], 1.0)",
    "op of your own": "SIN({0})", "sum": "sum([{0}, {1}, 7.0, {2}])",
    "logsumexp": "logsumexp([{0}, {1}, -1.0, {2}])", "take": "take([{0}, 2.0, {1}, {2}], 2)",
}
_MAPS = {POSITIVE_PART: "({0} * {0} + 0.5)", BOUNDED: "(2 * {0} / ({0} * {0} + 1))"}


def _number_text(x: float) -> str:
    if math.isnan(x):
        return "nan"
    return repr(x) if math.isfinite(x) else ("-inf" if x < 0 else "inf")


def describe(program: Program) -> str:
    """The program on one line, as microprop code (``nan``, ``inf`` for those floats)."""
    parts = [f"x{i} = Value({_number_text(x)})" for i, x in enumerate(program.leaves)]
    names = [f"x{i}" for i in range(len(program.leaves))]
    for k, (name, args, mapped) in enumerate(program.steps):
        xs = [names[a] for a in args]
        row = BY_NAME[name]
        if mapped:
            xs = [_MAPS.get(into, "{0}").format(x) for into, x in zip(row.fuzz, xs)]
        names.append(f"y{k}")
        parts.append(f"y{k} = " + _TEMPLATES[name].format(*xs))
    parts.append(f"direction {program.direction}, tangent {program.tangent}")
    return "; ".join(parts)
