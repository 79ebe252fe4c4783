"""The live map of a run started from the app decodes with that run's latest weights.

The trainer sends its decoder's weights (float16) with an epoch's map; the page swaps its
decoder without redrawing the map, so what is under the pointer and a pinned point decode
as that epoch's torch decoder does (within the export's float16 budget, 5e-3). The
epoch's weights are read from the checkpoint the run writes after every epoch but the last.

Named after test_training.py: the run adds a model to the session-wide folder.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.browser.conftest import ARTIFACTS, wait_idle
from vae.checkpoint import load_checkpoint
from vae.export import PRECISION_BUDGET
from vae.job_record import folder_of
from vae.web import decode_reference

pytestmark = pytest.mark.browser

FOLDER = ARTIFACTS / "models"  # the session server's checkpoints (conftest's model_folder)
# more than it needs: stopped once compared (an epoch's weights are on disk while the next
# trains; the last epoch's only once the run ends, when the live map is gone)
EPOCHS = 30


def replay(page) -> dict:
    return page.evaluate("window.latentExplorer.replay.snapshot()")


def wait_for_decoder(page, epoch: int) -> dict:
    page.wait_for_function(
        "(epoch) => { const api = window.latentExplorer && window.latentExplorer.replay;"
        " const s = api && api.snapshot(); return s && s.live && s.decoder"
        " && s.decoder.epoch >= epoch; }",
        arg=epoch,
        timeout=600_000,  # the trainer runs at nice 19: on a busy machine, minutes
    )
    return replay(page)


def point_of_map(page, i: int) -> dict:
    """Page coordinates of the shown epoch's point i, in view."""
    page.locator(".rp-canvas").scroll_into_view_if_needed()
    return page.evaluate(
        "(i) => { const r = window.__lxReplay, xy = r.shownEntry().xy;"
        " return window.latentExplorer.replay.clientPoint([xy[2 * i], xy[2 * i + 1]]); }",
        i,
    )


def torch_decoding(model, decoded: dict) -> np.ndarray:
    return decode_reference(model, np.asarray([decoded["z"]], np.float32))[0]


def off(decoded: dict, want: np.ndarray) -> float:
    return float(np.abs(np.asarray(decoded["pixels"]) - want).max())


def test_hover_and_pin_on_the_live_map_decode_with_the_latest_epochs_weights(page):
    page.get_by_role("tab", name="Watch it learn").click()
    page.get_by_text("Train a new model").click()
    epochs_box = page.locator(".st-key-train_epochs input")
    epochs_box.fill(str(EPOCHS))
    epochs_box.press("Enter")
    wait_idle(page)
    page.locator(".st-key-train_start button").click()

    # the first weights arrive with a map (epoch 1's, unless the page came late); a click
    # pins a test image's point
    first = wait_for_decoder(page, 1)
    epoch = first["decoder"]["epoch"]
    assert first["decoder"]["latentDim"] == 2 and first["rejected"] == []
    at = point_of_map(page, 0)
    page.mouse.click(at["x"], at["y"])
    pinned = replay(page)["pin"]
    assert pinned is not None and pinned["epoch"] == epoch
    # the map is not drawn anew when the weights change: same canvas, same component
    page.evaluate("window.__lxReplay.canvas.dataset.mark = 'kept'; window.__lxReplay.mark = 1")

    # a later epoch: new weights; the pin decodes again with them, and so does the pointer.
    # That epoch's weights are on disk until the next epoch ends: if it has already, the
    # next set of weights is waited for.
    path = json.loads((folder_of(FOLDER) / "job.json").read_text())["out"]
    for attempt in range(5):
        epoch = wait_for_decoder(page, epoch + 1)["decoder"]["epoch"]
        at = point_of_map(page, 1 + attempt)
        page.mouse.move(at["x"], at["y"])
        now = replay(page)
        ckpt = load_checkpoint(path)  # what the run wrote after its last finished epoch
        if ckpt.meta["epochs"] == now["decoder"]["epoch"] == now["hover"]["epoch"] == epoch:
            break
    else:
        pytest.fail("the run's checkpoint never matched the page's latest weights")
    page.locator(".rp-root").screenshot(path=str(ARTIFACTS / "replay_live_decoder.png"))
    page.locator(".st-key-train_stop button").click()  # the test has what it needs

    assert page.evaluate(
        "window.__lxReplay.canvas.dataset.mark === 'kept' && window.__lxReplay.mark === 1"
    )
    swaps = [s["epoch"] for s in now["swaps"]]
    assert swaps[0] == pinned["epoch"] and swaps[-1] == epoch and swaps == sorted(swaps)
    model = ckpt.model
    pin, hover = now["pin"], now["hover"]
    assert pin["z"] == pinned["z"] and pin["epoch"] == epoch
    for decoded in (pin, hover):
        assert off(decoded, torch_decoding(model, decoded)) <= PRECISION_BUDGET
    # and the comparison tells the epochs apart: the first weights' decoding is not it
    assert off(pinned, torch_decoding(model, pin)) > 4 * PRECISION_BUDGET

    # a corrupt set of weights (cut short) is skipped: the page keeps epoch 2's decoder
    page.evaluate(
        "() => { const r = window.__lxReplay, d = r.data;"
        " r.update({...d, new: [], decoder: {epoch: 9, layers: [{in: 2, out: 784, weight: 0,"
        " bias: 1568}], floats: 2352, float32: 0, data32: '', data16: 'AAAA'}}); }"
    )
    after = replay(page)
    assert after["decoder"]["epoch"] == epoch and len(after["rejected"]) == 1
    assert "cannot be read" in after["rejected"][0]
    assert off(after["pin"], torch_decoding(model, pin)) <= PRECISION_BUDGET

    size = (folder_of(FOLDER) / "decoder.json").stat().st_size
    swaps = ", ".join(f"{s['ms']:.0f}" for s in now["swaps"])
    print(f"decoder weights: {size / 1e6:.2f} MB as JSON; swaps (unpack + build): {swaps} ms")
    page.get_by_text("Stopped early; saved: ").wait_for(timeout=600_000)
    assert page.locator('[data-testid="stException"]').count() == 0
