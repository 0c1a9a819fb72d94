"""compile's tape backend (microprop/tape.py, the C machine in microprop/_tape.c): each call the
same bits as eager, NaN, infinities and signed zeros included, eager's errors where the machine
stops, and a machine that refuses arrays that do not fit instead of reading outside them."""

from __future__ import annotations

import math
import random
import struct
import sys
import warnings
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ops import OPS
from programs import programs, run
from threads import run_in_threads

import microprop
from microprop import Value, custom_op, losses, nary, tape
from microprop.nn import MLP

if not tape.available():
    pytest.skip("the tape machine (microprop._tape) is not built here", allow_module_level=True)

_tape = tape._tape
inf, nan = math.inf, math.nan
SPECIAL = [0.0, -0.0, inf, -inf, nan, 1.5, -1.5, 2.0]
SPECIAL_LEAVES = st.sampled_from([0.0, -0.0, inf, -inf, nan]) | st.floats(-2, 2, allow_nan=False)
# A user op (the op table's sin) cannot run on the tape: asked for by name, its trace says so.
FALLS_BACK = "ignore:compile\\(backend='tape'\\)"


def bits(x: float) -> bytes:
    """A float's bits; every NaN the same (eager and compiled may carry other payloads)."""
    return b"nan" if x != x else struct.pack("<d", x)


def outcome(call):
    """The bits of what ``call()`` returns, or the type and message of what it raises."""
    try:
        value, grads = call()
    except (ArithmeticError, ValueError, IndexError) as error:
        return type(error).__name__, str(error)
    return bits(value), [bits(g) for g in grads]


def eager(fn, params, *args):
    """fn(*args) and its parameters' gradients by eager backward(), from zero gradients."""
    for p in params:
        p.grad = 0.0
    root = fn(*args)
    root.backward()
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return root.data, grads


def on_tape(fn, params=None, **options):
    return microprop.compile(fn, params, backend="tape", **options)


def instructions(table: str) -> list[list[str]]:
    """The instruction lines of a printed tape, each as its words (number, op, out, inputs)."""
    return [line.replace(",", " ").split() for line in table.splitlines()
            if not line.startswith("#")]


# ---- random programs, at special numbers too: eager's bits, call by call -------------------


@pytest.mark.filterwarnings(FALLS_BACK)
@settings(max_examples=150, deadline=None)
@given(programs(max_steps=12, values=SPECIAL_LEAVES))
def test_a_random_program_at_zeros_infinities_and_nan_gives_eagers_bits(program):
    leaves, steps = program
    params = [Value(x) for x in leaves]

    def fn():
        return run(params, steps, "on_values")[-1]

    compiled = on_tape(fn, params)
    assert outcome(compiled) == outcome(lambda: eager(fn, params))


@pytest.mark.filterwarnings(FALLS_BACK)
@settings(max_examples=150, deadline=None)
@given(programs(max_steps=10), st.lists(st.lists(SPECIAL_LEAVES, min_size=4, max_size=4),
                                        min_size=1, max_size=4))
def test_a_program_traced_once_and_called_at_special_numbers_gives_eagers_bits(program, calls):
    """Traced at ordinary numbers, then called where the machine must stop (an overflow, a
    domain error, NaN into logsumexp) or must not (a NaN passing through): eager's result or
    eager's error at every call."""
    leaves, steps = program
    w = Value(0.75)

    def fn(*xs):
        nodes = run([w * x for x in xs], steps, "on_values")
        return nodes[-1] * w

    compiled = on_tape(fn, [w])
    try:
        compiled(*leaves)
    except (ArithmeticError, ValueError):
        return
    for new in calls:
        xs = new[: len(leaves)]
        assert outcome(lambda: compiled(*xs)) == outcome(  # noqa: B023 - called at once
            lambda: eager(fn, [w], *[Value(x) for x in xs]))  # noqa: B023


