"""save/load: bit-exact round trips, readable JSON, atomic writes; bad files have rows in
test_bad_input_serialization.py."""

import json
import math
import os
import struct

import pytest

import microprop
from microprop.nn import MLP, Layer, Neuron, article_network
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


def test_a_path_object_that_gives_bytes_is_refused(tmp_path):
    class BytesPath:
        def __fspath__(self):
            return bytes(tmp_path / "m.json")

    with pytest.raises(TypeError, match=r"save\(path\): expected a file name as text, got bytes"):
        save(Neuron(1, seed=0), BytesPath())
    assert not list(tmp_path.iterdir())


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


def test_load_ignores_metadata_it_cannot_read(tmp_path, good_text):
    path = write(tmp_path, edited(good_text, lambda d: d.update(metadata=[1])))
    load(path)
    with pytest.raises(ModelFileError, match="'metadata' should be an object"):
        load_metadata(path)


def test_a_species_model_saves_and_loads_bit_for_bit_with_its_metadata(tmp_path):
    from microprop.data import IRIS_SPECIES, Standardizer, load_iris
    from microprop.train import fit, predict

    X, y = load_iris(classes=3)
    scaler = Standardizer.fit(X)
    X = scaler.transform(X)
    model = MLP(4, [5, 3], activation="tanh", output_bias=False, seed=7)
    fit(model, X, y, loss="cross_entropy", lr=0.5, epochs=20)
    meta = {"classes": list(IRIS_SPECIES), "loss": "cross_entropy",
            "standardize": {"mean": scaler.mean, "std": scaler.std}}
    save(model, tmp_path / "m.json", metadata=meta)
    loaded = load(tmp_path / "m.json")
    assert repr(loaded) == repr(model) == "MLP(4, [5, 3], activation='tanh', output_bias=False)"
    assert loaded.config() == model.config()
    assert loaded.state_dict() == model.state_dict()
    assert bits(loaded) == bits(model)
    assert load_metadata(tmp_path / "m.json") == meta
    for output in ("class", "probabilities", "raw"):
        assert predict(loaded, X, output=output) == predict(model, X, output=output)
