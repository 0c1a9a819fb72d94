"""microgpt's training loop: eager microprop against microprop.compile, tracing included.

    python benchmarks/microgpt_compile.py                        # 300 steps, 3 rounds: ~20 min
    python benchmarks/microgpt_compile.py --steps 1000 --rounds 1  # microgpt's own 1,000: ~17 min
    python benchmarks/microgpt_compile.py --quick                # 40 steps, 1 round: ~3 min
    python benchmarks/microgpt_compile.py --names FILE           # other names, one per line
    python benchmarks/microgpt_compile.py --no-notebook          # without notebook 90's run

Every document's length gives another graph, so the compiled loop traces once per length (a
cache per length) and pays for it inside the time shown. The rows, run in turn in each round
(CPU seconds, medians over rounds): microgpt's code with its own 15-line Value class; the same
code on microprop's Value; the port of tests/clients/microgpt_compiled.py run eagerly, with
Python's cyclic garbage collector on and then off (what the collector costs eager); and the port
compiled on each backend (generated Python; the tape machine, where it is built). The compiled
losses must equal the port's eager losses bit for bit, and both
microgpt's to 1e-6 relative (the port's softmax is microprop's), before anything is printed.
Then, per length of document: how long its trace took (tracing, generating and compiling the
code: the first step of that length less a later one) and how long a step of it takes, eager and
compiled; notebook 90's training cell (3,000 steps) on each backend; and by how much each row
raises the peak memory of a fresh process of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.compile_cost import BACKENDS, compiled_with, high_water_kb  # noqa: E402
from microprop import Value  # noqa: E402
from microprop.compile import Compiled  # noqa: E402
from tests.clients import microgpt, microgpt_compiled, microgpt_value  # noqa: E402

NAMES = ROOT / "tests" / "clients" / "names.txt"
DOCS = NAMES.read_text().split()


def original(value: type, steps: int) -> list[float]:
    microgpt.Value = value  # type: ignore[attr-defined]
    try:
        return microgpt.run(DOCS, steps)  # type: ignore[no-any-return]
    finally:
        microgpt.Value = Value  # type: ignore[attr-defined]


def collector_paused(steps: int) -> list[float]:
    """The eager port with the cyclic garbage collector off, as fit runs: what it costs."""
    gc.disable()
    try:
        return microgpt_compiled.run(DOCS, steps, compiled=False)  # type: ignore[no-any-return]
    finally:
        gc.enable()


def compiled_on(backend: str, steps: int, traces: list | None = None) -> list[float]:
    """The port compiled on ``backend`` (it calls compile with the default; see compiled_with)."""
    with compiled_with(backend):
        return microgpt_compiled.run(DOCS, steps, compiled=True, traces=traces)  # type: ignore[no-any-return]


OWN, PORT, NO_GC = ("microgpt's own Value, microgpt's code", "microprop eager, the port",
                    "microprop eager, the port, garbage collector off")
COMPILED = {b: f"microprop compiled, the port, {b} (tracing included)" for b in BACKENDS}
ROWS: dict[str, Callable[[int], list[float]]] = {
    OWN: lambda n: original(microgpt_value.Value, n),
    "microprop eager, microgpt's code": lambda n: original(Value, n),
    PORT: lambda n: microgpt_compiled.run(DOCS, n, compiled=False),
    NO_GC: collector_paused,
    **{row: partial(compiled_on, b) for b, row in COMPILED.items()},
}


def cpu(call: Callable[[], list[float]]) -> tuple[float, list[float]]:
    gc.collect()
    start = time.process_time()
    out = call()
    return time.process_time() - start, out


def agree(results: dict[str, list[float]]) -> None:
    for row in COMPILED.values():
        if results[PORT] != results[row]:
            raise SystemExit(f"{row}: the losses differ from the port's eager ones: "
                             f"{results[row][:5]}")
    for name in ROWS:
        for step, (a, b) in enumerate(zip(results[name], results[OWN], strict=True)):
            if abs(a - b) > 1e-6 * abs(b):
                raise SystemExit(f"{name}: step {step} loss {a!r}, microgpt's {b!r}")


def times_table(steps: int, rounds: int) -> None:
    seconds: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        results = {}
        for name, run in ROWS.items():  # interleaved: each round runs every row once
            t, results[name] = cpu(lambda run=run: run(steps))  # type: ignore[misc]
            seconds[name].append(t)
        agree(results)
    base, eager = statistics.median(seconds[OWN]), statistics.median(seconds[PORT])
    print(f"### {steps} steps on {len(DOCS)} names, median of {rounds} round(s)\n")
    print("| row | s | ms per step | against microgpt's own | against the port, eager |")
    print("|---|---|---|---|---|")
    for name, ts in seconds.items():
        t = statistics.median(ts)
        print(f"| {name} | {t:.2f} | {1000 * t / steps:.1f} | {base / t:.2f}x | {eager / t:.2f}x |")
    no_gc = statistics.median(seconds[NO_GC])
    print(f"\nTarget, {steps} steps, tracing included: at least 10x faster than the port eager "
          "with the collector off")
    for backend, row in COMPILED.items():
        faster = no_gc / statistics.median(seconds[row])
        print(f"- {backend}: {faster:.2f}x ({'met' if faster >= 10 else 'not met'})")


def per_length(steps: int) -> None:
    """Each step of a compiled run timed, by the length of its document; eager steps too."""
    calls: list[tuple[int, float]] = []
    accumulate = Compiled.accumulate

    def timed(self: Compiled, rows: list) -> float:
        start = time.perf_counter()
        out = accumulate(self, rows)
        calls.append((len(rows[0][0]) - 1, time.perf_counter() - start))
        return out

    Compiled.accumulate = timed  # type: ignore[method-assign,assignment]
    try:
        traces: list[Compiled] = []
        compiled_on(BACKENDS[-1], steps, traces)
    finally:
        Compiled.accumulate = accumulate  # type: ignore[method-assign]
    by_length: dict[int, list[float]] = defaultdict(list)
    for n, t in calls:
        by_length[n].append(t)
    eager = eager_steps(traces[0], sorted(by_length))
    print(f"\n### per length of document (tokens predicted), one run compiled on the "
          f"{traces[0].backend} backend\n")
    print("| tokens | steps | trace, s | compiled step, ms | eager step, ms (forward + backward) "
          "| steps to repay |")
    print("|---|---|---|---|---|---|")
    total = 0.0
    for n in sorted(by_length):
        first, *later = by_length[n]
        step = statistics.median(later) if later else float("nan")
        trace = first - step if later else first
        total += trace
        forward, backward = eager[n]
        repay = trace / (forward + backward - step) if later else float("nan")
        print(f"| {n} | {len(by_length[n])} | {trace:.2f} | {1000 * step:.1f} | "
              f"{1000 * (forward + backward):.1f} ({1000 * forward:.1f} + {1000 * backward:.1f})"
              f" | {repay:.0f} |")
    print(f"\n{len(by_length)} lengths, {total:.1f} s of tracing in all")


def eager_steps(compiled: Compiled, lengths: list[int]) -> dict[int, tuple[float, float]]:
    """The port's loss for a document of each length, eager: its forward (building the graph)
    and its backward, each the median of 3, with the collector off (its cost is a row above)."""
    out = {}
    gc.collect()
    gc.disable()
    try:
        for n in lengths:
            tokens = [k % 20 for k in range(n + 1)]
            forward, backward = [], []
            for _ in range(3):
                start = time.perf_counter()
                loss = compiled.fn(tokens)
                middle = time.perf_counter()
                loss.backward()
                forward.append(middle - start)
                backward.append(time.perf_counter() - middle)
            out[n] = statistics.median(forward), statistics.median(backward)
    finally:
        gc.enable()
    return out


NOTEBOOK = ROOT / "notebooks" / "90_tiny_gpt.ipynb"
TRAINING = "cost_of_tokens = microprop.compile("  # the notebook's training cell holds this


def notebook_90(backend: str) -> tuple[float, float]:
    """Notebook 90's training cell (3,000 steps, one name each, tracing included) run on
    ``backend``, after the cells before it, as a script: (wall seconds, CPU seconds)."""
    cells = ["".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"]
             if c["cell_type"] == "code"]
    training = next(k for k, cell in enumerate(cells) if TRAINING in cell)
    namespace: dict = {"__name__": "__main__"}
    with compiled_with(backend), contextlib.redirect_stdout(io.StringIO()):
        for cell in cells[:training]:
            exec(cell, namespace)
        gc.collect()
        wall, start = time.perf_counter(), time.process_time()
        exec(cells[training], namespace)
        return time.perf_counter() - wall, time.process_time() - start


def notebook_table() -> None:
    print("\n### notebook 90's training cell: 3,000 steps, tracing included\n")
    print("| backend | wall, s | CPU, s | target: under 20 s |")
    print("|---|---|---|---|")
    for backend in BACKENDS:
        wall, used = notebook_90(backend)
        print(f"| {backend} | {wall:.1f} | {used:.1f} | {'met' if wall < 20 else 'not met'} |")


def peak_memory(steps: int, names: Path) -> None:
    print("\n### peak memory, each row in a fresh process\n")
    print(f"| row ({steps} steps) | rise of the peak resident memory, MB |")
    print("|---|---|")
    for name in ROWS:
        command = [sys.executable, __file__, "--peak", name, "--steps", str(steps), "--names",
                   str(names)]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        print(f"| {name} | {json.loads(out.stdout):.0f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="40 steps, one round")
    parser.add_argument("--no-notebook", action="store_true",
                        help="leave out notebook 90's training (about 30 s)")
    parser.add_argument("--names", type=Path, default=NAMES, help="the documents, one a line")
    parser.add_argument("--peak", help=argparse.SUPPRESS)  # a row, run for its peak memory
    args = parser.parse_args(argv)
    DOCS[:] = args.names.read_text().split()
    if args.peak:
        before = high_water_kb()
        ROWS[args.peak](args.steps)
        print(json.dumps((high_water_kb() - before) / 1024))
        return 0
    steps, rounds = (40, 1) if args.quick else (args.steps, args.rounds)
    times_table(steps, rounds)
    per_length(steps)
    if not args.no_notebook:
        notebook_table()
    peak_memory(min(steps, len(DOCS)), args.names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
