"""Make docs/stepper.png, the README's picture of the stepping page: the neuron at step 2 of 5.

Run from anywhere: ``python docs/make_stepper.py``. It writes the page with
``microprop.stepper.to_html``, opens it in headless Chromium through Playwright (as
tests/seeing/test_stepper_browser.py does), presses the right arrow twice and takes a 1280 x 720
screenshot, the size of a classroom projector. Needs graphviz, ``dot``, ``chromium`` and playwright.
"""

from __future__ import annotations

import pathlib
import shutil
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))  # this checkout's microprop

from microprop import Value  # noqa: E402
from microprop.stepper import to_html  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent


def neuron() -> Value:
    """a = tanh(w1*x1 + w2*x2 + b), the README's example."""
    x1, x2 = Value(1.5, label="x1"), Value(-0.5, label="x2")
    w1, w2, b = Value(0.8, label="w1"), Value(-1.2, label="w2"), Value(-1.4, label="b")
    z = w1 * x1 + w2 * x2 + b
    z.label = "z"
    a = z.tanh()
    a.label = "a"
    return a


def main() -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("make_stepper: no chromium on PATH (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as folder:
        page = pathlib.Path(folder) / "steps.html"
        to_html(neuron(), page, show_local_grads=True, color="grad", rankdir="TB")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            tab = browser.new_page(viewport={"width": 1280, "height": 720})
            tab.goto(page.as_uri())
            tab.keyboard.press("ArrowRight")
            tab.keyboard.press("ArrowRight")
            png = tab.screenshot()
            browser.close()
    try:  # a palette of 64 colours: the same picture in about a third of the bytes
        import io

        from PIL import Image

        image = Image.open(io.BytesIO(png)).convert("RGB").quantize(64)
        image.save(HERE / "stepper.png", optimize=True)
    except ImportError:
        (HERE / "stepper.png").write_bytes(png)
    print(HERE / "stepper.png")


if __name__ == "__main__":
    main()
