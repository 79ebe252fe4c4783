"""The numbers the guided lesson fills into the lecture's formulas (views/lesson/).

Each is computed with the model's own code (vae/model.py's loss terms, vae/evaluate.py's
Gaussian density), so the lesson shows the very quantities training minimised, for one
point or one image. No streamlit here; torch is imported by the modules this one uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from vae.evaluate import log_normal
from vae.model import VAE, bce_per_image, kl_to_standard_normal

EPS_LIMIT = 3.0  # the lesson's ε sliders run over [-3, 3]


def log_prior(z) -> float:
    """log p(z) of the prior N(0, I) at z (d,), in nats: -½|z|² - (d/2) log 2π."""
    z = torch.as_tensor(np.asarray(z, np.float64).ravel())
    zeros = torch.zeros_like(z)
    return float(log_normal(z, zeros, zeros))


def sigma_of(logvar) -> np.ndarray:
    """σ = exp(½ log σ²), per dimension."""
    return np.exp(0.5 * np.asarray(logvar, np.float64))


def reparameterize(mu, logvar, eps) -> np.ndarray:
    """z = μ + σ ⊙ ε for a given ε (the model's reparameterize draws ε itself)."""
    mu, eps = np.asarray(mu, np.float64), np.asarray(eps, np.float64)
    if mu.shape != eps.shape:
        raise ValueError(f"μ and ε differ in shape: {mu.shape} vs {eps.shape}")
    return mu + sigma_of(logvar) * eps


def kl_terms(mu, logvar) -> np.ndarray:
    """Each dimension's share of KL(q(z|x) || N(0, I)): -½(1 + log σ² - μ² - σ²), (d,).

    vae.model.kl_to_standard_normal of one dimension at a time (its sum over dimensions
    is the KL the model was trained with)."""
    mu = torch.as_tensor(np.asarray(mu, np.float64).reshape(-1, 1))
    logvar = torch.as_tensor(np.asarray(logvar, np.float64).reshape(-1, 1))
    if mu.shape != logvar.shape:
        shapes = f"{tuple(mu.shape)} vs {tuple(logvar.shape)}"
        raise ValueError(f"μ and log σ² differ in shape: {shapes}")
    return kl_to_standard_normal(mu, logvar).numpy()


@dataclass(frozen=True)
class DigitLoss:
    """The loss of one image at z = μ: reconstruction BCE (summed over its pixels), KL per
    dimension and in all, and their sum (the negative ELBO with z taken at μ)."""

    bce: float
    kl_terms: tuple[float, ...]
    kl: float

    @property
    def total(self) -> float:
        return self.bce + self.kl


@torch.no_grad()
def digit_loss(model: VAE, x, mu, logvar) -> DigitLoss:
    """The loss terms of image x (28, 28) in [0, 1] whose posterior is N(μ, σ²).

    The reconstruction term decodes z = μ (the posterior's mean: one number, the same on
    every run; training drew z ~ q(z|x) instead, so its average is a little higher)."""
    x = torch.as_tensor(np.asarray(x, np.float32)).reshape(1, 1, 28, 28)
    z = torch.as_tensor(np.asarray(mu, np.float32)).reshape(1, -1)
    bce = float(bce_per_image(model.decode_logits(z), x)[0])
    terms = kl_terms(mu, logvar)
    return DigitLoss(bce=bce, kl_terms=tuple(float(v) for v in terms), kl=float(terms.sum()))
