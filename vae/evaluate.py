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

With the defaults (K = 1000, 50 refinement steps, the whole test set) this takes minutes
on a CPU; it says at the start what it computes and roughly how long, then shows its
progress on stderr. --quick (K = 100, no refinement) is about ten times faster, and
--test-images N scores only the first N images.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

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
    progress: Callable[[int], object] | None = None,
) -> torch.Tensor:
    """Per-image importance-weighted estimate of -log p(x) in nats, shape (N,).

    images: (N, 1, 28, 28) in [0, 1]. Decodes in chunks of at most `max_decodes`
    images x samples so memory stays bounded (about 160 MB per 50,000). With
    refine_steps the proposal is the encoder's q refined per image: still a valid
    bound, and much tighter where the encoder's q is misplaced. progress(n) is called
    after each chunk of n images.
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
        if progress is not None:
            progress(len(x))
    return torch.cat(out)


QUICK_K = 100  # --quick: importance samples per image, and no refinement


def seconds_per_unit(model: VAE, x: torch.Tensor, k: int, refine_steps: int) -> tuple[float, float]:
    """Timed on a few images: seconds per image and refinement step, and per image and
    importance sample (what the estimate at the start multiplies up)."""
    probe = x[:32]
    per_step = 0.0
    if refine_steps:
        steps = min(refine_steps, 3)
        started = time.perf_counter()
        model.refine_posterior(probe, steps)
        per_step = (time.perf_counter() - started) / (len(probe) * steps)
    samples = min(k, 50)
    started = time.perf_counter()
    iwae_nll(model, probe, k=samples)
    per_sample = (time.perf_counter() - started) / (len(probe) * samples)
    return per_step, per_sample


def readable_seconds(seconds: float) -> str:
    if seconds < 90:
        return f"~{max(1, round(seconds))} s"
    return f"~{seconds / 60:.0f} min"


def plan(name: str, n: int, k: int, refine_steps: int, is_vae: bool, costs) -> str:
    """The first line on stderr: what will be computed, roughly how long, and --quick."""
    per_step, per_sample = costs
    parts = ["the ELBO"]
    if is_vae and refine_steps:
        parts.append(f"the ELBO with q(z|x) refined by {refine_steps} steps")
    if is_vae:
        proposal = " (refined q)" if refine_steps else ""
        parts.append(f"the IWAE bound with K={k}{proposal}")
        # the refined ELBO and the IWAE proposal each refine every image
        seconds = n * (2 * refine_steps * per_step + k * per_sample)
        quick = n * QUICK_K * per_sample
    else:
        seconds = quick = 0.0
    line = (f"vae-evaluate: {name} on {n:,} test images: {', '.join(parts)}; "
            f"roughly {readable_seconds(seconds)} here")  # fmt: skip
    if is_vae and (k > QUICK_K or refine_steps):
        line += f" (--quick: K={QUICK_K}, no refinement, {readable_seconds(quick)})"
    return line + "."


def evaluate(
    checkpoint: str,
    data_root: str | None = None,
    dataset: str | None = None,
    k: int = 1000,
    seed: int = 0,
    refine_steps: int = 50,
    device: str = "auto",
    test_images: int | None = None,
    show_progress: bool = False,
) -> dict:
    """Score the checkpoint (see the module docstring). test_images: only the first n of
    the test set; show_progress: the plan and progress bars on stderr."""
    target = resolve_device(device)  # first: a missing GPU fails before any loading
    ckpt = load_checkpoint(checkpoint)  # always onto the CPU, then moved
    ckpt.model.to(target)
    dataset = dataset or ckpt.meta.get("dataset", "mnist")
    splits = load_splits(dataset, data_root)
    x = splits.test.float_images()[:test_images].to(target)
    model = ckpt.model

    def bar(what: str):
        if not show_progress:
            return None
        from tqdm import tqdm

        return tqdm(total=len(x), desc=what, unit="image", file=sys.stderr)

    def run(what: str, work: Callable):
        progress = bar(what)
        try:
            return work(progress.update if progress is not None else None)
        finally:
            if progress is not None:
                progress.close()

    if show_progress:
        costs = seconds_per_unit(model, x, k, refine_steps) if model.is_vae else (0.0, 0.0)
        print(plan(Path(checkpoint).name, len(x), k, refine_steps, model.is_vae, costs),
              file=sys.stderr, flush=True)  # fmt: skip
    result = {"checkpoint": str(checkpoint), "dataset": dataset, "test_images": len(x)}
    # q(z|x) straight from the encoder
    result.update(run("ELBO", lambda p: evaluate_elbo(model, x, progress=p)))
    if model.is_vae and refine_steps:
        refined = run(
            f"ELBO, q refined ({refine_steps} steps)",
            lambda p: evaluate_elbo(model, x, refine_steps=refine_steps, progress=p),
        )
        result["refined"] = {"steps": refine_steps, **refined}
    if model.is_vae:
        nll = run(
            f"IWAE, K={k}",
            lambda p: iwae_nll(model, x, k=k, seed=seed, refine_steps=refine_steps, progress=p),
        )
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
    p = argparse.ArgumentParser(
        prog="vae-evaluate",
        description=__doc__.split("\n\n")[0]
        + " With the defaults this takes minutes on a CPU; --quick is about ten times faster.",
    )
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--data-root")
    p.add_argument("--dataset", choices=sorted(DATASETS), help="default: the checkpoint's")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"about ten times faster: K={QUICK_K} and no refinement (unless given below)",
    )
    p.add_argument("--k", type=int, help=f"importance samples per image (1000; --quick: {QUICK_K})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--refine-steps",
        type=int,
        help="also report the ELBO with q(z|x) refined by this many steps, and use that q "
        "for IWAE (50; --quick: 0, off)",
    )
    p.add_argument("--test-images", type=int, help="score only the first N test images")
    p.add_argument(
        "--device", choices=DEVICES, default="auto", help="auto: cuda, else mps, else cpu"
    )
    args = p.parse_args(argv)
    if args.k is None:
        args.k = QUICK_K if args.quick else 1000
    if args.refine_steps is None:
        args.refine_steps = 0 if args.quick else 50
    if args.test_images is not None and args.test_images < 1:
        p.error("--test-images must be at least 1")
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
            args.test_images,
            show_progress=True,
        )
    except (CheckpointError, DatasetError, DeviceError) as e:
        print(f"vae-evaluate: error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
