"""fit(compile=True) against eager fit: the same training, timed side by side.

    python benchmarks/fit_compile.py            # 5 interleaved rounds: about a minute
    python benchmarks/fit_compile.py --quick    # one short round: seconds

Each round trains every case twice from the same seed, eager then compiled, and times each with
CPU time; the compiled time includes tracing and generating the code (a fresh compile per fit).
The table gives medians over the rounds and how far the two runs' final parameters are apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from microprop import fit  # noqa: E402
from microprop.data import Standardizer, load_iris, make_moons  # noqa: E402
from microprop.nn import MLP, article_network  # noqa: E402


def cases(epochs: int) -> list[tuple[str, object, list, list, dict]]:
    """(name, a function making the model, X, y, fit's options) for each row."""
    flowers, virginica = load_iris(positive="virginica")
    flowers = Standardizer.fit(flowers).transform(flowers)
    _, species = load_iris()
    moons, labels = make_moons(100, noise=0.1, seed=1)
    signs = [2.0 * t - 1.0 for t in labels]
    return [
        ("the article's 4-2-2-1 network, Iris, SGD one flower at a time, mse",
         lambda: article_network("tanh", seed=0), flowers, virginica,
         dict(loss="mse", lr=0.1, batch_size=1, seed=0, epochs=epochs)),
        ("micrograd's demo: MLP(2, [16, 16, 1]), 100 moons, full batch, hinge + L2",
         lambda: MLP(2, [16, 16, 1], seed=0), moons, signs,
         dict(loss="hinge", lr=0.05, l2=1e-4, epochs=epochs)),
        ("three Iris species: MLP(4, [8, 3]), full batch, cross-entropy",
         lambda: MLP(4, [8, 3], seed=0), flowers, species,
         dict(loss="cross_entropy", lr=0.1, epochs=5 * epochs)),
    ]


def timed(make_model: object, X: list, y: list, options: dict, compile: bool) -> tuple:
    model = make_model()  # type: ignore[operator]
    start = time.process_time()
    fit(model, X, y, progress=False, compile=compile, **options)
    return time.process_time() - start, [p.data for p in model.parameters()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short round")
    args = parser.parse_args(argv)
    rounds, epochs = (1, 2) if args.quick else (5, 20)
    rows = cases(epochs)
    times: dict[str, dict[bool, list[float]]] = {name: {False: [], True: []} for name, *_ in rows}
    apart: dict[str, float] = {}
    for _ in range(rounds):
        for name, make_model, X, y, options in rows:
            runs = {c: timed(make_model, X, y, options, c) for c in (False, True)}
            for c, (seconds, _) in runs.items():
                times[name][c].append(seconds)
            pairs = zip(runs[False][1], runs[True][1], strict=True)
            apart[name] = max(abs(a - b) / max(abs(a), abs(b), 1e-300) for a, b in pairs)
    print(f"# fit(compile=True) against eager fit: medians of {rounds} interleaved round(s), "
          f"{epochs} epochs (five times as many for the species)\n")
    print("| case | eager, s | compiled, s (with tracing) | speed-up | parameters apart |")
    print("|---|---:|---:|---:|---:|")
    for name, *_ in rows:
        eager, compiled = (statistics.median(times[name][c]) for c in (False, True))
        print(f"| {name} | {eager:.3f} | {compiled:.3f} | {eager / compiled:.1f}x "
              f"| {apart[name]:.1e} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
