"""The network, the reparameterization trick and the loss."""

import math

import pytest
import torch

from vae.model import VAE, VAEConfig, kl_to_standard_normal

CONFIGS = [
    VAEConfig(),
    VAEConfig(latent_dim=8, arch="conv"),
    VAEConfig(kind="ae"),
    VAEConfig(latent_dim=3, arch="conv", kind="ae"),
    VAEConfig(activation="gelu"),
    VAEConfig(latent_dim=3, arch="conv", activation="gelu"),
]


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_shapes_and_finite_losses(config, batch):
    model = VAE(config)
    mu, logvar = model.encode(batch)
    assert mu.shape == (8, config.latent_dim)
    assert (logvar is None) == (config.kind == "ae")
    if logvar is not None:
        assert logvar.shape == mu.shape
    images = model.decode(mu)
    assert images.shape == (8, 1, 28, 28)
    assert images.min() >= 0 and images.max() <= 1
    parts = model.loss(batch, beta=0.5)
    for value in parts:
        assert value.ndim == 0 and torch.isfinite(value)
    assert parts.recon > 0
    assert torch.allclose(parts.total, parts.recon + 0.5 * parts.kl)
    if config.kind == "ae":
        assert parts.kl == 0


def test_kl_closed_form_matches_monte_carlo():
    torch.manual_seed(0)
    mu = torch.tensor([[0.5, -1.0], [2.0, 0.3]])
    logvar = torch.tensor([[-0.5, 0.2], [-2.0, 1.0]])
    closed = kl_to_standard_normal(mu, logvar)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    z = q.sample((200_000,))  # (S, 2, 2)
    p = torch.distributions.Normal(0.0, 1.0)
    monte_carlo = (q.log_prob(z) - p.log_prob(z)).sum(-1).mean(0)
    assert torch.allclose(closed, monte_carlo, atol=0.02), (closed, monte_carlo)
    # and against torch's own analytic KL
    reference = torch.distributions.kl_divergence(q, p).sum(-1)
    assert torch.allclose(closed, reference, atol=1e-5)


def test_kl_is_zero_only_at_the_prior():
    zero = torch.zeros(1, 4)
    assert kl_to_standard_normal(zero, zero).item() == pytest.approx(0.0, abs=1e-7)
    assert kl_to_standard_normal(zero + 0.1, zero).item() > 0


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_gradients_reach_every_parameter(config, batch):
    torch.manual_seed(0)
    model = VAE(config)
    model.loss(batch).total.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


def test_reparameterization_is_differentiable_in_mu_and_logvar():
    model = VAE()
    mu = torch.zeros(4, 2, requires_grad=True)
    logvar = torch.zeros(4, 2, requires_grad=True)
    z = model.reparameterize(mu, logvar, torch.Generator().manual_seed(1))
    z.pow(2).sum().backward()
    assert mu.grad.abs().sum() > 0 and logvar.grad.abs().sum() > 0


def test_reparameterize_samples_have_the_posterior_moments():
    model = VAE()
    mu = torch.full((100_000, 2), 1.5)
    logvar = torch.full((100_000, 2), math.log(0.25))
    z = model.reparameterize(mu, logvar, torch.Generator().manual_seed(0))
    assert z.mean().item() == pytest.approx(1.5, abs=0.01)
    assert z.std().item() == pytest.approx(0.5, abs=0.01)


def test_ae_code_is_deterministic(batch):
    model = VAE(VAEConfig(kind="ae"))
    mu, logvar = model.encode(batch)
    assert torch.equal(model.reparameterize(mu, logvar), mu)


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_tiny_model_overfits_a_small_batch(arch, batch):
    torch.manual_seed(0)
    model = VAE(VAEConfig(arch=arch, hidden=(128, 64)))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = model.loss(batch).total.item()
    for _ in range(300):
        optimizer.zero_grad()
        loss = model.loss(batch).total
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.6 * first, (first, loss.item())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"latent_dim": 0},
        {"latent_dim": 2.5},
        {"arch": "rnn"},
        {"kind": "gan"},
        {"hidden": ()},
        {"hidden": (0,)},
        {"activation": "tanh"},
    ],
)
def test_bad_config_is_refused(kwargs):
    with pytest.raises(ValueError):
        VAEConfig(**kwargs)


