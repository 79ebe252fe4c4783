"""The latent-size table: KL per dimension, active dimensions, and which models make the rows."""

from __future__ import annotations

import numpy as np
import pytest

from vae.latent_size import (
    COLUMNS,
    active_dimensions,
    kl_per_dimension,
    latent_size_rows,
    shipped_size,
    trend,
)


def test_kl_per_dimension_is_the_closed_form_and_sums_to_the_kl_term():
    import torch

    from vae.model import kl_to_standard_normal

    rng = np.random.default_rng(0)
    mu = rng.normal(0, 1.5, (64, 4)).astype(np.float32)
    logvar = rng.normal(-1, 0.5, (64, 4)).astype(np.float32)
    per_dim = kl_per_dimension(mu, logvar)
    assert per_dim.shape == (4,) and np.all(per_dim >= 0)
    # summed over dimensions it is the model's own KL term, averaged over images
    kl = kl_to_standard_normal(torch.from_numpy(mu), torch.from_numpy(logvar))
    assert kl.shape == (64,)
    assert per_dim.sum() == pytest.approx(float(kl.mean()), rel=1e-5)


def test_a_dimension_at_the_prior_is_inactive():
    rng = np.random.default_rng(1)
    n = 500
    mu = np.stack([rng.normal(0, 2, n), np.zeros(n), rng.normal(0, 0.05, n)], 1)
    logvar = np.stack([np.full(n, -3.0), np.zeros(n), np.zeros(n)], 1)
    per_dim = kl_per_dimension(mu, logvar)
    assert per_dim[1] == pytest.approx(0.0, abs=1e-12)  # exactly the prior
    assert per_dim[2] < 0.01  # a whisper of signal: below the threshold
    assert active_dimensions(mu, logvar) == 1
    assert active_dimensions(mu, logvar, threshold=1e-4) == 2


@pytest.mark.parametrize("shapes", [((3, 2), (3, 3)), ((0, 2), (0, 2)), ((4,), (4,))])
def test_bad_shapes_are_refused(shapes):
    with pytest.raises(ValueError, match="mu and logvar"):
        kl_per_dimension(np.zeros(shapes[0]), np.zeros(shapes[1]))


@pytest.mark.parametrize(
    "name, size",
    [("mnist-vae-2d", 2), ("mnist-vae-16d", 16), ("mnist-vae-2d-beta4", None),
     ("mnist-vae-mlp-8d-20261124T120000", None), ("fashion-mnist-vae-2d", None),
     ("mnist-ae-2d", None)],
)  # fmt: skip
def test_shipped_size(name, size):
    assert shipped_size(name) == size


def model(name, latent_dim, recon, kl, **over) -> dict:
    m = {
        "name": name, "latent_dim": latent_dim, "kind": "vae", "dataset": "mnist", "beta": 1.0,
        "epochs": 80, "test": {"recon": recon, "kl": kl, "nelbo": recon + kl}, "active": latent_dim,
    }  # fmt: skip
    m.update(over)
    return m


def test_rows_keep_only_the_shipped_beta_1_mnist_vaes_sorted_by_size():
    models = [
        model("mnist-vae-16d", 16, 70.0, 30.0, active=12),
        model("mnist-vae-2d", 2, 133.6, 7.2),
        model("mnist-vae-8d", 8, 85.0, 25.0),
        model("mnist-vae-2d-beta4", 2, 150.0, 4.0, beta=4.0),
        model("mnist-ae-2d", 2, 120.0, 0.0, kind="ae"),
        model("fashion-mnist-vae-2d", 2, 240.0, 8.0, dataset="fashion-mnist"),
        model("mnist-vae-mlp-8d-20261124T120000", 8, 90.0, 20.0),
        model("mnist-vae-4d", 8, 90.0, 20.0),  # the name says 4, the model says 8: not trusted
        model("mnist-vae-32d", 32, 60.0, 31.0, test={}),  # no test metrics
    ]
    rows = latent_size_rows(models)
    assert [r["latent size"] for r in rows] == [2, 8, 16]
    assert all(tuple(r) == COLUMNS for r in rows)
    assert rows[2] == {
        "latent size": 16, "test recon": 70.0, "test KL": 30.0, "test −ELBO": 100.0,
        "epochs": 80, "active dims": 12, "model": "mnist-vae-16d",
    }  # fmt: skip
    assert latent_size_rows(models, dataset="fashion-mnist")[0]["model"] == "fashion-mnist-vae-2d"
    assert latent_size_rows([]) == []


def test_trend():
    rows = latent_size_rows(
        [model("mnist-vae-2d", 2, 133.6, 7.2), model("mnist-vae-8d", 8, 85.0, 25.0)]
    )
    assert trend(rows) == {"recon_falls": True, "kl_rises": True, "sizes": 2}
    rows.append({**rows[1], "latent size": 16, "test recon": 90.0, "test KL": 24.0})
    assert trend(rows) == {"recon_falls": False, "kl_rises": False, "sizes": 3}
    assert trend(rows[:1]) == {"recon_falls": False, "kl_rises": False, "sizes": 1}
