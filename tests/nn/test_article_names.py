"""microprop.article: one forward pass named as the article names it, and drawings in its names.

The names are labels on the very nodes ``model(x)`` makes, so the numbers are the model's bit
for bit; the drawing option ``names="article"`` writes the parameters as W^(l)_jk and b^(l)_j.
"""

from __future__ import annotations

import re

import pytest

from microprop import Value
from microprop.article import forward
from microprop.graph import article_name
from microprop.losses import cross_entropy, mse
from microprop.nn import MLP, article_network
from microprop.stepper import Stepper
from microprop.viz import dot_source

X, Y = [0.5, -1.0, 0.3, 1.2], 1.0


def test_every_value_of_the_article_network_gets_its_name():
    named = forward(article_network(seed=0), X, Y)
    assert list(named) == [
        "x_1", "x_2", "x_3", "x_4", "z^(2)_1", "a^(2)_1", "z^(2)_2", "a^(2)_2",
        "z^(3)_1", "a^(3)_1", "z^(3)_2", "a^(3)_2", "s", "s - y", "C"]
    assert all(named[name].label == name for name in named) and len(named) == 15
    # The output neuron is linear: z^(4)_1 and s are one node, named s, found by both names.
    assert named["z^(4)_1"] is named.s and named.s.label == "s" and "z^(4)_1" in named
    assert named["a^(2)_1"]._children == (named["z^(2)_1"],) and named["a^(2)_1"]._op == "tanh"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_numbers_are_the_model_s_bit_for_bit(seed):
    model = article_network(seed=seed)
    named = forward(model, X, Y)
    plain = mse(model(X), Y)
    assert named.C.data == plain.data and named.s.data == model(X).data
    named.C.backward()
    by_name = [p.grad for p in model.parameters()]
    model.zero_grad()
    plain.backward()
    assert by_name == [p.grad for p in model.parameters()]


def test_several_outputs_are_s_1_to_s_k_and_take_a_cost_function():
    model = MLP(2, [3, 3], seed=0)
    named = forward(model, [0.2, -0.4], 2, cost=cross_entropy)
    assert [v.label for v in named.s] == ["s_1", "s_2", "s_3"]
    assert named.C.data == cross_entropy(model([0.2, -0.4]), 2).data
    assert "z^(2)_3" in named and "a^(2)_3" in named and named.C.label == "C"


def test_a_target_given_as_a_value_is_read_by_the_cost():
    y = Value(1.0, label="y")
    named = forward(article_network(seed=0), X, y)
    assert named["s - y"]._children == (named.s, y)
    named.C.backward()
    assert y.grad == -2 * (named.s.data - 1.0)


def test_without_a_target_there_is_no_cost_and_inputs_keep_their_labels():
    x1 = Value(0.5, label="petal")
    named = forward(article_network(seed=0), [x1, -1.0, 0.3, 1.2])
    assert named.C is None and "C" not in named and named["petal"] is x1 and "x_2" in named
    assert named.s is named["s"] and named.s.label == "s"


def test_a_one_input_model_takes_one_number_as_model_does():
    model = MLP(1, [1], seed=0)
    assert forward(model, 3.0, 1.0).s.data == model(3.0).data


def test_a_linear_hidden_neuron_is_one_node_with_both_names():
    named = forward(MLP(2, [2, 1], activation="linear", seed=0), [1.0, 2.0], 0.5)
    assert named["z^(2)_1"] is named["a^(2)_1"] and named["a^(2)_1"].label == "a^(2)_1"
    assert "z^(2)_1" not in list(named)  # listed once, as a^(2)_1


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: forward("model", X, Y), TypeError, "article.forward(model): expected an MLP such "
         "as article_network() or MLP(4, [2, 2, 1]), got str"),
        (lambda: forward(article_network(), X[:3], Y), ValueError,
         "article.forward(x): the model takes 4 inputs, got 3"),
        (lambda: forward(article_network(), "abcd", Y), TypeError,
         "article.forward(x): expected a list of numbers, got str"),
        (lambda: forward(article_network(), [1, 2, float("nan"), 4], Y), ValueError,
         "article.forward(x[2])"),
        (lambda: forward(article_network(), X, float("inf")), ValueError, "article.forward(y)"),
        (lambda: forward(article_network(), X, Y, cost="mse"), TypeError,
         "article.forward(cost): expected a function of (s, y), got str"),
        (lambda: forward(article_network(), X, Y, cost=lambda s, y: 1.0), TypeError,
         "article.forward(cost): cost(s, y) gave a float, expected a Value"),
        (lambda: forward(MLP(2, [2, 1]), [Value(1.0, label="x"), Value(2.0, label="x")]),
         ValueError, "article.forward: two values would be named 'x'; give the inputs labels of "
         "their own, or none (they are then x_1, x_2, ...)"),
        (lambda: forward(MLP(2, [1]), [Value(1.0, label="s"), 2.0]), ValueError,
         "article.forward: two values would be named 's'"),
        (lambda: forward(MLP(2, [3]), [1.0, 2.0], 1), ValueError, "article.forward: the model "
         "has 3 outputs, and the article's cost (s - y)^2 is for one; pass cost="),
    ],
)
def test_bad_input_is_named(call, error, words):
    with pytest.raises(error, match="^" + re.escape(words)):  # from the start: who says it
        call()


