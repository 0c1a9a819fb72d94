"""The browser site: its size, how long Python takes to start in the page, and how fast it trains.

    python benchmarks/browser_site.py             # builds the site; 3 starts, 5 rounds: ~2 min
    python benchmarks/browser_site.py SITE_DIR    # a site built before by web/build.py
    python benchmarks/browser_site.py --quick     # one start, one round

The site is served on 127.0.0.1 and opened in headless Chromium by web/local.py, every request
off loopback refused. A start is timed from page.goto to the playground's status turning ready,
in a fresh browser context each time (a cold cache), then again in a second tab of the same
context (a warm cache); beside it, what the page itself says ("ready in N s", timed by its worker
from its first line). Training is the training view's own Python (web/python/training_view.py, a
Session on the moons with its default settings) training 20 epochs, timed with perf_counter around
``train`` here and, in a playground cell, in the page's Python; rounds interleave the two. Each
round also times the training view itself: from pressing Train to epoch 20 shown (four calls of
5 epochs, each answered with the state and drawn). Timing is the point, so nothing in the test
suite runs this; it needs npm (to build), Chromium and Playwright, and says so when one is missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's microprop, even when it is not installed
# The site's Python, imported as the page's worker imports it. web/ itself stays off sys.path:
# its build.py would hide PyPA's build package.
SITE_PYTHON = ROOT / "web" / "python"
if str(SITE_PYTHON) not in sys.path:
    sys.path.insert(0, str(SITE_PYTHON))

READY = 120_000  # ms to wait for Python's start in the page before calling it failed
TARGET_MB = 20.0  # the targets: the site under 20 MB, Python ready in under 10 s
TARGET_READY = 10.0
PARTS = ("pyodide", "viz", "wheels")  # the folders sized on their own; the rest is one row
# Run in the playground's last cell: the same training as native(), timed inside the page.
CELL = """import time, training_view
s = training_view.Session()
t = time.perf_counter()
s.train({epochs})
print(time.perf_counter() - t, repr(s.losses[-1]))"""
# Set when the status line turns ready: the page's own clock, from navigation start.
READY_CLOCK = """new MutationObserver((_, observer) => {
  const status = document.getElementById("status");
  if (status && status.dataset.state === "ready" && window.readyAt === undefined) {
    window.readyAt = performance.now() / 1000;
    observer.disconnect();
  }
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeFilter: ["data-state"]});"""


def _load_local() -> Any:
    """web/local.py, loaded by its path (see SITE_PYTHON for why web/ is not on sys.path)."""
    spec = importlib.util.spec_from_file_location("web_local", ROOT / "web" / "local.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sizes(site: Path) -> dict[str, int]:
    """Bytes of the built site: each of PARTS, the rest, and the total."""
    out = dict.fromkeys([*PARTS, "the rest"], 0)
    for f in site.rglob("*"):
        if f.is_file():
            top = f.relative_to(site).parts[0]
            out[top if top in PARTS else "the rest"] += f.stat().st_size
    out["total"] = sum(out.values())
    return out


def build(folder: Path) -> float:
    """python web/build.py folder; the seconds it took."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "web" / "build.py"), str(folder)],
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        sys.exit(f"browser_site: the build failed:\n{done.stderr}")
    return time.perf_counter() - start


def start_once(page: Any, url: str) -> dict[str, Any]:
    """Open the playground and wait for Python; the seconds as seen from here and by the page."""
    began = time.perf_counter()
    page.goto(url + "index.html")
    page.wait_for_selector('#status[data-state="ready"]', timeout=READY)
    seen = time.perf_counter() - began
    status = page.inner_text("#status")
    said = re.search(r"ready in ([\d.]+) s", status)
    return {"seen": seen, "clock": page.evaluate("window.readyAt"),
            "said": float(said.group(1)) if said else float("nan"), "status": status}


def starts(browser: Any, url: str, runs: int, local: Any, refused: list[str]) -> dict[str, list]:
    """Cold and warm starts, ``runs`` of each: a new context per run, then a second tab in it."""
    out: dict[str, list] = {"cold": [], "warm": []}
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        local.loopback_only(context, refused)
        context.add_init_script(READY_CLOCK)
        for kind in ("cold", "warm"):
            page = context.new_page()
            out[kind].append(start_once(page, url))
            page.close()  # its worker ends with it, so the next start runs alone
        context.close()
    return out


