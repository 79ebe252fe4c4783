"""One training run per deployment: a lock and a record in the shared checkpoints folder.

Replicas of the app (scripts/serve.sh) share one checkpoints folder. The run itself lives
in the replica that started it (vae/jobs.py); this module is how every other replica
knows of it, and how two replicas never start two runs:

- `<checkpoints>/.training/lock` is held (flock, exclusive) by the training process for
  its whole life. The kernel drops the lock when that process ends, however it ends, so a
  lock can never outlive its run, and "is a run going?" is one non-blocking flock away.
- `<checkpoints>/.training/job.json` is the run's record (status, progress, losses), and
  `snapshots.json` beside it the live map's points per epoch, and `decoder.json` the
  latest decoder weights sent with them (vae/jobs.py live_decoder); the starting replica
  rewrites them (atomically) as the run goes, and every replica reads them.

No torch here: the first page of a replica reads this before torch is imported.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from vae.files import read_json, write_json
from vae.i18n import Msg, again, msg, plain

FOLDER = ".training"


def folder_of(checkpoints: str | Path) -> Path:
    return Path(checkpoints) / FOLDER


def acquire(checkpoints: str | Path) -> int | None:
    """The run lock's file descriptor, held; None if another run holds it.

    The caller hands the descriptor to the training process (it must stay open exactly
    as long as the run) and closes its own copy. OSError if the folder is not writable.
    """
    folder = folder_of(checkpoints)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError:
        os.close(fd)
        raise
    return fd


def running(checkpoints: str | Path) -> bool:
    """Is a training process holding the lock now (in any replica, this one included)?"""
    path = folder_of(checkpoints) / "lock"
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False  # no lock file: nobody ever trained here
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing drops the shared lock we may have taken
    return False


def write(
    checkpoints: str | Path,
    record: dict,
    snapshots: dict | None = None,
    decoder: dict | None = None,
) -> None:
    """The run's record (and, when given, its snapshots and decoder) for every replica to read.

    Failing to write it (a full disk, a read-only folder) never stops the run: the
    starting replica still shows it; only the others do not see it.
    """
    with contextlib.suppress(OSError):
        write_json(folder_of(checkpoints) / "job.json", record)
        if snapshots is not None:
            write_json(folder_of(checkpoints) / "snapshots.json", snapshots)
        if decoder is not None:
            write_json(folder_of(checkpoints) / "decoder.json", decoder)


_READ: dict[Path, tuple[tuple[int, int], object]] = {}  # path -> ((mtime_ns, size), value)


def _read_cached(path: Path):
    """read_json, parsed again only when the file changed: a page run asks several times."""
    try:
        info = path.stat()
    except OSError:
        _READ.pop(path, None)
        return None
    key = (info.st_mtime_ns, info.st_size)
    hit = _READ.get(path)
    if hit is not None and hit[0] == key:
        return hit[1]
    value = read_json(path)
    _READ[path] = (key, value)
    return value


def read(checkpoints: str | Path) -> dict | None:
    record = _read_cached(folder_of(checkpoints) / "job.json")
    return dict(record) if isinstance(record, dict) else None


def read_snapshots(checkpoints: str | Path) -> dict:
    found = _read_cached(folder_of(checkpoints) / "snapshots.json")
    return found if isinstance(found, dict) else {}


def read_decoder(checkpoints: str | Path) -> dict:
    found = _read_cached(folder_of(checkpoints) / "decoder.json")
    return found if isinstance(found, dict) else {}


@dataclass(frozen=True)
class RunConfig:
    """What a session needs of another replica's run's config: its output file, its data."""

    out: str
    dataset: str = "mnist"


class RunProgress:
    """How far a run is, from its status, epoch and batch: one definition for this server's
    own jobs (vae.jobs.TrainingJob) and other replicas' (RemoteJob)."""

    status: str
    epoch: int
    epochs: int
    batch: int
    batches: int

    @property
    def finished(self) -> bool:
        return self.status in ("done", "stopped", "failed")

    @property
    def fraction(self) -> float:
        if not self.epochs or not self.batches:
            return 0.0
        done = (self.epoch - 1) * self.batches + self.batch
        return min(1.0, max(0.0, done / (self.epochs * self.batches)))


@dataclass
class RemoteJob(RunProgress):
    """Another replica's run, as its record shows it: the attributes the training view reads
    from a `vae.jobs.TrainingJob`, read-only. Nobody here can stop it (its owner is a
    session of the replica that started it)."""

    config: RunConfig
    owner: str
    status: str
    started: float = 0.0
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    history: list[dict] = field(default_factory=list)
    recent: list[dict] = field(default_factory=list)
    snapshots: list[dict] = field(default_factory=list)
    snapshot_indices: list[int] = field(default_factory=list)
    decoder: dict | None = None
    error: str | None = None
    path: Path | None = None
    remote: bool = True

    def stop(self) -> None:
        raise PermissionError("this run was started on another replica; only its owner can stop it")


def remote_job(checkpoints: str | Path) -> RemoteJob | None:
    """The deployment's current or last run from its record, or None if there is none.

    A record that says "running" while no process holds the lock belongs to a run whose
    replica died before it could write how the run ended: it is reported as failed.
    """
    record = read(checkpoints)
    if record is None or not record.get("out"):
        return None
    path = record.get("path")
    job = RemoteJob(
        config=RunConfig(out=str(record["out"]), dataset=str(record.get("dataset", "mnist"))),
        owner=str(record.get("owner", "")),
        status=str(record.get("status", "failed")),
        started=float(record.get("started", 0.0)),
        epoch=int(record.get("epoch", 0)),
        epochs=int(record.get("epochs", 0)),
        batch=int(record.get("batch", 0)),
        batches=int(record.get("batches", 0)),
        history=list(record.get("history", [])),
        recent=list(record.get("recent", [])),
        error=record.get("error"),
        path=Path(path) if path else None,
    )
    if record.get("said") is not None:  # the page says it in its reader's language
        job.error = again(record["said"], job.error)
    if not job.finished and not running(checkpoints):
        job.status = "failed"
        job.error = msg("errors.jobs.replica_gone")
    found = read_snapshots(checkpoints)
    if found.get("out") == job.config.out:  # not a previous run's
        job.snapshots = list(found.get("snapshots", []))
        job.snapshot_indices = list(found.get("indices", []))
    found = read_decoder(checkpoints)
    if found.get("out") == job.config.out and isinstance(found.get("decoder"), dict):
        job.decoder = found["decoder"]  # checked by the replica that wrote it
    return job


def record_of(job) -> dict:
    """A `vae.jobs.TrainingJob`'s record (without its snapshots: those go apart)."""
    return {
        "out": str(job.config.out),
        "dataset": job.config.dataset,
        "owner": job.owner,
        "status": job.status,
        "started": job.started,
        "epoch": job.epoch,
        "epochs": job.epochs,
        "batch": job.batch,
        "batches": job.batches,
        "history": job.history,
        "recent": job.recent[-200:],
        "error": job.error,
        "said": plain(job.error) if isinstance(job.error, Msg) else None,
        "path": str(job.path) if job.path else None,
        "written": time.time(),
    }


def snapshots_of(job) -> dict:
    return {"out": str(job.config.out), "indices": job.snapshot_indices, "snapshots": job.snapshots}


def decoder_of(job) -> dict:
    return {"out": str(job.config.out), "decoder": job.decoder}