def test_config_round_trips_through_a_dict():
    config = VAEConfig(latent_dim=16, arch="conv", kind="ae", hidden=(64, 32))
    assert VAEConfig.from_dict(config.to_dict()) == config
    gelu = VAEConfig(activation="gelu")
    assert VAEConfig.from_dict(gelu.to_dict()) == gelu


def test_a_config_saved_before_the_activation_field_is_relu():
    """Checkpoints written before `activation` existed were all ReLU networks."""
    old = {k: v for k, v in VAEConfig(activation="gelu").to_dict().items() if k != "activation"}
    assert VAEConfig.from_dict(old).activation == "relu"
    model = VAE(VAEConfig.from_dict(old))
    assert any(isinstance(m, torch.nn.ReLU) for m in model.decoder.modules())
    assert not any(isinstance(m, torch.nn.GELU) for m in model.modules())


def test_gelu_is_its_tanh_form_in_encoder_and_decoder():
    model = VAE(VAEConfig(activation="gelu"))
    for part in (model.encoder, model.decoder):
        found = [m for m in part.modules() if isinstance(m, torch.nn.GELU)]
        assert found and all(m.approximate == "tanh" for m in found)
        assert not any(isinstance(m, torch.nn.ReLU) for m in part.modules())


def test_dropout_is_encoder_only_and_off_at_eval(batch):
    model = VAE(VAEConfig(dropout=0.5))
    assert any(isinstance(m, torch.nn.Dropout) for m in model.encoder.modules())
    assert not any(isinstance(m, torch.nn.Dropout) for m in model.decoder.modules())
    model.eval()
    assert torch.equal(model.encode(batch)[0], model.encode(batch)[0])
    model.train()
    assert not torch.equal(model.encode(batch)[0], model.encode(batch)[0])


@pytest.mark.parametrize("dropout", [-0.1, 1.0])
def test_bad_dropout_is_refused(dropout):
    with pytest.raises(ValueError, match="dropout"):
        VAEConfig(dropout=dropout)


def test_refined_posterior_tightens_the_elbo(mnist):
    from vae.train import evaluate_elbo

    torch.manual_seed(0)
    model = VAE(VAEConfig(hidden=(64, 32)))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    x = mnist.train.float_images()[:1000]
    for i in range(0, 1000, 50):  # a rough model whose encoder is far from optimal
        optimizer.zero_grad()
        model.loss(x[i : i + 50]).total.backward()
        optimizer.step()
    optimizer.zero_grad()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    test = mnist.test.float_images()[:300]
    amortized = evaluate_elbo(model, test)["nelbo"]
    refined = evaluate_elbo(model, test, refine_steps=30)["nelbo"]
    assert refined < amortized - 0.5, (amortized, refined)
    assert all(p.grad is None for p in model.parameters())  # no weight gradients computed
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_refine_refuses_a_plain_autoencoder(batch):
    with pytest.raises(ValueError, match="no posterior"):
        VAE(VAEConfig(kind="ae")).refine_posterior(batch)


def test_encoder_loss_trains_the_encoder_and_leaves_the_decoder_alone(batch):
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=2, hidden=(32,)))
    loss = model.encoder_loss(batch, generator=torch.Generator().manual_seed(0))
    loss.backward()
    assert torch.isfinite(loss) and loss > 0
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.encoder.parameters())
    assert all(p.grad is None for p in model.decoder.parameters())
    # the same number as the ordinary negative ELBO with the same noise
    full = model.loss(batch, generator=torch.Generator().manual_seed(0)).total
    assert torch.allclose(loss, full)
