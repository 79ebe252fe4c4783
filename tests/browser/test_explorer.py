"""The explorer in a real headless Chromium: map, clicks, live preview, morph, your digit."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import ARTIFACTS, ROOT, wait_idle

pytestmark = pytest.mark.browser

PIN = ".lx-root .lx-pin"
HOVER = ".lx-root .lx-hover"
MORPH = ".lx-root .lx-morph-frame"
DETAILS = ".lx-root .lx-details"


def pixels(page, selector: str) -> str:
    return page.eval_on_selector(selector, "c => c.toDataURL()")


def empty_corner(page) -> dict:
    """Page coordinates just inside the plot's top-left corner: empty space on every map."""
    plot_box(page)
    return page.evaluate(
        "() => { const v = latentExplorer.snapshot().view;"
        " return latentExplorer.clientPoint([v.x[0] + 0.04 * (v.x[1] - v.x[0]),"
        " v.y[1] - 0.04 * (v.y[1] - v.y[0])]); }"
    )


def plot_box(page) -> dict:
    plot = page.locator(".lx-root .lx-plot")
    plot.evaluate("el => el.scrollIntoView({block: 'center'})")
    return plot.bounding_box()


def client_point(page, z) -> dict:
    return page.evaluate("z => latentExplorer.clientPoint(z)", list(z))


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def map_points(page) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The map's points as the page holds them: x, y, label (N,) each."""
    points = page.evaluate(
        "() => { const p = latentExplorer.points(); return [p.xs, p.ys, p.labels]; }"
    )
    return tuple(np.array(a) for a in points)


def query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def model():
    from vae.checkpoint import load_checkpoint

    return load_checkpoint(ROOT / "checkpoints" / "mnist-vae-2d.pt").model


def test_page_loads_without_exceptions_and_without_the_deploy_button(page):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Latent Explorer").first.is_visible()
    assert page.evaluate("latentExplorer.snapshot().n") == 10_000
    # ten digit traces, all drawn with WebGL
    traces = page.evaluate("latentExplorer.snapshot().traces.map(t => t.type)")
    assert traces == ["scattergl"] * 10
    assert page.get_by_text("Deploy").count() == 0
    # on a screen of one pixel per CSS pixel, the WebGL layer has as many (plot.js)
    assert page.evaluate(GL_PIXELS) == 1
    # one WebGL context: the plotly.js served makes no focus layer (views/server.py)
    assert page.evaluate(GL_LAYERS) == {"contextLayer": True, "focusLayer": False,
                                        "pickLayer": False}  # fmt: skip


# Which of Plotly's WebGL layers have a WebGL context (regl) of their own
GL_LAYERS = """() => Object.fromEntries(latentExplorer.element().querySelector('.js-plotly-plot')
  ._fullLayout._glcanvas.data().map(d => [d.key, Boolean(d.regl)]))"""
# The map's WebGL canvas: its pixels per CSS pixel
GL_PIXELS = """() => {
  const c = latentExplorer.element().querySelector('.lx-plot .gl-canvas-context');
  return c.width / c.getBoundingClientRect().width; }"""


def test_plotly_js_throws_no_error_while_it_loads_and_draws(browser, app_url):
    # With a debugger attached (DevTools, Playwright), V8 takes a full stack trace of every
    # error made, and the first one thrown inside plotly.js had it parse the whole 1.6 MB
    # script again: ~200 ms more of the main thread (views/server.py PLOTLY_PATCHES). The
    # debugger here stops at every exception thrown, caught or not, and goes on.
    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    scripts, thrown = {}, []
    cdp.on("Debugger.scriptParsed", lambda e: scripts.update({e["scriptId"]: e["url"]}))

    def paused(event) -> None:
        where = event["callFrames"][0]["location"]
        error = (event.get("data") or {}).get("description", "")
        thrown.append((scripts.get(where["scriptId"], "?"), error.split("\n")[0]))
        cdp.send("Debugger.resume")

    cdp.on("Debugger.paused", paused)
    cdp.send("Debugger.enable")
    cdp.send("Debugger.setPauseOnExceptions", {"state": "all"})
    page.goto(app_url)
    page.wait_for_selector(".lx-root[data-ready='1']", timeout=60_000)
    context.close()
    assert any("plotly" in url for url in scripts.values())  # it was watched loading
    assert thrown, "Streamlit's own code throws a few: the debugger saw none at all"
    assert [t for t in thrown if "plotly" in t[0]] == []


