"""Make the stepping page's pictures in docs/, and measure its smallest node text in Chromium.

Run from anywhere: ``python docs/make_stepper.py``. It needs graphviz, ``dot``, ``chromium`` and
playwright. It makes three pages and opens each in headless Chromium through Playwright (as
tests/seeing/test_stepper_browser.py does), at a classroom projector's 1280 x 720 and at
1920 x 1080:

- the page of docs/seeing.md's stepper snippet, whose code is read from that file and run here,
  so the picture above the snippet is the snippet's own (docs/stepper.png, at step 2);
- the page of ``python -m microprop train --html steps.html``, the article's network on one
  example (docs/stepper-cli.png, at step 3);
- the Jupyter widget's drawing, in a pane 600 px wide, as JupyterLab gives it.

It prints the smallest node text of each, in CSS px: the issue asked for at least 12.
"""

from __future__ import annotations

import io
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's microprop

HERE = ROOT / "docs"
SMALLEST_TEXT = """() => Math.min(...[...document.querySelectorAll('svg g.node text')].map(
    t => Number(t.getAttribute('font-size')) * t.getScreenCTM().a))"""
SIZES = ((1280, 720), (1920, 1080))


def snippet_code() -> str:
    """The first Python block after "## Stepping through backward()" in docs/seeing.md."""
    text = (HERE / "seeing.md").read_text(encoding="utf-8")
    section = text[text.index("## Stepping through backward()"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def pages(folder: pathlib.Path) -> dict[str, tuple[pathlib.Path, int]]:
    """Each page to measure, and the step its picture shows."""
    os.chdir(folder)  # the snippet writes backward.html here
    exec(compile(snippet_code(), "docs/seeing.md", "exec"), {"__name__": "snippet"})
    subprocess.run([sys.executable, "-m", "microprop", "train", "--html", "steps.html"],
                   cwd=folder, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    from microprop import Value
    from microprop.stepper import Stepper, _fit

    x1, w1 = Value(1.5, label="x1"), Value(0.8, label="w1")
    a = (w1 * x1).tanh()
    a.label = "a"
    widget = ("<style>svg { max-width: 100%; height: auto; }</style>"  # JupyterLab's rule
              f"<div style='width:600px;overflow:auto'>"
              f"{_fit(Stepper(a, show_local_grads=True).svg(1))}</div>")
    (folder / "widget.html").write_text(widget, encoding="utf-8")
    return {"docs/seeing.md's snippet": (folder / "backward.html", 2),
            "train --html steps.html": (folder / "steps.html", 3),
            "the widget's drawing": (folder / "widget.html", 0)}


def save_png(png: bytes, name: str) -> None:
    try:  # a palette of 64 colours: the same picture in about a third of the bytes
        from PIL import Image

        Image.open(io.BytesIO(png)).convert("RGB").quantize(64).save(HERE / name, optimize=True)
    except ImportError:
        (HERE / name).write_bytes(png)
    print(f"wrote docs/{name}")


def main() -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("make_stepper: no chromium on PATH (apt-get install chromium)")
    pictures = {"docs/seeing.md's snippet": "stepper.png",
                "train --html steps.html": "stepper-cli.png"}
    rows = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for what, (page, step) in pages(pathlib.Path(folder)).items():
            row = [what]
            for width, height in SIZES:
                tab = browser.new_page(viewport={"width": width, "height": height})
                tab.goto(page.as_uri())
                for _ in range(step):
                    tab.keyboard.press("ArrowRight")
                row.append(f"{tab.evaluate(SMALLEST_TEXT):.1f}")
                if width == 1280 and what in pictures:
                    save_png(tab.screenshot(), pictures[what])
                tab.close()
            rows.append(row)
        browser.close()
    print(f"\n{'smallest node text, CSS px':28} {'1280x720':>9} {'1920x1080':>10}")
    for what, small, big in rows:
        print(f"{what:28} {small:>9} {big:>10}")


if __name__ == "__main__":
    main()
