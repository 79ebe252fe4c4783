"""Run the real app with `streamlit run` and drive it in headless Chromium.

One server for the whole test session; a fresh page (a fresh Streamlit session) per
test. Screenshots go to test-artifacts/ for a human to look at. The launcher is
tests/browser/harness.py's, which the benchmarks import too.
"""

from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def running_app(models, log_name: str = "streamlit.log", mode: str = "wb"):
    """`streamlit run` on a free port with `models`, its output in test-artifacts/log_name;
    yields its URL once healthy, and stops it afterwards."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(ARTIFACTS / log_name, mode) as log:
        proc = start_app(port, log, models)
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
def app_url():
    with running_app(model_folder()) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


def open_app(browser, url: str, errors: list[str] | None = None, **context_options):
    """A new browser context and a session on the app in it, loaded and idle: (context,
    page). context_options: Playwright's (viewport, has_touch, is_mobile, ...); errors: a
    list that collects the page's errors, if given."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(30_000)
    if errors is not None:
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_selector(PAGE_BUILT, timeout=60_000)
    wait_idle(page)
    return context, page


@pytest.fixture
def page(browser, app_url, request):
    """A new session on the app, loaded and idle; fails the test on any page error."""
    errors: list[str] = []
    context, page = open_app(browser, app_url, errors, viewport={"width": 1400, "height": 1000})
    page.errors = errors
    yield page
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()
    assert not errors, f"errors in the page: {errors}"


def wait_idle(page) -> None:
    page.wait_for_selector(IDLE, state="attached", timeout=60_000)


DOUBLE_CLICK_MS = 300  # components/latent_map/plot.js: two presses closer are a double-click


def past_double_click(page) -> None:
    """Wait out Plotly's double-click window: a click answers in the page at once, so a
    test's next click on the map could come within it, which resets the zoom and takes the
    first press back (as it does for a person clicking twice that fast)."""
    page.wait_for_timeout(DOUBLE_CLICK_MS + 50)
