"""Drawings: the DOT text (no Graphviz needed), its options and errors, and rendering to SVG."""

import builtins
import dataclasses
import errno
import importlib.util
import math
import os
import re
import shutil
import subprocess
import sys
import warnings

import pytest
from examples import readme_neuron
from readability import displayed_text_px

from microprop import Value
from microprop.nary import dot
from microprop.nn import MLP
from microprop.viz import dot_source, trace

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def neuron():
    """The README's neuron, a = tanh(w1*x1 + w2*x2 + b), after backward (z = 0.4)."""
    a, values = readme_neuron()
    a.backward()
    return a, values


def two_layer_net():
    """Two tanh neurons reading x, then one linear output neuron, labelled as microprop.nn does."""
    x = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    hidden = []
    for j, (ws, b) in enumerate([((0.1, 0.2), 0.3), ((-0.4, 0.5), -0.6)]):
        w = [Value(wk, label=f"layers.0.neurons.{j}.w.{k}") for k, wk in enumerate(ws)]
        hidden.append(dot(w, x, Value(b, label=f"layers.0.neurons.{j}.b")).tanh())
    v = [Value(0.7, label="layers.1.neurons.0.w.0"), Value(-0.8, label="layers.1.neurons.0.w.1")]
    s = dot(v, hidden)
    loss = (s - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss


def records(source):
    return re.findall(r"^\s*n\d+ \[label=", source, flags=re.M)


def edges(source):
    return re.findall(r"^\s*\w+ -> \w+", source, flags=re.M)


# ---- trace and the plain drawing ------------------------------------------------------------


def test_trace_lists_nodes_inputs_first_and_one_edge_per_input():
    x = Value(3.0, label="x")
    y = x * x
    nodes, edge_list = trace(y)
    assert nodes == [x, y]
    assert edge_list == [(x, y), (x, y)]  # x * x: two edges, as x gets two gradient terms


def test_every_value_gets_a_record_and_every_op_a_node():
    a, _ = neuron()
    source = dot_source(a)
    # 5 leaves and 5 results; 5 ops; 9 inputs into ops plus one edge from each op to its result
    assert len(records(source)) == 10
    assert len(re.findall(r"^\s*n\d+op \[", source, flags=re.M)) == 5
    assert len(edges(source)) == 14
    assert 'n9op [label="tanh" shape="ellipse"]' in source


def test_records_show_label_data_and_grad():
    a, _ = neuron()
    source = dot_source(a)
    # tanh'(0.4) = 0.8556, so x1.grad = w1 * 0.8556 = 0.6845 and w1.grad = x1 * 0.8556 = 1.2835
    assert 'label="{ x1 | data 1.5000 | grad 0.6845 }"' in source
    assert 'label="{ w1 | data 0.8000 | grad 1.2835 }"' in source
    assert 'label="{ a | data 0.3799 | grad 1.0000 }"' in source
    assert 'label="{ data 1.2000 | grad 0.8556 }"' in source  # w1*x1 has no label


def test_dot_source_is_the_same_for_two_separately_built_graphs():
    first, _ = neuron()
    second, _ = neuron()
    assert dot_source(first) == dot_source(second)
    assert dot_source(first, show_local_grads=True, color="grad", highlight="w2") == dot_source(
        second, show_local_grads=True, color="grad", highlight="w2"
    )


def test_node_names_come_from_the_topological_order():
    a, _ = neuron()
    names = re.findall(r"^\s*(n\d+) \[label=", dot_source(a), flags=re.M)
    assert names == [f"n{i}" for i in range(10)]


def test_x_times_x_draws_two_edges_each_with_its_local_derivative():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    source = dot_source(y, show_local_grads=True)
    assert source.count('n0 -> n1op [label=" 3.0000 "]') == 2


def test_record_special_characters_in_labels_are_escaped():
    v = Value(1.0, label='a{b}|<c>"d\\e')
    v.backward()
    source = dot_source(v)
    assert r'label="{ a\{b\}\|\<c\>\"d\\e | data 1.0000 | grad 1.0000 }"' in source


def test_numbers_too_small_or_large_for_four_decimals_use_scientific_notation():
    v = Value(1.5e-7) * 1e13
    v.backward()
    source = dot_source(v)
    assert "data 1.500e-07" in source
    assert "data 1.500e+06" in source


def test_top_to_bottom_layout_keeps_record_fields_side_by_side():
    a, _ = neuron()
    source = dot_source(a, rankdir="TB")
    assert 'rankdir="TB"' in source
    assert 'label="x1 | data 1.5000 | grad 0.6845"' in source  # no braces in TB


@pytest.mark.slow
def test_a_100000_node_chain_draws_without_recursion_error():
    x = Value(1.0, label="x")
    v = x
    for _ in range(99_999):
        v = v + 1.0
    v.backward()
    source = dot_source(v)
    assert len(records(source)) == 100_000
    assert len(edges(source)) == 3 * 99_999  # into each op: its input and the constant 1.0
    assert "data 100000.0000" in source


# ---- before backward ------------------------------------------------------------------------


def test_drawing_before_backward_warns_and_puts_a_note_in_the_drawing():
    x = Value(2.0, label="x")
    y = x * 3.0
    with pytest.warns(UserWarning, match=r"backward\(\)"):
        source = dot_source(y)
    assert "NOTE: root.grad is 0" in source


def test_the_warning_points_at_the_line_that_drew():
    pytest.importorskip("graphviz")
    from microprop.viz import draw_dot

    y = Value(2.0) * 3.0
    for draw in (dot_source, draw_dot):
        with pytest.warns(UserWarning) as record:
            draw(y)
        assert record[0].filename == __file__


def test_saving_or_rendering_before_backward_warns_at_the_line_that_saved(tmp_path):
    from microprop.viz import save

    y = Value(2.0) * 3.0
    with pytest.warns(UserWarning, match=r"backward\(\)") as record:
        save(y, tmp_path / "y.dot")
    assert record[0].filename == __file__
    assert "NOTE: root.grad is 0" in (tmp_path / "y.dot").read_text()
    if shutil.which("dot") and importlib.util.find_spec("graphviz"):
        from microprop.viz import render_svg

        with pytest.warns(UserWarning, match=r"backward\(\)") as record:
            render_svg(y)
        assert record[0].filename == __file__


def test_a_forward_only_drawing_neither_warns_nor_shows_grads():
    x = Value(2.0, label="x")
    y = x * 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        source = dot_source(y, show_grads=False)
    assert "grad" not in source
    assert 'label="{ x | data 2.0000 }"' in source


# ---- options ------------------------------------------------------------------------------------


def test_local_gradients_label_edges_and_the_caption_says_what_they_are():
    a, _ = neuron()
    source = dot_source(a, show_local_grads=True)
    assert re.search(r'-> n9op \[label=" 0.8556 "\]', source)  # tanh'(0.4)
    assert 'n0 -> n2op [label=" 1.5000 "]' in source  # d(w1*x1)/dw1 = x1
    assert "local derivative d(result)/d(input)" in source
    assert 'label=" ' not in dot_source(a)  # no edge labels unless asked


def test_grad_colours_show_the_sign_and_the_largest_magnitude_at_full_strength():
    a, v = neuron()
    source = dot_source(a, color="grad")
    # w1's grad 1.2835 is the largest: full green; x2's -1.0268 is purple.
    assert re.search(r'\{ w1 \| [^"]*" style="filled" fillcolor="#5aae61"', source)
    x2 = re.search(r'\{ x2 \| [^"]*" style="filled" fillcolor="(#\w+)"', source)
    assert x2 is not None
    r, g, b = (int(x2.group(1)[i : i + 2], 16) for i in (1, 3, 5))
    assert r > g  # purple, not green
    assert "green = positive grad" in source


def test_grad_colours_mark_a_nan_grad_yellow_and_a_zero_grad_white():
    a, b, c = Value(2.0, label="a"), Value(math.nan, label="b"), Value(-1.0, label="c")
    y = a * b + c.relu()  # a.grad = b = nan; c.grad = 0 (relu switched off)
    y.backward()
    source = dot_source(y, color="grad")
    assert '{ a | data 2.0000 | grad nan }" style="filled" fillcolor="#fff2a8"' in source
    assert '{ b | data nan | grad 2.0000 }" style="filled" fillcolor="#5aae61"' in source
    assert '{ c | data -1.0000 | grad 0.0000 }" style="filled" fillcolor="#ffffff"' in source


def test_role_colours_tell_inputs_parameters_and_the_loss_apart():
    loss = two_layer_net()
    source = dot_source(loss, color="role")
    assert re.search(r'\{ x0 \| [^"]*" style="filled" fillcolor="#dbe9f6"', source)
    assert re.search(r'layers.0.neurons.1.b \| [^"]*" style="filled" fillcolor="#d9f0d3"', source)
    assert re.search(r'\{ loss \| [^"]*" style="filled" fillcolor="#fdd9b5"', source)


def test_parameters_can_be_named_explicitly():
    a, v = neuron()
    source = dot_source(a, color="role", parameters=[v["w1"], v["w2"], v["b"]])
    assert re.search(r'\{ w1 \| [^"]*" style="filled" fillcolor="#d9f0d3"', source)
    assert re.search(r'\{ x1 \| [^"]*" style="filled" fillcolor="#dbe9f6"', source)


def test_group_by_neuron_draws_one_cluster_per_neuron_with_its_parameters():
    loss = two_layer_net()
    source = dot_source(loss, group="neuron")
    clusters = re.findall(r'subgraph cluster_\d+ \{\n\t\tlabel="([^"]+)"', source)
    assert clusters == ["layers.0.neurons.0", "layers.0.neurons.1", "layers.1.neurons.0"]
    first = source.split("subgraph cluster_0 {")[1].split("}\n", 1)[0]
    # its 3 parameters, its dot node and the tanh after it (with their op nodes)
    assert len(records(first)) == 5
    assert "layers.0.neurons.0.w.1" in first and '"tanh"' in first and '"dot"' in first
    assert "x0" not in first  # inputs stay outside


def test_group_by_layer_draws_one_cluster_per_layer():
    loss = two_layer_net()
    source = dot_source(loss, group="layer")
    clusters = re.findall(r'subgraph cluster_\d+ \{\n\t\tlabel="([^"]+)"', source)
    assert clusters == ["layers.0", "layers.1"]


def test_collapse_draws_each_neuron_as_one_node():
    loss = two_layer_net()
    source = dot_source(loss, collapse=True)
    assert len(re.findall(r"layers\.\d\.neurons\.\d \| ", source)) == 3
    assert "layers.0.neurons.0.w.0" not in source  # parameters are inside their neuron
    # x0, x1, 3 neurons, (s - 1) and its square: 7 nodes; x -> 2 neurons (4 edges),
    # 2 hidden -> output (2), output -> op, op -> result twice, result -> op, and the constants
    # 1 and 2 into their ops: 12 edges
    assert len(records(source)) == 7
    assert len(edges(source)) == 12
    assert "| tanh | " in source and "| linear | " in source


def test_a_parameter_also_used_outside_its_neuron_stays_visible_when_collapsed():
    w = Value(0.5, label="layers.0.neurons.0.w.0")
    x = Value(2.0, label="x")
    y = dot([w], [x]).tanh() + w * w  # an L2-like term uses w outside the neuron
    y.backward()
    source = dot_source(y, collapse=True)
    assert "layers.0.neurons.0.w.0 | data" in source


def test_a_collapsed_neuron_reading_one_input_twice_has_one_arrow_from_it():
    w0, w1 = Value(0.5, label="layers.0.neurons.0.w.0"), Value(0.25, label="layers.0.neurons.0.w.1")
    x = Value(2.0, label="x")
    y = dot([w0, w1], [x, x]).tanh()
    y.backward()
    source = dot_source(y, collapse=True, show_grads=False)
    assert [e.strip() for e in edges(source)] == ["n1 -> n3"]
    assert '"{ layers.0.neurons.0 | tanh | data 0.9051 }"' in source  # no grad field


def test_a_dot_mixing_two_neurons_parameters_is_not_collapsed_into_either():
    x = Value(2.0, label="x")
    u0, u1 = Value(0.5, label="layers.0.neurons.0.w.0"), Value(0.25, label="layers.0.neurons.1.w.0")
    m = dot([u0, u1], [x, x])
    m.backward()
    with pytest.warns(UserWarning, match="found no neuron"):
        source = dot_source(m, collapse=True)
    assert "layers.0.neurons.0.w.0 | data" in source and "layers.0.neurons.1.w.0 | data" in source


def test_grouping_a_graph_without_neurons_warns():
    a, _ = neuron()
    with pytest.warns(UserWarning, match="found no neuron"):
        dot_source(a, group="neuron")


def test_highlight_marks_every_path_from_the_root_to_the_value():
    x = Value(3.0, label="x")
    y = Value(2.0, label="y")
    out = x * x + y
    out.label = "out"
    out.backward()
    source = dot_source(out, highlight="x")
    red = re.findall(r'^\s*(\w+ -> \w+) \[color="#d62728"', source, flags=re.M)
    # x -> * twice (x * x), * -> x*x, x*x -> +, + -> out
    assert red == ["n0 -> n1op", "n0 -> n1op", "n1op -> n1", "n1 -> n3op", "n3op -> n3"]
    assert re.search(r'n2 -> n3op \[color="#b0b0b0"\]', source)  # y is off the path
    assert re.search(r'\{ x \| [^"]*" color="#d62728" penwidth="3"', source)
    assert dot_source(out, highlight=x) == source


def test_highlight_works_on_a_collapsed_network():
    loss = two_layer_net()
    source = dot_source(loss, collapse=True, highlight="layers.0.neurons.1.w.0")
    on_path = re.findall(r'(layers\.\d\.neurons\.\d) \|[^"]*" color="#d62728"', source)
    assert on_path == ["layers.0.neurons.1", "layers.1.neurons.0"]


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"color": "red"}, ValueError, ["color='red'", "'grad', 'role' or None"]),
        ({"group": "neurons"}, ValueError, ["group='neurons'", "'neuron', 'layer' or None"]),
        ({"rankdir": "lr"}, ValueError, ["rankdir='lr'", "'LR', 'TB', 'RL', 'BT' or None"]),
        ({"show_local_grads": "yes"}, TypeError, ["show_local_grads", "True or False"]),
        ({"show_grads": 1}, TypeError, ["show_grads", "True or False"]),
        ({"collapse": 1}, TypeError, ["collapse", "True or False"]),
        ({"highlight": 3.0}, TypeError, ["highlight", "Value, a label"]),
        ({"highlight": "nobody"}, ValueError, ["highlight='nobody'", "no value"]),
        ({"parameters": "w1"}, TypeError, ["parameters", "iterable of Values"]),
        ({"parameters": [1.0]}, TypeError, ["parameters[0]", "not a Value"]),
        ({"step": -1}, ValueError, ["step", "expected at least 0"]),
        ({"step": 99}, ValueError, ["step=99", "between 0 and 5"]),
        ({"colour": "grad"}, TypeError, ["unknown option 'colour'", "did you mean 'color'"]),
    ],
)
def test_every_bad_option_is_named_with_what_it_allows(options, error, words):
    a, _ = neuron()
    with pytest.raises(error) as info:
        dot_source(a, **options)
    for word in words:
        assert word in str(info.value)


