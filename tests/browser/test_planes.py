"""The 16-D model's t-SNE and UMAP maps: drawn at once from the shipped planes, and a digit
placed on them by the method's own transform, in Chromium.

Each test starts its own server, after the setup step that builds the maps' files
(scripts/warm_static.py), so "at once" is measured as a user meets it on a server just
started: from opening the link to the map drawn.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from urllib.parse import urlencode

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import (
    ARTIFACTS,
    READY,
    ROOT,
    model_folder,
    running_app,
    wait_idle,
)
from tests.browser.test_explorer import map_points, open_tab

pytestmark = pytest.mark.browser

DRAWN_WITHIN_S = 5.0
CHECKPOINT = ROOT / "checkpoints" / "mnist-vae-16d.pt"


@pytest.fixture(scope="module")
def models():
    """The shipped models (and planes) in the tests' folder, after setup's warm step."""
    folder = model_folder()
    env = {**os.environ, "LATENT_EXPLORER_CHECKPOINTS": str(folder)}
    env.pop("LATENT_EXPLORER_STATIC", None)  # the server serves ./static: warm that
    subprocess.run(
        [sys.executable, "scripts/warm_static.py"], cwd=ROOT, env=env, check=True,
        stdout=subprocess.DEVNULL, timeout=1800,
    )  # fmt: skip
    return folder


def server(models):
    """A server started anew: nothing cached in its memory."""
    return running_app(models, "streamlit-planes.log", "ab")


@pytest.fixture(scope="module")
def baseline(browser, models) -> float:
    """Seconds from opening the app's plainest page (the 2-D model, no projection) to its
    map drawn, on a server just started: what this machine's load allows any page."""
    with server(models) as url:
        context, page, _ = open_page(browser)
        seconds = time_to_map(page, url, {}, "latent")
        context.close()
    return seconds


@pytest.fixture
def fresh_server(models):
    with server(models) as url:
        yield url


def time_to_map(page, url: str, query: dict, method: str) -> float:
    """Seconds from opening the link to its map drawn with all 10,000 points."""
    started = time.perf_counter()
    page.goto(f"{url}/?{urlencode(query)}")
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_function(
        f"() => latentExplorer.snapshot()?.data.method === '{method}'"
        " && latentExplorer.snapshot().n === 10000"
    )
    return time.perf_counter() - started


def open_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page, errors


def train_digit_png(label: int) -> tuple[bytes, int]:
    """The first training image of a class (never in the test set the planes were made
    of), as a large PNG: (bytes, its label)."""
    from vae.data import load_splits

    train = load_splits().train
    i = int(np.flatnonzero(train.labels.numpy() == label)[0])
    big = Image.fromarray(train.images[i].numpy()).resize((224, 224), Image.BILINEAR)
    buf = io.BytesIO()
    big.save(buf, "PNG")
    return buf.getvalue(), label


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_a_link_to_a_16d_plane_draws_at_once_and_places_a_digit(
    browser, baseline, fresh_server, method
):
    """Drawn within 5 s of opening the link; on a machine so loaded that the plainest page
    takes longer than that itself, within that page's time and 2 s (computing the plane
    would take minutes)."""
    from vae import planes

    context, page, errors = open_page(browser)
    query = {"model": "mnist-vae-16d.pt", "plane": method}
    drawn = time_to_map(page, fresh_server, query, method)
    print(f"{method}: map drawn {drawn:.2f} s after opening the link on a fresh server "
          f"(the 2-D model's page: {baseline:.2f} s)")  # fmt: skip
    limit = max(DRAWN_WITHIN_S, baseline + 2.0)
    assert drawn < limit, f"{method} map drawn after {drawn:.1f} s (2-D page: {baseline:.1f} s)"
    title = {"tsne": "t-SNE", "umap": "UMAP"}[method]
    assert page.evaluate("latentExplorer.snapshot().view.titles") == [f"{title} 1", f"{title} 2"]

    # the map is the shipped plane
    x, y, labels = map_points(page)
    shipped = planes.read_plane(CHECKPOINT, method, 10_000)
    np.testing.assert_allclose(np.stack([x, y], 1), shipped, atol=1e-5)
    page.get_by_text("This map has no inverse").wait_for()
    wait_idle(page)

    # an uploaded digit lands among its own class, and the page says the place is an estimate
    png, label = train_digit_png(3)
    open_tab(page, "Your digit")
    page.get_by_text("Upload a picture").click()
    wait_idle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "three.png", "mimeType": "image/png", "buffer": png}]
    )
    page.get_by_text("what the model sees (28×28)").wait_for(timeout=180_000)
    page.wait_for_function("() => latentExplorer.snapshot().upload", timeout=180_000)
    page.get_by_text("The ★'s place is an estimate.").wait_for()
    star = np.asarray(page.evaluate("latentExplorer.snapshot().upload.mu"), dtype=np.float64)
    near = np.argsort(np.hypot(x - star[0], y - star[1]))[:10]
    assert (labels[near] == label).sum() > 5, labels[near]
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / f"plane_{method}_digit.png"))
    context.close()
    assert not errors, f"errors in the page: {errors}"
