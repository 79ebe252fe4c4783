"""Watch it learn: a shipped model's training replayed, and a run from the app drawn live.

Named to run after the other browser tests: the run it starts adds a model to the
session-wide folder, and every session's sidebar shows the server's job.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, wait_idle

pytestmark = pytest.mark.browser


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
