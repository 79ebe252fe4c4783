"""Which device training and evaluation run on: `--device auto|cpu|cuda|mps`.

Checkpoints never depend on it: they are always written as CPU tensors and loaded
on the CPU (vae.checkpoint), so a model trained on a GPU opens on a laptop.
"""

from __future__ import annotations

import torch

from vae.train_config import DEVICES  # declared with the training settings


class DeviceError(ValueError):
    """The asked-for device is not usable here; the message says which and why."""


def mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()


def resolve_device(name: str) -> torch.device:
    """The device for `name`; auto: cuda if torch sees a GPU, else mps, else cpu.

    An explicit device that is not there is an error, not a silent fallback to the
    CPU: a run asked to use the GPU that quietly takes 30x longer is worse than a
    clear refusal.
    """
    if name not in DEVICES:
        raise DeviceError(f"device must be one of {DEVICES}, got {name!r}")
    if name == "auto":
        return torch.device(
            "cuda" if torch.cuda.is_available() else "mps" if mps_available() else "cpu"
        )
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceError("cuda was asked for but torch sees no GPU (try --device cpu)")
    if name == "mps" and not mps_available():
        raise DeviceError("mps was asked for but torch sees no Apple GPU (try --device cpu)")
    return torch.device(name)


def device_of(module: torch.nn.Module) -> torch.device:
    """Where a model's weights live, so its inputs and generators can follow."""
    return next(module.parameters()).device


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so a wall-clock time measures the work, not its queueing.

    Call once per epoch, never per batch: each call stalls the pipeline.
    """
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
