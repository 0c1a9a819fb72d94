"""The layout docs/architecture.md promises: arrows one way, functions short enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "microprop"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))
LONGEST = 60  # lines; the style guide's "a function you can hold in your head"


def _tree(module: str) -> ast.Module:
    return ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))


def _imports(module: str) -> set[str]:
    """The modules of the package that ``module`` imports, anywhere in it (functions too)."""
    found = set()
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("microprop."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
            found.update(n.split(".")[1] for n in names if n.startswith("microprop."))
    return found & set(MODULES)


def _reachable(start: str, graph: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), list(graph[start])
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph[module])
    return seen


def test_no_module_imports_one_that_imports_it_back():
    graph = {m: _imports(m) for m in MODULES}
    circles = [m for m in MODULES if m in _reachable(m, graph)]
    assert circles == []


@pytest.mark.parametrize(
    ("module", "imports"),
    [("rules", set()), ("floats", set()), ("modes", set()), ("micrograd", {"floats", "modes"}),
     ("careful", {"micrograd"}), ("pickling", {"micrograd"}),
     ("conversions", {"floats", "modes"}),
     ("engine", {"careful", "conversions", "floats", "micrograd", "modes", "pickling", "rules"}),
     ("interop", set()), ("_checks", set()), ("_files", set()), ("source", {"floats"}),
     ("graph", {"engine"}), ("explain", {"careful", "engine", "graph"}),
     # compile reads the switches (tracing, detect_anomaly) and hooks, as engine does
     ("compile", {"batched", "careful", "engine", "floats", "micrograd", "modes", "nary",
                  "rules", "source", "tape"}),
     ("tape", {"floats", "nary"}), ("batched", {"engine", "floats", "nary", "rules", "source"})],
)
def test_the_bottom_of_the_stack_imports_only_what_is_below_it(module, imports):
    assert _imports(module) - {"_checks", "_files"} == imports  # those two: anyone may


def test_the_core_is_a_learner_s_sitting_and_its_rules_beside_it():
    """engine.py is Value, its ops, recording, the walk and backward: about 450 lines, with one
    docstring line per op method saying what it computes and its derivative (reading a Value as a
    number, and what a trace learns from it, is conversions.py); rules.py, each op once, about
    200 (and a little more for Op, which each node records, and for the three ops only
    derivatives make: IEEE 754's division and power, a slope's own factors, and sigmoid's slope
    as one op of its value)."""
    lines = {m: len((PACKAGE / f"{m}.py").read_text(encoding="utf-8").splitlines())
             for m in ("engine", "rules")}
    assert lines["engine"] <= 450 and lines["rules"] <= 280, lines


def test_explain_returns_data_and_never_imports_the_drawing():
    drawing = {"viz", "drawing_options", "scene", "dot_text", "render"}
    assert drawing & _reachable("explain", {m: _imports(m) for m in MODULES}) == set()


def test_no_function_in_the_package_is_longer_than_about_sixty_lines():
    long = [
        f"{module}.{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for module in MODULES
        for node in ast.walk(_tree(module))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > LONGEST
    ]
    assert long == []


def test_the_map_names_every_module_of_the_package():
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert [m for m in MODULES if f"`microprop/{m}.py`" not in text] == []
