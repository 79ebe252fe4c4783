"""Latent arithmetic's data: each class's mean code and the latent directions of attributes
measured on the pixels of the test images. numpy only (no torch): everything comes from the
map bundle's own files (vae/bundle.py: the mu blob, the points' labels, the sprite of test
images), so the page's first run can read or build it without the model.

Attributes of an image I (28 x 28, intensities in [0, 1]; x the column, y the row counted
upward, so that a digit leaning right has a positive slant). The browser measures its
decodings with the same formulas (components/latent_map/core/attributes.js; tests/js
checks that the two agree):

    ink        sum(I): how much is drawn.
    thickness  2 * ink / edge, edge = sum over pixels of |grad I|, the forward differences
               (right and down neighbours, zero outside the image) taken as a 2-vector's
               length. A stroke of width w and length L >> w holds ink w L and has edges
               2 L long, so this is its width in pixels; for a soft stroke, its width at
               full intensity (the edges of a profile that rises to p and falls count 2 p).
    slant      sum((x - cx)(y - cy) I) / sum((y - cy)^2 I), (cx, cy) the centre of ink:
               the shear x = cx + slant * (y - cy) that best fits the ink, positive when
               the top leans right. 0 for an empty image.

Direction of an attribute a: the regression of the codes mu on a, within classes:
mu_i = alpha_class(i) + beta a_i + noise, i.e. beta = sum(mu~ a~) / sum(a~^2) with mu~, a~
the deviations from their class's means. Why mu on a (not a on mu): beta is how the codes
of real images move, on average, when the attribute grows (a "forward model"), so z + s w
stays where images are; the weights of a regression of a on mu are a filter, which can
lean on directions of mu along which the codes hardly vary, only to cancel other effects,
and walking along them leaves the data. Why within classes: thickness and ink differ
between digits (a "1" has little ink), and a direction fitted across classes would turn a
"1" into an "8" rather than thicken it. The step w = sd * beta, sd the attribute's pooled
standard deviation within classes, so that z + s w is where, by the fit, the codes of
images s standard deviations above their class's mean of the attribute lie: the slider's
unit. r2: the share of the attribute's within-class variance that a least-squares fit on
mu explains (how much of it the code carries at all).

The record (`build_record`) is small: classes x d means, a direction of d per attribute. It
is kept in the static folder, named by the bundle files it comes from (`record_path`), so
it is computed once per model version and shared by all its planes.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from vae import blobs
from vae.files import content_hash, read_json, write_json

RECORD_VERSION = 2
ATTRIBUTES = ("ink", "thickness", "slant")
SIDE = 28


def _as_images(images) -> np.ndarray:
    """(N, 28, 28) float64 from (N, 28, 28), (N, 784), (28, 28) or (784,) intensities."""
    x = np.asarray(images, dtype=np.float64)
    if x.shape[-2:] != (SIDE, SIDE):
        if x.shape[-1] != SIDE * SIDE:
            raise ValueError(f"expected 28 x 28 images, got an array of shape {x.shape}")
        x = x.reshape(*x.shape[:-1], SIDE, SIDE)
    return x.reshape(-1, SIDE, SIDE)


def ink(images) -> np.ndarray:
    """Total intensity of each image (N,)."""
    return _as_images(images).sum(axis=(1, 2))


def edge_length(images) -> np.ndarray:
    """sum |grad I| per image (N,): at every pixel of the image and of the zero border
    above and left of it, the forward differences (right and down neighbours; zero
    outside the image) taken as a 2-vector's length."""
    x = np.pad(_as_images(images), ((0, 0), (1, 1), (1, 1)))
    dx = x[:, :-1, 1:] - x[:, :-1, :-1]  # right neighbour minus pixel
    dy = x[:, 1:, :-1] - x[:, :-1, :-1]  # the pixel below minus pixel
    return np.sqrt(dx**2 + dy**2).sum(axis=(1, 2))


def thickness(images) -> np.ndarray:
    """Stroke width in pixels, 2 * ink / edge length (N,); 0 for an empty image."""
    total, edge = ink(images), edge_length(images)
    return np.divide(2 * total, edge, out=np.zeros_like(total), where=edge > 0)


def slant(images) -> np.ndarray:
    """The ink's shear dx/dy (N,), y upward: positive when the top leans right."""
    x = _as_images(images)
    mass = x.sum(axis=(1, 2))
    cols = np.arange(SIDE, dtype=np.float64)
    up = (SIDE - 1 - cols)[:, None]  # row r's height above the bottom row
    safe = np.where(mass > 0, mass, 1.0)
    cx = (x * cols[None, None, :]).sum(axis=(1, 2)) / safe
    cy = (x * up[None]).sum(axis=(1, 2)) / safe
    dx = cols[None, None, :] - cx[:, None, None]
    dy = up[None] - cy[:, None, None]
    cross = (dx * dy * x).sum(axis=(1, 2))
    spread = (dy * dy * x).sum(axis=(1, 2))
    return np.divide(cross, spread, out=np.zeros_like(cross), where=spread > 0)