def test_a_highlight_label_used_twice_is_ambiguous():
    x = Value(1.0, label="x")
    y = Value(2.0, label="x")
    z = x + y
    z.backward()
    with pytest.raises(ValueError, match="2 values have that label"):
        dot_source(z, highlight="x")


def test_a_highlight_value_from_another_graph_is_refused():
    a, _ = neuron()
    with pytest.raises(ValueError, match="not part of this root's graph"):
        dot_source(a, highlight=Value(1.0))


def test_the_root_must_be_a_value():
    with pytest.raises(TypeError, match="expected a Value as the root, got float"):
        dot_source(1.0)


def test_a_backward_step_shows_the_gradients_at_that_moment():
    a, v = neuron()
    source = dot_source(a, step=1)  # tanh has passed 0.8556 to z; nothing else has moved
    assert "{ z | data 0.4000 | grad 0.8556 }" in source
    assert "{ w1 | data 0.8000 | grad 0.0000 }" in source
    assert "backward step 1 of 5: a passes its grad 1.0000" in source
    assert v["w1"].grad == pytest.approx(1.2835, abs=1e-4)  # the real gradients are untouched


def test_every_option_in_the_table_is_documented_and_taken_by_both_drawing_functions():
    pytest.importorskip("graphviz")
    import inspect

    from microprop import viz
    from microprop.drawing_options import OPTIONS, Options

    a, _ = neuron()
    fields = [f.name for f in dataclasses.fields(Options)]
    assert fields == [option.name for option in OPTIONS]  # one field per row, same order
    for option in OPTIONS:
        for function in (viz.dot_source, viz.draw_dot):
            assert f"``{option.name}={option.default!r}``: {option.doc[:30]}" in function.__doc__
        given = {option.name: option.default}
        assert viz.draw_dot(a, **given).source == dot_source(a, **given) == dot_source(a)
    rankdir = next(option for option in OPTIONS if option.name == "rankdir")
    assert inspect.signature(viz.draw_dot).parameters["rankdir"].default == rankdir.default


