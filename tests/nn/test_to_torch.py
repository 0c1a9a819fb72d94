"""Module.to_torch(): an equivalent float64 torch.nn.Sequential, the way out to tensors."""

import random

import pytest

from microprop.losses import mse
from microprop.nn import MLP, Layer, Neuron, article_network

torch = pytest.importorskip("torch")

MODELS = [
    MLP(3, [4, 4, 1], seed=0),
    article_network(seed=1),
    article_network("relu", seed=2),
    MLP(2, [3, 2], activation="sigmoid", output_activation="tanh", seed=3),
    Layer(3, 2, "tanh", bias=False, seed=4),
    Neuron(5, "sigmoid", seed=5),
    MLP(1, [1, 1, 1], seed=6),
]


def inputs(model, n=8):
    rng = random.Random(42)
    return [[rng.uniform(-3, 3) for _ in range(model.nin)] for _ in range(n)]


def as_list(out):
    return [out.data] if not isinstance(out, list) else [v.data for v in out]


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_outputs_match_to_1e_12(model):
    seq = model.to_torch()
    X = inputs(model)
    with torch.no_grad():
        got = seq(torch.tensor(X, dtype=torch.float64)).tolist()
    for x, row in zip(X, got, strict=True):
        for ours, theirs in zip(as_list(model(x)), row, strict=True):
            assert abs(ours - theirs) <= 1e-12 * max(1.0, abs(ours))


def test_the_sequential_is_float64_with_the_same_layers():
    seq = article_network(seed=0).to_torch()
    assert isinstance(seq, torch.nn.Sequential)
    kinds = [type(m).__name__ for m in seq]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert all(p.dtype == torch.float64 for p in seq.parameters())
    assert seq[4].bias is None  # the article's output has no bias
    assert sum(p.numel() for p in seq.parameters()) == 18


def test_weights_are_laid_out_as_the_articles_matrices():
    # Row j, column k of W^(l) is model.layers[l-1].neurons[j].w[k] (0-based here).
    model = article_network(seed=0)
    seq = model.to_torch()
    assert seq[2].weight[1, 0].item() == model.layers[1].neurons[1].w[0].data
    assert seq[2].weight[1, 1].item() == model.layers[1].neurons[1].w[1].data  # w^(2)_22


def test_the_copy_is_independent_of_the_model():
    model = MLP(2, [2, 1], seed=0)
    seq = model.to_torch()
    with torch.no_grad():
        seq[0].weight.zero_()
    assert model.layers[0].neurons[0].w[0].data != 0.0


def test_gradients_match_pytorch_too():
    model = article_network(seed=3)
    seq = model.to_torch()
    X = inputs(model, 5)
    y = [0.0, 1.0, 1.0, 0.0, 1.0]
    mse([model(x) for x in X], y).backward()
    out = seq(torch.tensor(X, dtype=torch.float64)).squeeze(1)
    torch.nn.functional.mse_loss(out, torch.tensor(y, dtype=torch.float64)).backward()
    theirs = [g for p in seq.parameters() for g in p.grad.flatten().tolist()]
    # torch orders each layer as all weights then all biases; put ours in that order
    ours = []
    for layer in model.layers:
        ours += [w.grad for n in layer.neurons for w in n.w]
        ours += [n.b.grad for n in layer.neurons if n.b is not None]
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)


def test_a_layer_where_only_some_neurons_have_a_bias_gets_zero_for_the_others():
    layer = Layer(2, 2, "linear", seed=0)
    layer.neurons[1].b = None  # set by hand: a layer built by microprop has all or none
    (linear,) = layer.to_torch()
    assert linear.bias.tolist() == [layer.neurons[0].b.data, 0.0]


def test_a_species_network_with_cross_entropy_loss_gives_the_same_loss_and_gradients():
    from microprop.losses import cross_entropy

    model = MLP(4, [5, 3], activation="tanh", output_bias=False, seed=8)
    seq = model.to_torch()
    X = inputs(model, 12)
    y = [k % 3 for k in range(12)]  # each of the three classes four times
    ours_loss = cross_entropy([model(x) for x in X], y)
    ours_loss.backward()
    theirs_loss = torch.nn.CrossEntropyLoss()(
        seq(torch.tensor(X, dtype=torch.float64)), torch.tensor(y)
    )
    theirs_loss.backward()
    assert abs(ours_loss.data - theirs_loss.item()) <= 1e-12 * abs(theirs_loss.item())
    theirs = [g for p in seq.parameters() for g in p.grad.flatten().tolist()]
    ours = []  # torch's order: each layer's weights, then its biases
    for layer in model.layers:
        ours += [w.grad for n in layer.neurons for w in n.w]
        ours += [n.b.grad for n in layer.neurons if n.b is not None]
    assert len(ours) == len(theirs) == 4 * 5 + 5 + 5 * 3
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)
