"""Bad input to saving and loading models:
each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from bad_input import check, nan, short, table, written

from microprop import Value
from microprop.nn import MLP, Neuron
from microprop.serialization import ModelFileError, load, load_metadata, save

ROWS, row = table()

# ---- saving and loading --------------------------------------------------------------------------
# Damaged files of every kind are in test_serialization.py; the rows here add the rest.


def good_file(name: str = "good.json") -> str:
    save(MLP(2, [2, 1], seed=0), name)
    return name


def damaged(change: Callable[[dict], object]) -> str:
    doc = json.loads(open(good_file()).read())
    change(doc)
    with open("bad.json", "w") as f:
        json.dump(doc, f)
    return "bad.json"


for bad in ("model", None, [Value(1.0)]):
    row(f"save(model={short(bad)})", lambda bad=bad: save(bad, "m.json"), TypeError,
        "save(model)", "expected a Neuron, Layer or MLP")
for bad in (None, 3, ["m.json"]):
    row(f"save(path={bad!r})", lambda bad=bad: save(Neuron(1, seed=0), bad), TypeError,
        "save(path)", "expected a file name", type(bad).__name__)
row("save(path='')", lambda: save(Neuron(1, seed=0), ""), ValueError, "save(path)", "empty")
row("save(path='.') a folder", lambda: save(Neuron(1, seed=0), "."), IsADirectoryError,
    "is a folder", "give a file name")
row("save(path in a missing folder)", lambda: save(Neuron(1, seed=0), "nowhere/m.json"),
    FileNotFoundError, "the folder", "does not exist")
for bad, error in (([1], TypeError), ({"x": nan}, ValueError), ({"f": print}, TypeError)):
    row(f"save(metadata={short(bad)})",
        lambda bad=bad: save(Neuron(1, seed=0), "m.json", metadata=bad), error, "save(metadata)")


def save_with_nan() -> None:
    model = Neuron(1, seed=0)
    model.w[0].data = nan
    save(model, "m.json")


row("save(a model with a NaN parameter)", save_with_nan, ValueError, "parameter w.0 is nan",
    "only finite models")

for bad in (None, 3, ["m.json"]):
    row(f"load(path={bad!r})", lambda bad=bad: load(bad), TypeError,
        "load(path)", "expected a file name", type(bad).__name__)
row("load(path='')", lambda: load(""), ValueError, "load(path)", "empty")
row("load(path='.') a folder", lambda: load("."), IsADirectoryError, "is a folder")
row("load(a missing file)", lambda: load("absent.json"), FileNotFoundError, "no model file at")
for what, make, words in [
    ("only spaces", lambda: written("   \n"), ("the file is empty",)),
    ("null", lambda: written("null"), ("not a microprop model file",)),
    ("a JSON string", lambda: written('"microprop-model"'), ("not a microprop model file",)),
    ("100,000 nested brackets", lambda: written("[" * 100_000), ("nested too deeply",)),
    ("a key twice", lambda: written('{"format": "microprop-model", "format": "x"}'),
     ("the key 'format' appears twice",)),
    ("a parameter twice", lambda: written(
        open(good_file()).read().replace('"parameters": {', '"parameters": {"layers.1.neurons'
                                         '.0.b": 1.0, ', 1)),
     ("the key 'layers.1.neurons.0.b' appears twice",)),
    ("a 400-digit parameter", lambda: damaged(
        lambda d: d["parameters"].update({"layers.1.neurons.0.b": 10**400})),
     ("layers.1.neurons.0.b is too large for a float",)),
    ("a bool parameter", lambda: damaged(
        lambda d: d["parameters"].update({"layers.1.neurons.0.b": True})),
     ("layers.1.neurons.0.b must be a real number, got bool",)),
    ("nin = -1", lambda: damaged(lambda d: d["architecture"].update(nin=-1)),
     ("bad architecture", "MLP(nin): expected a positive int, got -1")),
    ("nin = 2.0", lambda: damaged(lambda d: d["architecture"].update(nin=2.0)),
     ("MLP(nin)", "got float")),
    ("nouts = []", lambda: damaged(lambda d: d["architecture"].update(nouts=[])),
     ("the architecture has 0 parameters but the file holds 9",)),
    ("nouts = '21'", lambda: damaged(lambda d: d["architecture"].update(nouts="21")),
     ("expected a list of layer sizes",)),
    ("nouts = [2, 0]", lambda: damaged(lambda d: d["architecture"].update(nouts=[2, 0])),
     ("MLP(nouts[1])",)),
    ("output_bias = 1", lambda: damaged(lambda d: d["architecture"].update(output_bias=1)),
     ("output_bias: expected True or False",)),
    ("an extra architecture field",
     lambda: damaged(lambda d: d["architecture"].update(dropout=0.5)), ("needs exactly",)),
    ("a Neuron with nout", lambda: damaged(
        lambda d: d.update(architecture={"type": "Neuron", "nin": 2, "nout": 1})),
     ("a Neuron architecture needs exactly",)),
]:
    row(f"load(a file with {what})", lambda make=make: load(make()), ModelFileError, *words)

row("load_metadata(path=None)", lambda: load_metadata(None), TypeError, "load_metadata(path)",
    "expected a file name")
row("load_metadata(a missing file)", lambda: load_metadata("absent.json"), FileNotFoundError,
    "no model file at")
row("load_metadata(metadata that is a list)",
    lambda: load_metadata(damaged(lambda d: d.update(metadata=[1]))), ModelFileError,
    "'metadata' should be an object")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