# A value other than the default for each drawing option; an option missing here fails the test.
OTHER_THAN_DEFAULT = {
    "show_grads": False,
    "show_local_grads": True,
    "color": "grad",
    "group": "neuron",
    "collapse": True,
    "highlight": "x0",
    "parameters": [],
    "rankdir": "TB",
    "path_only": "x0",
    "names": "article",
    "step": 2,
}


def test_every_option_changes_the_drawing():
    from microprop.drawing_options import OPTION_NAMES

    assert sorted(OTHER_THAN_DEFAULT) == sorted(OPTION_NAMES)
    loss = two_layer_net()
    plain = dot_source(loss, color="role")  # so that which values are parameters shows
    for name, value in OTHER_THAN_DEFAULT.items():
        assert dot_source(loss, **{"color": "role", name: value}) != plain, name


# ---- graphviz ---------------------------------------------------------------------------------


def test_draw_dot_carries_exactly_the_dot_source():
    graphviz = pytest.importorskip("graphviz")
    from microprop.viz import draw_dot

    a, _ = neuron()
    g = draw_dot(a, show_local_grads=True, rankdir="TB")
    assert isinstance(g, graphviz.Digraph)
    assert g.format == "svg"
    assert g.source == dot_source(a, show_local_grads=True, rankdir="TB")


