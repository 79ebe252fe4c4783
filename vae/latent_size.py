"""What more latent dimensions buy: test reconstruction loss against KL, across trained models.

A VAE with more latent dimensions can carry more about each image, so its
reconstruction loss falls; it pays for that in KL(q(z|x) || p(z)), the nats its
code spends. Not every dimension gets used: a dimension whose q(z|x) stays at
the prior for every image costs no KL and carries nothing ("posterior collapse";
Burda et al. 2016 count a unit as active by the variance of its mean; here a
dimension is active when its average KL over the test set exceeds 0.01 nats).

Pure numpy, on the metadata the trainer stores in every checkpoint (dataset,
epochs, test recon/KL/nelbo in nats per image) and the encoded test set.
"""

from __future__ import annotations

import re

import numpy as np

ACTIVE_KL_NATS = 0.01
COLUMNS = ("latent size", "test recon", "test KL", "test −ELBO", "epochs", "active dims", "model")


def kl_per_dimension(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """Average KL(q(z_j|x) || N(0, 1)) of each latent dimension over images: (d,) nats.

    mu, logvar: (N, d). Per image and dimension the closed form (Kingma & Welling
    2014, appendix B) is -1/2 (1 + logvar - mu^2 - exp(logvar)); summed over
    dimensions it is the model's KL term.
    """
    mu = np.asarray(mu, dtype=np.float64)
    logvar = np.asarray(logvar, dtype=np.float64)
    if mu.shape != logvar.shape or mu.ndim != 2 or len(mu) == 0:
        raise ValueError(f"mu and logvar must both be (N, d) with N > 0, got {mu.shape}, "
                         f"{logvar.shape}")  # fmt: skip
    return (-0.5 * (1 + logvar - mu**2 - np.exp(logvar))).mean(0)


def active_dimensions(mu: np.ndarray, logvar: np.ndarray, threshold: float = ACTIVE_KL_NATS) -> int:
    """How many dimensions carry more than `threshold` nats of KL on average."""
    return int(np.sum(kl_per_dimension(mu, logvar) > threshold))


def shipped_size(name: str, dataset: str = "mnist") -> int | None:
    """The latent size in a shipped VAE's file stem ("mnist-vae-8d" -> 8), else None.

    Models trained in the app are named <dataset>-vae-<arch>-<z>d-<time> and do not
    match: the table is about the shipped, fully trained series only.
    """
    found = re.fullmatch(rf"{re.escape(dataset)}-vae-(\d+)d", name)
    return int(found.group(1)) if found else None


def latent_size_rows(models: list[dict], dataset: str = "mnist", beta: float = 1.0) -> list[dict]:
    """Rows of the latent-size table, smallest latent first.

    models: one dict per checkpoint, {"name": file stem, "latent_dim", "kind",
    "dataset", "beta", "epochs", "test": {"recon", "kl", "nelbo"} (nats per image),
    "active": active dimensions or None}. Kept: shipped VAEs (see shipped_size) of
    this dataset and beta whose stored latent size matches the name and that have
    test metrics. Each row has the keys in COLUMNS.
    """
    rows = []
    for m in models:
        test = m.get("test") or {}
        if (
            m.get("kind") != "vae"
            or m.get("dataset") != dataset
            or m.get("beta") is None
            or abs(float(m["beta"]) - beta) > 1e-9
            or shipped_size(m.get("name", ""), dataset) != m.get("latent_dim")
            or not all(k in test for k in ("recon", "kl", "nelbo"))
        ):
            continue
        rows.append(
            {
                "latent size": int(m["latent_dim"]),
                "test recon": float(test["recon"]),
                "test KL": float(test["kl"]),
                "test −ELBO": float(test["nelbo"]),
                "epochs": m.get("epochs"),
                "active dims": m.get("active"),
                "model": m["name"],
            }
        )
    return sorted(rows, key=lambda r: r["latent size"])


def trend(rows: list[dict]) -> dict:
    """Whether, along rows sorted by latent size, recon only falls and KL only rises.

    Returns {"recon_falls": bool, "kl_rises": bool, "sizes": n}; with fewer than two
    sizes nothing can be said and both are False.
    """
    recon = [r["test recon"] for r in rows]
    kl = [r["test KL"] for r in rows]
    enough = len(rows) >= 2
    return {
        "recon_falls": enough and all(b < a for a, b in zip(recon, recon[1:], strict=False)),
        "kl_rises": enough and all(b > a for a, b in zip(kl, kl[1:], strict=False)),
        "sizes": len(rows),
    }