@pytest.mark.filterwarnings(FALLS_BACK)
@settings(max_examples=60, deadline=None)
@given(programs(max_steps=10), st.lists(st.lists(SPECIAL_LEAVES, min_size=4, max_size=4),
                                        min_size=1, max_size=12))
def test_accumulate_over_a_batch_is_the_python_backends_bit_for_bit(program, rows):
    leaves, steps = program
    w, v = Value(0.75), Value(-1.25)

    def fn(*xs):
        nodes = run([w * x for x in xs], steps, "on_values")
        return nodes[-1] * w + v

    rows = [row[: len(leaves)] for row in rows]
    got = {}
    for backend in ("python", "tape"):
        compiled = microprop.compile(fn, [w, v], backend=backend)
        w.grad = v.grad = 0.0
        got[backend] = outcome(lambda: (compiled.accumulate(rows), [w.grad, v.grad]))  # noqa: B023
    w.grad = v.grad = 0.0
    assert got["tape"] == got["python"]


def test_accumulate_of_a_network_on_the_tape_is_the_python_backends_bit_for_bit():
    model = MLP(3, [8, 8, 1], seed=4)
    rng = random.Random(1)
    rows = [([rng.uniform(-2, 2) for _ in range(3)], rng.choice((-1.0, 1.0))) for _ in range(64)]

    def loss(x, y):
        return (1.0 - y * model(x)).relu() + 1e-3 * nary.sum([p * p for p in model.parameters()])

    sums = {}
    for backend in ("python", "tape"):
        compiled = microprop.compile(loss, model, backend=backend)
        model.zero_grad()
        total = compiled.accumulate(rows)
        sums[backend] = [bits(total)] + [bits(p.grad) for p in model.parameters()]
        assert compiled.backend == backend
    model.zero_grad()
    assert sums["tape"] == sums["python"]


# ---- every op of the op table, at every special number, under special upstream gradients ----


@pytest.mark.filterwarnings(FALLS_BACK)
@pytest.mark.parametrize("row", OPS, ids=str)
def test_every_op_on_the_tape_gives_eagers_bits_at_every_special_number(row):
    """Each input made a parameter, traced at the row's point, then called with each input at
    each special number and the result times an upstream gradient of 1, inf, -inf or NaN."""
    params = [Value(x) for x in row.point]

    def fn(u):
        return row.on_values(*params) * u

    compiled = on_tape(fn, params)
    compiled(1.0)
    for i in range(row.arity):
        for s in SPECIAL:
            for u in (1.0, inf, -inf, nan):
                for p, x in zip(params, row.point):
                    p.data = x
                params[i].data = s
                assert outcome(lambda: compiled(u)) == outcome(  # noqa: B023
                    lambda: eager(fn, params, Value(u))), (i, s, u)  # noqa: B023
    expected = "python" if row.name == "op of your own" else "tape"
    assert compiled.backend == expected


# ---- logsumexp: an exact sum, as math.fsum ----------------------------------------------------


def lse_cases():
    rng = random.Random(7)
    yield [0.0] + [-1e-16 * k for k in range(1, 200)]
    yield [0.0, -1e-16, -1e-16, -2e-16, -1e-300]
    yield [rng.gauss(0.0, 1.0) for _ in range(1000)]
    yield [rng.uniform(-800.0, 0.0) for _ in range(1000)]  # exp of most is 0 or subnormal
    yield [0.0, -36.04365338911715, -36.7368005696771, -745.1, -744.0, -708.4]
    yield [1e300, -1e300, 1e300, 5e299]  # the first largest of equal ones
    yield [-0.0, 0.0, -1e-320, 1e-320]
    yield [0.5 ** k for k in range(1100)]  # every exponent
    yield [rng.choice([0.0, -1e-16, -2.3e-16, -37.0, -745.0]) for _ in range(1000)]
    yield [-math.ldexp(1.0, -k) for k in range(0, 1075)]