def test_draw_dot_rejects_an_unknown_format():
    pytest.importorskip("graphviz")
    from microprop.viz import draw_dot

    a, _ = neuron()
    with pytest.raises(ValueError, match="format='svgz2' is not a Graphviz format"):
        draw_dot(a, format="svgz2")


def test_without_the_graphviz_package_the_error_names_the_viz_extra(monkeypatch, tmp_path):
    from microprop.viz import draw_dot, save

    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    a, _ = neuron()
    from microprop._checks import install_hint

    with pytest.raises(ImportError, match=re.escape(install_hint("viz"))):
        draw_dot(a)
    assert dot_source(a)  # the text needs nothing
    save(a, tmp_path / "a.gv")
    assert (tmp_path / "a.gv").read_text() == dot_source(a)


def test_without_the_dot_program_rendering_names_the_system_package(monkeypatch, tmp_path):
    pytest.importorskip("graphviz")
    from microprop.viz import DotNotFoundError, draw_dot, render_svg, save

    a, _ = neuron()
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no `dot` anywhere
    g = draw_dot(a)  # building the drawing does not need `dot`
    import graphviz

    plain = graphviz.Digraph()  # not made by draw_dot
    for render in (
        lambda: g.pipe(),
        lambda: render_svg(g),
        lambda: save(a, tmp_path / "a.png"),
        lambda: g.render(directory=tmp_path),
        lambda: render_svg(plain),
    ):
        with pytest.raises(DotNotFoundError, match="apt-get install graphviz"):
            render()
    save(a, tmp_path / "a.dot")  # DOT text needs no program
    assert (tmp_path / "a.dot").read_text() == dot_source(a)


