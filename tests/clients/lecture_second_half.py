# The parts of nn-zero-to-hero's lectures/micrograd/micrograd_lecture_second_half_roughly.ipynb
# (github.com/karpathy/nn-zero-to-hero) that exercise the engine, its cells in order, with the
# lecture's `class Value` cell replaced by the import below. Dropped: the plots and the cells on
# plain floats. The notebook never seeds `random`, so its MLP's numbers cannot be reproduced; run()
# takes a seed, and the test compares microprop against the lecture's own class on the same seed.
# run() returns what the cells display.
#
# MIT License, Copyright (c) 2022 Andrej Karpathy: see LICENSE.nn-zero-to-hero beside this file.
# ruff: noqa

import random

from microprop import Value


def neuron_grads(x1, x2, w1, w2, b, o):
  return {'o': o.data, 'x2': x2.grad, 'w2': w2.grad, 'x1': x1.grad, 'w1': w1.grad}


def run(seed=1337, steps=20):
  shown = {}

  # cell 9
  # inputs x1,x2
  x1 = Value(2.0, label='x1')
  x2 = Value(0.0, label='x2')
  # weights w1,w2
  w1 = Value(-3.0, label='w1')
  w2 = Value(1.0, label='w2')
  # bias of the neuron
  b = Value(6.8813735870195432, label='b')
  # x1*w1 + x2*w2 + b
  x1w1 = x1*w1; x1w1.label = 'x1*w1'
  x2w2 = x2*w2; x2w2.label = 'x2*w2'
  x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = 'x1*w1 + x2*w2'
  n = x1w1x2w2 + b; n.label = 'n'
  o = n.tanh(); o.label = 'o'
  o.backward()
  shown['tanh'] = neuron_grads(x1, x2, w1, w2, b, o)

  # cell 11
  # inputs x1,x2
  x1 = Value(2.0, label='x1')
  x2 = Value(0.0, label='x2')
  # weights w1,w2
  w1 = Value(-3.0, label='w1')
  w2 = Value(1.0, label='w2')
  # bias of the neuron
  b = Value(6.8813735870195432, label='b')
  # x1*w1 + x2*w2 + b
  x1w1 = x1*w1; x1w1.label = 'x1*w1'
  x2w2 = x2*w2; x2w2.label = 'x2*w2'
  x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = 'x1*w1 + x2*w2'
  n = x1w1x2w2 + b; n.label = 'n'
  # ----
  e = (2*n).exp()
  o = (e - 1) / (e + 1)
  # ----
  o.label = 'o'
  o.backward()
  shown['tanh from exp'] = neuron_grads(x1, x2, w1, w2, b, o)

  # cell 14
  class Neuron:

    def __init__(self, nin):
      self.w = [Value(random.uniform(-1,1)) for _ in range(nin)]
      self.b = Value(random.uniform(-1,1))

    def __call__(self, x):
      # w * x + b
      act = sum((wi*xi for wi, xi in zip(self.w, x)), self.b)
      out = act.tanh()
      return out

    def parameters(self):
      return self.w + [self.b]

  class Layer:

    def __init__(self, nin, nout):
      self.neurons = [Neuron(nin) for _ in range(nout)]

    def __call__(self, x):
      outs = [n(x) for n in self.neurons]
      return outs[0] if len(outs) == 1 else outs

    def parameters(self):
      return [p for neuron in self.neurons for p in neuron.parameters()]

  class MLP:

    def __init__(self, nin, nouts):
      sz = [nin] + nouts
      self.layers = [Layer(sz[i], sz[i+1]) for i in range(len(nouts))]

    def __call__(self, x):
      for layer in self.layers:
        x = layer(x)
      return x

    def parameters(self):
      return [p for layer in self.layers for p in layer.parameters()]

  # cell 15
  random.seed(seed)
  x = [2.0, 3.0, -1.0]
  n = MLP(3, [4, 4, 1])
  shown['n(x)'] = n(x).data

  # cell 16
  xs = [
    [2.0, 3.0, -1.0],
    [3.0, -1.0, 0.5],
    [0.5, 1.0, 1.0],
    [1.0, 1.0, -1.0],
  ]
  ys = [1.0, -1.0, -1.0, 1.0] # desired targets

  # cell 17
  shown['losses'] = []
  for k in range(steps):

    # forward pass
    ypred = [n(x) for x in xs]
    loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))

    # backward pass
    for p in n.parameters():
      p.grad = 0.0
    loss.backward()

    # update
    for p in n.parameters():
      p.data += -0.1 * p.grad

    shown['losses'].append(loss.data)

  # cell 18
  shown['ypred'] = [y.data for y in ypred]
  return shown
