"""fit with the live view against fit without it: what watching training costs.

    python benchmarks/live_view.py            # 5 interleaved rounds: about five minutes
    python benchmarks/live_view.py --quick    # one short round: seconds

Each round trains every case three times from the same seed, one after the other: without a
view, with ``live(...)`` as it comes (every 5 epochs, within a budget of 10% of the training
time), and with ``budget=None`` (every 5 epochs, whatever it costs), to show what the budget
saves. The view's time is all counted: making it, every frame (the figure drawn and its PNG
made, as a Jupyter kernel would be sent it; a stand-in for the kernel takes the frames), and the
last frame drawn when the cell ends. CPU time (all of it in this one thread, so a learner's wait
on a quiet machine, and less disturbed by other work on a shared one); the table gives medians
over the rounds, the ratio of the median with the view to the median without, and the frames
shown in the last round.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from microprop import fit, plot  # noqa: E402
from microprop.data import load_iris, make_moons, make_spiral  # noqa: E402
from microprop.nn import MLP  # noqa: E402
from microprop.optim import Adam  # noqa: E402


class Kernel:
    """A Jupyter kernel as the view sees it: frames go to a display handle, and the cell ends."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.at_end: list[Any] = []

    def display(self, frame: Any) -> Kernel:
        self.frames.append(frame._repr_png_())
        return self

    def update(self, frame: Any) -> None:
        self.frames.append(frame._repr_png_())

    def at_cell_end(self, then: Any) -> None:
        self.at_end.append(then)

    def end_cell(self) -> None:
        for then in self.at_end:
            then()
        self.at_end.clear()


def cases(epochs: int) -> list[tuple[str, Any, list, list, dict, dict]]:
    """(name, a function making the model, X, y, fit's options, live's options) for each row."""
    moons, labels = make_moons(100, noise=0.1, seed=0)
    signs = [2 * t - 1 for t in labels]
    more, more_labels = make_moons(200, noise=0.1, seed=0)
    spiral, arms = make_spiral(150, noise=0.05, seed=0)
    flowers, species = load_iris(classes=3)
    return [
        ("notebook 06: MLP(2, [16, 16, 1]), 100 moons, hinge + L2, Adam",
         lambda: MLP(2, [16, 16, 1], seed=1), moons, signs,
         dict(loss="hinge", l2=1e-4, epochs=epochs), {}),
        ("the same on 200 moons, 3 times the epochs",
         lambda: MLP(2, [16, 16, 1], seed=1), more, [2 * t - 1 for t in more_labels],
         dict(loss="hinge", l2=1e-4, epochs=3 * epochs), {}),
        ("two spirals, one output per class: MLP(2, [16, 16, 2]), 150 points, cross-entropy",
         lambda: MLP(2, [16, 16, 2], seed=1), spiral, arms,
         dict(loss="cross_entropy", epochs=2 * epochs), {}),
        ("3 Iris species, loss curve only: MLP(4, [8, 3]), compile=True, batches of 10",
         lambda: MLP(4, [8, 3], seed=1), flowers, species,
         dict(loss="cross_entropy", epochs=epochs, batch_size=10, seed=0, compile=True),
         {"regions": False}),
    ]


MODES = ("without", "live", "budget=None")


def timed(make_model: Any, X: list, y: list, options: dict, view: dict, mode: str,
          kernel: Kernel) -> tuple[float, int]:
    """Seconds to train (and, with a view, to make it and finish it as a cell's end does) and
    the frames shown."""
    model = make_model()
    start = time.process_time()
    callback = None
    if mode != "without":
        data = (X, y) if view.get("regions", True) else ()
        callback = plot.live(model, *data, **({"budget": None} if mode == "budget=None" else {}))
    fit(model, X, y, optimizer=Adam(model.parameters(), lr=0.03), progress=False,
        callback=callback, **options)
    kernel.end_cell()
    seconds = time.process_time() - start
    return seconds, 0 if callback is None else callback.frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short round")
    args = parser.parse_args(argv)
    rounds, epochs = (1, 4) if args.quick else (5, 100)
    kernel = Kernel()
    notebook = plot._notebook
    plot._notebook = lambda: kernel  # type: ignore[assignment]  # frames go to the stand-in
    try:
        rows = cases(epochs)
        name, make_model, X, y, options, view = rows[0]
        timed(make_model, X, y, {**options, "epochs": 2}, view, "live", kernel)  # warm up fonts
        times = {row[0]: {m: [] for m in MODES} for row in rows}
        frames: dict[str, dict[str, int]] = {row[0]: {} for row in rows}
        for _ in range(rounds):
            for name, make_model, X, y, options, view in rows:
                for mode in MODES:
                    seconds, shown = timed(make_model, X, y, options, view, mode, kernel)
                    times[name][mode].append(seconds)
                    frames[name][mode] = shown
    finally:
        plot._notebook = notebook  # type: ignore[assignment]
    print(f"# fit with live(...) against fit without it: medians of {rounds} interleaved "
          f"round(s), {epochs} epochs (as the case says)\n")
    print("| case | without, s | with live, s | slowdown | frames | budget=None, s | slowdown "
          "| frames |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, *_ in rows:
        plain, watched, unbounded = (statistics.median(times[name][m]) for m in MODES)
        print(f"| {name} | {plain:.3f} | {watched:.3f} | {watched / plain:.2f}x "
              f"| {frames[name]['live']} | {unbounded:.3f} | {unbounded / plain:.2f}x "
              f"| {frames[name]['budget=None']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