@pytest.mark.parametrize("xs", list(lse_cases()), ids=lambda xs: f"{len(xs)} inputs")
def test_logsumexp_of_many_inputs_gives_eagers_bits(xs):
    """The machine sums exp(x - max) exactly (Shewchuk's partials, as math.fsum), so its
    logsumexp is eager's to the bit, and so are the softmax slopes."""
    params = [Value(x) for x in xs]
    compiled = on_tape(lambda u: nary.logsumexp(params) * u, params)
    for u in (1.0, 3.0):
        assert outcome(lambda: compiled(u)) == outcome(  # noqa: B023
            lambda: eager(lambda u: nary.logsumexp(params) * u, params, Value(u)))  # noqa: B023
    m = max(xs)
    assert compiled(1.0)[0] == m + math.log(math.fsum(math.exp(x - m) for x in xs))
    assert compiled.backend == "tape"


@pytest.mark.parametrize("target", [0, 1, 999])
def test_cross_entropy_over_a_thousand_classes_gives_eagers_bits(target):
    rng = random.Random(target)
    logits = [Value(rng.uniform(-50, 50)) for _ in range(1000)]
    fn = lambda t: losses.cross_entropy([logits], [t])  # noqa: E731
    compiled = on_tape(fn, logits)
    assert outcome(lambda: compiled(target)) == outcome(lambda: eager(fn, logits, target))
    for x in (1e308, -1e308, inf, nan):  # a finite extreme on the tape, the others by eager
        logits[3].data = x
        assert outcome(lambda: compiled(target)) == outcome(  # noqa: B023
            lambda: eager(fn, logits, target))


# ---- masked slopes: 0, not NaN, under an infinite or NaN gradient ------------------------------


@pytest.mark.parametrize("x", [-1.0, 0.0, -0.0, -inf])
@pytest.mark.parametrize("u", [inf, -inf, nan])
def test_a_switched_off_relu_passes_back_zero_under_an_infinite_gradient(x, u):
    w = Value(x)
    compiled = on_tape(lambda u: w.relu() * u, [w])
    assert compiled(u)[1] == [0.0] == eager(lambda u: w.relu() * u, [w], Value(u))[1]


@pytest.mark.parametrize("u", [inf, nan])
def test_x_to_the_power_zero_passes_back_zero_by_a_constant_or_a_value(u):
    w, n = Value(0.0), Value(0.0)
    for fn in (lambda u: w ** 0 * u, lambda u: w ** n * u):
        compiled = on_tape(fn, [w])
        for x in (0.0, 3.0, -2.0, inf):
            w.data = x
            assert outcome(lambda: compiled(u)) == outcome(  # noqa: B023
                lambda: eager(fn, [w], Value(u)))  # noqa: B023
            assert compiled(u)[1] == [0.0]


def test_takes_unchosen_inputs_get_zero_under_an_infinite_gradient():
    ps = [Value(1.0), Value(2.0), Value(3.0)]

    def fn(i, u):
        return nary.take(ps, i) * u

    compiled = on_tape(fn, ps, indices=[0])
    for i in range(3):
        for u in (inf, nan, 2.0):
            assert outcome(lambda: compiled(i, u)) == outcome(  # noqa: B023
                lambda: eager(fn, ps, i, Value(u)))  # noqa: B023
    assert compiled(1, inf)[1][0] == compiled(1, inf)[1][2] == 0.0
    assert compiled.backend == "tape" and "select" in compiled.source


# ---- where the machine stops: eager's errors, eager's infinities --------------------------------


ERRORS = [
    ("division by zero", lambda w, x: w / x, 1.0, 0.0),
    ("log of a negative", lambda w, x: (w * x).log(), 1.0, -2.0),
    ("log of zero", lambda w, x: (w * x).log(), 1.0, 0.0),
    ("sqrt of a negative", lambda w, x: (w * x).sqrt(), 1.0, -3.0),
    ("a negative base to a fractional power", lambda w, x: (w * x) ** 2.5, 1.0, -3.0),
    ("a negative base to a fractional Value", lambda w, x: x ** (w * 0.25), 1.0, -3.0),
    ("0 to a negative power", lambda w, x: (w * x) ** -2, 1.0, 0.0),
    ("an index out of range", lambda w, i: nary.take([w, w * 2.0], i), 0, 2),
]


