"""The floor: the benchmark networks trained by hand-written plain Python, with no graph at all.

Weights are lists of rows of floats; the forward pass keeps each layer's ``z`` and activations, and
the backward pass is the article's chain rule unrolled layer by layer (delta = dC/dz, then
dC/dW_jk = delta_j a_k and dC/db_j = delta_j). It does every multiplication the graph does (it
does not skip samples whose gradient is zero), so it is what a scalar engine can approach but not
beat. Hidden layers use ReLU and the last layer is linear, as in micrograd's MLP.
"""

from __future__ import annotations

from math import exp, log
from operator import mul

# A network is a list of layers (W, b): W a list of rows (one per neuron, one weight per input),
# b a list of biases or None for a layer without biases (the article's output neuron).
Layer = tuple[list[list[float]], "list[float] | None"]


def forward(layers: list[Layer], x: list[float]) -> tuple[list[list[float]], list[list[float]]]:
    """Every layer's weighted inputs ``z`` and its inputs ``a`` (``acts[0]`` is ``x``)."""
    zs = []
    acts = [x]
    last = len(layers) - 1
    for i, (W, b) in enumerate(layers):
        if b is None:
            z = [sum(map(mul, row, x)) for row in W]
        else:
            z = [sum(map(mul, row, x)) + bj for row, bj in zip(W, b)]
        zs.append(z)
        x = z if i == last else [v if v > 0.0 else 0.0 for v in z]
        acts.append(x)
    return zs, acts


def backward(
    layers: list[Layer],
    zs: list[list[float]],
    acts: list[list[float]],
    delta: list[float],
    grads: list[Layer],
) -> None:
    """Add this sample's dC/dW and dC/db to ``grads``, given ``delta`` = dC/dz of the last layer."""
    for i in range(len(layers) - 1, -1, -1):
        W = layers[i][0]
        gW, gb = grads[i]
        a = acts[i]
        for j, dj in enumerate(delta):
            gW[j] = [g + dj * ak for g, ak in zip(gW[j], a)]  # dC/dW_jk = delta_j a_k
        if gb is not None:
            gb[:] = [g + dj for g, dj in zip(gb, delta)]  # dC/db_j = delta_j
        if i:
            # dC/da_k = sum_j W_jk delta_j, then through the ReLU: zero where z <= 0
            delta = [
                sum(map(mul, column, delta)) if z > 0.0 else 0.0
                for column, z in zip(zip(*W), zs[i - 1])
            ]


def zeros_like(layers: list[Layer]) -> list[Layer]:
    return [
        ([[0.0] * len(row) for row in W], None if b is None else [0.0] * len(b)) for W, b in layers
    ]


def sgd(layers: list[Layer], grads: list[Layer], lr: float) -> None:
    for (W, b), (gW, gb) in zip(layers, grads):
        for row, grow in zip(W, gW):
            row[:] = [w - lr * g for w, g in zip(row, grow)]
        if b is not None:
            b[:] = [bj - lr * g for bj, g in zip(b, gb)]


def hinge_step(
    layers: list[Layer], X: list[list[float]], Y: list[float], lr: float, alpha: float
) -> float:
    """One full-batch step of micrograd's demo loss: mean(relu(1 - y s)) + alpha * sum(p^2)."""
    n = len(X)
    grads = zeros_like(layers)
    data_loss = 0.0
    for x, y in zip(X, Y):
        zs, acts = forward(layers, x)
        margin = 1.0 - y * acts[-1][0]
        if margin > 0.0:
            data_loss += margin
        # d/ds relu(1 - y s) / n, zero when the margin is met (still propagated, as the graph does)
        backward(layers, zs, acts, [-y / n if margin > 0.0 else 0.0], grads)
    reg = 0.0
    for (W, b), (gW, gb) in zip(layers, grads):
        for row, grow in zip(W, gW):
            reg += sum(map(mul, row, row))
            grow[:] = [g + 2.0 * alpha * w for g, w in zip(grow, row)]  # d/dw alpha w^2
        if b is not None:
            reg += sum(map(mul, b, b))
            gb[:] = [g + 2.0 * alpha * bj for g, bj in zip(gb, b)]
    sgd(layers, grads, lr)
    return data_loss / n + alpha * reg


def squared_error_step(layers: list[Layer], x: list[float], y: float, lr: float) -> float:
    """One per-sample SGD step on (s - y)^2, as in the article's training loop."""
    zs, acts = forward(layers, x)
    error = acts[-1][0] - y
    grads = zeros_like(layers)
    backward(layers, zs, acts, [2.0 * error], grads)  # d/ds (s - y)^2 = 2 (s - y)
    sgd(layers, grads, lr)
    return error * error


def cross_entropy_step(
    layers: list[Layer], X: list[list[float]], Y: list[int], lr: float
) -> float:
    """One full-batch step of the mean cross-entropy of the logits s and class indices y:
    log(sum_i exp s_i) - s_y, computed as m + log(sum_i exp(s_i - m)) with m = max s, so that
    no exp overflows. Its derivative in s_i is p_i - [i == y], p the softmax of s."""
    n = len(X)
    grads = zeros_like(layers)
    total = 0.0
    for x, y in zip(X, Y):
        zs, acts = forward(layers, x)
        s = acts[-1]
        m = max(s)
        es = [exp(v - m) for v in s]
        z = sum(es)
        total += m + log(z) - s[y]
        delta = [e / (z * n) for e in es]  # d/ds_i of the mean: (p_i - [i == y]) / n
        delta[y] -= 1.0 / n
        backward(layers, zs, acts, delta, grads)
    sgd(layers, grads, lr)
    return total / n


def chain(n: int, a: float = 1.0001, c: float = 0.0001) -> tuple[float, float]:
    """``x = x * a + c`` n times from x = 1, recording each local derivative on a tape; returns
    the final x and dx/dx0 from walking the tape backwards."""
    x = 1.0
    tape = []
    for _ in range(n):
        tape.append(a)  # d(x a)/dx
        x = x * a
        tape.append(1.0)  # d(x + c)/dx
        x = x + c
    grad = 1.0
    for local in reversed(tape):
        grad *= local
    return x, grad
