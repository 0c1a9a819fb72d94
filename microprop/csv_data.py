"""Data of your own: ``load_csv`` reads a CSV file (a header, numeric feature columns, a target
column) into rows and targets for ``fit``, refusing a bad file line by line; ``data.load_csv``.
"""

from __future__ import annotations

import csv
import math
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from . import _checks

__all__ = ["load_csv", "CSVData", "MAX_CSV_ROWS"]

Rows = list[list[float]]


# The most rows load_csv reads. A scalar engine trains on thousands of rows, not millions; the
# bound stops a mistaken file (a log, a 10-million-row export) after reading at most this many
# rows (about 0.2 GB of floats for ten columns), not after filling the memory.
MAX_CSV_ROWS = 1_000_000


@dataclass(frozen=True)
class CSVData:
    """A CSV file as ``load_csv`` read it; unpacks as ``X, y = load_csv(path)``, like load_iris.

    ``X``: one list of floats per row, the feature columns in the file's order, named by
    ``features``. ``y``: the ``target`` column's values. ``classes``: the class names when the
    target is text (``y`` then holds indices into it, ``classes[y[i]]``), else None.
    """

    X: Rows
    y: list[int] | list[float]
    features: tuple[str, ...]
    target: str
    classes: tuple[str, ...] | None

    def __iter__(self) -> Iterator[Any]:
        """The rows, then the targets: what ``X, y = ...`` unpacks, as from ``load_iris``."""
        return iter((self.X, self.y))


def load_csv(path: str | os.PathLike[str], target: str | None = None) -> CSVData:
    """Read a CSV file of your own: a header row naming the columns, then one row per example.

    Every column but the target holds numbers (the features, as floats). The target is the
    column named ``target``, by default the last one. What ``y`` holds depends on that column:

    - text in every row (``setosa``, ``yes``): classes. Their distinct names, sorted as Python
      sorts strings, are ``classes``, and ``y`` holds each row's index into it, ints from 0 to
      k - 1, as ``load_iris(classes=3)`` gives with ``IRIS_SPECIES``;
    - whole numbers written without a point or exponent (``0``, ``1``, ``7``): ints, as
      written and not renumbered, so 0/1 labels or class indices are ready for ``fit``;
    - any other numbers (``2.5``, ``1e3``, ``1.0``): floats, a regression target.

    A column mixing numbers and text, a missing value (an empty cell), a cell that is not a
    finite number, a row with too few or too many cells, a target with one value only, an
    empty file or one without a header is a ``ValueError`` naming the line (from 1, as an
    editor counts) and the column; a missing file a ``FileNotFoundError``. Blank lines are
    skipped, spaces around cells ignored, and a UTF-8 byte order mark (Excel's) accepted.
    The file is read once, row by row, and never written; more than ``MAX_CSV_ROWS`` rows
    (1,000,000) is refused as soon as that row is reached.
    """
    shown = _csv_name(path)
    if target is not None and not isinstance(target, str):
        raise TypeError(
            f"load_csv(target): expected a column name such as 'species', or None for the last "
            f"column, got {type(target).__name__} {target!r:.40}"
        )
    with _open_csv(path, shown) as f:
        reader = csv.reader(_utf8_lines(f, shown), strict=True)  # a stray quote is an error
        header, line = _csv_header(reader, shown)
        t = _target_column(header, target, shown)
        X, cells, lines = _csv_rows(reader, header, t, shown)
    if not X:
        raise ValueError(f"load_csv: {shown} has a header (line {line}) but no rows of data")
    y, classes = _csv_targets(cells, lines, f"load_csv: {shown}, column {t + 1} ({header[t]!r})")
    features = tuple(name for j, name in enumerate(header) if j != t)
    return CSVData(X, y, features, header[t], classes)


