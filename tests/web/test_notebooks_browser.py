"""The notebooks in JupyterLite in a real browser: the site built with --notebooks, served on
127.0.0.1, and notebook 01 opened in JupyterLab in headless Chromium with every request to any
other address refused; a cell run in its kernel does microprop's backward pass.

It needs npm, Chromium, Playwright and JupyterLite (pip install -e ".[site]"); without any of
them the tests skip and say which. The kernel starts in 10 to 20 seconds here, so the site is
built and opened once for the whole file.
"""

from __future__ import annotations

import importlib.util
import time

import pytest
from built_site import ROOT, opened

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install "
                    "playwright)")
pytestmark = pytest.mark.slow  # it runs npm, pip, jupyter lite and a browser
READY = 240_000  # ms: JupyterLab's start and the kernel's (about 15 s here; on a busy machine more)
NOTEBOOK = "01_forward_propagation.ipynb"
# a = 2, b = -3, c = a*b + tanh(a): dc/da = b + 1 - tanh(2)^2, dc/db = a, checkable by hand.
CELL = """import microprop
from microprop import Value
a, b = Value(2.0), Value(-3.0)
c = a * b + a.tanh()
c.backward()
print(microprop.__version__, f"{c.data:.6f} {a.grad:.6f} {b.grad:.6f}")"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if importlib.util.find_spec("jupyterlite_core") is None:
        pytest.skip('JupyterLite is not installed (pip install -e ".[site]")')
    yield from opened(tmp_path_factory.mktemp("site") / "site", ["--notebooks"],
                      {"width": 1280, "height": 900})


def test_the_pages_link_to_the_notebooks(site):
    url, context, _ = site
    page = context.new_page()
    page.goto(url + "train.html")
    link = page.locator("nav a", has_text="Notebooks")
    link.wait_for(timeout=30_000)
    assert link.get_attribute("href") == "notebooks/lab/index.html"
    page.close()


def test_a_cell_in_notebook_01_runs_microprop_in_the_browser(site):
    url, context, _ = site
    page = context.new_page()
    started = time.monotonic()
    page.goto(f"{url}notebooks/lab/index.html?path={NOTEBOOK}")
    # The kernel is started when the notebook opens; keys typed before it is idle can be lost.
    page.locator(".jp-StatusBar-TextItem", has_text="Python (Pyodide) | Idle").wait_for(
        timeout=READY)
    first = page.locator(".jp-Notebook .jp-Cell").first
    first.click()
    page.keyboard.press("Escape")  # command mode: "a" adds a cell above, Enter edits it
    page.keyboard.press("a")
    page.keyboard.press("Enter")
    page.keyboard.insert_text(CELL)
    assert "c.backward()" in first.locator(".cm-content").inner_text()
    page.keyboard.press("Shift+Enter")
    output = first.locator(".jp-OutputArea-output")
    output.first.wait_for(timeout=READY)
    print(f"notebook 01 open and its first cell run {time.monotonic() - started:.1f} s after "
          "the page was asked for")
    version = (ROOT / "microprop" / "__init__.py").read_text(encoding="utf-8")
    assert f'"{output.first.inner_text().split()[0]}"' in version  # this tree's microprop
    # c = -6 + tanh 2; dc/da = -3 + (1 - tanh(2)^2); dc/db = 2
    assert output.first.inner_text().split()[1:] == ["-5.035972", "-2.929349", "2.000000"]
    page.close()
