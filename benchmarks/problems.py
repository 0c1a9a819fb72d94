"""What the benchmarks measure: the sizes, the data and first weights (from fixed seeds), and one
entry per problem saying how it is trained and how its row of the table reads.

Adding a problem is one entry in PROBLEMS, plus its cell in each implementation that runs it
(benchmarks/implementations.py); the workers, the table and the agreement check read the entry.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from benchmarks import floor

FULL = {
    "repeat": 5,  # interleaved repetitions of the demo and article cases
    "chain_repeat": 3,  # and of the chain, whose slow implementations take half a minute each
    "demo_points": 100,
    "demo_sizes": [16, 16, 1],
    "demo_steps": 10,  # timed per repetition, after one untimed warm-up step
    "article_samples": 1000,
    "chain": 1_000_000,
    "memory_chain": 5_000,
    "iris_hidden": [8],
    "iris_epochs": 20,  # timed per repetition, after one untimed warm-up epoch
}
QUICK = {
    "repeat": 1,
    "chain_repeat": 1,
    "demo_points": 20,
    "demo_sizes": [8, 8, 1],
    "demo_steps": 2,
    "article_samples": 50,
    "chain": 5_000,
    "memory_chain": 1_000,
    "iris_hidden": [8],
    "iris_epochs": 2,
}
ALPHA = 1e-4  # micrograd's demo: L2 penalty
ARTICLE_LR = 0.05
CHAIN_A, CHAIN_C = 1.0001, 0.0001
IRIS_LR = 0.5
IRIS_CSV = Path(__file__).resolve().parent.parent / "microprop" / "data" / "iris.csv"
IRIS_SPECIES = ("setosa", "versicolor", "virginica")


# ---- the data and first weights, from fixed seeds ---------------------------------------------


def moons(n: int, noise: float = 0.1, seed: int = 1) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles (the shape of sklearn's make_moons), labels -1 and +1."""
    rng = random.Random(seed)
    outer = n // 2
    X, Y = [], []
    for i in range(n):
        if i < outer:
            t = math.pi * i / max(outer - 1, 1)
            x, y, label = math.cos(t), math.sin(t), -1.0
        else:
            t = math.pi * (i - outer) / max(n - outer - 1, 1)
            x, y, label = 1.0 - math.cos(t), 0.5 - math.sin(t), 1.0
        X.append([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)])
        Y.append(label)
    return X, Y


def article_data(n: int, seed: int = 2) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    X = [[rng.uniform(-1.0, 1.0) for _ in range(4)] for _ in range(n)]
    Y = [x[0] * x[1] - 0.5 * x[2] + 0.25 * x[3] for x in X]
    return X, Y


def iris_data() -> tuple[list[list[float]], list[int]]:
    """The 150 flowers of the package's CSV (read here, not through microprop, so that the other
    workers do not import it), each measurement standardized over all rows; species 0, 1, 2."""
    with open(IRIS_CSV, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r and r[-1] in IRIS_SPECIES]
    X = [[float(v) for v in r[:4]] for r in rows]
    Y = [IRIS_SPECIES.index(r[4]) for r in rows]
    n = len(X)
    for k in range(4):
        mean = sum(x[k] for x in X) / n
        std = math.sqrt(sum((x[k] - mean) ** 2 for x in X) / n)
        for x in X:
            x[k] = (x[k] - mean) / std
    return X, Y


def initial_layers(sizes: list[int], output_bias: bool = True, seed: int = 3) -> list[floor.Layer]:
    """Weights and biases uniform in +-1/sqrt(inputs), as torch.nn.Linear draws them."""
    rng = random.Random(seed)
    layers: list[floor.Layer] = []
    for i in range(1, len(sizes)):
        bound = 1.0 / math.sqrt(sizes[i - 1])
        W = [[rng.uniform(-bound, bound) for _ in range(sizes[i - 1])] for _ in range(sizes[i])]
        has_bias = output_bias or i < len(sizes) - 1
        b = [rng.uniform(-bound, bound) for _ in range(sizes[i])] if has_bias else None
        layers.append((W, b))
    return layers


def flat(layers: list) -> list:
    """Parameters in the order micrograd's and microprop's parameters() list them: each neuron's
    weights, then its bias."""
    out = []
    for W, b in layers:
        for j, row in enumerate(W):
            out.extend(row)
            if b is not None:
                out.append(b[j])
    return out


def demo_problem(cfg: dict) -> tuple[list[int], list[floor.Layer], Any, Any]:
    sizes = [2, *cfg["demo_sizes"]]
    X, Y = moons(cfg["demo_points"])
    return sizes, initial_layers(sizes), X, Y


def article_problem(cfg: dict) -> tuple[list[int], list[floor.Layer], Any, Any]:
    sizes = [4, 2, 2, 1]
    X, Y = article_data(cfg["article_samples"])
    return sizes, initial_layers(sizes, output_bias=False), X, Y


