"""The training view's Python: a data set, a network, and training it a few epochs at a time.

The page (in JavaScript) only draws: every number it shows comes from here, that is from
microprop's own ``fit``, ``predict`` and ``Stepper``, running in the page's Python. Each answer is
plain data (dicts, lists, floats and strings).
"""

from __future__ import annotations

import math
import random
from typing import Any

from microprop import article, data
from microprop.losses import LOSS_TABLE
from microprop.nn import ACTIVATION_NAMES, MLP
from microprop.stepper import Stepper
from microprop.train import accuracy, evaluate_loss, fit, predict

# The data sets a learner picks from: each gives rows of two numbers and a class per row.
DATASETS = ("moons", "circles", "xor", "spiral", "iris petals")
# A network a learner can watch: five epochs of the biggest (2-8-8-8-8-1 on 400 points) take
# about 0.4 s here and 1 s in the page's Python; one sample's backward pass is 68 steps.
MOST_LAYERS = 4
MOST_NEURONS = 8
MOST_SAMPLES = 400
# The decision regions: the model asked on a GRID x GRID lattice over the data.
GRID = 36


def load(name: str, n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[
        list[list[float]], list[int], str]:
    """The rows, their classes, and a line saying what the data set is."""
    if name == "iris petals":
        rows, labels = data.load_iris(classes=3)
        petals = [row[2:] for row in rows]
        # Petals are centimetres (length 1-7, width 0.1-2.5): centred and scaled, as a
        # network with tanh learns best from numbers near the unit range.
        columns = list(zip(*petals))
        means = [sum(c) / len(c) for c in columns]
        sds = [math.sqrt(sum((v - m) ** 2 for v in c) / len(c)) for c, m in zip(columns, means)]
        scaled = [[(v - m) / s for v, m, s in zip(row, means, sds)] for row in petals]
        return scaled, labels, ("Fisher's 150 iris flowers by petal length and width (each "
                                "centred and scaled); 3 species")
    makers = {"moons": data.make_moons, "circles": data.make_circles, "xor": data.make_xor,
              "spiral": data.make_spiral}
    if not isinstance(name, str) or name not in makers:  # a list from the page is unhashable
        raise ValueError(f"data set {name!r} is not one of {', '.join(map(repr, DATASETS))}")
    if not _whole(n_samples) or not 2 <= n_samples <= MOST_SAMPLES:
        raise ValueError(f"samples: {n_samples!r} is not a whole number from 2 to {MOST_SAMPLES}")
    rows, labels = makers[name](n_samples, noise=noise, seed=seed)
    return rows, labels, f"{n_samples} points in two classes, {name}, noise {noise}"


class Session:
    """One network being trained on one data set, a few epochs at a time."""

    def __init__(self, dataset: str = "moons", hidden: Any = (8, 8), activation: str = "tanh",
                 lr: float = 0.1, batch_size: int | None = 10, seed: int = 0, n_samples: int = 200,
                 noise: float = 0.1) -> None:
        self.hidden = _hidden(hidden)
        if activation not in ACTIVATION_NAMES or activation == "linear":
            choices = ", ".join(a for a in ACTIVATION_NAMES if a != "linear")
            raise ValueError(f"activation {activation!r} is not one of {choices}")
        self.lr = _number("learning rate", lr, 1e-6, 10.0)
        self.rows, self.labels, self.about = load(dataset, n_samples, noise, seed)
        if batch_size is not None and (not _whole(batch_size) or not
                                       1 <= batch_size <= len(self.rows)):
            raise ValueError(f"batch size {batch_size!r} is not a whole number from 1 to "
                             f"{len(self.rows)} (the number of samples), or None for all")
        self.batch_size = batch_size
        self.classes = max(self.labels) + 1
        outputs = 1 if self.classes == 2 else self.classes
        self.loss = "bce" if outputs == 1 else "cross_entropy"
        self.model = MLP(2, [*self.hidden, outputs], activation=activation,
                         output_activation=None, seed=seed)
        self.rng = random.Random(seed)
        self.epoch = 0
        self.losses: list[float] = []
        self.box = _box(self.rows)

    def _cost(self, i: int) -> Any:
        """Sample ``i``'s cost C, its values named as the article names them."""
        function = LOSS_TABLE[self.loss].function
        return article.forward(self.model, self.rows[i], self.labels[i], cost=function).C

    def train(self, epochs: int = 5) -> dict[str, Any]:
        """Train ``epochs`` more epochs; the state to draw then."""
        if not _whole(epochs) or not 1 <= epochs <= 1000:
            raise ValueError(f"epochs: {epochs!r} is not a whole number from 1 to 1000")
        before = [p.data for p in self.model.parameters()]
        try:
            history = fit(self.model, self.rows, self.labels, loss=self.loss, lr=self.lr,
                          epochs=epochs, batch_size=self.batch_size, seed=self.rng,
                          progress=False)
        except ArithmeticError:  # fit's NonFiniteLossError, or an op's overflow
            for p, x in zip(self.model.parameters(), before):
                p.data = x
            raise ValueError(
                f"training stopped: the loss became too large to compute within "
                f"{epochs} epochs, so the network is put back as it was after epoch "
                f"{self.epoch}; try a smaller learning rate") from None
        self.losses.extend(history.losses)
        self.epoch += len(history.losses)
        return self.state()

    def state(self) -> dict[str, Any]:
        """What the page draws: the losses so far, the accuracy, the regions and the points."""
        loss = evaluate_loss(self.model, self.rows, self.labels, loss=self.loss)
        return {
            "epoch": self.epoch,
            "losses": list(self.losses),  # a copy: a state kept is not changed by training on
            "loss": loss,
            "accuracy": accuracy(self.model, self.rows, self.labels),
            "regions": self.regions(),
            "points": [[x, y, c] for (x, y), c in zip(self.rows, self.labels)],
            "classes": self.classes,
            "box": self.box,
            "about": self.about,
            "parameters": len(self.model.parameters()),
        }

    def regions(self) -> list[list[float]]:
        """The class and the model's confidence in it at each point of the lattice, row by row
        from the top: [class, confidence] (confidence from 1/classes to 1)."""
        (x0, x1), (y0, y1) = self.box
        lattice = [[x0 + (x1 - x0) * (i + 0.5) / GRID, y1 - (y1 - y0) * (j + 0.5) / GRID]
                   for j in range(GRID) for i in range(GRID)]
        if self.classes == 2:
            out = []
            for s in predict(self.model, lattice):
                p = 1.0 / (1.0 + math.exp(-s)) if s > -700 else 0.0
                out.append([1.0, p] if p >= 0.5 else [0.0, 1.0 - p])
            return out
        return [[max(range(len(p)), key=p.__getitem__), max(p)]
                for p in predict(self.model, lattice, output="probabilities")]

    def sample(self, i: int) -> str:
        """The stepping page of sample ``i``'s backward pass through the network as it is now."""
        if not _whole(i) or not 0 <= i < len(self.rows):
            raise ValueError(f"sample {i!r} is not a whole number from 0 to {len(self.rows) - 1}")
        cost = self._cost(i)
        self.model.zero_grad()
        stepper = Stepper(cost, show_local_grads=True, color="grad", collapse=True)
        return stepper.html()


def _hidden(hidden: Any) -> list[int]:
    """Hidden layer sizes, refused in one line when the network would be too big to watch."""
    if isinstance(hidden, str):
        parts = [p for p in hidden.replace(",", " ").split() if p]
        if not all(p.isdecimal() for p in parts):  # isdigit() passes '²', which int() refuses
            raise ValueError(f"hidden layers {hidden!r}: expected sizes such as '4, 4'")
        hidden = [int(p) for p in parts]
    if not isinstance(hidden, (list, tuple)):
        raise ValueError(f"hidden layers {hidden!r}: expected sizes such as '4, 4'")
    sizes = list(hidden)
    if not all(_whole(n) and n >= 1 for n in sizes):
        raise ValueError(f"hidden layers {sizes!r}: each size must be a whole number from 1")
    if len(sizes) > MOST_LAYERS or any(n > MOST_NEURONS for n in sizes):
        raise ValueError(f"hidden layers {sizes!r}: at most {MOST_LAYERS} layers of at most "
                         f"{MOST_NEURONS} neurons train at a watchable pace here")
    return sizes


def _whole(value: Any) -> bool:
    """Whether ``value`` is an int and not a bool (True is an int to Python, not to a learner)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _number(what: str, value: Any, low: float, high: float) -> float:
    # NaN is refused too: every comparison with it is False.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            low <= value <= high):
        raise ValueError(f"{what}: {value!r} is not a number from {low:g} to {high:g}")
    return float(value)


def _box(rows: list[list[float]]) -> list[list[float]]:
    """The region drawn: the data's extent and a margin of a tenth on each side."""
    box = []
    for column in zip(*rows):
        lo, hi = min(column), max(column)
        margin = (hi - lo) * 0.1 or 1.0
        box.append([lo - margin, hi + margin])
    return box
