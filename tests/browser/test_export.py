"""The standalone explorer page (python -m vae.export) in headless Chromium, from file://.

No app here: the page is written into tmp_path and opened as a file, in an offline
context, with every request recorded. Uses conftest's `browser` fixture only (its `page`
fixture would start the whole app).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.browser.conftest import ARTIFACTS, ROOT
from vae.checkpoint import load_checkpoint
from vae.data import load_splits
from vae.export import export_html
from vae.latent import encode_images
from vae.web import decode_reference

pytestmark = pytest.mark.browser
CHECKPOINT = ROOT / "checkpoints" / "mnist-vae-2d.pt"
# the page's test API (components/export_page/page.js): snapshot(), decode(z), toPixel(z)
READY = "window.latentExplorer && window.latentExplorer.snapshot().ready"

CANVAS_PIXELS = """(id) => {
  const c = document.getElementById(id);
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const out = [];
  for (let i = 0; i < d.length; i += 4) out.push(d[i]);
  return out;
}"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    ckpt = load_checkpoint(CHECKPOINT)
    splits = load_splits("mnist")
    path = tmp_path_factory.mktemp("export") / "explorer.html"
    path.write_text(export_html(ckpt, splits), encoding="utf-8")
    return path, ckpt, splits


def snap(page, *keys: str):
    """Fields of the page's snapshot(): one value for one key, a list for several."""
    values = page.evaluate("(keys) => { const s = window.latentExplorer.snapshot();"
                           " return keys.map((k) => s[k]); }", list(keys))
    return values[0] if len(keys) == 1 else values


def grey(page, canvas_id: str) -> np.ndarray:
    """A 28 x 28 canvas's red channel as floats in [0, 1] (the pages paint grey)."""
    return np.array(page.evaluate(CANVAS_PIXELS, canvas_id), dtype=np.float64) / 255.0


