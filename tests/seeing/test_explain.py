"""The chain-rule explainer and the backward step-through, against backward() itself."""

import math
import time
import tracemalloc

import pytest
from examples import micrograd_readme, readme_neuron
from hypothesis import given
from hypothesis import strategies as st

from microprop import Value
from microprop.explain import backward_steps, explain
from microprop.nary import dot
from microprop.nary import sum as vsum


def neuron():
    """a = tanh(w1*x1 + w2*x2 + b) with z = 0.4, as in the README."""
    return readme_neuron()


# ---- explain ---------------------------------------------------------------------------------


def test_a_single_path_multiplies_the_local_derivatives_on_it():
    a, v = neuron()
    e = explain(a, v["w1"])
    (path,) = e.paths
    assert path.names == ("a", "z", "#6 (+)", "#2 (*)", "w1")
    t = math.tanh(0.4)
    assert path.factors == pytest.approx((1 - t * t, 1.0, 1.0, 1.5))  # tanh', +, +, x1
    assert e.total == pytest.approx((1 - t * t) * 1.5)  # 1.2835
    a.backward()
    assert e.total == pytest.approx(v["w1"].grad, rel=1e-12)


def test_x_times_x_has_two_paths_one_per_edge():
    x = Value(3.0, label="x")
    y = x * x
    e = explain(y, x)
    assert [p.factors for p in e.paths] == [(3.0,), (3.0,)]
    assert e.total == 6.0  # d(x^2)/dx = 2x


def test_a_reused_intermediate_node_multiplies_the_paths():
    a = Value(1.5, label="a")
    b = a + a
    c = b + b
    e = explain(c, a)
    assert len(e.paths) == 4  # two ways into b, two ways from b into c
    assert e.total == 4.0


def test_constants_are_not_nodes_but_their_factors_are_there():
    x = Value(2.0, label="x")
    y = 3.0 * x + 1.0 / x  # dy/dx = 3 - 1/x^2 = 2.75
    e = explain(y, x)
    assert sorted(p.product for p in e.paths) == [-0.25, 3.0]
    assert e.total == 2.75


def test_the_gradient_of_an_intermediate_node_is_explained_too():
    a, v = neuron()
    e = explain(a, "z")
    assert e.total == pytest.approx(1 - math.tanh(0.4) ** 2)
    a.backward()
    assert e.total == v["z"].grad


def test_the_root_explains_itself_with_one_empty_path():
    x = Value(2.0, label="x")
    e = explain(x, x)
    assert [p.factors for p in e.paths] == [()]
    assert e.total == 1.0


def test_the_article_worked_example_is_one_path_through_z3_and_a3():
    # dC/dw^(2)_22 = dC/da^(3)_2 * f'(z^(3)_2) * a^(2)_2, with C = (s - y)^2 and s = W^(3) a^(3)
    a2 = [Value(0.3, label="a2_1"), Value(-0.6, label="a2_2")]
    w = Value(0.5, label="layers.1.neurons.1.w.1")
    w0, b = Value(0.2, label="layers.1.neurons.1.w.0"), Value(0.1, label="layers.1.neurons.1.b")
    z3 = dot([w0, w], a2, b)
    a3 = z3.tanh()
    s = dot(
        [Value(0.7, label="layers.2.neurons.0.w.0"), Value(-0.9, label="layers.2.neurons.0.w.1")],
        [Value(0.25), a3],
    )
    C = (s - 1.0) ** 2
    e = explain(C, "layers.1.neurons.1.w.1")
    (path,) = e.paths
    dC_da3 = 2 * (s.data - 1.0) * -0.9
    assert e.total == pytest.approx(dC_da3 * (1 - a3.data**2) * -0.6, rel=1e-12)


def test_max_paths_can_be_raised():
    x = Value(1.0, label="x")
    v = x
    for _ in range(4):
        v = v + v
    assert explain(v, x, max_paths=16).total == 16.0


def test_the_printed_explanation_reads_like_the_chain_rule():
    a, v = neuron()
    text = str(explain(a, v["w1"]))
    assert text.splitlines()[0] == "d(a)/d(w1) by the chain rule, over 1 path from a down to w1:"
    assert "path 1: a <- z <- #6 (+) <- #2 (*) <- w1" in text
    assert "0.8556 * 1.0000 * 1.0000 * 1.5000 = 1.2835" in text
    assert text.endswith("d(a)/d(w1) = 1.2835")
    html = explain(a, v["w1"])._repr_html_()
    assert "<table>" in html and "1.2835" in html and "&part;a/&part;w1" in html
    assert float(explain(a, v["w1"])) == explain(a, v["w1"]).total


