"""The explorer on the screens a class has (issue 16): what a person sees at each size."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import ARTIFACTS, ROOT, open_app, wait_idle

pytestmark = pytest.mark.browser


def coloured_pixels(page, box: dict, name: str) -> int:
    """Saturated pixels (the map's coloured points) inside `box` of a screenshot."""
    shot = page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    rgb = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB")).astype(int)
    x0, y0 = int(box["x"]), int(box["y"])
    part = rgb[y0 : y0 + int(box["height"]), x0 : x0 + int(box["width"])]
    return int(((part.max(axis=2) - part.min(axis=2)) > 60).sum())


def test_points_stay_drawn_when_the_page_scrolls(browser, app_url):
    """Scrolled so that Streamlit's header (an opaque layer) overlaps the WebGL canvas,
    Chromium's compositor culled every point below the header's edge (seen from 350 px at
    1366x900). The plot's wrapper is its own non-opaque group now (map.css)."""
    context, page = open_app(browser, app_url, viewport={"width": 1366, "height": 900})
    page.wait_for_timeout(1000)
    try:
        for dy in (350, 500):
            page.evaluate("y => document.querySelector('[data-testid=stMain]').scrollTo(0, y)", dy)
            page.wait_for_timeout(800)
            box = page.evaluate(
                "() => { const r = document.querySelector('.lx-root .lx-plot')"
                ".getBoundingClientRect();"
                " const top = Math.max(r.top, 60);"  # below Streamlit's 60 px header
                " return {x: r.left, y: top, width: r.width, height: r.bottom - top}; }"
            )
            assert box["height"] > 100, box
            seen = coloured_pixels(page, box, f"scrolled-{dy}")
            # the same view with the header hidden: what the canvas holds there
            page.add_style_tag(content="[data-testid=stHeader]{display:none!important}")
            page.wait_for_timeout(500)
            expected = coloured_pixels(page, box, f"scrolled-{dy}-no-header")
            page.evaluate("() => document.querySelectorAll('style').forEach(s =>"
                          " s.textContent.includes('stHeader]{display:none') && s.remove())")
            assert expected > 1000, expected
            assert seen >= 0.9 * expected, (dy, seen, expected)
    finally:
        context.close()


SIZES = {
    "projector 1024x768": {"viewport": {"width": 1024, "height": 768}},
    "tablet 820x1180": {"viewport": {"width": 820, "height": 1180}, "has_touch": True},
    "tablet-landscape 1180x820": {"viewport": {"width": 1180, "height": 820}, "has_touch": True},
    "phone 390x844": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}
BOXES = """() => { const q = s => { const e = document.querySelector(s);
  if (!e) return null; const r = e.getBoundingClientRect();
  return {x: r.left, y: r.top, width: r.width, height: r.height}; };
  return {main: q('[data-testid=stMainBlockContainer]'), plot: q('.lx-root .lx-plot'),
          cards: q('.lx-root .lx-cards'), hover: q('.lx-root .lx-hover')}; }"""


LEGEND_UNDER_TOOLBAR = """() => {
  const b = document.querySelector('.lx-root .modebar').getBoundingClientRect();
  return [...document.querySelectorAll('.lx-root .legend .traces')].filter(t => {
    const a = t.getBoundingClientRect();
    return a.right > b.left && b.right > a.left && a.bottom > b.top && b.bottom > a.top;
  }).map(t => t.textContent); }"""


@pytest.mark.parametrize("size", SIZES)
def test_the_map_gets_the_room_on_every_screen(browser, app_url, size):
    """Before: 198 px of map at 1024x768, a 122 px strip on a tablet, 0 px on a phone."""
    context, page = open_app(browser, app_url, **SIZES[size])
    try:
        page.wait_for_timeout(500)
        boxes = page.evaluate(BOXES)
        page.screenshot(path=str(ARTIFACTS / f"screen-{size.split()[1]}.png"), full_page=True)
        main, plot, cards, hover = (boxes[k] for k in ("main", "plot", "cards", "hover"))
        assert plot["width"] >= 0.55 * main["width"], boxes
        assert plot["height"] >= 300, boxes
        # the cards sit under the plot, inside the page, with their digits whole
        assert cards["y"] >= plot["y"] + plot["height"] - 1, boxes
        assert cards["x"] >= main["x"] - 1, boxes
        assert cards["x"] + cards["width"] <= main["x"] + main["width"] + 1, boxes
        assert hover["width"] >= 100 and abs(hover["width"] - hover["height"]) < 2, boxes
        # no legend item under Plotly's toolbar (at 390 px "4" and "9" were)
        assert page.evaluate(LEGEND_UNDER_TOOLBAR) == [], size
        # nothing wider than the screen: no sideways scrolling
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
    finally:
        context.close()


def touch_stroke(cdp, points: list[tuple[float, float]]) -> None:
    """One finger down at the first point, through the others, up: real touch events."""

    def send(kind: str, x: float, y: float) -> None:
        point = {"x": x, "y": y, "id": 1, "radiusX": 4, "radiusY": 4}
        touch = [] if kind == "touchEnd" else [point]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch})

    send("touchStart", *points[0])
    for x, y in points[1:]:
        send("touchMove", x, y)
    send("touchEnd", *points[-1])