def _csv_name(path: object) -> str:
    """The path as messages show it; a file descriptor (an int) is refused, not read."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(
            f"load_csv(path): expected a file path (a str or a pathlib.Path), got "
            f"{type(path).__name__} {path!r:.40}"
        )
    return os.fsdecode(os.fspath(path))


def _open_csv(path: str | bytes | os.PathLike[Any], shown: str) -> Any:
    """The file, opened for reading bytes only (lines are decoded one at a time)."""
    try:
        return open(path, "rb")  # load_csv's with closes it
    except FileNotFoundError:
        raise FileNotFoundError(f"load_csv(path): no file at {shown!r}") from None
    except IsADirectoryError:
        raise IsADirectoryError(
            f"load_csv(path): {shown!r} is a folder; expected a CSV file"
        ) from None
    except ValueError:  # a NUL character
        raise ValueError(f"load_csv(path): {shown!r} is not a file name") from None
    except OSError as e:
        raise type(e)(f"load_csv(path): cannot read {shown!r}: {e.strerror or e}") from None


def _utf8_lines(f: Iterable[bytes], shown: str) -> Iterator[str]:
    """The file's lines as text, each decoded alone, so a bad byte is named by its line."""
    for number, raw in enumerate(f, 1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as e:
            raise ValueError(
                f"load_csv: {shown}, line {number} is not UTF-8 text (byte "
                f"{raw[e.start]:#04x} at byte {e.start + 1} of the line); save it as UTF-8"
            ) from None


def _csv_next(reader: Any, shown: str) -> list[str] | None:
    """The next row that is not blank, or None at the end; the csv module's own complaints (a
    quote left open or stray, a cell over 128 kB) say the line too."""
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                return list(cells)
    except csv.Error as e:
        raise ValueError(
            f"load_csv: {shown}, line {reader.line_num}: {e} (expected CSV as Excel or Python's "
            "csv module writes it)"
        ) from None
    return None


def _csv_header(reader: Any, shown: str) -> tuple[list[str], int]:
    """The column names and the header's line: at least two, none empty, none a number, no
    two alike."""
    cells = _csv_next(reader, shown)
    if cells is None:
        raise ValueError(
            f"load_csv: {shown} is empty; expected a header row naming the columns, then rows "
            "of numbers"
        )
    line = reader.line_num
    names = [c.strip() for c in cells]
    for j, name in enumerate(names):
        where = f"load_csv: {shown}, line {line}, column {j + 1}"
        if not name:
            raise ValueError(f"{where} has no name; expected a header naming every column")
        if _number(name) is not None:
            raise ValueError(
                f"{where} is {name!r}, a number; expected a header row naming the columns "
                "(the file seems to start with data: add a line of names above it)"
            )
        if name in names[:j]:
            raise ValueError(
                f"{where} is named {name!r}, as column {names.index(name) + 1} is; expected "
                "a different name for each column"
            )
    if len(names) < 2:
        raise ValueError(
            f"load_csv: {shown}, line {line} names one column, {names[0]!r}; expected at "
            "least two: the features and a target"
        )
    return names, line


def _target_column(header: list[str], target: str | None, shown: str) -> int:
    """The target's column number (from 0): the last, or the one named ``target``."""
    if target is None:
        return len(header) - 1
    if target in header:
        return header.index(target)
    alike = [name for name in header if name.casefold() == target.strip().casefold()]
    hint = f"; did you mean {alike[0]!r}?" if alike else ""
    raise ValueError(
        f"load_csv(target): no column named {target!r} in {shown}; its columns are "
        f"{_checks.few(header)}{hint}"
    )


def _csv_rows(
    reader: Any, header: list[str], t: int, shown: str
) -> tuple[Rows, list[str], list[int]]:
    """The features of every row, and the target cells with their lines, read one row at a
    time and refused at the first row that is ragged, incomplete or too many."""
    features = [j for j in range(len(header)) if j != t]
    X: Rows = []
    cells: list[str] = []
    lines: list[int] = []
    while (row := _csv_next(reader, shown)) is not None:
        line = reader.line_num
        if len(X) == MAX_CSV_ROWS:
            raise ValueError(
                f"load_csv: {shown} has more than {MAX_CSV_ROWS:,} rows (line {line} is one "
                f"more); load_csv reads at most microprop.csv_data.MAX_CSV_ROWS = {MAX_CSV_ROWS:,}"
            )
        if len(row) != len(header):
            raise ValueError(
                f"load_csv: {shown}, line {line} has {len(row)} cells, but the header names "
                f"{len(header)} columns; expected {len(header)} cells in every row"
            )
        try:  # the common case at C speed; a bad cell is found and named below
            x = [float(row[j]) for j in features]
        except ValueError:
            x = []
        if len(x) != len(features) or not all(map(math.isfinite, x)):
            _bad_feature(row, features, header, f"load_csv: {shown}, line {line}")
        X.append(x)
        cells.append(row[t].strip())
        lines.append(line)
    return X, cells, lines


def _bad_feature(row: list[str], features: list[int], header: list[str], where: str) -> None:
    """Raise the error of the row's first feature cell that is not a finite number."""
    for j in features:
        cell = row[j].strip()
        x = _number(cell)
        place = f"{where}, column {j + 1} ({header[j]!r})"
        if not cell:
            raise ValueError(f"{place} is empty; expected a number (a missing value: fill it "
                             "in or drop the row)")
        if x is None:
            raise ValueError(f"{place} is {cell[:40]!r}, not a number; expected a number in "
                             "every column but the target")
        if not math.isfinite(x):
            raise ValueError(f"{place} is {cell[:40]!r}; expected a finite number")


def _csv_targets(
    cells: list[str], lines: list[int], where: str
) -> tuple[list[int] | list[float], tuple[str, ...] | None]:
    """``y`` and the class names (None for numbers) from the target cells, as load_csv says."""
    for cell, line in zip(cells, lines):
        if not cell:
            raise ValueError(f"{where} is empty on line {line}; expected a value in every row")
    numbers = [_number(cell) for cell in cells]
    text = [i for i, x in enumerate(numbers) if x is None]
    if text and len(text) < len(cells):
        i = next(i for i, x in enumerate(numbers) if x is not None)
        raise ValueError(
            f"{where} mixes numbers (line {lines[i]}: {cells[i][:40]!r}) and text (line "
            f"{lines[text[0]]}: {cells[text[0]][:40]!r}); expected all numbers or all class names"
        )
    if text:
        classes = tuple(sorted(set(cells)))
        _two_values(classes, where, "class")
        index = {name: k for k, name in enumerate(classes)}
        return [index[cell] for cell in cells], classes
    values = [x for x in numbers if x is not None]  # every cell: none of them is text
    for x, cell, line in zip(values, cells, lines):
        if not math.isfinite(x):
            raise ValueError(f"{where} is {cell[:40]!r} on line {line}; expected a finite "
                             "number or a class name")
    y: list[int] | list[float]
    if all(isinstance(x, int) for x in values):
        y = [int(x) for x in values]
    else:
        y = [float(x) for x in values]
    _two_values(tuple(sorted(set(y))), where, "value")
    return y, None


def _number(cell: str) -> int | float | None:
    """The cell as an int if written as one, else a float, or None if it is no number; an
    int too large for a float is inf (refused where a finite number is needed)."""
    try:
        n = int(cell)
    except ValueError:
        try:
            return float(cell)
        except ValueError:
            return None
    return n if abs(n) <= sys.float_info.max else math.inf


def _two_values(values: tuple[Any, ...], where: str, noun: str) -> None:
    if len(values) < 2:
        raise ValueError(
            f"{where} holds one {noun} only, {values[0]!r}, in every row; expected at least two "
            f"{noun}{'es' if noun == 'class' else 's'} for a model to tell apart"
        )