def test_a_name_that_is_not_there_lists_the_names():
    with pytest.raises(KeyError, match=re.escape(
            "ArticlePass: no value is named 'z^(5)_1'; the names are x_1, x_2, x_3, x_4, z^(2)_1")):
        forward(article_network(), X, Y)["z^(5)_1"]


@pytest.mark.parametrize(
    ("label", "name"),
    [("layers.0.neurons.1.w.3", "W^(1)_24"), ("layers.2.neurons.0.b", "b^(3)_1"),
     ("layers.0.neurons.11.w.2", "W^(1)_12,3"), ("layers.0.neurons.1.w", "layers.0.neurons.1.w"),
     ("x_1", "x_1"), ("#6 (+)", "#6 (+)")],
)
def test_article_names_of_parameter_labels(label, name):
    assert article_name(label) == name


def article_cost():
    named = forward(article_network(seed=0), X, Y)
    named.C.backward()
    return named.C


def test_a_collapsed_drawing_in_the_article_s_names():
    dot = dot_source(article_cost(), collapse=True, names="article", rankdir="TB")
    for text in (
        # a neuron: its a = f(z), z's and a's numbers, its bias (and nothing else) in one box
        'n11 [label="{ a^(2)_1 = tanh(z^(2)_1) | z -0.3876 grad -1.2390 | a -0.3693 grad -1.4346 '
        '| b^(1)_1 0.0113 grad -1.2390 }"]',
        'n30 [label="{ s (linear) | data -0.6154 | grad -3.2307 }"]',  # the output: one node
        'label=" W^(1)_24 "', 'label=" W^(3)_12 "',
    ):
        assert text in dot, text
    assert "layers.0" not in dot  # every parameter in the article's names
    # Without the option, the same drawing as before: the neurons' dotted keys.
    assert "layers.0.neurons.0" in dot_source(article_cost(), collapse=True)


@pytest.mark.parametrize("collapse", [True, False])
def test_every_node_the_stepping_text_names_is_named_in_the_drawing(collapse):
    cost = forward(MLP(2, [2, 1], seed=0), [0.5, -1.0], 1.0, cost=mse).C  # s - y unnamed
    stepper = Stepper(cost, collapse=collapse, names="article")
    drawn = dot_source(cost, collapse=collapse, names="article", step=0)
    named = {stepper.frame(k).current for k in range(1, len(stepper) + 1)}
    for k in range(len(stepper) + 1):
        named |= set(re.findall(r"^grad\((.+)\) \+?= ", "\n".join(stepper.frame(k).lines), re.M))
    assert {"W^(1)_12", "b^(2)_1", "z^(2)_1", "a^(2)_1", "C"} <= named
    assert [name for name in named if name.replace("^", "\\^") not in drawn
            and name not in drawn] == []


def test_a_collapsed_neuron_whose_weights_have_no_number_draws_no_weight_names():
    # n.wa and n.wb are one neuron's (their labels share "n"), but no number says which input
    # each weight meets: the arrows in go unnamed, and nothing fails.
    from microprop.nary import dot

    w = [Value(0.5, label="n.wa"), Value(-1.0, label="n.wb")]
    x = [Value(1.0, label="x_1"), Value(2.0, label="x_2")]
    a = dot(w, x, Value(0.1, label="n.b")).tanh()
    a.backward()
    text = dot_source(a, collapse=True, names="article")
    assert "tanh(#" in text and "n.b 0.1000" in text and 'label=" ' not in text, text


def test_a_weight_s_name_on_an_arrow_is_escaped_and_weights_that_meet_numbers_are_in_the_box():
    from microprop.nary import dot

    x = [Value(1.0, label="x1"), Value(2.0, label="x2")]
    w = [Value(0.5, label='w"{a}.0'), Value(-0.3, label='w"{a}.1')]
    a = dot(w, x, 0.0).tanh()
    a.backward()
    assert 'label=" w\\"{a}.0 "' in dot_source(a, names="article", collapse=True, parameters=w)
    # A model called on plain numbers: its first layer's weights have no arrow to sit on.
    model = MLP(2, [3, 1], seed=1)
    out = model([1.0, 2.0])
    out.backward()
    text = dot_source(out, names="article", collapse=True)
    assert all(f"W^(1)_{j}{k}" in text for j in (1, 2, 3) for k in (1, 2))


def test_highlight_and_path_only_take_the_article_s_names_too():
    cost = article_cost()
    assert dot_source(cost, highlight="W^(1)_24") == dot_source(
        cost, highlight="layers.0.neurons.1.w.3")
