"""Hand a model and its encoded test set to the browser as static files.

The map component decodes under the pointer in JavaScript, so it needs the
decoder's weights: they are written as one little-endian float32 blob plus a
JSON manifest that says where each layer's weight (out, in) and bias (out,)
start. File names carry a content hash, so a browser caches them per model
and a retrained model at the same path can never be served stale.

Only MLP decoders (Linear, ReLU or GELU, ..., Linear, then sigmoid) export; a conv
decoder gets `None` and the page decodes in Python instead.

A larger latent space is shown on a PCA plane, where the point p stands for
z = mean + p @ components. That map is affine, so it folds into the decoder's
first Linear layer: the exported decoder then takes the 2 plane coordinates and
the page needs no change to decode anywhere on the plane.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from torch import nn

from vae.files import content_hash, write_asset  # noqa: F401  (re-exported)
from vae.model import VAE

DECODER_FORMAT = "latent-explorer-mlp-decoder"


def mlp_decoder_layers(model: VAE) -> list[nn.Linear] | None:
    """The decoder's Linear layers in order, or None if it is not Linear and one activation
    the page computes (ReLU, or GELU's tanh form) only."""
    if model.config.arch != "mlp":
        return None
    layers = [m for m in model.decoder.modules() if isinstance(m, nn.Linear)]
    others = [
        m
        for m in model.decoder.modules()
        if not isinstance(m, nn.Linear | nn.ReLU | nn.Sequential | nn.Unflatten)
        and not (isinstance(m, nn.GELU) and m.approximate == "tanh")
    ]
    return layers if layers and not others else None


def export_decoder(
    model: VAE, affine: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[bytes, dict] | None:
    """(float32 blob, manifest) for an MLP decoder; None if the browser cannot run it.

    Manifest: {format, latent_dim, layers: [{in, out, weight, bias}], activation,
    output, hash}, with weight/bias as float32 offsets into the blob. The activation
    ("relu" or "gelu", the tanh form) follows every layer but the last; the last is
    followed by a sigmoid.

    affine = (mean (d,), components (k, d)) exports p -> decode(mean + p @ components)
    instead, a decoder of k inputs: W1' = W1 @ components.T, b1' = b1 + W1 @ mean,
    computed in float64 so the folded layer loses nothing before its float32 store.
    """
    layers = mlp_decoder_layers(model)
    if layers is None:
        return None
    weights = [
        (layer.weight.detach().cpu().double().numpy(), layer.bias.detach().cpu().double().numpy())
        for layer in layers
    ]  # (out, in), (out,)
    if affine is not None:
        mean = np.asarray(affine[0], np.float64)
        components = np.asarray(affine[1], np.float64)
        w1, b1 = weights[0]
        if (
            components.ndim != 2
            or components.shape[1] != w1.shape[1]
            or mean.shape != (w1.shape[1],)
        ):
            raise ValueError(
                f"affine must be mean ({w1.shape[1]},) and components (k, {w1.shape[1]}), "
                f"got {mean.shape} and {components.shape}"
            )
        weights[0] = (w1 @ components.T, b1 + w1 @ mean)
    chunks, specs, offset = [], [], 0
    for weight, bias in weights:
        w = weight.astype("<f4")  # (out, in), row-major
        b = bias.astype("<f4")  # (out,)
        specs.append(
            {"in": w.shape[1], "out": w.shape[0], "weight": offset, "bias": offset + w.size}
        )
        offset += w.size + b.size
        chunks += [w.tobytes(), b.tobytes()]
    blob = b"".join(chunks)
    manifest = {
        "format": DECODER_FORMAT,
        "latent_dim": int(specs[0]["in"]),
        "layers": specs,
        "activation": model.config.activation,
        "output": "sigmoid",
        "floats": offset,
        "hash": hashlib.sha256(blob).hexdigest()[:16],
    }
    return blob, manifest


def write_decoder(
    model: VAE, folder: str | Path, affine: tuple[np.ndarray, np.ndarray] | None = None
) -> dict | None:
    """Write the decoder blob and return its manifest with a `file` entry, or None (conv).

    affine: see export_decoder (a decoder of PCA-plane points).
    """
    exported = export_decoder(model, affine)
    if exported is None:
        return None
    blob, manifest = exported
    manifest["file"] = write_asset(folder, "decoder", ".bin", blob)
    return manifest


@torch.no_grad()
def decode_reference(model: VAE, z: np.ndarray) -> np.ndarray:
    """What the browser must reproduce: decode(z) as (N, 784) float32."""
    z = torch.from_numpy(np.atleast_2d(np.asarray(z, dtype=np.float32)))
    return model.decode(z).flatten(1).numpy()
