"""Bad input to data sets, splitting and standardizing:
each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import pytest
from bad_input import check, inf, nan, short, table

from microprop.data import Standardizer, load_iris, make_moons, train_test_split

ROWS, row = table()

# ---- data ----------------------------------------------------------------------------------------

for bad in ("Virginica", "virginica ", ""):
    row(f"load_iris({bad!r})", lambda bad=bad: load_iris(bad), ValueError,
        "load_iris(positive)", "expected one of", "'setosa', 'versicolor', 'virginica'")
for bad in (None, 2, ["virginica"]):
    row(f"load_iris({bad!r})", lambda bad=bad: load_iris(bad), TypeError,
        "load_iris(positive)", "expected a name such as 'virginica'", type(bad).__name__)
for bad, error, words in (
    (1, ValueError, ("load_iris(classes): expected 2", "or 3 (all three species), got 1")),
    (4, ValueError, ("load_iris(classes): expected 2", "got 4")),
    (0, ValueError, ("load_iris(classes): expected a positive int, got 0",)),
    (3.0, TypeError, ("load_iris(classes): expected a positive int, got float",)),
    (True, TypeError, ("load_iris(classes): expected a positive int, got bool",)),
):
    row(f"load_iris(classes={bad!r})", lambda bad=bad: load_iris(classes=bad), error, *words)
row("load_iris('setosa', classes=3)", lambda: load_iris("setosa", classes=3), ValueError,
    "positive='setosa' picks one species against the rest, which needs classes=2")
for bad in (1, 0, -5):
    row(f"make_moons(n_samples={bad})", lambda bad=bad: make_moons(bad), ValueError,
        "make_moons(n_samples)", "expected at least 2")
for bad in (2.5, "100", True, None):
    row(f"make_moons(n_samples={bad!r})", lambda bad=bad: make_moons(bad), TypeError,
        "make_moons(n_samples)", "expected an int", type(bad).__name__)
for bad in (-0.1, nan, inf, 10**400):
    row(f"make_moons(noise={short(bad)})", lambda bad=bad: make_moons(10, noise=bad), ValueError,
        "make_moons(noise)", "expected a finite number >= 0")
for bad in ("0.1", None, True):
    row(f"make_moons(noise={bad!r})", lambda bad=bad: make_moons(10, noise=bad), TypeError,
        "make_moons(noise)", "expected a number")
for bad in (1.5, "x", True):
    row(f"make_moons(seed={bad!r})", lambda bad=bad: make_moons(10, seed=bad), TypeError,
        "make_moons(seed)", "expected an int, a random.Random or None")

XS, YS = [[float(i)] for i in range(10)], [i % 2 for i in range(10)]
for bad in (0, 1, -0.2, 1.5, nan, inf, 10**400):
    row(f"train_test_split(test_fraction={short(bad)})",
        lambda bad=bad: train_test_split(XS, YS, test_fraction=bad), ValueError,
        "train_test_split(test_fraction)", "in (0, 1)")
for bad in ("0.2", True, None):
    row(f"train_test_split(test_fraction={bad!r})",
        lambda bad=bad: train_test_split(XS, YS, test_fraction=bad), TypeError,
        "train_test_split(test_fraction)", "expected a number")
row("train_test_split(y too short)", lambda: train_test_split(XS, YS[:-1]), ValueError,
    "X has 10 rows but y has 9 labels")
for bad in (None, 5):
    row(f"train_test_split(y={bad!r})", lambda bad=bad: train_test_split(XS, bad), TypeError,
        "train_test_split(y)", "expected a list of labels")
row("train_test_split(X=[]) empty", lambda: train_test_split([], []), ValueError,
    "train_test_split(X)", "no data")
row("train_test_split(X=[[nan], ...])", lambda: train_test_split([[nan], [1.0]], [0, 1]),
    ValueError, "row 0 holds nan")
row("train_test_split(X=[[10**400], ...])",
    lambda: train_test_split([[1.0], [10**400]], [0, 1]), ValueError,
    "train_test_split(X): row 1 holds an int too large for a float")
row("train_test_split(one row)", lambda: train_test_split([[1.0]], [1]), ValueError,
    "need at least 2 rows")
for bad in ("yes", 1, None):
    row(f"train_test_split(stratify={bad!r})",
        lambda bad=bad: train_test_split(XS, YS, stratify=bad), TypeError,
        "train_test_split(stratify)", "expected True or False")
row("train_test_split(stratify, a label with one row)",
    lambda: train_test_split(XS, [0] * 9 + [1], stratify=True), ValueError,
    "every label needs at least 2 rows")
row("train_test_split(stratify, unhashable labels)",
    lambda: train_test_split(XS, [[i % 2] for i in range(10)], stratify=True), TypeError,
    "each label must be a number or a string", "got list")
row("train_test_split(seed='x')", lambda: train_test_split(XS, YS, seed="x"), TypeError,
    "train_test_split(seed)")

for mean, std, error, words in [
    ("ab", "cd", TypeError, ("Standardizer(mean)", "expected a list of numbers", "str")),
    (5, [1.0], TypeError, ("Standardizer(mean)", "got int")),
    ([0.0], None, TypeError, ("Standardizer(std)", "got NoneType")),
    ([None], [1.0], TypeError, ("Standardizer(mean)", "item 0 is a NoneType")),
    ([0.0], ["1"], TypeError, ("Standardizer(std)", "item 0 is a str")),
    ([True], [1.0], TypeError, ("item 0 is a bool",)),
    ([], [], ValueError, ("no features",)),
    ([0.0, 1.0], [1.0], ValueError, ("2 means but 1 standard deviations",)),
    ([0.0], [0.0], ValueError, ("positive", "std 0.0")),
    ([0.0], [-1.0], ValueError, ("positive", "std -1.0")),
    ([nan], [1.0], ValueError, ("finite", "mean nan")),
    ([0.0], [inf], ValueError, ("finite", "std inf")),
    ([10**400], [1.0], ValueError, ("Standardizer(mean)", "item 0 is too large for a float")),
]:
    row(f"Standardizer({short(mean)}, {short(std)})",
        lambda mean=mean, std=std: Standardizer(mean, std), error, *words)
row("Standardizer.fit([])", lambda: Standardizer.fit([]), ValueError, "Standardizer.fit(X)",
    "no data")
row("Standardizer.fit([[nan]])", lambda: Standardizer.fit([[nan]]), ValueError, "row 0 holds nan")
row("Standardizer.fit([[10**400]])", lambda: Standardizer.fit([[1.0], [10**400]]), ValueError,
    "Standardizer.fit(X): row 1 holds an int too large for a float", "must be finite")
row("Standardizer.transform([[10**400]])",
    lambda: Standardizer([0.0], [1.0]).transform([[10**400]]), ValueError,
    "Standardizer.transform(X)", "row 0 holds an int too large for a float")
row("Standardizer.fit('ab')", lambda: Standardizer.fit("ab"), TypeError, "Standardizer.fit(X)")
row("Standardizer.transform(2 features for 1)",
    lambda: Standardizer([0.0], [1.0]).transform([[1.0, 2.0]]), ValueError,
    "rows have 2 features, expected 1")
row("Standardizer.transform([[1e300]]) with std 1e-10 (whole message)",
    lambda: Standardizer([0.0], [1e-10]).transform([[1e300]]), ValueError,
    "Standardizer.transform(X): row 0, feature 0 is 1e+300, which scales to inf "
    "((x - 0.0) / 1e-10 is too large for a float); expected a number from about -1.798e+298 to "
    "1.798e+298")
row("Standardizer.transform(row 2, feature 1 overflows)",
    lambda: Standardizer([0.0, 5.0], [1.0, 0.5]).transform([[0.0, 5.0], [1.0, 6.0],
                                                            [2.0, -1.7e308]]),
    ValueError, "row 2, feature 1 is -1.7e+308", "scales to -inf", "(x - 5.0) / 0.5")
row("Standardizer.transform([[inf]])", lambda: Standardizer([0.0], [1.0]).transform([[inf]]),
    ValueError, "Standardizer.transform(X)", "row 0 holds inf")

# Moved from test_data.py, where they were inline pytest.raises(match=...) checks.
for id, call, error, words in [
    ("load_iris('rose')", lambda: load_iris("rose"), ValueError, ("expected one of",)),
    ("make_moons(1)", lambda: make_moons(1), ValueError, ("at least 2",)),
    ("make_moons(10.0)", lambda: make_moons(10.0), TypeError, ("expected an int",)),
    ("make_moons(10, noise=-1)", lambda: make_moons(10, noise=-1), ValueError, ("noise",)),
    ("make_moons(10, seed='a')", lambda: make_moons(10, seed="a"), TypeError,
     ("expected an int, a random.Random",)),
    ("train_test_split(2 rows, 1 label)", lambda: train_test_split([[1.0], [2.0]], [1]),
     ValueError, ("2 rows but y has 1",)),
    ("train_test_split(test_fraction=1.0)",
     lambda: train_test_split([[1.0], [2.0]], [0, 1], 1.0), ValueError, ("in (0, 1)",)),
    ("train_test_split([[1.0]], [0])", lambda: train_test_split([[1.0]], [0]), ValueError,
     ("at least 2 rows",)),
    ("train_test_split(y=None)", lambda: train_test_split([[1.0], [2.0]], None), TypeError,
     ("list of labels",)),
    ("train_test_split(X=[[1.0], ['a']])", lambda: train_test_split([[1.0], ["a"]], [0, 1]),
     TypeError, ("row 1 holds a str",)),
    ("train_test_split(X=[[1.0], [1.0, 2.0]])",
     lambda: train_test_split([[1.0], [1.0, 2.0]], [0, 1]), ValueError, ("row 1 has 2",)),
    ("train_test_split(X=[[nan], [1.0]])", lambda: train_test_split([[nan], [1.0]], [0, 1]),
     ValueError, ("finite",)),
    ("train_test_split([], [])", lambda: train_test_split([], []), ValueError, ("no data",)),
    ("Standardizer.fit('abc')", lambda: Standardizer.fit("abc"), TypeError,
     ("expected a list of rows",)),
    ("Standardizer([0.0], [0.0])", lambda: Standardizer([0.0], [0.0]), ValueError,
     ("positive",)),
    ("Standardizer.transform([[1.0, 2.0]])",
     lambda: Standardizer([0.0], [1.0]).transform([[1.0, 2.0]]), ValueError, ("expected 1",)),
]:
    row(f"{id} (short form)", call, error, *words)


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