def test_save_needs_a_known_suffix(tmp_path):
    pytest.importorskip("graphviz")
    from microprop.viz import save

    a, _ = neuron()
    with pytest.raises(ValueError, match="has no suffix"):
        save(a, tmp_path / "graph")
    with pytest.raises(ValueError, match="unknown format 'xyz'"):
        save(a, tmp_path / "graph.xyz")


@needs_dot
def test_rendering_to_svg_shows_labels_and_the_highlighted_path(tmp_path):
    pytest.importorskip("graphviz")
    from microprop.viz import draw_dot, render_svg, save

    a, _ = neuron()
    svg = render_svg(a, show_local_grads=True, highlight="w2")
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    for text in ("x1", "data 1.5000", "grad 0.6845", "tanh", "0.8556"):
        assert text in svg
    assert 'stroke="#d62728"' in svg
    path = save(draw_dot(a), tmp_path / "neuron.svg")
    assert "grad 1.2835" in (tmp_path / "neuron.svg").read_text()
    assert path.endswith("neuron.svg")


@needs_dot
def test_a_collapsed_network_renders():
    pytest.importorskip("graphviz")
    from microprop.viz import render_svg

    svg = render_svg(two_layer_net(), collapse=True, group="layer", color="grad")
    assert "layers.0.neurons.1" in svg and "layers.1" in svg


def test_importing_microprop_loads_neither_graphviz_nor_matplotlib():
    code = (
        "import sys, microprop, microprop.viz, microprop.explain, microprop.plot\n"
        "print(sorted(m for m in ('graphviz', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_readme_picture_is_this_neuron_and_is_committed():
    import importlib.util
    import pathlib

    docs = pathlib.Path(__file__).resolve().parents[2] / "docs"
    spec = importlib.util.spec_from_file_location("make_graph", docs / "make_graph.py")
    make_graph = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_graph)
    a, _ = make_graph.neuron()
    assert dot_source(a) == dot_source(neuron()[0])
    svg = (docs / "graph.svg").read_text()
    for text in ("grad 1.2835", "grad 0.6845", "tanh", "0.8556", "local derivative"):
        assert text in svg
    assert displayed_text_px(svg) >= 9.0  # 14.0 px: it is narrower than a notebook cell


# ---- readable where shown ----------------------------------------------------------------------


def rendered(source):
    return subprocess.run(
        ["dot", "-Tsvg"], input=source, capture_output=True, text=True, check=True
    ).stdout


