"""components/latent_map/core/gif.js, the morph's GIF download: node encodes, Pillow decodes.

The encoder is hand-written (see gif.js for why not an npm library), so a GIF decoder that
is not ours checks it: frames with every gray level, clipping, a frame large enough to fill
the LZW table (4,096 codes) and start over, and a flat frame.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

ROOT = Path(__file__).resolve().parents[1]
GIF_JS = ROOT / "components" / "latent_map" / "core" / "gif.js"
NODE = shutil.which("node")


@pytest.fixture(autouse=True)
def node():
    """scripts/setup.sh --test installs it; without it these tests fail, they never skip."""
    assert NODE is not None, "node is missing: run scripts/setup.sh --test"

ENCODE = """
import { readFileSync } from "node:fs";
import { gifBytes } from %s;
const { frames, w, h, delay } = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(Buffer.from(gifBytes(frames, w, h, delay)).toString("base64"));
"""


def encode(frames: list[np.ndarray], delay: int) -> bytes:
    h, w = frames[0].shape
    script = ENCODE % json.dumps(GIF_JS.as_uri())
    request = {"frames": [f.ravel().tolist() for f in frames], "w": w, "h": h, "delay": delay}
    result = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        input=json.dumps(request), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return base64.b64decode(result.stdout)


def test_pillow_decodes_what_gif_js_encodes(tmp_path):
    rng = np.random.default_rng(0)
    w, h = 96, 64  # 6,144 pixels of noise: more codes than the LZW table holds
    gradient = np.tile(np.linspace(-0.2, 1.2, w), (h, 1))  # clipped at both ends
    noise = rng.uniform(0, 1, (h, w))
    flat = np.full((h, w), 0.5)
    frames = [gradient, noise, flat]
    path = tmp_path / "morph.gif"
    path.write_bytes(encode(frames, delay=12))
    with Image.open(path) as gif:
        assert gif.n_frames == 3
        assert gif.info.get("loop") == 0  # loops forever
        decoded = []
        for frame in ImageSequence.Iterator(gif):
            assert frame.info["duration"] == 120  # hundredths of a second, in ms
            decoded.append(np.array(frame.convert("L")))
    for got, want in zip(decoded, frames, strict=True):
        assert got.shape == (h, w)
        assert np.array_equal(got, np.rint(np.clip(want, 0, 1) * 255).astype(np.uint8))
    assert decoded[0].min() == 0 and decoded[0].max() == 255
