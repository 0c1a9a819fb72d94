"""Data, no downloads: Fisher's Iris measurements, handwritten digits, the classic 2-D shapes,
first names, your CSV.

The shapes (moons, circles, XOR, spiral) are seeded generators; ``load_csv`` reads a file of your
own. Also a seeded train/test split and feature standardisation, all on plain lists of floats, so
nothing here needs NumPy.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import random
import sys
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

from . import _checks
from ._checks import rng as _rng  # one seeding rule for data, models and training
from .csv_data import CSVData, load_csv  # noqa: F401  (data.load_csv: data of your own)

__all__ = [
    "load_iris",
    "load_digits",
    "make_moons",
    "make_circles",
    "make_xor",
    "make_spiral",
    "load_csv",
    "load_names",
    "train_test_split",
    "Standardizer",
    "ScaledOverflowError",
    "IRIS_FEATURES",
    "IRIS_SPECIES",
]

IRIS_FEATURES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")
IRIS_SPECIES = ("setosa", "versicolor", "virginica")

Rows = list[list[float]]


def load_iris(positive: str = "virginica", *, classes: int = 2) -> tuple[Rows, list[int]]:
    """Fisher's 150 iris flowers: 4 measurements each, and a label per flower.

    ``classes=2`` (the default): label 1 for ``positive``, else 0. The default target, virginica
    against the other two, is almost but not quite separable by a straight line, so a small
    network has something to learn; setosa is separable, versicolor needs a curved boundary.
    ``classes=3``: the three species as class indices 0, 1, 2, named by ``IRIS_SPECIES[label]``
    (setosa, versicolor, virginica).

    The rows are in the usual order (50 setosa, 50 versicolor, 50 virginica), the same numbers as
    R's ``iris`` (public-domain measurements from Fisher, 1936).
    """
    _checks.choice(positive, "load_iris(positive)", IRIS_SPECIES, "species", "virginica")
    classes = _checks.integer(classes, "load_iris(classes)")
    if classes not in (2, 3):
        raise ValueError(
            f"load_iris(classes): expected 2 (one species against the rest) or 3 (all three "
            f"species), got {classes}"
        )
    if classes == 3 and positive != "virginica":
        raise ValueError(
            f"load_iris: positive={positive!r} picks one species against the rest, which needs "
            "classes=2; with classes=3 every species is its own class"
        )
    text = resources.files(__package__).joinpath("data", "iris.csv").read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader)  # the header
    X: Rows = []
    y: list[int] = []
    for row in reader:
        X.append([float(v) for v in row[:4]])
        y.append(IRIS_SPECIES.index(row[4]) if classes == 3 else int(row[4] == positive))
    return X, y


def load_digits(*, scaled: bool = False) -> tuple[Rows, list[int]]:
    """1,797 handwritten digits, each an 8x8 image as 64 numbers, and the digit it shows (0-9).

    A row is the image read line by line from the top left, so pixel ``(r, c)`` is
    ``row[8 * r + c]``. Each pixel counts the inked dots in a 4x4 block of the 32x32 scan: a
    whole number from 0 (blank) to 16 (all ink), as a float; ``scaled=True`` divides it by 16,
    giving 0 to 1. Every digit appears 174 to 183 times. The rows are the test part of UCI's
    "Optical Recognition of Handwritten Digits" (Alpaydin and Kaynak, 1998, CC BY 4.0), in its
    order; where they come from is in ``microprop/data/digits.md``. New lists each call.
    """
    scaled = _checks.flag(scaled, "load_digits(scaled)")
    packed = resources.files(__package__).joinpath("data", "digits.csv.gz").read_bytes()
    X: Rows = []
    y: list[int] = []
    for line in gzip.decompress(packed).decode("ascii").splitlines():
        *pixels, digit = (int(v) for v in line.split(","))
        X.append([p / 16 for p in pixels] if scaled else [float(p) for p in pixels])
        y.append(digit)
    return X, y


def make_moons(
    n_samples: int = 100, noise: float = 0.1, seed: int | random.Random | None = None
) -> tuple[Rows, list[int]]:
    """Two interleaving half circles in 2-D: label 0 on the upper one, 1 on the lower one.

    The upper moon is ``(cos t, sin t)`` and the lower ``(1 - cos t, 0.5 - sin t)`` for ``t``
    evenly spaced in ``[0, pi]`` (half the points each, the extra one to the upper moon), plus
    Gaussian noise of standard deviation ``noise`` on each coordinate. ``seed``: an int, a
    ``random.Random``, or None for the global ``random`` module (as everywhere in microprop).
    """
    def point(label: int, i: int, n: int, rng: Any) -> list[float]:
        t = math.pi * i / (n - 1) if n > 1 else 0.0
        return [math.cos(t), math.sin(t)] if label == 0 else [1.0 - math.cos(t), 0.5 - math.sin(t)]

    return _shape("make_moons", n_samples, noise, seed, point)


def make_circles(
    n_samples: int = 100, noise: float = 0.1, seed: int | random.Random | None = None
) -> tuple[Rows, list[int]]:
    """Two circles around the origin in 2-D: label 0 on the outer one (radius 1), 1 on the inner
    one (radius 0.5), which no straight line separates.

    Each circle's points are evenly spaced around it, starting at angle 0 (half the points each,
    the extra one to the outer circle), plus Gaussian noise as in ``make_moons``, whose
    arguments these are.
    """
    def point(label: int, i: int, n: int, rng: Any) -> list[float]:
        radius, t = (1.0 if label == 0 else 0.5), 2.0 * math.pi * i / n
        return [radius * math.cos(t), radius * math.sin(t)]

    return _shape("make_circles", n_samples, noise, seed, point)


def make_xor(
    n_samples: int = 100, noise: float = 0.1, seed: int | random.Random | None = None
) -> tuple[Rows, list[int]]:
    """The XOR pattern in 2-D: label 0 where both coordinates have the same sign, 1 where they
    differ, so no straight line separates the classes (the perceptron's classic failure).

    Unlike the other shapes the points themselves are random, even with ``noise=0``: each is
    uniform in a square from 0.1 to 1 away from both axes (the gap keeps noiseless classes
    apart), in the label's two quadrants taken in turn, then Gaussian noise is added as in
    ``make_moons``, whose arguments these are. Half the points have each label, the extra one 0.
    """
    def point(label: int, i: int, n: int, rng: Any) -> list[float]:
        sx = 1.0 if i % 2 == 0 else -1.0  # label 0: (+, +) then (-, -); label 1: (+, -), ...
        sy = sx if label == 0 else -sx
        return [sx * rng.uniform(0.1, 1.0), sy * rng.uniform(0.1, 1.0)]

    return _shape("make_xor", n_samples, noise, seed, point)


def make_spiral(
    n_samples: int = 100, noise: float = 0.1, seed: int | random.Random | None = None
) -> tuple[Rows, list[int]]:
    """Two interleaved spirals in 2-D, each 1.75 turns from near the origin out to radius 1:
    label 0 on one, 1 on the other (the same spiral turned half a turn).

    A point at radius ``r`` is at angle ``3.5 pi r`` (plus ``pi`` for label 1), with ``r``
    evenly spaced from ``1/n`` to 1 along each spiral (half the points each, the extra one to
    label 0), plus Gaussian noise as in ``make_moons``, whose arguments these are. The arms are
    about 0.29 apart, so a noise above about 0.1 starts to blur them into each other.
    """
    def point(label: int, i: int, n: int, rng: Any) -> list[float]:
        r = (i + 1) / n  # from 1/n, not 0: the two spirals never share a point
        t = 3.5 * math.pi * r + math.pi * label
        return [r * math.cos(t), r * math.sin(t)]

    return _shape("make_spiral", n_samples, noise, seed, point)


def _shape(name: str, n_samples: object, noise: object, seed: object,
           point: Callable[[int, int, int, Any], list[float]]) -> tuple[Rows, list[int]]:
    """A shape's rows and labels: ``point(label, i, n, rng)`` for each of the label's ``n``
    points, label 0 first, plus the noise; the arguments checked as every shape checks them."""
    n = _checks.integer(n_samples, f"{name}(n_samples)", low=2)  # one point per label at least
    sd = _checks.finite(noise, f"{name}(noise)", 0.0)
    rng = _rng(seed, f"{name}(seed)")
    X: Rows = []
    y: list[int] = []
    for label, count in _halves(n):
        for i in range(count):
            X.append(_noisy(point(label, i, count, rng), sd, rng))
            y.append(label)
    return X, y


def _halves(n_samples: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """(label, how many points) for the two labels: half each, the extra one to label 0."""
    return (0, (n_samples + 1) // 2), (1, n_samples // 2)


def _noisy(point: list[float], noise: float, rng: Any) -> list[float]:
    """``point`` plus Gaussian noise of standard deviation ``noise`` on each coordinate; with no
    noise no number is drawn, so a noiseless shape leaves the random stream as it was."""
    return [c + rng.gauss(0.0, noise) if noise else c for c in point]


def load_names() -> list[str]:
    """5,163 first names from the 1990 US Census, most common first (``james``, ``john``, ...).

    Each name is lower case, 2 to 11 letters ``a``-``z``, and appears once. Public domain; where
    they come from and how they were merged is in ``microprop/data/names.md``. A new list each
    call, so changing it changes nothing for the next caller.
    """
    text = resources.files(__package__).joinpath("data", "names.txt").read_text(encoding="ascii")
    return text.split()


def train_test_split(
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    test_fraction: float = 0.2,
    seed: int | random.Random | None = None,
    *,
    stratify: bool = False,
) -> tuple[Rows, Rows, list[Any], list[Any]]:
    """Shuffle the rows (seeded) and return ``X_train, X_test, y_train, y_test``.

    The test part has ``round(test_fraction * n)`` rows, and each part at least one. With
    ``stratify=True`` that fraction is taken from each label separately, so both parts keep the
    label proportions (a 30-row test set of Iris then always holds 10 virginica).
    """
    rows = _checks.rows(X, "train_test_split(X)")
    labels = _checks.listed(y, "train_test_split(y)", "labels")
    if len(labels) != len(rows):
        raise ValueError(
            f"train_test_split: X has {len(rows)} rows but y has {len(labels)} labels"
        )
    fraction = _checks.finite(
        test_fraction, "train_test_split(test_fraction)", 0.0, 1.0, low_ok=False
    )
    if len(rows) < 2:
        raise ValueError(f"train_test_split: need at least 2 rows to split, got {len(rows)}")
    stratify = _checks.flag(stratify, "train_test_split(stratify)")
    rng = _rng(seed, "train_test_split(seed)")
    test: list[int] = []
    train: list[int] = []
    for group in _groups(labels, stratify):  # in order of first appearance: a stable result
        n_test = min(max(round(fraction * len(group)), 1), len(group) - 1)
        rng.shuffle(group)
        test += group[:n_test]
        train += group[n_test:]
    return (
        [rows[i] for i in train],
        [rows[i] for i in test],
        [labels[i] for i in train],
        [labels[i] for i in test],
    )


def _groups(labels: list[Any], stratify: bool) -> list[list[int]]:
    """The row numbers to split separately: one group per label, or all rows in one."""
    if not stratify:
        return [list(range(len(labels)))]
    groups: dict[Any, list[int]] = {}
    for i, label in enumerate(labels):
        try:
            groups.setdefault(label, []).append(i)
        except TypeError:  # unhashable, such as a list
            raise TypeError(
                f"train_test_split: with stratify=True each label must be a number or a string, "
                f"got {type(label).__name__} (label {i})"
            ) from None
    if any(len(group) < 2 for group in groups.values()):
        raise ValueError("train_test_split: with stratify=True every label needs at least 2 rows")
    return list(groups.values())


class Standardizer:
    """Shifts and scales each feature to mean 0 and standard deviation 1, as measured on ``fit``.

    Fit it on the training rows only and apply it to every split, so that nothing about the
    held-out rows leaks into training. A feature that never varies is only shifted.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        self.mean = _numbers(mean, "Standardizer(mean)")
        self.std = _numbers(std, "Standardizer(std)")
        if not self.mean:
            raise ValueError("Standardizer: no features (mean and std are empty)")
        if len(self.mean) != len(self.std):
            raise ValueError(
                f"Standardizer: {len(self.mean)} means but {len(self.std)} standard deviations"
            )
        for m, s in zip(self.mean, self.std, strict=True):
            if not (math.isfinite(m) and math.isfinite(s) and s > 0.0):
                raise ValueError(
                    f"Standardizer: means must be finite and standard deviations finite and "
                    f"positive, got mean {m!r}, std {s!r}"
                )

    @classmethod
    def fit(cls, X: Sequence[Sequence[float]]) -> Standardizer:
        """Measure each column's mean and (population) standard deviation.

        Any finite numbers can be fitted, even near the largest float (1e308), whose sum or
        squared deviations would overflow: each column is measured in units of a power of two
        above its largest magnitude, which changes no bit of the result for ordinary numbers.
        """
        rows = _checks.rows(X, "Standardizer.fit(X)")
        n, d = len(rows), len(rows[0])
        mean, std = [], []
        for j in range(d):
            # Scaling by a power of two is exact, so the scaled sums round as the plain ones
            # would, and every scaled value is below 1: no sum or square can overflow.
            e = math.frexp(max(abs(r[j]) for r in rows))[1]  # 2 ** e: above them all
            m = math.fsum(math.ldexp(r[j], -e) for r in rows) / n
            s = math.sqrt(math.fsum((math.ldexp(r[j], -e) - m) ** 2 for r in rows) / n)
            mean.append(math.ldexp(m, e))
            std.append(math.ldexp(s, e) or 1.0)
        return cls(mean, std)

    def transform(self, X: Sequence[Sequence[float]]) -> Rows:
        """``(x - mean) / std`` for every row.

        A result that fits in a float is returned even when ``x - mean`` alone would overflow;
        one too large for a float is a ``ScaledOverflowError`` naming the row and the feature.
        """
        rows = _checks.rows(X, "Standardizer.transform(X)")
        if len(rows[0]) != len(self.mean):
            raise ValueError(
                f"Standardizer.transform: rows have {len(rows[0])} features, "
                f"expected {len(self.mean)}"
            )
        pairs = list(zip(self.mean, self.std, strict=True))
        out = [[(x - m) / s for x, (m, s) in zip(r, pairs, strict=True)] for r in rows]
        for i, r in enumerate(out):
            for j, z in enumerate(r):
                if not math.isfinite(z):
                    r[j] = self._large(rows[i][j], i, j)
        return out

    def _large(self, x: float, i: int, j: int) -> float:
        """(x - mean) / std where x - mean overflowed: the result if it fits, else the error."""
        m, s = self.mean[j], self.std[j]
        z = (x * 0.5 - m * 0.5) / s * 2.0  # halves are exact, so only a huge result overflows
        if not math.isfinite(z):
            raise ScaledOverflowError(self, i, j, x, z)
        return z

    def __repr__(self) -> str:
        return f"Standardizer(mean={self.mean}, std={self.std})"


class ScaledOverflowError(ValueError):
    """A finite input whose standardised value, ``(x - mean) / std``, is too large for a float.

    ``row`` and ``feature`` are its place (from 0), ``value`` the input and ``scaled`` the
    result (+-inf), so a caller can name the feature in its own words.
    """

    def __init__(self, scaler: Standardizer, row: int, feature: int, value: float, scaled: float):
        self.row, self.feature, self.value, self.scaled = row, feature, value, scaled
        m, s = scaler.mean[feature], scaler.std[feature]
        # The inputs that scale to a finite float are those within largest-float * std of the
        # mean, computed in halves so that neither bound overflows on the way.
        half = sys.float_info.max * 0.5 * s
        low = max(m * 0.5 - half, -sys.float_info.max * 0.5) * 2.0
        high = min(m * 0.5 + half, sys.float_info.max * 0.5) * 2.0
        super().__init__(
            f"Standardizer.transform(X): row {row}, feature {feature} is {value!r}, which "
            f"scales to {scaled} ((x - {m!r}) / {s!r} is too large for a float); expected a "
            f"number from about {low:.4g} to {high:.4g}"
        )


def _numbers(values: object, what: str) -> list[float]:
    """One float per feature; inf and nan are left for the caller, which names mean and std."""
    items = _checks.listed(values, what)
    return [_checks.element(v, f"{what}: item {j}", None) for j, v in enumerate(items)]
