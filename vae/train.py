"""Train a VAE (or plain AE) on MNIST or Fashion-MNIST from the command line or the app.

    vae-train --epochs 30 --latent-dim 2 --out checkpoints/my-vae.pt
    python -m vae.train --limit-batches 2 --epochs 1 --out /tmp/smoke.pt   # seconds

The dataset lives in memory as one float tensor and batches are slices of a
seeded permutation, so there is no per-image PIL/DataLoader overhead. Every
random draw (init, shuffling, the reparameterization noise) comes from the
seed and the epoch number, so a run is reproducible and a run resumed at an
epoch boundary continues exactly as the uninterrupted one would have.

A checkpoint is written (atomically) after every epoch, so even `kill -9` loses at
most the epoch in progress. Ctrl-C, SIGTERM or a progress callback raising
StopTraining saves the latest weights and stops; --resume from any of these files
continues from the end of the last finished epoch. `--device` picks cpu, cuda or
mps; checkpoints are CPU tensors whatever trained them.
"""

from __future__ import annotations

import argparse
import copy
import math
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import torch

from vae.checkpoint import (
    CheckpointError,
    check_writable,
    load_checkpoint,
    on_cpu,
    save_checkpoint,
)
from vae.data import DatasetError, Splits, load_splits
from vae.device import device_of, resolve_device, synchronize
from vae.model import VAE
from vae.train_config import TrainConfig, add_arguments, from_args

EVAL_SEED = 1234  # the test-set ELBO uses the same noise every epoch, so epochs compare
SNAPSHOT_IMAGES = 2000  # test images whose encoder means every checkpoint keeps per epoch
SNAPSHOT_SEED = 4321  # picks them: the same images in every run on the same test set


@dataclass
class Progress:
    """What the trainer reports to a callback: after every batch, and with test metrics at
    the end of each epoch (`test` is then set)."""

    epoch: int  # 1-based
    epochs: int
    batch: int  # 1-based within the epoch
    batches: int
    train: dict  # running means this epoch: loss, recon, kl
    test: dict | None = None  # nelbo, recon, kl at epoch end
    seconds: float = 0.0
    snapshot: dict | None = None  # at epoch end: this epoch's entry of meta["snapshots"]
    model: VAE | None = None  # at epoch end: the model evaluated and saved (read, do not train)


class StopTraining(Exception):
    """Raise from a progress callback to stop early; the trainer still saves a checkpoint."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, a scheduler or container stopping the job), raised by the CLI's
    handler. A KeyboardInterrupt, so everything that saves and stops on Ctrl-C does the
    same on SIGTERM."""


def raise_terminated(signum: int, frame) -> None:
    raise Terminated


@torch.no_grad()
def evaluate_elbo(
    model: VAE,
    images: torch.Tensor,
    batch_size: int = 1000,
    refine_steps: int = 0,
    progress: Callable[[int], object] | None = None,
) -> dict:
    """Test-set negative ELBO (one sample of z per image), recon and KL, in nats per image.

    With refine_steps, q(z|x) is the encoder's refined by that many gradient steps
    (`VAE.refine_posterior`) before the ELBO is measured with fresh noise. progress(n) is
    called after each batch of n images.
    """
    model.eval()
    device = device_of(model)
    # torch.randn needs a generator on the device it draws on; on the CPU these are the
    # same generators as ever, so CPU figures do not change.
    generator = torch.Generator(device=device).manual_seed(EVAL_SEED)
    refine_generator = torch.Generator(device=device).manual_seed(EVAL_SEED + 1)
    recon_sum = kl_sum = 0.0
    for i in range(0, len(images), batch_size):
        x = images[i : i + batch_size].to(device)  # no copy if the images live there already
        posterior = (
            model.refine_posterior(x, refine_steps, generator=refine_generator)
            if refine_steps
            else None
        )
        recon, kl = model.per_image_loss(x, generator, posterior)
        recon_sum += recon.sum().item()
        kl_sum += kl.sum().item()
        if progress is not None:
            progress(len(x))
    n = len(images)
    return {"nelbo": (recon_sum + kl_sum) / n, "recon": recon_sum / n, "kl": kl_sum / n}


def snapshot_order(n_test: int) -> torch.Tensor:
    """A seeded permutation of the test set's indices, the same for every run: its first
    SNAPSHOT_IMAGES are the snapshot images (and the per-epoch evaluation subset)."""
    return torch.randperm(n_test, generator=torch.Generator().manual_seed(SNAPSHOT_SEED))


