"""The lesson's numbers (vae/lesson.py) against the formulas computed independently, and its
link value (views/lesson/frame.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal

from vae import lesson
from vae.model import VAE, VAEConfig
from views.lesson import frame


@pytest.mark.parametrize("z", [[0.0, 0.0], [1.5, -2.0], [-3.2, 0.7], [0.1, 0.2, -0.3]])
def test_log_prior_is_the_standard_normal_density(z):
    want = multivariate_normal(mean=np.zeros(len(z)), cov=np.eye(len(z))).logpdf(z)
    assert lesson.log_prior(z) == pytest.approx(want, abs=1e-9)


def test_log_prior_at_the_origin_in_2d_is_minus_log_2pi():
    assert lesson.log_prior([0, 0]) == pytest.approx(-math.log(2 * math.pi))


def test_kl_terms_match_the_closed_form_in_numpy():
    mu = np.array([1.094, -2.368, 0.0])
    sigma = np.array([0.057, 0.076, 1.0])
    logvar = np.log(sigma**2)
    want = -0.5 * (1 + np.log(sigma**2) - mu**2 - sigma**2)
    got = lesson.kl_terms(mu, logvar)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[2] == pytest.approx(0.0)  # q = N(0, 1) in that dimension: no KL
    assert got.sum() > 0


def test_kl_of_the_prior_itself_is_zero_and_grows_with_mu():
    assert lesson.kl_terms([0, 0], [0, 0]).sum() == pytest.approx(0.0)
    assert lesson.kl_terms([2, 0], [0, 0]).sum() == pytest.approx(2.0)  # ½ μ²


def test_kl_terms_refuse_mismatched_shapes():
    with pytest.raises(ValueError, match="differ in shape"):
        lesson.kl_terms([0, 0], [0, 0, 0])


def test_reparameterize_is_mu_plus_sigma_eps():
    mu, logvar, eps = np.array([1.0, -2.0]), np.log([0.25, 4.0]), np.array([2.0, -1.5])
    np.testing.assert_allclose(lesson.reparameterize(mu, logvar, eps), [1.0 + 0.5 * 2, -2.0 - 3])
    np.testing.assert_allclose(lesson.reparameterize(mu, logvar, [0, 0]), mu)
    with pytest.raises(ValueError, match="differ in shape"):
        lesson.reparameterize(mu, logvar, [1.0])


def test_digit_loss_is_bce_at_mu_plus_kl():
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=2, hidden=(16,))).eval()
    rng = np.random.default_rng(0)
    x = (rng.random((28, 28)) > 0.7).astype(np.float32)
    mu, logvar = np.array([0.3, -0.8]), np.array([-1.0, -2.0])
    parts = lesson.digit_loss(model, x, mu, logvar)
    with torch.no_grad():
        p = model.decode(torch.tensor(mu, dtype=torch.float32)[None]).numpy().ravel()
    p = p.astype(np.float64)
    bce = -np.sum(x.ravel() * np.log(p) + (1 - x.ravel()) * np.log(1 - p))
    assert parts.bce == pytest.approx(bce, rel=1e-4)
    sigma2 = np.exp(logvar)
    kl = -0.5 * np.sum(1 + logvar - mu**2 - sigma2)
    assert parts.kl == pytest.approx(kl, rel=1e-9)
    assert sum(parts.kl_terms) == pytest.approx(parts.kl)
    assert parts.total == pytest.approx(bce + kl, rel=1e-4)


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        (None, (None, False)),
        ("1", (1, False)),
        ("7", (7, False)),
        (" 3 ", (3, False)),
        ("0", (1, True)),
        ("8", (1, True)),
        ("-2", (1, True)),
        ("2.5", (1, True)),
        ("three", (1, True)),
        ("", (1, True)),
        ("３", (1, True)),  # a full-width digit is not what the app writes
    ],
)
def test_the_links_lesson_value(raw, want):
    assert frame.parse_step(raw) == want


# ---- the page's wiring without a browser (AppTest; tests/browser/test_lesson.py has the rest)
def lesson_app(params: dict):
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP, TIMEOUT

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def link(at, key: str) -> str | None:
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) else value


def test_a_lesson_link_opens_its_step_and_next_prev_and_leaving_follow_in_the_link():
    at = lesson_app({"lesson": "4", "lang": "zh"})
    assert at.header[0].value.startswith("4. 一个数字的损失")
    assert any("BCE" in x.value and "KL" in x.value for x in at.latex)
    assert not at.tabs  # the lesson instead of the explorer
    at.button(key="lesson_next").click().run()
    assert at.header[0].value.startswith("5.") and link(at, "lesson") == "5"
    assert link(at, "lang") == "zh"
    at.button(key="lesson_prev").click().run()
    at.button(key="lesson_prev").click().run()
    assert at.header[0].value.startswith("3.") and link(at, "lesson") == "3"
    at.toggle(key="lesson_on").set_value(False).run()  # back to the explorer
    assert not at.exception and at.tabs and "lesson" not in at.query_params
    at.toggle(key="lesson_on").set_value(True).run()  # and in again, where the reader was
    assert at.header[0].value.startswith("3.") and link(at, "lesson") == "3"


def test_a_link_to_no_step_opens_step_1_with_a_notice():
    at = lesson_app({"lesson": "12"})
    assert at.header[0].value.startswith("1.")
    assert "“12”" in at.warning[0].value and "1 to 7" in at.warning[0].value
    assert link(at, "lesson") == "1"
