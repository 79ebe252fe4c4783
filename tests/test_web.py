"""Exporting a model for the browser: the blob and manifest the page decodes with."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vae import web
from vae.model import VAE, VAEConfig


def numpy_decode(blob: bytes, manifest: dict, z: np.ndarray) -> np.ndarray:
    """The browser's algorithm (components/latent_map/core/decoder.js makeDecoder), in numpy."""
    floats = np.frombuffer(blob, dtype="<f4")
    h = np.asarray(z, np.float64)
    layers = manifest["layers"]
    for i, layer in enumerate(layers):
        w = floats[layer["weight"] : layer["weight"] + layer["in"] * layer["out"]]
        b = floats[layer["bias"] : layer["bias"] + layer["out"]]
        h = h @ w.reshape(layer["out"], layer["in"]).T.astype(np.float64) + b
        if i == len(layers) - 1:
            h = 1 / (1 + np.exp(-h))
        elif manifest["activation"] == "gelu":  # its tanh form
            h = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h**3)))
        else:
            h = np.maximum(h, 0)
    return h


@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("latent_dim, hidden", [(2, (512, 256)), (3, (64,)), (2, (40, 30, 20))])
def test_exported_decoder_reproduces_torch(latent_dim, hidden, activation):
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=latent_dim, hidden=hidden, activation=activation)).eval()
    blob, manifest = web.export_decoder(model)
    assert manifest["activation"] == activation
    assert manifest["latent_dim"] == latent_dim
    assert len(blob) == 4 * manifest["floats"]
    assert [layer["in"] for layer in manifest["layers"]][0] == latent_dim
    assert manifest["layers"][-1]["out"] == 784
    z = np.random.default_rng(0).normal(0, 2, (16, latent_dim)).astype(np.float32)
    ours = numpy_decode(blob, manifest, z)
    assert np.abs(ours - web.decode_reference(model, z)).max() < 1e-5


def test_conv_decoder_is_not_exported():
    assert web.export_decoder(VAE(VAEConfig(arch="conv"))) is None
    assert web.write_decoder(VAE(VAEConfig(arch="conv")), "/nonexistent") is None


def test_hash_follows_the_weights(tmp_path):
    torch.manual_seed(0)
    a, b = VAE(VAEConfig(hidden=(16,))), VAE(VAEConfig(hidden=(16,)))
    assert web.export_decoder(a)[1]["hash"] != web.export_decoder(b)[1]["hash"]
    m1, m2 = web.write_decoder(a, tmp_path), web.write_decoder(a, tmp_path)
    assert m1["file"] == m2["file"] and (tmp_path / m1["file"]).is_file()
    assert len(list(tmp_path.iterdir())) == 1  # written once, no temp files left


@pytest.mark.parametrize("latent_dim", [3, 8, 16])
def test_pca_folded_decoder_decodes_the_plane(latent_dim):
    """The exported 2-input decoder is decode(mean + p @ components), to float32 precision."""
    from vae.projection import fit_pca

    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=latent_dim, hidden=(64, 32))).eval()
    rng = np.random.default_rng(0)
    pca = fit_pca(rng.normal(0, 1, (500, latent_dim)) * np.linspace(2, 0.3, latent_dim) + 0.5)
    blob, manifest = web.export_decoder(model, affine=(pca.mean, pca.components))
    assert manifest["latent_dim"] == 2 and manifest["layers"][0]["in"] == 2
    p = rng.normal(0, 3, (40, 2))
    ref = web.decode_reference(model, pca.inverse_transform(p).astype(np.float32))
    assert np.abs(numpy_decode(blob, manifest, p) - ref).max() < 1e-5


def test_affine_of_the_wrong_size_is_refused():
    model = VAE(VAEConfig(latent_dim=4, hidden=(8,)))
    with pytest.raises(ValueError, match="affine"):
        web.export_decoder(model, affine=(np.zeros(3), np.zeros((2, 3))))