def article_cost(backward=True):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "golden"))
    from make import _article

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _article(backward)


@needs_dot
def test_the_article_networks_full_graph_is_readable_in_a_notebook_cell():
    pytest.importorskip("graphviz")
    from microprop.viz import draw_dot

    # notebook 01's call: 33 values, drawn top to bottom, a layer below the one before it
    graph = draw_dot(article_cost(backward=False), show_grads=False, group="layer")
    assert 'rankdir="TB"' in graph.source
    svg = rendered(graph.source)
    assert displayed_text_px(svg) >= 9.0  # 5.2 px before, left to right and 1,924 pt wide


@needs_dot
def test_inputs_and_neurons_are_drawn_in_their_natural_order():
    pytest.importorskip("graphviz")
    from microprop.viz import draw_dot

    svg = rendered(draw_dot(article_cost(backward=False), show_grads=False, group="layer").source)
    texts = re.findall(r'<text text-anchor="middle" x="([\d.-]+)"[^>]*>([^<]+)<', svg)
    at = {text: float(x) for x, text in texts}
    assert at["x_1"] < at["x_2"] < at["x_3"] < at["x_4"]  # not x_1, x_3, x_4, x_2
    assert at["z^(2)_1"] < at["z^(2)_2"] and at["z^(3)_1"] < at["z^(3)_2"]


@needs_dot
def test_a_highlighted_path_in_a_big_graph_is_drawn_alone_and_readable():
    pytest.importorskip("graphviz")
    from microprop.viz import draw_dot

    # notebook 02's call: the paths to one weight, the other values folded
    graph = draw_dot(article_cost(), highlight="layers.1.neurons.1.w.1", show_local_grads=True)
    assert "path_only: 13 of 33 values" in graph.source
    assert displayed_text_px(rendered(graph.source)) >= 9.0  # 3.2 px before, 2,791 pt wide
    full = draw_dot(article_cost(), highlight="layers.1.neurons.1.w.1", path_only=False)
    assert len(records(full.source)) == 33


@pytest.mark.slow  # the command line in a subprocess, as mutation testing leaves out
@needs_dot
def test_the_command_lines_model_svg_is_readable_in_a_notebook_cell(tmp_path):
    pytest.importorskip("graphviz")
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path.parent)}
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = str(root)
    subprocess.run(
        [sys.executable, "-m", "microprop", "train", "--no-progress"],
        cwd=tmp_path, env=env, capture_output=True, check=True,
    )
    svg = (tmp_path / "model.svg").read_text()
    assert displayed_text_px(svg) >= 9.0  # 3.5 px before: 2,897 pt wide


def test_a_small_graph_stays_left_to_right_and_a_big_one_goes_top_to_bottom():
    a, _ = neuron()
    assert 'rankdir="LR"' in dot_source(a)  # 10 values
    x = Value(1.0, label="x")
    v = x
    for _ in range(30):
        v = v * 1.5
    v.backward()
    assert 'rankdir="TB"' in dot_source(v)  # 31 values
    assert 'rankdir="LR"' in dot_source(v, rankdir="LR")


def test_path_only_draws_the_paths_to_a_value_and_the_inputs_of_their_ops():
    loss = two_layer_net()
    source = dot_source(loss, path_only="layers.1.neurons.0.w.1")
    # loss <- (s - 1) <- s = dot(v, hidden): s's five inputs, then s - 1 and loss: 7 of 17
    assert len(records(source)) == 7
    assert "path_only: 7 of 17 values" in source
    assert "layers.0.neurons.0.w.0" not in source  # behind a hidden neuron's output: folded
    assert 'style="dashed"' in source  # the two tanh outputs fold what they are made from


def test_without_the_dot_program_a_notebook_shows_the_dot_text_and_a_note(monkeypatch, tmp_path):
    pytest.importorskip("graphviz")
    from microprop.viz import draw_dot

    a, _ = neuron()
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no `dot` anywhere
    bundle = draw_dot(a)._repr_mimebundle_()
    assert "dot program is not installed" in bundle["text/plain"]
    assert "digraph microprop" in bundle["text/plain"]
    assert "&quot;{ x1 | data 1.5000 | grad 0.6845 }&quot;" in bundle["text/html"]


