"""Draw docs/graph.svg, the README's picture: one neuron after backward(), with local derivatives.

Run from anywhere: ``python docs/make_graph.py``. Needs the graphviz package and the ``dot``
program; the drawing is deterministic, so re-running it gives the same file unless the code changed.
"""

from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))  # this checkout's microprop

from microprop import Value  # noqa: E402
from microprop.viz import draw_dot, save  # noqa: E402


def neuron() -> tuple[Value, list[Value]]:
    """a = tanh(w1*x1 + w2*x2 + b), the README's example, and its three parameters."""
    x1, x2 = Value(1.5, label="x1"), Value(-0.5, label="x2")
    w1, w2, b = Value(0.8, label="w1"), Value(-1.2, label="w2"), Value(-1.4, label="b")
    z = w1 * x1 + w2 * x2 + b
    z.label = "z"
    a = z.tanh()
    a.label = "a"
    a.backward()
    return a, [w1, w2, b]


def main(argv: list[str]) -> None:
    out = pathlib.Path(argv[0]) if argv else pathlib.Path(__file__).with_name("graph.svg")
    a, parameters = neuron()
    graph = draw_dot(
        a, rankdir="TB", show_local_grads=True, color="role", parameters=parameters
    )
    print("wrote", save(graph, out))


if __name__ == "__main__":
    main(sys.argv[1:])
