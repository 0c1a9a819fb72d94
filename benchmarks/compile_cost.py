"""What microprop.compile costs: tracing and generating the code, and the memory it takes.

    python benchmarks/compile_cost.py            # 5 runs of each case; about a minute
    python benchmarks/compile_cost.py --quick    # one run, small chain

For each graph the benchmarks train: the time of a compiled function's first call (tracing fn,
generating the code, compiling it and running it once), the time of that first call for a
second ``compile`` of the same function (the generated code's compilation is cached; tracing is
not), one eager step (build the graph, ``backward()``) for scale, and how far each raises the
peak memory of a fresh process of its own (its maximum resident set).
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import microprop  # noqa: E402
from microprop.data import Standardizer, load_iris, make_moons  # noqa: E402
from microprop.losses import cross_entropy  # noqa: E402
from microprop.nn import MLP, article_network  # noqa: E402


def cases(chain: int) -> list[tuple[str, Callable, list, tuple]]:
    """(name, fn, its parameters, the arguments of one call) for each row."""
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
        for _ in range(chain):
            x = x * 1.0001 + 0.0001
        return x

    return [
        ("micrograd's demo, the whole batch of 100 moons", demo_batch, params, ()),
        ("micrograd's demo, one moon (the per-sample graph)",
         lambda x, y: (1 + -y * demo(x)).relu(), params, (moons[0], signs[0])),
        ("the article's 4-2-2-1 network, one flower", lambda x, y: (article(x) - y) ** 2,
         article.parameters(), (flowers[0], float(virginica[0]))),
        ("three Iris species, the whole batch of 150",
         lambda: cross_entropy([iris(x) for x in flowers], species), iris.parameters(), ()),
        (f"a chain of {chain:,} x = x * 1.0001 + 0.0001", chain_of, [], (1.0,)),
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
    _, fn, params, call_args = cases(chain)[case]
    before = high_water_kb()
    if mode == "compiled":
        microprop.compile(fn, params)(*call_args)
    else:
        eager_step(fn, call_args)
    print((high_water_kb() - before) / 1024)


def eager_step(fn: Callable, args: tuple) -> None:
    def as_values(a: object) -> object:
        return [microprop.Value(v) for v in a] if isinstance(a, list) else microprop.Value(a)

    fn(*[as_values(a) for a in args]).backward()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run, a chain of 2,000")
    parser.add_argument("--peak", nargs=2, metavar=("CASE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    runs, chain = (1, 2_000) if args.quick else (5, 20_000)
    if args.peak:
        _peak_worker(int(args.peak[0]), args.peak[1], chain)
        return 0
    print(f"# what compiling costs: medians of {runs} run(s), CPU time; the rise in a fresh "
          "process's peak memory\n")
    print("| graph | first call (trace, generate, run) | first call of a second compile "
          "| one eager step | peak memory, first call | peak memory, eager step |")
    print("|---|---:|---:|---:|---:|---:|")
    for case, (name, fn, params, call_args) in enumerate(cases(chain)):
        first, again, eager = [], [], []

        def compiled_call(fn: Callable = fn, params: list = params, xs: tuple = call_args) -> None:
            microprop.compile(fn, params)(*xs)

        for _ in range(runs):
            sys.modules["microprop.compile"]._CACHE.clear()  # a first compile, not a cached one
            first.append(seconds(compiled_call))
            again.append(seconds(compiled_call))
            eager.append(seconds(lambda fn=fn, xs=call_args: eager_step(fn, xs)))
        peaks = [peak_rise(case, mode, args.quick) for mode in ("compiled", "eager")]
        ms = [statistics.median(t) * 1e3 for t in (first, again, eager)]
        print(f"| {name} | {ms[0]:.1f} ms | {ms[1]:.1f} ms | {ms[2]:.2f} ms "
              f"| {peaks[0]:.1f} MB | {peaks[1]:.1f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
