"""Geometry of the latent space: encoding a dataset, paths, posteriors, grids, neighbours.

Pure functions on numpy arrays (plus one batched pass through a model), so the
app and the tests share them. A latent point is z: (latent_dim,) and a set of
them is (N, latent_dim). The browser's map component mirrors `interpolate`
in JavaScript for the live morph slider; keep the two in step.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from vae import prng
from vae.model import VAE

INTERPOLATIONS = ("linear", "spherical")


class Encoded(NamedTuple):
    """Posterior parameters of a set of images: mu (N, z); logvar (N, z) or None (plain AE)."""

    mu: np.ndarray
    logvar: np.ndarray | None


@torch.no_grad()
def encode_images(model: VAE, x: torch.Tensor, batch_size: int = 2000) -> Encoded:
    """Posterior means (and log-variances) of x (N, 1, 28, 28) in [0, 1], in batches."""
    mus, logvars = [], []
    for i in range(0, len(x), batch_size):
        mu, logvar = model.encode(x[i : i + batch_size])
        mus.append(mu)
        if logvar is not None:
            logvars.append(logvar)
    if not mus:
        return Encoded(np.zeros((0, model.config.latent_dim), np.float32), None)
    mu = torch.cat(mus).numpy().astype(np.float32)
    logvar = torch.cat(logvars).numpy().astype(np.float32) if logvars else None
    return Encoded(mu, logvar)


@torch.no_grad()
def decode(model: VAE, z: np.ndarray) -> np.ndarray:
    """z (N, latent_dim) or (latent_dim,) -> images (N, 28, 28) float32 in [0, 1]."""
    z = np.atleast_2d(np.asarray(z, dtype=np.float32))
    return model.decode(torch.from_numpy(z)).squeeze(1).numpy()


@torch.no_grad()
def elbo(
    model: VAE, x: torch.Tensor, samples: int = 32, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ELBO per image (nats; higher is more data-like), with its recon and KL parts.

    x: (B, 1, 28, 28). The reconstruction term is averaged over `samples` draws
    of z ~ q(z|x) with a fixed seed, so the same image always gets the same score.
    Returns (elbo, recon, kl), each (B,).
    """
    generator = torch.Generator().manual_seed(seed)
    recon_sum = torch.zeros(len(x))
    kl = torch.zeros(len(x))
    for _ in range(samples):
        recon, kl = model.per_image_loss(x, generator)
        recon_sum += recon
    recon = recon_sum / samples
    return (-(recon + kl)).numpy(), recon.numpy(), kl.numpy()


def interpolate(
    z0: np.ndarray, z1: np.ndarray, t: np.ndarray | float, method: str = "linear"
) -> np.ndarray:
    """Points between z0 and z1 at fractions t in [0, 1]: (len(t), latent_dim).

    "linear" is (1 - t) z0 + t z1. "spherical" (slerp, as in Shoemake 1985 and
    White 2016 for generative models) follows the great circle between the two
    directions while the radius moves linearly between |z0| and |z1|; under a
    Gaussian prior it stays in the typical shell instead of cutting through
    the low-norm middle. Directions that are (anti)parallel fall back to linear.
    """
    if method not in INTERPOLATIONS:
        raise ValueError(f"method must be one of {INTERPOLATIONS}, got {method!r}")
    z0 = np.asarray(z0, dtype=np.float64).ravel()
    z1 = np.asarray(z1, dtype=np.float64).ravel()
    if z0.shape != z1.shape:
        raise ValueError(f"endpoints differ in shape: {z0.shape} vs {z1.shape}")
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))[:, None]  # (T, 1)
    linear = (1 - t) * z0 + t * z1
    if method == "linear":
        return linear.astype(np.float32)
    r0, r1 = np.linalg.norm(z0), np.linalg.norm(z1)
    if r0 < 1e-8 or r1 < 1e-8:
        return linear.astype(np.float32)
    u0, u1 = z0 / r0, z1 / r1
    omega = np.arccos(np.clip(np.dot(u0, u1), -1.0, 1.0))
    if omega < 1e-6 or np.pi - omega < 1e-6:
        return linear.astype(np.float32)
    direction = (np.sin((1 - t) * omega) * u0 + np.sin(t * omega) * u1) / np.sin(omega)
    radius = (1 - t) * r0 + t * r1
    return (direction * radius).astype(np.float32)


