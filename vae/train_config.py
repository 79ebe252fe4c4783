"""The training settings, declared once: each field of TrainConfig with its help and limits.

vae-train's command line is built from these fields (vae.train.build_parser) and the app's
training form takes its bounds and help from them (views/training.py); TrainConfig checks
the same limits whoever builds it. No torch here, so the app's first page can read them.
"""

from __future__ import annotations

import argparse
import math
import numbers
from dataclasses import asdict, dataclass, field, fields

from vae.datasets import is_known_dataset, known_datasets_text
from vae.i18n import msg

ARCHS = ("mlp", "conv")
KINDS = ("vae", "ae")
ACTIVATIONS = ("relu", "gelu")  # gelu: its tanh form (vae.model.activation_layer)
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class Limit:
    """The values a setting may take: lo..hi, either end open (excluded) if said."""

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False

    def __contains__(self, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if not math.isfinite(value):
            return False
        above = value > self.lo if self.lo_open else value >= self.lo
        below = value < self.hi if self.hi_open else value <= self.hi
        return above and below

    def text(self, integer: bool) -> str:
        """"1..500" for a whole number, "[0, 20]" or "(0, 1)" for a real one, ">= 1"."""
        if math.isinf(self.hi):
            return f"{'>' if self.lo_open else '>='} {self.lo:g}"
        if integer:
            return f"{int(self.lo):,}..{int(self.hi):,}"
        left, right = "(" if self.lo_open else "[", ")" if self.hi_open else "]"
        return f"{left}{self.lo:g}, {self.hi:g}{right}"


def setting(default, help: str | None = None, limit: Limit | None = None, **more):
    """A TrainConfig field with what its flag and form need: help (a vae.i18n.msg: English
    for the CLI, the app shows it in the reader's language), limit, choices, type."""
    return field(default=default, metadata={"help": help, "limit": limit, **more})


@dataclass(frozen=True)
class TrainConfig:
    """One field per CLI flag (`--latent-dim` is `latent_dim`)."""

    dataset: str = setting("mnist", msg("training.field.dataset.help"))
    data_root: str | None = setting(None, msg("training.field.data_root.help"),
                                    type=str)  # fmt: skip
    download: bool = setting(False, msg("training.field.download.help"))
    latent_dim: int = setting(2, msg("training.field.latent_dim.help"), Limit(1, 128))
    arch: str = setting("mlp", msg("training.field.arch.help"), choices=ARCHS)
    kind: str = setting("vae", msg("training.field.kind.help"), choices=KINDS)
    hidden: tuple[int, ...] = setting((256, 256, 128), msg("training.field.hidden.help"))
    # GELU instead of ReLU: 140.4 instead of 143.1 nats after 8 epochs (seed 0; README)
    activation: str = setting("gelu", msg("training.field.activation.help"), choices=ACTIVATIONS)
    dropout: float = setting(0.0, msg("training.field.dropout.help"), Limit(0, 1, hi_open=True))
    beta: float = setting(1.0, msg("training.field.beta.help"), Limit(0, 20))
    # 6 with GELU and a 0.6-epoch warm-up: seeds 0-2 end at 141.7, 142.0, 141.6 nats on
    # the whole test set (12 with ReLU: 141.0-141.9; README, Benchmarks)
    epochs: int = setting(6, msg("training.field.epochs.help"), Limit(1, 500))
    batch_size: int = setting(128, msg("training.field.batch_size.help"), Limit(1, 65_536))
    lr: float = setting(5e-3, msg("training.field.lr.help"), Limit(0, 1, lo_open=True))
    # linear warm-up, then cosine decay to lr * 0.02
    warmup_epochs: float = setting(0.6, msg("training.field.warmup_epochs.help"), Limit(0, 500))
    weight_decay: float = setting(0.0, msg("training.field.weight_decay.help"), Limit(0, 10))
    # 0.99 adapts faster than 0.999
    adam_beta2: float = setting(0.99, msg("training.field.adam_beta2.help"),
                                Limit(0, 1, lo_open=True, hi_open=True))  # fmt: skip
    ema: float = setting(0.0, msg("training.field.ema.help"),
                         Limit(0, 1, hi_open=True))  # fmt: skip
    augment_shift: int = setting(0, msg("training.field.augment_shift.help"), Limit(0, 4))
    # An extra encoder-only loss on copies shifted by up to this many pixels (the decoder
    # never learns from them; see VAE.encoder_loss): regularizes the encoder, which
    # overfits the 24,680 MNIST images here far more than the decoder does.
    encoder_shift: int = setting(0, msg("training.field.encoder_shift.help"), Limit(0, 4))
    # Test metrics after each epoch but the last on this many of the test images (a fixed
    # seeded subset, the snapshot images first); 0 = all. The last epoch's use them all.
    eval_images: int = setting(2000, msg("training.field.eval_images.help"), Limit(0, 1_000_000))
    seed: int = setting(0, msg("training.field.seed.help"))
    # Runs are reproducible per device; a GPU draws other random numbers than the CPU, so
    # weights differ across them.
    device: str = setting("auto", msg("training.field.device.help"), choices=DEVICES)
    limit_batches: int | None = setting(
        None, msg("training.field.limit_batches.help"), Limit(1, math.inf), type=int
    )
    out: str = setting("checkpoints/vae.pt", msg("training.field.out.help"))
    resume: str | None = setting(None, msg("training.field.resume.help"), type=str)

    def __post_init__(self) -> None:
        if not is_known_dataset(self.dataset):
            raise ValueError(msg("errors.config.dataset", known=known_datasets_text()))
        for f in fields(self):
            problem = check(f.name, getattr(self, f.name))
            if problem:
                raise ValueError(problem)
        if self.warmup_epochs > self.epochs:
            raise ValueError(msg("errors.config.warmup"))
        self.model_config()  # validates latent_dim, arch, kind, hidden

    def model_config(self):
        """The network's vae.model.VAEConfig (imports torch)."""
        from vae.model import VAEConfig

        return VAEConfig(
            latent_dim=self.latent_dim,
            arch=self.arch,
            kind=self.kind,
            hidden=tuple(self.hidden),
            dropout=self.dropout,
            activation=self.activation,
        )

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d


FIELDS = {f.name: f for f in fields(TrainConfig)}
DEFAULTS = {f.name: f.default for f in fields(TrainConfig)}


def is_integer(name: str) -> bool:
    default = FIELDS[name].default
    return FIELDS[name].metadata.get("type") is int or (
        isinstance(default, int) and not isinstance(default, bool)
    )


def limit_of(name: str) -> Limit | None:
    return FIELDS[name].metadata.get("limit")


def limit_text(name: str) -> str:
    return limit_of(name).text(is_integer(name))


def check(name: str, value) -> str | None:
    """What is wrong with `value` for the setting `name` ("epochs must be in 1..500, got
    10000"), or None if nothing is: the one wording of the CLI's, the config's and the
    app's refusals."""
    meta = FIELDS[name].metadata
    choices, limit = meta.get("choices"), meta.get("limit")
    if choices and value not in choices:
        return msg("errors.config.choice", name=name, choices=str(choices), value=repr(value))
    if limit is not None and value is not None and value not in limit:
        return msg("errors.config.limit", name=name, limit=limit_text(name), value=repr(value))
    return None


def help_of(name: str) -> str | None:
    return FIELDS[name].metadata.get("help")


def _checked(name: str, kind: type):
    """An argparse type: the value as `kind`, refused with its limit if outside it."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        problem = check(name, value)
        if problem:  # argparse says "argument --epochs: " before it
            raise argparse.ArgumentTypeError(problem.removeprefix(f"{name} "))
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per TrainConfig field (`latent_dim` is `--latent-dim`), with its default,
    help, choices and limit; a value outside the limit is an argparse error naming it."""
    for f in fields(TrainConfig):
        flag, meta, default = "--" + f.name.replace("_", "-"), f.metadata, f.default
        help = meta.get("help")
        if isinstance(default, bool):
            parser.add_argument(flag, action="store_true", help=help)
            continue
        kind = meta.get("type") or type(default[0] if isinstance(default, tuple) else default)
        limit = meta.get("limit")
        if limit is not None:
            help = f"{help}; in {limit_text(f.name)}"
        if meta.get("choices"):
            parser.add_argument(flag, choices=meta["choices"], default=default, help=help)
        elif isinstance(default, tuple):
            parser.add_argument(flag, type=kind, nargs="+", default=list(default), help=help)
        else:
            parser.add_argument(flag, type=_checked(f.name, kind), default=default, help=help)


def from_args(args: argparse.Namespace) -> TrainConfig:
    values = {k: v for k, v in vars(args).items() if k in FIELDS}
    values["hidden"] = tuple(values["hidden"])
    return TrainConfig(**values)