def test_click_empty_area_decodes_that_point_and_tells_python(page):
    before = pixels(page, PIN)
    # The top-left corner of the default view is empty space (the data sits near the origin).
    plot_box(page)
    corner = empty_corner(page)
    page.mouse.click(corner["x"], corner["y"])
    page.wait_for_function(
        "() => document.querySelector('.lx-pin-coords').textContent.includes('empty space')"
    )
    assert pixels(page, PIN) != before
    z = page.evaluate("latentExplorer.snapshot().pin.z")
    page.locator(DETAILS).get_by_text("empty space").first.wait_for()
    assert page.locator(f"{DETAILS} .lx-neighbours canvas").count() == 8
    # Python got the click too (the map's fragment reran): the link names the point
    page.wait_for_function(f"() => location.search.includes('x={z[0]:.3f}'.slice(0, 6))")
    wait_idle(page)
    assert float(query(page)["x"]) == pytest.approx(z[0], abs=1e-4)
    latency = page.evaluate("latentExplorer.snapshot().stats.clicks.at(-1).paint")
    assert latency < 100, f"click to decoded image took {latency:.1f} ms"
    page.screenshot(path=str(ARTIFACTS / "click_empty.png"))


def test_click_data_point_shows_original_samples_and_neighbours(page):
    import torch

    from vae import prng

    # a test digit near the middle of its cluster, so nothing else is nearer to the click
    index = page.evaluate(
        """() => { const p = latentExplorer.points();
                   let best = 0, bd = 1e9;
                   for (let i = 0; i < p.xs.length; i++) {
                     const d = Math.hypot(p.xs[i] + 1.5, p.ys[i] - 2);
                     if (d < bd) { bd = d; best = i; } }
                   return best; }"""
    )
    z = page.evaluate("i => latentExplorer.point(i)", index)
    plot_box(page)
    at = client_point(page, z)
    page.mouse.click(at["x"], at["y"])
    page.locator(DETAILS).get_by_text(f"test digit #{index}").first.wait_for()
    assert page.evaluate("latentExplorer.snapshot().pin.index") == index
    page.wait_for_function("() => latentExplorer.snapshot().samples")
    assert page.locator(f"{DETAILS} .lx-samples canvas").count() == 8
    assert page.locator(f"{DETAILS} .lx-neighbours canvas").count() == 8
    # the samples' eps are the ones Python's PRNG draws for the same seed
    shown = page.evaluate("latentExplorer.snapshot().samples")
    assert shown["index"] == index and shown["seed"] == 0
    assert np.allclose(shown["eps"], prng.normals(0, 16), atol=1e-12)
    js = np.array(page.evaluate("n => latentExplorer.normals(7, n)", 101))
    assert np.allclose(js, prng.normals(7, 101), atol=1e-12)
    # the original is the real test image, drawn from the sprite
    original = page.eval_on_selector(
        f"{DETAILS} .lx-fig canvas",
        "c => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data)"
        ".filter((_, k) => k % 4 === 0)",
    )
    from vae.data import load_splits

    expected = load_splits("mnist").test.images[index].numpy().ravel()
    assert np.abs(np.array(original) - expected).max() <= 1
    page.locator(".lx-root .lx-walk").scroll_into_view_if_needed()  # drawn once in view
    page.locator(".lx-walk-row").nth(1).wait_for()
    assert page.locator(".lx-walk-row").count() == 2  # a 2-D model's walk: its two axes
    # resampling draws the next seed
    page.locator(f"{DETAILS} .lx-resample").click()
    page.locator(DETAILS).get_by_text("seed 1").wait_for()
    with torch.no_grad():
        ref = model().decode(torch.tensor([z])).flatten().numpy()
    pin = page.eval_on_selector(
        PIN, "c => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data)"
        ".filter((_, k) => k % 4 === 0)",
    )  # fmt: skip
    assert np.abs(np.array(pin) / 255 - ref).max() < 0.01  # decode(mu) of this digit


def test_pointer_move_updates_live_preview(page):
    box = plot_box(page)
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    first = pixels(page, HOVER)
    frames = page.evaluate("latentExplorer.snapshot().stats.hoverFrames")
    for k in range(1, 11):
        page.mouse.move(box["x"] + box["width"] * (0.3 + 0.04 * k), box["y"] + box["height"] * 0.5)
    assert page.evaluate("latentExplorer.snapshot().stats.hoverFrames") >= frames + 10
    assert pixels(page, HOVER) != first
    coords = page.locator(".lx-hover-coords").text_content()
    assert coords.startswith("z₁, z₂ = (") or coords.startswith("z = (")


