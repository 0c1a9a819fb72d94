# micrograd's trace_graph.ipynb (github.com/karpathy/micrograd), its code cells in order, with the
# imports switched to microprop and the last cell's dot.render('gout') dropped (it needs Graphviz's
# `dot` program; the test reads dot.source instead). examples() returns the two drawn graphs.
#
# The MIT License (MIT) Copyright (c) 2020 Andrej Karpathy: see LICENSE.micrograd beside this file.
# ruff: noqa

from graphviz import Digraph

from microprop import Value


def trace(root):
    nodes, edges = set(), set()
    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)
    build(root)
    return nodes, edges

def draw_dot(root, format='svg', rankdir='LR'):
    """
    format: png | svg | ...
    rankdir: TB (top to bottom graph) | LR (left to right)
    """
    assert rankdir in ['LR', 'TB']
    nodes, edges = trace(root)
    dot = Digraph(format=format, graph_attr={'rankdir': rankdir}) #, node_attr={'rankdir': 'TB'})

    for n in nodes:
        dot.node(name=str(id(n)), label = "{ data %.4f | grad %.4f }" % (n.data, n.grad), shape='record')
        if n._op:
            dot.node(name=str(id(n)) + n._op, label=n._op)
            dot.edge(str(id(n)) + n._op, str(id(n)))

    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)

    return dot


def examples():
    # a very simple example
    x = Value(1.0)
    y = (x * 2 + 1).relu()
    y.backward()
    simple = (draw_dot(y), y)

    # a simple 2D neuron
    import random
    from microprop import nn

    random.seed(1337)
    n = nn.Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = n(x)
    y.backward()

    dot = draw_dot(y)
    return simple, (dot, y)
