"""The browser site's own Python (web/python/), imported here by module name as the page's worker
imports it, and a stand-in for the page's SVG renderer (Graphviz compiled to WebAssembly)."""

import sys
from pathlib import Path

import pytest

from microprop.viz import set_svg_renderer

# Found from this file, so the tests run from any folder.
SITE_PYTHON = Path(__file__).resolve().parents[2] / "web" / "python"
if str(SITE_PYTHON) not in sys.path:
    sys.path.insert(0, str(SITE_PYTHON))

# What the fake renderer draws: the XML prolog and doctype that Graphviz writes before <svg>.
FAKE_SVG = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<!DOCTYPE svg>\n'
            '<svg xmlns="http://www.w3.org/2000/svg"><text>drawn</text></svg>')


class FakeRenderer:
    """Draws every DOT text as the same SVG, and keeps the DOT texts it was given."""

    svg = FAKE_SVG

    def __init__(self):
        self.sources = []

    def __call__(self, dot):
        self.sources.append(dot)
        return self.svg


@pytest.fixture
def fake_svg():
    """microprop's SVG renderer replaced by a FakeRenderer (as the page's is viz-js); the
    renderer set before is put back. What it draws needs the graphviz package (the viz extra),
    as in the page."""
    pytest.importorskip("graphviz")
    render = FakeRenderer()
    before = set_svg_renderer(render)
    yield render
    set_svg_renderer(before)
