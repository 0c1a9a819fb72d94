"""Drawing computation graphs: the public face of the drawing modules.

A drawing is made in three steps, each in a module of its own: ``scene`` reads a graph into what
to draw (boxes, clusters, edges, a caption: plain data), ``dot_text`` writes that as Graphviz DOT
text (``dot_source``, in plain Python, the same on every run), and ``render`` hands it to Graphviz
(``draw_dot``'s ``Digraph``, which Jupyter shows inline; ``render_svg`` and ``save``, which run the
``dot`` program). The options they share are one table in ``drawing_options``. ``draw_step`` and
``draw_steps`` draw the moments of ``backward_steps(root)``, which is plain data and draws nothing.
"""

from __future__ import annotations

from .dot_text import dot_source
from .graph import trace
from .render import (
    DotNotFoundError,
    draw_dot,
    draw_step,
    draw_steps,
    render_svg,
    save,
    set_svg_renderer,
)

__all__ = ["trace", "dot_source", "draw_dot", "render_svg", "save", "DotNotFoundError"]
__all__ += ["draw_step", "draw_steps", "set_svg_renderer"]
