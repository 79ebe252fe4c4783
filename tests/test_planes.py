"""t-SNE and UMAP planes kept beside their checkpoint, and a new digit placed on them."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from vae import planes, projection

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_16D = ROOT / "checkpoints" / "mnist-vae-16d.pt"


def fake_checkpoint(folder: Path, content: bytes = b"weights") -> Path:
    path = folder / "model-8d.pt"
    path.write_bytes(content)
    return path


def test_a_plane_is_kept_beside_its_checkpoint_and_read_back(tmp_path):
    ckpt = fake_checkpoint(tmp_path)
    xy = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    path = planes.write_plane(ckpt, "tsne", xy)
    assert path == tmp_path / "model-8d.tsne.npz"
    np.testing.assert_array_equal(planes.read_plane(ckpt, "tsne", 50), xy)
    assert planes.read_plane(ckpt, "umap") is None  # another method: no file
    assert planes.read_plane(ckpt, "tsne", 51) is None  # another test set


def test_a_stale_or_damaged_plane_is_ignored(tmp_path, monkeypatch):
    ckpt = fake_checkpoint(tmp_path)
    xy = np.zeros((10, 2), np.float32)
    planes.write_plane(ckpt, "umap", xy)
    # other settings (a new version of the method's parameters): stale
    changed = {**projection.EMBEDDING_SETTINGS, "umap": {"n_neighbors": 30}}
    monkeypatch.setattr(projection, "EMBEDDING_SETTINGS", changed)
    assert planes.read_plane(ckpt, "umap", 10) is None
    monkeypatch.undo()
    assert planes.read_plane(ckpt, "umap", 10) is not None
    # the checkpoint retrained (other bytes): stale
    time.sleep(0.01)
    ckpt.write_bytes(b"other weights")
    assert planes.read_plane(ckpt, "umap", 10) is None
    # a damaged file: ignored, never an exception
    planes.write_plane(ckpt, "umap", xy)
    planes.plane_path(ckpt, "umap").write_bytes(b"not a zip")
    assert planes.read_plane(ckpt, "umap", 10) is None
    with pytest.raises(ValueError, match="finite"):
        planes.write_plane(ckpt, "umap", np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="method"):
        planes.settings("pca")


def test_make_plane_uses_the_kept_plane_and_computes_only_without_one(tmp_path, monkeypatch):
    ckpt = fake_checkpoint(tmp_path)
    mu = np.random.default_rng(1).normal(size=(40, 8)).astype(np.float32)
    kept = np.arange(80, dtype=np.float32).reshape(40, 2)
    planes.write_plane(ckpt, "tsne", kept)
    calls = []

    def fake_tsne(points, seed):
        calls.append(seed)
        return np.ones((len(points), 2), np.float32)

    monkeypatch.setitem(projection.EMBEDDINGS, "tsne", fake_tsne)
    plane = projection.make_plane(mu, "tsne", cache=tmp_path / "cache", checkpoint=ckpt)
    np.testing.assert_array_equal(plane.xy, kept)
    assert calls == []
    ckpt.write_bytes(b"retrained")  # the kept plane is now stale: computed (and cached)
    plane = projection.make_plane(mu, "tsne", cache=tmp_path / "cache", checkpoint=ckpt)
    np.testing.assert_array_equal(plane.xy, 1)
    assert calls == [0]


def test_ensure_planes_computes_only_what_is_missing(tmp_path, monkeypatch):
    ckpt = fake_checkpoint(tmp_path)
    mu = np.random.default_rng(2).normal(size=(30, 4)).astype(np.float32)
    calls = []
    for method in planes.METHODS:
        monkeypatch.setitem(
            projection.EMBEDDINGS, method,
            lambda p, s, m=method: calls.append(m) or np.zeros((len(p), 2), np.float32),
        )  # fmt: skip
    planes.write_plane(ckpt, "tsne", np.zeros((30, 2), np.float32))
    spent = planes.ensure_planes(ckpt, mu)
    assert calls == ["umap"] and list(spent) == ["umap"]
    assert planes.ensure_planes(ckpt, mu) == {} and calls == ["umap"]
    assert planes.ensure_planes(ckpt, mu[:, :2]) == {}  # a 2-D space is its own plane


def test_shipped_planes_are_up_to_date():
    """Every shipped model of more than 2 dimensions ships both planes, made for its bytes
    and the current settings (else the app would compute them again)."""
    for name in ("mnist-vae-8d", "mnist-vae-16d"):
        ckpt = ROOT / "checkpoints" / f"{name}.pt"
        for method in planes.METHODS:
            with np.load(planes.plane_path(ckpt, method)) as f:
                assert json.loads(str(f["settings"])) == planes.settings(method)
            xy = planes.read_plane(ckpt, method, 10_000)
            assert xy is not None, f"{name} {method}: stale"
            assert xy.dtype == np.float32 and np.isfinite(xy).all()


@pytest.fixture(scope="module")
def encoded_16d():
    """The 16-D model's test set mu and labels, and its model."""
    from vae import latent
    from vae.checkpoint import load_checkpoint
    from vae.data import load_splits

    model = load_checkpoint(SHIPPED_16D).model
    data = load_splits("mnist")
    if len(data.test) != 10_000:
        pytest.skip("needs the full MNIST test set (the shipped planes are of its 10,000 digits)")
    mu = latent.encode_images(model, data.test.float_images()).mu
    return model, data, mu


@pytest.mark.parametrize("method", planes.METHODS)
def test_a_new_digit_lands_among_its_own_class(method, encoded_16d):
    """Training digits (never in the test set the plane was made of), encoded and placed by
    the method's own transform: most of each one's 10 nearest test digits on the plane
    share its label, and the estimate lies within the plane's extent."""
    from vae import latent

    model, data, mu = encoded_16d
    xy = planes.read_plane(SHIPPED_16D, method, len(mu))
    labels = data.test.labels.numpy()
    placer = planes.placer(method, mu, xy)
    # one training image of each class
    train_labels = data.train.labels.numpy()
    picks = [int(np.flatnonzero(train_labels == c)[0]) for c in range(10)]
    z = latent.encode_images(model, data.train.float_images()[picks]).mu
    started = time.perf_counter()
    placed = placer.place(z[3])
    one = time.perf_counter() - started
    print(f"{method}: placer built in {placer.seconds:.2f} s, one digit placed in {one:.3f} s")
    assert placed.shape == (1, 2)
    where = placer.place(z)
    assert where.shape == (10, 2) and np.isfinite(where).all()
    low, high = xy.min(0), xy.max(0)
    assert ((where >= low) & (where <= high)).all()
    agree = []
    for k, c in enumerate(range(10)):
        near = np.argsort(np.linalg.norm(xy - where[k], axis=1))[:10]
        agree.append(int((labels[near] == c).sum()))
    assert all(a > 5 for a in agree), agree
    np.testing.assert_allclose(placer.place(z[3]), placed, atol=1e-6)  # same digit, same place