def test_a_long_explanation_prints_fifty_paths_and_counts_the_rest():
    x = y = Value(2.0, label="x")
    for _ in range(60):  # y = x + x + ... + x: 61 paths from y down to x, one per use
        y = y + x
    y.label = "y"
    e = explain(y, x)
    assert repr(e) == "<Explanation d(y)/d(x) = 61.0000, 61 paths>"
    text = str(e)
    assert "path 50:" in text and "path 51:" not in text
    assert "... and 11 more paths (all are in .paths)" in text and len(e.paths) == 61
    assert "&hellip; and 11 more paths" in e._repr_html_()


def test_the_readme_example_prints_as_documented():
    x = Value(3.0, label="x")
    y = x * x + x  # dy/dx = 2x + 1 = 7
    y.label = "y"
    assert str(explain(y, x)) == (
        "d(y)/d(x) by the chain rule, over 3 paths from y down to x:\n"
        "the local derivatives along each path multiply, and the paths add up.\n"
        "\n"
        "path 1: y <- #1 (*) <- x (input 1)\n"
        "        1.0000 * 3.0000 = 3.0000\n"
        "path 2: y <- #1 (*) <- x (input 2)\n"
        "        1.0000 * 3.0000 = 3.0000\n"
        "path 3: y <- x\n"
        "        1.0000 = 1.0000\n"
        "\n"
        "d(y)/d(x) = 3.0000 + 3.0000 + 1.0000 = 7.0000"
    )
    y.backward()
    assert x.grad == 7.0


# ---- random graphs: the sum over paths is the gradient ------------------------------------------


# Each op takes two nodes a, b and a constant c; reuse comes from drawing the same node twice.
OPS = {
    "add": lambda a, b, c: a + b,
    "mul": lambda a, b, c: a * b,
    "square": lambda a, b, c: a * a,
    "sub": lambda a, b, c: a - b,
    "div": lambda a, b, c: a / (1.0 + b * b),
    "const times": lambda a, b, c: c * a,
    "plus const": lambda a, b, c: a + c,
    "const minus": lambda a, b, c: c - a,
    "tanh": lambda a, b, c: a.tanh(),
    "sigmoid": lambda a, b, c: a.sigmoid(),
    "relu": lambda a, b, c: a.relu(),
    "exp": lambda a, b, c: a.tanh().exp(),
    "cube": lambda a, b, c: a**3,
    "dot": lambda a, b, c: dot([a, b, c], [b, a, a], b),
    "sum": lambda a, b, c: vsum([a, b, a, c]),
}


@st.composite
def graphs(draw):
    """A random graph over a few leaves: reused nodes, x * x, constants, n-ary nodes."""
    nodes = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 3)))]
    pick = st.integers(0, 50)
    for _ in range(draw(st.integers(1, 8))):
        a = nodes[draw(pick) % len(nodes)]
        b = nodes[draw(pick) % len(nodes)]
        out = OPS[draw(st.sampled_from(sorted(OPS)))](a, b, draw(st.floats(-3, 3)))
        if abs(out.data) > 10.0:
            out = out.tanh()  # keep numbers small, so products cannot overflow
        nodes.append(out)
    return nodes


def close(total, grad, paths):
    scale = math.fsum(abs(p.product) for p in paths)
    return abs(total - grad) <= 1e-9 * scale


@given(graphs(), st.integers(0, 100))
def test_the_sum_over_paths_equals_backward_on_random_graphs(nodes, k):
    root = nodes[-1]
    root.backward()
    reachable = root._topological_order()
    for value in [v for v in reachable if not v._children] + [reachable[k % len(reachable)]]:
        e = explain(root, value, max_paths=10**6)
        assert close(e.total, value.grad, e.paths), (e.total, value.grad)


# ---- backward step by step -------------------------------------------------------------------


def test_steps_go_through_the_nodes_in_reverse_topological_order():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    b = y + x
    b.label = "b"
    c = b * y
    c.label = "c"
    steps = backward_steps(c)
    assert [s.name for s in steps] == ["c", "b", "y"]
    assert [s.number for s in steps] == [1, 2, 3]
    # c = x^4 + x^3: x gets 9 from b, then 63 and 63 from y = x * x (grad 21, local 3 twice)
    assert [(u.name, u.before, u.after) for u in steps[2].updates] == [
        ("x", 9.0, 72.0),
        ("x", 72.0, 135.0),
    ]
    assert steps[1].grad == 9.0 and steps[2].grad == 21.0
    assert steps.grads()[x] == 135.0 == 4 * 27 + 3 * 9


