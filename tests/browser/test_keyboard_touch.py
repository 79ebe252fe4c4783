"""The map by keyboard alone and by finger (issue 16): Tab, arrows and Enter pin a point; the
morph slider moves a frame per key; a tap pins, a swipe scrolls the page, a pinch zooms."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, PAGE_BUILT, READY, wait_idle
from tests.browser.test_explorer import query

pytestmark = pytest.mark.browser

ACTIVE = "() => document.activeElement && document.activeElement.className"


def tab_to(page, selector: str, presses: int = 80) -> None:
    """Press Tab until the element matching `selector` (in the map) has the focus."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement === document.querySelector('{selector}')"):
            return
    raise AssertionError(f"{selector} never took the focus; last: {page.evaluate(ACTIVE)}")


def test_the_keyboard_alone_pins_a_point(page):
    assert page.evaluate("latentExplorer.snapshot().pin") is None
    tab_to(page, ".lx-root .lx-plot-wrap")
    wrap = page.locator(".lx-root .lx-plot-wrap")
    assert wrap.get_attribute("role") == "application"
    assert "Arrow keys" in wrap.get_attribute("aria-label")
    ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert ring == "solid"  # the focus is visible
    view = page.evaluate("latentExplorer.snapshot().view")
    span = max(view["x"][1] - view["x"][0], view["y"][1] - view["y"][0])
    page.keyboard.press("ArrowRight")
    first = page.evaluate("latentExplorer.snapshot().hover")
    centre = [(view["x"][0] + view["x"][1]) / 2, (view["y"][0] + view["y"][1]) / 2]
    assert abs(first[0] - (centre[0] + span / 50)) < 1e-6 and abs(first[1] - centre[1]) < 1e-6
    page.keyboard.press("Shift+ArrowUp")  # five steps at once
    second = page.evaluate("latentExplorer.snapshot().hover")
    assert abs(second[1] - (first[1] + 5 * span / 50)) < 1e-6 and second[0] == first[0]
    assert page.evaluate("latentExplorer.snapshot().probe") == second
    page.keyboard.press("Enter")
    page.wait_for_function("() => latentExplorer.snapshot().pin !== null")
    pin = page.evaluate("latentExplorer.snapshot().pin")
    if pin["index"] < 0:  # empty space: pinned where the probe is
        assert pin["z"] == second
    page.wait_for_function("() => location.search.includes('x=') && location.search.includes('y=')")
    wait_idle(page)
    q = query(page)
    assert abs(float(q["x"]) - pin["z"][0]) < 1e-3 and abs(float(q["y"]) - pin["z"][1]) < 1e-3
    # Escape clears the probe, a second Escape the pin (and the link forgets it)
    page.keyboard.press("Escape")
    assert page.evaluate("latentExplorer.snapshot().probe") is None
    assert page.evaluate("latentExplorer.snapshot().pin") is not None
    page.keyboard.press("Escape")
    assert page.evaluate("latentExplorer.snapshot().pin") is None
    page.wait_for_function("() => !location.search.includes('x=')")
    assert not page.errors, page.errors


def test_legend_items_are_buttons(page):
    tab_to(page, ".lx-root .legend .traces")
    item = page.locator(".lx-root .legend .traces").first
    assert item.get_attribute("role") == "button" and item.get_attribute("aria-pressed") == "true"
    page.keyboard.press("Tab")  # the next class
    page.keyboard.press("Enter")
    page.wait_for_function("() => latentExplorer.snapshot().traces[1].visible === 'legendonly'")
    second = page.locator(".lx-root .legend .traces").nth(1)
    assert second.get_attribute("aria-pressed") == "false"
    # the focus stays on the item through Plotly's redraw; Space shows the class again
    assert page.evaluate("() => document.activeElement.dataset.lxTrace") == "1"
    page.keyboard.press(" ")
    page.wait_for_function("() => latentExplorer.snapshot().traces[1].visible === true")


def test_the_morph_slider_moves_a_frame_per_key(page):
    morph = page.evaluate("latentExplorer.snapshot().morph")
    frames = morph["frames"]
    slider = page.locator(".lx-root .lx-slider")
    slider.focus()
    t0 = page.evaluate("latentExplorer.snapshot().morph.t")
    page.keyboard.press("ArrowRight")
    t1 = page.evaluate("latentExplorer.snapshot().morph.t")
    k0 = t0 * (frames - 1)
    assert abs(t1 * (frames - 1) - (int(k0 + 1e-6) + 1)) < 1e-9, (t0, t1)
    page.keyboard.press("ArrowRight")
    t2 = page.evaluate("latentExplorer.snapshot().morph.t")
    assert abs((t2 - t1) - 1 / (frames - 1)) < 1e-9
    assert "frame" in slider.get_attribute("aria-valuetext")
    # Python hears of it for the link, once the slider rests
    page.wait_for_function(f"() => location.search.includes('t={t2:.2f}'.slice(0, 5))", timeout=15_000)
    page.keyboard.press("ArrowLeft")
    t3 = page.evaluate("latentExplorer.snapshot().morph.t")
    assert abs(t3 - t1) < 1e-9
    page.screenshot(path=str(ARTIFACTS / "keyboard-morph.png"))
