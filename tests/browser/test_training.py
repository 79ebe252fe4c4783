"""Watch it learn: a shipped model's training replayed, and a run from the app drawn live.

Named to run after the other browser tests: the run it starts adds a model to the
session-wide folder, and every session's sidebar shows the server's job.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS, PAGE_BUILT, READY, wait_idle

pytestmark = pytest.mark.browser


def another_session(browser, url: str):
    """A second visitor: its own browser context (cookies, tabs), on the same server."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_selector(PAGE_BUILT, timeout=60_000)
    wait_idle(page)
    return page


def start_run(page, epochs: int) -> None:
    page.get_by_text("Train a new model").click()
    epochs_box = page.locator(".st-key-train_epochs input")
    epochs_box.fill(str(epochs))
    epochs_box.press("Enter")
    wait_idle(page)
    page.locator(".st-key-train_start button").click()


def test_only_the_session_that_started_a_run_can_stop_it(page, browser, app_url):
    # A starts a run long enough to be still going while B looks (stopped below)
    start_run(page, 30)
    page.get_by_text(re.compile(r"Training .*: epoch \d+/30")).wait_for(timeout=60_000)
    other = another_session(browser, app_url)
    try:
        progress = other.get_by_text(re.compile(r"Training .*: epoch \d+/30"))
        progress.wait_for(timeout=30_000)  # B sees the run...
        assert "(started in another session)" in progress.inner_text()
        assert other.locator(".st-key-train_stop").count() == 0  # ...but cannot stop it
        other.screenshot(path=str(ARTIFACTS / "training_seen_by_another_session.png"))
        assert not page.get_by_text("(started in another session)").count()
        page.locator(".st-key-train_stop button").click()  # A can
        # the trainer runs at nice 19: on a busy machine it may take a while to save
        page.get_by_text("Stopped early; saved: ").wait_for(timeout=600_000)
        # how it ended is A's to read; B is told in one quiet line that a model is new
        other.get_by_text("New on this server: ").wait_for()
        assert other.get_by_text("Stopped early").count() == 0
        assert other.locator('[data-testid="stException"]').count() == 0
        assert not other.errors, other.errors
    finally:
        other.context.close()
    newcomer = another_session(browser, app_url)
    try:
        newcomer.get_by_text("New on this server: ").wait_for()
        assert newcomer.get_by_text("Stopped early").count() == 0
        assert not newcomer.get_by_text("Start training").is_visible()  # the section is closed
        newcomer.locator('[data-testid="stSidebar"]').screenshot(
            path=str(ARTIFACTS / "training_a_newcomer_sees.png")
        )
    finally:
        newcomer.context.close()


def test_replay_and_live_map_of_a_run_started_from_the_app(page):
    page.get_by_role("tab", name="Watch it learn").click()
    page.wait_for_function("() => window.__lxReplay && window.__lxReplay.epochs.length > 1")
    epochs = page.evaluate("window.__lxReplay.epochs.map(e => e.epoch)")
    assert epochs[0] == 0 and epochs == sorted(epochs) and len(epochs) > 10
    slider = page.locator(".rp-slider")
    slider.fill("0")
    page.locator(".rp-epoch").get_by_text("epoch 0 of").wait_for()
    # the first blob is small: the untrained encoder's means sit near the origin
    spread = page.evaluate(
        "() => { const r = window.__lxReplay, first = r.epochs[0].xy, last = r.epochs.at(-1).xy;"
        " const s = (xy) => Math.max(...xy.map(Math.abs)); return [s(first), s(last)]; }"
    )
    assert spread[0] < spread[1] / 3, spread
    page.locator(".rp-root").screenshot(path=str(ARTIFACTS / "replay.png"))

    # a run from the app: its map arrives epoch by epoch while it trains
    page.get_by_text("Train a new model").click()
    epochs_box = page.locator(".st-key-train_epochs input")
    epochs_box.fill("3")
    epochs_box.press("Enter")
    wait_idle(page)
    page.locator(".st-key-train_start button").click()
    page.wait_for_function(
        "() => window.__lxReplay && window.__lxReplay.data.live"
        " && window.__lxReplay.epochs.length >= 1",
        timeout=120_000,
    )
    page.locator(".rp-root").screenshot(path=str(ARTIFACTS / "replay_live.png"))
    page.get_by_text("Finished: ").wait_for(timeout=180_000)
    assert page.locator('[data-testid="stException"]').count() == 0