def test_where_no_program_can_start_every_drawing_falls_back_as_without_dot(monkeypatch, tmp_path):
    # Pyodide (sys.platform "emscripten") starts no process: subprocess raises OSError 138
    # there. Every drawing call then behaves as without `dot`, and says why.
    pytest.importorskip("graphviz")
    from microprop import render
    from microprop.stepper import Stepper
    from microprop.viz import DotNotFoundError, draw_dot, render_svg, save

    monkeypatch.setattr(render, "_NO_PROCESSES", True)
    monkeypatch.setattr(render.sys, "platform", "emscripten")
    a, _ = neuron()
    for call in (lambda: render_svg(a), lambda: draw_dot(a).pipe(),
                 lambda: save(a, tmp_path / "a.svg"), lambda: draw_dot(a).render(tmp_path / "b")):
        with pytest.raises(DotNotFoundError, match=r"could not be started here \(sys.platform "
                                                   r"is 'emscripten'\).*@viz-js/viz"):
            call()
    bundle = draw_dot(a)._repr_mimebundle_()
    assert "cannot be started by this Python" in bundle["text/plain"]
    assert "digraph microprop" in bundle["text/plain"]
    stepper = Stepper(a)
    assert stepper.svg(1).startswith("<p>Graphviz's dot program is not installed, or cannot be")
    stepper.save_html(tmp_path / "a.html")  # the page steps through the DOT text
    assert "<pre>digraph microprop" in (tmp_path / "a.html").read_text(encoding="utf-8")


@pytest.fixture
def svg_renderer():
    """A renderer standing in for @viz-js/viz: it records the DOT text and draws a box."""
    from microprop.viz import set_svg_renderer

    seen = []

    def render(dot):
        seen.append(dot)
        return ("<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'>"
                f"<!-- {len(dot)} --></svg>")

    before = set_svg_renderer(render)
    yield seen
    assert set_svg_renderer(before) is render


def test_a_renderer_set_draws_every_svg_where_no_program_can_start(
        monkeypatch, tmp_path, svg_renderer):
    # In the browser site, Graphviz compiled to WebAssembly draws what dot would have drawn.
    pytest.importorskip("graphviz")
    from microprop import render
    from microprop.stepper import Stepper
    from microprop.viz import DotNotFoundError, dot_source, draw_dot, render_svg, save

    monkeypatch.setattr(render, "_NO_PROCESSES", True)
    a, _ = neuron()
    source = dot_source(a)
    assert render_svg(a).startswith("<?xml version='1.0'?>\n<svg")
    assert draw_dot(a).pipe().startswith(b"<?xml")  # bytes, as graphviz's own pipe gives
    assert draw_dot(a).pipe(format="svg", encoding="utf-8").endswith("</svg>")
    assert list(draw_dot(a)._repr_mimebundle_()) == ["image/svg+xml"]
    save(a, tmp_path / "a.svg")
    assert (tmp_path / "a.svg").read_text().endswith(f"<!-- {len(source)} --></svg>")
    assert Stepper(a).svg(1).startswith("<svg")  # the prolog dropped, for inside a page
    assert svg_renderer[0] == source  # exactly the DOT text of dot_source
    assert len(svg_renderer) == 6
    # Other formats still need the dot program, and say so.
    with pytest.raises(DotNotFoundError, match="could not be started here"):
        save(a, tmp_path / "a.png")
    with pytest.raises(DotNotFoundError, match="could not be started here"):
        draw_dot(a, format="png").pipe()


@pytest.mark.parametrize(("renderer", "message"), [
    (42, "set_svg_renderer: expected a function taking DOT text and returning SVG text, or "
         "None, got int"),
    ("viz", "set_svg_renderer: expected a function taking DOT text and returning SVG text, or "
            "None, got str"),
])
def test_set_svg_renderer_refuses_what_cannot_be_called(renderer, message):
    from microprop.viz import set_svg_renderer

    with pytest.raises(TypeError) as raised:
        set_svg_renderer(renderer)
    assert str(raised.value) == message
    assert set_svg_renderer(None) is None  # and nothing was set


@pytest.mark.parametrize("answer", [None, b"<svg/>", "<png>", 3.5])
def test_a_renderer_that_does_not_answer_svg_text_is_named(answer):
    pytest.importorskip("graphviz")
    from microprop.viz import render_svg, set_svg_renderer

    set_svg_renderer(lambda dot: answer)
    try:
        with pytest.raises(TypeError, match=r"^the renderer given to set_svg_renderer must "
                                            r"return SVG text \(a str holding '<svg'\), got "
                                            + type(answer).__name__):
            render_svg(neuron()[0])
    finally:
        set_svg_renderer(None)


@pytest.mark.parametrize(
    ("code", "becomes"), [(errno.ENOSYS, "DotNotFoundError"), (errno.ENOTSUP, "DotNotFoundError"),
                          (errno.EACCES, "PermissionError"), (errno.ENOSPC, "OSError")])
