"""Saving and loading models as human-readable JSON: the architecture, then every parameter.

Floats are written with ``repr``, which Python reads back to the very same bits. The
architecture is the model's own ``config()``, and the file is written atomically. Loading only
parses JSON (never pickle, never eval) and checks everything before building, starting with the
file's size: at most 64 MiB, which ``save`` keeps to as well.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from . import _files
from .nn import MODULE_TYPES, Module

__all__ = ["save", "load", "load_metadata", "ModelFileError", "FORMAT", "VERSION"]

FORMAT = "microprop-model"
VERSION = 1


# "Neuron, Layer or MLP": the types save can write, for its messages.
_SAVABLE = ", ".join(list(MODULE_TYPES)[:-1]) + " or " + list(MODULE_TYPES)[-1]


# The deepest nesting save writes: load then reads it back whatever its caller's stack depth.
_DEEPEST = 100

# The largest file save writes and load reads: 64 MiB. A parameter takes about 53 bytes of the
# file, so that is over a million parameters, ten times what the command line builds (100,000,
# a 5 MB file). Anything larger is not a model worth a scalar engine's time, and reading it
# whole could exhaust memory before a single check ran.
_LARGEST_FILE = 64 * 2**20
_AT_MOST = f"a model file is at most {_LARGEST_FILE:,} bytes (64 MiB, over a million parameters)"


class ModelFileError(ValueError):
    """A model file that cannot be read: truncated, corrupted, or not a model this version knows."""


def save(
    model: Module, path: str | os.PathLike[str], *, metadata: dict[str, Any] | None = None
) -> None:
    """Write ``model`` to ``path`` as JSON, replacing any file there only once it is complete.

    ``metadata`` is any JSON-able dict, nested at most 100 levels, kept alongside (for example
    how the inputs were scaled); ``load_metadata`` reads it back. The text is read back with
    ``load``'s own reader before the old file is replaced, so a file that ``load`` would refuse
    (such as one above 64 MiB) is never written.
    """
    if not isinstance(model, Module):
        raise TypeError(f"save(model): expected a {_SAVABLE}, got {type(model).__name__}")
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"save(metadata): expected a dict, got {type(metadata).__name__}")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": _architecture(model),
        "parameters": {name: _saved(name, x) for name, x in model.state_dict().items()},
        "metadata": {} if metadata is None else metadata,
    }
    text = _text(document)
    path = _files.output_path(path, "save(path)")
    size = len(text.encode("utf-8"))
    if size > _LARGEST_FILE:
        raise ValueError(
            f"save: the file would be {size:,} bytes, so none was written; {_AT_MOST}, "
            "metadata included"
        )
    try:  # what load would make of the text; the architecture and parameters are ours
        _model(_document(text, path), path)
    except ModelFileError as e:
        raise ValueError(f"save: the file would not load back, so none was written: {e}") from None
    try:
        _files.write_atomic(path, text)
    except (IsADirectoryError, FileNotFoundError) as e:  # the target itself: name the caller
        raise type(e)(f"save: {e}") from None


def load(path: str | os.PathLike[str]) -> Module:
    """The model saved at ``path``, rebuilt with exactly the saved parameters.

    A file above 64 MiB (over a million parameters) is refused before it is read, with a
    ModelFileError.
    """
    path, text = _read(path, "load")
    return _model(_document(text, path), path)


def load_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``metadata`` dict saved with the model at ``path`` (empty if none was given)."""
    path, text = _read(path, "load_metadata")
    metadata = _document(text, path).get("metadata", {})
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{path}: 'metadata' should be an object")
    return metadata


def _architecture(model: Module) -> dict[str, Any]:
    if not isinstance(model, tuple(MODULE_TYPES.values())):
        raise TypeError(f"save: expected a {_SAVABLE}, got {type(model).__name__}")
    return model.config()


def _saved(name: str, x: object) -> float:
    """Parameter ``x`` as the float the file will hold, or an error naming the parameter.

    Only a value that a float holds exactly is saved, so the loaded model is the saved one: a
    NumPy float32 would come back as a float64 and compute differently.
    """
    if type(x) is not float and (isinstance(x, bool) or not isinstance(x, (int, float))):
        raise TypeError(
            f"save: parameter {name} is a {type(x).__name__} ({x!r:.40}), not a Python float; "
            f"set it with float(), for example model.load_state_dict(model.state_dict())"
        )
    try:
        f = float(x)
    except OverflowError:  # an int with hundreds of digits
        raise ValueError(f"save: parameter {name} is too large for a float") from None
    if not math.isfinite(f):
        raise ValueError(f"save: parameter {name} is {f!r}; only finite models can be saved")
    if f != x:
        raise ValueError(f"save: parameter {name} is an int a float cannot hold exactly ({x})")
    return f


def _text(document: dict[str, Any]) -> str:
    """The file's text; only the metadata can fail, since the rest is ours."""
    try:
        text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    except (TypeError, ValueError) as e:
        raise type(e)(f"save(metadata): cannot be written as JSON: {e}") from None
    except RecursionError:
        raise ValueError("save(metadata): nested too deeply to be written as JSON") from None
    # How deep json.loads can go depends on how deep the reader's own stack already is, so a
    # fixed bound far below the recursion limit, not this caller's luck, decides what is saved.
    # With indent=1 a line's indentation is its nesting depth (strings hold no raw newline).
    if max(len(line) - len(line.lstrip(" ")) for line in text.split("\n")) > _DEEPEST:
        raise ValueError(f"save(metadata): nested more than {_DEEPEST} levels deep")
    try:
        json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _RepeatedKey as e:
        raise ValueError(
            f"save(metadata): the key {e.key!r} would appear twice in the file, since JSON "
            "keys are text (1 and '1' are one key); give distinct text keys"
        ) from None
    return text


