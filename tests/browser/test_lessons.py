"""Each input is a distribution; nearest neighbours; links and CSV (in a real Chromium)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import numpy as np
import pytest

from tests.browser.conftest import ARTIFACTS, PAGE_BUILT, READY, ROOT, past_double_click, wait_idle
from tests.browser.test_explorer import empty_corner

pytestmark = pytest.mark.browser

DETAILS = ".lx-root .lx-details"
SAMPLES = f"{DETAILS} .lx-samples canvas"
NEIGHBOURS = f"{DETAILS} .lx-neighbours canvas"


def canvases(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(c => c.toDataURL())")


def neighbour_titles(page) -> list[str]:
    return page.eval_on_selector_all(
        f"{DETAILS} .lx-neighbours figure", "els => els.map(e => e.title)"
    )


def plot_box(page) -> dict:
    plot = page.locator(".lx-root .lx-plot")
    plot.evaluate("el => el.scrollIntoView({block: 'center'})")
    return plot.bounding_box()


def digit_near(page, z) -> int:
    """The test digit whose μ is nearest to z, from the map's own points."""
    return page.evaluate(
        """z => { const p = latentExplorer.points(); let best = 0, bd = 1e9;
                  for (let i = 0; i < p.xs.length; i++) {
                    const d = Math.hypot(p.xs[i] - z[0], p.ys[i] - z[1]);
                    if (d < bd) { bd = d; best = i; } }
                  return best; }""",
        list(z),
    )


def click_digit(page, index: int) -> list[float]:
    z = page.evaluate("i => latentExplorer.point(i)", index)
    plot_box(page)
    past_double_click(page)
    at = page.evaluate("z => latentExplorer.clientPoint(z)", z)
    page.mouse.click(at["x"], at["y"])
    page.wait_for_function(f"() => latentExplorer.snapshot().pin?.index === {index}")
    return z


def sources(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.src)")


def query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def open_link(page, app_url: str, params: dict) -> None:
    """A new session on a link (the page fixture's session is left behind)."""
    page.goto(f"{app_url}/?{urlencode(params)}")
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_selector(PAGE_BUILT, timeout=60_000)
    wait_idle(page)


def encoded_test_set(name: str = "mnist-vae-2d.pt"):
    from vae import latent
    from vae.checkpoint import load_checkpoint
    from vae.data import load_splits

    model = load_checkpoint(ROOT / "checkpoints" / name).model
    splits = load_splits("mnist")
    return latent.encode_images(model, splits.test.float_images()), splits


def test_clicked_digit_shows_its_posterior_on_the_map_and_as_samples(page):
    from vae import latent

    index = digit_near(page, (-1.5, 2.0))
    z = click_digit(page, index)
    page.locator(DETAILS).get_by_text(f"test digit #{index}").wait_for()
    page.wait_for_function("() => latentExplorer.snapshot().pinEllipses")
    # the ellipses of q(z|x) are drawn from the encoder's sigma of exactly this digit
    ellipses = page.evaluate("latentExplorer.snapshot().pinEllipses")
    assert [e["k"] for e in ellipses] == [1, 2]
    enc, _ = encoded_test_set()
    for e in ellipses:
        want = latent.ellipse(enc.mu[index], enc.logvar[index], e["k"])
        np.testing.assert_allclose(np.stack([e["xs"], e["ys"]], 1), want, atol=1e-5)
    # ... and they are on the canvas: zoom in until the 2-sigma one is large, read its pixels
    sigma = np.exp(0.5 * enc.logvar[index])
    half = 4 * float(sigma.max())
    page.evaluate(
        """([z, h]) => Plotly.relayout(latentExplorer.element().querySelector(".lx-plot"),
             {"xaxis.range": [z[0] - h, z[0] + h], "yaxis.range": [z[1] - h, z[1] + h]})""",
        [z, half],
    )
    page.wait_for_timeout(300)
    # 16 points along each ellipse: the solid 1-sigma one is painted at every one of them,
    # the dashed 2-sigma one at many (the others fall in its gaps)
    painted = page.evaluate(
        """() => { const api = latentExplorer, dpr = window.devicePixelRatio || 1;
                   const canvas = api.element().querySelector(".lx-overlay");
                   const ctx = canvas.getContext("2d"), r = canvas.getBoundingClientRect();
                   return api.snapshot().pinEllipses.map((e) => { let hits = 0;
                     for (let i = 0; i < 64; i += 4) {
                       const p = api.clientPoint([e.xs[i], e.ys[i]]);
                       const x = p.x - r.left, y = p.y - r.top;
                       const px = ctx.getImageData(Math.round(x * dpr) - 1, Math.round(y * dpr) - 1,
                                                   3, 3).data;
                       for (let j = 0; j < px.length; j += 4)
                         if (px[j + 3] > 60 && px[j] > 120 && px[j + 1] < 90) { hits++; break; }
                     }
                     return hits; }); }"""
    )
    assert painted[0] == 16 and painted[1] >= 6, painted
    page.screenshot(path=str(ARTIFACTS / "posterior_ellipse_zoomed.png"))
    # a row of 8 decodings of z ~ q(z|x), seeded; Resample draws others
    page.locator(DETAILS).get_by_text("seed 0").wait_for()
    assert page.locator(SAMPLES).count() == 8
    before = canvases(page, SAMPLES)
    page.locator(f"{DETAILS} .lx-resample").click()
    page.locator(DETAILS).get_by_text("seed 1").wait_for()
    after = canvases(page, SAMPLES)
    assert len(after) == 8 and all(a != b for a, b in zip(after, before, strict=True))
    page.locator(".lx-root .lx-side").screenshot(path=str(ARTIFACTS / "clicked_panel.png"))


