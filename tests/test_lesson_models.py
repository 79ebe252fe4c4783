"""The lesson's steps 5-7 measure (vae/lesson_models.py): each figure against an independent
numpy computation of the same thing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from vae import lesson_models as lm
from vae import prng
from vae.latent_size import ACTIVE_KL_NATS
from vae.model import VAE, VAEConfig


def tiny(kind: str = "vae", latent_dim: int = 3) -> VAE:
    torch.manual_seed(0)
    return VAE(VAEConfig(latent_dim=latent_dim, kind=kind, hidden=(32, 16))).eval()


def an_image(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.zeros((28, 28), np.float32)
    image[6:22, 12:16] = rng.uniform(0.6, 1.0, (16, 4))  # a stroke, in [0, 1]
    return image


def numpy_bce(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """-log p(x|z) of Bernoulli pixels, summed per image: p (S, 784), x (784,)."""
    p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    return -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1)


def test_nearest_code_is_the_brute_force_minimum():
    rng = np.random.default_rng(0)
    mu = rng.normal(size=(300, 2))
    z = np.array([0.3, -1.2])
    found = lm.nearest_code(mu, z)
    d = np.sqrt(((mu - z) ** 2).sum(1))
    assert found.index == int(d.argmin())
    assert found.distance == pytest.approx(d.min())
    on_a_code = lm.nearest_code(mu, mu[17])
    assert on_a_code == (17, 0.0)


def test_gap_distance_is_the_quantile_of_nearest_neighbour_distances():
    rng = np.random.default_rng(1)
    mu = rng.normal(size=(200, 2))
    d = np.sqrt(((mu[:, None] - mu[None]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    want = np.quantile(d.min(1), 0.99)
    assert lm.gap_distance(mu) == pytest.approx(want)
    assert lm.gap_distance(mu, 0.5) == pytest.approx(np.quantile(d.min(1), 0.5))
    # two clusters far apart: their midpoint is a gap, a code is not
    clusters = np.concatenate([rng.normal(-5, 0.3, (100, 2)), rng.normal(5, 0.3, (100, 2))])
    gap = lm.gap_distance(clusters)
    assert lm.nearest_code(clusters, (0, 0)).distance > gap
    assert lm.nearest_code(clusters, clusters[3] + 0.01).distance < gap


def test_nearest_image_is_the_brute_force_rms_minimum():
    rng = np.random.default_rng(2)
    images = rng.uniform(size=(50, 28, 28)).astype(np.float32)
    image = images[9] * 0.9 + 0.05
    found = lm.nearest_image(image, images)
    rms = np.sqrt(((images.reshape(50, -1) - image.ravel()) ** 2).mean(1))
    assert found.index == int(rms.argmin()) == 9
    assert found.distance == pytest.approx(rms.min(), rel=1e-6)
    assert lm.nearest_image(images[4], images) == (4, pytest.approx(0.0, abs=1e-6))


def test_decoded_nearest_decodes_z_first():
    model = tiny(latent_dim=2)
    z = np.float32([0.5, -0.5])
    with torch.no_grad():
        decoded = model.decode(torch.from_numpy(z[None])).numpy().reshape(28, 28)
    images = np.stack([np.zeros((28, 28)), decoded, np.ones((28, 28))]).astype(np.float32)
    assert lm.decoded_nearest(model, z, images) == (1, pytest.approx(0.0, abs=1e-6))


def test_image_loss_of_a_vae_matches_numpy():
    model = tiny(latent_dim=3)
    x = an_image()
    found = lm.image_loss(model, x, samples=16, seed=5)
    with torch.no_grad():
        mu_t, logvar_t = model.encode(torch.from_numpy(x).reshape(1, 1, 28, 28))
    mu, logvar = mu_t.numpy()[0].astype(np.float64), logvar_t.numpy()[0].astype(np.float64)
    # the KL in closed form, per dimension and in all
    kl_dims = -0.5 * (1 + logvar - mu**2 - np.exp(logvar))
    assert np.allclose(found["kl_dims"], kl_dims, rtol=1e-5, atol=1e-7)
    assert found["kl"] == pytest.approx(kl_dims.sum(), rel=1e-5)
    assert found["active"] == int((kl_dims > ACTIVE_KL_NATS).sum())
    assert np.allclose(found["mu"], mu) and np.allclose(found["logvar"], logvar)
    # the reconstruction term: z = mu + sigma * eps with the page's seeded normals
    eps = prng.normals(5, 16 * 3).reshape(16, 3)
    z = (mu + np.exp(0.5 * logvar) * eps).astype(np.float32)
    with torch.no_grad():
        p = model.decode(torch.from_numpy(z)).numpy().reshape(16, -1)
    assert found["recon"] == pytest.approx(numpy_bce(x.ravel(), p).mean(), rel=1e-4)
    # seeded: the same image gets the same figure; another seed another one
    assert lm.image_loss(model, x, samples=16, seed=5)["recon"] == found["recon"]
    assert lm.image_loss(model, x, samples=16, seed=6)["recon"] != found["recon"]


def test_image_loss_of_an_autoencoder_is_the_bce_of_its_decoded_code():
    model = tiny("ae", latent_dim=2)
    x = an_image(1)
    found = lm.image_loss(model, x)
    assert found["kl"] is None and found["kl_dims"] is None and found["active"] is None
    with torch.no_grad():
        mu, _ = model.encode(torch.from_numpy(x).reshape(1, 1, 28, 28))
        p = model.decode(mu).numpy().reshape(1, -1)
    assert found["recon"] == pytest.approx(numpy_bce(x.ravel(), p)[0], rel=1e-4)


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(ValueError, match="need codes"):
        lm.nearest_code(np.zeros((0, 2)), (0, 0))
    with pytest.raises(ValueError, match="need codes"):
        lm.nearest_code(np.zeros((5, 3)), (0, 0))
    with pytest.raises(ValueError, match="at least two codes"):
        lm.gap_distance(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="shapes do not match"):
        lm.nearest_image(np.zeros((28, 28)), np.zeros((3, 27, 27)))
    with pytest.raises(ValueError, match="samples >= 1"):
        lm.image_loss(tiny(), an_image(), samples=0)


# ---- the steps' wiring without a browser (streamlit.testing AppTest, small untrained models) --
APP = Path(__file__).resolve().parents[1] / "page.py"


def save_model(
    folder: Path, name: str, kind: str = "vae", beta: float = 1.0, d: int = 2, hidden=(32,)
) -> None:
    from vae.checkpoint import save_checkpoint

    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=d, kind=kind, hidden=hidden))
    test = {"nelbo": 150.0 + beta, "recon": 140.0 + beta, "kl": 10.0 if kind == "vae" else 0.0}
    meta = {"dataset": "mnist", "epochs": 0, "test": test}
    save_checkpoint(folder / name, model, meta, train={"beta": beta})


def lesson_step(folder: Path, step: int, monkeypatch, lang: str = "en"):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LATENT_EXPLORER_CHECKPOINTS", str(folder))
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.query_params["lesson"] = str(step)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_a_step_names_the_shipped_models_it_lacks(tmp_path, monkeypatch):
    save_model(tmp_path, "mnist-vae-2d.pt")
    for step, lacking in ((5, ["mnist-ae-2d.pt"]),
                          (6, ["mnist-vae-2d-beta0.25.pt", "mnist-vae-2d-beta4.pt"]),
                          (7, ["mnist-vae-8d.pt", "mnist-vae-16d.pt"])):  # fmt: skip
        at = lesson_step(tmp_path, step, monkeypatch, "zh")
        errors = " ".join(e.value for e in at.error)
        assert all(name in errors for name in lacking), (step, errors)
        assert at.latex, "the formula is drawn even without the models"


def test_beta_step_shows_a_clicked_digits_own_terms_under_the_chosen_beta(tmp_path, monkeypatch):
    from vae.checkpoint import load_checkpoint
    from vae.data import load_splits

    for name, beta in (("mnist-vae-2d-beta0.25.pt", 0.25), ("mnist-vae-2d.pt", 1.0),
                       ("mnist-vae-2d-beta4.pt", 4.0)):  # fmt: skip
        save_model(tmp_path, name, beta=beta)
    at = lesson_step(tmp_path, 6, monkeypatch)
    table = at.table[0].value
    assert list(table.index) == ["0.25", "1 ◀", "4"]  # the three β, the chosen one marked
    assert table.iloc[2]["BCE + β·KL (nats)"] == f"{144.0 + 4 * 10.0:.1f}"
    assert "Click a digit" in shown(at)
    at.session_state["lm_beta_digit"] = 7  # what a click on test digit #7 leaves
    at.radio(key="lm_beta").set_value(str(tmp_path / "mnist-vae-2d-beta4.pt")).run()
    assert not at.exception, [e.value for e in at.exception]
    image = load_splits("mnist").test.images[7].numpy() / 255.0
    model = load_checkpoint(tmp_path / "mnist-vae-2d-beta4.pt").model
    want = lm.image_loss(model, image)
    text = shown(at)
    assert "**Test digit #7**" in text and "β = 4" in text
    assert f"BCE **{want['recon']:.1f}** nats, KL **{want['kl']:.2f}** nats" in text
    assert f"β·KL = {4 * want['kl']:.2f}" in text


def test_dimensions_step_lists_a_clicked_digits_kl_per_dimension(tmp_path, monkeypatch):
    from vae.checkpoint import load_checkpoint
    from vae.data import load_splits

    save_model(tmp_path, "mnist-vae-8d.pt", d=8)
    save_model(tmp_path, "mnist-vae-16d.pt", d=16)
    # English: AppTest's second run formats the frame's step picker outside the session,
    # in English, and would not find a Chinese option
    at = lesson_step(tmp_path, 7, monkeypatch)
    at.session_state["lm_dims_digit"] = 11
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    x = load_splits("mnist").test.images[11].numpy() / 255.0
    with torch.no_grad():
        mu, logvar = load_checkpoint(tmp_path / "mnist-vae-8d.pt").model.encode(
            torch.from_numpy(x).reshape(1, 1, 28, 28).float()
        )
    mu, logvar = mu.numpy()[0].astype(np.float64), logvar.numpy()[0].astype(np.float64)
    kl = -0.5 * (1 + logvar - mu**2 - np.exp(logvar))  # numpy's closed form, per dimension
    text = shown(at)
    assert ", ".join(f"{v:.2f}" for v in kl) in text
    active = int((kl > ACTIVE_KL_NATS).sum())
    assert f"**{active} of 8 dimensions**" in text
    filled = " ".join(f.value for f in at.latex)  # the formula with this digit's numbers
    assert f"= {kl.sum():.2f}" in filled and rf"\}} = {active}" in filled


def test_step5_says_whether_the_two_models_are_the_same_network(tmp_path):
    from views.lesson.models import networks

    save_model(tmp_path, "vae.pt", hidden=(64, 32))
    save_model(tmp_path, "same-ae.pt", kind="ae", hidden=(64, 32))
    save_model(tmp_path, "other-ae.pt", kind="ae", hidden=(32,))
    vae = str(tmp_path / "vae.pt")
    assert "same network (784-64-32-2" in networks(str(tmp_path / "same-ae.pt"), vae)
    other = networks(str(tmp_path / "other-ae.pt"), vae)
    assert "more than the KL term" in other and "784-32-2" in other and "784-64-32-2" in other
