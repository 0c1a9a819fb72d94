"""Neuron, Layer, MLP: shapes, names, initialisation, hand-checked outputs and bad input."""

import math
import random
import sys

import pytest

from microprop import Value
from microprop.nn import ACTIVATION_NAMES, MLP, Layer, Module, Neuron, article_network


def set_weights(neuron, w, b):
    for p, x in zip(neuron.w, w, strict=True):
        p.data = x
    if b is not None:
        neuron.b.data = b


# ---- structure and names ----------------------------------------------------------------------


def test_mlp_3_4_4_1_has_41_parameters():
    # (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 1 = 16 + 20 + 5
    assert len(MLP(3, [4, 4, 1]).parameters()) == 41


def test_article_network_has_18_parameters_because_the_output_has_no_bias():
    # (4 + 1) * 2 + (2 + 1) * 2 + 2 * 1 = 10 + 6 + 2
    model = article_network(seed=0)
    assert len(model.parameters()) == 18
    assert model.nouts == [2, 2, 1]
    assert model.layers[2].neurons[0].b is None
    assert model.layers[0].neurons[0].b is not None
    assert model.activation == "tanh" and model.output_activation == "linear"


def test_named_parameters_are_dotted_paths_in_a_fixed_order():
    names = [name for name, _ in article_network(seed=0).named_parameters()]
    assert names[:6] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.w.2",
        "layers.0.neurons.0.w.3",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-2:] == ["layers.2.neurons.0.w.0", "layers.2.neurons.0.w.1"]
    assert len(set(names)) == 18


def test_every_parameter_is_labelled_with_its_name():
    model = MLP(2, [3, 1], seed=0)
    for name, p in model.named_parameters():
        assert p.label == name
    assert [n for n, _ in Neuron(2, seed=0).named_parameters()] == ["w.0", "w.1", "b"]
    assert Layer(2, 2, seed=0).neurons[1].b.label == "neurons.1.b"


def test_the_articles_w22_is_layers_1_neurons_1_w_1():
    model = article_network(seed=0)
    w22 = model.layers[1].neurons[1].w[1]
    assert dict(model.named_parameters())["layers.1.neurons.1.w.1"] is w22
    assert w22.label == "layers.1.neurons.1.w.1"


def test_parameters_are_the_named_parameters_values():
    model = MLP(2, [2, 1], seed=0)
    assert model.parameters() == [p for _, p in model.named_parameters()]


# ---- forward -----------------------------------------------------------------------------------


def test_a_neuron_computes_f_of_w_dot_x_plus_b():
    # z = 2*1 + (-1)*3 + 0.5 = -0.5
    relu, tanh, linear = Neuron(2), Neuron(2, "tanh"), Neuron(2, "linear")
    sigmoid = Neuron(2, "sigmoid")
    for n in (relu, tanh, linear, sigmoid):
        set_weights(n, [2.0, -1.0], 0.5)
    assert relu([1, 3]).data == 0.0
    assert tanh([1, 3]).data == math.tanh(-0.5)
    assert linear([1, 3]).data == -0.5
    assert sigmoid([1, 3]).data == pytest.approx(1 / (1 + math.exp(0.5)), rel=1e-15)


def test_a_neuron_is_one_dot_node_and_one_activation_node():
    n = Neuron(3, "tanh", seed=0)
    out = n([1.0, 2.0, 3.0])
    assert out._op == "tanh"
    (z,) = out._children
    assert z._op == "dot"
    assert list(z._children) == [*n.w, n.b]  # plain-number inputs are constants, not nodes
    assert Neuron(3, "linear", seed=0)([1, 2, 3])._op == "dot"


def test_a_neuron_without_bias_adds_nothing():
    n = Neuron(2, "linear", bias=False)
    set_weights(n, [3.0, 4.0], None)
    assert n.b is None
    assert n([1, 1]).data == 7.0
    assert len(n.parameters()) == 2


def test_a_layer_gives_each_neurons_output():
    layer = Layer(2, 2, "linear")
    set_weights(layer.neurons[0], [1.0, 0.0], 0.0)
    set_weights(layer.neurons[1], [0.0, 1.0], 10.0)
    assert [v.data for v in layer([3, 4])] == [3.0, 14.0]


def test_mlp_returns_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(MLP(2, [3, 1], seed=0)([1, 2]), Value)
    out = MLP(2, [3, 2], seed=0)([1, 2])
    assert isinstance(out, list) and len(out) == 2
    assert isinstance(Layer(2, 1, seed=0)([1, 2]), Value)


def test_width_one_layers_work_anywhere_and_a_single_number_is_one_input():
    model = MLP(1, [1, 1, 1], activation="tanh", seed=0)
    assert model(0.5).data == model([0.5]).data
    assert Neuron(1, seed=0)(2).data == Neuron(1, seed=0)([2]).data


def test_hidden_layers_use_the_activation_and_the_output_its_own():
    model = MLP(2, [3, 3, 1], activation="sigmoid", output_activation="tanh", seed=0)
    assert [layer.activation for layer in model.layers] == ["sigmoid", "sigmoid", "tanh"]
    assert model([1.0, 2.0])._op == "tanh"


