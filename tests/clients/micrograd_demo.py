# micrograd's demo.ipynb (github.com/karpathy/micrograd), its code cells in order, with:
#   - the imports switched to microprop (nothing else changed in the model or the training loop);
#   - sklearn's make_moons replaced by moons() below, the same draws from NumPy's global stream
#     (sklearn is not a dependency of the test suite);
#   - the plotting dropped, and the 100 steps made a parameter (steps=100 is the notebook).
#
# The MIT License (MIT) Copyright (c) 2020 Andrej Karpathy: see LICENSE.micrograd beside this file.
# ruff: noqa

import random

import numpy as np

from microprop import Value
from microprop.nn import MLP


def moons(n_samples, noise):
    """Two interleaving half circles, shuffled, plus Gaussian noise: make_moons's draws."""
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack([
        np.append(np.cos(t_out), 1 - np.cos(t_in)),
        np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5),
    ]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    order = np.arange(n_samples)
    np.random.shuffle(order)
    X, y = X[order], y[order]
    X += np.random.normal(scale=noise, size=X.shape)
    return X, y


def run(steps=100, out=print):
    np.random.seed(1337)
    random.seed(1337)

    X, y = moons(n_samples=100, noise=0.1)
    y = y*2 - 1 # make y be -1 or 1

    # initialize a model
    model = MLP(2, [16, 16, 1]) # 2-layer neural network
    out("number of parameters", len(model.parameters()))

    # loss function
    def loss(batch_size=None):

        # inline DataLoader :)
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]

        # forward the model to get scores
        scores = list(map(model, inputs))

        # svm "max-margin" loss
        losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum((p*p for p in model.parameters()))
        total_loss = data_loss + reg_loss

        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    total_loss, acc = loss()
    out(total_loss, acc)

    # optimization
    for k in range(steps):

        # forward
        total_loss, acc = loss()

        # backward
        model.zero_grad()
        total_loss.backward()

        # update (sgd)
        learning_rate = 1.0 - 0.9*k/100
        for p in model.parameters():
            p.data -= learning_rate * p.grad

        if k % 1 == 0:
            out(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")


if __name__ == "__main__":
    run()