def _read(path: str | os.PathLike[str], who: str) -> tuple[str, str]:
    path = _files.output_path(path, f"{who}(path)")  # the same file-name check as save's
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a folder, not a model file")
    if not os.path.isfile(path):  # a pipe or a device such as /dev/zero: it may never end
        raise ModelFileError(f"{path}: not a regular file (a pipe or a device?)")
    try:
        # utf-8-sig: a byte-order mark, as some editors on Windows write, is read as nothing.
        with open(path, encoding="utf-8-sig") as f:
            size = os.fstat(f.fileno()).st_size  # the file as opened, whatever the name is now
            if size > _LARGEST_FILE:
                raise ModelFileError(f"{path}: the file is {size:,} bytes; {_AT_MOST}")
            return path, _read_at_most(f, path)
    except UnicodeDecodeError:
        raise ModelFileError(f"{path}: not a text file (corrupted?)") from None


def _read_at_most(f: Any, path: str) -> str:
    """The rest of ``f``, in pieces, so that a file larger than its size said (one that grows,
    or a /proc file that says 0) is refused once past the bound, and memory follows what is
    there: ``f.read(n)`` would set aside room for n characters however short the file."""
    pieces, total = [], 0
    while piece := f.read(2**16):
        total += len(piece)  # characters, each at least a byte
        if total > _LARGEST_FILE:
            raise ModelFileError(f"{path}: the file is larger than its size said; {_AT_MOST}")
        pieces.append(piece)
    return "".join(pieces)


def _document(text: str, path: str) -> dict[str, Any]:
    """The JSON document in ``text``, checked to be a model file this version reads."""
    if not text.strip():
        raise ModelFileError(f"{path}: the file is empty")
    try:
        document = json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys
        )
    except RecursionError:  # "[[[[..." thousands deep: no model file looks like that
        raise ModelFileError(f"{path}: nested too deeply to be a model file (corrupted?)") from None
    except json.JSONDecodeError as e:
        raise ModelFileError(
            f"{path}: not valid JSON at line {e.lineno}, column {e.colno} "
            f"(truncated or corrupted?): {e.msg}"
        ) from None
    except ValueError as e:
        raise ModelFileError(f"{path}: {e}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a microprop model file (no \"format\": \"{FORMAT}\")")
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise ModelFileError(
            f"{path}: format version {_short(version)}; this microprop reads version {VERSION}"
        )
    for key in ("architecture", "parameters"):
        if key not in document:
            raise ModelFileError(f"{path}: the {key!r} entry is missing")
    return document


def _model(document: dict[str, Any], path: str) -> Module:
    params = document["parameters"]
    if not isinstance(params, dict):
        raise ModelFileError(f"{path}: 'parameters' should be an object of name: number")
    model = _build(document["architecture"], path, len(params))
    try:
        model.load_state_dict(params)
    except (TypeError, ValueError) as e:
        raise ModelFileError(f"{path}: {e}") from None
    return model


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} appears twice (corrupted or edited by hand?)")
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; two values for one parameter means a damaged file.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


def _reject_constant(name: str) -> float:
    raise ValueError(f"the file holds {name}; saved parameters are always finite numbers")


def _build(arch: object, path: str, n_params: int) -> Module:
    if not isinstance(arch, dict):
        raise ModelFileError(f"{path}: 'architecture' should be an object")
    kind = arch.get("type")
    if not isinstance(kind, str) or kind not in MODULE_TYPES:
        raise ModelFileError(f"{path}: unknown architecture type {_short(kind)}")
    module = MODULE_TYPES[kind]
    fields = {"type", *module._config_keys}
    if set(arch) != fields:
        raise ModelFileError(
            f"{path}: a {kind} architecture needs exactly {sorted(fields)}, "
            f"got {_short(sorted(arch))}"
        )
    # Count first, from the numbers alone: a corrupted size (say nin = 10**9) must not make us
    # build a huge model. Only an architecture whose count matches the file is built in full.
    expected = module._parameter_count(arch)
    if expected is not None and expected != n_params:
        digits = len(str(expected))  # nin = 10**4000 gives a count thousands of digits long
        count = str(expected) if digits <= 20 else f"a {digits}-digit number of"
        raise ModelFileError(
            f"{path}: the architecture has {count} parameters but the file holds {n_params}"
        )
    try:
        # seed=0: the initial draw is overwritten anyway, and must not disturb `random`.
        if expected is None:  # some size is malformed: let the constructor name it, built small
            Module.from_config(_shrunk(arch), seed=0)
            raise ValueError(f"malformed sizes in {_short(arch)}")  # not reached: the build fails
        return Module.from_config(arch, seed=0)
    except (TypeError, ValueError) as e:
        raise ModelFileError(f"{path}: bad architecture: {e}") from None


def _shrunk(arch: dict[str, Any]) -> dict[str, Any]:
    """``arch`` with every well-formed size set to 1, malformed ones kept as they are.

    Building it runs the constructor's own checks, so the error names the bad field just as
    ``MLP(...)`` would, yet costs a few objects even when another field says nin = 10**9.
    """
    def one(n: object) -> object:
        return 1 if type(n) is int and n >= 1 else n

    small = {k: one(v) if k in ("nin", "nout") else v for k, v in arch.items()}
    if isinstance(arch.get("nouts"), list):
        small["nouts"] = [one(n) for n in arch["nouts"]]
    return small


def _short(x: object) -> str:
    """``repr(x)`` cut to one line: a hostile file may hold a value megabytes long."""
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."
