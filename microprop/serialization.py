"""Saving and loading models as human-readable JSON: the architecture, then every parameter.

Floats are written with ``repr``, which Python reads back to the very same bits. A file is
written to a temporary name and then renamed, so a crash never leaves half a model behind.
Loading only parses JSON (never pickle, never eval) and checks everything before building.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from typing import Any

from .nn import MLP, Layer, Module, Neuron

__all__ = ["save", "load", "load_metadata", "ModelFileError", "FORMAT", "VERSION"]

FORMAT = "microprop-model"
VERSION = 1


class ModelFileError(ValueError):
    """A model file that cannot be read: truncated, corrupted, or not a model this version knows."""


def save(model: Module, path: str | os.PathLike, *, metadata: dict | None = None) -> None:
    """Write ``model`` to ``path`` as JSON, replacing any file there only once it is complete.

    ``metadata`` is any JSON-able dict kept alongside (for example how the inputs were scaled);
    ``load_metadata`` reads it back.
    """
    if not isinstance(model, Module):
        raise TypeError(f"save(model): expected a Neuron, Layer or MLP, got {type(model).__name__}")
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"save(metadata): expected a dict, got {type(metadata).__name__}")
    params = model.state_dict()
    for name, x in params.items():
        if not math.isfinite(x):
            raise ValueError(f"save: parameter {name} is {x!r}; only finite models can be saved")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": _architecture(model),
        "parameters": params,
        "metadata": {} if metadata is None else metadata,
    }
    try:
        text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    except (TypeError, ValueError) as e:
        raise type(e)(f"save(metadata): cannot be written as JSON: {e}") from None
    path = _path(path, "save")
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: {path!r} is a folder; give a file name such as model.json")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: the folder {folder!r} does not exist")
    # Same folder, so os.replace is a rename on one file system: atomic, never half-written.
    fd, tmp = tempfile.mkstemp(prefix=".microprop-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:  # mkstemp makes the file private; give it the usual permissions
            os.chmod(tmp, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load(path: str | os.PathLike) -> Module:
    """The model saved at ``path``, rebuilt with exactly the saved parameters."""
    path, document = _read(path, "load")
    params = document["parameters"]
    if not isinstance(params, dict):
        raise ModelFileError(f"{path}: 'parameters' should be an object of name: number")
    model = _build(document["architecture"], path, len(params))
    try:
        model.load_state_dict(params)
    except (TypeError, ValueError) as e:
        raise ModelFileError(f"{path}: {e}") from None
    return model


def load_metadata(path: str | os.PathLike) -> dict:
    """The ``metadata`` dict saved with the model at ``path`` (empty if none was given)."""
    path, document = _read(path, "load_metadata")
    metadata = document.get("metadata", {})
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{path}: 'metadata' should be an object")
    return metadata


def _architecture(model: Module) -> dict[str, Any]:
    if isinstance(model, MLP):
        return {
            "type": "MLP",
            "nin": model.nin,
            "nouts": list(model.nouts),
            "activation": model.activation,
            "output_activation": model.output_activation,
            "output_bias": model.output_bias,
        }
    if isinstance(model, Layer):
        bias = model.neurons[0].b is not None
        return {
            "type": "Layer",
            "nin": model.nin,
            "nout": model.nout,
            "activation": model.activation,
            "bias": bias,
        }
    if isinstance(model, Neuron):
        bias = model.b is not None
        return {"type": "Neuron", "nin": model.nin, "activation": model.activation, "bias": bias}
    raise TypeError(f"save: expected a Neuron, Layer or MLP, got {type(model).__name__}")


def _path(path: object, who: str) -> str:
    """``path`` as a str, refusing what ``open`` would misread (an int is a file descriptor)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{who}(path): expected a file name (str or pathlib.Path), got {type(path).__name__}"
        )
    text = os.fspath(path)
    if not isinstance(text, str):  # a PathLike may give bytes
        raise TypeError(f"{who}(path): expected a file name as text, got {type(text).__name__}")
    if not text:
        raise ValueError(f"{who}(path): the file name is empty")
    return text


def _read(path: str | os.PathLike, who: str) -> tuple[str, dict]:
    path = _path(path, who)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a folder, not a model file")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise ModelFileError(f"{path}: not a text file (corrupted?)") from None
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
            f"{path}: format version {version!r}; this microprop reads version {VERSION}"
        )
    for key in ("architecture", "parameters"):
        if key not in document:
            raise ModelFileError(f"{path}: the {key!r} entry is missing")
    return path, document


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; two values for one parameter means a damaged file.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice (corrupted or edited by hand?)")
        out[key] = value
    return out


def _reject_constant(name: str) -> float:
    raise ValueError(f"the file holds {name}; saved parameters are always finite numbers")


def _build(arch: object, path: str, n_params: int) -> Module:
    if not isinstance(arch, dict):
        raise ModelFileError(f"{path}: 'architecture' should be an object")
    kind = arch.get("type")
    fields = {
        "MLP": {"type", "nin", "nouts", "activation", "output_activation", "output_bias"},
        "Neuron": {"type", "nin", "activation", "bias"},
        "Layer": {"type", "nin", "nout", "activation", "bias"},
    }
    if kind not in fields:
        raise ModelFileError(f"{path}: unknown architecture type {kind!r}")
    if set(arch) != fields[kind]:
        raise ModelFileError(
            f"{path}: a {kind} architecture needs exactly {sorted(fields[kind])}, "
            f"got {sorted(arch)}"
        )
    # Count first: a corrupted size (say nin = 10**9) must not make us build a huge model.
    expected = _parameter_count(arch, kind)
    if expected is not None and expected != n_params:
        raise ModelFileError(
            f"{path}: the architecture has {expected} parameters but the file holds {n_params}"
        )
    try:
        # seed=0: the initial draw is overwritten anyway, and must not disturb `random`.
        if kind == "MLP":
            return MLP(
                arch["nin"],
                arch["nouts"],
                activation=arch["activation"],
                output_activation=arch["output_activation"],
                output_bias=arch["output_bias"],
                seed=0,
            )
        if kind == "Layer":
            return Layer(
                arch["nin"], arch["nout"], arch["activation"], bias=arch["bias"], seed=0
            )
        return Neuron(arch["nin"], arch["activation"], bias=arch["bias"], seed=0)
    except (TypeError, ValueError) as e:
        raise ModelFileError(f"{path}: bad architecture: {e}") from None


def _parameter_count(arch: dict, kind: str) -> int | None:
    """How many parameters ``arch`` has, or None when its sizes are malformed (checked later)."""
    if kind == "MLP":
        sizes, bias = arch["nouts"], arch["output_bias"]
    elif kind == "Layer":
        sizes, bias = [arch["nout"]], arch["bias"]
    else:
        sizes, bias = [1], arch["bias"]
    ins = [arch["nin"], *sizes] if isinstance(sizes, list) else []
    if not ins or not all(type(n) is int and n >= 1 for n in ins) or type(bias) is not bool:
        return None
    last = len(ins) - 2
    return sum((ins[i] + (bias is True if i == last else 1)) * ins[i + 1] for i in range(last + 1))
