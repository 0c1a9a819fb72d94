"""What microprop.compile costs: tracing and turning a trace into code, and the memory it takes,
on each backend that turns it into something (generated Python, the tape machine's table).

    python benchmarks/compile_cost.py            # 5 runs of each case, a million-node chain
    python benchmarks/compile_cost.py --quick    # one run, a chain of 4,000 nodes

For each graph the benchmarks train, and each backend: the time of a compiled function's first
call (tracing fn, turning the trace into code and running it once), the time of that first call
for a second ``compile`` of the same function (generated Python's compilation is cached; tracing
is not), one eager step (build the graph, ``backward()``) for scale, and how far each raises the
peak memory of a fresh process of its own (its maximum resident set). The chain of a million
nodes is timed once (its first calls take seconds to a minute); then the targets, met or not.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import microprop  # noqa: E402
from microprop import tape  # noqa: E402
from microprop.data import Standardizer, load_iris, make_moons  # noqa: E402
from microprop.losses import cross_entropy  # noqa: E402
from microprop.nn import MLP, article_network  # noqa: E402
from tests.clients import microgpt_compiled  # noqa: E402

NAMES = ROOT / "tests" / "clients" / "names.txt"
DOCUMENT = "christina"  # 9 letters between two BOS: 10 positions, each predicting the next
BACKENDS = ("python", "tape") if tape.available() else ("python",)
MICROGPT = f"microgpt's model, one {len(DOCUMENT) + 1}-token document ({DOCUMENT!r})"
CHAIN = "a chain of {n:,} nodes, x = x * 1.0001 + 0.0001"


class Case(NamedTuple):
    """One graph: its name, fn, its parameters, the arguments of one call, compile's options."""

    name: str
    fn: Callable[..., Any]
    params: list
    args: tuple
    options: dict


@contextmanager
def compiled_with(backend: str, seen: list | None = None) -> Iterator[None]:
    """``microprop.compile`` on ``backend`` while the block runs, for code that calls it with its
    default (tests/clients/microgpt_compiled.py); each (fn, params) it compiles goes to ``seen``."""
    original = microprop.compile

    def compile_on(fn: Callable, params: Any = None, **options: Any) -> Any:
        if seen is not None:
            seen.append((fn, params))
        return original(fn, params, **{**options, "backend": backend})

    microprop.compile = compile_on  # type: ignore[assignment]
    try:
        yield
    finally:
        microprop.compile = original


def microgpt_document() -> Case:
    """microgpt's one-document loss (tests/clients/microgpt_compiled.py's model, its weights as
    seeded there) and the tokens of DOCUMENT."""
    docs = NAMES.read_text().split()
    seen: list = []
    with compiled_with("python", seen):
        microgpt_compiled.run(docs, 0)  # builds the model and compiles doc_loss; trains nothing
    doc_loss, params = seen[0]
    uchars = sorted(set("".join(docs)))
    bos = len(uchars)
    tokens = [bos] + [uchars.index(ch) for ch in DOCUMENT] + [bos]
    return Case(MICROGPT, doc_loss, params, (tokens,), {"indices": (0,)})


