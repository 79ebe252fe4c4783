"""Watch it learn: ▶ plays and pauses, the slider takes over at once, and a replay's
length fits its epochs (issue 20, item 6). A shipped model's snapshots only: no training."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

SHOWN = "() => window.__lxReplay.root.querySelector('.rp-epoch').textContent"


def open_replay(page) -> int:
    page.get_by_role("tab", name="Watch it learn").click()
    page.wait_for_function("() => window.__lxReplay && window.__lxReplay.epochs.length > 1")
    page.locator(".rp-root").scroll_into_view_if_needed()
    return page.evaluate("window.__lxReplay.epochs.length - 1")


def slider(page) -> int:
    return int(page.locator(".rp-slider").input_value())


def epoch_of(page, k: int) -> int:
    return page.evaluate(f"window.__lxReplay.epochs[{k}].epoch")


def test_play_pauses_and_resumes_and_the_slider_takes_over(page):
    last = open_replay(page)
    assert last >= 30, "the shipped model should have many epochs to replay"
    play = page.locator(".rp-play")
    page.locator(".rp-slider").fill("0")
    play.click()
    page.wait_for_function("() => Number(window.__lxReplay.slider.value) >= 3")
    play.click()  # pause
    paused = slider(page)
    assert play.get_attribute("aria-label") == "play"
    page.wait_for_timeout(1200)
    assert slider(page) == paused, "pressed again, ▶ did not pause"
    assert page.evaluate(SHOWN).startswith(f"epoch {epoch_of(page, paused)} of")
    play.click()  # resumes where it stopped, not from epoch 0
    assert play.get_attribute("aria-label") == "pause"
    page.wait_for_function(f"() => Number(window.__lxReplay.slider.value) > {paused}")
    assert slider(page) > paused
    # a drag on the slider while it plays: the slider's epoch, at once, and it stays
    box = page.locator(".rp-slider").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.05, y, steps=4)
    page.mouse.up()
    k = slider(page)
    assert k < last * 0.15
    page.wait_for_timeout(1200)
    assert slider(page) == k, "playback went on after the slider was dragged"
    assert page.evaluate(SHOWN).startswith(f"epoch {epoch_of(page, k)} of")
    assert play.get_attribute("aria-label") == "play"
    page.locator(".rp-root").screenshot(path=str(ARTIFACTS / "replay_paused.png"))


def test_a_replay_takes_a_few_seconds_whatever_its_epochs(page):
    last = open_replay(page)
    page.locator(".rp-slider").fill("0")
    start = time.monotonic()
    page.locator(".rp-play").click()
    page.wait_for_function(
        f"() => Number(window.__lxReplay.slider.value) === {last}", timeout=60_000
    )
    took = time.monotonic() - start
    assert 2.0 < took < 8.0, f"{last} epochs replayed in {took:.1f} s"
    page.wait_for_function(
        "() => window.__lxReplay.root.querySelector('.rp-play').ariaLabel === 'play'"
    )
