"""Images as files: crisp upscaled PNGs and frame strips (the morph's GIF is made in the browser).

Digits are 28 x 28; they are enlarged with nearest-neighbour sampling so every
model pixel stays a sharp square (no blur that would hide what the decoder
produced). Inputs are float arrays in [0, 1] shaped (28, 28) or (N, 28, 28);
0 is black ink-free background as in MNIST (white digit on black).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Float image in [0, 1] -> uint8 0..255 (values outside are clipped)."""
    return (np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def upscale(image: np.ndarray, scale: int = 8) -> Image.Image:
    """(H, W) float in [0, 1] -> grayscale PIL image enlarged `scale` times, nearest-neighbour."""
    if scale < 1:
        raise ValueError("scale must be >= 1")
    pixels = to_uint8(image)
    if pixels.ndim != 2:
        raise ValueError(f"expected one (H, W) image, got shape {pixels.shape}")
    return Image.fromarray(pixels, "L").resize(
        (pixels.shape[1] * scale, pixels.shape[0] * scale), Image.Resampling.NEAREST
    )


def png_bytes(image: Image.Image | np.ndarray, scale: int = 1) -> bytes:
    if isinstance(image, np.ndarray):
        image = upscale(image, scale)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def strip(frames: np.ndarray, gap: int = 2) -> np.ndarray:
    """Frames (N, H, W) side by side with `gap` mid-grey pixels between: (H, N * W + gaps)."""
    frames = np.asarray(frames, dtype=np.float32)
    n, h, w = frames.shape
    out = np.full((h, n * w + (n - 1) * gap), 0.5, np.float32)
    for i, frame in enumerate(frames):
        out[:, i * (w + gap) : i * (w + gap) + w] = frame
    return out


def strip_png(frames: np.ndarray, scale: int = 4, gap: int = 2) -> bytes:
    """A PNG of the frames in a row, each enlarged `scale` times."""
    return png_bytes(upscale(strip(frames, gap), scale))
