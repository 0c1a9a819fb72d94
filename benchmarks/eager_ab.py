"""Eager speed, A/B: this checkout's microprop against another's, on the same cases, interleaved.

    python benchmarks/eager_ab.py --baseline /path/to/other/checkout [--rounds 7]
    python benchmarks/eager_ab.py --baseline /path/to/other/checkout --instructions

With ``--instructions`` each case runs once per side under valgrind's callgrind, smaller, and
the figure is the instructions it executed: repeatable to a few in a million whatever else the
machine runs, where CPU time on a shared machine wanders by several percent.

Each round runs every case once in a fresh process for each checkout, in turn (A B, then B A the
next round), with the cyclic collector on, as a user's script runs. The harness (these cases) is
this checkout's; only the ``microprop`` package differs. A case's figure is the median CPU time
of its rounds; the ratio is taken round by round (A over the B of the same round), and its median
printed, so a drift of the shared machine's speed moves both sides alike.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "demo": "micrograd's demo: MLP(2, [16, 16, 1]), 100 moons, 10 full-batch steps",
    "article": "the article's 4-2-2-1 network, 1,000 samples one at a time",
    "chain": "x = x * 1.0001 + 0.0001, 200,000 times, build + backward",
    "microgpt": "microgpt (tests/clients), 3 training steps",
}


def _case(name: str, small: int = 0) -> float:
    """One case on the microprop first on sys.path: CPU seconds. ``small``: 1 or 2 units of
    work (steps, samples by the hundred, iterations by the ten thousand) instead of the full."""
    from benchmarks import implementations as impl
    from benchmarks import problems, timing

    cfg = dict(problems.FULL)
    if small:
        cfg.update(demo_steps=small, article_samples=100 * small)
    if name == "demo":
        return timing.train(problems.DEMO.training, impl.microprop_demo, cfg)["seconds"]
    if name == "article":
        return timing.train(problems.ARTICLE.training, impl.microprop_article, cfg)["seconds"]
    if name == "chain":
        return impl.microprop_chain(10_000 * small if small else 200_000)["seconds"]
    from microprop import Value
    from tests.clients import microgpt

    docs = (ROOT / "tests" / "clients" / "names.txt").read_text().split()
    microgpt.Value = Value  # type: ignore[attr-defined]
    start = time.process_time()
    microgpt.run(docs, small or 3)
    return time.process_time() - start


def _worker(package_root: str, name: str, small: int) -> None:
    sys.path[:0] = [package_root, str(ROOT)]
    import microprop

    if not microprop.__file__.startswith(package_root):
        raise SystemExit(f"imported {microprop.__file__}, not from {package_root}")
    print(json.dumps(_case(name, small)))


def _run(package_root: Path, name: str, small: int = 0) -> float:
    env = {**os.environ, "PYTHONPATH": "", "PYTHONHASHSEED": "0"}  # the same sets each run
    command = [sys.executable, __file__, "--worker", str(package_root), name]
    instructions = small > 0
    if instructions:
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                   *command, "--small", str(small)]
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800,
                         check=True, cwd="/")
    if instructions:
        return float(re.findall(r"Collected : (\d+)", out.stderr)[-1])
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="the other checkout (B)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under callgrind instead (one round, smaller)")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--small", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(*args.worker, args.small)
        return 0
    if args.baseline is None:
        parser.error("--baseline is required")
    if args.instructions:
        return _instructions(args.baseline.resolve(), args.cases)
    times: dict[str, dict[str, list[float]]] = {c: {"A": [], "B": []} for c in args.cases}
    for r in range(args.rounds):
        for case in args.cases:
            order = [("A", ROOT), ("B", args.baseline)]
            for side, root in order if r % 2 == 0 else order[::-1]:
                times[case][side].append(_run(root.resolve(), case))
        print(f"round {r + 1} of {args.rounds} done", file=sys.stderr)
    print(f"| case | B (baseline), s | A (this), s | A / B, median of {args.rounds} rounds |")
    print("|---|---|---|---|")
    for case in args.cases:
        a, b = times[case]["A"], times[case]["B"]
        ratio = statistics.median(x / y for x, y in zip(a, b))
        print(f"| {CASES[case]} | {statistics.median(b):.3f} | {statistics.median(a):.3f} "
              f"| {ratio:.3f} |")
    return 0


UNIT = {"demo": "a step", "article": "100 samples", "chain": "10,000 iterations",
        "microgpt": "a step"}


def _instructions(baseline: Path, cases: list[str]) -> int:
    """Instructions per unit of work: a run of two units less a run of one, so that start-up,
    imports and set-up, the same in both, cancel."""
    print("| case | B (baseline), instructions | A (this) | A / B |")
    print("|---|---|---|---|")
    for case in cases:
        b = _run(baseline, case, 2) - _run(baseline, case, 1)
        a = _run(ROOT, case, 2) - _run(ROOT, case, 1)
        print(f"| {CASES[case].split(',')[0]}, {UNIT[case]} | {b:,.0f} | {a:,.0f} "
              f"| {a / b:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
