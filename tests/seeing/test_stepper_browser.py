"""The stepping page in a real browser: headless Chromium, driven by Playwright, clicks and keys.

It needs Debian's ``chromium`` (or another Chromium on PATH, or MICROPROP_CHROMIUM naming one)
and Playwright from PyPI, which .ci/run installs; without either the tests skip and say which.
Playwright's own browser download is not used, so no network is needed here either.
"""

from __future__ import annotations

import io
import os
import shutil

import pytest
from examples import readme_neuron

from microprop.stepper import to_html

pytest.importorskip("graphviz")
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install playwright)"
)


def chromium() -> str:
    found = os.environ.get("MICROPROP_CHROMIUM") or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
    )
    if not found:
        pytest.skip("no Chromium on PATH (apt-get install chromium, or set MICROPROP_CHROMIUM)")
    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot program is not installed, so the page has no drawings")
    return found


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, started once for this file."""
    executable = chromium()
    with sync_api.sync_playwright() as p:
        try:
            started = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        except sync_api.Error as error:
            pytest.skip(f"Chromium at {executable} did not start: {str(error)[:200]}")
        yield started
        started.close()


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    """The README neuron's page, opened at a projector's 1280 x 720."""
    a, _ = readme_neuron()
    path = tmp_path_factory.mktemp("page") / "steps.html"
    to_html(a, path, show_local_grads=True)
    tab = browser.new_page(viewport={"width": 1280, "height": 720})
    tab.goto(path.as_uri())
    return tab


def shown(tab) -> dict:
    """What a person sees: the counter, the orange node's text, and the arithmetic shown."""
    return tab.evaluate("""() => {
        const frame = [...document.querySelectorAll('.frame')].find(f => !f.hidden);
        const orange = [...frame.querySelectorAll('g.node')]
            .filter(g => g.querySelector('[stroke="#ff7f0e"]'))
            .map(g => [...g.querySelectorAll('text')].map(t => t.textContent).join(' '));
        return {counter: document.getElementById('counter').textContent,
                current: document.getElementById('current').textContent,
                orange: orange, text: frame.querySelector('.text').innerText,
                slider: document.getElementById('slider').value};
    }""")


def test_the_page_opens_at_step_0_with_nothing_orange(page):
    page.keyboard.press("Home")
    now = shown(page)
    assert (now["counter"], now["orange"], now["slider"]) == ("step 0 of 5", [], "0")
    assert "grad(a) = 1.0000" in now["text"]
    assert page.locator("#prev").is_disabled()


def test_next_and_previous_buttons_move_the_counter_and_the_orange_node(page):
    page.keyboard.press("Home")
    page.click("#next")
    page.click("#next")
    now = shown(page)
    assert now["counter"] == "step 2 of 5" and now["current"] == "z"
    # z's record and the + op that made it are orange; z's grad is tanh'(0.4) = 0.8556.
    assert "z data 0.4000 grad 0.8556" in now["orange"] and "+" in now["orange"]
    assert "grad(b) += 1.0000 × 0.8556" in now["text"]
    page.click("#prev")
    assert shown(page)["counter"] == "step 1 of 5" and shown(page)["current"] == "a"


def test_arrow_keys_step_and_stop_at_the_last_step(page):
    page.keyboard.press("Home")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    now = shown(page)
    assert now["counter"] == "step 5 of 5" and now["slider"] == "5"
    assert "grad(w1) += 1.5000 × 0.8556" in now["text"] and "1.2835" in now["text"]
    assert page.locator("#next").is_disabled()
    page.keyboard.press("ArrowLeft")
    assert shown(page)["current"] == "#5 (*)"


def test_the_slider_jumps_to_a_step(page):
    page.fill("#slider", "3")  # sets the value and fires input, as a drag does
    assert shown(page)["counter"] == "step 3 of 5"
    assert shown(page)["current"] == "#6 (+)"


def test_a_screenshot_is_not_blank_and_shows_the_orange_highlight(page):
    image = pytest.importorskip("PIL.Image")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    shot = image.open(io.BytesIO(page.screenshot())).convert("RGB")
    assert shot.size == (1280, 720)
    colours = shot.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # text, boxes, arrows: not one flat colour
    # The highlighted node's orange outline (#ff7f0e = 255, 127, 14), give or take antialiasing.
    orange = sum(n for n, (r, g, b) in colours if r > 230 and 100 < g < 150 and b < 60)
    assert orange > 100


def test_the_training_page_steps_through_epochs(browser, tmp_path):
    from microprop.nn import MLP
    from microprop.stepper import Training

    model = MLP(1, [1])
    model.parameters()[0].data = 0.5  # s = 0.5 x on x = 1, 2 with targets 1, 2: loss 0.625
    Training(model, [[1.0], [2.0]], [1.0, 2.0], epochs=3, lr=0.1).save_html(tmp_path / "t.html")
    tab = browser.new_page(viewport={"width": 1280, "height": 720})
    tab.goto((tmp_path / "t.html").as_uri())
    assert shown(tab)["counter"] == "epoch 0 of 3"
    tab.keyboard.press("ArrowRight")
    now = shown(tab)
    assert now["counter"] == "epoch 1 of 3"
    assert "0.5000 − 0.1 × -2.5000 = 0.7500" in now["text"] and "was 0.6250" in now["text"]
    assert not tab.locator("#marked").is_visible()  # nothing is orange in training
    tab.close()