def test_the_step_through_leaves_every_grad_untouched():
    a, v = neuron()
    a.backward()
    before = {n: n.grad for n in a._topological_order()}
    backward_steps(a)
    backward_steps(a, accumulate=True)
    assert {n: n.grad for n in a._topological_order()} == before


@given(graphs())
def test_the_step_through_ends_exactly_where_backward_does(nodes):
    root = nodes[-1]
    steps = backward_steps(root)
    root.zero_grad()
    root.backward()
    final = steps.grads()
    assert all(final[n] == n.grad or (math.isnan(final[n]) and math.isnan(n.grad)) for n in final)
    # accumulate=True continues from the current grads, like a second backward()
    again = backward_steps(root, accumulate=True).grads()
    root.backward()
    assert all(again[n] == n.grad or (math.isnan(again[n]) and math.isnan(n.grad)) for n in again)


def test_gradients_after_k_steps():
    a, v = neuron()
    steps = backward_steps(a)
    assert len(steps) == 5
    assert steps.grads(0)[a] == 1.0 and steps.grads(0)[v["z"]] == 0.0
    assert steps.grads(1)[v["z"]] == pytest.approx(1 - math.tanh(0.4) ** 2)
    assert steps.grads(1)[v["w1"]] == 0.0


def test_the_step_table_prints_each_update():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    text = str(backward_steps(y))
    assert "y's grad is set to 1" in text
    lines = text.splitlines()
    assert lines[-3].split() == ["step", "node", "op", "grad", "input", "local", "before", "after"]
    assert lines[-2].split() == ["1", "y", "*", "1.0000", "x", "3.0000", "0.0000", "3.0000"]
    assert lines[-1].split() == ["x", "3.0000", "3.0000", "6.0000"]
    assert "<table>" in backward_steps(y)._repr_html_()


def test_a_long_step_table_prints_fifty_steps_and_counts_the_rest():
    x = y = Value(2.0, label="x")
    for _ in range(60):
        y = y + x
    y.label = "y"
    steps = backward_steps(y)
    assert repr(steps) == "<BackwardSteps: 60 steps of backward() from y>"
    assert str(steps).endswith("... and 10 more steps (all are in this list)")
    assert "&hellip; and 10 more steps" in steps._repr_html_()
    assert repr(backward_steps(x)) == "<BackwardSteps: 0 steps of backward() from x>"


def test_each_step_can_be_drawn():
    pytest.importorskip("graphviz")
    from microprop.viz import draw_step, draw_steps
    a, v = neuron()
    steps = backward_steps(a)
    frames = list(draw_steps(steps))
    assert len(frames) == 6  # before any step, then after each of the 5
    assert "backward step 0 of 5" in frames[0].source
    assert "backward step 5 of 5" in frames[5].source
    assert "{ w1 | data 0.8000 | grad 1.2835 }" in frames[5].source
    assert draw_step(steps, 2).source == frames[2].source
    assert 'color="#ff7f0e"' in frames[3].source  # the node stepping now is orange


def test_the_two_paths_of_x_times_x_say_which_operand_each_goes_through():
    x = Value(3.0, label="x")
    text = str(explain(x * x, x))
    assert "path 1: #1 (*) <- x (input 1)" in text
    assert "path 2: #1 (*) <- x (input 2)" in text
    assert [p.inputs for p in explain(x * x, x).paths] == [(0,), (1,)]


def test_an_input_taken_once_is_named_without_its_position():
    x = Value(3.0, label="x")
    assert "<- x\n" in str(explain((x * 2.0).tanh(), x))


# ---- graphs big in total: explain and backward_steps refuse above a bound -----------------------
# explain and backward_steps on graphs that are big in total, each test naming the defect it guards
# against.
#
# explain capped the number of paths but not their length, so ``sum(losses)`` over 10,000 samples
# (Python's built-in sum: a chain of 10,000 ``+``) passed the cap with 10,000 paths of up to 10,000
# nodes each, and ran out of memory building them; backward_steps recorded an Update per edge of
# any graph. Both now count what they would build, in one pass, and refuse above a bound.


def summed_losses(n: int) -> tuple[Value, Value]:
    """sum(losses) over n samples of a line fit, as micrograd's demo builds it, and the weight."""
    w, b = Value(0.5, label="w"), Value(0.1, label="b")
    losses = [(w * (i / n) + b - 1.0) ** 2 for i in range(n)]
    return sum(losses), w  # type: ignore[return-value]


