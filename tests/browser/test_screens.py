"""The explorer on the screens a class has (issue 16): what a person sees at each size."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import ARTIFACTS, PAGE_BUILT, READY, wait_idle

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
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_selector(PAGE_BUILT, timeout=60_000)
    wait_idle(page)
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


@pytest.mark.parametrize("size", SIZES)
def test_the_map_gets_the_room_on_every_screen(browser, app_url, size):
    """Before: 198 px of map at 1024x768, a 122 px strip on a tablet, 0 px on a phone."""
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    try:
        page.goto(app_url)
        page.wait_for_selector(READY, timeout=60_000)
        page.wait_for_selector(PAGE_BUILT, timeout=60_000)
        wait_idle(page)
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
        # nothing wider than the screen: no sideways scrolling
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
    finally:
        context.close()
