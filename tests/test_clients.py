"""Real clients run unchanged on microprop and print their own numbers.

Each fixture in tests/clients/ is a client's code with its ``Value`` (or its import) switched to
microprop's; each keeps its source and licence notice. Where the original's printed outputs are
reproducible they are asserted; where the original never seeds its randomness, the client runs a
second time on its own ``Value`` class and the two runs must agree to 1e-9 relative.
"""

import math
import re
from pathlib import Path

import pytest

from tests.clients import lecture_value

CLIENTS = Path(__file__).parent / "clients"


def close(a, b, rel=1e-9):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def nested_close(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(nested_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(nested_close(x, y) for x, y in zip(a, b))
    return close(a, b)


def with_lecture_value(module, monkeypatch, run, *args):
    """The client run again with the lecture's own Value class: the reference numbers."""
    monkeypatch.setattr(module, "Value", lecture_value.Value)
    return run(*args)


# ---- micrograd's demo.ipynb --------------------------------------------------------------------


def demo_lines(steps):
    pytest.importorskip("numpy")
    from tests.clients import micrograd_demo

    printed = []
    micrograd_demo.run(steps, out=lambda *a: printed.append(" ".join(map(str, a))))
    return printed


def steps_in(text):
    """``(step, loss, accuracy)`` from the demo's lines ``step 0 loss 0.89..., accuracy 50.0%``."""
    pattern = r"step (\d+) loss ([0-9.e-]+), accuracy ([0-9.]+)%"
    return [(int(k), float(loss), float(acc)) for k, loss, acc in re.findall(pattern, text)]


def assert_demo_matches_micrograd(steps):
    printed = demo_lines(steps)
    assert printed[0] == "number of parameters 337"
    first_loss, first_acc = printed[1].split(") ")
    assert close(float(first_loss.split("=")[1].split(",")[0]), 0.8958441028683222)
    assert first_acc == "0.5"
    ours = steps_in("\n".join(printed[2:]))
    expected = steps_in((CLIENTS / "micrograd_demo_output.txt").read_text())[:steps]
    assert len(ours) == len(expected) == steps
    for (k, loss, acc), (k0, loss0, acc0) in zip(ours, expected):
        assert k == k0 and acc == acc0, (k, acc, acc0)
        assert close(loss, loss0), (k, loss, loss0)


def test_micrograds_demo_prints_micrograds_losses_and_accuracies_for_its_first_20_steps():
    assert_demo_matches_micrograd(20)


@pytest.mark.slow
def test_micrograds_demo_prints_micrograds_losses_and_accuracies_for_all_100_steps():
    assert_demo_matches_micrograd(100)


# ---- micrograd's trace_graph.ipynb -------------------------------------------------------------


def record_labels(dot):
    return sorted(re.findall(r'label="\{ (data [^"]*) \}"', dot.source))


def test_trace_graph_draws_the_simple_example_from_microprops_graph():
    pytest.importorskip("graphviz")
    from tests.clients import micrograd_trace_graph

    (dot, y), _ = micrograd_trace_graph.examples()
    # microprop records x * 2 + 1 as ops on x alone (constants are local derivatives, not
    # nodes), so the drawing has x, x*2, +1 and relu: 4 records and 3 op nodes.
    assert record_labels(dot) == sorted([
        "data 1.0000 | grad 2.0000", "data 2.0000 | grad 1.0000",
        "data 3.0000 | grad 1.0000", "data 3.0000 | grad 1.0000",
    ])
    assert y.data == 3.0 and y._op == "relu"
    assert re.findall(r'label=(\w+|"[^"]*")\]', dot.source).count("relu") == 1


def test_trace_graph_draws_micrograds_neuron_with_micrograds_numbers():
    pytest.importorskip("graphviz")
    from tests.clients import micrograd_trace_graph

    _, (dot, y) = micrograd_trace_graph.examples()
    # micrograd's gout.svg: the output relu 0.1024 and the leaves x = 1 and -2, w = 0.2355 and
    # 0.0665, b = 0, with the same grads. microprop's neuron is one dot node (micrograd draws two
    # products and two sums in its place), so the records are the leaves, the dot and the relu.
    assert record_labels(dot) == sorted([
        "data 1.0000 | grad 0.2355", "data -2.0000 | grad 0.0665",
        "data 0.2355 | grad 1.0000", "data 0.0665 | grad -2.0000",
        "data 0.0000 | grad 1.0000", "data 0.1024 | grad 1.0000", "data 0.1024 | grad 1.0000",
    ])
    assert close(y.data, 0.102443419482938)


# ---- the nn-zero-to-hero micrograd lecture -----------------------------------------------------


@pytest.fixture
def first_half():
    pytest.importorskip("graphviz")
    from tests.clients import lecture_first_half

    return lecture_first_half


def test_lecture_first_half_prints_the_lectures_numbers(first_half):
    shown = first_half.run()
    assert shown["L"] == -8.0
    assert close(shown["lol()"], -3.9999999999995595)  # the notebook's output
    assert sorted(shown["topo"]) == pytest.approx(sorted(
        [6.881373587019543, 2.0, -3.0, -6.0, 0.0, 1.0, 0.0, -6.0, 0.8813735870195432,
         0.7071067811865476]), rel=1e-9)
    assert close(shown["1 - o.data**2"], 0.4999999999999999)
    assert shown["a + a"] == 2.0  # the lecture's fix for a node used twice
    assert shown["d * e"] == {"a": -3.0, "b": -8.0}


def test_lecture_backpropagation_by_hand_gives_the_lectures_gradients(first_half):
    grads = first_half.run()["by hand"]
    expected = {"o": 1.0, "n": 0.5, "b": 0.5, "x1*w1 + x2*w2": 0.5, "x1*w1": 0.5, "x2*w2": 0.5,
                "x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0}
    assert nested_close(grads, expected)


def test_lecture_first_half_agrees_with_the_lectures_own_value_class(first_half, monkeypatch):
    ours = first_half.run()
    theirs = with_lecture_value(first_half, monkeypatch, first_half.run)
    for key in ("L", "lol()", "1 - o.data**2", "a + a", "d * e", "by hand"):
        assert nested_close(ours[key], theirs[key]), key


def test_lecture_draw_dot_shows_the_labels_and_ops_of_L(first_half):
    source = first_half.run()["draw_dot(L)"]
    for label in ("a | data 2.0000", "b | data -3.0000", "c | data 10.0000", "e | data -6.0000",
                  "d | data 4.0000", "f | data -2.0000", "L | data -8.0000"):
        assert label in source
    assert source.count('[label="*"]') == 2 and source.count('[label="+"]') == 1


def test_lecture_second_half_gives_the_neurons_gradients_both_ways():
    from tests.clients import lecture_second_half

    shown = lecture_second_half.run()
    expected = {"o": 0.7071067811865476, "x2": 0.5, "w2": 0.0, "x1": -1.5, "w1": 1.0}
    assert nested_close(shown["tanh"], expected)
    assert nested_close(shown["tanh from exp"], expected)


def test_lecture_second_half_trains_its_mlp_as_the_lectures_own_value_class_does(monkeypatch):
    from tests.clients import lecture_second_half

    ours = lecture_second_half.run(1337, 20)
    theirs = with_lecture_value(lecture_second_half, monkeypatch, lecture_second_half.run, 1337, 20)
    assert nested_close(ours, theirs)
    assert ours["losses"][-1] < 0.02 < 6.0 < ours["losses"][0]  # it learns: 6.005 -> 0.0178


def test_lecture_second_half_matches_torch_on_the_neuron():
    torch = pytest.importorskip("torch")
    from tests.clients import lecture_second_half

    # cell 13 of the notebook, in float64 from the start (the notebook goes through float32 and
    # prints o = 0.7071066904050358)
    leaves = [torch.tensor([v], dtype=torch.float64, requires_grad=True)
              for v in (2.0, 0.0, -3.0, 1.0, 6.8813735870195432)]
    x1, x2, w1, w2, b = leaves
    o = torch.tanh(x1 * w1 + x2 * w2 + b)
    o.backward()
    shown = lecture_second_half.run()["tanh"]
    assert close(shown["o"], o.item())
    for name, t in (("x1", x1), ("x2", x2), ("w1", w1), ("w2", w2)):
        assert close(shown[name], t.grad.item()), name


# ---- Karpathy's microgpt -----------------------------------------------------------------------


def test_microgpt_trains_with_microgpts_own_losses(monkeypatch):
    from tests.clients import microgpt, microgpt_value

    docs = (CLIENTS / "names.txt").read_text().split()
    ours = microgpt.run(docs, 3)
    monkeypatch.setattr(microgpt, "Value", microgpt_value.Value)
    theirs = microgpt.run(docs, 3)
    assert len(ours) == 3
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert close(a, b), (step, a, b)
    assert close(ours[0], 3.2152313041272707)  # about log(27), a uniform guess over 27 tokens


def test_microgpt_compiled_once_per_length_gives_its_eager_ports_bits_and_microgpts_losses():
    from tests.clients import microgpt, microgpt_compiled

    docs = (CLIENTS / "names.txt").read_text().split()
    traces = []
    compiled = microgpt_compiled.run(docs, 4, compiled=True, traces=traces)
    eager = microgpt_compiled.run(docs, 4, compiled=False)
    original = microgpt.run(docs, 4)
    assert compiled == eager  # the same bits, step after step of Adam
    for step, (a, b) in enumerate(zip(compiled, original)):
        assert abs(a - b) <= 1e-9 * abs(b), (step, a, b)
    # the first four documents (shuffled by seed 42) have 8, 4, 7 and 8 letters: three lengths
    assert repr(traces[0]).endswith("3 trace(s)>")