def test_a_finger_draws_a_seven_without_scrolling_the_page(browser, app_url):
    """On the tablet the old pad's second stroke scrolled the page and a half 7 read as a 9."""
    context, page = open_app(browser, app_url, **SIZES["tablet 820x1180"])
    try:
        page.get_by_role("tab", name="Your digit").click()
        canvas = page.locator(".st-key-draw_pad canvas")
        canvas.wait_for()
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        assert box["width"] >= 200 and abs(box["width"] - box["height"]) < 2, box
        scrolled = "() => document.querySelector('[data-testid=stMain]').scrollTop"
        before = page.evaluate(scrolled)
        cdp = context.new_cdp_session(page)

        def at(u: float, v: float) -> tuple[float, float]:
            return box["x"] + u * box["width"], box["y"] + v * box["height"]

        steps = [k / 12 for k in range(13)]
        touch_stroke(cdp, [at(0.25 + 0.5 * s, 0.22) for s in steps])  # the bar of the 7
        page.wait_for_timeout(300)
        touch_stroke(cdp, [at(0.75 - 0.3 * s, 0.22 + 0.6 * s) for s in steps])  # its stem
        assert page.evaluate(scrolled) == before  # drawing never scrolls the page
        page.get_by_text("what the model sees (28×28)").wait_for(timeout=30_000)
        wait_idle(page)
        captions = page.locator(".st-key-digit_neighbours [data-testid=stImageCaption]")
        captions.first.wait_for()
        labels = [text.split("”")[0].lstrip("“") for text in captions.all_inner_texts()]
        page.screenshot(path=str(ARTIFACTS / "screen-tablet-drawn-7.png"))
        assert len(labels) == 8 and labels.count("7") >= 5, labels
    finally:
        context.close()


AXE = ROOT / ".cache" / "npm" / "axe-core-4.14.1.min.js"  # scripts/fetch_npm.py axe (setup)
SERIOUS = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.html)}));
}"""


def serious_violations(page) -> list[dict]:
    wait_idle(page)
    # elements waiting for a rerun are drawn faded: that is not how the page looks at rest
    page.wait_for_function("() => !document.querySelector('[data-stale=true]')", timeout=30_000)
    page.wait_for_timeout(300)
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(SERIOUS)


@pytest.mark.parametrize("size", ["desktop 1366x900", "phone 390x844"])
def test_axe_finds_nothing_serious_on_the_main_views(browser, app_url, size):
    assert AXE.is_file(), "run scripts/setup.sh --test (it fetches axe-core)"
    options = SIZES.get(size, {"viewport": {"width": 1366, "height": 900}})
    context, page = open_app(browser, app_url, **options)
    try:
        found = {"map": serious_violations(page)}
        plot = page.locator(".lx-root .lx-plot").bounding_box()
        page.mouse.click(plot["x"] + plot["width"] * 0.3, plot["y"] + plot["height"] * 0.6)
        page.locator(".lx-root .lx-details .lx-detail-head").first.wait_for()
        found["clicked point"] = serious_violations(page)
        tabs = ["Manifold", "Watch it learn", "Compare", "Latent size", "Your digit"]
        for tab in tabs if size.startswith("desktop") else []:
            page.get_by_role("tab", name=tab).click()
            found[tab] = serious_violations(page)
        found = {view: v for view, v in found.items() if v}
        assert not found, found
    finally:
        context.close()


# Each display formula's width against the box it is drawn in, in CSS pixels.
FORMULA_WIDTHS = """() => [...document.querySelectorAll('.katex-display')].map(d => {
  const box = d.closest('[data-testid="stElementContainer"]') || d.parentElement;
  return {text: d.textContent.slice(0, 40), width: d.querySelector('.katex').scrollWidth,
          room: box.clientWidth}; })"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_lesson_formula_fits_a_phone(browser, app_url, lang):
    """Before: at 390 px, 9 formulas in 6 of the 7 steps ran off the screen (352-787 px wide
    in 326-358), to be read by scrolling sideways. Stacked where long, and a size smaller on
    a phone, each fits its box."""
    context = browser.new_context(**SIZES["phone 390x844"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        for step in range(1, 8):
            page.goto(f"{app_url}/?lesson={step}&lang={lang}")
            page.wait_for_selector(".st-key-lesson_prev", timeout=60_000)
            page.wait_for_selector(".katex-display")
            wait_idle(page)
            assert page.locator(".katex-error").count() == 0, step  # every formula parses
            formulas = page.evaluate(FORMULA_WIDTHS)
            assert formulas, step
            wide = [f for f in formulas if f["width"] > f["room"] + 1]
            assert not wide, (step, wide)
    finally:
        context.close()
