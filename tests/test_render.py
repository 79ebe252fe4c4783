"""Crisp PNGs, strips and GIFs."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from vae import render


def checker() -> np.ndarray:
    return (np.indices((28, 28)).sum(0) % 2).astype(np.float32)


def test_upscale_is_nearest_neighbour():
    big = np.asarray(render.upscale(checker(), 4))
    assert big.shape == (112, 112)
    assert set(np.unique(big)) == {0, 255}  # no blended (blurred) values
    assert (big[:4, :4] == 0).all() and (big[:4, 4:8] == 255).all()


def test_to_uint8_clips_and_rounds():
    assert render.to_uint8(np.array([-1.0, 0.0, 0.5, 1.0, 2.0])).tolist() == [0, 0, 128, 255, 255]


def test_upscale_rejects_bad_input():
    with pytest.raises(ValueError):
        render.upscale(checker(), 0)
    with pytest.raises(ValueError):
        render.upscale(np.zeros((2, 28, 28)))


def test_png_bytes_round_trip():
    image = Image.open(io.BytesIO(render.png_bytes(checker(), 3)))
    assert image.format == "PNG" and image.size == (84, 84)


def test_strip_png_size():
    frames = np.stack([checker()] * 5)
    image = Image.open(io.BytesIO(render.strip_png(frames, scale=2, gap=2)))
    assert image.size == ((5 * 28 + 4 * 2) * 2, 28 * 2)