def test_micrograd_defaults_relu_hidden_and_linear_output_with_bias():
    model = MLP(2, [4, 1])
    assert [layer.activation for layer in model.layers] == ["relu", "linear"]
    assert model.layers[-1].neurons[0].b is not None


def test_micrograds_nonlin_switch_is_accepted_and_wins_over_activation():
    assert Neuron(2, nonlin=False).activation == "linear"
    assert Neuron(2, "tanh", nonlin=True).activation == "relu"
    assert Layer(2, 3, nonlin=True).activation == "relu"
    assert Layer(2, 3, "tanh", nonlin=False).activation == "linear"


def test_inputs_may_be_values_and_then_get_gradients():
    n = Neuron(2, "linear")
    set_weights(n, [2.0, -3.0], 1.0)
    x = [Value(1.0), Value(1.0)]
    n(x).backward()
    assert [v.grad for v in x] == [2.0, -3.0]
    assert [w.grad for w in n.w] == [1.0, 1.0]


def test_inputs_may_be_a_tuple_a_generator_or_ints_and_bools():
    model = MLP(3, [2, 1], seed=0)
    expected = model([1.0, 0.0, 2.0]).data
    assert model((1, 0, 2)).data == expected
    assert model(iter([1.0, False, 2])).data == expected


def test_numpy_arrays_are_accepted_as_inputs():
    np = pytest.importorskip("numpy")
    model = MLP(3, [2, 1], seed=0)
    assert model(np.array([1.0, 0.0, 2.0])).data == model([1.0, 0.0, 2.0]).data


# ---- initialisation ----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_weights():
    a, b = MLP(3, [4, 1], seed=7), MLP(3, [4, 1], seed=7)
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != MLP(3, [4, 1], seed=8).state_dict()


def test_a_shared_random_generator_is_drawn_from_in_order():
    rng = random.Random(1)
    model = MLP(2, [1], seed=rng)
    rng = random.Random(1)
    bound = 1 / math.sqrt(2)
    assert [p.data for p in model.parameters()] == [rng.uniform(-bound, bound) for _ in range(3)]


def test_no_seed_uses_the_global_random_module_like_micrograd():
    random.seed(1337)
    a = MLP(2, [3, 1]).state_dict()
    random.seed(1337)
    assert MLP(2, [3, 1]).state_dict() == a


def test_micrograds_call_form_draws_micrograds_weights_and_zero_biases():
    random.seed(1337)
    model = MLP(2, [3, 1])
    random.seed(1337)
    w = [random.uniform(-1, 1) for _ in range(2 * 3 + 3)]  # micrograd: neuron by neuron, no bias
    expected = [*w[0:2], 0.0, *w[2:4], 0.0, *w[4:6], 0.0, *w[6:9], 0.0]
    assert [p.data for p in model.parameters()] == expected


def test_micrograds_neuron_and_layer_forms_draw_the_same_way():
    random.seed(3)
    neuron, layer = Neuron(2, nonlin=False), Layer(2, 2)
    random.seed(3)
    w = [random.uniform(-1, 1) for _ in range(6)]
    assert [p.data for p in neuron.parameters()] == [w[0], w[1], 0.0]
    assert [p.data for p in layer.parameters()] == [w[2], w[3], 0.0, w[4], w[5], 0.0]


def test_micrograds_forms_match_micrograd_itself():
    mg = pytest.importorskip("micrograd.nn")
    random.seed(1337)
    theirs = mg.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert [n.nonlin for layer in ours.layers for n in layer.neurons] == [
        n.nonlin for layer in theirs.layers for n in layer.neurons]


def test_any_of_microprops_keywords_keeps_microprops_draws():
    bound = 1 / math.sqrt(2)
    for make in (lambda: MLP(2, [1], activation="relu"), lambda: MLP(2, [1], seed=None),
                 lambda: MLP(2, [1], output_bias=True), lambda: Neuron(2, "relu"),
                 lambda: Neuron(2, bias=True), lambda: Layer(2, 1, seed=None)):
        random.seed(5)
        params = [p.data for p in make().parameters()]
        random.seed(5)
        assert params == [random.uniform(-bound, bound) for _ in range(3)]


def test_nonlin_says_whether_the_activation_is_anything_but_linear():
    assert Neuron(2, nonlin=True).nonlin is True
    assert Neuron(2, "tanh", seed=0).nonlin is True
    assert Neuron(2, "linear", seed=0).nonlin is False
    assert [layer.nonlin for layer in MLP(2, [3, 3, 1]).layers] == [True, True, False]


def test_initial_weights_lie_within_one_over_sqrt_nin():
    model = MLP(16, [9, 1], seed=0)
    for layer in model.layers:
        bound = 1 / math.sqrt(layer.nin)
        for p in layer.parameters():
            assert -bound <= p.data <= bound
    assert max(abs(p.data) for p in model.layers[0].parameters()) > 0.2  # not all tiny


# ---- gradients and state -----------------------------------------------------------------------


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trips_into_another_model():
    a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    assert b([0.3, -0.2]).data == a([0.3, -0.2]).data


