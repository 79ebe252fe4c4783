"""Projections of a latent space onto the map's plane: PCA, t-SNE, UMAP, and their cache."""

from __future__ import annotations

import numpy as np
import pytest

from vae import projection
from vae.projection import fit_pca, make_plane, projected_ellipse


def cloud(n: int = 300, d: int = 8, seed: int = 0) -> np.ndarray:
    """Points (n, d) with clearly ordered variances along random directions, off the origin."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(d, d)))
    scales = np.linspace(3.0, 0.2, d)
    return (rng.normal(size=(n, d)) * scales) @ basis.T + rng.normal(0, 2, d)


def test_pca_round_trip_of_points_in_the_plane():
    pca = fit_pca(cloud())
    p = np.random.default_rng(1).normal(0, 3, (50, 2))
    np.testing.assert_allclose(pca.transform(pca.inverse_transform(p)), p, atol=1e-10)


def test_inverse_of_any_plane_point_lies_in_the_span():
    x = cloud()
    pca = fit_pca(x)
    z = pca.inverse_transform(np.random.default_rng(2).uniform(-50, 50, (40, 2)))
    offset = z - pca.mean
    # nothing is left once the offset is projected onto the two components
    residual = offset - (offset @ pca.components.T) @ pca.components
    assert np.abs(residual).max() < 1e-9
    np.testing.assert_allclose(pca.components @ pca.components.T, np.eye(2), atol=1e-12)


def test_explained_variance_sums_sensibly():
    x = cloud(d=8)
    pca = fit_pca(x)
    r = pca.variance_ratio
    assert r.shape == (8,)
    assert r.sum() == pytest.approx(1.0)
    assert np.all(np.diff(r) <= 1e-12) and np.all(r >= 0)  # largest first
    # the plane holds the variance of the data it shows
    shown = pca.transform(x).var(0).sum() / (x - x.mean(0)).var(0).sum()
    assert shown == pytest.approx(r[:2].sum())
    titles = pca.axis_titles()
    assert titles[0].startswith("PC 1 (") and titles[0].endswith("% var)")


def test_pca_matches_scikit_learn_up_to_sign():
    from sklearn.decomposition import PCA as SkPCA

    x = cloud(d=6)
    ours = fit_pca(x)
    ref = SkPCA(2).fit(x)
    np.testing.assert_allclose(np.abs(ours.components), np.abs(ref.components_), atol=1e-8)
    np.testing.assert_allclose(ours.variance_ratio[:2], ref.explained_variance_ratio_, atol=1e-10)


def test_pca_signs_are_fixed():
    x = cloud()
    a, b = fit_pca(x), fit_pca(x[::-1].copy())
    np.testing.assert_allclose(a.components, b.components, atol=1e-10)
    largest = a.components[np.arange(2), np.abs(a.components).argmax(1)]
    assert np.all(largest > 0)


@pytest.mark.parametrize("shape", [(1, 4), (10, 1), (10,)])
def test_pca_refuses_too_little(shape):
    with pytest.raises(ValueError, match="PCA needs"):
        fit_pca(np.zeros(shape))


def test_pca_of_constant_points_does_not_divide_by_zero():
    pca = fit_pca(np.ones((5, 3)))
    assert np.all(pca.variance_ratio == 0)


def clusters(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three tight clusters of 30 points in 8-D: points (90, 8) float32 and labels (90,)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 10, (3, 8))
    x = np.concatenate([c + rng.normal(0, 0.3, (30, 8)) for c in centres]).astype(np.float32)
    return x, np.repeat(np.arange(3), 30)


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_embedding_shape_determinism_and_neighbours(method):
    x, label = clusters()
    embed = projection.EMBEDDINGS[method]
    a, b = embed(x, 0), embed(x, 0)
    assert a.shape == (90, 2) and a.dtype == np.float32 and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    # every point's nearest neighbour on the plane is from its own cluster
    d = np.linalg.norm(a[:, None] - a[None], axis=2) + np.eye(len(a)) * 1e9
    assert np.mean(label[d.argmin(1)] == label) == 1.0
    if method == "umap":  # t-SNE starts from PCA: nothing random is left for a seed to fix
        assert not np.array_equal(a, embed(x, 1))


def test_cached_embedding_computes_once(tmp_path, monkeypatch):
    x = cloud(n=60, d=4).astype(np.float32)
    calls = []

    def fake_tsne(points, seed):
        calls.append(seed)
        return np.arange(2 * len(points), dtype=np.float32).reshape(-1, 2)

    monkeypatch.setitem(projection.EMBEDDINGS, "tsne", fake_tsne)
    a = projection.cached_embedding(x, "tsne", tmp_path)
    b = projection.cached_embedding(x, "tsne", tmp_path)
    np.testing.assert_array_equal(a, b)
    assert calls == [0]
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 1 and files[0].startswith("tsne-") and files[0].endswith(".npy")
    # other points (a retrained model) get their own file, never the old one
    projection.cached_embedding(x + 1, "tsne", tmp_path)
    assert calls == [0, 0] and len(list(tmp_path.iterdir())) == 2


def test_cached_embedding_recomputes_a_damaged_file(tmp_path, monkeypatch):
    x = cloud(n=30, d=4).astype(np.float32)
    monkeypatch.setitem(projection.EMBEDDINGS, "umap", lambda p, s: np.ones((len(p), 2), "f4"))
    projection.cached_embedding(x, "umap", tmp_path)
    (path,) = tmp_path.iterdir()
    path.write_bytes(b"not an array")
    np.testing.assert_array_equal(projection.cached_embedding(x, "umap", tmp_path), 1)
    with pytest.raises(ValueError, match="method"):
        projection.cached_embedding(x, "pca", tmp_path)


def test_plane_of_a_2d_space_is_the_space_itself():
    mu = cloud(d=2).astype(np.float32)
    plane = make_plane(mu, "tsne")  # any method: 2-D is shown as it is
    assert plane.method == "latent" and plane.invertible
    np.testing.assert_array_equal(plane.xy, mu)
    np.testing.assert_array_equal(plane.to_latent([1.5, -2]), [[1.5, -2]])
    assert plane.axis_titles() == ["z\u2081", "z\u2082"]


def test_pca_plane_places_and_inverts():
    mu = cloud(d=8).astype(np.float32)
    plane = make_plane(mu, "pca")
    assert plane.invertible and plane.xy.shape == (300, 2)
    np.testing.assert_allclose(plane.place(mu[3]), plane.xy[3], atol=1e-5)
    z = plane.to_latent(plane.xy[:5])
    assert z.shape == (5, 8) and z.dtype == np.float32
    np.testing.assert_allclose(plane.pca.transform(z), plane.xy[:5], atol=1e-4)


def test_embedding_plane_places_by_nearest_point_and_has_no_inverse(tmp_path):
    mu, _ = clusters()
    plane = make_plane(mu, "tsne", cache=tmp_path)
    assert not plane.invertible
    assert plane.axis_titles() == ["t-SNE 1", "t-SNE 2"]
    np.testing.assert_array_equal(plane.place(mu[17] + 1e-4), plane.xy[17])
    with pytest.raises(ValueError, match="no inverse"):
        plane.to_latent([0, 0])
    with pytest.raises(ValueError, match="method"):
        make_plane(mu, "isomap")


def test_projected_ellipse_is_the_projected_gaussian():
    mu = cloud(d=5)
    pca = fit_pca(mu)
    z, logvar = mu[0], np.log(np.array([0.5, 1.0, 2.0, 0.1, 3.0]))
    e = projected_ellipse(pca, z, logvar, k=2, n=400)
    assert e.shape == (401, 2)
    np.testing.assert_allclose(e[0], e[-1])
    # every contour point is at Mahalanobis distance k under the projected covariance
    cov = pca.components @ np.diag(np.exp(logvar)) @ pca.components.T
    offset = e - pca.transform(z)[0]
    m = np.sqrt(np.einsum("ni,ij,nj->n", offset, np.linalg.inv(cov), offset))
    np.testing.assert_allclose(m, 2.0, atol=1e-9)
    with pytest.raises(ValueError):
        projected_ellipse(pca, z[:3], logvar[:3])


def test_distant_examples_pick_the_classes_farthest_apart():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [0.5, 0.0], [10.0, 0.0]])
    xy = np.concatenate([c + rng.normal(0, 0.1, (20, 2)) for c in centres])
    labels = np.repeat([3, 5, 8], 20)
    a, b = projection.distant_examples(xy, labels)
    assert {labels[a], labels[b]} == {3, 8}
    for i in (a, b):  # each is its class's most central point
        members = labels == labels[i]
        d = np.linalg.norm(xy[members] - xy[members].mean(0), axis=1)
        assert np.linalg.norm(xy[i] - xy[members].mean(0)) == pytest.approx(d.min())
    assert projection.distant_examples(xy[:3], np.zeros(3)) == (0, 1)
