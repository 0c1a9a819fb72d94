"""fit(compile=True) against eager fit: the same training, timed side by side.

    python benchmarks/fit_compile.py            # 5 interleaved rounds: about a minute
    python benchmarks/fit_compile.py --quick    # one short round: seconds

Each round trains every case three times from the same seed: eager with the cyclic garbage
collector left on (fit's pause of it patched out), eager as fit runs (the collector paused), and
compiled; each timed with CPU time. The compiled time includes tracing and generating the code (a
fresh compile per fit). The table gives medians over the rounds, what the pause saves, and how far
the eager and compiled runs' final parameters are apart.
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

from microprop import fit, train  # noqa: E402
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


MODES = ("eager, collector on", "eager", "compiled")


def timed(make_model: object, X: list, y: list, options: dict, mode: str) -> tuple:
    model = make_model()  # type: ignore[operator]
    pause = train._pause_collector
    if mode == "eager, collector on":
        train._pause_collector = lambda: False  # type: ignore[assignment]  # fit as before it paused
    try:
        start = time.process_time()
        fit(model, X, y, progress=False, compile=mode == "compiled", **options)
        seconds = time.process_time() - start
    finally:
        train._pause_collector = pause  # type: ignore[assignment]
    return seconds, [p.data for p in model.parameters()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short round")
    args = parser.parse_args(argv)
    rounds, epochs = (1, 2) if args.quick else (5, 20)
    rows = cases(epochs)
    times: dict[str, dict[str, list[float]]] = {name: {m: [] for m in MODES} for name, *_ in rows}
    apart: dict[str, float] = {}
    for _ in range(rounds):
        for name, make_model, X, y, options in rows:
            runs = {m: timed(make_model, X, y, options, m) for m in MODES}
            for m, (seconds, _) in runs.items():
                times[name][m].append(seconds)
            pairs = zip(runs["eager"][1], runs["compiled"][1], strict=True)
            apart[name] = max(abs(a - b) / max(abs(a), abs(b), 1e-300) for a, b in pairs)
    print(f"# fit(compile=True) against eager fit: medians of {rounds} interleaved round(s), "
          f"{epochs} epochs (five times as many for the species)\n")
    print("| case | eager, collector on, s | eager, s | the pause saves | compiled, s (with "
          "tracing) | compiled speed-up over eager | parameters apart |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, *_ in rows:
        on, eager, compiled = (statistics.median(times[name][m]) for m in MODES)
        print(f"| {name} | {on:.3f} | {eager:.3f} | {1 - eager / on:.0%} | {compiled:.3f} "
              f"| {eager / compiled:.1f}x | {apart[name]:.1e} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
