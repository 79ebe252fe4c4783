"""Models with more than 2 latent dimensions, on the map through PCA or t-SNE, in Chromium.

Needs the shipped checkpoints/mnist-vae-8d.pt and mnist-vae-16d.pt beside mnist-vae-2d.pt.
The shipped models' t-SNE and UMAP planes are kept beside their checkpoints (vae/planes.py),
so picking t-SNE draws at once; tests/browser/test_planes.py times it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.browser.conftest import ARTIFACTS, ROOT, wait_idle
from tests.browser.test_explorer import digit_photo, empty_corner, open_tab, pixels, plot_box

pytestmark = pytest.mark.browser

PIN = ".lx-root .lx-pin"
HOVER = ".lx-root .lx-hover"
TSNE_TIMEOUT_MS = 120_000


def pick_model(page, name: str) -> None:
    before = page.evaluate("latentExplorer.snapshot().data.points_url")
    page.locator(".st-key-model_path").get_by_role("combobox").click()
    page.get_by_role("option").filter(has_text=re.compile(rf"· {re.escape(name)}$")).click()
    page.wait_for_function(
        f"latentExplorer.snapshot().data.points_url !== '{before}'", timeout=120_000
    )
    page.wait_for_selector('.lx-root[data-ready="1"]')
    wait_idle(page)


def pick_projection(page, title: str, timeout: float = 120_000) -> None:
    before = page.evaluate("latentExplorer.snapshot().data.points_url")
    page.locator(".st-key-projection").get_by_text(title, exact=True).click()
    page.wait_for_function(
        f"latentExplorer.snapshot().data.points_url !== '{before}'", timeout=timeout, polling=1000
    )
    page.wait_for_selector('.lx-root[data-ready="1"]')
    wait_idle(page)


def axis_titles(page) -> list[str]:
    return page.evaluate("latentExplorer.snapshot().view.titles")


def encoded_test_set(name: str):
    """(model, mu (10000, d)) of a shipped checkpoint, as the app encodes it."""
    from vae import latent
    from vae.checkpoint import load_checkpoint
    from vae.data import load_splits

    model = load_checkpoint(ROOT / "checkpoints" / f"{name}.pt").model
    return model, latent.encode_images(model, load_splits().test.float_images()).mu


def test_8d_model_on_the_pca_plane(page):
    import torch

    from vae.projection import fit_pca

    pick_model(page, "mnist-vae-8d")
    assert page.evaluate("latentExplorer.snapshot().n") == 10_000
    x_title, y_title = axis_titles(page)
    assert x_title.startswith("PC 1 (") and x_title.endswith("% var)")
    assert y_title.startswith("PC 2 (") and y_title.endswith("% var)")
    page.get_by_text("A point p of the plane is the latent point mean + p · components").wait_for()

    # the plane is the PCA of the test set's mu, and the page decodes it as torch does
    model, mu = encoded_test_set("mnist-vae-8d")
    pca = fit_pca(mu)
    sent = page.evaluate("latentExplorer.snapshot().data.pca")
    np.testing.assert_allclose(sent["components"], pca.components, atol=1e-4)
    rng = np.random.default_rng(0)
    p = np.concatenate([rng.normal(0, 1.5, (30, 2)), [[0, 0], [4, -4], [-6, 6]]])
    js = np.array(page.evaluate("ps => ps.map(p => latentExplorer.decode(p))", p.tolist()))
    z = np.asarray(sent["mean"]) + p @ np.asarray(sent["components"])
    with torch.no_grad():
        ref = model.decode(torch.from_numpy(z.astype(np.float32))).flatten(1).numpy()
    assert js.shape == ref.shape == (33, 784)
    assert np.abs(js - ref).max() < 1e-4

    # the live preview follows the pointer
    box = plot_box(page)
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    first = pixels(page, HOVER)
    frames = page.evaluate("latentExplorer.snapshot().stats.hoverFrames")
    for k in range(1, 11):
        page.mouse.move(box["x"] + box["width"] * (0.3 + 0.04 * k), box["y"] + box["height"] * 0.5)
    assert page.evaluate("latentExplorer.snapshot().stats.hoverFrames") >= frames + 10
    assert pixels(page, HOVER) != first
    assert page.locator(".lx-hover-coords").text_content().startswith("PC 1, PC 2 = (")

    # a click in empty space decodes that point of the plane, here and in Python
    before = pixels(page, PIN)
    corner = empty_corner(page)
    page.mouse.click(corner["x"], corner["y"])
    page.wait_for_function(
        "() => document.querySelector('.lx-pin-coords').textContent.includes('empty space')"
    )
    assert pixels(page, PIN) != before
    page.locator(".lx-details").get_by_text("the latent point mean + p · components").wait_for()
    assert page.locator(".lx-pin-coords").text_content().startswith("PC 1, PC 2 = (")
    page.wait_for_function("() => new URLSearchParams(location.search).has('x')")  # Python knows
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "projection_pca.png"))

    # morph and manifold work on the plane
    assert page.evaluate("latentExplorer.snapshot().morph.frames") == 9
    open_tab(page, "Manifold")
    page.get_by_text("Visible region: PC 1 ∈").wait_for()
    page.get_by_role("button", name="Decode the visible region").click()
    page.get_by_text("on the PCA plane").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_clicked_digit_on_the_pca_plane_uses_its_own_mu(page, app_url):
    """A clean "1" sits among other classes' shadows on the plane: its neighbours and its
    decoding must come from its full 8-D mu (issue: #8887 listed 9s, 3s and 4s)."""
    import torch

    from tests.browser.test_lessons import neighbour_titles, open_link

    open_link(page, app_url, {"model": "mnist-vae-8d.pt", "x": "0", "y": "0", "i": "8887"})
    page.locator(".lx-details").get_by_text("test digit #8887: its own 8-D μ").wait_for()
    page.wait_for_function("() => latentExplorer.snapshot().neighbours")
    titles = neighbour_titles(page)
    assert sum("(“1”)" in t for t in titles) >= 7, titles
    model, mu = encoded_test_set("mnist-vae-8d")
    with torch.no_grad():
        ref = model.decode(torch.from_numpy(mu[8887:8888])).flatten().numpy()
    pin = page.eval_on_selector(
        PIN, "c => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data)"
        ".filter((_, k) => k % 4 === 0)",
    )  # fmt: skip
    assert np.abs(np.array(pin) / 255 - ref).max() < 0.01
    page.locator(".lx-root .lx-side").screenshot(path=str(ARTIFACTS / "pca_own_mu.png"))


def test_your_digit_lands_on_the_pca_plane(page):
    from vae import latent
    from vae.image import preprocess_upload
    from vae.projection import fit_pca

    pick_model(page, "mnist-vae-8d")
    open_tab(page, "Your digit")
    page.get_by_text("Upload a picture").click()
    wait_idle(page)
    photo = digit_photo(0)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "seven.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    # generous: the first digit also scores 2,000 test digits for its ELBO percentile
    page.get_by_text("what the model sees (28×28)").wait_for(timeout=120_000)
    page.wait_for_function("() => latentExplorer.snapshot().upload", timeout=120_000)
    wait_idle(page)
    upload = page.evaluate("latentExplorer.snapshot().upload")
    model, mu = encoded_test_set("mnist-vae-8d")
    import torch

    x = torch.from_numpy(preprocess_upload(photo).astype(np.float32)).reshape(1, 1, 28, 28)
    star = fit_pca(mu).transform(latent.encode_images(model, x).mu[0])[0]
    np.testing.assert_allclose(upload["mu"], star, atol=1e-3)
    assert [e["k"] for e in upload["ellipses"]] == [1, 2]
    page.get_by_text("On this map the ★ is μ projected onto the PCA plane").wait_for()


def test_tsne_decodes_the_nearest_point(page):
    import torch

    pick_model(page, "mnist-vae-8d")
    pick_projection(page, "t-SNE", timeout=TSNE_TIMEOUT_MS)
    assert axis_titles(page) == ["t-SNE 1", "t-SNE 2"]
    assert page.evaluate("latentExplorer.snapshot().n") == 10_000
    page.get_by_text("the preview under the pointer and a click decode the nearest").wait_for()

    # hovering decodes the nearest test digit, and says which
    box = plot_box(page)
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.move(box["x"] + box["width"] * 0.52, box["y"] + box["height"] * 0.5)
    assert page.locator(".lx-hover-coords").text_content().startswith("nearest: test #")
    # 10,000 distances and one decode per pointer move: still far inside a frame
    assert page.evaluate("latentExplorer.snapshot().stats.lastDecodeMs") < 50

    # a click anywhere snaps to the nearest test digit and decodes its full 8-D mu
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.4)
    page.wait_for_function("() => latentExplorer.snapshot().pin?.index >= 0")
    index = page.evaluate("latentExplorer.snapshot().pin.index")
    assert "the nearest to the click" in page.locator(".lx-pin-coords").text_content()
    page.locator(".lx-details").get_by_text(f"test digit #{index}").first.wait_for()
    page.get_by_text("This map has no inverse").wait_for()
    model, mu = encoded_test_set("mnist-vae-8d")
    js = np.array(page.evaluate("() => latentExplorer.decode(latentExplorer.snapshot().pin.z)"))
    with torch.no_grad():
        ref = model.decode(torch.from_numpy(mu[index : index + 1])).flatten().numpy()
    assert np.abs(js - ref).max() < 1e-4
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "projection_tsne.png"))

    # no morph or manifold on a map without an inverse: the page says why
    assert page.evaluate("latentExplorer.snapshot().morph") is None
    assert page.locator(".lx-root .lx-morph").is_hidden()
    page.get_by_text("Morph and manifold need PCA").wait_for()
    open_tab(page, "Manifold")
    page.get_by_text("Pick PCA above the map").wait_for()