def test_export_page_offline(browser, exported):
    path, ckpt, splits = exported
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, offline=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(path.as_uri())
        page.wait_for_function(READY)

        # every test digit is drawn (the fitted view holds them all)
        n, drawn, ticks = snap(page, "n", "drawn", "ticks")
        assert {t["axis"] for t in ticks} == {"x", "y"} and "0" in {t["text"] for t in ticks}
        assert n == len(splits.test) == 10_000
        assert drawn == n
        nelbo = load_checkpoint(CHECKPOINT).meta["test"]["nelbo"]
        assert f"{nelbo:.2f}" in page.inner_text("#facts")  # test -ELBO from the metadata
        assert page.locator("#legend button").count() == 10

        # hover: the image under the pointer is the torch decoding of the z the page reports
        box = page.locator("#overlay").bounding_box()
        blank = grey(page, "hover")
        frames = []
        for fx, fy in ((0.42, 0.45), (0.7, 0.3)):
            page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
            hover = snap(page, "hover")
            shown = grey(page, "hover")
            reference = decode_reference(ckpt.model, np.array([hover["z"]]))[0]
            # canvas bytes (what one sees: float16 weights, then rounding to 1/255) and the
            # decoder's own floats, both against torch's float32 decoding
            assert np.abs(shown - reference).max() < 1e-2
            assert np.abs(np.array(hover["pixels"]) - reference).max() < 1e-2
            frames.append(shown)
        assert np.abs(frames[0] - blank).max() > 0.1, "hover canvas was not painted"
        assert np.abs(frames[0] - frames[1]).max() > 0.1, "hover image did not follow the pointer"

        # the page's decoder over many points: float16 weights stay within 1e-2 of torch
        mu = np.array(
            page.evaluate(
                "(() => { const e = window.latentExplorer, out = [];"
                " for (let i = 0; i < 40; i++) out.push(e.decode([-4 + 0.2 * i, 3 - 0.15 * i]));"
                " return out; })()"
            )
        )
        z = np.array([[-4 + 0.2 * i, 3 - 0.15 * i] for i in range(40)])
        assert np.abs(mu - decode_reference(ckpt.model, z)).max() < 1e-2

        # click: a pin with its decoding; then it becomes the morph's end A
        assert snap(page, "pin") is None
        page.mouse.click(box["x"] + 0.55 * box["width"], box["y"] + 0.6 * box["height"])
        pin = snap(page, "pin")
        assert pin is not None
        pinned = grey(page, "pin")
        reference = decode_reference(ckpt.model, np.array([pin["z"]]))[0]
        assert np.abs(pinned - reference).max() < 1e-2
        assert "z = (" in page.inner_text("#pin-text")
        page.click("#use-a")
        a = snap(page, "morph")["a"]["z"]
        assert np.allclose(a, pin["z"])

        # the morph slider: frames at both ends differ and match torch at t = 0 (A) and 1 (B)
        slider = page.locator("#slider")
        slider.focus()
        page.keyboard.press("Home")
        start = grey(page, "morph")
        assert np.abs(start - reference).max() < 1e-2
        page.keyboard.press("End")
        end = grey(page, "morph")
        morph = snap(page, "morph")
        b = morph["b"]["z"]
        assert morph["t"] == 1 and np.allclose(morph["z"], b)
        assert np.abs(end - decode_reference(ckpt.model, np.array([b]))[0]).max() < 1e-2
        assert np.abs(np.array(morph["pixels"]) - end).max() < 1e-2  # the frame shown
        assert np.abs(start - end).max() > 0.1, "the morph frame did not change"
        page.keyboard.press("PageDown")  # t back a step: a frame between the two
        assert 0 < snap(page, "morph")["t"] < 1

        # legend: hiding a class leaves its points out
        ones = int((splits.test.labels == 1).sum())
        page.locator("#legend button", has_text="1").click()
        drawn, visible = snap(page, "drawn", "visible")
        assert drawn == n - ones
        assert visible == [c != 1 for c in range(10)]
        page.locator("#legend button", has_text="1").click()
        assert snap(page, "drawn") == n

        # zoom in under the pointer (fewer points in view), pan, then fit again
        view = snap(page, "view")
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(cx, cy)
        page.mouse.wheel(0, -600)
        zoomed = snap(page, "view")
        assert zoomed["s"] > 2 * view["s"]
        assert snap(page, "drawn") < n
        page.mouse.down()
        page.mouse.move(cx + 120, cy, steps=5)
        page.mouse.up()
        panned = snap(page, "view")
        assert panned["cx"] == pytest.approx(zoomed["cx"] - 120 / zoomed["s"], rel=1e-3)
        assert snap(page, "pin")["z"] == pin["z"]  # a drag is not a click
        page.click("#fit")
        assert snap(page, "view")["s"] == pytest.approx(view["s"])
        assert snap(page, "drawn") == n

        # back to the default morph for the picture: reload, hover and pin something
        page.reload()
        page.wait_for_function(READY)
        page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.35 * box["height"])
        page.mouse.move(box["x"] + 0.62 * box["width"], box["y"] + 0.4 * box["height"])
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "export.png"), full_page=True)
    finally:
        context.close()
    assert not errors, f"errors in the page: {errors}"
    assert requests and all(u.startswith(("file://", "data:")) for u in requests), requests


