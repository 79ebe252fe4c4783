"""A model's training, replayed on the map: its per-epoch snapshots as 2-D points.

vae-train stores in every checkpoint, under meta["snapshots"], the encoder's means of a
fixed subset of the test set after every epoch (epoch 0: untrained). This turns them into
what the replay component draws: one (n, 2) float32 block per epoch, in one file. A latent
space of more than 2 dimensions is shown on the PCA plane of the last epoch's means, the
same plane for every epoch, so the clusters are seen forming rather than the axes turning.
Numpy only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vae.files import write_asset


def snapshot_indices(snapshots: list[dict]) -> np.ndarray:
    """The test-set indices the snapshots encode (stored once or in each; the first wins)."""
    for s in snapshots:
        if s.get("indices") is not None:
            return np.asarray(s["indices"], dtype=np.int64).ravel()
    raise ValueError("no snapshot names the test images it encodes")


def plane_of(mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean (d,), components (2, d)): the principal plane of points (n, d), d > 2."""
    mean = mu.mean(0)
    _, _, vt = np.linalg.svd(mu - mean, full_matrices=False)
    return mean, vt[:2]


def project(snapshots: list[dict]) -> tuple[np.ndarray, list[int], list[float | None]]:
    """(xy (epochs, n, 2) float32, epochs, test nelbo per epoch) from meta["snapshots"]."""
    ordered = sorted(snapshots, key=lambda s: int(s["epoch"]))
    mus = [np.asarray(s["mu"], dtype=np.float64) for s in ordered]
    if mus[0].shape[1] > 2:
        mean, components = plane_of(mus[-1])
        mus = [(mu - mean) @ components.T for mu in mus]
    xy = np.stack(mus).astype(np.float32)
    nelbo = [None if s.get("nelbo") is None else float(s["nelbo"]) for s in ordered]
    return xy, [int(s["epoch"]) for s in ordered], nelbo


def to_point(snapshot: dict, plane: tuple[np.ndarray, np.ndarray] | None = None) -> list:
    """One snapshot's points as a flat list [x0, y0, x1, y1, ...] (the live map's payload)."""
    mu = np.asarray(snapshot["mu"], dtype=np.float64)
    if mu.shape[1] > 2:
        mean, components = plane or plane_of(mu)
        mu = (mu - mean) @ components.T
    return np.round(mu.astype(np.float32), 4).ravel().tolist()


def write_replay(static: str | Path, snapshots: list[dict]) -> dict:
    """Write the replay's file; {file, n, epochs, nelbo, indices} for the component."""
    xy, epochs, nelbo = project(snapshots)
    name = write_asset(static, "replay", ".bin", np.ascontiguousarray(xy, "<f4").tobytes())
    return {
        "file": name,
        "n": int(xy.shape[1]),
        "epochs": epochs,
        "nelbo": nelbo,
        "indices": snapshot_indices(snapshots).tolist(),
    }