def test_the_toolbar_never_pins_or_previews(page):
    plot_box(page)
    index = page.evaluate("() => 5")
    z = page.evaluate("i => latentExplorer.point(i)", index)
    at = client_point(page, z)
    page.mouse.click(at["x"], at["y"])
    page.wait_for_function("() => latentExplorer.snapshot().pin?.index === 5")
    wait_idle(page)
    before = query(page)
    hover = page.locator(".lx-hover-coords").text_content()
    for title in ("Zoom in", "Zoom out", "Reset axes", "Autoscale", "Pan", "Zoom"):
        button = page.locator(f'.lx-root .modebar-btn[data-title="{title}"]')
        button.hover()
        button.click()
        wait_idle(page)
        assert page.evaluate("latentExplorer.snapshot().pin.index") == 5, f"{title} moved the pin"
    assert page.locator(".lx-hover-coords").text_content() == hover
    legend = page.locator(".lx-root .legend .traces").first
    legend.click()
    wait_idle(page)
    assert page.evaluate("latentExplorer.snapshot().pin.index") == 5
    pinned = {k: v for k, v in query(page).items() if k in ("model", "x", "y", "i")}
    assert pinned == {k: v for k, v in before.items() if k in ("model", "x", "y", "i")}
    assert pinned["i"] == "5"


def test_browser_decoder_matches_torch(page):
    import torch

    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(0, 1.5, (30, 2)), [[0, 0], [4, -4], [-6, 6]]]).astype(np.float32)
    js = np.array(page.evaluate("zs => zs.map(z => latentExplorer.decode(z))", z.tolist()))
    with torch.no_grad():
        ref = model().decode(torch.from_numpy(z)).flatten(1).numpy()
    # Chromium has WebAssembly's SIMD: the sums run there (core/dense.js), in float32
    assert page.evaluate("latentExplorer.snapshot().decoder") == "wasm-simd"
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
    assert page.eval_on_selector(".lx-strip", "c => c.width") > 200
    assert page.evaluate("latentExplorer.snapshot().morph.frames") == 9


def test_morph_endpoints_are_typical_members_and_pickers_set_them(page):
    morph = page.evaluate("latentExplorer.snapshot().morph")
    assert "“1”" in morph["a"]["label"] and "“7”" in morph["b"]["label"]
    # B = 8 picks a typical 8: most of its neighbours on the map are 8s too
    page.locator(".lx-root .lx-pick-b").select_option("8")
    page.wait_for_function("() => latentExplorer.snapshot().morph.b.label.includes('“8”')")
    z = page.evaluate("latentExplorer.snapshot().morph.b.z")
    xs, ys, labels = map_points(page)
    near = np.argsort((xs - z[0]) ** 2 + (ys - z[1]) ** 2)[:25]
    assert np.mean(labels[near] == 8) > 0.5
    # Python hears of it (the map's fragment reruns) and the link follows
    page.wait_for_function("() => new URLSearchParams(location.search).has('b')")
    b = [float(v) for v in query(page)["b"].split(",")]
    assert b == pytest.approx(z, abs=1e-5)
    page.locator(".lx-root .lx-method").select_option("spherical")
    page.wait_for_function("() => new URLSearchParams(location.search).get('path') === 'spherical'")
    page.locator(".lx-root .lx-frames").fill("12")
    page.locator(".lx-root .lx-frames").press("Enter")
    page.wait_for_function("() => latentExplorer.snapshot().morph.frames === 12")


def test_morph_downloads_a_gif_and_a_strip(page):
    page.locator(".lx-root .lx-dl-gif").scroll_into_view_if_needed()
    with page.expect_download() as info:
        page.locator(".lx-root .lx-dl-gif").click()
    gif = Image.open(info.value.path())
    assert gif.n_frames == 46 and gif.size == (168, 168)
    gif.seek(0)
    first = np.asarray(gif.convert("L"), np.float32)
    with page.expect_download() as info:
        page.locator(".lx-root .lx-dl-png").click()
    strip = Image.open(info.value.path())
    assert strip.size == (9 * 112 + 8 * 8, 112)
    # the GIF's first frame is the decoding of A
    a = page.evaluate("latentExplorer.decode(latentExplorer.snapshot().morph.a.z)")
    expected = np.kron(np.array(a).reshape(28, 28), np.ones((6, 6))) * 255
    assert np.abs(first - expected).max() <= 2


