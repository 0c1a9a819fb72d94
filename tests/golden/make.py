"""The golden drawings: a dozen representative graphs, each drawn to DOT text exactly as pinned.

``tests/test_golden.py`` rebuilds every case and compares it with ``<name>.dot`` byte for byte,
so a refactor of the drawing code that changes a single byte fails. Run this file only to re-pin
on purpose (``python tests/golden/make.py``), after a change to the drawings that is meant.
"""

from __future__ import annotations

import pathlib
import sys
import warnings
from collections.abc import Callable

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # this checkout's microprop
sys.path.insert(0, str(HERE.parent))  # tests/examples.py

from examples import readme_neuron  # noqa: E402

from microprop import Value, backward_steps  # noqa: E402
from microprop.data import Standardizer, load_iris  # noqa: E402
from microprop.losses import bce_with_logits, cross_entropy, mse  # noqa: E402
from microprop.nn import MLP, article_network  # noqa: E402
from microprop.viz import dot_source, draw_dot, draw_steps  # noqa: E402


def _neuron(backward: bool = True) -> tuple[Value, dict[str, Value]]:
    a, v = readme_neuron()
    if backward:
        a.backward()
    return a, v


def _article(backward: bool = True) -> Value:
    """Notebooks 01 and 02: the article's 4-2-2-1 network on Iris row 100, labelled as there."""
    flowers, labels = load_iris()
    flowers = Standardizer.fit(flowers).transform(flowers)
    model = article_network("tanh", seed=5)
    xs = [Value(v, label=f"x_{k}") for k, v in enumerate(flowers[100], start=1)]
    a2 = model.layers[0](xs)
    a3 = model.layers[1](a2)
    s = model.layers[2](a3)
    C = mse(s, float(labels[100]))
    s.label, C.label = "s", "C"
    C._children[0].label = "s - y"
    for l, a_nodes in [(2, a2), (3, a3)]:
        for j, a in enumerate(a_nodes, start=1):
            (z,) = a._children
            a.label, z.label = f"a^({l})_{j}", f"z^({l})_{j}"
    if backward:
        C.backward()
    return C


def _reused() -> Value:
    """Notebook 03: a = 2, b = a * a (one node used twice), c = b + b, d = c * b."""
    a = Value(2.0, label="a")
    b = a * a
    c = b + b
    d = c * b
    b.label, c.label, d.label = "b", "c", "d"
    return d


def _constants() -> Value:
    """Constants on either side, a division and a subtraction, and labels DOT must escape."""
    x = Value(3.0, label='x {in|put} "<1>"')
    y = (2 * x + 1 - x / 4) ** 2
    y = 1 / y - 0.5
    y.label = "y\nout"
    y.backward()
    return y


def _cli() -> Value:
    """The command line's drawing: one example's cost through the article's network, as cli.py."""
    model = MLP(4, [2, 2, 1], activation="tanh", output_bias=False, seed=0)
    xs = [Value(v, label=f"x{k}") for k, v in enumerate([0.25, -1.5, 1.0, 0.75])]
    s = model(xs)
    assert isinstance(s, Value)
    s.label = "s"
    cost = bce_with_logits(s, 1.0)
    cost.label = "C"
    cost.backward()
    return cost


def _three_species() -> Value:
    """Notebook 05: a 4-5-3 network's cross-entropy on one flower, logits to logsumexp to C."""
    flowers, labels = load_iris(classes=3)
    flowers = Standardizer.fit(flowers).transform(flowers)
    s = MLP(4, [5, 3], seed=0)(flowers[100])
    assert isinstance(s, list)
    cost = cross_entropy(s, labels[100])
    cost.label = "C"
    cost.backward()
    return cost


def _readme_picture() -> str:
    a, v = _neuron()
    params = [v["w1"], v["w2"], v["b"]]
    return draw_dot(
        a, rankdir="TB", show_local_grads=True, color="role", parameters=params
    ).source


CASES: dict[str, Callable[[], str]] = {
    "readme_neuron": lambda: dot_source(_neuron()[0]),
    "readme_neuron_before_backward": lambda: dot_source(_neuron(backward=False)[0]),
    "readme_picture": _readme_picture,
    "article_full": lambda: dot_source(_article()),
    "article_forward_by_layer": lambda: draw_dot(
        _article(backward=False), show_grads=False, group="layer"
    ).source,
    "article_by_neuron_grad_colors": lambda: dot_source(_article(), group="neuron", color="grad"),
    "article_collapsed": lambda: draw_dot(
        _article(backward=False), show_grads=False, collapse=True
    ).source,
    "article_collapsed_roles_tb": lambda: dot_source(
        _article(), collapse=True, group="layer", color="role", rankdir="TB"
    ),
    "article_highlight": lambda: draw_dot(
        _article(), highlight="layers.1.neurons.1.w.1", show_local_grads=True
    ).source,
    "reused_local_grads": lambda: draw_dot(_reused(), show_local_grads=True).source,
    "reused_frames": lambda: "".join(
        f.source for f in draw_steps(backward_steps(_reused()), show_local_grads=True)
    ),
    "reused_step_2_highlight": lambda: dot_source(
        _reused(), step=2, highlight="a", color="grad", rankdir="RL"
    ),
    "constants_bt": lambda: dot_source(_constants(), rankdir="BT", show_local_grads=True),
    "cli_article": lambda: dot_source(_cli(), group="neuron"),
    "three_species_collapsed_tb": lambda: dot_source(_three_species(), collapse=True, rankdir="TB"),
}


def build(name: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the drawing before backward() warns; its text is pinned
        return CASES[name]()


def main() -> None:
    for name in CASES:
        path = HERE / f"{name}.dot"
        path.write_text(build(name), encoding="utf-8", newline="")
        print("wrote", path)


if __name__ == "__main__":
    main()
