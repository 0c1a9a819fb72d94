"""Bad input to saving and loading models:
each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable

import pytest
from bad_input import check, inf, nan, short, table, written

from microprop import Value
from microprop.nn import MLP, Module, Neuron, article_network
from microprop.serialization import ModelFileError, load, load_metadata, save

ROWS, row = table()

# ---- saving and loading --------------------------------------------------------------------------


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
     ("layers.1.neurons.0.b is a bool, expected a number",)),
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

def sparse(size: int) -> str:
    """A file ``big.json`` of ``size`` bytes that takes no room on disk (a hole, read as NULs)."""
    with open("big.json", "wb") as f:
        f.truncate(size)
    return "big.json"


row("load(a 64 MiB + 1 byte file) (whole message)", lambda: load(sparse(64 * 2**20 + 1)),
    ModelFileError, "big.json: the file is 67,108,865 bytes; a model file is at most "
    "67,108,864 bytes (64 MiB, over a million parameters)")
row("load(a sparse 1 TiB file)", lambda: load(sparse(2**40)), ModelFileError,
    "the file is 1,099,511,627,776 bytes", "at most 67,108,864 bytes")
row("load_metadata(a sparse 1 GiB file)", lambda: load_metadata(sparse(2**30)), ModelFileError,
    "the file is 1,073,741,824 bytes", "at most 67,108,864 bytes")
row("load_metadata(path=None)", lambda: load_metadata(None), TypeError, "load_metadata(path)",
    "expected a file name")
row("load_metadata(a missing file)", lambda: load_metadata("absent.json"), FileNotFoundError,
    "no model file at")
row("load_metadata(metadata that is a list)",
    lambda: load_metadata(damaged(lambda d: d.update(metadata=[1]))), ModelFileError,
    "'metadata' should be an object")

# ---- the article's network, saved and then damaged in every way ----------------------------

row("save(model=Module())", lambda: save(Module(), "m.json"), TypeError,
    "expected a Neuron, Layer or MLP, got Module")
row("save(metadata=[1, 2])", lambda: save(Neuron(1, seed=0), "m.json", metadata=[1, 2]),
    TypeError, "save(metadata): expected a dict")
row("save(metadata={'f': object()})",
    lambda: save(Neuron(1, seed=0), "m.json", metadata={"f": object()}), TypeError,
    "cannot be written as JSON")
row("save(metadata={'x': inf})", lambda: save(Neuron(1, seed=0), "m.json", metadata={"x": inf}),
    ValueError, "cannot be written as JSON")


def article_text() -> str:
    save(article_network(seed=0), "good.json")
    return open("good.json").read()


def article_damaged(change: Callable[[dict], object]) -> str:
    doc = json.loads(article_text())
    change(doc)
    return written(json.dumps(doc))


def written_bytes(content: bytes) -> str:
    with open("bad.json", "wb") as f:
        f.write(content)
    return "bad.json"


def with_literal(literal: str) -> str:
    """The article's file with one parameter written as ``literal`` (NaN, Infinity, 1e999)."""
    text = article_text()
    number = json.dumps(json.loads(text)["parameters"]["layers.1.neurons.1.w.1"])
    return written(text.replace(number, literal, 1))


for cut in (1, 10, 100, -2):
    row(f"load(the article's file cut at {cut})",
        lambda cut=cut: load(written(article_text()[:cut])), ModelFileError,
        "truncated or corrupted")
for what, make, words in [
    ("nothing in it", lambda: written(""), ("empty",)),
    ("bytes that are not text", lambda: written_bytes(b"\x80\x81\xfe\xff" * 8),
     ("not a text file",)),
    ("a pickle", lambda: written_bytes(pickle.dumps({"format": "microprop-model"})),
     ("not a text file",)),
    ("a JSON list", lambda: written("[1, 2, 3]"), ("not a microprop model file",)),
    ("another format", lambda: written('{"format": "something-else", "version": 1}'),
     ("not a microprop model file",)),
    ("Python code", lambda: written("__import__('os').system('echo hacked')"),
     ("not valid JSON",)),
    ("version 2", lambda: article_damaged(lambda d: d.update(version=2)),
     ("format version 2; this microprop reads version 1",)),
    ("version '1'", lambda: article_damaged(lambda d: d.update(version="1")),
     ("format version '1'",)),
    ("version True", lambda: article_damaged(lambda d: d.update(version=True)),
     ("format version True",)),
    ("no version", lambda: article_damaged(lambda d: d.pop("version")),
     ("format version None",)),
    ("no parameters", lambda: article_damaged(lambda d: d.pop("parameters")),
     ("'parameters' entry is missing",)),
    ("no architecture", lambda: article_damaged(lambda d: d.pop("architecture")),
     ("'architecture' entry is missing",)),
    ("parameters a list", lambda: article_damaged(lambda d: d.update(parameters=[1.0, 2.0])),
     ("should be an object",)),
    ("architecture a str", lambda: article_damaged(lambda d: d.update(architecture="MLP")),
     ("'architecture' should be an object",)),
    ("type CNN", lambda: article_damaged(lambda d: d["architecture"].update(type="CNN")),
     ("unknown architecture type 'CNN'",)),
    ("no output_bias", lambda: article_damaged(lambda d: d["architecture"].pop("output_bias")),
     ("needs exactly",)),
    ("activation gelu",
     lambda: article_damaged(lambda d: d["architecture"].update(activation="gelu")),
     ("unknown activation 'gelu'",)),
    ("nouts [2, 3, 1]",
     lambda: article_damaged(lambda d: d["architecture"].update(nouts=[2, 3, 1])),
     ("has 22 parameters but the file",)),
    ("nin 10**9", lambda: article_damaged(lambda d: d["architecture"].update(nin=10**9)),
     ("parameters but the file holds 18",)),
    ("nin '4'", lambda: article_damaged(lambda d: d["architecture"].update(nin="4")),
     ("MLP(nin)",)),
    ("a parameter missing",
     lambda: article_damaged(lambda d: d["parameters"].pop("layers.0.neurons.0.b")), ("17",)),
    ("a parameter renamed", lambda: article_damaged(
        lambda d: d["parameters"].update({"layers.0.neurons.0.c": 1.0})
        or d["parameters"].pop("layers.0.neurons.0.b")),
     ("missing 'layers.0.neurons.0.b'; unexpected 'layers.0.neurons.0.c'",)),
    ("a str parameter", lambda: article_damaged(
        lambda d: d["parameters"].update({"layers.0.neurons.0.b": "0.5"})),
     ("parameter layers.0.neurons.0.b is a str, expected a number",)),
    ("a null parameter", lambda: article_damaged(
        lambda d: d["parameters"].update({"layers.0.neurons.0.b": None})),
     ("parameter layers.0.neurons.0.b is a NoneType, expected a number",)),
]:
    row(f"load(the article's file: {what})", lambda make=make: load(make()), ModelFileError,
        *words)
# Every one of these messages says "finite" (the old check asked for NaN, Infinity or finite).
for literal in ("NaN", "Infinity", "-Infinity", "1e999"):
    row(f"load(the article's file holding {literal})",
        lambda literal=literal: load(with_literal(literal)), ModelFileError, "finite")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
