"""vae/attributes.py: attributes measured on strokes drawn here with a round pen (not with
the formulas' own terms), the regression that finds an attribute's latent direction, and
the record kept per model."""

from __future__ import annotations

import numpy as np
import pytest

from vae import attributes, blobs
from vae.bundle import sprite_png


def stroke(points, radius: float, side: int = 28, sub: int = 5) -> np.ndarray:
    """A polyline drawn with a round pen of `radius` pixels: each pixel's intensity is the
    share of sub x sub points inside it that lie within `radius` of the line. Points are
    (x, y) with x the column and y the height above the bottom row (pixel centres)."""
    offsets = (np.arange(sub) + 0.5) / sub - 0.5
    cols = (np.arange(side)[:, None] + offsets).ravel()
    heights = (side - 1 - np.arange(side))[:, None] + offsets  # row r's sub-heights
    X, Y = np.meshgrid(cols, heights.ravel())
    near = np.full(X.shape, np.inf)
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:], strict=True):
        vx, vy = x1 - x0, y1 - y0
        t = np.clip(((X - x0) * vx + (Y - y0) * vy) / (vx * vx + vy * vy), 0, 1)
        near = np.minimum(near, np.hypot(X - x0 - t * vx, Y - y0 - t * vy))
    inside = (near <= radius).astype(np.float64)
    return inside.reshape(side, sub, side, sub).mean(axis=(1, 3))


def test_a_pen_drawn_bar_that_leans_right_has_the_positive_slant_of_its_shear():
    for lean in (0.3, 0.6):
        bar = stroke([(14 - 8 * lean, 5), (14 + 8 * lean, 21)], radius=1.0)  # dx/dy = lean
        assert attributes.slant(bar)[0] == pytest.approx(lean, abs=0.05)
        mirrored = bar[:, ::-1]  # leans left
        assert attributes.slant(mirrored)[0] == pytest.approx(-lean, abs=0.05)
    upright = stroke([(14, 5), (14, 21)], radius=1.0)
    assert abs(attributes.slant(upright)[0]) < 1e-9


def test_thickness_is_the_pen_width_and_grows_with_it():
    widths = []
    for radius in (0.75, 1.25, 2.0, 2.75):
        widths.append(attributes.thickness(stroke([(14, 4), (14, 23)], radius))[0])
    assert widths == sorted(widths) and widths[0] < widths[-1] - 3
    for radius, w in zip((0.75, 1.25, 2.0, 2.75), widths, strict=True):
        # a bar of width 2r and length L: ink 2rL, edges 2L + 4r: a little under 2r
        assert 2 * radius * 0.8 < w < 2 * radius * 1.05, (radius, w)
    # the pen's width, not the stroke's direction or brightness, sets it
    diagonal = attributes.thickness(stroke([(6, 6), (21, 21)], 1.25))[0]
    assert diagonal == pytest.approx(widths[1], rel=0.15)
    faint = attributes.thickness(0.4 * stroke([(14, 4), (14, 23)], 1.25))[0]
    assert faint == pytest.approx(widths[1], rel=1e-9)


def test_ink_is_what_the_pen_laid_down():
    bar = stroke([(14, 4), (14, 23)], radius=1.5)
    assert attributes.ink(bar)[0] == pytest.approx(3.0 * 19 + np.pi * 1.5**2, rel=0.05)
    assert attributes.ink(0.5 * bar)[0] == pytest.approx(0.5 * attributes.ink(bar)[0])
    assert attributes.ink(2 * [bar])[1] == attributes.ink(bar)[0]  # a batch, one per image


def test_an_empty_image_measures_zero_and_a_wrong_shape_is_refused():
    empty = np.zeros((28, 28))
    assert {k: float(v[0]) for k, v in attributes.measure(empty).items()} == {
        "ink": 0.0, "thickness": 0.0, "slant": 0.0}  # fmt: skip
    with pytest.raises(ValueError, match="28 x 28 images"):
        attributes.measure(np.zeros((3, 30, 30)))


