"""save/load: bit-exact round trips, readable JSON, atomic writes, and every kind of bad file."""

import json
import math
import os
import pickle
import struct

import pytest

import microprop
from microprop.nn import MLP, Layer, Module, Neuron, article_network
from microprop.serialization import ModelFileError, load, load_metadata, save

AWKWARD = [0.1 + 0.2, -0.0, 5e-324, 1e-300, 1.7976931348623157e308, -1 / 3, math.pi, 2.0**-1074]


def bits(model):
    return [struct.pack("<d", p.data) for p in model.parameters()]


@pytest.mark.parametrize(
    "model",
    [
        article_network(seed=1),
        MLP(3, [4, 4, 2], activation="sigmoid", output_activation="tanh", seed=2),
        Layer(3, 2, "tanh", bias=False, seed=3),
        Neuron(8, "linear", seed=4),
    ],
    ids=repr,
)
def test_save_then_load_gives_the_same_model_bit_for_bit(tmp_path, model):
    path = tmp_path / "model.json"
    save(model, path)
    loaded = load(path)
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    assert [n for n, _ in loaded.named_parameters()] == [n for n, _ in model.named_parameters()]
    assert bits(loaded) == bits(model)


def test_awkward_floats_survive_every_bit(tmp_path):
    model = Neuron(len(AWKWARD) - 1, seed=0)
    for p, x in zip(model.parameters(), AWKWARD, strict=True):
        p.data = x
    save(model, tmp_path / "m.json")
    assert bits(load(tmp_path / "m.json")) == bits(model)
    assert math.copysign(1.0, load(tmp_path / "m.json").w[1].data) == -1.0  # -0.0 stays negative