@pytest.mark.parametrize(("fn", "traced_at", "called_at"), [e[1:] for e in ERRORS],
                         ids=[e[0] for e in ERRORS])
def test_an_error_inside_a_compiled_function_is_eagers_error(fn, traced_at, called_at):
    w = Value(2.0)
    indices = [0] if isinstance(traced_at, int) else []
    compiled = on_tape(lambda x: fn(w, x), [w], indices=indices)
    compiled(traced_at)
    want = outcome(lambda: eager(lambda x: fn(w, x), [w], called_at if indices else
                                 Value(called_at)))
    assert isinstance(want[1], str)  # eager raises
    assert outcome(lambda: compiled(called_at)) == want
    assert compiled.backend == "tape"


OVERFLOWS = [
    ("exp", lambda w, x: (w * x).exp(), 1e5),
    ("a product", lambda w, x: w * x * x, 1e200),
    ("a cube", lambda w, x: (w * x) ** 3, 1e200),
    ("a power of 2", lambda w, x: 2.0 ** (w * x), 1e5),
    ("a quotient", lambda w, x: w / (x * 1e-300), 1e-10),
    ("a reciprocal slope", lambda w, x: (w * x).log(), 1e-310),
]


@pytest.mark.parametrize(("fn", "x"), [o[1:] for o in OVERFLOWS], ids=[o[0] for o in OVERFLOWS])
def test_an_overflow_gives_eagers_infinity(fn, x):
    w = Value(1.0)
    compiled = on_tape(lambda x: fn(w, x), [w])
    compiled(1.0)
    want = outcome(lambda: eager(lambda x: fn(w, x), [w], Value(x)))
    assert outcome(lambda: compiled(x)) == want
    assert outcome(lambda: compiled(-x)) == outcome(lambda: eager(lambda x: fn(w, x), [w],
                                                                  Value(-x)))
    value, grads = compiled(x)
    assert not all(map(math.isfinite, [value, *grads]))


# ---- comparisons: the machine stops and compile takes the other path ----------------------------


def test_a_comparison_guard_takes_the_other_path_on_later_calls():
    a, b = Value(1.0), Value(5.0)

    def fn(x):
        v = max(a * x, b * x)
        return v.tanh() if v > 0 else v * 3.0

    compiled = on_tape(fn, [a, b])
    points = [2.0, -2.0, 3.0, -0.5, 0.0, -0.0, nan, 1.0, -1.0]
    for x in points:
        assert outcome(lambda: compiled(x)) == outcome(  # noqa: B023
            lambda: eager(fn, [a, b], Value(x)))  # noqa: B023
    traces = len(compiled._programs[("x",)])
    assert traces == 2 and all(p.backend == "tape" for p in compiled._programs[("x",)])
    for x in points:  # again: every path is traced, none is added
        assert outcome(lambda: compiled(x)) == outcome(  # noqa: B023
            lambda: eager(fn, [a, b], Value(x)))  # noqa: B023
    assert len(compiled._programs[("x",)]) == traces
    assert "is_less" in compiled.source or "is_not_less" in compiled.source


def test_a_comparison_with_an_int_too_big_for_a_float_runs_as_eager_does():
    """Defect: tape._exactly called float(10 ** 400), so tracing raised OverflowError where
    eager (and the python backend) compare the numbers exactly."""
    w = Value(2.0)
    fn = lambda x: w * x if x < 10**400 else w  # noqa: E731
    compiled = microprop.compile(fn, [w])
    assert outcome(lambda: compiled(3.0)) == outcome(lambda: eager(fn, [w], Value(3.0)))


