"""save/load: bit-exact round trips, readable JSON, atomic writes, hostile files refused within a
time and memory bound; bad files have rows in test_bad_input_serialization.py."""

import json
import math
import os
import random
import struct
import tempfile
import time
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

import microprop
from microprop import _files, serialization
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


# ---- hostile and damaged files, refused within a time and memory bound --------------------------
# Adversarial model files and saves: every case states the defect it guards against.
#
# Loading: a hostile or damaged file is a ModelFileError within a time and memory bound, whatever
# its sizes say (each case is timed and traced). Saving: what save writes, load reads.


SECONDS = 1.0  # per load; a hostile file used to take 30 s and 2.8 GB
PEAK_BYTES = 4_000_000  # what tracemalloc may see allocated at once during one load


def bounded_load(path: object) -> object:
    """``load(path)``'s model or its ModelFileError, failing if it took too long or too much."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome: object = load(path)
    except ModelFileError as e:
        outcome = e
    finally:
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert seconds < SECONDS, f"load took {seconds:.2f} s"
    assert peak < PEAK_BYTES, f"load allocated {peak / 1e6:.1f} MB at its peak"
    return outcome


def article_document() -> dict:
    return {
        "format": "microprop-model",
        "version": 1,
        "architecture": article_network(seed=0).config(),
        "parameters": article_network(seed=0).state_dict(),
        "metadata": {},
    }


def with_architecture(**fields: object) -> str:
    doc = article_document()
    doc["architecture"].update(fields)
    return json.dumps(doc)


def neuron_file(**fields: object) -> str:
    arch = {"type": "Neuron", "nin": 2, "activation": "relu", "bias": True, **fields}
    return json.dumps({"format": "microprop-model", "version": 1, "architecture": arch,
                       "parameters": {}})


# Each: a file's text, and why it must be refused cheaply.
HOSTILE = {
    # The 175-byte file of issue 10: a malformed bias skipped the parameter count, and Neuron
    # drew nin weights before it checked the bias.
    "a Neuron with nin 10**9 and bias 1 (built a billion weights before checking bias)":
        neuron_file(nin=10**9, bias=1),
    "a Neuron with nin 10**9 and bias null": neuron_file(nin=10**9, bias=None),
    "a Neuron with nin 10**9 and activation 7": neuron_file(nin=10**9, activation=7),
    "a Neuron with nin 10**4000 (an int near the digit limit)": neuron_file(nin=10**4000),
    "a Neuron with nin -10**9": neuron_file(nin=-(10**9)),
    "a Neuron with nin true": neuron_file(nin=True),
    "a Neuron with nin 1e9 (a float)": neuron_file(nin=1e9),
    "a Neuron with nin '1000000000'": neuron_file(nin="1000000000"),
    "a Neuron with nin [10**9]": neuron_file(nin=[10**9]),
    "an MLP with nouts [10**9, 10**9] and output_bias 1": with_architecture(
        nouts=[10**9, 10**9], output_bias=1),
    "an MLP with nin 10**9 and nouts [10**9, true]": with_architecture(
        nin=10**9, nouts=[10**9, True]),
    "an MLP with nin 10**9 and activation [1, 2]": with_architecture(
        nin=10**9, activation=[1, 2]),
    "an MLP with nin 10**9 and nouts {'1': 1}": with_architecture(nin=10**9, nouts={"1": 1}),
    "an MLP with nouts 10**9 (not a list)": with_architecture(nouts=10**9),
    "an MLP with 10**4 layers of size 10**9 and a bad output_bias": with_architecture(
        nouts=[10**9] * 10**4, output_bias=0),
    "a Layer with nin and nout 10**9 and bias 'yes'": json.dumps(
        {"format": "microprop-model", "version": 1, "parameters": {}, "architecture": {
            "type": "Layer", "nin": 10**9, "nout": 10**9, "activation": "relu", "bias": "yes"}}),
    "an architecture with 10,000 extra keys (all listed in the message)": with_architecture(
        **{f"k{i}": 0 for i in range(10_000)}),
    "a type that is a long list (its repr in the message)": with_architecture(type=[0] * 10**5),
    "a version that is a long list (its repr in the message)": json.dumps(
        {**article_document(), "version": list(range(10**4))}),
    "JSON nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "an object nested 100,000 deep": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "a parameter of 10**4000": json.dumps(
        {**article_document(), "parameters": {"layers.0.neurons.0.b": 10**4000}}),
    "a number of 5,000 digits (over Python's int limit)": '{"format": 1' + "0" * 5000 + "}",
    "a float of 100,000 digits": '{"format": "microprop-model", "version": 1.' + "0" * 10**5 + "}",
    "a parameter 1e999999 (read as inf)": json.dumps(
        {**article_document(), "parameters": {"layers.0.neurons.0.b": 0.5}}).replace(
        "0.5", "1e999999"),
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_file_is_refused_within_a_second_and_a_few_mb(tmp_path, text):
    """Every size in a file is checked against the parameters it holds before anything is built."""
    path = tmp_path / "hostile.json"
    path.write_text(text)
    error = bounded_load(path)
    assert isinstance(error, ModelFileError) and len(str(error)) < 500, "one line, not the file"


def test_a_huge_size_with_a_malformed_field_still_names_the_field(tmp_path):
    """Checking sizes cheaply must not cost the message: the bad field is named as MLP names it."""
    path = tmp_path / "m.json"
    path.write_text(neuron_file(nin=10**9, bias=1))
    error = bounded_load(path)
    assert isinstance(error, ModelFileError)
    assert "bias: expected True or False, got int 1" in str(error)


def mutations(text: str, rng: random.Random) -> str:
    """One random damage to ``text``: a byte changed, a span cut or repeated, a value replaced."""
    kind = rng.randrange(5)
    i = rng.randrange(len(text))
    j = min(len(text), i + rng.randrange(1, 40))
    if kind == 0:
        return text[:i] + chr(rng.randrange(32, 127)) + text[i + 1:]
    if kind == 1:
        return text[:i] + text[j:]
    if kind == 2:
        return text[:j] + text[i:j] * rng.randrange(2, 50) + text[j:]
    if kind == 3:
        return text[:i]
    hostile = rng.choice(['1000000000', '-1', 'true', 'null', '1e999', '"x"', '[]', '{}',
                          '[1000000000, 1000000000]', '[' * 5000 + ']' * 5000, '9' * 4000,
                          '-0', '0.5', '{"type": "MLP"}'])
    numbers = [k for k, c in enumerate(text) if c.isdigit() and not text[k - 1].isdigit()]
    k = rng.choice(numbers)
    end = k
    while end < len(text) and (text[end].isdigit() or text[end] in ".-e"):
        end += 1
    return text[:k] + hostile + text[end:]


@pytest.mark.parametrize("seed", range(6))
def test_load_fuzz_damaged_files_give_a_model_or_a_model_file_error_within_bounds(
    tmp_path, seed
):
    """Mutated files: never another exception, never seconds or megabytes, whatever the damage."""
    save(article_network(seed=0), tmp_path / "good.json")
    good = (tmp_path / "good.json").read_text()
    rng = random.Random(seed)
    path = tmp_path / "m.json"
    for _ in range(50):
        text = good
        for _ in range(rng.randrange(1, 4)):
            text = mutations(text, rng) or "{"
        path.write_text(text)
        outcome = bounded_load(path)
        assert isinstance(outcome, (Module, ModelFileError)), (text, outcome)


HOSTILE_VALUES = [10**9, 10**30, -1, 0, -(10**9), True, False, None, 1e9, 0.5, 1e308, "7", "",
                  [], {}, [10**9], [1, True], [0], [10**9, 10**9, 10**9], {"a": 10**9},
                  [[[[1]]]], "relu", "MLP", 2, 1]


@pytest.mark.parametrize("seed", range(4))
def test_load_fuzz_hostile_values_in_every_field_give_a_model_file_error_within_bounds(
    tmp_path, seed
):
    """Valid JSON whose fields (any of them, several at once) are huge, negative, bool, the wrong
    type: the sizes are checked before anything is built, and the answer is a ModelFileError."""
    rng = random.Random(seed)
    path = tmp_path / "m.json"
    for _ in range(60):
        doc = article_document()
        if rng.random() < 0.3:
            doc["architecture"] = {"type": rng.choice(["Neuron", "Layer"]), "nin": 4,
                                   "activation": "tanh", "bias": True}
            if doc["architecture"]["type"] == "Layer":
                doc["architecture"]["nout"] = 2
        for _ in range(rng.randrange(1, 4)):
            arch = doc["architecture"]
            where = arch if isinstance(arch, dict) and arch and rng.random() < 0.8 else doc
            where[rng.choice(sorted(where))] = rng.choice(HOSTILE_VALUES)
        path.write_text(json.dumps(doc))
        outcome = bounded_load(path)
        assert isinstance(outcome, (Module, ModelFileError)), (doc, outcome)


def test_a_byte_order_mark_before_the_json_is_read_as_nothing(tmp_path):
    """A UTF-8 BOM (as Notepad writes) used to make the file 'not valid JSON at line 1'."""
    save(article_network(seed=0), tmp_path / "m.json", metadata={"note": "é"})
    text = (tmp_path / "m.json").read_bytes()
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + text)
    assert load(tmp_path / "bom.json").state_dict() == article_network(seed=0).state_dict()
    assert load_metadata(tmp_path / "bom.json") == {"note": "é"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_refused_before_it_is_read(tmp_path):
    """load read a pipe or a device (/dev/zero) to its end, which may never come: refuse it."""
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ModelFileError, match="not a regular file"):
        load(tmp_path / "pipe")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    """The atomic rename landed on the link itself: the link became a regular file and the
    file it pointed to kept the old model."""
    save(Neuron(2, seed=0), tmp_path / "real.json")
    (tmp_path / "link.json").symlink_to("real.json")
    save(Neuron(3, seed=1), tmp_path / "link.json")
    assert (tmp_path / "link.json").is_symlink()
    assert load(tmp_path / "real.json").nin == 3
    assert sorted(os.listdir(tmp_path)) == ["link.json", "real.json"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_saving_through_a_dangling_symlink_creates_its_target(tmp_path):
    """A link to a file not written yet (a models/latest.json link) gets its target written."""
    (tmp_path / "link.json").symlink_to("real.json")
    save(Neuron(2, seed=0), tmp_path / "link.json")
    assert (tmp_path / "link.json").is_symlink() and load(tmp_path / "real.json").nin == 2


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_every_writer_keeps_a_symlink_since_they_share_the_atomic_writer(tmp_path):
    """The DOT and picture writers of viz and the command line write through write_atomic."""
    (tmp_path / "real.png").write_bytes(b"old")
    (tmp_path / "link.png").symlink_to("real.png")
    _files.write_atomic(str(tmp_path / "link.png"), b"new")
    assert (tmp_path / "link.png").is_symlink() and (tmp_path / "real.png").read_bytes() == b"new"


def test_a_file_above_64_mib_is_refused_before_it_is_read(tmp_path):
    """Defect: load read the whole file, however large, before any check (a 1 TiB hole here,
    which takes no disk, would have been read as NULs until memory ran out)."""
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(2**40)
    error = bounded_load(path)
    assert isinstance(error, ModelFileError)
    assert "the file is 1,099,511,627,776 bytes; a model file is at most 67,108,864" in str(error)


def test_the_size_bound_is_inclusive(tmp_path, monkeypatch):
    """A file of exactly the bound loads, one byte more does not (the bound lowered to the size
    of a real file, so that nothing large is written)."""
    path = tmp_path / "m.json"
    save(article_network(seed=0), path)
    monkeypatch.setattr(serialization, "_LARGEST_FILE", path.stat().st_size)
    assert load(path).state_dict() == article_network(seed=0).state_dict()
    path.write_bytes(path.read_bytes() + b"\n")  # JSON that is one byte longer
    with pytest.raises(ModelFileError, match="the file is"):
        load(path)


@pytest.mark.skipif(not os.path.isfile("/proc/self/status"), reason="needs Linux's procfs")
def test_a_file_that_says_it_is_empty_is_still_read_only_up_to_the_bound(monkeypatch):
    """A file whose size the system does not know up front (procfs says 0) must not be read
    without end either: the read itself stops one character past the bound."""
    monkeypatch.setattr(serialization, "_LARGEST_FILE", 10)
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(ModelFileError, match="the file is larger than its size said"):
        load("/proc/self/status")


def test_save_refuses_a_file_that_load_would_refuse_for_its_size(tmp_path, monkeypatch):
    """A file save writes is one load reads: above the bound (lowered here to one byte below
    the new file's size) nothing is written and the old file stays; at the bound it is saved."""
    path, new = tmp_path / "m.json", Neuron(1, seed=1)
    save(new, tmp_path / "new.json")
    size = (tmp_path / "new.json").stat().st_size
    save(Neuron(1, seed=0), path)
    before = path.read_text()
    monkeypatch.setattr(serialization, "_LARGEST_FILE", size - 1)
    with pytest.raises(ValueError, match=f"the file would be {size:,} bytes, so none was written"):
        save(new, path)
    assert path.read_text() == before
    monkeypatch.setattr(serialization, "_LARGEST_FILE", size)
    save(new, path)
    assert load(path).state_dict() == new.state_dict()


# ---- what save writes, load reads ----------------------------------------------------------


def saving_refused(tmp_path, model, metadata=None) -> Exception:
    """The error save gives for ``model`` and ``metadata``, checking the old file is untouched."""
    path = tmp_path / "m.json"
    save(Neuron(1, seed=0), path)
    before = path.read_bytes()
    with pytest.raises((TypeError, ValueError)) as info:
        save(model, path, metadata=metadata)
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["m.json"]
    return info.value


def with_parameter(x: object) -> Neuron:
    model = Neuron(2, seed=0)
    model.w[1].data = x
    return model


@pytest.mark.parametrize(
    "metadata, key",
    [({1: "a", "1": "b"}, "'1'"), ({True: "a", "true": "b"}, "'true'"), ({None: 1, "null": 2},
                                                                          "'null'")],
    ids=["1 and '1'", "True and 'true'", "None and 'null'"],
)
def test_metadata_keys_that_collide_as_json_text_are_refused_before_the_old_file_goes(
    tmp_path, metadata, key
):
    """JSON turns 1 into '1', so save wrote a key twice and load refused the file it wrote."""
    error = saving_refused(tmp_path, Neuron(1, seed=0), metadata)
    assert f"save(metadata): the key {key} would appear twice" in str(error)


def nested(depth: int) -> list:
    deep: list = []
    inner = deep
    for _ in range(depth - 1):
        inner.append([])
        inner = inner[0]
    return deep


@pytest.mark.parametrize("depth", [101, 990, 5000])
def test_metadata_nested_too_deeply_to_read_back_is_refused_not_written(tmp_path, depth):
    """990 deep: json.dumps wrote it but load could not read it; 5000: a bare RecursionError."""
    error = saving_refused(tmp_path, Neuron(1, seed=0), {"a": nested(depth)})
    assert "save(metadata): nested" in str(error) and "deep" in str(error)


def test_metadata_saved_near_the_depth_bound_loads_back_from_a_deep_caller(tmp_path):
    """A file saved from a shallow stack 900 deep did not load from a caller 200 frames deep:
    save bounds the nesting (100 levels), so what it writes loads from any reasonable stack."""
    metadata = {"a": nested(98)}
    save(Neuron(1, seed=0), tmp_path / "m.json", metadata=metadata)

    def from_deep_in_the_stack(frames: int) -> dict:
        return load_metadata(tmp_path / "m.json") if frames == 0 else (
            from_deep_in_the_stack(frames - 1))

    assert from_deep_in_the_stack(800) == metadata


# Keys that JSON writes as the same text as another key ("1" and 1) come up often.
JSON_KEYS = st.one_of(
    st.sampled_from(["1", "true", "null", "0", "-1"]), st.text(max_size=3), st.integers(-3, 3),
    st.booleans(), st.none(), st.floats(allow_nan=True, allow_infinity=True),
)
JSON_LIKE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5)),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner)
    | st.dictionaries(JSON_KEYS, inner, max_size=4),
    max_leaves=12,
)


