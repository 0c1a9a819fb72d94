"""Benchmarks: microprop against micrograd, PyTorch and a hand-written floor, side by side.

    python benchmarks/run.py                      # full mode: about ten minutes
    python benchmarks/run.py --quick              # seconds: small sizes, one repetition (CI)
    python -m benchmarks --output results.md      # also write the report to a file

Each measurement runs in a fresh worker process (this file with ``--worker``), so every
implementation has an interpreter, imports and garbage collector of its own, as in a user's
script; the parent interleaves the implementations repetition by repetition and reports medians
of CPU time. Every implementation starts from the same weights and data, and the run fails if
their final losses differ by more than 1e-9 (relative). Nothing is installed: micrograd and
PyTorch are used when importable and skipped otherwise.

The suite's parts: problems.py (what is trained, one entry per row), implementations.py (one
entry per column), timing.py (the one training loop), memory.py, measure.py (the worker
processes), report.py (the tables). This file is the command line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # benchmark this checkout, even when microprop is not installed

# The names tests and readers reach for, from the modules that hold them.
from benchmarks.implementations import (  # noqa: E402
    IMPLEMENTATIONS,
    NO_GC,
    WORKERS,
    micrograd_chain,
    microprop_model,
)
from benchmarks.measure import worker  # noqa: E402
from benchmarks.memory import memory  # noqa: E402
from benchmarks.problems import (  # noqa: E402
    FULL,
    PROBLEMS,
    QUICK,
    demo_problem,
    flat,
    iris_problem,
)
from benchmarks.report import report  # noqa: E402

__all__ = [
    "FULL",
    "IMPLEMENTATIONS",
    "NO_GC",
    "PROBLEMS",
    "QUICK",
    "WORKERS",
    "demo_problem",
    "flat",
    "iris_problem",
    "main",
    "memory",
    "micrograd_chain",
    "microprop_model",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition")
    parser.add_argument("--output", help="also write the markdown report to this file")
    parser.add_argument("--repeat", type=int, help="interleaved repetitions (default 5, quick 1)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    cfg = dict(QUICK if args.quick else FULL)
    if args.repeat is not None:
        if args.repeat < 1:
            parser.error("--repeat must be at least 1")
        cfg["repeat"] = cfg["chain_repeat"] = args.repeat
    started = time.perf_counter()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    text, ok = report(cfg, args.quick, log)
    print(text)
    if args.output:
        Path(args.output).write_text(text)
    log(f"finished in {time.perf_counter() - started:.0f} s" + ("" if ok else "; FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