# ---- what cannot run on the tape runs as Python, said only when the tape was asked for ----------


@custom_op.op("cube\u00e9")
def cube(x):
    return x ** 3, (3 * x ** 2,)


def test_an_op_of_your_own_runs_its_trace_as_python_and_says_so_when_the_tape_was_asked():
    w = Value(2.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled = on_tape(lambda x: cube(w * x) + w, [w])
        assert compiled(1.0) == (10.0, [13.0])
        assert compiled(1.0) == (10.0, [13.0])
    assert compiled.backend == "python"
    assert len(caught) == 1 and caught[0].category is RuntimeWarning
    said = str(caught[0].message)
    assert said.startswith("compile(backend='tape'): ") and "as generated Python" in said
    assert caught[0].filename == __file__  # the caller's line


def test_the_fallback_warning_names_the_op_of_your_own():
    """Defect: the warning said "the op of your own is a function of floats of your own",
    not which op (the rule of a user op has no __name__; its name is ``.name``)."""
    w = Value(2.0)
    with pytest.warns(RuntimeWarning) as caught:
        on_tape(lambda x: cube(w * x), [w])(1.0)
    assert "cube\u00e9" in str(caught[0].message)


def test_by_default_an_op_of_your_own_runs_as_python_without_a_warning():
    w = Value(2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = microprop.compile(lambda x: cube(w * x), [w])
        assert compiled(1.0) == (8.0, [12.0])
    assert compiled.backend == "python"
    plain = microprop.compile(lambda x: w * x, [w])
    assert plain.backend == "tape"  # before the first call: what will run
    plain(1.0)
    assert plain.backend == "tape"


@pytest.mark.parametrize("bad", ["gpu", "Tape", 3, b"tape", ["tape"]])
def test_an_unknown_backend_is_refused_naming_the_choices(bad):
    with pytest.raises(ValueError) as caught:
        microprop.compile(lambda x: x, backend=bad)
    assert "'python', 'tape', 'numpy'" in str(caught.value)


# ---- the machine refuses arrays that do not fit: an error, never a crash -----------------------


def good_tape():
    """A tape of w * x + exp(x) and its gradient, as arrays: (code, aux, registers, leaves,
    rows, width, grads, root, G, start, picks), for ``_tape.run``."""
    w = Value(2.0)
    compiled = on_tape(lambda x: w * x + x.exp(), [w])
    compiled(1.0)
    t = compiled._latest._tape
    return [t.code, t.aux, t.registers, array("d", [2.0]), array("d", [1.0, 2.0]), t.width,
            t.grads, t.root, array("d", [0.0]), 0, None]


def test_the_arrays_of_a_good_tape_run():
    args = good_tape()
    ended, k, total, last = _tape.run(*args)
    assert (ended, k) == (tape.RAN, 2)
    assert total == (2.0 + math.exp(1.0)) + (4.0 + math.exp(2.0)) and args[8][0] == 3.0


def opcode(name):
    return _tape.OPCODES.index(name)


def with_code(*instruction, aux=None):
    def change(args):
        args[0] = array("i", [*args[0], *instruction])
        if aux is not None:
            args[1] = array("i", aux)
    return change


def at(position, value):
    def change(args):
        args[position] = value
    return change


UNFIT = [
    ("an output register out of range", with_code(opcode("ADD"), 99, 0, 0), ValueError),
    ("an input register out of range", with_code(opcode("ADD"), 0, 0, 99), ValueError),
    ("a negative register", with_code(opcode("NEG"), 0, -1, 0), ValueError),
    ("an opcode out of range", with_code(len(_tape.OPCODES), 0, 0, 0), ValueError),
    ("a negative opcode", with_code(-1, 0, 0, 0), ValueError),
    ("code not in fours", with_code(opcode("ADD"), 0, 0), ValueError),
    ("logsumexp past the end of aux", with_code(opcode("LOGSUMEXP"), 0, 0, 3, aux=[0, 1]),
     ValueError),
    ("logsumexp of nothing", with_code(opcode("LOGSUMEXP"), 0, 0, 0, aux=[0]), ValueError),
    ("select past the end of aux", with_code(opcode("SELECT"), 0, 0, 2, aux=[0, 1]), ValueError),
    ("a dot past the end of aux", with_code(opcode("DOT"), 0, 0, 2, aux=[0, 1, 2]), ValueError),
    ("a dot of no pairs", with_code(opcode("DOT"), 0, 0, 0, aux=[0]), ValueError),
    ("a dot of a huge count", with_code(opcode("DOT"), 0, 0, 2**31 - 1, aux=[0, 1, 2]),
     ValueError),
    ("an aux register out of range", with_code(opcode("LOGSUMEXP"), 0, 0, 1, aux=[99]),
     ValueError),
    ("a huge aux start", with_code(opcode("LOGSUMEXP"), 0, 2**31 - 1, 1, aux=[0]), ValueError),
    ("rows not a multiple of width", lambda args: (at(4, array("d", [1.0, 2.0, 3.0]))(args),
                                                   at(5, 2)(args)), ValueError),
    ("width past the registers", at(5, 10**6), ValueError),
    ("a negative width", at(5, -1), ValueError),
    ("a huge width", at(5, sys.maxsize), ValueError),
    ("a root out of range", at(7, 10**6), ValueError),
    ("a negative start", at(9, -1), ValueError),
    ("a gradient's register out of range", at(6, array("i", [10**6])), ValueError),
    ("G of another length", at(8, array("d", [0.0, 0.0])), ValueError),
    ("leaves past the registers", at(3, array("d", [0.0] * 10**4)), ValueError),
    ("code of longs", at(0, array("q", [0] * 4)), TypeError),
    ("registers of floats", at(2, array("f", [0.0] * 20)), TypeError),
    ("rows of ints", at(4, array("i", [1, 2])), TypeError),
    ("G of floats", at(8, array("f", [0.0])), ValueError),
    ("code as a list", at(0, [0, 0, 0, 0]), TypeError),
    ("registers as bytes", at(2, bytes(160)), TypeError),
    ("a read-only G", at(8, bytes(8)), (TypeError, ValueError, BufferError)),
    ("width as a float", at(5, 1.0), TypeError),
    ("a pick past the rows", at(10, array("q", [0, 2])), (ValueError, IndexError)),
    ("a negative pick", at(10, array("q", [-1])), (ValueError, IndexError)),
    ("picks of ints", at(10, array("i", [0])), TypeError),
]


@pytest.mark.parametrize(("change", "error"), [u[1:] for u in UNFIT], ids=[u[0] for u in UNFIT])
def test_arrays_that_do_not_fit_are_refused_by_an_error(change, error):
    args = good_tape()
    change(args)
    with pytest.raises(error):
        _tape.run(*args)


def test_random_tapes_made_by_hand_run_or_are_refused_never_crash():
    """Random instructions over a few registers: each either runs (reading only registers that
    exist) or is refused with a ValueError; the process survives them all."""
    rng = random.Random(3)
    n_ops = len(_tape.OPCODES)
    ran = refused = 0
    for _ in range(3000):
        n = rng.randint(1, 6)
        code = array("i", [rng.choice([rng.randrange(n_ops), rng.randint(-2, n_ops + 2)])
                           if k % 4 == 0 else rng.randint(-1, n + 1)
                           for k in range(4 * rng.randint(1, 6))])
        aux = array("i", [rng.randint(-1, n) for _ in range(rng.randint(0, 4))])
        registers = array("d", [rng.choice([0.0, 1.0, -1.0, 2.0, nan, inf]) for _ in range(n)])
        try:
            _tape.run(code, aux, registers, array("d"), array("d", [0.5] * 2), 1 if n > 1 else 0,
                      array("i", [0]), 0, array("d", [0.0]), 0)
            ran += 1
        except ValueError:
            refused += 1
    assert ran > 30 and refused > 1000


# ---- threads -------------------------------------------------------------------------------------


def test_four_threads_calling_one_compiled_function_get_eagers_results():
    model = MLP(2, [6, 1], seed=2)
    fn = lambda x: (model(x) - 0.5) ** 2  # noqa: E731
    compiled = on_tape(fn, model)
    rng = random.Random(5)
    rows = [[[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(100)] for _ in range(4)]
    want = [[eager(fn, model.parameters(), [Value(a) for a in x]) for x in part] for part in rows]
    got: dict[int, list] = {}

    def work(k):
        got[k] = [compiled(x) for x in rows[k]]

    run_in_threads(work, 4)
    assert [got[k] for k in range(4)] == want
    assert compiled.backend == "tape"


# ---- the printed table ---------------------------------------------------------------------------


def python_nodes(source: str) -> list[str]:
    """Each node of the generated Python as its comment names it: ``v7: dot``."""
    out = []
    for line in source.splitlines():
        code, _, about = line.strip().partition("  # ")
        if code.startswith("v") and " = " in code and about:
            out.append(f"{code.split(' = ')[0]}: {about}")
    return out


def table_nodes(table: str) -> list[str]:
    return [line[2:] for line in table.splitlines()[2:] if line.startswith("# ")]


def test_the_table_has_a_line_per_instruction_and_a_comment_per_node_named_as_python_names_it():
    model = MLP(3, [4, 2], seed=1)

    def fn(x, t):
        return losses.cross_entropy([model(x)], [t]) + (x[0] * 2.0).relu()

    compiled, python = on_tape(fn, model), microprop.compile(fn, model, backend="python")
    compiled([0.5, -1.0, 2.0], 1)
    python([0.5, -1.0, 2.0], 1)
    table = compiled.source
    assert str(compiled) == table
    head, columns, *lines = table.splitlines()
    n = len(compiled._latest._tape.code) // 4
    assert head.startswith(f"# the tape: {n} instructions over "
                           f"{len(compiled._latest._tape.registers)} registers")
    assert columns.split() == ["#", "#", "op", "out", "inputs"]
    numbered = [line for line in lines if not line.startswith("#")]
    assert [int(line.split()[0]) for line in numbered] == list(range(n))
    assert table_nodes(table) == python_nodes(python.source)
    assert "v8: dot" in table_nodes(table)  # the first neuron


def test_a_node_that_needs_no_instruction_still_has_its_comment():
    """Defect: a node whose value is an input's or a constant (a take at a constant index) adds
    no instruction, so its comment was put on the next node's instruction and lost."""
    a, b = Value(2.0), Value(3.0)
    fn = lambda x: nary.take([a, b, 4.0], 1) * x  # noqa: E731
    compiled, python = on_tape(fn, [a, b]), microprop.compile(fn, [a, b], backend="python")
    compiled(5.0)
    python(5.0)
    assert table_nodes(compiled.source) == python_nodes(python.source) == ["v2: take", "v4: *"]


def test_a_constant_register_keeps_its_number_as_its_name():
    """Defect: a node whose value is a constant (a take of a number at a constant index) named
    the constant's register after itself, so later reads of 4.0 showed as that node."""
    a = Value(2.0)
    compiled = on_tape(lambda x: nary.take([a, 4.0], 1) * x + x * 4.0, [a])
    compiled(5.0)
    reads = [words[3:] for words in instructions(compiled.source) if words[1] == "mul"]
    assert reads == [["4.0", "x0"], ["x0", "4.0"]] or ["x0", "4.0"] in reads
    assert all("v2" not in words for words in reads)


LABELS = ["w₁", "x\nimport os", "a\r\x0b\u2028b", "'\"#", "é" * 300, "# v9: dot", "\x1b[2J"]


def test_labels_are_only_ever_text_in_a_comment():
    ws = [Value(0.5 + k, label=label) for k, label in enumerate(LABELS)]

    def fn(x):
        out = x * 1.0
        for k, w in enumerate(ws):
            out = (out * w).tanh()
            out.label = LABELS[-1 - k]
        return out

    compiled = on_tape(fn, ws)
    assert outcome(lambda: compiled(0.3)) == outcome(lambda: eager(fn, ws, Value(0.3)))
    table = compiled.source
    assert all(line.isprintable() for line in table.splitlines())
    assert max(len(line) for line in table.splitlines()) < 120
    for words in instructions(table):  # registers are named by place, never by a label
        assert all(word.replace(".", "").replace("-", "").replace("_", "").isalnum()
                   and word.isascii() for word in words), words
    assert "# v9: dot" not in [line for line in table.splitlines() if line.startswith("# v")]


# ---- the chain rule's instructions, written by the C side ------------------------------------


def backward_args(**changes):
    """A good call of _tape.backward for three nodes, x (0), w (1) and y = w * x (2)."""
    args = {"kid_at": array("i", [0, 0, 0, 2]), "kids": array("i", [1, 0]),
            "slopes": array("i", [0, 1]), "wanted": array("i", [0, 1, 0]),
            "passing": array("i", [1, 1, 1]), "root": 2, "one": 3, "zero": 4, "free": 5}
    args.update(changes)
    return list(args.values())


def test_backward_writes_an_instruction_per_edge_that_needs_one():
    code, grads, free = _tape.backward(*backward_args())
    instructions = array("i")
    instructions.frombytes(code)
    grad_of = array("i")
    grad_of.frombytes(grads)
    assert list(instructions) == [opcode("GRAD_SET"), 5, 0, 3]  # d_w = 0.0 + x * 1.0
    assert list(grad_of) == [-1, 5, 3] and free == 6


@pytest.mark.parametrize("changes", [
    {"kids": array("i", [1, 7])}, {"kids": array("i", [1, -1])},
    {"kid_at": array("i", [0, 2, 0, 2])}, {"kid_at": array("i", [0, 0, 2])},
    {"root": 3}, {"root": -1}, {"one": 99}, {"slopes": array("i", [0, 99])},
    {"slopes": array("i", [0, -99])}, {"wanted": array("i", [0, 1])},
    {"kids": array("q", [1, 0])}, {"free": 2**31 - 1},
], ids=repr)
def test_backward_refuses_arrays_that_do_not_fit(changes):
    with pytest.raises((ValueError, TypeError)):
        _tape.backward(*backward_args(**changes))


def test_two_sums_that_share_a_beginning_keep_their_own_terms():
    """A chain of products summed is one dot instruction; a chain that goes on two ways from
    one partial sum gives two instructions, each with its own terms."""
    writer = tape.Writer()
    a, b, c, d = (writer.register(name) for name in "abcd")
    start = 0.0 + a * b
    first, second = start + c * d, start + a * d
    one, two = writer.slot(first), writer.slot(second)
    dots = [writer.code[k:k + 4] for k in range(0, len(writer.code), 4)]
    assert [op for op, *_ in dots] == [opcode("DOT")] * 2
    (_, out1, at1, n1), (_, out2, at2, n2) = dots
    terms = [list(writer.aux[at:at + 1 + 2 * n]) for at, n in ((at1, n1), (at2, n2))]
    zero = writer.constant(0.0).i
    assert terms == [[zero, a.i, b.i, c.i, d.i], [zero, a.i, b.i, a.i, d.i]]
    assert (out1, out2) == (one.i, two.i)


def test_a_product_read_twice_is_written_where_it_is_read():
    writer = tape.Writer()
    a, b = writer.register("a"), writer.register("b")
    product = a * b
    total = writer.slot(1.0 + product)
    again = writer.slot(product)
    ops = [writer.code[k] for k in range(0, len(writer.code), 4)]
    assert ops == [opcode("DOT"), opcode("MUL")] and total.i != again.i