@given(metadata=st.dictionaries(JSON_KEYS, JSON_LIKE, max_size=5))
def test_any_metadata_save_accepts_loads_back_and_any_it_refuses_leaves_the_old_file(metadata):
    """The round trip holds for every metadata dict: written means readable, refused means the
    earlier file is still there (save used to write files that load rejected)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.json")
        save(Neuron(1, seed=0), path, metadata={"old": 1})
        try:
            save(article_network(seed=0), path, metadata=metadata)
        except (TypeError, ValueError):
            assert load_metadata(path) == {"old": 1} and os.listdir(folder) == ["m.json"]
        else:
            assert isinstance(load(path), type(article_network(seed=0)))
            assert isinstance(load_metadata(path), dict)


def test_a_float32_parameter_is_named_not_blamed_on_metadata(tmp_path):
    """A NumPy float32 weight gave 'save(metadata): cannot be written as JSON' with no metadata."""
    np = pytest.importorskip("numpy")
    error = saving_refused(tmp_path, with_parameter(np.float32(0.25)))
    assert isinstance(error, TypeError)
    assert "save: parameter w.1 is a float32" in str(error) and "metadata" not in str(error)
    assert "float()" in str(error)


@pytest.mark.parametrize(
    "value, words",
    [(True, "parameter w.1 is a bool"),  # written as true, which load refuses
     (10**17 + 1, "parameter w.1 is an int a float cannot hold exactly"),  # loaded back changed
     (10**400, "parameter w.1 is too large for a float"),  # a bare OverflowError
     (float("inf"), "parameter w.1 is inf; only finite models")],
    ids=["bool", "int past 2**53", "400-digit int", "inf"],
)
def test_a_parameter_that_would_not_load_back_exactly_is_refused_and_named(
    tmp_path, value, words
):
    """A weight that load refuses, or reads back as another number, is not saved."""
    assert words in str(saving_refused(tmp_path, with_parameter(value)))


def test_a_fraction_parameter_is_named_not_blamed_on_metadata(tmp_path):
    """Any non-float number (Fraction, Decimal, NumPy ints) blamed the metadata too."""
    from fractions import Fraction

    error = saving_refused(tmp_path, with_parameter(Fraction(1, 3)))
    assert "save: parameter w.1 is a Fraction" in str(error)


def test_an_int_parameter_a_float_holds_is_saved_as_that_float(tmp_path):
    """Ints that floats hold exactly still save, and load back equal."""
    save(with_parameter(3), tmp_path / "m.json")
    assert load(tmp_path / "m.json").w[1].data == 3.0
