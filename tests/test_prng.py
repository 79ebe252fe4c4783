"""The PRNG Python shares with the page's JavaScript (vae/prng.py; its twin is
components/latent_map/core/prng.js).

The two are checked against each other in the browser (tests/browser/test_explorer.py);
these pin Python's side to mulberry32's published sequence and check its statistics.
"""

from __future__ import annotations

import numpy as np

from vae import latent, prng


def test_mulberry32_matches_its_reference_sequence():
    # mulberry32 seeded with 1: its first outputs as uint32, from the reference JavaScript
    # (bryc's PRNG collection), run in node
    first = prng.uniforms(1, 3) * 4294967296
    assert first.astype(np.uint64).tolist() == [2693262067, 11749833, 2265367787]


def test_uniforms_and_normals_have_the_right_statistics():
    u = prng.uniforms(7, 20_000)
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    z = prng.normals(7, 20_001)  # odd n: the last pair is cut
    assert len(z) == 20_001 and abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03


def test_same_seed_same_draws_other_seed_other_draws():
    assert np.array_equal(prng.normals(3, 16), prng.normals(3, 16))
    assert not np.array_equal(prng.normals(3, 16), prng.normals(4, 16))
    assert np.array_equal(prng.normals(3, 5), prng.normals(3, 16)[:5])


def test_posterior_samples_use_the_shared_prng():
    mu, logvar = np.array([0.5, -1.0]), np.log(np.array([0.04, 0.09]))
    z = latent.posterior_samples(mu, logvar, 4, seed=2)
    eps = prng.normals(2, 8).reshape(4, 2)
    assert np.allclose(z, mu + np.sqrt(np.exp(logvar)) * eps, atol=1e-6)