def test_explain_refuses_paths_whose_total_length_is_huge_before_building_any():
    """Defect: 10,000 paths of up to 10,000 nodes each passed max_paths and ran out of memory."""
    total, w = summed_losses(10_000)
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(ValueError) as caught:
        explain(total, w)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    message = str(caught.value)
    assert "10,000 paths" in message and "50,055,000 nodes" in message
    assert "max_total_length=1,000,000" in message and "one sample's loss" in message
    assert seconds < 5 and peak < 20_000_000


def test_explain_counts_each_nodes_place_on_every_path_through_it():
    """The length bound counts a node once per path: x * x has two paths of two nodes."""
    x = Value(3.0, label="x")
    y = x * x
    assert sum(len(p.nodes) for p in explain(y, x, max_total_length=4).paths) == 4
    with pytest.raises(ValueError, match="2 paths from the root to x have 4 nodes"):
        explain(y, x, max_total_length=3)


def test_explain_narrowed_to_one_sample_or_a_raised_limit_still_answers():
    """The ways out the message names work: one sample's loss, or a higher limit."""
    total, w = summed_losses(300)
    one = total._children[1]  # the last sample's loss
    assert len(explain(one, w).paths) == 1
    e = explain(total, w, max_total_length=100_000)
    assert len(e.paths) == 300 and e.total == pytest.approx(float(explain(total, w)))


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_explain_max_total_length_must_be_a_positive_int(bad):
    x = Value(1.0, label="x")
    with pytest.raises((TypeError, ValueError), match=r"explain\(max_total_length\)"):
        explain(x * 2.0, x, max_total_length=bad)


def test_backward_steps_refuses_a_graph_with_too_many_updates_before_recording_any():
    """Defect: an Update (hundreds of bytes) per edge of any graph, however big."""
    total, _ = summed_losses(40_000)
    start = time.perf_counter()
    with pytest.raises(ValueError) as caught:
        backward_steps(total)
    assert time.perf_counter() - start < 5
    message = str(caught.value)
    assert "200,000 steps" in message and "279,999 updates" in message
    assert "max_updates=100,000" in message and "one sample's loss" in message


def test_backward_steps_under_a_raised_limit_replays_the_whole_graph():
    total, _ = summed_losses(50)
    with pytest.raises(ValueError, match="349 updates"):
        backward_steps(total, max_updates=300)
    assert len(backward_steps(total, max_updates=349)) == 250


@pytest.mark.parametrize("bad", [0, 2.0, None])
def test_backward_steps_max_updates_must_be_a_positive_int(bad):
    x = Value(1.0, label="x")
    with pytest.raises((TypeError, ValueError), match=r"backward_steps\(max_updates\)"):
        backward_steps(x * 2.0, max_updates=bad)


def test_the_drawing_methods_that_moved_say_where_they_went():
    """steps.draw(k) and steps.frames() moved to microprop.draw_step and draw_steps, so that
    explain stays plain data; code written for them gets the new spelling, not a bare error."""
    x = Value(2.0)
    steps = backward_steps(x * x)
    with pytest.raises(AttributeError, match=r"microprop.draw_step\(steps, k\)"):
        steps.draw(0)
    with pytest.raises(AttributeError, match=r"microprop.draw_steps\(steps\)"):
        steps.frames()


# ---- a node made micrograd's way ---------------------------------------------------------------


def test_explain_refuses_a_micrograd_closure_node_naming_it():
    """explain silently dropped the paths through a micrograd ``_backward`` closure node (22 of
    the 30 paths from g down to b listed, and a wrong sum) where every other feature refuses
    such a node: its local derivatives are hidden in the closure. Now it refuses, naming it."""
    g, _, b = micrograd_readme(closure=False)
    g.backward()
    assert len(explain(g, b).paths) == 30
    assert explain(g, b).total == pytest.approx(b.grad)  # 645.577, micrograd's README number
    g, _, b = micrograd_readme(closure=True)
    for call in (lambda: explain(g, b), lambda: backward_steps(g)):
        with pytest.raises(TypeError, match=r"#\d+ \(cube\) was made micrograd's way.*_backward "
                                            r"closure.*microprop\.op"):
            call()


def test_a_closure_node_off_every_path_does_not_stop_explain():
    """Only the paths through a closure node are lost, so one that no path to the value crosses
    is no reason to refuse: d(out)/d(y) here is 1, whatever the closure does for x."""
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    cube = Value(8.0, (x,), "cube")
    cube._backward = lambda: None
    assert explain(cube + y, y).total == 1.0