def test_the_one_drawing_is_restyled_per_step_and_any_jump_lands_right(browser, tmp_path):
    """The page draws the graph once and restyles it per step: the grads written in the nodes
    change with the steps, and coming back to a step, from anywhere, shows it as it first was."""
    a, _ = readme_neuron()
    to_html(a, tmp_path / "grad.html", show_local_grads=True, color="grad")
    tab = browser.new_page(viewport={"width": 1280, "height": 720})
    tab.goto((tmp_path / "grad.html").as_uri())
    drawing = "() => document.querySelector('.drawing svg').outerHTML"
    z = """() => [...document.querySelectorAll('g.node')]
        .find(g => g.querySelector('title').textContent === 'n8')"""
    z_text = f"() => [...({z})().querySelectorAll('text')].map(t => t.textContent).join(' ')"
    z_fill = f"() => ({z})().querySelector('polygon').getAttribute('fill')"
    at_0 = tab.evaluate(drawing)
    assert tab.evaluate(z_text) == "z data 0.4000 grad 0.0000"
    assert tab.evaluate(z_fill) == "#ffffff"  # no grad yet: white
    tab.keyboard.press("ArrowRight")  # a passes 0.8556 to z
    assert tab.evaluate(z_text) == "z data 0.4000 grad 0.8556"
    assert tab.evaluate(z_fill) != "#ffffff"
    tab.keyboard.press("End")
    at_5 = tab.evaluate(drawing)
    tab.keyboard.press("Home")
    assert tab.evaluate(drawing) == at_0
    tab.fill("#slider", "5")
    assert tab.evaluate(drawing) == at_5
    tab.close()


# ---- readable on a projector: text sizes measured in the browser --------------------------------

SMALLEST_TEXT = """() => Math.min(...[...document.querySelectorAll('svg g.node text')].map(
    t => Number(t.getAttribute('font-size')) * t.getScreenCTM().a))"""


def article_page(folder):
    """The command line's page: the article's network on one example, as train --html makes it."""
    from microprop.cli import _one_cost, _stepper
    from microprop.nn import article_network

    cost = _one_cost(article_network(seed=0), [0.5, -1.0, 0.3, 1.2], 1.0, "bce")
    _stepper(cost).save_html(folder / "article.html")
    return folder / "article.html"


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_the_article_network_s_page_has_text_a_projector_shows(browser, tmp_path, size):
    tab = browser.new_page(viewport={"width": size[0], "height": size[1]})
    tab.goto(article_page(tmp_path).as_uri())
    assert tab.evaluate(SMALLEST_TEXT) >= 13.0  # it was 2.7 px at 1280 x 720 before fitting
    tab.close()


def test_the_page_zooms_by_keys_and_fits_again_and_browser_zoom_makes_it_bigger(
        browser, tmp_path):
    path = article_page(tmp_path)
    tab = browser.new_page(viewport={"width": 1280, "height": 720})
    tab.goto(path.as_uri())
    fitted = tab.evaluate(SMALLEST_TEXT)
    tab.keyboard.press("+")
    assert tab.evaluate(SMALLEST_TEXT) == pytest.approx(fitted * 1.25, rel=1e-3)
    tab.keyboard.press("-")
    tab.keyboard.press("-")
    assert tab.evaluate(SMALLEST_TEXT) == pytest.approx(fitted / 1.25, rel=1e-3)
    tab.keyboard.press("0")
    assert tab.evaluate(SMALLEST_TEXT) == pytest.approx(fitted, rel=1e-3)
    tab.close()
    # Browser zoom at 200% is a window half as wide in CSS px, each px two on the screen.
    zoomed = browser.new_page(viewport={"width": 640, "height": 360}, device_scale_factor=2)
    zoomed.goto(path.as_uri())
    assert 2 * zoomed.evaluate(SMALLEST_TEXT) > fitted  # in screen pixels: bigger, not smaller
    zoomed.close()


def test_the_orange_node_is_scrolled_into_view(browser, tmp_path):
    tab = browser.new_page(viewport={"width": 1280, "height": 720})
    tab.goto(article_page(tmp_path).as_uri())
    inside = """() => {
        const g = [...document.querySelectorAll('g.node')].find(
            g => g.querySelector('[stroke="#ff7f0e"]'))
            || [...document.querySelectorAll('g.node')].find(
            g => g.querySelector('title').textContent === document.body.dataset.root);
        const m = g.getBoundingClientRect();
        const v = document.getElementById('view').getBoundingClientRect();
        return m.top >= v.top && m.bottom <= v.bottom;
    }"""
    assert tab.evaluate(inside)  # step 0: the root, where backward starts, at the bottom
    for _ in range(12):
        tab.keyboard.press("ArrowRight")
        assert tab.evaluate(inside), shown(tab)["counter"]
    tab.close()


def test_the_widget_s_drawing_keeps_its_text_size(browser, tmp_path):
    from microprop.stepper import _fit

    a, _ = readme_neuron()
    from microprop.stepper import Stepper

    # The widget's drawing in a box as wide as a JupyterLab output's drawing pane.
    # JupyterLab's own rule for an output's SVG, which would scale it down to the pane.
    html = (f"<style>svg {{ max-width: 100%; height: auto; }}</style>"
            f"<div style='width:600px;overflow:auto'>{_fit(Stepper(a).svg(2))}</div>")
    (tmp_path / "widget.html").write_text(html, encoding="utf-8")
    tab = browser.new_page(viewport={"width": 1280, "height": 720})
    tab.goto((tmp_path / "widget.html").as_uri())
    assert tab.evaluate(SMALLEST_TEXT) >= 14.0  # 11 pt; 5 px when scaled to the box
    tab.close()
