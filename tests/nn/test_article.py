"""The article's worked example: dC/dw^(2)_22 by its chain rule, by hand, equals backward().

Weights are chosen so the numbers can be followed on paper. The article's notation: the
superscript on W and b is the layer they come from (quirk Q2), W_jk goes from neuron k to neuron j
(Q5), and the output s = W^(3) a^(3) has no bias (Q7), so dC/da^(3)_2 = dC/ds * W^(3)_12.
"""

import math

import pytest

from microprop import Value
from microprop.losses import mse
from microprop.nn import article_network

W1 = [[0.1, -0.2, 0.3, 0.4], [0.5, 0.6, -0.7, 0.8]]
B1 = [0.1, -0.1]
W2 = [[0.3, -0.4], [0.2, 0.5]]
B2 = [0.05, 0.1]
W3 = [[0.7, -0.6]]
X = [1.0, 0.5, -1.0, 2.0]
Y = 1.0

F = {
    "relu": (lambda z: max(z, 0.0), lambda z: 1.0 if z > 0 else 0.0),
    "tanh": (math.tanh, lambda z: 1.0 - math.tanh(z) ** 2),
}


def build(activation, b2=B2):
    """The article's network holding W1, B1, W2, B2, W3, via the documented index mapping."""
    model = article_network(activation, seed=0)
    for l, (W, b) in enumerate([(W1, B1), (W2, b2), (W3, None)], start=1):
        for j, row in enumerate(W, start=1):
            neuron = model.layers[l - 1].neurons[j - 1]
            for k, w in enumerate(row, start=1):
                neuron.w[k - 1].data = w  # W^(l)_jk
            if b is not None:
                neuron.b.data = b[j - 1]  # b^(l)_j
    return model


def forward_by_hand(activation, b2=B2):
    """The article's forward equations, written out with plain floats."""
    f, _ = F[activation]
    z2 = [sum(W1[j][k] * X[k] for k in range(4)) + B1[j] for j in range(2)]
    a2 = [f(z) for z in z2]
    z3 = [sum(W2[j][k] * a2[k] for k in range(2)) + b2[j] for j in range(2)]
    a3 = [f(z) for z in z3]
    s = sum(W3[0][k] * a3[k] for k in range(2))
    return z2, a2, z3, a3, s


def w22_gradient_by_hand(activation, b2=B2):
    """dC/dw^(2)_22 = dC/da^(3)_2 * f'(z^(3)_2) * a^(2)_2, with C = (s - y)^2."""
    _, f_prime = F[activation]
    _, a2, z3, _, s = forward_by_hand(activation, b2)
    dC_ds = 2.0 * (s - Y)
    dC_da3_2 = dC_ds * W3[0][1]  # the step the article leaves open: s = W^(3) a^(3)
    return dC_da3_2 * f_prime(z3[1]) * a2[1]


def w22_gradient_by_backward(activation, b2=B2):
    model = build(activation, b2)
    s = model(X)
    assert s.data == pytest.approx(forward_by_hand(activation, b2)[4], rel=1e-14)
    cost = mse([s], [Y])
    cost.backward()
    return model.layers[1].neurons[1].w[1].grad


def test_relu_w22_gradient_on_paper():
    # z2 = [0.6, 3.0], a2 = [0.6, 3.0]; z3_2 = 0.2*0.6 + 0.5*3.0 + 0.1 = 1.72 > 0, so f' = 1;
    # z3_1 = -0.97, a3 = [0, 1.72]; s = -0.6 * 1.72 = -1.032; dC/ds = 2 (s - 1) = -4.064;
    # dC/da3_2 = -4.064 * -0.6 = 2.4384; dC/dw22 = 2.4384 * 1 * 3.0 = 7.3152.
    assert w22_gradient_by_hand("relu") == pytest.approx(7.3152, rel=1e-12)
    assert w22_gradient_by_backward("relu") == pytest.approx(7.3152, rel=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_backward_gives_the_articles_chain_rule_for_w22(activation):
    by_hand = w22_gradient_by_hand(activation)
    assert by_hand != 0.0
    assert w22_gradient_by_backward(activation) == pytest.approx(by_hand, rel=1e-12)


def test_a_switched_off_relu_passes_no_gradient_to_w22():
    b2 = [0.05, -5.0]  # z3_2 = 1.62 - 5 < 0, so f'(z3_2) = 0
    assert w22_gradient_by_hand("relu", b2) == 0.0
    assert w22_gradient_by_backward("relu", b2) == 0.0


def test_w22_gradient_agrees_with_a_finite_difference():
    model = build("tanh")
    w22 = model.layers[1].neurons[1].w[1]

    def cost():
        return (model(X).data - Y) ** 2

    eps = 1e-6
    w22.data += eps
    up = cost()
    w22.data -= 2 * eps
    down = cost()
    w22.data += eps
    assert w22_gradient_by_backward("tanh") == pytest.approx((up - down) / (2 * eps), rel=1e-7)


def test_every_gradient_matches_the_layerwise_deltas():
    # The reconstructed recursion (equations.md): delta3 = W3^T dC/ds * f'(z3),
    # delta2 = W2^T delta3 * f'(z2); dC/dW^(l)_jk = delta^(l+1)_j a^(l)_k; dC/db^(l)_j = delta_j.
    _, f_prime = F["tanh"]
    z2, a2, z3, a3, s = forward_by_hand("tanh")
    dC_ds = 2.0 * (s - Y)
    d3 = [W3[0][j] * dC_ds * f_prime(z3[j]) for j in range(2)]
    d2 = [sum(W2[i][j] * d3[i] for i in range(2)) * f_prime(z2[j]) for j in range(2)]
    expected = {}
    for j in range(2):
        for k in range(4):
            expected[f"layers.0.neurons.{j}.w.{k}"] = d2[j] * X[k]
        expected[f"layers.0.neurons.{j}.b"] = d2[j]
        for k in range(2):
            expected[f"layers.1.neurons.{j}.w.{k}"] = d3[j] * a2[k]
        expected[f"layers.1.neurons.{j}.b"] = d3[j]
        expected[f"layers.2.neurons.0.w.{j}"] = dC_ds * a3[j]

    model = build("tanh")
    mse([model(X)], [Y]).backward()
    grads = {name: p.grad for name, p in model.named_parameters()}
    assert grads.keys() == expected.keys()
    for name, g in expected.items():
        assert grads[name] == pytest.approx(g, rel=1e-12, abs=1e-15), name


def test_inputs_as_values_make_x_a_leaf_of_the_graph():
    # x_i = a^(1)_i: with Value inputs, backward also gives dC/dx, the article's gradient in x.
    model = build("tanh")
    xs = [Value(x, label=f"x{k}") for k, x in enumerate(X)]
    mse([model(xs)], [Y]).backward()
    _, f_prime = F["tanh"]
    z2, _, z3, _, s = forward_by_hand("tanh")
    d3 = [W3[0][j] * 2.0 * (s - Y) * f_prime(z3[j]) for j in range(2)]
    d2 = [sum(W2[i][j] * d3[i] for i in range(2)) * f_prime(z2[j]) for j in range(2)]
    for k, x in enumerate(xs):
        assert x.grad == pytest.approx(sum(W1[j][k] * d2[j] for j in range(2)), rel=1e-12)