def test_the_regression_recovers_a_planted_direction_and_ignores_class_differences():
    rng = np.random.default_rng(0)
    n, d = 4000, 8
    labels = rng.integers(0, 5, n)
    w = rng.normal(size=d)
    # the attribute differs between classes, and so do the codes, along another direction:
    # a fit across classes would mix that direction in
    offsets = rng.normal(size=(5, d)) * 3
    a = rng.normal(size=n) * 2.0 + labels * 4.0
    mu = offsets[labels] + np.outer(a - 4.0 * labels, w) + rng.normal(size=(n, d)) * 0.3
    fit = attributes.direction(mu, a, labels)
    step = np.array(fit["direction"])
    assert fit["sd"] == pytest.approx(2.0, rel=0.05)  # within a class
    np.testing.assert_allclose(step, 2.0 * w, atol=0.05 * np.linalg.norm(w) * 2)
    cos = step @ w / np.linalg.norm(step) / np.linalg.norm(w)
    assert cos > 0.999
    assert fit["r2"] > 0.95  # the codes carry the attribute almost entirely
    across = np.polyfit(a, mu, 1)[0]  # the naive fit across classes: off
    assert across @ w / np.linalg.norm(across) / np.linalg.norm(w) < 0.99


def test_an_attribute_the_codes_do_not_carry_has_a_small_r2():
    rng = np.random.default_rng(1)
    mu, a, labels = rng.normal(size=(3000, 4)), rng.normal(size=3000), np.zeros(3000, int)
    fit = attributes.direction(mu, a, labels)
    assert fit["r2"] < 0.01 and np.linalg.norm(fit["direction"]) < 0.1


def test_an_attribute_that_does_not_vary_within_classes_is_refused():
    labels = np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="does not vary within classes"):
        attributes.direction(np.ones((4, 2)), labels * 3.0, labels)


def test_a_record_leaves_out_an_attribute_that_does_not_vary_within_classes():
    labels = np.array([0, 1, 2])  # one image per class: nothing varies within a class
    images = np.stack([stroke([(14, 5), (14, 22)], r, sub=3) for r in (1.0, 1.5, 2.0)])
    record = attributes.build_record(np.eye(3), labels, images, 3)
    assert record["attributes"] == [] and record["unfit"] == list(attributes.ATTRIBUTES)
    np.testing.assert_allclose(record["class_means"], np.eye(3))


def test_the_record_is_built_from_a_bundles_files_once_and_read_after(tmp_path):
    rng = np.random.default_rng(2)
    n = 300
    labels = rng.integers(0, 3, n).astype(np.uint8)
    radius = rng.uniform(0.6, 2.5, n)
    images = np.stack([stroke([(14, 5), (14, 22)], r, sub=3) for r in radius])
    mu = np.stack([radius * 2, labels.astype(float), rng.normal(size=n)], 1).astype(np.float32)
    (tmp_path / "mu.bin").write_bytes(blobs.matrix_blob(mu))
    (tmp_path / "points.bin").write_bytes(blobs.points_blob(mu[:, :2], labels))
    (tmp_path / "images.png").write_bytes(sprite_png(np.rint(255 * images).astype(np.uint8), 40))
    record = attributes.ensure_record(tmp_path, "mu.bin", "images.png", "points.bin", 40, 4)
    assert record["version"] == attributes.RECORD_VERSION and record["unfit"] == []
    means = record["class_means"]
    assert means[3] is None  # no image of class 3
    np.testing.assert_allclose(means[1], mu[labels == 1].mean(0), atol=1e-5)
    thick = record["attributes"][1]
    assert thick["name"] == "thickness" and thick["direction"][0] > 0.5
    assert abs(thick["direction"][2]) < 0.2 * thick["direction"][0] and thick["r2"] > 0.9
    path = attributes.record_path(tmp_path, "mu.bin", "images.png")
    assert path.is_file()
    (tmp_path / "mu.bin").unlink()  # read from its record from now on, not rebuilt
    again = attributes.ensure_record(tmp_path, "mu.bin", "images.png", "points.bin", 40, 4)
    assert again == record


def test_a_sprite_too_small_for_its_images_is_refused():
    png = sprite_png(np.zeros((10, 28, 28), np.uint8), 5)
    with pytest.raises(ValueError, match="cannot hold 11 images"):
        attributes.sprite_images(png, 11, 5)
