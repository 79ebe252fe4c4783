"""The explorer in a real headless Chromium: map, clicks, live preview, morph, your digit."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import ARTIFACTS, ROOT, wait_idle

pytestmark = pytest.mark.browser

PIN = ".lx-root .lx-pin"
HOVER = ".lx-root .lx-hover"
MORPH = ".lx-root .lx-morph-frame"


def pixels(page, selector: str) -> str:
    return page.eval_on_selector(selector, "c => c.toDataURL()")


def plot_box(page) -> dict:
    plot = page.locator(".lx-root .lx-plot")
    plot.evaluate("el => el.scrollIntoView({block: 'center'})")
    return plot.bounding_box()


def client_point(page, z) -> dict:
    return page.evaluate("z => window.__lxMap.clientPoint(z)", list(z))


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_page_loads_without_exceptions(page):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Latent Explorer").first.is_visible()
    n = page.evaluate("window.__lxMap.points.n")
    assert n == 10_000
    # ten digit traces, all drawn with WebGL
    traces = page.evaluate("window.__lxMap.plot._fullData.map(t => t.type)")
    assert traces == ["scattergl"] * 10


def test_click_empty_area_decodes_that_point(page):
    before = pixels(page, PIN)
    # The top-left corner of the default view is empty space (the data sits near the origin).
    box = plot_box(page)
    page.mouse.click(box["x"] + 70, box["y"] + 60)
    page.wait_for_function(
        "() => document.querySelector('.lx-pin-coords').textContent.includes('empty space')"
    )
    assert pixels(page, PIN) != before
    z = page.evaluate("window.__lxMap.pin.z")
    # Python got the click too: the "Clicked point" tab shows the same coordinates.
    page.get_by_text(f"z = ({z[0]:.3f}, {z[1]:.3f})").first.wait_for()
    wait_idle(page)
    latency = page.evaluate("window.__lxStats.clicks.at(-1).paint")
    assert latency < 100, f"click to decoded image took {latency:.1f} ms"
    page.screenshot(path=str(ARTIFACTS / "click_empty.png"))


def test_click_data_point_shows_original_and_reconstruction(page):
    # a test digit near the middle of its cluster, so nothing else is nearer to the click
    index = page.evaluate(
        """() => { const m = window.__lxMap, p = m.points;
                   let best = 0, bd = 1e9;
                   for (let i = 0; i < p.n; i++) { const d = Math.hypot(p.xs[i] + 1.5, p.ys[i] - 2);
                     if (d < bd) { bd = d; best = i; } }
                   return best; }"""
    )
    z = page.evaluate("i => [window.__lxMap.points.xs[i], window.__lxMap.points.ys[i]]", index)
    plot_box(page)
    at = client_point(page, z)
    page.mouse.click(at["x"], at["y"])
    page.get_by_text(f"original: test #{index}").wait_for()
    page.get_by_text("reconstruction, decode(μ)").wait_for()
    assert page.evaluate("window.__lxMap.pin.index") == index


def test_pointer_move_updates_live_preview(page):
    box = plot_box(page)
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    first = pixels(page, HOVER)
    frames = page.evaluate("window.__lxStats.hoverFrames")
    for k in range(1, 11):
        page.mouse.move(box["x"] + box["width"] * (0.3 + 0.04 * k), box["y"] + box["height"] * 0.5)
    assert page.evaluate("window.__lxStats.hoverFrames") >= frames + 10
    assert pixels(page, HOVER) != first
    coords = page.locator(".lx-hover-coords").text_content()
    assert coords.startswith("z = (")


def test_browser_decoder_matches_torch(page):
    import torch

    from vae.checkpoint import load_checkpoint

    model = load_checkpoint(ROOT / "checkpoints" / "mnist-vae-2d.pt").model
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(0, 1.5, (30, 2)), [[0, 0], [4, -4], [-6, 6]]]).astype(np.float32)
    js = np.array(page.evaluate("zs => zs.map(z => Array.from(window.__lxDecode(z)))", z.tolist()))
    with torch.no_grad():
        ref = model.decode(torch.from_numpy(z)).flatten(1).numpy()
    assert js.shape == ref.shape == (33, 784)
    assert np.abs(js - ref).max() < 1e-4


def test_morph_slider_drag_changes_frame(page):
    slider = page.locator(".lx-root .lx-slider")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.5, y)
    page.mouse.down()
    seen = {pixels(page, MORPH)}
    for frac in (0.4, 0.3, 0.2, 0.1, 0.02):
        page.mouse.move(box["x"] + box["width"] * frac, y, steps=3)
        seen.add(pixels(page, MORPH))  # while the button is still down
    page.mouse.up()
    assert len(seen) >= 4, "the morph frame did not follow the slider while dragging"
    assert page.locator(".lx-morph-t").text_content().startswith("t = 0.0")
    # strip of frames is drawn, and the path is on the map
    assert page.eval_on_selector(".lx-strip", "c => c.width") > 200
    assert page.evaluate("window.__lxMap.data.morph.frames") == 9


def test_morph_spherical_and_downloads(page):
    open_tab(page, "Morph")
    page.get_by_text("spherical").click()
    page.wait_for_function("() => window.__lxMap.data.morph.method === 'spherical'")
    wait_idle(page)
    assert page.get_by_role("button", name="Download strip (PNG)").is_visible()
    assert page.get_by_role("button", name="Download morph (GIF)").is_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download morph (GIF)").click()
    path = info.value.path()
    assert Image.open(path).n_frames > 10


def digit_photo(index: int = 0) -> bytes:
    """A test digit as a phone photo might show it: dark ink on light grey paper, large."""
    from vae.data import load_splits

    digit = load_splits().test.images[index].numpy().astype(np.float32) / 255
    big = Image.fromarray((digit * 255).astype(np.uint8)).resize((336, 336), Image.BILINEAR)
    paper = 215 - 170 * np.asarray(big, np.float32) / 255
    buf = io.BytesIO()
    Image.fromarray(paper.astype(np.uint8)).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_upload_lands_on_the_map(page):
    open_tab(page, "Your digit")
    page.get_by_text("Upload a picture").click()
    wait_idle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "seven.jpg", "mimeType": "image/jpeg", "buffer": digit_photo(0)}]
    )
    page.get_by_text("what the model sees (28×28)").wait_for()
    page.wait_for_function("() => window.__lxMap.data.upload !== null")
    wait_idle(page)
    upload = page.evaluate("window.__lxMap.data.upload")
    assert [e["k"] for e in upload["ellipses"]] == [1, 2]
    # test digit 0 is a 7: it should land among the 7s
    mu = np.array(upload["mu"])
    points = page.evaluate(
        "() => { const p = window.__lxMap.points; return [Array.from(p.xs), Array.from(p.ys),"
        " Array.from(p.labels)]; }"
    )
    xs, ys, labels = (np.array(a) for a in points)
    near = np.argsort((xs - mu[0]) ** 2 + (ys - mu[1]) ** 2)[:25]
    assert np.mean(labels[near] == 7) > 0.5
    assert page.get_by_text("ELBO (higher = more MNIST-like)").is_visible()
    page.screenshot(path=str(ARTIFACTS / "upload_marker.png"), full_page=True)


def test_broken_upload_shows_error_and_app_keeps_working(page):
    open_tab(page, "Your digit")
    page.get_by_text("Upload a picture").click()
    wait_idle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "broken.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\nnope"}]
    )
    alert = page.locator('[data-testid="stAlertContentError"]')
    alert.wait_for()
    assert len(alert.text_content()) > 10
    assert page.locator('[data-testid="stException"]').count() == 0
    # the map still answers clicks
    box = plot_box(page)
    page.mouse.click(box["x"] + 70, box["y"] + 60)
    page.wait_for_function(
        "() => document.querySelector('.lx-pin-coords').textContent.includes('empty space')"
    )


def test_draw_on_canvas_lands_on_the_map(page):
    open_tab(page, "Your digit")
    frame = page.locator(".st-key-draw_canvas")
    frame.wait_for()
    frame.scroll_into_view_if_needed()
    canvas = frame.locator("canvas").last
    canvas.wait_for()
    box = canvas.bounding_box()
    # a "1": one vertical stroke down the middle
    x = box["x"] + box["width"] * 0.5
    page.mouse.move(x, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for k in range(1, 15):
        page.mouse.move(x + k * 0.5, box["y"] + box["height"] * (0.15 + k * 0.05))
    page.mouse.up()
    page.get_by_text("what the model sees (28×28)").wait_for()
    page.wait_for_function("() => window.__lxMap.data.upload !== null")
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_picking_another_model_redraws_the_map(page):
    page.get_by_text("Clicked point").first.wait_for()
    box = plot_box(page)
    page.mouse.click(box["x"] + 70, box["y"] + 60)
    before = page.evaluate("window.__lxMap.data.points_url")
    page.locator(".st-key-model_path").get_by_role("combobox").click()
    page.get_by_role("option").filter(has_text="tiny-untrained-2d").click()
    page.wait_for_function(f"window.__lxMap.data.points_url !== '{before}'")
    page.wait_for_selector('.lx-root[data-ready="1"]')
    wait_idle(page)
    assert page.evaluate("window.__lxMap.points.n") == 10_000
    assert page.evaluate("window.__lxMap.pin") is None  # a point of the old model is dropped
    page.locator('[data-testid="stSidebar"]').get_by_text("hidden [64]").wait_for()
    # the new decoder runs in the page: hovering decodes with it
    frames = page.evaluate("window.__lxStats.hoverFrames")
    box = plot_box(page)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] / 2 + 20, box["y"] + box["height"] / 2)
    assert page.evaluate("window.__lxStats.hoverFrames") > frames