def digit_photo(index: int = 0) -> bytes:
    """A test digit as a phone photo might show it: dark ink on light grey paper, large."""
    from vae.data import load_splits

    digit = load_splits().test.images[index].numpy().astype(np.float32) / 255
    big = Image.fromarray((digit * 255).astype(np.uint8)).resize((336, 336), Image.BILINEAR)
    paper = 215 - 170 * np.asarray(big, np.float32) / 255
    buf = io.BytesIO()
    Image.fromarray(paper.astype(np.uint8)).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def upload(page, name: str, data: bytes, mime: str = "image/jpeg") -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )


def test_upload_lands_on_the_map(page):
    open_tab(page, "Your digit")
    page.get_by_text("Upload a picture").click()
    wait_idle(page)
    page.get_by_text("PNG, JPEG, WebP, BMP or GIF, up to 10 MB").wait_for()
    assert page.get_by_text("50MB per file").is_hidden()  # the limit is said once, ours
    upload(page, "seven.jpg", digit_photo(0))
    page.get_by_text("what the model sees (28×28)").wait_for()
    page.wait_for_function("() => latentExplorer.snapshot().upload")
    wait_idle(page)
    marker = page.evaluate("latentExplorer.snapshot().upload")
    assert [e["k"] for e in marker["ellipses"]] == [1, 2]
    # test digit 0 is a 7: it should land among the 7s
    mu = np.array(marker["mu"])
    xs, ys, labels = map_points(page)
    near = np.argsort((xs - mu[0]) ** 2 + (ys - mu[1]) ** 2)[:25]
    assert np.mean(labels[near] == 7) > 0.5
    assert page.get_by_text("ELBO (how well the model explains it)").is_visible()
    page.get_by_text("Nalisnick et al. 2019").wait_for()
    page.screenshot(path=str(ARTIFACTS / "upload_marker.png"), full_page=True)


# A page whose clock runs a day ahead of the server's (the order of morph changes must not
# compare the two clocks: views/morph.py, components/latent_map/morph.js).
CLOCK_AHEAD = "(() => { const now = Date.now.bind(Date); Date.now = () => now() + 864e5; })();"


