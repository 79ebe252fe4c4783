"""Training runs in a background thread, for the app: one at a time for the whole server.

The app serves many browser sessions from one process on a small CPU. A
training run started from one session runs `vae.train.train` in a daemon thread
and reports through a `TrainingJob` that any session can read; a global lock
admits one run at a time, so two sessions never compete for the cores or write
the same file. Every run writes a new, timestamped checkpoint name and never
touches an existing file.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from vae.train import Progress, StopTraining, TrainConfig, train

_LOCK = threading.Lock()
_CURRENT: TrainingJob | None = None


@dataclass
class TrainingJob:
    """What one run has done so far; written by the training thread, read by the UI."""

    config: TrainConfig
    owner: str  # the session that started it (only it may stop it)
    started: float = field(default_factory=time.time)
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    history: list[dict] = field(default_factory=list)  # {epoch, train, test} per finished epoch
    recent: list[dict] = field(default_factory=list)  # running train loss, sampled during the epoch
    status: str = "starting"  # starting, running, stopping, done, stopped, failed
    error: str | None = None
    path: Path | None = None
    stop_requested: threading.Event = field(default_factory=threading.Event)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "stopped", "failed")

    @property
    def fraction(self) -> float:
        if not self.epochs or not self.batches:
            return 0.0
        return min(
            1.0, ((self.epoch - 1) * self.batches + self.batch) / (self.epochs * self.batches)
        )

    def on_progress(self, p: Progress) -> None:
        if self.stop_requested.is_set():
            self.status = "stopping"
            raise StopTraining
        self.status = "running"
        self.epoch, self.epochs, self.batch, self.batches = p.epoch, p.epochs, p.batch, p.batches
        step = (p.epoch - 1) + p.batch / p.batches
        if p.test is not None:
            self.history.append({"epoch": p.epoch, "train": p.train, "test": p.test})
        elif p.batch % max(1, p.batches // 10) == 0:
            self.recent.append({"step": round(step, 3), "loss": p.train["loss"]})


def new_checkpoint_path(folder: str | Path, cfg: TrainConfig) -> Path:
    """checkpoints/<dataset>-<kind>-<arch>-<z>d-<UTC time>.pt, never an existing file."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    stem = f"{cfg.dataset}-{cfg.kind}-{cfg.arch}-{cfg.latent_dim}d-b{cfg.beta:g}-{stamp}"
    path = Path(folder) / f"{stem}.pt"
    n = 1
    while path.exists():
        path = Path(folder) / f"{stem}-{n}.pt"
        n += 1
    return path


def current_job() -> TrainingJob | None:
    return _CURRENT


def start(cfg: TrainConfig, folder: str | Path, owner: str, splits=None) -> TrainingJob:
    """Start a run writing a new checkpoint under `folder`; RuntimeError if one is running."""
    global _CURRENT
    with _LOCK:
        if _CURRENT is not None and not _CURRENT.finished:
            raise RuntimeError("a model is already training on this server; wait for it to finish")
        cfg = replace(cfg, out=str(new_checkpoint_path(folder, cfg)), resume=None)
        job = TrainingJob(config=cfg, owner=owner, epochs=cfg.epochs)
        _CURRENT = job
    threading.Thread(target=_run, args=(job, splits), name="vae-train", daemon=True).start()
    return job


def _run(job: TrainingJob, splits) -> None:
    try:
        job.path = train(job.config, splits=splits, callback=job.on_progress, show_progress=False)
        job.status = "done"
    except StopTraining:
        job.path = Path(job.config.out)  # train() saved what it had before re-raising
        job.status = "stopped"
    except Exception as e:  # surfaced in the UI; the thread must not die silently
        job.error = f"{type(e).__name__}: {e}"
        job.status = "failed"
