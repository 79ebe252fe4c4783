"""The map's bundle: built from a real model and data, read back without torch."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from vae import bundle, catalog, i18n, latent, projection
from vae.checkpoint import Checkpoint, save_checkpoint
from vae.data import Split, Splits
from vae.model import VAE, VAEConfig


@pytest.fixture(scope="module")
def splits(mnist):
    return Splits("mnist", mnist.train, Split(mnist.test.images[:300], mnist.test.labels[:300]),
                  source=mnist.source)  # fmt: skip


def checkpoint(tmp_path, latent_dim, kind="vae"):
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=latent_dim, kind=kind, hidden=(32,))).eval()
    path = tmp_path / f"m{latent_dim}{kind}.pt"
    save_checkpoint(path, model, {"dataset": "mnist"})
    return path, Checkpoint(model=model, meta={"dataset": "mnist"}, train={}, path=path)


def test_a_2d_bundle_holds_the_map_posteriors_decoder_and_sprite(tmp_path, splits):
    path, ckpt = checkpoint(tmp_path, 2)
    static = tmp_path / "static"
    b = bundle.build_bundle(ckpt, splits, path, static, "pca")  # 2-D: the method is ignored
    assert b.method == "latent" and b.decoder == b.latent_decoder
    enc = latent.encode_images(ckpt.model, splits.test.float_images())
    xy, labels = bundle.load_points(static, b)
    assert np.allclose(xy, enc.mu, atol=1e-6) and np.array_equal(labels, splits.test.labels)
    assert np.allclose(bundle.load_matrix(static, b.mu), enc.mu, atol=1e-6)
    sigma = bundle.load_matrix(static, b.sigma)
    assert np.allclose(sigma, np.exp(0.5 * enc.logvar), rtol=1e-5)
    sheet = np.asarray(Image.open(io.BytesIO((static / b.images).read_bytes())))
    assert sheet.shape == (3 * 28, 100 * 28)  # 300 images, 100 a row
    assert np.array_equal(sheet[28:56, 5 * 28 : 6 * 28], splits.test.images[105].numpy())
    assert len(b.test_elbo) == 300 and b.test_elbo == sorted(b.test_elbo)
    assert b.typical[1] is not None and labels[b.typical[1]] == 1
    assert b.defaults["a"]["index"] == b.typical[1]
    data = catalog.msg_of(b.data)  # kept with its catalog key: the footer speaks zh too
    assert "/" not in data and data.startswith("MNIST test set, 300 images")
    assert i18n.localize(data, "zh").startswith("MNIST 测试集，300 张图像")
    assert bundle.read_bundle(static, path, "latent") == b


def test_a_larger_space_gets_a_plane_decoder_and_its_own_latent_decoder(tmp_path, splits):
    path, ckpt = checkpoint(tmp_path, 4)
    static = tmp_path / "static"
    b = bundle.build_bundle(ckpt, splits, path, static, "pca")
    assert b.method == "pca" and b.decoder["latent_dim"] == 2
    assert b.latent_decoder["latent_dim"] == 4 and b.active_dims is not None
    assert len(b.pca["components"]) == 2 and len(b.pca["mean"]) == 4
    assert bundle.load_matrix(static, b.mu).shape == (300, 4)


def test_an_autoencoder_has_no_posterior_files(tmp_path, splits):
    path, ckpt = checkpoint(tmp_path, 2, kind="ae")
    b = bundle.build_bundle(ckpt, splits, path, tmp_path / "s", "latent")
    assert b.sigma is None and b.test_elbo is None and b.kind == "ae"


def test_a_missing_file_or_another_version_is_no_bundle(tmp_path, splits):
    path, ckpt = checkpoint(tmp_path, 2)
    static = tmp_path / "static"
    b = bundle.build_bundle(ckpt, splits, path, static, "latent")
    assert bundle.read_bundle(static, path, "pca") is None  # another plane
    (static / b.images).unlink()
    assert bundle.read_bundle(static, path, "latent") is None


def test_reading_a_bundle_needs_no_torch(tmp_path, splits):
    path, ckpt = checkpoint(tmp_path, 2)
    static = tmp_path / "static"
    bundle.build_bundle(ckpt, splits, path, static, "latent")
    code = (
        "import sys; from vae import bundle; "
        f"b = bundle.read_bundle({str(static)!r}, {str(path)!r}, 'latent'); "
        "xy, _ = bundle.load_points(" + repr(str(static)) + ", b); "
        "print(len(xy), 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["300", "False"]


def test_nearest_point_finds_a_test_image_at_its_place_only():
    xy = np.array([[0.0, 0.0], [1.0, 2.0]], np.float32)
    assert bundle.nearest_point(xy, [1.0, 2.0]) == 1
    assert bundle.nearest_point(xy, [0.5, 0.5]) is None


def test_typical_members_sit_in_their_own_cluster():
    rng = np.random.default_rng(0)
    a = rng.normal([0, 0], 0.3, (50, 2))
    b = rng.normal([5, 0], 0.3, (50, 2))
    stray = np.array([[0.1, 0.1]])  # a "1" inside the 0s' cluster
    xy = np.concatenate([a, b, stray])
    labels = np.array([0] * 50 + [1] * 50 + [1])
    typical = projection.typical_members(xy, labels, 3)
    assert labels[typical[0]] == 0 and labels[typical[1]] == 1 and typical[2] is None
    assert np.linalg.norm(xy[typical[1]] - [5, 0]) < 1


def test_plane_latent_of_uses_a_digits_own_mu_and_inverts_empty_space():
    rng = np.random.default_rng(0)
    mu = rng.normal(size=(200, 5)).astype(np.float32)
    plane = projection.make_plane(mu, "pca")
    x, y = plane.xy[7]
    assert np.allclose(plane.latent_of(x, y, 7), mu[7])  # not its shadow on the plane
    shadow = plane.latent_of(x, y)
    assert not np.allclose(shadow, mu[7], atol=1e-3)
    assert np.allclose(plane.place(shadow), [x, y], atol=1e-4)


def test_the_bundle_is_a_typed_record_read_back_whole(tmp_path, splits):
    path, ckpt = checkpoint(tmp_path, 4)
    static = tmp_path / "static"
    b = bundle.build_bundle(ckpt, splits, path, static, "pca")
    assert isinstance(b, bundle.MapBundle) and b.invertible
    assert bundle.read_bundle(static, path, "pca") == b
    record = bundle.bundle_path(static, path, "pca")
    value = json.loads(record.read_text())
    record.write_text(json.dumps({**value, "unknown": 1}))  # another shape: built anew
    assert bundle.read_bundle(static, path, "pca") is None
    del value["typical"]
    record.write_text(json.dumps(value))
    assert bundle.read_bundle(static, path, "pca") is None
    assert not dataclasses.replace(b, method="tsne").invertible


def test_the_maps_data_names_the_active_threshold():
    """The browser greys out dimensions at or below the one Python threshold it is sent."""
    from vae.latent_size import ACTIVE_KL_NATS
    from views.map import payload

    b = bundle.MapBundle(
        version=bundle.BUNDLE_VERSION, method="latent", latent_dim=2, kind="vae",
        points="p.bin", mu="m.bin", sigma=None, decoder=None, latent_decoder=None,
        images="i.png", sprite_columns=100, classes=["0"], item="digit", axes=["a", "b"],
        pca=None, defaults={}, typical=[0], data="", credit="", fallback=None,
        test_elbo=None, active_dims=None,
    )  # fmt: skip
    data = payload(b, height=100)
    assert data["active_kl_nats"] == ACTIVE_KL_NATS
    assert data["decode_mode"] == "plane"
    assert payload(dataclasses.replace(b, method="umap"), height=100)["decode_mode"] == "nearest"