def test_neighbours_of_empty_space_and_of_a_digit(page):
    plot_box(page)
    corner = empty_corner(page)
    page.mouse.click(corner["x"], corner["y"])  # the top-left corner: empty space
    page.wait_for_function(
        "() => document.querySelector('.lx-pin-coords').textContent.includes('empty space')"
    )
    page.locator(NEIGHBOURS).first.wait_for()
    assert page.locator(NEIGHBOURS).count() == 8
    assert page.locator(SAMPLES).count() == 0  # empty space has no posterior
    # a digit deep in its cluster: its neighbours share its label, nearest first
    index = digit_near(page, (-1.5, 2.0))
    click_digit(page, index)
    page.locator(DETAILS).get_by_text(f"test digit #{index}").wait_for()
    texts = neighbour_titles(page)
    assert len(texts) == 8
    label = page.evaluate("latentExplorer.snapshot().pin.label")
    assert sum(f"(“{label}”)" in t for t in texts) >= 6, texts
    distances = [float(t.rsplit(" ", 1)[1]) for t in texts]
    assert distances == sorted(distances) and distances[0] > 0  # the digit itself is left out
    assert f"test #{index} " not in " ".join(texts)
    page.locator(".lx-root .lx-side").screenshot(path=str(ARTIFACTS / "neighbours_panel.png"))


def test_a_link_restores_model_pin_and_morph(page, app_url):
    open_link(page, app_url, {"model": "mnist-vae-2d.pt", "x": "-3.25", "y": "2.5",
                              "a": "-1,1", "b": "2,-2", "path": "spherical"})  # fmt: skip
    assert page.evaluate("latentExplorer.snapshot().pin.z") == pytest.approx([-3.25, 2.5], abs=1e-9)
    page.locator(".lx-pin-coords").get_by_text("(-3.250,").wait_for()
    morph = page.evaluate("latentExplorer.snapshot().morph")
    assert (morph["a"]["z"], morph["b"]["z"], morph["method"]) == ([-1, 1], [2, -2], "spherical")
    assert morph["a"]["label"] == "(-1.00, 1.00)"  # not a test digit: named by its place
    assert page.locator('[data-testid="stAlert"]').filter(has_text="this link").count() == 0
    page.screenshot(path=str(ARTIFACTS / "link_restored.png"))
    # a test digit by number: the pin goes to its mu and the panel shows the original
    open_link(page, app_url, {"x": "0", "y": "0", "i": "12"})
    page.locator(DETAILS).get_by_text("test digit #12").wait_for()
    page.wait_for_function("() => latentExplorer.snapshot().pin?.label")
    enc, splits = encoded_test_set()
    z = page.evaluate("latentExplorer.snapshot().pin.z")
    assert z == pytest.approx(enc.mu[12].tolist(), abs=1e-6)
    label = page.evaluate("latentExplorer.snapshot().pin.label")
    assert label == splits.classes[splits.test.labels[12]]
    assert page.evaluate("latentExplorer.snapshot().pinEllipses") is not None


def test_clicks_and_endpoints_are_written_to_the_url_and_a_reload_keeps_them(page, app_url):
    box = plot_box(page)
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.25)
    page.wait_for_function("() => new URLSearchParams(location.search).has('x')")
    z = page.evaluate("latentExplorer.snapshot().pin.z")
    q = query(page)
    assert q["model"] == "mnist-vae-2d.pt"
    assert [float(q["x"]), float(q["y"])] == pytest.approx(z, abs=1e-5)
    page.locator(f"{DETAILS} .lx-use-b").click()
    page.wait_for_function("() => latentExplorer.snapshot().morph.b.label.startsWith('(')")
    page.wait_for_function("() => new URLSearchParams(location.search).has('b')")
    wait_idle(page)
    assert [float(v) for v in query(page)["b"].split(",")] == pytest.approx(z, abs=1e-5)
    index = digit_near(page, (-1.5, 2.0))
    click_digit(page, index)
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('i') === '{index}'")
    link = page.url
    open_link(page, app_url, {})  # elsewhere first, so the reload is a new session for sure
    page.goto(link)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_selector(PAGE_BUILT, timeout=60_000)
    page.locator(DETAILS).get_by_text(f"test digit #{index}").wait_for()
    assert page.evaluate("latentExplorer.snapshot().pin.index") == index
    assert page.evaluate("latentExplorer.snapshot().morph.b.z") == pytest.approx(z, abs=1e-5)


