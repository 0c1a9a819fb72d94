"""The browser site in a real browser: built by web/build.py, served on 127.0.0.1, opened in
headless Chromium with every request to any other address refused.

It needs npm (the site is built from npm packages), Chromium and Playwright, which .ci/run
installs; without any of them the tests skip and say which. Python starts in the page in a few
seconds, so the site is built and opened once for the whole file.
"""

from __future__ import annotations

import json
import time

import pytest
from built_site import ROOT, opened

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install "
                    "playwright)")
pytestmark = pytest.mark.slow  # it runs npm, pip and a browser
READY = 90_000  # ms: Python's first start in the page (about 3 s here, on a busy machine more)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    yield from opened(tmp_path_factory.mktemp("site") / "site", [],
                      {"width": 1280, "height": 720})


@pytest.fixture(scope="module")
def playground(site):
    url, context, _ = site
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url + "index.html")
    page.wait_for_selector("#run:not([disabled])", timeout=READY)
    yield page
    assert errors == []


def run_cell(page, k: int, code: str | None = None) -> str:
    """Run cell ``k`` (0 is the first), with ``code`` typed in first; its output's text."""
    cell = page.locator("section.cell").nth(k)
    if code is not None:
        cell.locator("textarea").fill(code)
    cell.locator("button.run").click()
    page.wait_for_function(
        "k => !document.querySelectorAll('section.cell')[k].querySelector('button.run')"
        ".classList.contains('stop')", arg=k, timeout=60_000)
    return cell.locator(".output").inner_text()


def test_python_becomes_ready_and_says_so(playground):
    status = playground.inner_text("#status")
    assert status.startswith("Python 3.") and "microprop 0." in status and "ready in" in status
    versions = json.loads((ROOT / "web" / "package.json").read_text())["dependencies"]
    assert playground.inner_text("#credits").startswith(
        f"Runs on Pyodide {versions['pyodide']} (MPL 2.0) and viz-js {versions['@viz-js/viz']} "
        "(MIT; Graphviz, EPL 1.0)")


def test_the_first_cell_runs_the_readmes_first_example(playground):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme[readme.index("## The engine in one example"):]
    code = example[example.index("```python\n") + 10:example.index("```\n\n```text")]
    assert playground.input_value("#code") == code.rstrip("\n")
    playground.click("#run")
    playground.wait_for_selector("#output pre.printed", timeout=60_000)
    assert playground.inner_text("#output").splitlines() == [
        "y = -0.462117", "dy/dw = 1.572895, dy/dx = -0.393224, dy/db = 0.786448"]


def test_a_drawing_is_svg_made_in_the_page_with_the_gradients_in_it(playground):
    run_cell(playground, 0)
    run_cell(playground, 1)
    texts = playground.evaluate("""() => {
        const svg = document.querySelectorAll('section.cell')[1].querySelector('.drawing svg');
        return svg instanceof SVGSVGElement ? [...svg.querySelectorAll('text')]
            .map(t => t.textContent) : 'no SVG element';
    }""")
    assert "grad 1.5729" in texts  # dy/dw, in w's box
    assert "w" in texts and "tanh" in texts


def test_the_stepper_steps_with_the_arrow_keys(playground):
    run_cell(playground, 0)
    run_cell(playground, 2)
    frame = playground.frame_locator("section.cell:nth-of-type(3) iframe.stepper")
    assert frame.locator("#counter").inner_text() == "step 0 of 3"
    view = frame.locator("#view")  # the keys go to the stepper's page, as a click sends them
    view.press("ArrowRight")
    view.press("ArrowRight")
    assert frame.locator("#counter").inner_text() == "step 2 of 3"
    assert "grad(b) += 1.0000 × 0.7864" in frame.locator(".text").inner_text()
    view.press("ArrowLeft")
    assert frame.locator("#counter").inner_text() == "step 1 of 3"