def cases(chain: int) -> list[Case]:
    """Each row's graph; the chain has ``chain`` nodes (two a step)."""
    moons, labels = make_moons(100, noise=0.1, seed=1)
    signs = [2.0 * t - 1.0 for t in labels]
    demo = MLP(2, [16, 16, 1], seed=0)
    params = demo.parameters()

    def demo_batch():  # noqa: ANN202
        losses = [(1 + -y * demo(x)).relu() for x, y in zip(moons, signs)]
        return microprop.sum(losses) * (1.0 / len(losses)) + 1e-4 * microprop.sum(
            [p * p for p in params])

    flowers, virginica = load_iris(positive="virginica")
    flowers = Standardizer.fit(flowers).transform(flowers)
    article = article_network("tanh", seed=0)
    _, species = load_iris()
    iris = MLP(4, [8, 3], seed=0)

    def chain_of(x):  # noqa: ANN001, ANN202
        for _ in range(chain // 2):
            x = x * 1.0001 + 0.0001
        return x

    return [
        Case("micrograd's demo, the whole batch of 100 moons", demo_batch, params, (), {}),
        Case("micrograd's demo, one moon (the per-sample graph)",
             lambda x, y: (1 + -y * demo(x)).relu(), params, (moons[0], signs[0]), {}),
        Case("the article's 4-2-2-1 network, one flower", lambda x, y: (article(x) - y) ** 2,
             article.parameters(), (flowers[0], float(virginica[0])), {}),
        Case("three Iris species, the whole batch of 150",
             lambda: cross_entropy([iris(x) for x in flowers], species), iris.parameters(), (),
             {}),
        microgpt_document(),
        Case(CHAIN.format(n=chain), chain_of, [], (1.0,), {}),
    ]


def seconds(call: Callable[[], object]) -> float:
    """CPU seconds of one call."""
    gc.collect()
    start = time.process_time()
    call()
    return time.process_time() - start


def peak_rise(case: int, mode: str, quick: bool) -> float:
    """MB by which one call raises the peak memory of a fresh process (tracemalloc would be
    exact, but slows compiling a big graph from a second to over a minute)."""
    command = [sys.executable, __file__, "--peak", str(case), mode] + (["--quick"] if quick else [])
    return float(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def high_water_kb() -> int:
    """This process's peak resident memory, in KB. Linux's VmHWM starts afresh with the
    process; ru_maxrss, elsewhere, may carry over the parent's peak."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak_worker(case: int, mode: str, chain: int) -> None:
    c = cases(chain)[case]
    before = high_water_kb()
    if mode == "eager":
        eager_step(c.fn, c.args)
    else:
        microprop.compile(c.fn, c.params, backend=mode, **c.options)(*c.args)
    print((high_water_kb() - before) / 1024)


def eager_step(fn: Callable, args: tuple) -> None:
    def as_values(a: object) -> object:
        if isinstance(a, list):
            return [v if isinstance(v, int) else microprop.Value(v) for v in a]
        return microprop.Value(a)

    fn(*[as_values(a) for a in args]).backward()


# (graph, goal in s, goal in MB): compile's targets for what a first call costs.
TARGETS = ((MICROGPT, 0.5, 100.0), (CHAIN.format(n=1_000_000), 15.0, 2048.0))


def targets(measured: dict[tuple[str, str], tuple[float, float]]) -> list[str]:
    """The targets of the graphs this run measured, on each backend: met or not."""
    lines = ["", "| target | backend | first call | peak memory | met |", "|---|---|---:|---:|---|"]
    for name, goal_s, goal_mb in TARGETS:
        for backend in BACKENDS:
            if (name, backend) not in measured:
                continue
            s, mb = measured[name, backend]
            ok = "yes" if s <= goal_s and mb <= goal_mb else "no"
            lines.append(f"| {name}: at most {goal_s:g} s and {goal_mb:,.0f} MB | {backend} "
                         f"| {s:.2f} s | {mb:,.0f} MB | {ok} |")
    return lines if len(lines) > 3 else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run, a chain of 4,000 nodes")
    parser.add_argument("--peak", nargs=2, metavar=("CASE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    runs, chain = (1, 4_000) if args.quick else (5, 1_000_000)
    if args.peak:
        _peak_worker(int(args.peak[0]), args.peak[1], chain)
        return 0
    print(f"# what compiling costs: medians of {runs} run(s) (one for the chain), CPU time; the "
          "rise in a fresh process's peak memory\n")
    print("| graph | backend | first call (trace, make the code, run) | first call of a second "
          "compile | one eager step | peak memory, first call | peak memory, eager step |")
    print("|---|---|---:|---:|---:|---:|---:|")
    measured: dict[tuple[str, str], tuple[float, float]] = {}
    all_cases = cases(chain)
    for number, c in enumerate(all_cases):
        repeat = 1 if c is all_cases[-1] else runs
        eager = statistics.median(
            seconds(lambda c=c: eager_step(c.fn, c.args)) for _ in range(repeat))
        eager_peak = peak_rise(number, "eager", args.quick)
        for backend in BACKENDS:
            first, again = [], []

            def compiled_call(c: Case = c, backend: str = backend) -> None:
                microprop.compile(c.fn, c.params, backend=backend, **c.options)(*c.args)

            for _ in range(repeat):
                sys.modules["microprop.compile"]._CACHE.clear()  # a first compile, not cached
                first.append(seconds(compiled_call))
                again.append(seconds(compiled_call))
            peak = peak_rise(number, backend, args.quick)
            ms = [statistics.median(t) * 1e3 for t in (first, again)]
            measured[c.name, backend] = ms[0] / 1e3, peak
            print(f"| {c.name} | {backend} | {ms[0]:.1f} ms | {ms[1]:.1f} ms | {eager * 1e3:.2f} "
                  f"ms | {peak:.1f} MB | {eager_peak:.1f} MB |", flush=True)
    print("\n".join(targets(measured)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