def test_a_garbage_link_gives_a_notice_and_the_app_works(page, app_url):
    open_link(page, app_url, {"model": "../../etc/passwd", "x": "nan", "y": "1e999", "i": "zz",
                              "a": "<script>alert(1)</script>", "b": "1,2,3", "path": "x" * 5000,
                              "proj": "kept"})  # fmt: skip
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="Parts of this link")
    alert.wait_for()
    text = alert.text_content()
    for part in ("model", "clicked point", "morph A", "morph B", "too long"):
        assert part in text, text
    assert "<script" not in text
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.evaluate("latentExplorer.snapshot().pin") is None
    page.screenshot(path=str(ARTIFACTS / "garbage_link.png"))
    # the bad keys are gone from the address bar, a key another feature owns is not
    q = query(page)
    assert q["model"] == "mnist-vae-2d.pt" and q["proj"] == "kept"
    assert not {"x", "y", "i", "path"} & set(q)
    # the map still works, and the notice goes once the view is the user's own
    plot_box(page)
    corner = empty_corner(page)
    page.mouse.click(corner["x"], corner["y"])
    page.wait_for_function("() => new URLSearchParams(location.search).has('x')")
    wait_idle(page)
    assert alert.count() == 0


def test_autoencoder_link_says_there_is_no_posterior(page, app_url):
    open_link(page, app_url, {"model": "mnist-ae-2d.pt", "x": "0", "y": "0", "i": "3"})
    page.locator(DETAILS).get_by_text("test digit #3").wait_for()
    page.locator(DETAILS).get_by_text("has no posterior q(z|x)").wait_for()
    assert page.evaluate("latentExplorer.snapshot().pinEllipses") is None
    assert page.locator(SAMPLES).count() == 0
    page.locator(NEIGHBOURS).first.wait_for()
    assert page.locator(NEIGHBOURS).count() == 8
    assert query(page)["model"] == "mnist-ae-2d.pt"
    page.locator(".lx-root .lx-side").screenshot(path=str(ARTIFACTS / "autoencoder_panel.png"))


def test_your_digit_has_posterior_samples_and_neighbours(page):
    from tests.browser.test_explorer import digit_photo

    page.get_by_role("tab", name="Your digit").click()
    page.get_by_text("Upload a picture").click()
    wait_idle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "seven.jpg", "mimeType": "image/jpeg", "buffer": digit_photo(0)}]
    )
    page.get_by_text("what the model sees (28×28)").wait_for()
    wait_idle(page)
    assert page.locator(".st-key-digit_posterior img").count() == 8
    before = sources(page, ".st-key-digit_posterior img")
    page.locator(".st-key-digit_resample button").click()
    page.locator(".st-key-digit_posterior").get_by_text("z1").wait_for()
    page.get_by_text("seed 1").wait_for()
    wait_idle(page)
    assert sources(page, ".st-key-digit_posterior img") != before
    captions = page.locator(".st-key-digit_neighbours").get_by_test_id("stImageCaption")
    texts = [captions.nth(k).text_content() for k in range(captions.count())]
    assert len(texts) == 8 and sum(t.startswith("“7”") for t in texts) >= 5, texts
    page.get_by_test_id("stTabs").screenshot(path=str(ARTIFACTS / "your_digit_panel.png"))


def test_csv_download_is_the_map(page):
    # (a button with a tooltip is drawn twice, one copy hidden, hence .first)
    button = page.locator(".st-key-dl_latent_csv button").first
    button.wait_for()
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "mnist-vae-2d-latent.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == 10_001
    assert lines[0] == "index,label,class,mu_1,mu_2,sigma_1,sigma_2"
    rows = list(csv.reader(io.StringIO(text)))[1:]
    mu = np.array([[float(r[3]), float(r[4])] for r in rows], np.float32)
    xs, ys, labels = page.evaluate(
        "() => { const p = latentExplorer.points(); return [p.xs, p.ys, p.labels]; }"
    )
    np.testing.assert_array_equal(mu[:, 0], np.array(xs, np.float32))  # exactly the map's points
    np.testing.assert_array_equal(mu[:, 1], np.array(ys, np.float32))
    assert [int(r[1]) for r in rows] == labels
    assert all(float(r[5]) > 0 and float(r[6]) > 0 for r in rows)