def test_latent_size_table(page):
    open_tab(page, "Latent size")
    table = page.locator('[data-testid="stTable"]')
    table.wait_for(timeout=120_000)  # the tab builds when opened: a rerun, maybe an encoding
    rows = table.locator("tbody tr")
    sizes = [int(rows.nth(i).locator("td, th").first.text_content()) for i in range(rows.count())]
    assert {2, 8, 16} <= set(sizes) and sizes == sorted(sizes)
    head = table.locator("thead").text_content()
    for column in ("latent size", "test recon", "test KL", "test −ELBO", "epochs", "active dims"):
        assert column in head
    page.locator(".st-key-latent_size_chart").wait_for()
    page.locator(".st-key-latent_size_chart").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "latent_size.png"))


def test_walk_every_dimension_sorted_by_kl_with_the_inactive_ones_marked(page, app_url):
    from tests.browser.test_lessons import open_link
    from vae import latent, latent_size
    from vae.checkpoint import load_checkpoint
    from vae.data import load_splits

    open_link(page, app_url, {"model": "mnist-vae-16d.pt", "x": "0", "y": "0", "i": "3"})
    page.wait_for_function("() => latentExplorer.snapshot().walk")
    # below the fold: not yet drawn
    assert page.evaluate("latentExplorer.snapshot().walk.shown") is None
    page.locator(".lx-root .lx-walk").scroll_into_view_if_needed()  # in view: drawn
    page.wait_for_function("() => latentExplorer.snapshot().walk.shown")
    shown = page.evaluate("latentExplorer.snapshot().walk.shown")
    model = load_checkpoint(ROOT / "checkpoints" / "mnist-vae-16d.pt").model
    enc = latent.encode_images(model, load_splits().test.float_images())
    kl = latent_size.kl_per_dimension(enc.mu, enc.logvar)
    np.testing.assert_allclose(shown["kl"], kl, atol=1e-3)
    assert shown["dims"] == sorted(range(16), key=lambda j: -kl[j])
    rows = page.locator(".lx-walk-row")
    assert rows.count() == 16
    inactive = page.locator(".lx-walk-row.lx-inactive")
    assert inactive.count() == int((kl <= latent_size.ACTIVE_KL_NATS).sum()) == 4
    # an inactive dimension visibly changes nothing: its -3 and +3 frames are the same image
    # (to a few grey levels: its KL is under 0.01 nats, not zero)
    ends = inactive.first.evaluate(
        "row => { const c = row.querySelectorAll('figure canvas');"
        " const px = (k) => Array.from(c[k].getContext('2d').getImageData(0, 0, 28, 28).data);"
        " return [px(0), px(c.length - 1)]; }"
    )
    diff = np.abs(np.array(ends[0]) - np.array(ends[1]))
    assert diff.max() <= 16 and diff.mean() < 1
    # the slider moves every row's live image, in the page
    live = page.eval_on_selector_all(".lx-walk-live", "cs => cs.map(c => c.toDataURL())")
    page.locator(".lx-walk-slider").fill("250")
    page.wait_for_function(
        "() => document.querySelector('.lx-walk-value').textContent.endsWith('2.50')"
    )
    after = page.eval_on_selector_all(".lx-walk-live", "cs => cs.map(c => c.toDataURL())")
    assert sum(a != b for a, b in zip(live, after, strict=True)) >= 12
    page.locator(".lx-root .lx-walk").screenshot(path=str(ARTIFACTS / "walk_16d.png"))
