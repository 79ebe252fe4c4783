"""Checkpoints: plain-type dicts, written atomically, loaded without executing code.

A checkpoint holds only dicts, lists, numbers, strings and tensors, so
`torch.load(weights_only=True)` reads it and the network is rebuilt from the
config stored inside (as nanoGPT does). A file that needs arbitrary pickled
objects is refused, never unpickled.

Layout (format_version 1):
    format          "latent-explorer-checkpoint"
    format_version  1
    config          VAEConfig.to_dict()
    model           state_dict
    train_state     what --resume needs to continue from the end of epoch meta.epochs:
                    {"optimizer": AdamW state_dict, "raw_model": training weights when
                    `model` holds their moving average, else None, and "model": the
                    weights at that epoch's end, present only when training was
                    interrupted mid-epoch and `model` holds later weights}
    train           the TrainConfig used, as a dict
    meta            dataset, data_source, train_images, epochs, test metrics,
                    history, train_seconds, created (UTC ISO time), interrupted
                    (True for a run stopped early, and for the checkpoint the trainer
                    writes after each epoch until the last: a run killed then reads so),
                    snapshots: one per finished epoch from epoch 0 (the untrained model),
                    {"epoch": int, "indices": list of 2,000 test-set indices (a fixed
                    seeded subset, sorted, the same list in every entry; pickle stores it
                    once), "mu": float16 tensor (2000, latent_dim), the encoder's means of
                    those images, "nelbo": that epoch's test nelbo as in history}.
                    history[i]["test_images"] says how many test images scored epoch i:
                    the last epoch all of them, the others the first --eval-images of the
                    same seeded order (the snapshot images for the default 2,000)

Every tensor is stored on the CPU, whatever device trained it, and loaded with
map_location="cpu", so any checkpoint opens on a machine without a GPU.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from vae.files import atomic_write, write_problem
from vae.i18n import Msg, msg
from vae.model import VAE, VAEConfig

FORMAT = "latent-explorer-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint could not be read or written; the message says which file and why.

    Raised with `at(path, reason)`: English text ("<path>: <why>") that remembers its key,
    so the app shows the reason in the reader's language (vae.i18n)."""

    @property
    def reason(self) -> str:
        """Why, without the file's path (a vae.i18n.Msg when raised with at())."""
        first = self.args[0] if self.args else ""
        if isinstance(first, Msg) and first.key == "errors.checkpoint.at":
            return first.params["reason"]
        return str(first)


def at(path: str | Path, reason: str) -> Msg:
    """A CheckpointError's message: the file, then why."""
    return msg("errors.checkpoint.at", path=str(path), reason=reason)


@dataclass
class Checkpoint:
    model: VAE
    meta: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)
    train_state: dict | None = None
    path: Path | None = None

    @property
    def config(self) -> VAEConfig:
        return self.model.config


PLAIN_SCALARS = (str, int, float, bool, type(None))


def check_plain(value, where: str = "checkpoint") -> None:
    """Raise TypeError unless `value` is dicts/lists/tuples of plain scalars and tensors.

    Checked before writing, so we never save a file that weights_only loading refuses.
    """
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str | int):
                raise TypeError(f"{where}: key {k!r} is not a str or int")
            check_plain(v, f"{where}[{k!r}]")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            # a plain scalar needs no call (nor its name): the snapshots' 2,000 indices
            # were 0.03 s a checkpoint
            if type(v) not in PLAIN_SCALARS:
                check_plain(v, f"{where}[{i}]")
    # exact types: a str subclass such as torch.__version__ is refused by weights_only
    elif type(value) not in PLAIN_SCALARS and not isinstance(value, torch.Tensor):
        raise TypeError(f"{where} is a {type(value).__name__}, not plain data")


def on_cpu(value, copy: bool = False):
    """`value` with every tensor in its dicts and lists detached and on the CPU.

    With copy, CPU tensors are copied too, so the result is a snapshot that later
    in-place updates (an optimizer step) cannot change.
    """
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=copy)
    if isinstance(value, dict):
        return {k: on_cpu(v, copy) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(on_cpu(v, copy) for v in value)
    return value


def save_checkpoint(
    path: str | Path,
    model: VAE,
    meta: dict,
    train: dict | None = None,
    train_state: dict | None = None,
) -> Path:
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": model.config.to_dict(),
        "model": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "train_state": on_cpu(train_state),  # Adam's moments live where the weights do
        "train": dict(train or {}),
        "meta": dict(meta),
    }
    check_plain(payload)
    # Serialized in memory first: torch.save on a file that hits a full disk raises a bare
    # RuntimeError ("unexpected pos ..."); a plain write raises OSError, with its errno.
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getbuffer()
    try:
        atomic_write(path, lambda f: f.write(data))  # no temp file left, the old file kept
    except OSError as e:
        raise CheckpointError(
            at(path, msg("errors.checkpoint.write", problem=write_problem(e)))
        ) from e
    return Path(path)


def check_writable(path: str | Path) -> None:
    """Raise CheckpointError now if a checkpoint cannot be written at `path` (a read-only or
    missing-permission folder), rather than after the first epoch of training."""
    folder = Path(path).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{Path(path).name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise CheckpointError(
            at(path, msg("errors.checkpoint.not_writable", problem=write_problem(e)))
        ) from e


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Load a checkpoint into an eval-mode VAE on the CPU; raise CheckpointError on any problem."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(at(path, msg("errors.checkpoint.missing")))
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        # weights_only refuses any global it does not know, so pickled code is never run.
        # A refused global ("... GLOBAL posix.system ...") means a pickle of objects;
        # anything else the unpickler chokes on is just not a checkpoint.
        found = re.search(r"GLOBAL ([\w.]+)", str(e))
        if found:
            raise CheckpointError(
                at(path, msg("errors.checkpoint.pickled", found=found.group(1)))
            ) from e
        raise CheckpointError(at(path, msg("errors.checkpoint.unreadable_pickle"))) from e
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, ValueError) as e:
        raise CheckpointError(
            at(path, msg("errors.checkpoint.corrupt", error=f"{type(e).__name__}: {e}"))
        ) from e
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(at(path, msg("errors.checkpoint.not_ours", marker=FORMAT)))
    version = payload.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(
            at(path, msg("errors.checkpoint.newer", version=repr(version), reads=FORMAT_VERSION))
        )
    try:
        config = VAEConfig.from_dict(payload["config"])
        model = VAE(config)
        model.load_state_dict(payload["model"])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(at(path, msg("errors.checkpoint.mismatch", error=str(e)))) from e
    model.eval()
    return Checkpoint(
        model=model,
        meta=payload.get("meta") or {},
        train=payload.get("train") or {},
        train_state=payload.get("train_state"),
        path=path,
    )


def strip_train_state(path: str | Path) -> tuple[int, int]:
    """Rewrite a checkpoint without its optimizer state, for shipping; (bytes before, after).

    The Adam moments double the file and only matter for --resume. The rewrite is
    atomic like every save, and the weights, config and metadata stay identical.
    """
    path = Path(path)
    before = path.stat().st_size if path.is_file() else 0
    ckpt = load_checkpoint(path)
    save_checkpoint(path, ckpt.model, ckpt.meta, ckpt.train, None)
    return before, path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    """`python -m vae.checkpoint strip PATH...`: make checkpoints small enough to ship."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m vae.checkpoint", description=main.__doc__)
    p.add_argument("command", choices=["strip"])
    p.add_argument("paths", nargs="+")
    args = p.parse_args(argv)
    for path in args.paths:
        try:
            before, after = strip_train_state(path)
        except CheckpointError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(f"{path}: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB (optimizer state removed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
