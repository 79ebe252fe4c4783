"""The numbers of the lesson's steps 5-7 (views/lesson/models.py): what a click measures.

(5) autoencoder against VAE: how far a clicked z lies from the nearest test code (is it in
a gap?) and how close its decoding comes to any test image; (6) β and (7) more dimensions:
one test image's own loss terms, its reconstruction BCE and its KL, and that KL dimension
by dimension. The loss terms are the model's own (vae.model.bce_per_image and
kl_to_standard_normal), never written again here; the rest is numpy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from vae.latent import decode, encode_images, posterior_samples
from vae.latent_size import ACTIVE_KL_NATS, kl_per_dimension
from vae.model import VAE, bce_per_image, kl_to_standard_normal

LOSS_SAMPLES = 32  # z ~ q(z|x) draws the reconstruction term of one image is averaged over
GAP_QUANTILE = 0.99  # a z farther from every test code than 99% of the codes are from theirs


class Nearest(NamedTuple):
    index: int  # which row of the reference set
    distance: float


def nearest_code(mu: np.ndarray, z) -> Nearest:
    """The test code (row of mu (N, d)) nearest to z (d,), and its Euclidean distance."""
    mu = np.asarray(mu, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64).ravel()
    if mu.ndim != 2 or len(mu) == 0 or mu.shape[1] != len(z):
        raise ValueError(f"need codes (N, {len(z)}) with N > 0, got {mu.shape}")
    d = np.linalg.norm(mu - z, axis=1)
    i = int(np.argmin(d))
    return Nearest(i, float(d[i]))


def gap_distance(mu: np.ndarray, quantile: float = GAP_QUANTILE) -> float:
    """How far from the nearest other code a test code is, at `quantile` over the test set:
    a z farther than this from every code lies where the data never is, in a gap. It is in
    the model's own units, so an autoencoder's wide map and a VAE's tight one are each
    measured against themselves."""
    from scipy.spatial import cKDTree  # scipy comes with scikit-learn

    mu = np.asarray(mu, dtype=np.float64)
    if mu.ndim != 2 or len(mu) < 2:
        raise ValueError(f"need at least two codes (N, d), got {mu.shape}")
    d, _ = cKDTree(mu).query(mu, k=2)  # the first neighbour is the code itself
    return float(np.quantile(d[:, 1], quantile))


def nearest_image(image: np.ndarray, images: np.ndarray) -> Nearest:
    """The image of `images` (N, 28, 28) closest in pixels to `image` (28, 28), all in [0, 1],
    and the root-mean-square pixel difference between the two (0: the same, 1: opposite)."""
    x = np.asarray(image, dtype=np.float64).ravel()
    ref = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
    if ref.shape[1] != len(x) or len(ref) == 0:
        raise ValueError(f"shapes do not match: {np.shape(image)} and {np.shape(images)}")
    # |x - r|^2 = |x|^2 + |r|^2 - 2 x.r, in float64 for the winner's exact distance
    d2 = np.sum(ref.astype(np.float64) ** 2, axis=1) - 2.0 * (ref @ x.astype(np.float32)) + x @ x
    i = int(np.argmin(d2))
    exact = float(np.sqrt(np.mean((ref[i].astype(np.float64) - x) ** 2)))
    return Nearest(i, exact)


def decoded_nearest(model: VAE, z, images: np.ndarray) -> Nearest:
    """decode(z) by the model against the test images (N, 28, 28): the nearest one in pixels."""
    return nearest_image(decode(model, np.asarray(z, np.float32))[0], images)


@torch.no_grad()
def image_loss(model: VAE, x28: np.ndarray, samples: int = LOSS_SAMPLES, seed: int = 0) -> dict:
    """One image's loss terms under the model, in nats: {recon, kl, kl_dims, active, mu,
    logvar}.

    recon: the reconstruction BCE, E_q[-log p(x|z)], averaged over `samples` draws
    z = mu + sigma * eps (vae.latent.posterior_samples: seeded, so the same image always gets
    the same figure); for an autoencoder, the BCE of decode(mu) (its z is a point). kl: KL(q(z|x) ||
    N(0, I)) in closed form, kl_dims its terms per latent dimension and active how many
    exceed ACTIVE_KL_NATS; all three None for an autoencoder.
    """
    x = torch.from_numpy(np.asarray(x28, np.float32)).reshape(1, 1, 28, 28)
    if samples < 1:
        raise ValueError("image_loss needs samples >= 1")
    enc = encode_images(model, x)
    mu = enc.mu[0].astype(np.float64)
    if enc.logvar is None:
        logits = model.decode_logits(torch.from_numpy(enc.mu))
        recon = float(bce_per_image(logits, x)[0])
        return {"recon": recon, "kl": None, "kl_dims": None, "active": None,
                "mu": mu, "logvar": None}  # fmt: skip
    logvar = enc.logvar[0].astype(np.float64)
    z = torch.from_numpy(posterior_samples(mu, logvar, samples, seed))
    recon = float(bce_per_image(model.decode_logits(z), x.expand(samples, -1, -1, -1)).mean())
    kl = float(kl_to_standard_normal(torch.from_numpy(enc.mu), torch.from_numpy(enc.logvar))[0])
    kl_dims = kl_per_dimension(mu[None], logvar[None])
    return {
        "recon": recon,
        "kl": kl,
        "kl_dims": kl_dims,
        "active": int(np.sum(kl_dims > ACTIVE_KL_NATS)),
        "mu": mu,
        "logvar": logvar,
    }