def native(epochs: int) -> tuple[float, float]:
    """Seconds for Session().train(epochs) in this Python, and the last epoch's loss."""
    import training_view

    s = training_view.Session()
    t = time.perf_counter()
    s.train(epochs)
    return time.perf_counter() - t, s.losses[-1]


def in_page(page: Any, epochs: int) -> tuple[float, float]:
    """The same in the page's Python, run as the playground's last cell; seconds and loss."""
    cell = page.locator("section.cell").last
    cell.locator("textarea").fill(CELL.format(epochs=epochs))
    cell.locator("button.run").click()
    page.wait_for_function(
        "() => !document.querySelector('section.cell:last-of-type button.run')"
        ".classList.contains('stop')", timeout=600_000)
    printed = cell.locator(".output").inner_text().split()
    try:
        return float(printed[0]), float(printed[1])
    except (IndexError, ValueError):
        sys.exit(f"browser_site: the cell did not print its time: {' '.join(printed)[:300]}")


def in_view(page: Any, url: str, epochs: int) -> float:
    """Seconds from pressing Train in a new training view to epoch ``epochs`` shown."""
    page.goto(url + "train.html")
    page.wait_for_function("window.micropropTraining.state !== null", timeout=READY)
    began = time.perf_counter()
    page.click("#train")
    page.wait_for_function(f"window.micropropTraining.state.epoch >= {epochs}",
                           timeout=600_000, polling=20)
    seconds = time.perf_counter() - began
    page.click("#train")  # pause, and wait for the epochs under way to be drawn
    page.wait_for_function("document.getElementById('train').textContent === '▶ Train'")
    return seconds


