"""What the legend hides stays out of every answer; a double-click never pins; Plotly's tips
stay away; downloads are named after what they hold (issue 20, items 3, 5 and 9)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.browser.conftest import ARTIFACTS, wait_idle
from tests.browser.test_explorer import client_point, empty_corner, map_points, plot_box, query

pytestmark = pytest.mark.browser

DETAILS = ".lx-root .lx-details"


def hide_class(page, k: int) -> None:
    """Hide class k with a click on its legend entry, as a user does."""
    page.locator(".lx-root .legend .traces").nth(k).click()
    page.wait_for_function(f"() => latentExplorer.snapshot().traces[{k}].visible === 'legendonly'")
    wait_idle(page)


def densest_point(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The median of a cloud of points: inside it for a compact cluster."""
    return np.array([np.median(xs), np.median(ys)])


def test_a_hidden_class_gives_no_neighbours_and_no_morph_ends(page):
    xs, ys, labels = map_points(page)
    ones = labels == 1
    z = densest_point(xs[ones], ys[ones])
    # with every class shown, a click there hits a 1 and its neighbours are 1s (the premise)
    near = np.argsort((xs - z[0]) ** 2 + (ys - z[1]) ** 2)[:8]
    assert np.mean(labels[near] == 1) > 0.5
    hide_class(page, 1)
    plot_box(page)
    at = client_point(page, z)
    page.mouse.click(at["x"], at["y"])
    page.locator(DETAILS).get_by_text("empty space").first.wait_for()
    page.wait_for_function("() => latentExplorer.snapshot().neighbours")
    shown = page.evaluate(
        "() => latentExplorer.snapshot().neighbours.map(n => n.label)"
    )
    assert len(shown) == 8 and 1 not in shown, shown
    assert "hidden" in page.locator(f"{DETAILS} .lx-detail-head").last.text_content()
    # the morph's pickers and "another example" leave the hidden class out too
    assert page.locator(".lx-root .lx-pick-b option[value='1']").is_disabled()
    assert page.locator(".lx-root .lx-other-a").is_disabled()  # A is a typical 1
    page.locator(".lx-root .lx-other-b").click()  # B (a 7) still takes another 7
    page.wait_for_function("() => latentExplorer.snapshot().morph.b.label.includes('“7”')")
    # shown again: the 1s answer again
    page.locator(".lx-root .legend .traces").nth(1).click()
    page.wait_for_function("() => latentExplorer.snapshot().traces[1].visible === true")
    assert page.locator(".lx-root .lx-other-a").is_enabled()
    page.mouse.click(at["x"], at["y"])
    page.wait_for_function(
        "() => latentExplorer.snapshot().neighbours.some(n => n.label === 1)"
    )


def test_a_double_click_resets_the_zoom_and_keeps_the_pinned_point(page):
    z = page.evaluate("latentExplorer.point(5)")
    plot_box(page)
    at = client_point(page, z)
    page.mouse.click(at["x"], at["y"])
    page.wait_for_function("() => latentExplorer.snapshot().pin?.index === 5")
    page.wait_for_function("() => new URLSearchParams(location.search).get('i') === '5'")
    wait_idle(page)
    text = page.locator(".lx-pin-coords").text_content()
    pin_image = page.eval_on_selector(".lx-root .lx-pin", "c => c.toDataURL()")
    # zoom in, then double-click empty space to reset the view, as Plotly offers
    width = "Math.abs(latentExplorer.snapshot().view.x[1] - latentExplorer.snapshot().view.x[0])"
    initial = page.evaluate(width)
    box = plot_box(page)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(6):
        page.mouse.wheel(0, -400)
        page.wait_for_timeout(50)
    page.wait_for_function(f"() => {width} < 0.7 * {initial}")
    corner = empty_corner(page)
    page.mouse.dblclick(corner["x"], corner["y"])
    page.wait_for_function(f"() => Math.abs({width} - {initial}) < 0.01 * {initial}")  # reset
    page.wait_for_timeout(800)  # longer than Plotly's double-click delay
    wait_idle(page)
    assert page.evaluate("latentExplorer.snapshot().pin.index") == 5
    assert page.locator(".lx-pin-coords").text_content() == text
    assert page.eval_on_selector(".lx-root .lx-pin", "c => c.toDataURL()") == pin_image
    assert query(page)["i"] == "5"
    # a single click afterwards still pins at once
    page.mouse.click(corner["x"], corner["y"])
    page.wait_for_function(
        "() => document.querySelector('.lx-pin-coords').textContent.includes('empty space')"
    )


def test_plotly_shows_no_tips(page):
    page.wait_for_timeout(1500)  # Plotly's tips appear right after the first drawing
    assert page.locator(".notifier-note").count() == 0
    page.locator(".lx-root .legend .traces").nth(3).click()
    page.wait_for_function("() => latentExplorer.snapshot().traces[3].visible === 'legendonly'")
    page.wait_for_timeout(500)
    assert page.locator(".notifier-note").count() == 0
    page.screenshot(path=str(ARTIFACTS / "no_tips.png"))


def test_downloads_are_named_after_the_model_and_the_endpoints(page):
    morph = page.evaluate("latentExplorer.snapshot().morph")
    assert "“1”" in morph["a"]["label"] and "“7”" in morph["b"]["label"]  # the defaults
    page.locator(".lx-root .lx-dl-gif").scroll_into_view_if_needed()
    with page.expect_download() as info:
        page.locator(".lx-root .lx-dl-gif").click()
    assert info.value.suggested_filename == "morph-mnist-vae-2d-1-to-7.gif"
    page.locator(".lx-root .lx-pick-b").select_option("8")
    page.wait_for_function("() => latentExplorer.snapshot().morph.b.label.includes('“8”')")
    with page.expect_download() as info:
        page.locator(".lx-root .lx-dl-png").click()
    assert info.value.suggested_filename == "morph-mnist-vae-2d-1-to-8.png"
    # an endpoint in empty space is named by its place
    corner = empty_corner(page)
    page.mouse.click(corner["x"], corner["y"])
    page.locator(".lx-root .lx-use-a").click()
    page.wait_for_function("() => latentExplorer.snapshot().morph.a.index === null")
    z = page.evaluate("latentExplorer.snapshot().morph.a.z")
    with page.expect_download() as info:
        page.locator(".lx-root .lx-dl-gif").click()
    assert info.value.suggested_filename == f"morph-mnist-vae-2d-{z[0]:.2f}_{z[1]:.2f}-to-8.gif"
    # the manifold's grid
    page.get_by_role("tab", name="Manifold").click()
    page.locator(".st-key-grid_go button").click()
    page.locator(".st-key-dl_grid button").wait_for()
    with page.expect_download() as info:
        page.locator(".st-key-dl_grid button").click()
    assert info.value.suggested_filename == "mnist-vae-2d-manifold.png"
