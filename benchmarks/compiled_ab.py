"""Compiled speed, A/B by instructions: a compiled epoch here against another checkout's.

    python benchmarks/compiled_ab.py --baseline /path/to/other/checkout

Each case traces a per-sample loss with ``microprop.compile``, runs ``accumulate`` over the data
once (the trace), then once or three times more; the instructions of an epoch are the
difference of the two runs halved, counted by valgrind's callgrind (repeatable whatever else
the machine runs). ``PYTHONHASHSEED=0`` keeps the two sides' dicts and sets alike.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "demo": "micrograd's demo: MLP(2, [16, 16, 1]), mse, 100 moons",
    "iris": "Iris: MLP(4, [8, 3]), cross-entropy, 150 flowers",
}


def epoch(root: str, case: str, epochs: int) -> None:
    """The work measured, run in a fresh process on ``root``'s microprop."""
    sys.path.insert(0, root)
    import random

    from microprop import compile, data, losses, nn

    random.seed(0)
    if case == "demo":
        X, y = data.make_moons(100, noise=0.1, seed=1)
        model = nn.MLP(2, [16, 16, 1])
        c = compile(lambda x, t: losses.mse(model(x), t) * 0.01, model.parameters())
    else:
        X, y = data.load_iris()[:2]
        model = nn.MLP(4, [8, 3])
        c = compile(lambda x, t: losses.cross_entropy(model(x), t) * 0.01,  # type: ignore[arg-type]
                    model.parameters())
    rows = [([float(v) for v in x], int(t)) for x, t in zip(X, y)]
    for _ in range(1 + epochs):
        c.accumulate(rows)


def instructions(root: str, case: str, epochs: int) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               os.path.realpath(sys.executable), __file__, "--run", root, case, str(epochs)]
    out = subprocess.run(command, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "0"}).stderr
    return int(re.search(r"Collected : (\d+)", out).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", required=False, help="the other checkout (B)")
    parser.add_argument("--run", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        epoch(args.run[0], args.run[1], int(args.run[2]))
        return
    if not args.baseline:
        parser.error("--baseline: give the other checkout to compare with")
    print("| case | B (baseline), instructions per epoch | A (this) | A / B |")
    print("|---|---:|---:|---:|")
    for case, title in CASES.items():
        per = [(instructions(r, case, 3) - instructions(r, case, 1)) // 2
               for r in (args.baseline, str(ROOT))]
        print(f"| {title} | {per[0]:,} | {per[1]:,} | {per[1] / per[0]:.3f} |")


if __name__ == "__main__":
    main()
