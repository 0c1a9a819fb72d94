"""The readability measure for drawings: how tall their smallest text is where they are shown."""

from __future__ import annotations

import re


def displayed_text_px(svg, cell_px=1000.0):
    """How tall the smallest text of ``svg`` is, in px, shown in a notebook cell ``cell_px`` wide.

    Graphviz writes the width in pt (4/3 px each in a browser) and the fonts in viewBox units; a
    cell narrower than the drawing scales it down to the cell's width, text and all.
    """
    width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    viewbox_width = float(re.search(r'viewBox="[\d.-]+ [\d.-]+ ([\d.]+)', svg).group(1))
    smallest = min(float(s) for s in re.findall(r'font-size="([\d.]+)"', svg))
    return smallest * min(cell_px, width_pt * 4 / 3) / viewbox_width