def test_an_error_shows_its_traceback_in_its_cell_and_the_page_goes_on(playground):
    out = run_cell(playground, 5, "def f(v):\n    return v / 0\n\nf(1)")
    assert out.startswith("Traceback (most recent call last):\n  File \"<cell")
    assert "return v / 0" in out and out.rstrip().endswith("ZeroDivisionError: division by zero")
    assert run_cell(playground, 5, "print(6 * 7)").strip() == "42"


def test_a_cell_that_runs_forever_is_stopped_and_python_starts_again(playground):
    cell = playground.locator("section.cell").nth(5)
    cell.locator("textarea").fill("while True:\n    pass")
    cell.locator("button.run").click()
    time.sleep(1)
    assert cell.locator("button.run").inner_text() == "Stop"
    cell.locator("button.run").click()
    assert "Stopped. Python was restarted" in cell.locator(".output").inner_text()
    playground.wait_for_selector("#run:not([disabled])", timeout=READY)
    assert "NameError: name 'y' is not defined" in run_cell(playground, 1)  # a new namespace
    assert run_cell(playground, 0).startswith("y = -0.462117")


HOSTILE_SVG = """\
class Hostile:
    def _repr_svg_(self):
        return ('<svg xmlns="http://www.w3.org/2000/svg"><style>body {background: red}</style>'
                '<iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:parent.pwned=1">'
                '</iframe><foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><img '
                'src="http://evil.example/a.png"/></div></foreignObject><rect width="9" '
                'height="9" style="fill: url(http://evil.example/b.svg#x)" fill="url(#g)" '
                'onload="parent.pwned=2"/><image href="http://evil.example/c.png"/>'
                '<text x="1" y="9" filter="url(http://evil.example/d.svg)">kept</text></svg>')
Hostile()"""


def test_a_drawing_can_neither_run_code_nor_fetch_anything(site, playground):
    """The cleaner once removed only scripts, event attributes and links: an iframe inside the
    SVG ran script in the page, a <style> restyled it, and url(...) fetched from anywhere. Now
    a drawing is rebuilt from the SVG elements and attributes a drawing is made of."""
    _, _, refused = site
    asked_before = len(refused)
    run_cell(playground, 5, HOSTILE_SVG)
    time.sleep(0.5)
    drawn = playground.evaluate("""() => {
        const svg = document.querySelectorAll('section.cell')[5].querySelector('.drawing svg');
        return {pwned: window.pwned === undefined ? null : window.pwned,
                background: getComputedStyle(document.body).backgroundColor,
                elements: [...svg.querySelectorAll('*')].map(e => e.localName),
                rect: [...svg.querySelector('rect').attributes].map(a => a.name + '=' + a.value),
                text: [...svg.querySelector('text').attributes].map(a => a.name)};
    }""")
    assert drawn == {"pwned": None, "background": "rgba(0, 0, 0, 0)", "elements": ["rect", "text"],
                     "rect": ["width=9", "height=9", "fill=url(#g)"], "text": ["x", "y"]}
    assert refused[asked_before:] == []


def test_a_crash_of_python_itself_restarts_it_and_says_so(playground):
    """A recursion deeper than the JavaScript stack broke Pyodide for good, and later cells ran
    on the broken interpreter: now the page sees that the runtime failed and starts anew."""
    out = run_cell(playground, 5, "import sys\nsys.setrecursionlimit(10**5)\n"
                                  "def f(n):\n    return f(n + 1)\n\nf(0)")
    assert out.startswith("Python crashed: ") and "run the cells above again" in out
    playground.wait_for_function(
        "document.getElementById('status').dataset.state === 'ready'", timeout=READY)
    assert "NameError: name 'f' is not defined" in run_cell(playground, 5, "f")
    assert run_cell(playground, 5, "import sys; print(sys.getrecursionlimit() < 10**5)") == "True\n"


@pytest.fixture(scope="module")
def training(site):
    url, context, _ = site
    page = context.new_page()
    page.goto(url + "train.html")
    page.wait_for_function("window.micropropTraining.state !== null", timeout=READY)
    return page