def iris_problem(cfg: dict) -> tuple[list[int], list[floor.Layer], Any, Any]:
    sizes = [4, *cfg["iris_hidden"], 3]
    X, Y = iris_data()
    return sizes, initial_layers(sizes), X, Y


def iris_epochs(cfg: dict) -> range:
    """Epoch numbers of an Iris run: epoch 0 warms the interpreter up and is not timed."""
    return range(cfg["iris_epochs"] + 1)


def learning_rate(k: int) -> float:
    return 1.0 - 0.9 * k / 100  # micrograd's demo schedule


def demo_steps(cfg: dict) -> range:
    """Step numbers of a demo run: step 0 warms the interpreter up and is not timed."""
    return range(cfg["demo_steps"] + 1)


# ---- the table of problems --------------------------------------------------------------------


class Training(NamedTuple):
    """How a problem is trained: its data, what each step is given, and how its loss is read."""

    data: Callable[[dict], Any]  # (sizes, layers, X, Y) from the benchmark's sizes
    steps: Callable[[dict, Any], Iterable]  # one item per step, from the sizes and the data
    warmup: int  # leading steps run before the clock starts
    summed: bool  # the loss is the sum over the timed steps (else the last step's)


class Problem(NamedTuple):
    """One row of the table: what is timed, how its cell is scaled, what everyone must agree on."""

    name: str  # the case, in worker specs, logs and each implementation's cells
    label: Callable[[dict], str]  # the table's case column, from the sizes
    unit: str
    per: Callable[[dict], float]  # the cell is median seconds / per(sizes it ran at)
    agreement: Callable[[dict], str]  # what the agreement line calls the compared number
    agree_on: str  # the result key every implementation must agree on
    required: tuple[str, ...] | None  # implementations whose failure fails the run; None: all
    training: Training | None = None  # None: each implementation's cell times itself
    repeat: str = "repeat"  # the sizes' key for its number of interleaved repetitions
    # The sizes' key a cell is given instead of the whole sizes; an implementation whose
    # backward() recurses may be retried at a tenth of it, and more, until it fits.
    size: str | None = None

    def argument(self, cfg: dict) -> Any:
        """What this problem's cells take: the whole sizes, or its one size."""
        return cfg if self.size is None else cfg[self.size]


DEMO = Problem(
    "demo",
    label=lambda cfg: (
        f"micrograd's demo: MLP(2, [{', '.join(map(str, cfg['demo_sizes']))}]), "
        f"{cfg['demo_points']} moons, full batch, hinge + L2"
    ),
    unit="ms per step",
    per=lambda cfg: cfg["demo_steps"] / 1e3,
    agreement=lambda cfg: f"demo, loss of step {cfg['demo_steps'] + 1}",
    agree_on="loss",
    required=None,
    training=Training(demo_problem, lambda cfg, data: demo_steps(cfg), warmup=1, summed=False),
)
ARTICLE = Problem(
    "article",
    label=lambda cfg: (
        "the article's 4-2-2-1 network (ReLU), SGD one sample at a time, "
        f"{cfg['article_samples']:,} samples"
    ),
    unit="µs per sample",
    per=lambda cfg: cfg["article_samples"] / 1e6,
    agreement=lambda cfg: "article, sum of the per-sample losses",
    agree_on="loss",
    required=(),
    # Each step is one (x, y) sample, in the implementation's own form of x (see Steps.data).
    training=Training(article_problem, lambda cfg, data: zip(data[2], data[3]), 0, summed=True),
)
CHAIN = Problem(
    "chain",
    label=lambda cfg: (
        f"a chain of x = x * 1.0001 + 0.0001, {cfg['chain']:,} times: build + backward"
    ),
    unit="ns per op",
    per=lambda cfg: 2 * cfg["chain"] / 1e9,  # two ops per iteration
    agreement=lambda cfg: "chain, dx/dx0",
    agree_on="grad",
    required=("floor", "microprop"),
    repeat="chain_repeat",
    size="chain",
)
IRIS = Problem(
    "iris",
    label=lambda cfg: (
        f"the three Iris species: MLP(4, [{', '.join(map(str, cfg['iris_hidden']))}, 3]), "
        "150 flowers, full batch, cross-entropy"
    ),
    unit="ms per epoch",
    per=lambda cfg: cfg["iris_epochs"] / 1e3,
    agreement=lambda cfg: f"iris, loss of epoch {cfg['iris_epochs'] + 1}",
    agree_on="loss",
    required=("floor", "microprop"),
    training=Training(iris_problem, lambda cfg, data: iris_epochs(cfg), warmup=1, summed=False),
)
PROBLEMS = (DEMO, ARTICLE, CHAIN, IRIS)  # the table's rows, in order
PROBLEM = {p.name: p for p in PROBLEMS}
