"""Make the README's pictures of the browser site: docs/site-playground.png, site-training.png and
site-stepper.png.

Run from anywhere: ``python docs/make_site_pictures.py [SITE_DIR]``. Without SITE_DIR it builds
the site with web/build.py in a temporary folder (which needs npm). It serves the site on
127.0.0.1 and opens it in headless Chromium at 1280 x 720 through web/local.py, every request off
loopback refused, as tests/web/test_site_browser.py does, then:

- runs the playground's first three cells (the engine's example, its drawing, and the stepper,
  stepped to step 2 with the arrow keys) and keeps the column from the first cell's printed
  numbers to the stepper's foot (docs/site-playground.png);
- trains the two moons in the training view with hidden layers 8, 8 (the default 4, 4 draws a
  straight boundary for its first 250 epochs or so) for about 40 epochs, pauses, and keeps the
  window (docs/site-training.png);
- clicks sample 7 and steps its backward pass to step 3 (docs/site-stepper.png).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "docs"
READY = 120_000  # ms: Python's first start in the page
SAMPLE = 7  # the point clicked for the stepper's picture


def _load_local() -> Any:
    """web/local.py, loaded by its path: web/ stays off sys.path, where its build.py would hide
    PyPA's build package."""
    spec = importlib.util.spec_from_file_location("web_local", ROOT / "web" / "local.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_cell(page: Any, k: int) -> None:
    """Run cell ``k`` (0 is the first) as it stands, and wait for it to finish."""
    page.locator("section.cell").nth(k).locator("button.run").click()
    page.wait_for_function(
        "k => !document.querySelectorAll('section.cell')[k].querySelector('button.run')"
        ".classList.contains('stop')", arg=k, timeout=60_000)


def playground(page: Any, url: str) -> bytes:
    """The first three cells run, the stepper at step 2: the column from the printed numbers
    to the stepper's foot."""
    page.goto(url + "index.html")
    page.wait_for_selector('#status[data-state="ready"]', timeout=READY)
    for k in range(3):
        run_cell(page, k)
    frame = page.frame_locator("section.cell:nth-of-type(3) iframe.stepper")
    frame.locator("#view").click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    counter = frame.locator("#counter").inner_text()
    if counter != "step 2 of 3":
        sys.exit(f"make_site_pictures: the stepper says {counter!r}, not step 2 of 3")
    page.mouse.move(0, 0)  # no hover left on the frame's buttons
    top = page.locator("#output").bounding_box()
    foot = page.locator("section.cell:nth-of-type(3) iframe.stepper").bounding_box()
    column = page.locator("main.cells").bounding_box()
    scroll = page.evaluate("scrollY")
    clip = {"x": column["x"] + 12, "y": top["y"] + scroll - 12,
            "width": column["width"] - 24, "height": foot["y"] + foot["height"] - top["y"] + 24}
    return page.screenshot(clip=clip, full_page=True)


def training(page: Any, url: str, epochs: int, hidden: str) -> tuple[bytes, bytes]:
    """The moons trained about ``epochs`` epochs and paused; then sample SAMPLE's backward pass
    at step 3."""
    page.goto(url + "train.html")
    page.wait_for_function("window.micropropTraining.state !== null", timeout=READY)
    page.fill("#hidden", hidden)
    page.dispatch_event("#hidden", "change")  # a new network with these layers
    page.wait_for_function("document.getElementById('message').textContent === '' && "
                           "window.micropropTraining.state.epoch === 0")
    page.click("#train")
    page.wait_for_function(f"window.micropropTraining.state.epoch >= {epochs}", timeout=300_000)
    page.click("#train")  # pause: the epochs under way are drawn, then it stops
    page.wait_for_function("document.getElementById('train').textContent === '▶ Train'")
    page.mouse.move(0, 0)
    state = page.evaluate("window.micropropTraining.state")
    print(f"trained to epoch {state['epoch']}: loss {state['loss']:.4f}, "
          f"accuracy {state['accuracy']:.1%}")
    trained = page.screenshot()

    x, y = page.evaluate(f"window.micropropTraining.pixelOf({SAMPLE})")
    page.mouse.click(x, y)
    page.wait_for_selector("#sample-view:not([hidden]) iframe.stepper", timeout=60_000)
    frame = page.frame_locator("#sample-frame iframe")
    frame.locator("#view").click()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    counter = frame.locator("#counter").inner_text()
    if not counter.startswith("step 3 of "):
        sys.exit(f"make_site_pictures: the sample's stepper says {counter!r}, not step 3")
    page.mouse.move(0, 0)
    return trained, page.screenshot()


def save(png: bytes, name: str) -> None:
    (HERE / name).write_bytes(png)
    print(f"wrote docs/{name} ({len(png) / 1000:.0f} kB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", help="a site built by web/build.py (default: build one)")
    parser.add_argument("--epochs", type=int, default=40, help="epochs to train (default 40)")
    parser.add_argument("--hidden", default="8, 8", help="hidden layers (default 8, 8)")
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("make_site_pictures: Playwright is not installed (pip install playwright)")
    local = _load_local()
    executable = local.find_chromium()
    if executable is None:
        sys.exit("make_site_pictures: no Chromium on PATH (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as folder:
        site = Path(args.site).resolve() if args.site else Path(folder) / "site"
        if args.site is None:
            if shutil.which("npm") is None and not (ROOT / "web" / "node_modules").is_dir():
                sys.exit("make_site_pictures: npm is not installed, and the site is built "
                         "from npm packages")
            subprocess.run([sys.executable, str(ROOT / "web" / "build.py"), str(site)],
                           check=True)
        refused: list[str] = []
        with local.serve(site) as url, sync_playwright() as p, \
                local.chromium(p, executable) as browser:
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            local.loopback_only(context, refused)
            save(playground(context.new_page(), url), "site-playground.png")
            trained, stepped = training(context.new_page(), url, args.epochs, args.hidden)
            save(trained, "site-training.png")
            save(stepped, "site-stepper.png")
            context.close()
        if refused:
            sys.exit(f"make_site_pictures: the site asked for other addresses: {refused[:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