def training(browser: Any, url: str, rounds: int, epochs: int, local: Any,
             refused: list[str]) -> dict[str, list]:
    """Native, page and view timings, interleaved round by round."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    local.loopback_only(context, refused)
    playground, view = context.new_page(), context.new_page()
    playground.goto(url + "index.html")
    playground.wait_for_selector('#status[data-state="ready"]', timeout=READY)
    in_page(playground, 1)  # the first import of training_view and fit: not what is timed
    native(1)
    out: dict[str, list] = {"native": [], "page": [], "view": []}
    for _ in range(rounds):
        out["native"].append(native(epochs))
        out["page"].append(in_page(playground, epochs))
        out["view"].append(in_view(view, url, epochs))
    context.close()
    return out


def _md(rows: list[list[str]]) -> str:
    width = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, width)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in width) + "|")
    return "\n".join(lines)


def _med_max(values: list[float]) -> list[str]:
    return [f"{statistics.median(values):.2f}", f"{max(values):.2f}"]


def _size_table(size: dict[str, int]) -> str:
    rows = [(f"{p}/", size[p]) for p in PARTS] + [("the rest", size["the rest"]),
                                                  ("total", size["total"])]
    return _md([["part", "MB"]] + [[name, f"{n / 1e6:.2f}"] for name, n in rows])


def _start_table(start: dict[str, list]) -> str:
    runs = len(start["cold"])
    return "\n".join([
        f"Python's first start in the playground, {runs} of each (seconds): 'from goto' is "
        "page.goto to the status turning ready, seen from here; 'page clock' the same on the "
        "page's clock (from navigation start); 'page says' the status line's 'ready in N s' "
        "(the worker's time from its first line).",
        "",
        _md([["cache", "from goto, median", "max", "page clock, median", "max",
              "page says, median", "max"]]
            + [[kind, *_med_max([r["seen"] for r in done]),
                *_med_max([r["clock"] for r in done]), *_med_max([r["said"] for r in done])]
               for kind, done in start.items()]),
    ])


def _train_table(train: dict[str, list], epochs: int) -> str:
    rounds = len(train["native"])
    here = [t for t, _ in train["native"]]
    page = [t for t, _ in train["page"]]
    apart = max(abs(a - b) / abs(a) for (_, a), (_, b) in zip(train["native"], train["page"]))

    def row(where: str, times: list[float]) -> list[str]:
        median = statistics.median(times)
        return [where, f"{median:.2f}", f"{min(times):.2f}", f"{max(times):.2f}",
                f"{median / epochs:.3f}"]

    return "\n".join([
        f"Training the moons (training_view.Session(), default settings) {epochs} epochs, "
        f"{rounds} interleaved round{'s' * (rounds > 1)} (seconds; perf_counter around train, "
        "which ends with the state the page draws):",
        "",
        _md([["where", "median", "min", "max", "per epoch, median"],
             row("native, this Python", here),
             row("in the page (playground cell)", page),
             row("training view, Train to epoch shown", train["view"])]),
        "",
        f"page / native: {statistics.median(page) / statistics.median(here):.2f} (medians); "
        f"per round {', '.join(f'{p / h:.2f}' for p, h in zip(page, here))}. "
        f"Final losses, native {train['native'][0][1]:.12g}, page {train['page'][0][1]:.12g} "
        f"(at most {apart:.1e} apart, relative).",
    ])


def report(site: Path, built: float | None, browser_version: str, start: dict[str, list],
           train: dict[str, list], epochs: int) -> str:
    size = sizes(site)
    npm = json.loads((site / "site.json").read_text())["npm"]
    page_python = re.search(r"Python [\d.]+", start["cold"][0]["status"])
    cold = statistics.median(r["seen"] for r in start["cold"])
    met = [["site size", f"{size['total'] / 1e6:.1f} MB", f"< {TARGET_MB:g} MB",
            "yes" if size["total"] / 1e6 < TARGET_MB else "NO"],
           ["ready, cold cache (median from goto)", f"{cold:.1f} s", f"< {TARGET_READY:g} s",
            "yes" if cold < TARGET_READY else "NO"]]
    return "\n".join([
        "# The browser site",
        "",
        f"Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cores, shared "
        "with other work (timings vary from run to run); here Python "
        f"{platform.python_version()}, in the page "
        f"{page_python.group(0) if page_python else 'Python ?'} (Pyodide {npm['pyodide']}), "
        f"viz-js {npm['@viz-js/viz']}, Chromium {browser_version} headless, served by "
        "http.server on 127.0.0.1 (no compression).",
        "",
        f"Site: {site}" + (f", built in {built:.1f} s" if built is not None else ""),
        "",
        _size_table(size),
        "",
        _start_table(start),
        "",
        _train_table(train, epochs),
        "",
        _md([["target", "measured", "goal", "met"], *met]),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", help="a site built by web/build.py (default: build one)")
    parser.add_argument("--quick", action="store_true", help="one start of each kind, one round")
    parser.add_argument("--runs", type=int, help="starts of each kind (default 3, quick 1)")
    parser.add_argument("--rounds", type=int, help="training rounds (default 5, quick 1)")
    parser.add_argument("--epochs", type=int, default=20, help="epochs per round (default 20)")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    rounds = args.rounds or (1 if args.quick else 5)
    if runs < 1 or rounds < 1 or not 1 <= args.epochs <= 1000:
        parser.error("--runs and --rounds must be at least 1, --epochs from 1 to 1000")

    def skip(why: str) -> int:
        print(f"browser_site: skipped: {why}")
        return 0

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return skip("Playwright is not installed (pip install playwright)")
    local = _load_local()
    executable = local.find_chromium()
    if executable is None:
        return skip("no Chromium on PATH (apt-get install chromium, or set MICROPROP_CHROMIUM)")
    if args.site is None and shutil.which("npm") is None and not (ROOT / "web" /
                                                                 "node_modules").is_dir():
        return skip("npm is not installed, and the site is built from npm packages "
                    "(or give a site built before)")
    with tempfile.TemporaryDirectory() as folder:
        if args.site is None:
            site, built = Path(folder) / "site", None
            print("building the site...", file=sys.stderr, flush=True)
            built = build(site)
        else:
            site, built = Path(args.site).resolve(), None
            if not (site / "site.json").is_file():
                parser.error(f"{site} is not a site built by web/build.py (no site.json)")
        refused: list[str] = []
        with local.serve(site) as url, sync_playwright() as p, \
                local.chromium(p, executable) as browser:
            print(f"timing {runs} cold and warm starts...", file=sys.stderr, flush=True)
            start = starts(browser, url, runs, local, refused)
            print(f"training, {rounds} rounds...", file=sys.stderr, flush=True)
            train = training(browser, url, rounds, args.epochs, local, refused)
            version = browser.version
        if refused:
            sys.exit(f"browser_site: the site asked for other addresses: {refused[:3]}")
        print(report(site, built, version, start, train, args.epochs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
