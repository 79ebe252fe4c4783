"""The map by keyboard alone and by finger (issue 16): Tab, arrows and Enter pin a point; the
morph slider moves a frame per key; a tap pins, a swipe scrolls the page, a pinch zooms."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, PAGE_BUILT, READY, open_app, wait_idle
from tests.browser.test_explorer import GL_PIXELS, query

pytestmark = pytest.mark.browser

LINK_HAS_XY = "() => location.search.includes('x=') && location.search.includes('y=')"
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
    page.wait_for_function(LINK_HAS_XY)
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
    link_t = f"() => location.search.includes('t={t2:.2f}'.slice(0, 5))"
    page.wait_for_function(link_t, timeout=15_000)
    page.keyboard.press("ArrowLeft")
    t3 = page.evaluate("latentExplorer.snapshot().morph.t")
    assert abs(t3 - t1) < 1e-9
    page.screenshot(path=str(ARTIFACTS / "keyboard-morph.png"))


PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
TABLET = {"viewport": {"width": 820, "height": 1180}, "is_mobile": True, "has_touch": True}
SCROLLED = "() => document.querySelector('[data-testid=stMain]').scrollTop"


def touch(cdp, kind: str, points: list[tuple[float, float]]) -> None:
    """One CDP touch event: every finger down at `points` (ids 1, 2, ...)."""
    fingers = [
        {"x": x, "y": y, "id": k + 1, "radiusX": 4, "radiusY": 4} for k, (x, y) in enumerate(points)
    ]
    touches = [] if kind == "touchEnd" else fingers
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touches})


def open_touch(browser, app_url, device: dict):
    context, page = open_app(browser, app_url, **device)
    page.wait_for_timeout(500)
    return context, page, context.new_cdp_session(page)


def plot_area(page) -> dict:
    """The plot area (inside the axes) in page pixels."""
    return page.evaluate("""() => { const s = latentExplorer.snapshot();
      const r = latentExplorer.element().querySelector('.lx-plot').getBoundingClientRect();
      const p = s.view.plot;
      return {x: r.left + p.l, y: r.top + p.t, width: p.w, height: p.h}; }""")


@pytest.mark.parametrize("device", ["phone", "tablet"])
def test_a_tap_pins_and_a_swipe_scrolls_the_page(browser, app_url, device):
    context, page, cdp = open_touch(browser, app_url, PHONE if device == "phone" else TABLET)
    try:
        assert page.evaluate("latentExplorer.snapshot().zoomed") is False
        # the WebGL layer has the screen's pixels: 2 per CSS pixel on the phone, 1 on the tablet
        assert page.evaluate(GL_PIXELS) == pytest.approx(2 if device == "phone" else 1, abs=0.01)
        # the cards speak of fingers: a finger has no hover
        assert page.locator(".lx-root .lx-pin-coords").text_content() == "tap anywhere on the map"
        assert page.locator(".lx-root .lx-hover-coords").text_content().startswith("hold a finger")
        # at the whole view a vertical swipe over the map scrolls the page, and pans nothing
        page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollTo(0, 0)")
        box = plot_area(page)
        view = page.evaluate("latentExplorer.snapshot().view")
        before = page.evaluate(SCROLLED)
        x = box["x"] + 0.5 * box["width"]
        y0 = min(box["y"] + 0.9 * box["height"], page.viewport_size["height"] - 20)
        touch(cdp, "touchStart", [(x, y0)])
        for k in range(1, 11):
            touch(cdp, "touchMove", [(x, y0 - 25 * k)])
            page.wait_for_timeout(16)
        touch(cdp, "touchEnd", [])
        page.wait_for_timeout(800)
        assert page.evaluate(SCROLLED) > before + 50, (before, page.evaluate(SCROLLED))
        assert page.evaluate("latentExplorer.snapshot().view")["x"] == view["x"]
        assert page.evaluate("latentExplorer.snapshot().pin") is None  # a swipe is no tap
        # a tap pins, and the link gains x and y
        box = plot_area(page)
        top = max(box["y"], 70)
        tx, ty = box["x"] + 0.3 * box["width"], top + 0.5 * (box["y"] + box["height"] - top)
        touch(cdp, "touchStart", [(tx, ty)])
        touch(cdp, "touchEnd", [])
        page.wait_for_function("() => latentExplorer.snapshot().pin !== null")
        page.wait_for_function(LINK_HAS_XY)
        page.screenshot(path=str(ARTIFACTS / f"touch-tap-{device}.png"))
    finally:
        context.close()


def test_a_pinch_zooms_the_map_then_one_finger_pans_it(browser, app_url):
    context, page, cdp = open_touch(browser, app_url, PHONE)
    try:
        page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollTo(0, 0)")
        box = plot_area(page)
        cx = box["x"] + 0.5 * box["width"]
        cy = min(box["y"] + 0.5 * box["height"], page.viewport_size["height"] - 80)
        view = page.evaluate("latentExplorer.snapshot().view")
        before = page.evaluate(SCROLLED)
        touch(cdp, "touchStart", [(cx - 30, cy), (cx + 30, cy)])
        for k in range(1, 11):
            touch(cdp, "touchMove", [(cx - 30 - 6 * k, cy), (cx + 30 + 6 * k, cy)])
            page.wait_for_timeout(16)
        touch(cdp, "touchEnd", [])
        page.wait_for_function("() => latentExplorer.snapshot().zoomed")
        zoomed = page.evaluate("latentExplorer.snapshot().view")
        span = lambda v: v["x"][1] - v["x"][0]  # noqa: E731
        # fingers 60 -> 180 px apart: a third of the span
        assert span(zoomed) < 0.5 * span(view), (view, zoomed)
        assert page.evaluate(SCROLLED) == before  # the page's zoom and scroll stay
        assert page.evaluate("latentExplorer.snapshot().pin") is None
        assert page.evaluate("() => window.visualViewport.scale") == 1
        # zoomed, one finger pans the map instead of scrolling the page
        touch(cdp, "touchStart", [(cx, cy)])
        for k in range(1, 9):
            touch(cdp, "touchMove", [(cx, cy - 10 * k)])
            page.wait_for_timeout(16)
        touch(cdp, "touchEnd", [])
        page.wait_for_timeout(500)
        panned = page.evaluate("latentExplorer.snapshot().view")
        # the finger drags the map up by 80 px: the view goes down the plane by as much
        drag = 80 / panned["plot"]["h"] * (zoomed["y"][1] - zoomed["y"][0])
        assert abs((zoomed["y"][0] - panned["y"][0]) - drag) < 0.1 * drag, (zoomed, panned)
        assert abs(panned["x"][0] - zoomed["x"][0]) < 1e-6
        assert page.evaluate(SCROLLED) == before
        # the link keeps the zoom
        page.wait_for_function("() => location.search.includes('zoom=')")
    finally:
        context.close()


def test_a_long_press_then_a_move_drives_the_preview(browser, app_url):
    context, page, cdp = open_touch(browser, app_url, TABLET)
    try:
        box = plot_area(page)
        x, y = box["x"] + 0.4 * box["width"], box["y"] + 0.5 * box["height"]
        before = page.evaluate(SCROLLED)
        touch(cdp, "touchStart", [(x, y)])
        page.wait_for_timeout(600)  # held still: the preview starts
        first = page.evaluate("latentExplorer.snapshot().hover")
        assert first is not None
        for k in range(1, 6):
            touch(cdp, "touchMove", [(x + 12 * k, y + 8 * k)])
            page.wait_for_timeout(16)
        moved = page.evaluate("latentExplorer.snapshot().hover")
        touch(cdp, "touchEnd", [])
        assert moved[0] > first[0] and moved[1] < first[1], (first, moved)  # right and down
        assert page.evaluate(SCROLLED) == before
        assert page.evaluate("latentExplorer.snapshot().pin") is None  # a long press is no tap
    finally:
        context.close()


CB = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
      "#D55E00", "#CC79A7", "#000000", "#999999", "#882255"]  # fmt: skip


def test_the_colour_blind_palette_is_kept_in_the_link(page):
    snap = page.evaluate("latentExplorer.snapshot()")
    assert snap["palette"] == "default" and "palette=" not in page.url
    first = [t["colour"] for t in snap["traces"]]
    page.get_by_text("Colour-blind-safe colours").click()
    page.wait_for_function("() => latentExplorer.snapshot().palette === 'cb'")
    page.wait_for_function("() => location.search.includes('palette=cb')")
    colours = [t["colour"] for t in page.evaluate("latentExplorer.snapshot().traces")]
    assert colours == CB[: len(colours)] and colours != first
    # the legend's swatches follow the points
    swatch = page.evaluate(
        "() => document.querySelector('.lx-root .legend .traces .scatterpts, "
        ".lx-root .legend .traces path').style.fill"
    )
    assert swatch.replace(" ", "") in ("rgb(230,159,0)", "#e69f00"), swatch
    wait_idle(page)
    page.reload()
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_selector(PAGE_BUILT, timeout=60_000)
    page.wait_for_function("() => latentExplorer.snapshot() && latentExplorer.snapshot().ready")
    assert page.evaluate("latentExplorer.snapshot().palette") == "cb"
    assert "palette=cb" in page.url
    assert page.get_by_role("switch", name="Colour-blind-safe colours").is_checked()
    # and off again: the link forgets it
    page.get_by_text("Colour-blind-safe colours").click()
    page.wait_for_function("() => latentExplorer.snapshot().palette === 'default'")
    page.wait_for_function("() => !location.search.includes('palette=')")
    assert not page.errors, page.errors
