"""Bad input to the command line: each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import contextlib
import io

import pytest
from bad_input import check, table, written

from microprop.cli import main
from microprop.nn import Neuron
from microprop.serialization import save

ROWS, row = table()

# ---- the command line ----------------------------------------------------------------------------


class CommandLineError(Exception):
    """``main`` ended with exit code 2 and this one line on stderr (and no traceback)."""


def cli(*args: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as e:  # argparse exits; main returns 2 for errors found later
            code = e.code
    text = err.getvalue()
    assert code == 2, (code, text)
    assert "Traceback" not in text and len(text.strip().splitlines()) == 1, text
    raise CommandLineError(text.strip())


def trained_model() -> str:
    save(Neuron(2, "linear", seed=0), "m.json")
    return "m.json"


row("main('train') a str, not a list", lambda: main("train"), TypeError,
    "expected a list of arguments such as ['train']")
row("main(['train', '--epochs', 5]) an int", lambda: main(["train", "--epochs", 5]), TypeError,
    "every argument must be a str", "int 5")
for args, words in [
    ((), ("the following arguments are required",)),
    (("fly",), ("invalid choice: 'fly'",)),
    (("--lr", "0.1"), ("invalid choice: '0.1'",)),
    (("train", "extra"), ("unrecognized arguments: extra",)),
    (("train", "--colour"), ("unrecognized arguments: --colour",)),
    (("train", "--learning-rate", "0.1"), ("unrecognized arguments: --learning-rate",)),
    (("train", "--lr"), ("--lr: expected one argument",)),
    (("train", "--lr", "-inf"), ("--lr: must be a finite number, got '-inf'",)),
    (("train", "--activation", "gelu"), ("--activation: invalid choice: 'gelu'",)),
    (("train", "--activation", "Tanh"), ("--activation: invalid choice: 'Tanh'",)),
    (("train", "--data", "mnist"),
     ("--data: no data set or file named 'mnist'; expected one of iris, moons, circles, xor, "
      "spiral, or the path of a CSV file",)),
    (("train", "--data", "."), ("--data: '.' is a folder; expected one of iris, moons",)),
    (("train", "--data", "moons", "--target", "y"),
     ("--target y picks a column of a CSV file, but --data moons is built in",)),
    (("train", "--data", "spiral", "--classes", "3"),
     ("--classes 3 trains on the three Iris species", "--data spiral has two classes")),
    (("train", "--classes", "1"), ("--classes: expected 2", "or 3", "got '1'")),
    (("train", "--classes", "0"), ("--classes: expected 2", "or 3", "got '0'")),
    (("train", "--classes", "4"), ("--classes: expected 2", "or 3", "got '4'")),
    (("train", "--classes", "-3"), ("--classes: expected 2", "or 3", "got '-3'")),
    (("train", "--classes", "3.0"), ("--classes: not a whole number: '3.0'",)),
    (("train", "--classes", "three"), ("--classes: not a whole number: 'three'",)),
    (("train", "--classes"), ("--classes: expected one argument",)),
    (("train", "--classes", "3", "--data", "moons"),
     ("--classes 3 trains on the three Iris species", "--data moons has two classes")),
    (("train", "--data", "moons", "--classes", "3"), ("give --data iris, or --classes 2",)),
    # (4 + 1) * 14000 + 14000 * 3 = 112,000 parameters: over the bound with three outputs
    (("train", "--classes", "3", "--hidden", "14000"),
     ("a 4-14000-3 network on --data iris has 112,000 parameters",)),
    (("train", "--hidden", "2,x"), ("--hidden: expected sizes separated by commas",)),
    (("train", "--hidden", ""), ("--hidden: expected sizes separated by commas",)),
    (("train", "--hidden", "2,,2"), ("--hidden: expected sizes separated by commas",)),
    (("train", "--hidden", "2.5"), ("--hidden: expected sizes separated by commas",)),
    (("train", "--hidden", "2,0"), ("--hidden: every size must be >= 1",)),
    (("train", "--hidden", "-1"), ("--hidden: every size must be >= 1",)),
    # A size with no upper bound built the whole network before anything could say no.
    (("train", "--hidden", "1000,1000"),
     ("python -m microprop: error: argument --hidden: a 4-1000-1000-1 network on --data iris "
      "has 1,007,000 parameters; train builds at most 100,000 (see python -m microprop --help)",)),
    (("train", "--hidden", "100000,100000", "--data", "moons"),
     ("a 2-100000-100000-1 network on --data moons has 10,000,500,000 parameters",
      "at most 100,000")),
    (("train", "--hidden", "2,1234567"), ("--hidden: a layer of 1234567 neurons",
                                          "at most 100,000 parameters")),
    (("train", "--model", ""), ("--model: the file name is empty",)),
    (("train", "--model", "."), ("--model: '.' is a folder",)),
    (("train", "--model", "nowhere/m.json"), ("--model: the folder", "does not exist")),
    (("train", "--graph", ""), ("--graph: the file name is empty",)),
    (("train", "--graph", "."), ("--graph: '.' is a folder",)),
    (("train", "--graph", "nowhere/g.svg"), ("--graph: the folder",)),
    (("train", "--html", ""), ("--html: the file name is empty",)),
    (("train", "--html", "."), ("--html: '.' is a folder",)),
    (("train", "--html", "nowhere/steps.html"), ("--html: the folder", "does not exist")),
    (("train", "--html", "model.json"),
     ("--html model.json and --model model.json are the same file",)),
    (("train", "--html", "model.svg"), ("--html model.svg and --graph model.svg are the same",)),
    (("train", "--graph", "g.svg", "--html", "g.dot"),  # where the drawing falls back to
     ("--html g.dot and --graph g.dot are the same file",)),
    # 4-200-200-1: 400 tanh, 401 dots and the loss's own steps, each a drawing in the page
    (("train", "--hidden", "200,200", "--html", "steps.html"),
     ("--html: one example's loss on this network has 807 backward steps",
      "more than one page holds (300); give smaller --hidden sizes")),
    # 184,207 edges: counted from the graph, not by replaying backward (which refuses 100,000)
    (("train", "--hidden", "300,300", "--html", "steps.html"),
     ("--html: one example's loss on this network has 1,207 backward steps",)),
    (("predict",), ("the following arguments are required: MODEL.json, x",)),
    (("predict", "m.json"), ("the following arguments are required: x",)),
    (("predict", "absent.json", "1", "2"), ("error: no model file at 'absent.json'",)),
    (("predict", ".", "1", "2"), ("error: '.' is a folder, not a model file",)),
]:
    row(f"main({list(args)})", lambda args=args: cli(*args), CommandLineError, *words)
# Sizes too long to read in a test id.
for id, hidden, words in [
    ("a 5000-digit size", "3" * 5000,  # int() itself refuses 4,300 digits or more
     ("--hidden: a layer of 33333333333333333333... neurons; train builds networks of at most "
      "100,000 parameters",)),
    ("50,000 layers of 1", ",".join(["1"] * 50_000),  # (4 + 1) * 1 + 49,999 * 2 + 1
     ("a 50,000-hidden-layer network on --data iris has 100,004 parameters",)),
    ("100,001 layers of 1", ",".join(["1"] * 100_001),
     ("--hidden: 100,001 layers, more than a network of at most 100,000 parameters can have",)),
]:
    row(f"main(['train', '--hidden', {id}])",
        lambda hidden=hidden: cli("train", "--hidden", hidden), CommandLineError, *words)
for option, bad, words in [
    ("--lr", x, w) for x, w in [("0", "must be a number > 0"), ("-1", "must be a number > 0"),
                                ("abc", "not a number: 'abc'"), ("", "not a number: ''"),
                                ("nan", "must be a finite number"),
                                ("inf", "must be a finite number"),
                                ("1e999", "must be a finite number"), ("0x1", "not a number")]
] + [
    ("--epochs", x, w) for x, w in [("0", "must be a whole number >= 1"),
                                    ("-1", "must be a whole number >= 1"),
                                    ("2.5", "not a whole number"), ("1e3", "not a whole number"),
                                    ("ten", "not a whole number"), ("", "not a whole number")]
] + [
    ("--tol", x, w) for x, w in [("-0.1", "must be a number >= 0"),
                                 ("nan", "must be a finite number"),
                                 ("x", "not a number")]
] + [
    ("--patience", x, w) for x, w in [("-1", "must be a whole number >= 0"),
                                      ("1.5", "not a whole number")]
] + [("--seed", "x", "not a whole number"), ("--seed", "1.5", "not a whole number")]:
    row(f"main(['train', '{option}', {bad!r}])",
        lambda option=option, bad=bad: cli("train", option, bad), CommandLineError,
        f"argument {option}: {words}")
for xs, words in [
    (("1", "two"), "argument x: not a number: 'two'"),
    (("1", "nan"), "argument x: must be a finite number"),
    (("inf", "1"), "argument x: must be a finite number"),
    (("1",), "this model takes 2 inputs, got 1"),
    (("1", "2", "3"), "this model takes 2 inputs, got 3"),
]:
    row(f"main(['predict', 'm.json', {', '.join(map(repr, xs))}])",
        lambda xs=xs: cli("predict", trained_model(), *xs), CommandLineError, words)
row("main(['predict', <a damaged file>, '1'])",
    lambda: cli("predict", written('{"format": "microprop-model", "vers'), "1"), CommandLineError,
    "truncated or corrupted")
row("main(['predict', <bad standardize metadata>, '1', '2'])",
    lambda: (save(Neuron(2, seed=0), "m.json", metadata={"standardize": {"mean": [0.0]}}),
             cli("predict", "m.json", "1", "2")), CommandLineError,
    "bad 'standardize' metadata")



# ---- a CSV file: refused before training, with load_csv's line and column -------------------


def csv_file(text: str) -> str:
    """A file ``bad.csv`` holding ``text`` (in the row's own temporary folder)."""
    with open("bad.csv", "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return "bad.csv"


def latin1_file(text: str) -> str:
    """A file ``bad.csv`` holding ``text`` as Latin-1 (as an old spreadsheet saves it)."""
    with open("bad.csv", "wb") as f:
        f.write(text.encode("latin-1"))
    return "bad.csv"


for id, text, options, words in [
    ("a missing value", "a,b,y\n1,2,x\n3,,z\n", (),
     ("python -m microprop: error: argument --data: bad.csv, line 3, column 2 ('b') is empty; "
      "expected a number (a missing value: fill it in or drop the row) (see python -m microprop "
      "--help)",)),
    ("a non-numeric cell", "a,b,y\n1,2,x\n3,four,z\n", (),
     ("argument --data: bad.csv, line 3, column 2 ('b') is 'four', not a number",)),
    ("a ragged row", "a,b,y\n1,2,x\n3,4\n", (),
     ("argument --data: bad.csv, line 3 has 2 cells, but the header names 3 columns",)),
    ("an unknown target", "a,b,y\n1,2,x\n3,4,z\n", ("--target", "Y"),
     ("argument --target: no column named 'Y' in bad.csv; its columns are 'a', 'b', 'y'; did "
      "you mean 'y'?",)),
    ("one class only", "a,b,y\n1,2,x\n3,4,x\n", (),
     ("argument --data: bad.csv, column 3 ('y') holds one class only, 'x', in every row",)),
    ("an empty file", "", (), ("argument --data: bad.csv is empty; expected a header row",)),
    ("no header", "1,2,x\n3,4,z\n", (),
     ("argument --data: bad.csv, line 1, column 1 is '1', a number; expected a header row",)),
    ("a float target", "a,y\n1,0.5\n2,1.5\n", (),
     ("argument --data: the target 'y' of bad.csv holds 0.5, not a whole number; train "
      "classifies, so its target must be class names or whole numbers",)),
    ("a class with one row", "a,y\n1,x\n2,x\n3,z\n", (),
     ("argument --data: class 'z' of the target 'y' in bad.csv has 1 row; train holds out a "
      "fifth of each class, so each needs at least 2 rows",)),
    ("two classes, --classes 3", "a,y\n1,x\n2,x\n3,z\n4,z\n", ("--classes", "3"),
     ("--classes 3, but the target 'y' of bad.csv has 2 classes ('x', 'z'); leave --classes "
      "out",)),
    ("three classes, --classes 2", "a,y\n1,p\n2,p\n3,q\n4,q\n5,r\n6,r\n", ("--classes", "2"),
     ("--classes 2, but the target 'y' of bad.csv has 3 classes ('p', 'q', 'r')",)),
    ("a text feature", "name,y\nann,1\nbob,0\n", (),
     ("bad.csv, line 2, column 1 ('name') is 'ann', not a number; expected a number in every "
      "column but the target",)),
]:
    row(f"main(['train', '--data', <{id}>])",
        lambda text=text, options=options: cli("train", "--data", csv_file(text), *options),
        CommandLineError, *words)
row("main(['train', '--data', <not UTF-8>])",
    lambda: cli("train", "--data", latin1_file("a,y\n1,x\n2,\u00e9\n")), CommandLineError,
    "argument --data: bad.csv, line 3 is not UTF-8 text (byte 0xe9 at byte 3 of the line)")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
