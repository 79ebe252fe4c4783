"""Latent-space geometry: interpolation, ellipses, grids, neighbours, encoding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vae import latent
from vae.model import VAE, VAEConfig


@pytest.mark.parametrize("method", latent.INTERPOLATIONS)
def test_interpolate_hits_both_endpoints(method):
    a, b = np.array([1.0, -2.0]), np.array([-3.0, 0.5])
    path = latent.interpolate(a, b, np.linspace(0, 1, 7), method)
    assert path.shape == (7, 2)
    np.testing.assert_allclose(path[0], a, atol=1e-6)
    np.testing.assert_allclose(path[-1], b, atol=1e-6)


def test_linear_is_evenly_spaced():
    path = latent.interpolate([0, 0], [4, 2], np.linspace(0, 1, 5), "linear")
    steps = np.diff(path, axis=0)
    np.testing.assert_allclose(steps, np.tile([1.0, 0.5], (4, 1)), atol=1e-6)


def test_slerp_keeps_radius_between_endpoint_norms():
    a, b = np.array([2.0, 0.0]), np.array([0.0, 2.0])
    path = latent.interpolate(a, b, np.linspace(0, 1, 11), "spherical")
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 2.0, atol=1e-5)
    # the linear path cuts the corner instead
    mid = latent.interpolate(a, b, 0.5, "linear")[0]
    assert np.linalg.norm(mid) < 1.5


@pytest.mark.parametrize(
    "a, b",
    [([1.0, 1.0], [2.0, 2.0]), ([0.0, 0.0], [1.0, 2.0]), ([1.0, 0.0], [-1.0, 0.0])],
    ids=["parallel", "zero", "antiparallel"],
)
def test_slerp_falls_back_to_linear_when_undefined(a, b):
    t = np.linspace(0, 1, 5)
    np.testing.assert_allclose(
        latent.interpolate(a, b, t, "spherical"), latent.interpolate(a, b, t, "linear"), atol=1e-6
    )


def test_interpolate_rejects_bad_input():
    with pytest.raises(ValueError, match="method"):
        latent.interpolate([0, 0], [1, 1], 0.5, "cubic")
    with pytest.raises(ValueError, match="shape"):
        latent.interpolate([0, 0], [1, 1, 1], 0.5)


def test_interpolate_works_in_many_dimensions():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=16), rng.normal(size=16)
    assert latent.interpolate(a, b, [0, 0.3, 1], "spherical").shape == (3, 16)


@pytest.mark.parametrize("k", [1.0, 2.0])
def test_ellipse_has_k_sigma_semi_axes(k):
    mu, logvar = np.array([1.0, -1.0]), np.log(np.array([0.25, 4.0]))  # sigma 0.5, 2
    e = latent.ellipse(mu, logvar, k, n=64)
    assert e.shape == (65, 2)
    np.testing.assert_allclose(e[0], e[-1])  # closed
    np.testing.assert_allclose(e.max(0) - mu, [0.5 * k, 2.0 * k], rtol=1e-3)
    np.testing.assert_allclose(mu - e.min(0), [0.5 * k, 2.0 * k], rtol=1e-3)
    # every point satisfies the ellipse equation
    r = ((e - mu) / (k * np.array([0.5, 2.0]))) ** 2
    np.testing.assert_allclose(r.sum(1), 1.0, atol=1e-9)


def test_ellipse_rejects_bad_input():
    with pytest.raises(ValueError):
        latent.ellipse([0, 0, 0], [0, 0, 0])
    with pytest.raises(ValueError):
        latent.ellipse([0, 0], [0, 0], k=0)


def test_grid_is_row_major_with_top_row_first():
    z = latent.grid((-1, 1), (-2, 2), 4)
    assert z.shape == (16, 2)
    rows = z.reshape(4, 4, 2)
    assert np.all(np.diff(rows[:, 0, 1]) < 0)  # y decreases down the rows: up is up
    assert np.all(np.diff(rows[0, :, 0]) > 0)  # x increases along a row
    np.testing.assert_allclose(rows[0, 0], [-0.75, 1.5])  # cell centres, not edges
    np.testing.assert_allclose(z.mean(0), [0, 0], atol=1e-6)


def test_grid_accepts_reversed_ranges_and_rejects_empty():
    np.testing.assert_allclose(latent.grid((1, -1), (2, -2), 3), latent.grid((-1, 1), (-2, 2), 3))
    with pytest.raises(ValueError):
        latent.grid((0, 1), (0, 1), 0)


def test_tile_places_images_row_major_with_gaps():
    images = np.stack([np.full((2, 3), i, np.float32) for i in range(5)])
    mosaic = latent.tile(images, columns=3, gap=1, fill=-1)
    assert mosaic.shape == (2 * 2 + 1, 3 * 3 + 2)
    assert mosaic[0, 0] == 0 and mosaic[0, 4] == 1 and mosaic[3, 0] == 3 and mosaic[3, 4] == 4
    assert mosaic[2, 0] == -1  # gap row
    assert mosaic[3, 8] == -1  # missing sixth image


def test_nearest_orders_by_distance():
    points = np.array([[0, 0], [5, 5], [1, 0], [0, 2]], np.float32)
    assert latent.nearest(points, [0.1, 0], 3).tolist() == [0, 2, 3]
    assert latent.nearest(points, [9, 9], 10).tolist() == [1, 3, 2, 0]
    assert latent.nearest(np.zeros((0, 2)), [0, 0]).size == 0


@pytest.mark.parametrize("kind", ["vae", "ae"])
def test_encode_images_batches_agree_with_one_pass(kind):
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=3, kind=kind, hidden=(32, 16))).eval()
    x = torch.rand(25, 1, 28, 28)
    enc = latent.encode_images(model, x, batch_size=7)
    with torch.no_grad():
        mu, logvar = model.encode(x)
    np.testing.assert_allclose(enc.mu, mu.numpy(), atol=1e-6)
    if kind == "vae":
        np.testing.assert_allclose(enc.logvar, logvar.numpy(), atol=1e-6)
    else:
        assert enc.logvar is None


def test_decode_and_elbo_shapes_and_determinism():
    torch.manual_seed(0)
    model = VAE(VAEConfig(hidden=(32, 16))).eval()
    assert latent.decode(model, [0.0, 0.0]).shape == (1, 28, 28)
    x = torch.rand(4, 1, 28, 28)
    score, recon, kl = latent.elbo(model, x, samples=4, seed=1)
    assert score.shape == recon.shape == kl.shape == (4,)
    np.testing.assert_allclose(score, -(recon + kl), rtol=1e-6)
    np.testing.assert_array_equal(score, latent.elbo(model, x, samples=4, seed=1)[0])


def test_prior_samples_are_seeded_and_shaped():
    a = latent.prior_samples(2, 64, seed=7)
    assert a.shape == (64, 2) and a.dtype == np.float32
    assert np.array_equal(a, latent.prior_samples(2, 64, seed=7))
    assert not np.array_equal(a, latent.prior_samples(2, 64, seed=8))
    # the first rows do not depend on how many are drawn (one stream per seed)
    assert np.array_equal(latent.prior_samples(2, 8, seed=7), a[:8])
    assert latent.prior_samples(16, 0, seed=0).shape == (0, 16)


def test_prior_samples_have_standard_normal_moments():
    z = latent.prior_samples(3, 200_000, seed=0).astype(np.float64)
    assert np.abs(z.mean(0)).max() < 0.01  # standard error 1/sqrt(200k) = 0.0022
    assert np.abs(z.std(0) - 1).max() < 0.01
    assert np.abs(np.corrcoef(z.T) - np.eye(3)).max() < 0.01
    assert np.abs(np.mean(z**4, axis=0) - 3).max() < 0.1  # Gaussian kurtosis


def test_prior_samples_reject_bad_sizes():
    with pytest.raises(ValueError):
        latent.prior_samples(0, 4, seed=0)
    with pytest.raises(ValueError):
        latent.prior_samples(2, -1, seed=0)


def test_prior_radius_matches_closed_form_and_sampling():
    assert latent.prior_radius(2, 0.99) == pytest.approx(np.sqrt(-2 * np.log(0.01)))
    assert latent.prior_radius(1, 0.95) == pytest.approx(1.959964, abs=1e-5)
    z = latent.prior_samples(8, 100_000, seed=1)
    r = latent.prior_radius(8, 0.9)
    assert latent.share_inside(z, r) == pytest.approx(0.9, abs=0.005)
    with pytest.raises(ValueError):
        latent.prior_radius(2, 1.0)


def test_share_inside_counts_points_in_the_ball():
    points = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 4.0], [0.0, -2.0]])
    assert latent.share_inside(points, 2.5) == 0.75
    assert latent.share_inside(points, 0.5) == 0.25
    assert latent.share_inside(np.zeros((0, 2)), 1.0) == 0.0


def test_nearest_labels_is_a_one_nearest_neighbour_classifier():
    rng = np.random.default_rng(0)
    reference = rng.random((50, 28, 28)).astype(np.float32)
    labels = np.arange(50) % 10
    noisy = reference[[3, 17, 42]] + rng.normal(0, 0.01, (3, 28, 28)).astype(np.float32)
    assert latent.nearest_labels(noisy, reference, labels, batch_size=2).tolist() == [3, 7, 2]
    with pytest.raises(ValueError):
        latent.nearest_labels(noisy, reference[:, :14], labels)


def test_posterior_samples_are_seeded_and_shaped():
    mu, logvar = np.array([0.5, -1.0, 2.0]), np.array([-2.0, 0.0, 1.0])
    a = latent.posterior_samples(mu, logvar, 8, seed=3)
    assert a.shape == (8, 3) and a.dtype == np.float32
    np.testing.assert_array_equal(a, latent.posterior_samples(mu, logvar, 8, seed=3))
    assert not np.allclose(a, latent.posterior_samples(mu, logvar, 8, seed=4))
    assert latent.posterior_samples(mu, logvar, 0, seed=0).shape == (0, 3)


def test_posterior_samples_match_mu_and_sigma_for_large_n():
    mu, logvar = np.array([1.5, -0.25]), np.log(np.array([0.04, 2.25]))  # sigma 0.2 and 1.5
    z = latent.posterior_samples(mu, logvar, 200_000, seed=0)
    # standard errors are sigma / sqrt(n) ~ 0.0034 for the wider axis: 5 of them is ~0.017
    np.testing.assert_allclose(z.mean(0), mu, atol=0.02)
    np.testing.assert_allclose(z.std(0), [0.2, 1.5], rtol=0.01)
    assert abs(np.corrcoef(z.T)[0, 1]) < 0.01  # diagonal covariance: independent axes


def test_posterior_samples_reject_bad_input():
    with pytest.raises(ValueError):
        latent.posterior_samples(np.zeros(2), np.zeros(3), 4, seed=0)
    with pytest.raises(ValueError):
        latent.posterior_samples(np.zeros(2), np.zeros(2), -1, seed=0)


def test_nearest_neighbours_of_an_encoded_point_start_with_itself():
    points = np.random.default_rng(1).normal(size=(500, 2)).astype(np.float32)
    idx = latent.nearest(points, points[42], 8)
    assert idx[0] == 42 and len(set(idx.tolist())) == 8
    d = np.linalg.norm(points[idx] - points[42], axis=1)
    assert np.all(np.diff(d) >= 0)
    assert d[-1] <= np.sort(np.linalg.norm(points - points[42], axis=1))[7] + 1e-7