def test_the_file_is_readable_json_with_a_format_and_version(tmp_path):
    save(article_network(seed=0), tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["format"] == "microprop-model" and doc["version"] == 1
    assert doc["architecture"] == {
        "type": "MLP",
        "nin": 4,
        "nouts": [2, 2, 1],
        "activation": "tanh",
        "output_activation": "linear",
        "output_bias": False,
    }
    assert "layers.1.neurons.1.w.1" in doc["parameters"]


def test_metadata_round_trips(tmp_path):
    meta = {"standardize": {"mean": [0.1, 5.0], "std": [1.5, 2.0]}, "note": "é"}
    save(Neuron(2, seed=0), tmp_path / "m.json", metadata=meta)
    assert load_metadata(tmp_path / "m.json") == meta
    save(Neuron(2, seed=0), tmp_path / "n.json")
    assert load_metadata(tmp_path / "n.json") == {}


def test_save_and_load_are_on_the_package():
    assert microprop.save is save and microprop.load is load


def test_loading_does_not_touch_the_global_random_stream(tmp_path):
    import random

    save(MLP(3, [5, 1], seed=0), tmp_path / "m.json")
    random.seed(9)
    expected = random.random()
    random.seed(9)
    load(tmp_path / "m.json")
    assert random.random() == expected


# ---- atomic writes -----------------------------------------------------------------------------


def test_a_failure_while_writing_keeps_the_previous_file_and_leaves_no_temporary(
    tmp_path, monkeypatch
):
    path = tmp_path / "m.json"
    save(Neuron(2, seed=0), path)
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        save(Neuron(2, seed=1), path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.json"]


def test_ctrl_c_while_writing_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    save(Neuron(2, seed=0), path)
    before = path.read_bytes()

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save(Neuron(2, seed=1), path)
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["m.json"]


def test_a_saved_file_gets_ordinary_permissions(tmp_path):
    save(Neuron(1, seed=0), tmp_path / "m.json")
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o644


# ---- bad saves ---------------------------------------------------------------------------------


def test_save_refuses_non_finite_parameters(tmp_path):
    model = Neuron(2, seed=0)
    model.w[1].data = math.nan
    with pytest.raises(ValueError, match="parameter w.1 is nan"):
        save(model, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize(
    "model, metadata, error, words",
    [
        ("model", None, TypeError, "expected a Neuron, Layer or MLP"),
        (Module(), None, TypeError, "expected a Neuron, Layer or MLP, got Module"),
        (Neuron(1, seed=0), [1, 2], TypeError, "save\\(metadata\\): expected a dict"),
        (Neuron(1, seed=0), {"f": object()}, TypeError, "cannot be written as JSON"),
        (Neuron(1, seed=0), {"x": math.inf}, ValueError, "cannot be written as JSON"),
    ],
)
def test_bad_save_arguments_name_what_was_wrong(tmp_path, model, metadata, error, words):
    with pytest.raises(error, match=words):
        save(model, tmp_path / "m.json", metadata=metadata)


def test_a_path_object_that_gives_bytes_is_refused(tmp_path):
    class BytesPath:
        def __fspath__(self):
            return bytes(tmp_path / "m.json")

    with pytest.raises(TypeError, match=r"save\(path\): expected a file name as text, got bytes"):
        save(Neuron(1, seed=0), BytesPath())
    assert not list(tmp_path.iterdir())

def test_save_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(Neuron(1, seed=0), tmp_path / "nowhere" / "m.json")


# ---- bad files ---------------------------------------------------------------------------------


@pytest.fixture
def good_text(tmp_path):
    save(article_network(seed=0), tmp_path / "good.json")
    return (tmp_path / "good.json").read_text()


def write(tmp_path, content):
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def edited(text, change):
    doc = json.loads(text)
    change(doc)
    return json.dumps(doc)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file at"):
        load(tmp_path / "absent.json")


@pytest.mark.parametrize("cut", [1, 10, 100, -2])
def test_a_truncated_file_is_reported_as_such(tmp_path, good_text, cut):
    with pytest.raises(ModelFileError, match="truncated or corrupted"):
        load(write(tmp_path, good_text[:cut]))


@pytest.mark.parametrize(
    "content, words",
    [
        ("", "empty"),
        (b"\x80\x81\xfe\xff" * 8, "not a text file"),
        (pickle.dumps({"format": "microprop-model"}), "not a text file|not valid JSON"),
        ("[1, 2, 3]", "not a microprop model file"),
        ('{"format": "something-else", "version": 1}', "not a microprop model file"),
        ("__import__('os').system('echo hacked')", "not valid JSON"),
    ],
)
def test_a_file_that_is_not_a_model_is_refused(tmp_path, content, words):
    with pytest.raises(ModelFileError, match=words):
        load(write(tmp_path, content))


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda d: d.update(version=2), "format version 2; this microprop reads version 1"),
        (lambda d: d.update(version="1"), "format version '1'"),
        (lambda d: d.update(version=True), "format version True"),
        (lambda d: d.pop("version"), "format version None"),
        (lambda d: d.pop("parameters"), "'parameters' entry is missing"),
        (lambda d: d.pop("architecture"), "'architecture' entry is missing"),
        (lambda d: d.update(parameters=[1.0, 2.0]), "should be an object"),
        (lambda d: d.update(architecture="MLP"), "'architecture' should be an object"),
        (lambda d: d["architecture"].update(type="CNN"), "unknown architecture type 'CNN'"),
        (lambda d: d["architecture"].pop("output_bias"), "needs exactly"),
        (lambda d: d["architecture"].update(activation="gelu"), "unknown activation 'gelu'"),
        (lambda d: d["architecture"].update(nouts=[2, 3, 1]), "has 22 parameters but the file"),
        (lambda d: d["architecture"].update(nin=10**9), "parameters but the file holds 18"),
        (lambda d: d["architecture"].update(nin="4"), "MLP\\(nin\\)"),
        (lambda d: d["parameters"].pop("layers.0.neurons.0.b"), "17"),
        (
            lambda d: d["parameters"].update({"layers.0.neurons.0.c": 1.0})
            or d["parameters"].pop("layers.0.neurons.0.b"),
            "missing 'layers.0.neurons.0.b'; unexpected 'layers.0.neurons.0.c'",
        ),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.b": "0.5"}), "real number"),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.b": None}), "real number"),
        (lambda d: d.update(metadata=[1]), None),  # load() ignores metadata
    ],
)
def test_a_damaged_model_file_names_what_is_wrong(tmp_path, good_text, change, words):
    path = write(tmp_path, edited(good_text, change))
    if words is None:
        load(path)
        with pytest.raises(ModelFileError, match="'metadata' should be an object"):
            load_metadata(path)
        return
    with pytest.raises(ModelFileError, match=words):
        load(path)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_in_a_file_are_refused(tmp_path, good_text, literal):
    text = good_text.replace(
        json.dumps(json.loads(good_text)["parameters"]["layers.1.neurons.1.w.1"]), literal, 1
    )
    assert literal in text
    with pytest.raises(ModelFileError, match="NaN|Infinity|finite"):
        load(write(tmp_path, text))