def test_your_digit_as_morph_start_works_when_the_page_clock_runs_ahead(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(CLOCK_AHEAD)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(app_url)
        page.wait_for_selector('.lx-root[data-ready="1"]', timeout=60_000)
        wait_idle(page)
        assert page.evaluate("Date.now() - new Date().getTime()") > 8e7  # the clock is ahead
        # a change made in the page first: its report is newer than anything on the server
        page.locator(".lx-frames").fill("12")
        page.locator(".lx-frames").press("Enter")
        page.wait_for_function("() => latentExplorer.snapshot().morph.frames === 12")
        wait_idle(page)
        open_tab(page, "Your digit")
        page.get_by_text("Upload a picture").click()
        wait_idle(page)
        upload(page, "seven.jpg", digit_photo(0))
        page.get_by_text("what the model sees (28×28)").wait_for()
        page.wait_for_function("() => latentExplorer.snapshot().upload")
        wait_idle(page)
        page.locator(".st-key-digit_to_a button").click()
        page.wait_for_function("() => latentExplorer.snapshot().morph.a.label === 'your digit'")
        snap = page.evaluate("latentExplorer.snapshot()")
        assert snap["morph"]["a"]["z"] == pytest.approx(snap["upload"]["mu"], abs=1e-5)
        assert snap["morph"]["frames"] == 12  # applied on top of the page's own morph
        assert snap["morph"]["request"] == 1
        wait_idle(page)
        # the request is applied once: A picked in the page afterwards stays, though the
        # digit's fragment sends its last request again when it reruns
        page.locator(".lx-pick-a").select_option("3")
        page.wait_for_function("() => latentExplorer.snapshot().morph.a.label.includes('“3”')")
        wait_idle(page)
        page.locator(".st-key-digit_to_b button").click()  # reruns the fragment: request 2
        page.wait_for_function("() => latentExplorer.snapshot().morph.b.label === 'your digit'")
        wait_idle(page)
        morph = page.evaluate("latentExplorer.snapshot().morph")
        assert "“3”" in morph["a"]["label"] and morph["request"] == 2
        page.wait_for_function("() => new URLSearchParams(location.search).has('b')")
    finally:
        context.close()
    assert not errors, errors


def test_an_upload_too_large_or_broken_replaces_the_old_result(page):
    open_tab(page, "Your digit")
    page.get_by_text("Upload a picture").click()
    wait_idle(page)
    upload(page, "seven.jpg", digit_photo(0))
    page.get_by_text("what the model sees (28×28)").wait_for()
    page.wait_for_function("() => latentExplorer.snapshot().upload")
    upload(page, "huge.png", b"\x89PNG\r\n\x1a\n" + bytes(11 * 2**20), "image/png")
    alert = page.locator('[data-testid="stAlertContentError"]')
    alert.wait_for()
    assert "too large" in alert.text_content() and "up to 10 MB" in alert.text_content()
    assert page.get_by_text("what the model sees (28×28)").count() == 0
    page.wait_for_function("() => !latentExplorer.snapshot().upload")  # the star left the map too
    upload(page, "broken.png", b"\x89PNG\r\n\x1a\nnope", "image/png")
    page.get_by_text("broken.png").first.wait_for()
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "TIFF" not in alert.text_content()
    # the map still answers clicks
    plot_box(page)
    corner = empty_corner(page)
    page.mouse.click(corner["x"], corner["y"])
    page.wait_for_function(
        "() => document.querySelector('.lx-pin-coords').textContent.includes('empty space')"
    )


def test_draw_on_canvas_lands_on_the_map_and_clearing_it_clears_the_result(page):
    open_tab(page, "Your digit")
    canvas = page.locator(".st-key-draw_pad canvas")
    canvas.wait_for()
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    # a "1": one vertical stroke down the middle
    x = box["x"] + box["width"] * 0.5
    page.mouse.move(x, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for k in range(1, 15):
        page.mouse.move(x + k * 0.5, box["y"] + box["height"] * (0.15 + k * 0.05))
    page.mouse.up()
    page.get_by_text("what the model sees (28×28)").wait_for()
    page.wait_for_function("() => latentExplorer.snapshot().upload")
    wait_idle(page)
    assert page.evaluate("latentExplorer.snapshot().digitMarker")
    page.locator(".st-key-draw_pad").get_by_role("button", name="Clear the drawing").click()
    page.wait_for_function("() => !latentExplorer.snapshot().upload")
    wait_idle(page)
    assert page.get_by_text("what the model sees (28×28)").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


def test_picking_another_model_redraws_the_map_and_clears_the_preview(page):
    box = plot_box(page)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    corner = empty_corner(page)
    page.mouse.click(corner["x"], corner["y"])
    before = page.evaluate("latentExplorer.snapshot().data.points_url")
    page.locator(".st-key-model_path").get_by_role("combobox").click()
    page.get_by_role("option").filter(has_text="tiny-untrained-2d").click()
    page.wait_for_function(f"latentExplorer.snapshot().data.points_url !== '{before}'")
    page.wait_for_selector('.lx-root[data-ready="1"]')
    wait_idle(page)
    assert page.evaluate("latentExplorer.snapshot().n") == 10_000
    # a point of the old model is dropped
    assert page.evaluate("latentExplorer.snapshot().pin") is None
    assert page.locator(".lx-hover-coords").text_content() == "move over the map"
    page.locator('[data-testid="stSidebar"]').get_by_text("MLP 64 → 2").wait_for()
    # the new decoder runs in the page: hovering decodes with it
    frames = page.evaluate("latentExplorer.snapshot().stats.hoverFrames")
    box = plot_box(page)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] / 2 + 20, box["y"] + box["height"] / 2)
    assert page.evaluate("latentExplorer.snapshot().stats.hoverFrames") > frames


def test_on_a_laptop_screen_the_layout_is_stable_and_a_click_is_seen(browser, app_url):
    """1366 x 768: the sidebar is there when the map is drawn (no jump, no re-fit), and the
    clicked point's panel is beside the map, in view, without scrolling."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        page.goto(app_url)
        page.wait_for_selector('.lx-root[data-ready="1"]', timeout=60_000)
        assert page.locator('[data-testid="stSidebar"]').get_by_text("Checkpoint").count() >= 1
        width = page.evaluate("latentExplorer.snapshot().view.width")
        wait_idle(page)
        page.wait_for_timeout(500)
        assert page.evaluate("latentExplorer.snapshot().view.width") == width
        assert page.evaluate("window.scrollY") == 0
        z = page.evaluate("latentExplorer.point(5)")
        at = page.evaluate("z => latentExplorer.clientPoint(z)", z)
        assert at["y"] < 768, "the map's points are below the fold"
        page.mouse.click(at["x"], at["y"])
        page.locator(".lx-details").get_by_text("test digit #5").wait_for()
        for selector in (".lx-card-pin canvas", ".lx-details .lx-detail-head"):
            box = page.locator(selector).first.bounding_box()
            assert box["y"] + box["height"] <= 768 and box["x"] + box["width"] <= 1366, selector
        assert page.evaluate("window.scrollY") == 0
    finally:
        context.close()
