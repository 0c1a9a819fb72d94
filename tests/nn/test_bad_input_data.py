"""Bad input to data sets, splitting and standardizing:
each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import sys

import pytest
from bad_input import check, inf, nan, short, table

from microprop.data import (
    Standardizer,
    load_csv,
    load_digits,
    load_iris,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
    train_test_split,
)

ROWS, row = table()


def csv_file(text: str, name: str = "bad.csv") -> str:
    """A file ``bad.csv`` holding ``text`` (in the row's own temporary folder)."""
    with open(name, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return name


def bytes_file(data: bytes) -> str:
    with open("bad.csv", "wb") as f:
        f.write(data)
    return "bad.csv"

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
for bad in (1, 0, "yes", None, 16):
    row(f"load_digits(scaled={bad!r})", lambda bad=bad: load_digits(scaled=bad), TypeError,
        "load_digits(scaled): expected True or False", type(bad).__name__)
row("load_digits(scaled=1) (whole message)", lambda: load_digits(scaled=1), TypeError,
    "load_digits(scaled): expected True or False, got int 1")
row("load_digits(True) (scaled by place)", lambda: load_digits(True), TypeError,
    "load_digits() takes 0 positional arguments")
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

# The other shapes check their arguments as make_moons does, each naming itself.
for make in (make_circles, make_xor, make_spiral):
    name = make.__name__
    for bad in (1, 0, -5):
        row(f"{name}(n_samples={bad})", lambda make=make, bad=bad: make(bad), ValueError,
            f"{name}(n_samples): expected at least 2, got {bad}")
    for bad in (2.5, "100", True, None):
        row(f"{name}(n_samples={bad!r})", lambda make=make, bad=bad: make(bad), TypeError,
            f"{name}(n_samples)", "expected an int", type(bad).__name__)
    for bad in (-0.1, nan, inf, -inf, 10**400):
        row(f"{name}(noise={short(bad)})", lambda make=make, bad=bad: make(10, noise=bad),
            ValueError, f"{name}(noise): expected a finite number >= 0")
    for bad in ("0.1", None, True):
        row(f"{name}(noise={bad!r})", lambda make=make, bad=bad: make(10, noise=bad), TypeError,
            f"{name}(noise)", "expected a number")
    for bad in (1.5, "x", True):
        row(f"{name}(seed={bad!r})", lambda make=make, bad=bad: make(10, seed=bad), TypeError,
            f"{name}(seed): expected an int, a random.Random or None")

# ---- load_csv: each bad file named by its line and column ------------------------------------

GOOD = "a,b,y\n1,2,x\n3,4,z\n"
for id, text, words in [
    ("a missing value", "a,b,y\n1,2,x\n3,,z\n",
     ("load_csv: bad.csv, line 3, column 2 ('b') is empty; expected a number (a missing value",)),
    ("a missing value at the end of a row", "a,b,y\n1,2,x\n3,4,\n",
     ("load_csv: bad.csv, column 3 ('y') is empty on line 3; expected a value in every row",)),
    ("a non-numeric cell", "a,b,y\n1,2,x\n3,four,z\n",
     ("bad.csv, line 3, column 2 ('b') is 'four', not a number; expected a number in every "
      "column but the target",)),
    ("NA", "a,b,y\n1,2,x\nNA,4,z\n", ("line 3, column 1 ('a') is 'NA', not a number",)),
    ("a thousands separator", 'a,b,y\n1,"1,000",x\n3,4,z\n',
     ("line 2, column 2 ('b') is '1,000', not a number",)),
    ("nan", "a,b,y\n1,nan,x\n3,4,z\n",
     ("line 2, column 2 ('b') is 'nan'; expected a finite number",)),
    ("-inf", "a,b,y\n1,2,x\n-inf,4,z\n",
     ("line 3, column 1 ('a') is '-inf'; expected a finite number",)),
    ("1e400", "a,b,y\n1,2,x\n3,1e400,z\n",
     ("line 3, column 2 ('b') is '1e400'; expected a finite number",)),
    ("a row too short", "a,b,y\n1,2,x\n3,4\n",
     ("bad.csv, line 3 has 2 cells, but the header names 3 columns; expected 3 cells in every "
      "row",)),
    ("a row too long", "a,b,y\n1,2,x\n\n3,4,z,5\n", ("line 4 has 4 cells",)),
    ("a row too long by an empty cell", "a,b,y\n1,2,x,\n3,4,z\n", ("line 2 has 4 cells",)),
    ("one class only", "a,b,y\n1,2,x\n3,4,x\n",
     ("load_csv: bad.csv, column 3 ('y') holds one class only, 'x', in every row; expected at "
      "least two classes for a model to tell apart",)),
    ("one value only", "a,b,y\n1,2,0\n3,4,0\n", ("column 3 ('y') holds one value only, 0",)),
    ("one float value only", "a,b,y\n1,2,0.5\n3,4,0.5\n",
     ("column 3 ('y') holds one value only, 0.5",)),
    ("an empty file", "", ("load_csv: bad.csv is empty; expected a header row naming the "
                           "columns, then rows of numbers",)),
    ("only blank lines", "\n  \n\n", ("bad.csv is empty",)),
    ("no header", "1,2,x\n3,4,z\n",
     ("load_csv: bad.csv, line 1, column 1 is '1', a number; expected a header row naming the "
      "columns (the file seems to start with data",)),
    ("a header only", "a,b,y\n", ("bad.csv has a header (line 1) but no rows of data",)),
    ("a header only, after blank lines", "\n\na,b,y\n\n",
     ("bad.csv has a header (line 3) but no rows of data",)),
    ("one column", "y\nx\nz\n",
     ("line 1 names one column, 'y'; expected at least two: the features and a target",)),
    ("a column without a name", "a,,y\n1,2,x\n3,4,z\n",
     ("line 1, column 2 has no name; expected a header naming every column",)),
    ("two columns with one name", "a,b,a\n1,2,x\n3,4,z\n",
     ("line 1, column 3 is named 'a', as column 1 is; expected a different name for each",)),
    ("a target of numbers and text", "a,b,y\n1,2,1\n3,4,x\n",
     ("column 3 ('y') mixes numbers (line 2: '1') and text (line 3: 'x'); expected all numbers "
      "or all class names",)),
    ("a target of numbers and NA", "a,b,y\n1,2,NA\n3,4,1.5\n",
     ("mixes numbers (line 3: '1.5') and text (line 2: 'NA')",)),
    ("a target of nan", "a,b,y\n1,2,0.5\n3,4,nan\n",
     ("column 3 ('y') is 'nan' on line 3; expected a finite number or a class name",)),
    ("a quote left open", 'a,b,y\n1,2,"x\n3,4,z\n',
     ("load_csv: bad.csv, line 3: unexpected end of data (expected CSV as Excel or Python's csv "
      "module writes it)",)),
    ("a stray quote", 'a,b,y\n1,"2"3,x\n3,4,z\n', ("bad.csv, line 2: ',' expected after '\"'",)),
]:
    row(f"load_csv(<{id}>)", lambda text=text: load_csv(csv_file(text)), ValueError, *words)
for id, data, words in [
    ("not UTF-8", "a,b,y\n1,2,x\n3,4,\u00e9\n".encode("latin-1"),
     ("load_csv: bad.csv, line 3 is not UTF-8 text (byte 0xe9 at byte 5 of the line); save it "
      "as UTF-8",)),
    ("a NUL byte", b"a,b,y\n1,2\x00,x\n3,4,z\n",  # Python 3.10's csv refuses it, later ones read it
     ("load_csv: bad.csv, line 2: line contains NUL",) if sys.version_info < (3, 11) else
     ("load_csv: bad.csv, line 2, column 2 ('b') is '2\\x00', not a number",)),
    ("a cell over 128 kB", b"a,b,y\n1,2," + b"x" * 200_000 + b"\n3,4,z\n",
     ("load_csv: bad.csv, line 2: field larger than field limit",)),
]:
    row(f"load_csv(<{id}>)", lambda data=data: load_csv(bytes_file(data)), ValueError, *words)
# More than the bound is refused as soon as the row past it is read (a 10-million-row file is
# never read to its end); this one has one row too many.
row("load_csv(<1,000,001 rows>)",
    lambda: load_csv(csv_file("a,y\n" + "0,1\n" * 1_000_001)), ValueError,
    "load_csv: bad.csv has more than 1,000,000 rows (line 1000002 is one more); load_csv "
    "reads at most microprop.csv_data.MAX_CSV_ROWS = 1,000,000")
for target, error, words in [
    ("z", ValueError, ("load_csv(target): no column named 'z' in bad.csv; its columns are 'a', "
                       "'b', 'y'",)),
    ("Y", ValueError, ("no column named 'Y'", "did you mean 'y'?")),
    ("", ValueError, ("no column named ''",)),
    (2, TypeError, ("load_csv(target): expected a column name such as 'species', or None for "
                    "the last column, got int 2",)),
    (["y"], TypeError, ("load_csv(target)", "got list",)),
]:
    row(f"load_csv(target={target!r})",
        lambda target=target: load_csv(csv_file(GOOD), target), error, *words)
row("load_csv(target=..., 6 columns)",
    lambda: load_csv(csv_file("a,b,c,d,e,y\n1,2,3,4,5,x\n1,2,3,4,5,z\n"), "f"), ValueError,
    "its columns are 'a', 'b', 'c' and 3 more")
row("load_csv(target='a', a text feature)", lambda: load_csv(csv_file(GOOD), "a"), ValueError,
    "line 2, column 3 ('y') is 'x', not a number")
for path, error, words in [
    ("absent.csv", FileNotFoundError, ("load_csv(path): no file at 'absent.csv'",)),
    ("", FileNotFoundError, ("load_csv(path): no file at ''",)),
    (".", IsADirectoryError, ("load_csv(path): '.' is a folder; expected a CSV file",)),
    ("a\0b.csv", ValueError, ("load_csv(path): 'a\\x00b.csv' is not a file name",)),
    (3, TypeError, ("load_csv(path): expected a file path (a str or a pathlib.Path), got int 3",)),
    (None, TypeError, ("load_csv(path): expected a file path", "got NoneType")),
    (True, TypeError, ("load_csv(path): expected a file path", "got bool")),
]:
    row(f"load_csv({path!r})", lambda path=path: load_csv(path), error, *words)

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
