"""The real clients of tests/clients/, timed on microprop against each client's own Value class.

    python benchmarks/clients.py            # microgpt 5 steps, the lecture's MLP 20 steps
    python benchmarks/clients.py --steps 20 # microgpt 20 steps

Each case runs the same client code twice, once with ``from microprop import Value`` and once with
the client's own class in its place, and checks that the losses agree to 1e-9 (relative) before
it reports anything. Times are medians of CPU time over interleaved repetitions, in one process.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from microprop import Value  # noqa: E402
from tests.clients import (  # noqa: E402
    lecture_second_half,
    lecture_value,
    microgpt,
    microgpt_value,
)


def timed(module: object, value: type, run: Callable[[], list[float]]) -> tuple[float, list]:
    module.Value = value  # type: ignore[attr-defined]
    start = time.process_time()
    losses = run()
    return time.process_time() - start, losses


def case(name: str, module: object, theirs: type, run: Callable[[], list[float]], reps: int):
    ours_t, theirs_t = [], []
    for _ in range(reps):
        t, ours = timed(module, Value, run)
        ours_t.append(t)
        t, ref = timed(module, theirs, run)
        theirs_t.append(t)
        if not all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(ours, ref, strict=True)):
            raise SystemExit(f"{name}: losses differ: {ours} against {ref}")
    module.Value = Value  # type: ignore[attr-defined]
    a, b = statistics.median(ours_t), statistics.median(theirs_t)
    return f"| {name} | {b:.3f} | {a:.3f} | {b / a:.2f}x |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="microgpt's training steps")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    docs = (ROOT / "tests" / "clients" / "names.txt").read_text().split()
    print("| client | its own Value, s | microprop, s | microprop is faster by |")
    print("|---|---|---|---|")
    print(case(f"microgpt, {args.steps} steps on names.txt", microgpt, microgpt_value.Value,
               lambda: microgpt.run(docs, args.steps), args.reps))
    print(case("nn-zero-to-hero lecture MLP(3, [4, 4, 1]), 20 steps", lecture_second_half,
               lecture_value.Value, lambda: lecture_second_half.run(1337, 20)["losses"],
               args.reps))


if __name__ == "__main__":
    main()
