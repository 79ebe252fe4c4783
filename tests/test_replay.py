"""Snapshots of training as points on a map (vae/replay.py)."""

from __future__ import annotations

import numpy as np
import pytest

from vae import replay


def snapshots(d: int, epochs: int = 3, n: int = 50) -> list[dict]:
    rng = np.random.default_rng(0)
    out = []
    for e in range(epochs):
        mu = rng.normal(0, 1 + e, (n, d)).astype(np.float16)
        out.append({"epoch": e, "indices": list(range(100, 100 + n)) if e == 0 else None,
                    "mu": mu, "nelbo": 500.0 - 100 * e})  # fmt: skip
    return out[::-1]  # any order in, epochs in order out


def test_a_2d_space_replays_its_own_points_in_epoch_order(tmp_path):
    s = snapshots(2)
    xy, epochs, nelbo = replay.project(s)
    assert epochs == [0, 1, 2] and nelbo == [500.0, 400.0, 300.0]
    assert xy.shape == (3, 50, 2) and xy.dtype == np.float32
    np.testing.assert_allclose(xy[2], np.asarray(s[0]["mu"], np.float32))
    found = replay.write_replay(tmp_path, s)
    raw = np.fromfile(tmp_path / found["file"], "<f4").reshape(3, 50, 2)
    np.testing.assert_array_equal(raw, xy)
    assert found["indices"] == list(range(100, 150)) and found["n"] == 50


def test_a_larger_space_is_shown_on_the_last_epochs_plane():
    s = snapshots(6)
    xy, _, _ = replay.project(s)
    last = np.asarray(sorted(s, key=lambda x: x["epoch"])[-1]["mu"], np.float64)
    mean, components = replay.plane_of(last)
    np.testing.assert_allclose(xy[-1], (last - mean) @ components.T, atol=1e-4)
    assert np.allclose(components @ components.T, np.eye(2), atol=1e-6)
    # the live view's payload: flat x, y pairs
    flat = replay.to_point(s[0])
    assert len(flat) == 100


def test_snapshots_without_indices_are_refused():
    with pytest.raises(ValueError, match="names the test images"):
        replay.snapshot_indices([{"epoch": 0, "mu": np.zeros((2, 2))}])