def test_export_page_partly_float32_decoder(browser, tmp_path):
    """The plain AE's page keeps its first layers float32: the page's decoder still agrees."""
    ckpt = load_checkpoint(ROOT / "checkpoints" / "mnist-ae-2d.pt")
    path = tmp_path / "ae.html"
    path.write_text(export_html(ckpt, load_splits("mnist")), encoding="utf-8")
    context = browser.new_context(offline=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(path.as_uri())
        page.wait_for_function(READY)
        # a grid over the AE's own map, whose codes reach far from the origin
        mu = encode_images(ckpt.model, load_splits("mnist").test.float_images()).mu
        lo, hi = np.percentile(mu, [1, 99], axis=0)
        z = [[x, y] for x in np.linspace(lo[0], hi[0], 4) for y in np.linspace(lo[1], hi[1], 3)]
        decode_all = "(zs) => zs.map((z) => window.latentExplorer.decode(z))"
        decoded = np.array(page.evaluate(decode_all, z))
        assert np.abs(decoded - decode_reference(ckpt.model, np.array(z))).max() < 5e-3
        assert page.evaluate("window.latentExplorer.snapshot().decoder") == "wasm-simd"
    finally:
        context.close()
    assert not errors, errors


def open_offline(browser, path):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, offline=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(path.as_uri())
    page.wait_for_function(READY)
    return context, page


def test_export_double_click_fits_the_view_and_keeps_the_pin(browser, exported):
    path, _, _ = exported
    context, page = open_offline(browser, path)
    try:
        box = page.locator("#overlay").bounding_box()
        page.mouse.click(box["x"] + 0.55 * box["width"], box["y"] + 0.6 * box["height"])
        pin = snap(page, "pin")
        text, pixels = page.inner_text("#pin-text"), grey(page, "pin")
        fitted = snap(page, "view")
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, -600)
        assert snap(page, "view")["s"] > 2 * fitted["s"]
        corner = (box["x"] + 0.2 * box["width"], box["y"] + 0.2 * box["height"])
        page.mouse.dblclick(*corner)
        assert snap(page, "view")["s"] == pytest.approx(fitted["s"])
        assert snap(page, "pin") == pin
        assert page.inner_text("#pin-text") == text
        assert np.array_equal(grey(page, "pin"), pixels)
        page.wait_for_timeout(400)
        page.mouse.click(*corner)  # one click later still pins
        assert snap(page, "pin")["z"] != pin["z"]
    finally:
        context.close()


BAND_RGBA = """() => {
  const c = document.getElementById("map"), h = 20;
  const d = c.getContext("2d").getImageData(0, c.height - h, c.width, h).data;
  return [c.width, h, Array.from(d)];
}"""


def test_export_x_labels_sit_on_no_grid_line_and_show_their_minus(browser, exported):
    """Found in the pixels of the map's bottom band: each x label (a run of grey ink) has no
    grid-line pixel in its box, and a label left of 0 is wider than its mirror on the right:
    its minus sign shows."""
    path, _, _ = exported
    context, page = open_offline(browser, path)
    try:
        width, height, data = page.evaluate(BAND_RGBA)
        rgba = np.array(data, np.float64).reshape(height, width, 4)
        alpha = rgba[..., 3:] / 255  # the canvas is transparent over the page's background
        band = np.rint(rgba[..., :3] * alpha + np.array([251, 251, 253]) * (1 - alpha))
        r, g, b = band[..., 0], band[..., 1], band[..., 2]
        ink = (r < 215) & (abs(r - g) < 25) & (abs(g - b) < 30)
        grid = (abs(r - 236) <= 1) & (abs(g - 238) <= 1) & (abs(b - 243) <= 1)
        columns = np.flatnonzero(ink.any(axis=0))
        labels = np.split(columns, np.flatnonzero(np.diff(columns) > 3) + 1)
        labels = [(c[0], c[-1]) for c in labels if len(c)]
        zero = page.evaluate("window.latentExplorer.toPixel([0, 0])[0]")
        assert len(labels) >= 5, labels
        for x0, x1 in labels:
            rows = np.flatnonzero(ink[:, x0 : x1 + 1].any(axis=1))
            box = grid[rows[0] : rows[-1] + 1, x0 - 1 : x1 + 2]
            assert not box.any(), f"a grid line runs through the label at x = {x0}..{x1}"
        widths = {round(((x0 + x1) / 2 - zero) / 5): x1 - x0 for x0, x1 in labels}
        mirrored = [(w, widths[-k]) for k, w in widths.items() if k > 0 and -k in widths]
        assert mirrored and all(neg >= pos + 3 for pos, neg in mirrored), (widths, mirrored)
        page.locator("#map-wrap").screenshot(path=str(ARTIFACTS / "export_axes.png"))
    finally:
        context.close()