def test_an_error_starting_dot_is_no_dot_only_when_processes_are_not_supported(
        monkeypatch, code, becomes):
    graphviz = pytest.importorskip("graphviz")
    from microprop.viz import DotNotFoundError, draw_dot

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(subprocess, "Popen", refuse)
    a, _ = neuron()
    expected = DotNotFoundError if becomes == "DotNotFoundError" else getattr(builtins, becomes)
    with pytest.raises(expected) as raised:
        draw_dot(a).pipe()
    assert type(raised.value).__name__.lstrip("_") in (becomes, "DotCannotStart")
    assert not isinstance(raised.value, graphviz.ExecutableNotFound)


def test_drawing_thousands_of_nodes_warns_before_dot_is_asked_and_suggests_collapse():
    pytest.importorskip("graphviz")
    from microprop.viz import draw_dot

    v = Value(1.0, label="x")
    for _ in range(1500):
        v = v + 1.0
    v.backward()
    # 1,501 values, 1,500 op nodes and 1,500 constants (the 1.0s)
    with pytest.warns(UserWarning, match=r"this drawing has 4501 nodes.*collapse=True") as record:
        draw_dot(v)
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dot_source(v)  # the text alone asks nothing of dot


# ---- constants --------------------------------------------------------------------------------


def test_constants_are_drawn_as_small_nodes_into_their_op():
    x = Value(3.0, label="x")
    y = (x * 2 - 1.5) ** 2  # (6 - 1.5)^2 = 20.25
    y.backward()
    source = dot_source(y)
    assert 'n1c [label="2" shape="plaintext"]' in source  # the 2 in x * 2
    assert 'n2c [label="1.5" shape="plaintext"]' in source  # the 1.5 in ... - 1.5
    assert 'n3c [label="2" shape="plaintext"]' in source  # the power 2
    assert "n1c -> n1op" in source and "n3c -> n3op" in source


def test_a_constant_on_the_left_is_drawn_before_the_value_it_meets():
    x = Value(4.0, label="x")
    y = 1 / x  # recorded as "/" with one input
    y.backward()
    source = dot_source(y)
    assert 'n1c [label="1" shape="plaintext"]' in source
    assert source.index("n1c -> n1op") < source.index("n0 -> n1op")


def test_an_op_with_no_constant_draws_none():
    x = Value(3.0, label="x")
    y = x * x + x
    y.backward()
    assert "plaintext" not in dot_source(y)


def test_the_articles_cost_shows_the_label_y_it_subtracts():
    source = dot_source(article_cost())
    # s - y with y = 1.0 for Iris row 100 (versicolor as 1 in the article's labelling)
    assert 'n31c [label="1" shape="plaintext"]' in source and "n31c -> n31op" in source


def test_a_network_of_more_than_150_values_is_drawn_collapsed_unless_told_otherwise():
    from microprop.nn import MLP

    model = MLP(3, [10, 10, 1], seed=0)  # 4*10 + 11*10 + 11 = 161 parameters
    y = model([Value(0.5, label="x0"), Value(-1.0, label="x1"), Value(2.0, label="x2")])
    y.backward()
    source = dot_source(y)
    assert len(records(source)) == 3 + 21  # the inputs and the 21 neurons
    assert "layers.0.neurons.9 | " in source and "layers.0.neurons.9.w.0" not in source
    assert "layers.0.neurons.9.w.0" in dot_source(y, collapse=False)


def test_a_three_output_network_with_cross_entropy_draws_collapsed_in_order():
    from microprop.losses import cross_entropy

    model = MLP(4, [8, 3], seed=0)
    s = model([0.1, 0.2, 0.3, 0.4])
    cost = cross_entropy(s, 2)
    cost.backward()
    source = dot_source(cost, collapse=True, rankdir="TB")
    assert 'ordering="in"' in source  # neurons 0..7 left to right, as numbered
    assert source.count('label="logsumexp" shape="ellipse"') == 1  # one node for all 3 logits
    assert source.count("-> n") == 8 * 3 + 3 + 1 + 2 + 1  # layer to layer, logits, -, result
    # top to bottom, a collapsed neuron's fields stack, so 8 of them fit in a notebook cell
    assert "{ layers.0.neurons.7 | relu | data " in source
    names = re.findall(r"layers\.1\.neurons\.(\d)", source)
    assert names == ["0", "1", "2"]


def test_drawing_a_models_list_of_outputs_says_to_pick_one_or_the_loss():
    s = MLP(2, [3], seed=0)([1.0, 2.0])
    with pytest.raises(TypeError, match=r"got a list of 3 Values .* such as out\[0\], or the loss"):
        dot_source(s)