def ellipse(mu: np.ndarray, logvar: np.ndarray, k: float = 1.0, n: int = 64) -> np.ndarray:
    """The k-sigma contour of the diagonal Gaussian N(mu, exp(logvar)) in 2-D: (n + 1, 2).

    The posterior of this VAE is axis-aligned (diagonal covariance), so the
    ellipse has semi-axes k * sigma_x and k * sigma_y; the first point is repeated
    at the end so a line trace closes.
    """
    mu = np.asarray(mu, dtype=np.float64).ravel()
    logvar = np.asarray(logvar, dtype=np.float64).ravel()
    if mu.shape != (2,) or logvar.shape != (2,):
        raise ValueError("ellipse needs a 2-D mu and logvar")
    if k <= 0 or n < 3:
        raise ValueError("ellipse needs k > 0 and n >= 3")
    sigma = np.exp(0.5 * logvar)
    angle = np.linspace(0, 2 * np.pi, n + 1)
    angle[-1] = 0.0  # exactly closed
    return np.stack([mu[0] + k * sigma[0] * np.cos(angle), mu[1] + k * sigma[1] * np.sin(angle)], 1)


def posterior_samples(mu: np.ndarray, logvar: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n draws of z ~ q(z|x) = N(mu, diag(exp(logvar))): (n, latent_dim) float32.

    mu, logvar: (latent_dim,). z = mu + sigma * eps, eps row by row from vae.prng seeded
    by `seed`: the page draws the same eps in JavaScript, so a seed shown on the page
    means the same samples wherever they are decoded.
    """
    mu = np.asarray(mu, dtype=np.float64).ravel()
    logvar = np.asarray(logvar, dtype=np.float64).ravel()
    if mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar differ in shape: {mu.shape} vs {logvar.shape}")
    if n < 0:
        raise ValueError("posterior_samples needs n >= 0")
    eps = prng.normals(seed, n * len(mu)).reshape(n, len(mu))
    return (mu + np.exp(0.5 * logvar) * eps).astype(np.float32)


def grid(
    x_range: tuple[float, float], y_range: tuple[float, float], n: int, rows: int | None = None
) -> np.ndarray:
    """Centres of an n (columns) x rows grid of cells over a rectangle, as z (n * rows, 2),
    row-major; rows defaults to n.

    Rows go from the top (largest y) down, so reshaping the decoded images to
    (rows, n) and tiling them gives a picture with up as up (like keras-io's
    plot_latent_space).
    """
    rows = n if rows is None else rows
    if n < 1 or rows < 1:
        raise ValueError("grid needs n >= 1 and rows >= 1")
    (x0, x1), (y0, y1) = sorted(x_range), sorted(y_range)
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y1 - (np.arange(rows) + 0.5) * (y1 - y0) / rows  # top row first
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)


def tile(images: np.ndarray, columns: int, gap: int = 0, fill: float = 1.0) -> np.ndarray:
    """Images (N, H, W) -> one mosaic (rows * H + gaps, columns * W + gaps), row-major."""
    images = np.asarray(images, dtype=np.float32)
    n, h, w = images.shape
    rows = -(-n // columns)
    out = np.full(
        (rows * h + (rows - 1) * gap, columns * w + (columns - 1) * gap), fill, np.float32
    )
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        out[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = image
    return out


def nearest(points: np.ndarray, z: np.ndarray, k: int = 1) -> np.ndarray:
    """Indices of the k points (N, d) closest to z (d,) in Euclidean distance, nearest first."""
    points = np.asarray(points)
    if len(points) == 0:
        return np.zeros(0, dtype=np.int64)
    d2 = np.sum((points - np.asarray(z, dtype=points.dtype)) ** 2, axis=1)
    k = min(k, len(points))
    idx = np.argpartition(d2, k - 1)[:k]
    return idx[np.argsort(d2[idx])]


def prior_samples(latent_dim: int, n: int, seed: int) -> np.ndarray:
    """n draws of z ~ N(0, I) from a seeded generator: (n, latent_dim) float32.

    The same seed gives the same z, so two models decode the very same points
    (a fair side-by-side of their samples) and a page can show the seed it used.
    """
    if latent_dim < 1 or n < 0:
        raise ValueError(f"need latent_dim >= 1 and n >= 0, got {latent_dim} and {n}")
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, latent_dim)).astype(np.float32)


def prior_radius(latent_dim: int, mass: float = 0.99) -> float:
    """Radius of the ball round the origin that holds `mass` of N(0, I) in latent_dim dims.

    |z|^2 is chi-squared with latent_dim degrees of freedom, so the radius is the
    square root of its `mass` quantile (3.035 for 99% in 2-D, where the quantile is
    -2 ln(1 - mass) exactly).
    """
    from scipy.special import gammaincinv  # scipy comes with scikit-learn

    if latent_dim < 1 or not 0 < mass < 1:
        raise ValueError(f"need latent_dim >= 1 and 0 < mass < 1, got {latent_dim}, {mass}")
    return float(np.sqrt(2.0 * gammaincinv(latent_dim / 2.0, mass)))


def share_inside(points: np.ndarray, radius: float) -> float:
    """Fraction of points (N, d) within Euclidean `radius` of the origin (0.0 for none)."""
    points = np.asarray(points, dtype=np.float64)
    if len(points) == 0:
        return 0.0
    return float(np.mean(np.linalg.norm(points, axis=1) < radius))


def nearest_labels(
    images: np.ndarray, reference: np.ndarray, labels: np.ndarray, batch_size: int = 256
) -> np.ndarray:
    """Label of the nearest reference image to each image, in pixel (L2) distance: (N,).

    images (N, ...) and reference (M, ...) are flattened to pixels; labels (M,).
    A 1-nearest-neighbour classifier: crude, but it needs no second model, and for
    "which digit does this decoded sample look like" it is what a viewer does too.
    """
    x = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
    ref = np.asarray(reference, dtype=np.float32).reshape(len(reference), -1)
    if x.shape[1] != ref.shape[1] or len(ref) != len(labels):
        raise ValueError(f"shapes do not match: {x.shape}, {ref.shape}, {np.shape(labels)}")
    ref_sq = np.sum(ref**2, axis=1)
    out = np.empty(len(x), dtype=np.asarray(labels).dtype)
    for i in range(0, len(x), batch_size):
        chunk = x[i : i + batch_size]
        # |x - r|^2 = |x|^2 + |r|^2 - 2 x.r; |x|^2 is the same along a row, so it is dropped
        d2 = ref_sq[None, :] - 2.0 * chunk @ ref.T
        out[i : i + batch_size] = np.asarray(labels)[np.argmin(d2, axis=1)]
    return out


def analyse_digit(model: VAE, x28: np.ndarray, elbo_samples: int = 8) -> dict:
    """Everything the page shows about one user image x28 (28, 28) in [0, 1].

    {mu (d,), logvar (d,) or None for an autoencoder, recon (28, 28) = decode(mu),
    elbo (score, recon, kl) in nats or None, ellipses: q(z|x)'s 1- and 2-sigma contours
    as {k, xs, ys} when the latent space is 2-D}, all plain lists or arrays.
    """
    x = torch.from_numpy(np.asarray(x28, np.float32)).reshape(1, 1, 28, 28)
    enc = encode_images(model, x)
    mu = enc.mu[0]
    out = {"mu": mu.tolist(), "recon": decode(model, mu)[0], "logvar": None, "elbo": None}
    out["ellipses"] = []
    if enc.logvar is not None:
        out["logvar"] = enc.logvar[0].tolist()
        if len(mu) == 2:
            out["ellipses"] = [
                {"k": k, "xs": e[:, 0].tolist(), "ys": e[:, 1].tolist()}
                for k in (1, 2)
                for e in [ellipse(mu, enc.logvar[0], k)]
            ]
        score, recon, kl = elbo(model, x, elbo_samples)
        out["elbo"] = (float(score[0]), float(recon[0]), float(kl[0]))
    return out


def prior_coverage(
    model: VAE,
    test_x: np.ndarray,
    test_labels: np.ndarray,
    mu: np.ndarray,
    n_classes: int,
    mass: float = 0.99,
    samples: int = 500,
    seed: int = 0,
) -> dict:
    """How well N(0, I) covers a model's data, in two measured figures.

    inside: the share of the test codes mu (N, d) within the disc that holds `mass` of
    N(0, I); shares: per class, the share of `samples` decoded prior samples whose nearest
    test image in pixels (test_x (N, 784) or (N, 28, 28)) has that label.
    """
    d = mu.shape[1]
    z = prior_samples(d, samples, seed=seed)
    labels = nearest_labels(decode(model, z), np.asarray(test_x), test_labels)
    counts = np.bincount(labels, minlength=n_classes)
    return {
        "inside": share_inside(mu, prior_radius(d, mass)),
        "shares": (counts / counts.sum()).tolist(),
    }
