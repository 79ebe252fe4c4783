"""The page's binary layouts (vae/blobs.py): written, and read back, in one place."""

from __future__ import annotations

import numpy as np
import pytest

from vae import blobs


def test_points_blob_layout():
    mu = np.array([[1.5, -2.0], [0.25, 3.0], [-1.0, 0.0]], np.float32)
    labels = np.array([7, 0, 9])
    blob = blobs.points_blob(mu, labels)
    n = int(np.frombuffer(blob[:4], "<u4")[0])
    assert n == 3 and len(blob) == 4 + 8 * n + n
    xs = np.frombuffer(blob, "<f4", n, 4)
    ys = np.frombuffer(blob, "<f4", n, 4 + 4 * n)
    np.testing.assert_array_equal(xs, mu[:, 0])
    np.testing.assert_array_equal(ys, mu[:, 1])
    assert list(blob[4 + 8 * n :]) == [7, 0, 9]
    with pytest.raises(ValueError, match="2-D"):
        blobs.points_blob(np.zeros((3, 4)), labels)
    with pytest.raises(ValueError, match="3 labels"):
        blobs.points_blob(mu, labels[:2])


def test_matrix_blob_layout():
    z = np.arange(12, dtype=np.float32).reshape(4, 3) / 7
    blob = blobs.matrix_blob(z)
    assert list(np.frombuffer(blob[:8], "<u4")) == [4, 3]
    np.testing.assert_array_equal(np.frombuffer(blob, "<f4", 12, 8).reshape(4, 3), z)
    with pytest.raises(ValueError):
        blobs.matrix_blob(np.zeros(3))


@pytest.mark.parametrize("n", [0, 1, 257])
def test_blobs_read_back_what_was_written(n):
    rng = np.random.default_rng(n)
    xy = rng.normal(0, 3, (n, 2)).astype(np.float32)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    got_xy, got_labels = blobs.read_points(blobs.points_blob(xy, labels))
    np.testing.assert_array_equal(got_xy, xy)
    np.testing.assert_array_equal(got_labels, labels)
    got_xy[:] = 0  # a copy the caller may change
    z = rng.normal(0, 1, (n, 5)).astype(np.float32)
    np.testing.assert_array_equal(blobs.read_matrix(blobs.matrix_blob(z)), z)


def test_a_cut_or_padded_blob_is_refused():
    points = blobs.points_blob(np.zeros((4, 2)), np.zeros(4))
    matrix = blobs.matrix_blob(np.zeros((4, 3)))
    for bad in (points[:-1], points + b"\0", b"", b"\1\0"):
        with pytest.raises(ValueError, match="not a points blob"):
            blobs.read_points(bad)
    for bad in (matrix[:-4], matrix + b"\0", b"\0" * 7):
        with pytest.raises(ValueError, match="not a matrix blob"):
            blobs.read_matrix(bad)
