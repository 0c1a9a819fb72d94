"""The docs build's check that every public callable has a docstring (an mkdocs hook).

The API reference is generated from the docstrings, so a public function without one would be a
bare signature on the site and in ``help()``. ``mkdocs.yml`` runs ``on_config`` before any page is
built, and ``tests/test_docstrings.py`` runs ``missing`` itself, so the test suite and the build
refuse the same gaps.
"""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType
from typing import Any

# The modules a user imports, each a page of the reference. The others (rules, floats, careful,
# scene, ...) are rooms behind these; what of them a user meets (Value's register_hook, say) is
# reached through the classes below, whose inherited methods are checked where they are defined.
PUBLIC_MODULES = (
    "microprop", "microprop.engine", "microprop.nary", "microprop.custom_op",
    "microprop.derivatives", "microprop.func", "microprop.gradcheck", "microprop.nn",
    "microprop.losses", "microprop.optim", "microprop.data", "microprop.train",
    "microprop.serialization", "microprop.compile", "microprop.interop", "microprop.explain",
    "microprop.viz", "microprop.stepper", "microprop.plot", "microprop.cli",
    "microprop.careful",  # HookHandle, which Value.register_hook returns
)

# The ops on a Value: each docstring says what it computes and its derivative.
OP_METHODS = (
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
    "__rtruediv__", "__pow__", "__rpow__", "__neg__", "__abs__", "abs", "exp", "log", "sqrt",
    "tanh", "sigmoid", "relu", "leaky_relu",
)


def _own_doc(obj: Any) -> str:
    doc = obj.__doc__ if not isinstance(obj, property) else (obj.fget.__doc__ if obj.fget else "")
    return (doc or "").strip()


def _members(cls: type) -> list[tuple[str, Any]]:
    """The public methods and properties of ``cls`` written in microprop, inherited ones too,
    each as it is defined (so a base class's docstring is checked once, where it is written)."""
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("microprop"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue  # private, or a dunder (the ops among them are checked below)
            raw = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
            if inspect.isfunction(raw) or isinstance(raw, property):
                found[name] = (klass, raw)
    return [(f"{klass.__qualname__}.{name}", raw) for name, (klass, raw) in found.items()]


def missing(modules: tuple[str, ...] = PUBLIC_MODULES) -> list[str]:
    """Every public function, class, method and property of ``modules`` without a docstring, and
    every op of ``Value`` whose docstring does not give its derivative, as ``module: name``."""
    gaps: list[str] = []
    for name in modules:
        module: ModuleType = importlib.import_module(name)
        if not (module.__doc__ or "").strip():
            gaps.append(f"{name}: the module")
        for public in getattr(module, "__all__", ()):
            obj = getattr(module, public)
            if inspect.ismodule(obj) or not callable(obj):
                continue  # a module has its own page; a constant is described where it is used
            where = getattr(obj, "__module__", name)  # re-exported names: where they are written
            if not _own_doc(obj):
                gaps.append(f"{where}: {public}")
            if inspect.isclass(obj):
                gaps += [f"{where}: {qualname}" for qualname, member in _members(obj)
                         if not _own_doc(member)]
    from microprop.engine import Value

    for op in OP_METHODS:
        if "derivative" not in _own_doc(getattr(Value, op)):
            gaps.append(f"microprop.engine: Value.{op} (its docstring must give its derivative)")
    return sorted(set(gaps))


def on_config(config: Any) -> Any:
    """Stop the build before any page is made when a public callable has no docstring."""
    gaps = missing()
    if gaps:
        from mkdocs.exceptions import PluginError

        raise PluginError("public callables without a docstring:\n  " + "\n  ".join(gaps))
    return config