def test_state_dict_is_a_snapshot_of_floats():
    model = Neuron(1, seed=0)
    state = model.state_dict()
    model.w[0].data = 123.0
    assert state["w.0"] != 123.0 and all(type(x) is float for x in state.values())


def test_a_state_dict_of_the_wrong_shape_is_refused_and_changes_nothing():
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    other = MLP(2, [3, 1], seed=0).state_dict()
    with pytest.raises(ValueError, match="unexpected 'layers.0.neurons.2.w.0'"):
        model.load_state_dict(other)
    partial = dict(before)
    del partial["layers.1.neurons.0.b"]
    with pytest.raises(ValueError, match="missing 'layers.1.neurons.0.b'"):
        model.load_state_dict(partial)
    assert model.state_dict() == before


def test_a_state_dict_with_a_bad_value_is_refused_and_changes_nothing():
    model = Neuron(2, seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="parameter w.1 is nan; expected a finite number"):
        model.load_state_dict({"w.0": 1.0, "w.1": math.nan, "b": 0.0})
    with pytest.raises(TypeError, match="parameter b is a str, expected a number"):
        model.load_state_dict({"w.0": 1.0, "w.1": 2.0, "b": "0.5"})
    with pytest.raises(TypeError, match="expected a dict"):
        model.load_state_dict([1.0, 2.0, 3.0])
    assert model.state_dict() == before


def test_repr_shows_the_architecture():
    assert repr(article_network(seed=0)) == (
        "MLP(4, [2, 2, 1], activation='tanh', output_bias=False)"
    )
    assert repr(Layer(2, 3, "tanh", seed=0)) == "Layer(2, 3, 'tanh')"
    assert repr(Neuron(2, bias=False, seed=0)) == "Neuron(2, 'relu', bias=False)"
    assert repr(Neuron(2, "tanh", seed=0)) == "Neuron(2, 'tanh')"
    assert repr(Layer(3, 1, "tanh", bias=False, seed=0)) == "Layer(3, 1, 'tanh', bias=False)"
    assert repr(MLP(2, [3, 1], output_activation="sigmoid", output_bias=False, seed=0)) == (
        "MLP(2, [3, 1], activation='relu', output_activation='sigmoid', output_bias=False)"
    )


# ---- defaults, and a missing PyTorch (bad input has rows in test_bad_input_nn.py) -------------


def test_no_activation_means_linear():
    assert Neuron(2, None, seed=0).activation == "linear"
    assert MLP(2, [2, 1], activation=None, seed=0).activation == "linear"


def test_to_torch_without_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError) as info:
        MLP(2, [1], seed=0).to_torch()
    from microprop._checks import install_hint

    assert str(info.value) == f"to_torch() needs PyTorch: {install_hint('torch')}"


def test_a_bare_module_has_no_parameters():
    assert Module().parameters() == [] and Module().state_dict() == {}


def test_parameters_are_the_named_parameters_in_the_same_order():
    from microprop.nn import MLP, Layer, Neuron

    for module in (
        MLP(3, [4, 2, 1], seed=1),
        MLP(4, [2, 2, 1], output_bias=False, seed=2),
        Layer(2, 3, seed=3),
        Neuron(3, bias=False, seed=4),
    ):
        named = [p for _, p in module.named_parameters()]
        params = module.parameters()
        assert len(params) == len(named) and all(a is b for a, b in zip(params, named))
        params.clear()  # a fresh list each call: clearing it changes nothing in the model
        assert len(module.parameters()) == len(named)


def test_each_module_rebuilds_from_its_config():
    from microprop.nn import MODULE_TYPES

    for model in (MLP(3, [4, 2], activation="sigmoid", output_bias=False, seed=1),
                  Layer(2, 3, "tanh", bias=False, seed=2), Layer(2, 1, bias=False, seed=4),
                  Neuron(4, "linear", seed=3)):
        config = model.config()
        assert list(config) == ["type", *type(model)._config_keys]
        assert MODULE_TYPES[config["type"]] is type(model)
        rebuilt = Module.from_config(config, seed=0)
        assert repr(rebuilt) == repr(model) and rebuilt.config() == config
        assert type(model)._parameter_count(config) == len(model.parameters())


def test_a_module_type_without_a_config_says_so_by_name():
    class Custom(Module):
        pass

    with pytest.raises(NotImplementedError, match="^Custom has no config$"):
        Custom().config()
    with pytest.raises(NotImplementedError, match="^Custom has no config$"):
        Custom._layer_sizes({})


def test_sizes_that_are_not_a_list_count_as_no_parameters_rather_than_crash():
    assert MLP._parameter_count({"nin": 2, "nouts": 5, "output_bias": True}) is None
    assert MLP._parameter_count({"nin": 2, "nouts": [3, 1], "output_bias": True}) == 13


def test_every_activation_in_the_table_is_a_choice_and_exports():
    from microprop.nn import ACTIVATION_TABLE

    assert ACTIVATION_NAMES == tuple(ACTIVATION_TABLE)
    for name, row in ACTIVATION_TABLE.items():
        assert row.name == name and (row.apply is None) == (row.torch is None)
