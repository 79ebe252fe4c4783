"""Score a checkpoint on a test set and print one JSON object.

    python -m vae.evaluate --checkpoint checkpoints/mnist-vae-2d.pt

Prints the negative ELBO split into reconstruction and KL, with q(z|x) straight
from the encoder and (under "refined") refined per image by gradient steps
(semi-amortized inference, `VAE.refine_posterior`), and an
importance-weighted estimate of -log p(x) (Burda et al. 2016, "IWAE"):

    log p(x) ~= logsumexp_k [log p(x|z_k) + log p(z_k) - log q(z_k|x)] - log K,
    z_k ~ q(z|x), k = 1..K.

It is a stochastic upper bound on -log p(x) that tightens as K grows;
with K = 1 it equals the negative ELBO. All figures are nats per image.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import torch

from vae.checkpoint import CheckpointError, load_checkpoint
from vae.data import DATASETS, DatasetError, load_splits
from vae.device import DEVICES, DeviceError, device_of, resolve_device
from vae.model import VAE, bce_per_image
from vae.train import evaluate_elbo

LOG_2PI = math.log(2 * math.pi)


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag(exp logvar)) summed over the last dimension."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(dim=-1)


@torch.no_grad()
def iwae_nll(
    model: VAE,
    images: torch.Tensor,
    k: int = 1000,
    seed: int = 0,
    max_decodes: int = 50_000,
    refine_steps: int = 0,
) -> torch.Tensor:
    """Per-image importance-weighted estimate of -log p(x) in nats, shape (N,).

    images: (N, 1, 28, 28) in [0, 1]. Decodes in chunks of at most `max_decodes`
    images x samples so memory stays bounded (about 160 MB per 50,000). With
    refine_steps the proposal is the encoder's q refined per image: still a valid
    bound, and much tighter where the encoder's q is misplaced.
    """
    if not model.is_vae:
        raise ValueError("IWAE needs a VAE: a plain autoencoder defines no likelihood")
    model.eval()
    device = device_of(model)
    generator = torch.Generator(device=device).manual_seed(seed)  # draws where the model runs
    out = []
    batch = max(1, max_decodes // k)
    for i in range(0, len(images), batch):
        x = images[i : i + batch].to(device)  # (B, 1, 28, 28)
        if refine_steps:
            mu, logvar = model.refine_posterior(x, refine_steps, generator=generator)
        else:
            mu, logvar = model.encode(x)  # (B, z)
        eps = torch.randn((k, *mu.shape), generator=generator, device=device)  # (K, B, z)
        z = mu + torch.exp(0.5 * logvar) * eps  # (K, B, z)
        logits = model.decode_logits(z.flatten(0, 1))  # (K*B, 1, 28, 28)
        target = x.expand(k, *x.shape).flatten(0, 1)
        log_px_z = -bce_per_image(logits, target).view(k, -1)  # (K, B)
        log_pz = log_normal(z, torch.zeros_like(z), torch.zeros_like(z))
        log_qz = log_normal(z, mu, logvar)
        log_w = log_px_z + log_pz - log_qz
        out.append(-(torch.logsumexp(log_w, dim=0) - math.log(k)))
    return torch.cat(out)


def evaluate(
    checkpoint: str,
    data_root: str | None = None,
    dataset: str | None = None,
    k: int = 1000,
    seed: int = 0,
    refine_steps: int = 50,
    device: str = "auto",
) -> dict:
    target = resolve_device(device)  # first: a missing GPU fails before any loading
    ckpt = load_checkpoint(checkpoint)  # always onto the CPU, then moved
    ckpt.model.to(target)
    dataset = dataset or ckpt.meta.get("dataset", "mnist")
    splits = load_splits(dataset, data_root)
    x = splits.test.float_images().to(target)
    result = {"checkpoint": str(checkpoint), "dataset": dataset, "test_images": len(x)}
    result.update(evaluate_elbo(ckpt.model, x))  # q(z|x) straight from the encoder
    if ckpt.model.is_vae and refine_steps:
        refined = evaluate_elbo(ckpt.model, x, refine_steps=refine_steps)
        result["refined"] = {"steps": refine_steps, **refined}
    if ckpt.model.is_vae:
        nll = iwae_nll(ckpt.model, x, k=k, seed=seed, refine_steps=refine_steps)
        result["iwae_nll"] = nll.mean().item()
        proposal = f"encoder q refined by {refine_steps} steps" if refine_steps else "encoder q"
        result["iwae_estimator"] = (
            f"importance-weighted bound (Burda et al. 2016), K={k}, proposal: {proposal}"
        )
    else:
        result["iwae_nll"] = None
        result["iwae_estimator"] = "not defined for a plain autoencoder"
    result["units"] = "nats per image"
    if splits.notice:
        result["data_notice"] = splits.notice
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="vae-evaluate", description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--data-root")
    p.add_argument("--dataset", choices=sorted(DATASETS), help="default: the checkpoint's")
    p.add_argument("--k", type=int, default=1000, help="importance samples per image")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--refine-steps",
        type=int,
        default=50,
        help="also report the ELBO with q(z|x) refined by this many steps (0: off)",
    )
    p.add_argument(
        "--device", choices=DEVICES, default="auto", help="auto: cuda, else mps, else cpu"
    )
    args = p.parse_args(argv)
    if not 1 <= args.k <= 100_000:
        p.error("--k must be in 1..100000")
    if not 0 <= args.refine_steps <= 10_000:
        p.error("--refine-steps must be in 0..10000")
    try:
        result = evaluate(
            args.checkpoint,
            args.data_root,
            args.dataset,
            args.k,
            args.seed,
            args.refine_steps,
            args.device,
        )
    except (CheckpointError, DatasetError, DeviceError) as e:
        print(f"vae-evaluate: error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