@torch.no_grad()
def take_snapshot(
    model: VAE, images: torch.Tensor, indices: list[int], epoch: int, nelbo: float
) -> dict:
    """One entry of meta["snapshots"]: the encoder means of the snapshot images as float16
    (2000 x latent_dim, 8 KB for a 2-D model), plain types and a tensor only."""
    model.eval()
    mu, _ = model.encode(images)  # a plain autoencoder's code is its "mean"
    return {
        "epoch": epoch,
        "indices": indices,
        "mu": mu.to("cpu", torch.float16),
        "nelbo": float(nelbo),
    }


def learning_rate(cfg: TrainConfig, step: int, steps_per_epoch: int) -> float:
    """Linear warm-up then cosine decay, a pure function of the global step (resumable)."""
    total = cfg.epochs * steps_per_epoch
    warmup = cfg.warmup_epochs * steps_per_epoch
    if step < warmup:
        return cfg.lr * (step + 1) / warmup
    progress = (step - warmup) / max(1.0, total - warmup)
    floor = 0.02
    return cfg.lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def random_shift(x: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Shift each image (B, 1, 28, 28) by a random whole-pixel (dy, dx) in [-s, s]^2.

    MNIST digits sit in a 20x20 box inside 28x28, so rolling by a few pixels only
    wraps blank border around. `generator` is a CPU one, on any device: the shifts are
    grouped on the host, which then never waits for a GPU.
    """
    shifts = torch.randint(-max_shift, max_shift + 1, (len(x), 2), generator=generator)
    out = torch.empty_like(x)
    for dy, dx in shifts.unique(dim=0).tolist():  # at most (2s+1)^2 groups
        rows = ((shifts[:, 0] == dy) & (shifts[:, 1] == dx)).nonzero().squeeze(1).to(x.device)
        out[rows] = x[rows].roll((dy, dx), dims=(2, 3))
    return out


@torch.no_grad()
def update_average(averaged: VAE, model: VAE, decay: float, step: int) -> None:
    """averaged <- decay * averaged + (1 - decay) * model; the decay ramps up from 0 so
    the early average is not dominated by the random initialization."""
    decay = min(decay, (1 + step) / (10 + step))
    torch._foreach_lerp_(list(averaged.parameters()), list(model.parameters()), 1 - decay)


def epoch_generators(
    cfg: TrainConfig, epoch: int, device: torch.device
) -> tuple[torch.Generator, torch.Generator]:
    """(host, noise) generators for one epoch, seeded by the seed and the epoch number.

    `host` draws on the CPU: the batch order and the pixel shifts, which are grouped
    with .tolist() and so must not wait on a GPU. `noise` draws eps for z where the
    model runs, as torch.randn needs a generator of that device. On the CPU both are
    one generator, so a CPU run draws exactly the numbers it always did.
    """
    seed = cfg.seed * 100_003 + epoch
    host = torch.Generator().manual_seed(seed)
    if device.type == "cpu":
        return host, host
    return host, torch.Generator(device=device).manual_seed(seed)


def train_epoch(
    cfg: TrainConfig,
    epoch: int,
    steps: int,
    model: VAE,
    averaged: VAE,
    optimizer: torch.optim.Optimizer,
    train_x: torch.Tensor,
    report: Callable[[int, Callable[[], dict]], None],
) -> dict:
    """Take one epoch's optimizer steps; return the epoch's mean loss, recon and kl.

    After each batch `report(b, means)` is called; `means()` reads the running means
    back to the host, a sync that stalls a GPU, so it only runs when someone reads it.
    """
    model.train()
    host, noise = epoch_generators(cfg, epoch, train_x.device)
    order = torch.randperm(len(train_x), generator=host).to(train_x.device)
    sums = torch.zeros(3, device=train_x.device)
    seen = 0

    def means() -> dict:
        return dict(zip(("loss", "recon", "kl"), (sums / seen).tolist(), strict=True))

    for b in range(steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(cfg, epoch * steps + b, steps)
        x = train_x[order[b * cfg.batch_size : (b + 1) * cfg.batch_size]]
        if cfg.augment_shift:
            x = random_shift(x, cfg.augment_shift, host)
        parts = model.loss(x, cfg.beta, noise)
        total = parts.total
        if cfg.encoder_shift:
            shifted = random_shift(x, cfg.encoder_shift, host)
            total = total + model.encoder_loss(shifted, cfg.beta, noise)
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        if averaged is not model:
            update_average(averaged, model, cfg.ema, epoch * steps + b)
        sums += torch.stack([p.detach() for p in parts]) * len(x)
        seen += len(x)
        report(b, means)
    return means()


@dataclass(frozen=True)
class EpochEnd:
    """The run as of the end of its last finished epoch, with CPU copies of the weights
    and optimizer state: what every checkpoint tells --resume to continue from.

    The trainer swaps in a new one with a single assignment, so a signal landing at
    any moment finds a consistent one (never epoch N's count with epoch N-1's weights).
    """

    epochs: int
    history: list[dict]
    snapshots: list[dict]
    seconds: float
    model: dict  # the saved (possibly averaged) weights
    raw_model: dict | None  # the training weights, when `model` is their moving average
    optimizer: dict

    @classmethod
    def of(
        cls,
        epochs: int,
        history: list[dict],
        snapshots: list[dict],
        seconds: float,
        model: VAE,
        averaged: VAE,
        optimizer: torch.optim.Optimizer,
    ) -> EpochEnd:
        return cls(
            epochs=epochs,
            history=list(history),
            snapshots=list(snapshots),
            seconds=seconds,
            model=on_cpu(averaged.state_dict(), copy=True),
            raw_model=on_cpu(model.state_dict(), copy=True) if averaged is not model else None,
            optimizer=on_cpu(optimizer.state_dict(), copy=True),
        )


def restore(
    cfg: TrainConfig, model: VAE, averaged: VAE, optimizer: torch.optim.Optimizer
) -> tuple[int, list, list, float]:
    """Load cfg.resume into the model(s) and optimizer; return (epochs, history,
    snapshots, seconds)."""
    ckpt = load_checkpoint(cfg.resume)
    if ckpt.config != model.config:
        raise CheckpointError(f"{cfg.resume}: its model {ckpt.config} differs from {model.config}")
    state = ckpt.train_state or {}
    # A run stopped mid-epoch saved its latest weights as `model` and its last epoch's
    # end apart; continuing from that epoch's end is what makes a resume exact.
    weights = state.get("model") or ckpt.model.state_dict()
    averaged.load_state_dict(weights)
    model.load_state_dict(state.get("raw_model") or weights)
    if state.get("optimizer"):
        optimizer.load_state_dict(state["optimizer"])  # moves Adam's moments to the device
    meta = ckpt.meta
    return (
        int(meta.get("epochs", 0)),
        list(meta.get("history", [])),
        list(meta.get("snapshots", [])),  # none in checkpoints written before snapshots
        float(meta.get("train_seconds", 0.0)),
    )


def training_data(
    cfg: TrainConfig, splits: Splits | None, show_progress: bool, device: torch.device
) -> tuple[Splits, torch.Tensor, torch.Tensor]:
    """The dataset, and its train and test images (N, 1, 28, 28) held on the device once, so
    batches are slices there and never cross the bus."""
    splits = splits or load_splits(cfg.dataset, cfg.data_root, cfg.download)
    if splits.name != cfg.dataset:
        raise ValueError(f"splits hold {splits.name}, config asks for {cfg.dataset}")
    if splits.notice and show_progress:
        print(f"note: {splits.notice}", file=sys.stderr)
    return splits, splits.train.float_images().to(device), splits.test.float_images().to(device)


def new_model(
    cfg: TrainConfig, train_x: torch.Tensor, device: torch.device
) -> tuple[VAE, VAE, torch.optim.Optimizer]:
    """(the model, the model saved and evaluated, the optimizer), seeded from cfg.seed."""
    torch.manual_seed(cfg.seed)
    model = VAE(cfg.model_config())  # initialized on the CPU: same start anywhere
    model.init_output_bias(train_x.mean(dim=0).cpu())
    model.to(device)
    optimizer = torch.optim.AdamW(
        model.parameters(),
        lr=cfg.lr,
        betas=(0.9, cfg.adam_beta2),
        weight_decay=cfg.weight_decay,
        # One kernel for the whole update: 13% less time per epoch on the CPU here.
        fused=device.type in ("cpu", "cuda"),
    )
    # With cfg.ema the evaluated and saved model is a moving average of the weights
    # (Polyak averaging). Measured on MNIST it helps short runs (148.4 vs 150.0 nats
    # after 6 epochs) but not the end of a cosine schedule, which averages already.
    averaged = copy.deepcopy(model) if cfg.ema else model
    return model, averaged, optimizer


class Run:
    """One training run between epochs: its data, model, history and snapshots, the last
    finished epoch (`done`, swapped in with one assignment, see EpochEnd) and its saving."""

    def __init__(self, cfg: TrainConfig, splits: Splits, train_x, test_x, model, averaged,
                 optimizer) -> None:  # fmt: skip
        self.cfg, self.splits, self.train_x, self.test_x = cfg, splits, train_x, test_x
        self.model, self.averaged, self.optimizer = model, averaged, optimizer
        self.start_epoch, self.history, self.snapshots, self.seconds = 0, [], [], 0.0
        if cfg.resume:
            self.start_epoch, self.history, self.snapshots, self.seconds = restore(
                cfg, model, averaged, optimizer
            )
        # The snapshot images: a fixed seeded 2,000 of the test set. After every epoch but
        # the last, the test metrics are measured on them too (cfg.eval_images = 0: on the
        # whole test set); the last epoch's always on the whole test set.
        order = snapshot_order(len(test_x))
        shown = order[:SNAPSHOT_IMAGES].sort().values
        # One list object in every snapshot: pickle stores it once per file.
        self.indices = self.snapshots[0]["indices"] if self.snapshots else shown.tolist()
        self.shown_x = test_x[shown.to(test_x.device)]
        evaluated = order[: cfg.eval_images].to(test_x.device)
        self.eval_x = test_x[evaluated] if cfg.eval_images else test_x
        if not self.snapshots:  # epoch 0 (or the resumed epoch, for a checkpoint without any)
            test, _ = self.evaluate(self.start_epoch)
            self.snapshots = [self.snapshot(self.start_epoch, test)]
        self.done = self.epoch_end(self.start_epoch)
        self.steps_per_epoch = math.ceil(len(train_x) / cfg.batch_size)
        if cfg.limit_batches:
            self.steps_per_epoch = min(self.steps_per_epoch, cfg.limit_batches)
        self.saved_epochs = None  # the epochs in the checkpoint this run last wrote

    def evaluate(self, epoch: int) -> tuple[dict, int]:
        images = self.test_x if epoch == self.cfg.epochs else self.eval_x
        return evaluate_elbo(self.averaged, images), len(images)

    def snapshot(self, epoch: int, test: dict) -> dict:
        return take_snapshot(self.averaged, self.shown_x, self.indices, epoch, test["nelbo"])

    def epoch_end(self, epochs: int) -> EpochEnd:
        return EpochEnd.of(epochs, self.history, self.snapshots, self.seconds, self.model,
                           self.averaged, self.optimizer)  # fmt: skip

    def run_epoch(self, epoch: int, report, device: torch.device) -> tuple[dict, dict, dict]:
        """Train epoch `epoch` (0-based), measure it and keep it: (train means, test, snapshot).
        Saves a checkpoint unless it is the last epoch (the final save follows)."""
        started = time.perf_counter()
        running = train_epoch(self.cfg, epoch, self.steps_per_epoch, self.model, self.averaged,
                              self.optimizer, self.train_x, report)  # fmt: skip
        synchronize(device)  # so the time below is the GPU's work, not its queueing
        self.seconds += time.perf_counter() - started  # training time only, not evaluation
        test, test_images = self.evaluate(epoch + 1)
        entry = {"epoch": epoch + 1, "train": running, "test": test, "test_images": test_images}
        self.history = [*self.history, {**entry, "seconds": round(self.seconds, 2)}]
        snapshot = self.snapshot(epoch + 1, test)
        self.snapshots = [*self.snapshots, snapshot]
        self.done = self.epoch_end(epoch + 1)
        if self.done.epochs < self.cfg.epochs:  # the last epoch's is the final save
            self.save(interrupted=True)  # not finished yet: if killed now, it was stopped early
        return running, test, snapshot

    def kept(self) -> str:
        name = Path(self.cfg.out).name
        if self.saved_epochs is not None:
            return f"{name} as saved after epoch {self.saved_epochs} is kept"
        if Path(self.cfg.out).is_file():
            return f"{name} on disk is unchanged"
        return "no checkpoint was saved"

    def meta(self, interrupted: bool) -> dict:
        done, splits = self.done, self.splits
        return {
            "dataset": splits.name,
            "classes": list(splits.classes),
            "data_source": splits.source,
            "data_notice": splits.notice,
            "train_images": len(self.train_x),
            "test_images": len(self.test_x),
            "epochs": done.epochs,
            "test": done.history[-1]["test"] if done.history else None,
            "history": done.history,
            "snapshots": done.snapshots,
            "train_seconds": round(done.seconds, 2),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "interrupted": interrupted,
            "torch": str(torch.__version__),
        }

    def save(self, interrupted: bool, mid_epoch: bool = False) -> Path:
        """Write the checkpoint; if that fails (a full disk), stop with why and what is kept."""
        done = self.done
        state = {"optimizer": done.optimizer, "raw_model": done.raw_model}
        if mid_epoch:  # the weights saved may be past done.epochs; --resume starts there
            state["model"] = done.model
        try:
            path = save_checkpoint(self.cfg.out, self.averaged, self.meta(interrupted),
                                   self.cfg.to_dict(), state)  # fmt: skip
        except CheckpointError as e:
            raise CheckpointError(f"{e}; training stopped, {self.kept()}") from e
        self.saved_epochs = done.epochs
        return path


def train(
    cfg: TrainConfig,
    splits: Splits | None = None,
    callback: Callable[[Progress], None] | None = None,
    show_progress: bool = True,
) -> Path:
    """Train per `cfg` and return the checkpoint's path, `cfg.out`: written after every
    epoch, at the end, and on Ctrl-C, SIGTERM or StopTraining before re-raising."""
    device = resolve_device(cfg.device)  # first: a missing GPU fails before loading data
    check_writable(cfg.out)  # a read-only folder fails now, not after an epoch of work
    splits, train_x, test_x = training_data(cfg, splits, show_progress, device)
    run = Run(cfg, splits, train_x, test_x, *new_model(cfg, train_x, device))
    steps = run.steps_per_epoch
    bar = None
    if show_progress:
        from tqdm import tqdm

        bar = tqdm(total=(cfg.epochs - run.start_epoch) * steps, unit="batch", file=sys.stderr)
    try:
        for epoch in range(run.start_epoch, cfg.epochs):

            def report(b: int, means: Callable[[], dict], epoch: int = epoch) -> None:
                if bar is not None:
                    bar.update()
                    if b % 20 == 0:
                        bar.set_postfix(epoch=epoch + 1, loss=f"{means()['loss']:.1f}")
                if callback is not None and b + 1 < steps:
                    callback(Progress(epoch + 1, cfg.epochs, b + 1, steps, means()))

            running, test, snapshot = run.run_epoch(epoch, report, device)
            if bar is not None:
                bar.write(
                    f"epoch {run.done.epochs:3d}  test nelbo {test['nelbo']:7.2f} = recon "
                    f"{test['recon']:7.2f} + kl {test['kl']:5.2f}   ({run.seconds:.1f}s)",
                    file=sys.stderr,
                )
            if callback is not None:
                callback(Progress(run.done.epochs, cfg.epochs, steps, steps, running, test,
                                  run.seconds, snapshot, run.averaged))  # fmt: skip
    except (KeyboardInterrupt, StopTraining) as stop:
        # Weights are consistent between optimizer steps: save the latest ones to look at,
        # with the last epoch's end for --resume, then stop.
        path = run.save(interrupted=True, mid_epoch=True)
        if bar is not None:
            bar.close()
            how = "terminated (SIGTERM)" if isinstance(stop, Terminated) else "interrupted"
            print(f"\n{how} after {run.done.epochs} epochs; saved {path}", file=sys.stderr)
        raise
    finally:
        if bar is not None:
            bar.close()
    return run.save(interrupted=False)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vae-train", description=__doc__.split("\n\n")[0])
    add_arguments(p)  # one flag per TrainConfig field, with its help and limit
    return p


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    return from_args(args)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        cfg = config_from_args(args)
    except ValueError as e:
        parser.error(str(e))
    # A shell starts background jobs (`cmd &`, nohup) with SIGINT ignored, and Python then
    # never raises KeyboardInterrupt: `kill -INT` would do nothing. The CLI always wants
    # SIGINT to mean "save a checkpoint and stop", wherever it was started from.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # SIGTERM (`kill`, schedulers, `docker stop`) would end the process on the spot;
    # make it mean the same.
    signal.signal(signal.SIGTERM, raise_terminated)
    try:
        path = train(cfg)
    except Terminated:
        return 128 + signal.SIGTERM  # 143, the shell's code for SIGTERM, after a clean save
    except KeyboardInterrupt:
        return 130
    except (DatasetError, CheckpointError, ValueError) as e:
        print(f"vae-train: error: {e}", file=sys.stderr)
        return 2
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
