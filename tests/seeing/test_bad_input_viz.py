"""Bad input to drawing and explaining graphs (viz and explain):
each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bad_input import check, short, table

from microprop import Value
from microprop.explain import backward_steps, explain

ROWS, row = table()

# ---- drawing and explaining ----------------------------------------------------------------------


def graph() -> Value:
    """``out = tanh(x * w + b)`` with labels, after backward()."""
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.0, label="b")
    out = (x * w + b).tanh()
    out.label = "out"
    out.backward()
    return out


def graph_with_two(label: str) -> Value:
    a, b = Value(1.0, label=label), Value(2.0, label=label)
    out = a * b
    out.backward()
    return out


def digraph() -> object:
    pytest.importorskip("graphviz")
    from microprop.viz import draw_dot

    return draw_dot(graph())


def viz(name: str) -> Callable[..., object]:
    """``microprop.viz.<name>``, needing the graphviz package only for what renders."""
    from microprop import viz as module

    def call(*args: object, **kwargs: object) -> object:
        renders = name == "save" and not str(args[1]).endswith((".dot", ".gv"))
        if name in ("draw_dot", "render_svg", "draw_step", "draw_steps") or renders:
            pytest.importorskip("graphviz")
        return getattr(module, name)(*args, **kwargs)

    return call


for where in ("trace", "dot_source", "draw_dot"):
    for bad in ("x", None, 3.0, [Value(1.0)]):
        row(f"{where}(root={short(bad)})", lambda where=where, bad=bad: viz(where)(bad),
            TypeError, where, "expected a Value as the root", type(bad).__name__)
for where in ("dot_source", "draw_dot"):
    for option, bad, error, words in [
        ("colour", "grad", TypeError, ("unknown option 'colour'", "did you mean 'color'?")),
        ("show_grad", False, TypeError, ("unknown option 'show_grad'", "'show_grads'")),
        ("format", "svg", TypeError, ("unknown option 'format'",))
        if where == "dot_source" else ("fmt", "svg", TypeError, ("unknown option 'fmt'",)),
        ("show_grads", "yes", TypeError, ("(show_grads): expected True or False",)),
        ("show_local_grads", 1, TypeError, ("(show_local_grads): expected True or False",)),
        ("collapse", "yes", TypeError, ("(collapse): expected True or False",)),
        ("color", "red", ValueError, ("color='red' is not allowed", "'grad', 'role' or None")),
        ("group", "neurons", ValueError, ("group='neurons' is not allowed",)),
        ("rankdir", "XY", ValueError, ("rankdir='XY' is not allowed", "'BT' or None")),
        ("rankdir", "lr", ValueError, ("rankdir='lr' is not allowed",)),
        ("highlight", 3, TypeError, ("highlight must be a Value, a label (str) or None",)),
        ("highlight", "y", ValueError, ("highlight='y': no value in the graph has that label",)),
        ("parameters", 3, TypeError, ("parameters must be an iterable of Values",)),
        ("parameters", [1.0], TypeError, ("parameters[0] is a float, not a Value",)),
        ("path_only", 3, TypeError, ("path_only must be a Value, a label (str) or None",)),
        ("path_only", "y", ValueError, ("path_only='y': no value in the graph has that label",)),
        ("path_only", True, ValueError, ("path_only=True", "no highlight is given")),
        ("names", "Article", ValueError, ("names='Article' is not allowed", "'article' or None")),
        ("names", True, ValueError, ("names=True is not allowed",)),
        ("step", -1, ValueError, ("(step): expected at least 0, got -1",)),
        ("step", True, TypeError, ("(step): expected an int, got bool True",)),
        ("step", "1", TypeError, ("(step): expected an int, got str '1'",)),
        ("step", 99, ValueError, ("step=99 is out of range", "between 0 and 3")),
    ]:
        row(f"{where}({option}={bad!r})",
            lambda where=where, option=option, bad=bad: viz(where)(graph(), **{option: bad}),
            error, where, *words)
    row(f"{where}(highlight=a Value of another graph)",
        lambda where=where: viz(where)(graph(), highlight=Value(1.0)), ValueError,
        "the highlight Value is not part of this root's graph")
    row(f"{where}(highlight= a label two nodes share)",
        lambda where=where: viz(where)(graph_with_two("a"), highlight="a"), ValueError,
        "2 values have that label", "pass the Value itself")
for bad in ("svgg", None, 3, "SVG"):
    row(f"draw_dot(format={bad!r})", lambda bad=bad: viz("draw_dot")(graph(), format=bad),
        ValueError, "draw_dot", "is not a Graphviz format", "svg, png, pdf")
for path, error, words in [
    ("graph", ValueError, ("has no suffix", "graph.svg")),
    ("graph.xyz", ValueError, ("unknown format 'xyz'",)),
    (None, TypeError, ("save: path must be a file name", "NoneType")),
    (3, TypeError, ("save: path must be a file name", "int")),
    ("nowhere/graph.dot", FileNotFoundError, ("nowhere/graph.dot",)),
]:
    row(f"viz.save(path={path!r})", lambda path=path: viz("save")(graph(), path), error, *words)
row("viz.save(root='x')", lambda: viz("save")("x", "g.dot"), TypeError,
    "expected a Value or a Digraph")
row("viz.save(digraph, options)", lambda: viz("save")(digraph(), "g.svg", show_grads=False),
    TypeError, "drawing options apply to a Value")
row("viz.save(root, colour=...)", lambda: viz("save")(graph(), "g.dot", colour="grad"), TypeError,
    "unknown option 'colour'")


def chain(n: int) -> Value:
    """``x + 1.0 + 1.0 ...``, n additions: 3n + 1 nodes drawn (each sum, its op, its constant)."""
    v = Value(1.0, label="x")
    for _ in range(n):
        v = v + 1.0
    return v


for where in ("draw_dot", "render_svg"):
    row(f"{where}(a graph of 21,001 nodes)", lambda where=where: viz(where)(chain(7000)),
        ValueError, f"{where}: this drawing would have 21,001 nodes", "at most 20,000",
        "collapse=True", "path_only=", "dot_source()")


def saved_nothing(call: Callable[[], object], path: str) -> None:
    try:
        call()
    finally:
        assert not __import__("os").path.exists(path), f"{path} was written"


row("viz.save(a graph of 21,001 nodes, 'g.svg')",
    lambda: saved_nothing(lambda: viz("save")(chain(7000), "g.svg"), "g.svg"), ValueError,
    "save: this drawing would have 21,001 nodes")
row("render_svg(3)", lambda: viz("render_svg")(3), TypeError, "render_svg",
    "expected a Value or a Digraph")

def set_renderer_and_put_back(render: object) -> None:
    from microprop.viz import set_svg_renderer

    before = set_svg_renderer(render)  # raises on bad input; put back if it ever did not
    set_svg_renderer(before)


for bad in (42, "viz", b"<svg/>"):
    row(f"set_svg_renderer({short(bad)})", lambda bad=bad: set_renderer_and_put_back(bad),
        TypeError, "set_svg_renderer: expected a function taking DOT text and returning SVG text",
        type(bad).__name__)


for bad in ("x", None, 1.0):
    row(f"explain(root={short(bad)})", lambda bad=bad: explain(bad, "x"), TypeError,
        "explain", "expected a Value as the root")
for bad, error, words in [
    (3, TypeError, ("value must be a Value or a label", "int")),
    (None, TypeError, ("value must be a Value or a label", "NoneType")),
    ("y", ValueError, ("value='y': no value in the graph has that label",)),
]:
    row(f"explain(value={bad!r})", lambda bad=bad: explain(graph(), bad), error, "explain", *words)
row("explain(value= a Value of another graph)", lambda: explain(graph(), Value(2.0)), ValueError,
    "the value Value is not part of this root's graph")
row("explain(value= a label two nodes share)", lambda: explain(graph_with_two("a"), "a"),
    ValueError, "2 values have that label")
for bad in (0, -1, 2.5, True, "5", None):
    row(f"explain(max_paths={bad!r})", lambda bad=bad: explain(graph(), "x", max_paths=bad),
        ValueError, "max_paths must be an int >= 1")


def doubled(n: int) -> tuple[Value, Value]:
    x = v = Value(1.0, label="x")
    for _ in range(n):
        v = v + v
    return v, x


row("explain(2**20 paths)", lambda: explain(*doubled(20)), ValueError,
    "1,048,576 paths", "more than max_paths=10,000")
for bad in ("x", None):
    row(f"backward_steps(root={bad!r})", lambda bad=bad: backward_steps(bad), TypeError,
        "backward_steps", "expected a Value as the root")
for bad in (1, "yes", None):
    row(f"backward_steps(accumulate={bad!r})",
        lambda bad=bad: backward_steps(graph(), accumulate=bad), TypeError,
        "backward_steps(accumulate): expected True or False")
for bad in (-1, 4, "1", 1.0):
    row(f"backward_steps(...).grads({bad!r})", lambda bad=bad: backward_steps(graph()).grads(bad),
        ValueError, "grads: k must be an int from 0 to 3")
for k, kwargs, error, words in [
    (-1, {}, ValueError, ("(step): expected at least 0, got -1",)),
    (4, {}, ValueError, ("step=4 is out of range",)),
    (1, {"format": "svgg"}, ValueError, ("is not a Graphviz format",)),
    (1, {"colour": "grad"}, TypeError, ("unknown option 'colour'",)),
]:
    row(f"draw_step(backward_steps(...), {k}, {kwargs})",
        lambda k=k, kwargs=kwargs: viz("draw_step")(backward_steps(graph()), k, **kwargs),
        error, "draw_step", *words)
for kwargs, error, words in [
    ({"format": "svgg"}, ValueError, ("is not a Graphviz format",)),
    ({"colour": "grad"}, TypeError, ("unknown option 'colour'",)),
]:
    row(f"draw_steps(backward_steps(...), {kwargs})",
        lambda kwargs=kwargs: list(viz("draw_steps")(backward_steps(graph()), **kwargs)),
        error, "draw_steps", *words)
for where in ("draw_step", "draw_steps"):
    for bad in (None, graph(), [1.0]):
        row(f"{where}(steps={short(bad)})",
            lambda where=where, bad=bad: viz(where)(bad, *([0] if where == "draw_step" else [])),
            TypeError, where, "steps must be what backward_steps(root) returns")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)
