"""Stepping through backward(): the state machine read as plain data, then the widget and the page.

The neuron is the README's: a = tanh(z), z = w1*x1 + w2*x2 + b = 0.4, so tanh'(z) = 0.8556 and
w1.grad = x1 * 0.8556 = 1.5 * 0.8556 = 1.2835. Backward on it takes 5 steps.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from examples import readme_neuron

from microprop import Value
from microprop.stepper import Frame, Stepper, _restyling, to_html, widget


def test_the_stepper_starts_at_step_0_with_only_the_root_seeded():
    a, _ = readme_neuron()
    frame = Stepper(a).frame()
    assert frame == Frame(0, 5, "a starts backward: its grad is set to 1", ("grad(a) = 1.0000",),
                          None)
    assert frame.counter == "step 0 of 5"


def test_each_step_writes_grad_input_plus_equals_local_times_grad_with_numbers():
    a, _ = readme_neuron()
    stepper = Stepper(a)
    assert stepper.go(1).lines == ("grad(z) += 0.8556 × 1.0000: 0.0000 → 0.8556",)
    last = stepper.go(5)
    assert last.title == "#2 (*) passes its grad 0.8556 to its 2 inputs"
    assert last.lines == (
        "grad(w1) += 1.5000 × 0.8556: 0.0000 → 1.2835",  # local of w1 in w1 * x1 is x1
        "grad(x1) += 0.8000 × 0.8556: 0.0000 → 0.6845",
    )
    assert last.current == "#2 (*)"


def test_a_labelled_node_is_named_with_its_op_in_the_title():
    a, _ = readme_neuron()
    assert Stepper(a).go(1).title == "a (tanh) passes its grad 1.0000 to its input"
    assert Stepper(a).go(2).title == "z (+) passes its grad 0.8556 to its 2 inputs"


def test_next_and_previous_move_one_step_and_stop_at_either_end():
    a, _ = readme_neuron()
    stepper = Stepper(a)
    assert stepper.previous().k == 0  # nothing before step 0
    assert [stepper.next().k for _ in range(7)] == [1, 2, 3, 4, 5, 5, 5]
    assert stepper.previous().current == "#5 (*)"  # step 4: w2 * x2 passes 0.8556 on
    assert stepper.k == 4


def test_the_highlighted_node_is_the_one_that_just_passed_its_grad():
    a, _ = readme_neuron()
    stepper = Stepper(a)
    assert [stepper.frame(k).current for k in range(6)] == [
        None, "a", "z", "#6 (+)", "#5 (*)", "#2 (*)"]


def test_stepping_touches_no_grad():
    a, v = readme_neuron()
    stepper = Stepper(a)
    stepper.go(5)
    assert v["w1"].grad == 0.0 and a.grad == 0.0


def test_a_leaf_as_root_has_no_steps_and_only_its_seed():
    x = Value(2.0, label="x")
    stepper = Stepper(x)
    assert len(stepper) == 0
    assert stepper.next() == Frame(0, 0, "x starts backward: its grad is set to 1",
                                   ("grad(x) = 1.0000",), None)


def test_the_repr_says_where_the_stepper_is():
    a, _ = readme_neuron()
    stepper = Stepper(a)
    stepper.go(2)
    assert repr(stepper) == "<Stepper: step 2 of 5 of backward() on a>"


def test_the_drawing_of_a_step_marks_its_node_in_orange():
    pytest.importorskip("graphviz")
    a, _ = readme_neuron()
    stepper = Stepper(a, show_local_grads=True)
    svg = stepper.svg(2)
    assert svg.startswith("<svg") or svg.startswith("<p>")  # no XML prolog, or no dot program
    if svg.startswith("<svg"):
        assert "#ff7f0e" in svg and "grad 0.8556" in svg
    assert stepper.svg(2) is svg  # drawn once, then kept


# ---- the widget --------------------------------------------------------------------------------


def test_the_widget_moves_the_stepper_with_its_slider_and_buttons():
    pytest.importorskip("ipywidgets")
    pytest.importorskip("graphviz")
    a, _ = readme_neuron()
    box = widget(a)
    controls, (drawing, text) = box.children[0].children, box.children[1].children
    previous, slider, following, counter = controls
    assert (slider.min, slider.max, counter.value) == (0, 5, "<b style='font-size:1.3em'>step 0 "
                                                       "of 5</b>")
    assert previous.disabled and not following.disabled
    following.click()
    following.click()
    assert slider.value == 2 and box.stepper.k == 2
    assert "grad(#6 (+)) += 1.0000 × 0.8556" in text.value
    if "<svg" in drawing.value:  # at its own size in pt (11 pt text), in a box that scrolls
        assert drawing.value.startswith("<svg style='max-width:none' width=")
        assert 'pt" height="' in drawing.value[:80] and "grad 0.8556" in drawing.value
        assert (drawing.layout.overflow, drawing.layout.max_height) == ("auto", "70vh")
    slider.value = 5
    assert following.disabled and "grad(w1) += 1.5000 × 0.8556" in text.value
    previous.click()
    assert box.stepper.frame().current == "#5 (*)"


def test_the_widget_without_ipywidgets_names_what_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def without_widgets(name, *args, **kwargs):
        if name == "ipywidgets":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_widgets)
    a, _ = readme_neuron()
    with pytest.raises(ImportError, match=r"\[notebooks\]"):
        Stepper(a).widget()


# ---- the page ----------------------------------------------------------------------------------


def steps_data(page: str) -> list[dict]:
    """What the page keeps for each position: the node marked, the arithmetic, the changes."""
    found = re.findall(r"<template class='step' data-k='(\d+)' data-current='(.*?)' "
                       r"data-looks='(.*?)'>(.*?)</template>", page, re.S)
    assert [int(k) for k, *_ in found] == list(range(len(found)))
    return [{"current": html.unescape(c), "looks": json.loads(html.unescape(looks)), "text": text}
            for _, c, looks, text in found]


def test_the_page_holds_one_drawing_and_each_steps_data_and_needs_no_network(tmp_path):
    pytest.importorskip("graphviz")
    a, _ = readme_neuron()
    path = to_html(a, tmp_path / "steps.html", color="grad")
    page = (tmp_path / "steps.html").read_text(encoding="utf-8")
    assert path == str(tmp_path / "steps.html")
    assert page.count("<main class='frame'") == 1
    steps = steps_data(page)
    assert len(steps) == 6  # steps 0 to 5
    assert steps[5]["current"] == "#2 (*)" and "grad(w1) += 1.5000 × 0.8556" in steps[5]["text"]
    assert steps[1]["looks"]["n8 text-1"] == "grad 0.8556"  # z's grad, set by a's step
    assert not re.search(r"(src|href)=['\"]?https?:", page)  # nothing fetched from anywhere
    assert "ArrowRight" in page and "ArrowLeft" in page


def test_a_long_chain_is_drawn_once_and_each_step_keeps_only_its_changes(tmp_path, monkeypatch):
    """The page held a full drawing per step: a 150-op chain made a 179 MB page in 74 s, as
    Graphviz's dot drew it 301 times. Now dot draws it once, and each step keeps what it
    changes (the node marked, the grads it passes on), a few keys, not the whole graph."""
    pytest.importorskip("graphviz")
    from microprop import viz

    drawn = []
    render = viz.render_svg
    monkeypatch.setattr(viz, "render_svg", lambda graph: drawn.append(1) or render(graph))
    x = Value(1.0, label="x")
    for _ in range(75):
        x = x * 1.0001 + 0.0001
    Stepper(x, show_local_grads=True, color="grad").save_html(tmp_path / "chain.html")
    page = (tmp_path / "chain.html").read_text(encoding="utf-8")
    assert len(drawn) == 1 and page.count("<svg") <= 1
    steps = steps_data(page)
    assert len(steps) == 151
    # A step marks its node and op (and unmarks the last), its edges, one grad, the caption.
    assert max(len(s["looks"]) for s in steps[1:]) < 40
    assert len(page) < 1_000_000


def test_a_graph_too_big_for_a_page_is_refused_before_any_drawing(tmp_path, monkeypatch):
    """A one-step page of a sum of 3,000 Values took 390 s, for a drawing nobody can read:
    more nodes than MOST_NODES are refused at once, before dot runs or a file is written."""
    from microprop import nary, viz
    from microprop.stepper import MOST_NODES

    monkeypatch.setattr(viz, "render_svg", lambda graph: pytest.fail("dot was run"))
    total = nary.sum([Value(float(i)) for i in range(3000)])
    with pytest.raises(ValueError, match=rf"3,002 nodes, more than a page draws \({MOST_NODES}\)"):
        to_html(total, tmp_path / "sum.html")
    assert list(tmp_path.iterdir()) == []


def test_html_is_the_page_save_html_writes_and_refuses_what_it_refuses(tmp_path):
    # The browser site shows html() in a frame; it is the same page, with the same limits.
    pytest.importorskip("graphviz")
    from microprop import nary

    a, _ = readme_neuron()
    stepper = Stepper(a, show_local_grads=True)
    stepper.save_html(tmp_path / "steps.html")
    assert stepper.html() == (tmp_path / "steps.html").read_text(encoding="utf-8")
    assert "Escape" in stepper.html()  # in a frame, Escape is passed to the page around it
    total = nary.sum([Value(float(i)) for i in range(3000)])
    with pytest.raises(ValueError, match=r"^Stepper.html: the drawing would have 3,002 nodes"):
        Stepper(total).html()


def test_each_text_is_drawn_as_wide_as_it_ever_gets():
    """The drawing is made once, so a grad that grows longer later (0.0000 to -12.3457) must
    already have room: each field is drawn with its longest text, step 0 then sets the real one."""
    x = Value(-1.5, label="x")
    y = (x * 8.2305).tanh() * -12.3457
    stepper = Stepper(y)
    scene, changes = _restyling(stepper)
    record = next(b for b in scene.boxes if b.fields[0] == "x")
    assert record.fields[-1] == f"grad {changes[-1]['n0 text-1'][5:]}"
    assert changes[0]["n0 text-1"] == "grad 0.0000"


def test_saving_the_page_twice_replaces_it_whole(tmp_path):
    pytest.importorskip("graphviz")
    a, _ = readme_neuron()
    stepper = Stepper(a)
    target = tmp_path / "steps.html"
    target.write_text("old")
    stepper.save_html(target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["steps.html"]


def test_the_page_draws_top_to_bottom_unless_told_and_starts_at_the_root(tmp_path):
    pytest.importorskip("graphviz")
    a, _ = readme_neuron()
    assert Stepper(a).options == {"rankdir": "TB", "names": "article"}
    assert Stepper(a, rankdir="LR", names=None).options == {"rankdir": "LR", "names": None}
    Stepper(a).save_html(tmp_path / "a.html")
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    # The root's box, where backward starts: the page scrolls it into view at step 0.
    assert "<body data-unit='step' data-root='n9'>" in page


# ---- training, epoch by epoch ------------------------------------------------------------------


def line(w: float = 0.5):
    """s = w * x + b on two points, x = 1 and 2 with targets 1 and 2: w = 1, b = 0 fits them.

    At w = 0.5, b = 0: s = 0.5, 1.0, loss = (0.5^2 + 1^2) / 2 = 0.625, and the grads are
    mean(2 (s - y) x) = (-1 - 4) / 2 = -2.5 for w and mean(2 (s - y)) = -1.5 for b.
    """
    from microprop.nn import MLP

    model = MLP(1, [1])
    model.parameters()[0].data = w
    return model, [[1.0], [2.0]], [1.0, 2.0]


def test_training_writes_each_parameters_update_with_numbers():
    pytest.importorskip("graphviz")  # Training keeps a drawing per epoch
    from microprop.stepper import Training

    model, X, y = line()
    training = Training(model, X, y, epochs=2, lr=0.1)
    assert training.frame().title.startswith("before training: loss 0.6250")
    first = training.go(1)
    assert first.counter == "epoch 1 of 2"
    assert first.lines == (  # in the article's names, as the drawing writes them
        "W^(1)_11 ← 0.5000 − 0.1 × -2.5000 = 0.7500",
        "b^(1)_1 ← 0.0000 − 0.1 × -1.5000 = 0.1500",
    )
    dotted = Training(model, X, y, epochs=1, lr=0.1, names=None).go(1).lines
    assert dotted[0] == "layers.0.neurons.0.w.0 ← 0.5000 − 0.1 × -2.5000 = 0.7500"
    # s = 0.9, 1.65: loss = (0.1^2 + 0.35^2) / 2 = 0.06625
    assert first.title == ("after epoch 1: loss 0.0663 (was 0.6250); the grads drawn are the "
                           "ones epoch 2 uses")
    assert training.go(2).title.endswith("the grads drawn are the ones at the end")
    # An MLP's loss graph is named as the article names it, one forward pass per row.
    assert all(f">{name}</text>" in training.svg(0) for name in ("x_1", "s", "W^(1)_11"))
    assert training.losses[1] == pytest.approx(0.06625)


def test_training_leaves_the_model_itself_untouched():
    pytest.importorskip("graphviz")  # Training keeps a drawing per epoch
    from microprop.stepper import Training

    model, X, y = line()
    Training(model, X, y, epochs=3)
    assert model.parameters()[0].data == 0.5 and model.parameters()[0].grad == 0.0


def test_each_epoch_keeps_its_own_drawing_of_the_loss_graph():
    pytest.importorskip("graphviz")
    from microprop.stepper import Training

    model, X, y = line()
    training = Training(model, X, y, epochs=1, lr=0.1)
    assert "data 0.6250" in training._digraph(0).source  # the loss before the update
    assert "data 0.0663" in training._digraph(1).source  # and after it
    assert repr(training) == "<Training: epoch 0 of 1, loss 0.6250>"


def test_many_parameters_are_counted_after_the_first_twelve():
    pytest.importorskip("graphviz")  # Training keeps a drawing per epoch
    from microprop.nn import MLP
    from microprop.stepper import Training

    training = Training(MLP(2, [4, 1], seed=0), [[0.0, 1.0]], [1.0], epochs=1)
    lines = training.go(1).lines
    assert len(lines) == 13 and lines[-1] == "... and 5 more parameters"  # 17 in all


def test_the_training_page_counts_epochs(tmp_path):
    pytest.importorskip("graphviz")
    from microprop.stepper import Training

    model, X, y = line()
    Training(model, X, y, epochs=3).save_html(tmp_path / "training.html")
    page = (tmp_path / "training.html").read_text(encoding="utf-8")
    assert "data-unit='epoch'" in page and "epoch 0 of 3" in page
    assert page.count("<main class='frame'") == 1 and len(steps_data(page)) == 4


def test_without_the_dot_program_the_page_shows_each_steps_dot_text(tmp_path, monkeypatch):
    pytest.importorskip("graphviz")
    from microprop import viz

    def no_dot(graph):
        raise viz.DotNotFoundError("no dot")

    monkeypatch.setattr(viz, "render_svg", no_dot)
    a, _ = readme_neuron()
    stepper = Stepper(a)
    assert stepper.svg(1).startswith("<p>Graphviz's dot program is not installed")
    stepper.save_html(tmp_path / "steps.html")
    page = (tmp_path / "steps.html").read_text(encoding="utf-8")
    assert page.count("<pre>digraph microprop {") == 1
    assert "<body data-unit='step' data-root='n9'>" in page
    assert len(steps_data(page)) == 6  # the arithmetic still steps


def test_a_page_holds_up_to_301_positions(tmp_path, monkeypatch):
    pytest.importorskip("graphviz")  # Training keeps a drawing per epoch
    from microprop import viz

    # The count is what is tested, not the drawing: skip its layout.
    monkeypatch.setattr(viz, "render_svg", lambda graph: "<svg></svg>")
    v = Value(0.5, label="x")
    for _ in range(300):
        v = v.tanh()
    Stepper(v).save_html(tmp_path / "chain.html")  # steps 0 to 300
    assert len(steps_data((tmp_path / "chain.html").read_text(encoding="utf-8"))) == 301
