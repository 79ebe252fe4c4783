"""Run the real app with `streamlit run` and drive it in headless Chromium.

One server for the whole test session; a fresh page (a fresh Streamlit session) per
test. Screenshots go to test-artifacts/ for a human to look at. The launcher is
tests/browser/harness.py's, which the benchmarks import too.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.browser.harness import (  # noqa: F401  (re-exported for the test modules)
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE,
    PAGE_BUILT,
    READY,
    ROOT,
    free_port,
    launch,
    start_app,
    wait_healthy,
)

ARTIFACTS = ROOT / "test-artifacts"


def model_folder():
    """Every shipped model (and its planes) plus a small untrained 2-D MLP (trained ones stay
    untouched)."""
    import torch

    from vae.checkpoint import save_checkpoint
    from vae.model import VAE, VAEConfig

    folder = ARTIFACTS / "models"
    folder.mkdir(parents=True, exist_ok=True)
    shipped_files = [*(ROOT / "checkpoints").glob("*.pt"), *(ROOT / "checkpoints").glob("*.npz")]
    for shipped in sorted(shipped_files):  # the models and their t-SNE/UMAP planes
        copy = folder / shipped.name
        if not copy.is_file() or copy.stat().st_mtime != shipped.stat().st_mtime:
            shutil.copy2(shipped, copy)  # same mtime: the app's map files stay valid between runs
    tiny = folder / "tiny-untrained-2d.pt"
    if not tiny.is_file():
        torch.manual_seed(0)
        model = VAE(VAEConfig(latent_dim=2, hidden=(64,)))
        save_checkpoint(tiny, model, {"dataset": "mnist", "epochs": 0})
    return folder


@pytest.fixture(scope="session")
def app_url():
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(ARTIFACTS / "streamlit.log", "wb") as log:
        proc = start_app(port, log, model_folder())
        try:
            wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url, request):
    """A new session on the app, loaded and idle; fails the test on any page error."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(app_url)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_selector(PAGE_BUILT, timeout=60_000)
    wait_idle(page)
    page.errors = errors
    yield page
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()
    assert not errors, f"errors in the page: {errors}"


def wait_idle(page) -> None:
    page.wait_for_selector(IDLE, state="attached", timeout=60_000)