def test_the_training_view_trains_the_moons_and_the_loss_falls(training):
    assert training.input_value("#dataset") == "moons"
    training.click("#train")
    training.wait_for_function("window.micropropTraining.state.epoch >= 20", timeout=120_000)
    training.click("#train")  # pause: the epochs under way are drawn, then it stops
    training.wait_for_function("document.getElementById('train').textContent === '▶ Train'")
    state = training.evaluate("window.micropropTraining.state")
    losses = state["losses"]
    assert len(losses) == state["epoch"] >= 20
    assert losses[-1] < 0.8 * losses[0]
    assert training.inner_text("#loss") == f"{state['loss']:.4f}"
    time.sleep(0.5)
    assert training.evaluate("window.micropropTraining.state.epoch") == state["epoch"]


def test_clicking_a_point_steps_through_its_backward_pass(training):
    x, y = training.evaluate("window.micropropTraining.pixelOf(7)")
    training.mouse.click(x, y)
    training.wait_for_selector("#sample-view:not([hidden]) iframe.stepper", timeout=30_000)
    assert training.inner_text("#sample-title").startswith("Sample 7 at (")
    frame = training.frame_locator("#sample-frame iframe")
    assert frame.locator("#counter").inner_text().startswith("step 0 of ")
    view = frame.locator("#view")  # the keys go to the stepper's page, as a click sends them
    view.press("ArrowRight")
    assert frame.locator("#counter").inner_text().startswith("step 1 of ")
    # Escape closes the frame on keydown, so the frame is gone before a press's keyup, which
    # Playwright would wait to deliver there (its timeout, now and then in CI): keydown only.
    view.dispatch_event("keydown", {"key": "Escape", "bubbles": True})
    training.wait_for_selector("#sample-view", state="hidden", timeout=30_000)
    assert training.locator("#sample-view").is_hidden()


def test_a_network_too_big_is_refused_in_one_line_before_training(training):
    epoch = training.inner_text("#epoch")
    training.fill("#hidden", "16, 16")
    training.dispatch_event("#hidden", "change")
    training.wait_for_function("document.getElementById('message').textContent !== ''")
    assert training.inner_text("#message") == (
        "hidden layers [16, 16]: at most 4 layers of at most 8 neurons train at a watchable "
        "pace here")
    training.click("#train")
    time.sleep(0.5)
    assert training.inner_text("#epoch") == epoch  # nothing trained
    training.fill("#hidden", "8, 8")
    training.dispatch_event("#hidden", "change")
    training.wait_for_function("document.getElementById('message').textContent === ''")


def test_train_pressed_twice_at_once_is_pressed_then_paused(training):
    """The loop began only after the new network was made, so a second click then started a
    second loop, which Pause did not stop."""
    training.select_option("#dataset", "circles")
    training.dblclick("#train")
    training.wait_for_function("document.getElementById('train').textContent === '▶ Train'")
    time.sleep(1)
    assert training.evaluate("window.micropropTraining.state.epoch") == 0
    training.click("#train")
    training.wait_for_function("window.micropropTraining.state.epoch >= 5", timeout=60_000)
    training.click("#train")
    training.wait_for_function("document.getElementById('train').textContent === '▶ Train'")
    epoch = training.evaluate("window.micropropTraining.state.epoch")
    time.sleep(1)
    assert training.evaluate("window.micropropTraining.state.epoch") == epoch


def test_a_sample_is_stepped_through_by_its_number_with_the_keys_alone(training):
    training.fill("#sample", "5")
    training.click("#step")
    training.wait_for_selector("#sample-view:not([hidden]) iframe.stepper", timeout=30_000)
    assert training.inner_text("#sample-title").startswith("Sample 5 at (")
    frame = training.frame_locator("#sample-frame iframe")
    assert frame.locator("#counter").inner_text().startswith("step 0 of ")
    training.click("#sample-title")  # the keys now go to the page around the stepper ...
    training.locator("#sample-title").press("ArrowRight")  # ... which passes them on
    assert frame.locator("#counter").inner_text().startswith("step 1 of ")
    training.locator("#sample-title").press("Escape")
    assert training.locator("#sample-view").is_hidden()
