# The parts of nn-zero-to-hero's lectures/micrograd/micrograd_lecture_first_half_roughly.ipynb
# (github.com/karpathy/nn-zero-to-hero) that exercise the engine, its cells in order, with the
# lecture's `class Value` cell replaced by the import below. Dropped: the plots and the cells on
# plain floats; cell 10 (it reads gradients set in cells the notebook no longer has); cell 15's
# o.backward(), so the by-hand cells 17-22 start from zero gradients, as in the video; cells 23-28,
# which set gradients by hand (no engine involved). run() returns what the cells display.
#
# MIT License, Copyright (c) 2022 Andrej Karpathy: see LICENSE.nn-zero-to-hero beside this file.
# ruff: noqa

from graphviz import Digraph

from microprop import Value


# cell 8
def trace(root):
  # builds a set of all nodes and edges in a graph
  nodes, edges = set(), set()
  def build(v):
    if v not in nodes:
      nodes.add(v)
      for child in v._prev:
        edges.add((child, v))
        build(child)
  build(root)
  return nodes, edges

def draw_dot(root):
  dot = Digraph(format='svg', graph_attr={'rankdir': 'LR'}) # LR = left to right

  nodes, edges = trace(root)
  for n in nodes:
    uid = str(id(n))
    # for any value in the graph, create a rectangular ('record') node for it
    dot.node(name = uid, label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad), shape='record')
    if n._op:
      # if this value is a result of some operation, create an op node for it
      dot.node(name = uid + n._op, label = n._op)
      # and connect this node to it
      dot.edge(uid + n._op, uid)

  for n1, n2 in edges:
    # connect n1 to the op node of n2
    dot.edge(str(id(n1)), str(id(n2)) + n2._op)

  return dot


def run():
  shown = {}

  # cell 7 (after the class)
  a = Value(2.0, label='a')
  b = Value(-3.0, label='b')
  c = Value(10.0, label='c')
  e = a*b; e.label = 'e'
  d = e + c; d.label = 'd'
  f = Value(-2.0, label='f')
  L = d * f; L.label = 'L'
  shown['L'] = L.data

  # cell 9
  shown['draw_dot(L)'] = draw_dot(L).source

  # cell 11
  def lol():

    h = 0.001

    a = Value(2.0, label='a')
    b = Value(-3.0, label='b')
    c = Value(10.0, label='c')
    e = a*b; e.label = 'e'
    d = e + c; d.label = 'd'
    f = Value(-2.0, label='f')
    L = d * f; L.label = 'L'
    L1 = L.data

    a = Value(2.0, label='a')
    b = Value(-3.0, label='b')
    b.data += h
    c = Value(10.0, label='c')
    e = a*b; e.label = 'e'
    d = e + c; d.label = 'd'
    f = Value(-2.0, label='f')
    L = d * f; L.label = 'L'
    L2 = L.data

    return (L2 - L1)/h

  shown['lol()'] = lol()

  # cell 13
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

  # cell 16
  topo = []
  visited = set()
  def build_topo(v):
    if v not in visited:
      visited.add(v)
      for child in v._prev:
        build_topo(child)
      topo.append(v)
  build_topo(o)
  shown['topo'] = [v.data for v in topo]

  # cells 17-22: backpropagation by hand, one node at a time
  o.grad = 1.0
  o._backward()
  n._backward()
  b._backward()
  x1w1x2w2._backward()
  x2w2._backward()
  x1w1._backward()
  shown['by hand'] = {v.label: v.grad for v in (o, n, b, x1w1x2w2, x1w1, x2w2, x1, w1, x2, w2)}

  # cell 29
  shown['1 - o.data**2'] = 1 - o.data**2

  # cell 31
  a = Value(3.0, label='a')
  b = a + a   ; b.label = 'b'
  b.backward()
  draw_dot(b)
  shown['a + a'] = a.grad

  # cell 32
  a = Value(-2.0, label='a')
  b = Value(3.0, label='b')
  d = a * b    ; d.label = 'd'
  e = a + b    ; e.label = 'e'
  f = d * e    ; f.label = 'f'

  f.backward()

  draw_dot(f)
  shown['d * e'] = {'a': a.grad, 'b': b.grad}
  return shown
