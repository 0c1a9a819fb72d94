"""The long run of the higher-order differential fuzz against float64 PyTorch (needs torch).

    python scripts/fuzz_higher_order.py                      # 100,000 programs, seed 0
    python scripts/fuzz_higher_order.py --programs 2000 --seed 7 --show 10
    python scripts/fuzz_higher_order.py --only 7:1234        # one program again, in full

Prints a progress line, then the number of programs per category (a program can earn several
explained ones) and the first unexplained failures of each kind, made small, each on one line
with the seed and index that make it again. tests/higher_order/fuzz_torch.py has the generator,
the comparison and the categories. Exit code 1 when any mismatch is unexplained.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path[:0] = [str(TESTS), str(TESTS / "higher_order")]

import fuzz_torch as fuzz  # noqa: E402  (after the path: it lives beside the tests it serves)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=50, help="unexplained kinds to print")
    parser.add_argument("--shrink", type=int, default=100,
                        help="how many of the first unexplained programs to make small")
    parser.add_argument("--seconds", type=float, default=3600.0,
                        help="stop after this long, and say how many programs ran")
    parser.add_argument("--only", help="SEED:INDEX: check one program and print everything")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # PyTorch's notes on 0-d tensors, once per program
    if args.only:
        seed, index = (int(part) for part in args.only.split(":"))
        return _one(fuzz.make(seed, index))

    counts: Counter[str] = Counter()
    first: list = []  # the first unexplained outcomes, to be made small and sorted into kinds
    start = time.monotonic()
    ran = 0
    for index in range(args.programs):
        outcome = fuzz.check(fuzz.make(args.seed, index))
        ran += 1
        counts.update(outcome.labels)
        if outcome.unexplained and len(first) < args.shrink:
            first.append(outcome)
        elapsed = time.monotonic() - start
        if ran % 1000 == 0 or ran == args.programs:
            print(f"\r{ran:>7} / {args.programs} programs, {elapsed:5.0f} s, "
                  f"{counts[fuzz.UNEXPLAINED]} unexplained", end="", file=sys.stderr, flush=True)
        if elapsed > args.seconds:
            print(f"\nstopped after {args.seconds:.0f} s", file=sys.stderr)
            break
    print(file=sys.stderr)

    print(f"{ran} programs, seed {args.seed}, {time.monotonic() - start:.0f} s")
    print(f"{'category':<70} {'programs':>9}")
    order = [fuzz.AGREE, fuzz.RAISES, fuzz.NEGATIVE_INFINITY, fuzz.SIGMOID, fuzz.CONSTANT_OVER,
             fuzz.DIVISOR, fuzz.SQRT_QUOTIENT, fuzz.NEGATIVE_POWER, fuzz.STRUCTURAL,
             fuzz.ONE_NODE, fuzz.FORMULA, fuzz.ORDER, fuzz.UNEXPLAINED]
    for label in order + sorted(set(counts) - set(order)):
        print(f"{label:<70} {counts[label]:>9}")
    kinds: dict[tuple, list] = {}
    for outcome in first:
        small = fuzz.shrink(outcome)
        kinds.setdefault(fuzz.signature(small), []).append((small, outcome.program))
    if kinds:
        print(f"\nThe first {len(first)} unexplained programs, made small, are of {len(kinds)} "
              f"kinds (first quantity, ours and PyTorch's kind of number, ops):")
    for (quantity, mine, theirs, ops), found in list(kinds.items())[: args.show]:
        small, p = min(found, key=lambda pair: len(fuzz.describe(pair[0].program)))
        print(f"\n{len(found)} x {quantity} ({mine} here, {theirs} in PyTorch) with "
              f"{', '.join(ops)}; made again by --only {p.seed}:{p.index}")
        print("  " + fuzz.describe(small.program))
        for m in small.mismatches[:4]:
            print(f"  {m}")
    return 1 if counts[fuzz.UNEXPLAINED] else 0


def _one(program: fuzz.Program) -> int:
    print(fuzz.describe(program))
    outcome = fuzz.check(program)
    print("labels:", ", ".join(sorted(outcome.labels)))
    for m in outcome.mismatches:
        print(f"  {m}")
    if outcome.unexplained:
        small = fuzz.shrink(outcome)
        print("made small:", fuzz.describe(small.program))
        for m in small.mismatches:
            print(f"  {m}")
    return 1 if outcome.unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
