"""The binary layouts the page reads, written and read here and nowhere else (numpy only).

    points  the map: N (uint32), then x (N float32), y (N float32), labels (N uint8)
    matrix  latent points (N, d): N, d (uint32 each), then N * d float32 row by row

All little-endian. The app serves them as files (vae/bundle.py), the exported page
inlines them as base64 (vae/export.py); the browser's reader mirrors `read_points` and
`read_matrix`.
"""

from __future__ import annotations

import numpy as np


def points_blob(xy: np.ndarray, labels: np.ndarray) -> bytes:
    """The map's points (N, 2) and their labels (N,) as one blob (layout above)."""
    xy = np.asarray(xy, dtype="<f4")
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"the map needs 2-D points, got {xy.shape}")
    labels = np.asarray(labels, dtype=np.uint8)
    if labels.shape != (len(xy),):
        raise ValueError(f"{len(xy)} points need {len(xy)} labels, got {labels.shape}")
    n = np.array([len(xy)], dtype="<u4")
    return n.tobytes() + xy[:, 0].tobytes() + xy[:, 1].tobytes() + labels.tobytes()


def read_points(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A points blob -> xy (N, 2) float32, labels (N,) uint8 (copies, writable)."""
    n = int(np.frombuffer(raw, "<u4", 1)[0]) if len(raw) >= 4 else -1
    if n < 0 or len(raw) != 4 + 9 * n:
        raise ValueError(f"not a points blob: {len(raw)} bytes")
    xy = np.frombuffer(raw, "<f4", 2 * n, 4).reshape(2, n).T.astype(np.float32)
    labels = np.frombuffer(raw, np.uint8, n, 4 + 8 * n).copy()
    return xy, labels


def matrix_blob(z: np.ndarray) -> bytes:
    """Latent points (N, d) as one blob (layout above)."""
    z = np.asarray(z, dtype="<f4")
    if z.ndim != 2:
        raise ValueError(f"expected (N, d) points, got {z.shape}")
    return np.array(z.shape, dtype="<u4").tobytes() + np.ascontiguousarray(z).tobytes()


def read_matrix(raw: bytes) -> np.ndarray:
    """A matrix blob -> (N, d) float32 (a writable copy)."""
    n, d = (int(v) for v in np.frombuffer(raw, "<u4", 2)) if len(raw) >= 8 else (-1, -1)
    if n < 0 or len(raw) != 8 + 4 * n * d:
        raise ValueError(f"not a matrix blob: {len(raw)} bytes")
    return np.frombuffer(raw, "<f4", n * d, 8).reshape(n, d).copy()