MEASURES = {"ink": ink, "thickness": thickness, "slant": slant}


def measure(images) -> dict[str, np.ndarray]:
    """Every attribute of every image: {name: (N,)}."""
    return {name: MEASURES[name](images) for name in ATTRIBUTES}


def class_means(mu: np.ndarray, labels: np.ndarray, n_classes: int) -> list[list[float] | None]:
    """The mean code of each class (None for a class with no image)."""
    mu = np.asarray(mu, np.float64)
    out = []
    for k in range(n_classes):
        members = mu[labels == k]
        out.append(members.mean(0).tolist() if len(members) else None)
    return out


def _within(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """values (N, ...) minus their class's mean."""
    out = np.array(values, dtype=np.float64)
    for k in np.unique(labels):
        out[labels == k] -= out[labels == k].mean(0)
    return out


def direction(mu: np.ndarray, values: np.ndarray, labels: np.ndarray) -> dict:
    """The attribute's latent step (see the module docstring): {direction (d,) = sd * beta,
    sd, mean, r2}. Raises ValueError when the attribute does not vary within classes."""
    mu = np.asarray(mu, np.float64)
    values = np.asarray(values, np.float64)
    labels = np.asarray(labels)
    if mu.ndim != 2 or values.shape != (len(mu),) or labels.shape != (len(mu),):
        raise ValueError(f"need mu (N, d) with N values and labels, got {mu.shape}, "
                         f"{values.shape}, {labels.shape}")  # fmt: skip
    a, m = _within(values, labels), _within(mu, labels)
    ss = float(a @ a)
    dof = len(a) - len(np.unique(labels))
    if ss <= 0 or dof <= 0:
        raise ValueError("the attribute does not vary within classes: no direction to fit")
    beta = m.T @ a / ss
    sd = float(np.sqrt(ss / dof))
    coef, *_ = np.linalg.lstsq(m, a, rcond=None)
    r2 = 1.0 - float(((a - m @ coef) ** 2).sum()) / ss
    return {"direction": (sd * beta).tolist(), "sd": sd, "mean": float(values.mean()), "r2": r2}


def build_record(mu: np.ndarray, labels: np.ndarray, images, n_classes: int) -> dict:
    """The record the page gets: {version, class_means, attributes: [{name, direction, sd,
    mean, r2}], unfit: [names]}, from the test set's codes mu (N, d), labels (N,) and images
    (N, 28, 28), uint8 (0..255) or floats in [0, 1]. An attribute that does not vary within
    classes (a dataset of one image per class, or of blank images) has no direction: it is
    listed in `unfit`, and the page offers the others."""
    x = np.asarray(images)
    x = x / 255.0 if x.dtype == np.uint8 else x
    measured = measure(x)
    fitted, unfit = [], []
    for name in ATTRIBUTES:
        try:
            fitted.append({"name": name, **direction(mu, measured[name], labels)})
        except ValueError:
            unfit.append(name)
    return {"version": RECORD_VERSION, "class_means": class_means(mu, labels, n_classes),
            "attributes": fitted, "unfit": unfit}  # fmt: skip


# ---- the record in the static folder, from a map bundle's files ---------------------------
def record_path(static: str | Path, mu: str, images: str) -> Path:
    """Named by the files it is computed from: the same model's planes share one record."""
    return Path(static) / f"arith-{content_hash(f'{RECORD_VERSION}|{mu}|{images}'.encode())}.json"


def sprite_images(png: bytes, n: int, columns: int) -> np.ndarray:
    """The first n 28 x 28 images (n, 28, 28) uint8 of a sprite (vae.bundle.sprite_png)."""
    from PIL import Image

    sheet = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    rows = sheet.shape[0] // SIDE
    if sheet.shape[1] != columns * SIDE or rows * columns < n:
        raise ValueError(f"a sprite of {sheet.shape} cannot hold {n} images, {columns} a row")
    tiles = sheet[: rows * SIDE].reshape(rows, SIDE, columns, SIDE).transpose(0, 2, 1, 3)
    return tiles.reshape(-1, SIDE, SIDE)[:n]


def ensure_record(static: str | Path, mu: str, images: str, points: str, columns: int,
                  n_classes: int) -> dict:  # fmt: skip
    """The record for a bundle's files (names in `static`): read, or built and written."""
    path = record_path(static, mu, images)
    found = read_json(path)
    if isinstance(found, dict) and found.get("version") == RECORD_VERSION:
        return found
    static = Path(static)
    codes = blobs.read_matrix((static / mu).read_bytes())
    _, labels = blobs.read_points((static / points).read_bytes())
    pictures = sprite_images((static / images).read_bytes(), len(codes), columns)
    record = build_record(codes, labels, pictures, n_classes)
    write_json(path, record)
    return record
