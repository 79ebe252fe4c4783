"""Training for the app runs in a separate process: one at a time for the whole server.

The app serves many browser sessions from one process on a small CPU. A run
started from one session executes `vae.train.train` in a child process
(`python -m vae.jobs`), not in a thread of the server, because:

- a crash of the trainer, or the kernel's OOM killer, must not take the server
  and every classroom session down with it: the child dies alone and its
  `TrainingJob` says "failed: the training process died (killed by SIGKILL)";
- a training thread would compete with the sessions for the GIL and the
  cores. The child runs at the lowest CPU priority (nice 19) with one torch
  thread (OMP_NUM_THREADS=1), so the server's sessions stay responsive.

The child loads its data itself (only the config crosses the boundary, as
JSON) and reports on its stdout, one JSON object a line: progress (throttled
to a few a second, plus every epoch's test metrics and map), then how it ended.
An epoch's map carries the decoder's weights too (float16, packed as the exported page
packs them: `live_decoder`), at most one set every DECODER_EVERY seconds, so hovering
the live map decodes with the run's latest weights. A reader thread in the server
applies those lines to the `TrainingJob`, so the UI reads plain attributes and never
blocks. Stop is a line on the child's stdin ("stop"); the child's callback then raises
StopTraining and `train` saves a checkpoint. The child also stops and saves when its
stdin closes, i.e. when the server is gone. Closing a browser tab does nothing to a run:
the job lives in the server, any session sees it, its owner may stop it.

A global lock admits one run at a time, so two sessions never compete for the
cores or write the same file; across replicas of the app that share a checkpoints
folder (scripts/serve.sh), vae/job_record.py's lock (held by the training process) and
record do the same for the whole deployment, and let every replica show the run.
Every run writes a new, timestamped checkpoint name and never touches an existing
file; a checkpoint the child saved before it died is kept.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from base64 import b64decode
from binascii import Error as Base64Error
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from vae import job_record
from vae.files import write_problem
from vae.i18n import Msg, again, msg, plain

if TYPE_CHECKING:  # the server imports torch anyway; the child must not before renicing
    from collections.abc import Callable

    import numpy as np

    from vae.model import VAE
    from vae.train import Progress, TrainConfig

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # so the child runs this very code
CHILD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
PROGRESS_EVERY = 0.25  # seconds between progress lines within an epoch, at most
PUBLISH_EVERY = 1.0  # seconds between rewrites of the run's record for other replicas
# seconds between the decoder weights sent with the epochs' maps, at least (~0.6 MB of
# base64 for the default 2-D model; the last epoch's are always sent)
DECODER_EVERY = 3.0

_LOCK = threading.Lock()
_CURRENT: TrainingJob | None = None


class StopSignal(threading.Event):
    """`job.stop_requested`: an Event whose set() also tells the child to stop."""

    def __init__(self) -> None:
        super().__init__()
        self.notify = lambda: None  # replaced by start() once the child exists

    def set(self) -> None:
        super().set()
        self.notify()


@dataclass
class TrainingJob(job_record.RunProgress):
    """What one run has done so far; written by the server's reader thread, read by the UI."""

    config: TrainConfig
    owner: str  # the session that started it (only it may stop it)
    started: float = field(default_factory=time.time)
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    history: list[dict] = field(default_factory=list)  # {epoch, train, test} per finished epoch
    recent: list[dict] = field(default_factory=list)  # running train loss, sampled during the epoch
    # the map of a fixed test subset after each epoch (vae/replay.py): {epoch, xy, nelbo,
    # plane}; plane: {mean, components} of a latent space of more than 2 dimensions, or None
    snapshots: list[dict] = field(default_factory=list)
    # the latest decoder weights sent with a map (live_decoder, and its epoch), or None
    decoder: dict | None = None
    snapshot_indices: list[int] = field(default_factory=list)  # the test images they show
    # starting, running, stopping, planes (trained and saved, computing its t-SNE and UMAP
    # planes: vae/planes.py), done, stopped, failed
    status: str = "starting"
    error: str | None = None
    path: Path | None = None
    pid: int | None = None  # of the training process
    returncode: int | None = None  # of the training process, once it has exited
    stop_requested: StopSignal = field(default_factory=StopSignal)
    process: subprocess.Popen | None = field(default=None, repr=False, compare=False)
    folder: Path | None = None  # the checkpoints folder, where the run's record is kept
    remote: bool = False  # False: this process runs it (vae.job_record.RemoteJob: another)

    def stop(self) -> None:
        """Ask the child to save a checkpoint and exit (same as stop_requested.set())."""
        self.stop_requested.set()

    def apply(self, event: dict) -> None:
        """One line from the child (see `_child_main`); terminal events are kept for `_watch`."""
        kind = event.get("event")
        if kind == "progress":
            self.epoch, self.epochs = event["epoch"], event["epochs"]
            self.batch, self.batches = event["batch"], event["batches"]
            if event.get("sample"):
                step = round((event["epoch"] - 1) + event["batch"] / event["batches"], 3)
                self.recent = [*self.recent, {"step": step, "loss": event["loss"]}]
        elif kind == "epoch":
            self.epoch, self.epochs = event["epoch"], event["epochs"]
            self.batch = self.batches = event["batches"]
            entry = {"epoch": event["epoch"], "train": event["train"], "test": event["test"]}
            self.history = [*self.history, entry]  # a new list: readers never see it half-built
        elif kind == "snapshot":
            if event.get("indices"):
                self.snapshot_indices = event["indices"]
            entry = {"epoch": event["epoch"], "xy": event["xy"], "nelbo": event.get("nelbo"),
                     "plane": event.get("plane")}  # fmt: skip
            self.snapshots = [*self.snapshots, entry]
            if event.get("decoder") is not None:
                problem = decoder_problem(event["decoder"])
                if problem is None:
                    self.decoder = {**event["decoder"], "epoch": event["epoch"]}
                else:  # the live map keeps decoding with the weights it has
                    print(f"vae.jobs: epoch {event['epoch']}'s decoder weights are ignored: "
                          f"{problem}", file=sys.stderr)  # fmt: skip
        if kind in ("progress", "epoch") and not self.finished:
            self.status = "stopping" if self.stop_requested.is_set() else "running"
        elif kind == "planes" and not self.finished:  # trained and saved; planes to come
            self.status = "planes"
            self.path = Path(event["path"])


def decoder_problem(record) -> str | None:
    """What is wrong with a decoder record from the child (see `live_decoder`), or None.

    Checked before the server keeps it and sends it on: the layers chain, lie inside the
    weights, and the base64 holds exactly `float32` float32 then the rest as float16.
    """
    if not isinstance(record, dict):
        return "not a record"
    layers, floats, head = record.get("layers"), record.get("floats"), record.get("float32")
    if not isinstance(floats, int) or not isinstance(head, int) or not 0 <= head <= floats:
        return "no valid float counts"
    keys = ("in", "out", "weight", "bias")
    if (
        not isinstance(layers, list)
        or not layers
        or not all(
            isinstance(layer, dict) and all(isinstance(layer.get(k), int) for k in keys)
            for layer in layers
        )
    ):
        return "no valid layers"
    for i, layer in enumerate(layers):
        if (
            min(layer[k] for k in keys) < 0
            or max(layer["weight"] + layer["in"] * layer["out"], layer["bias"] + layer["out"])
            > floats
        ):
            return f"layer {i} lies outside the weights"
        if i and layer["in"] != layers[i - 1]["out"]:
            return f"layer {i} takes {layer['in']} inputs from {layers[i - 1]['out']} outputs"
    if record.get("latent_dim") != layers[0]["in"]:
        return f"latent_dim {record.get('latent_dim')!r} is not the first layer's input size"
    try:
        sizes = [len(b64decode(record[k], validate=True)) for k in ("data32", "data16")]
    except (KeyError, TypeError, ValueError, Base64Error):
        return "no valid base64 weights"
    if sizes != [4 * head, 2 * (floats - head)]:
        return f"{sizes[0]} + {sizes[1]} bytes of weights for {head} + {floats - head} floats"
    return None


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


def current_job(folder: str | Path | None = None):
    """This deployment's current or last run: this server's own (a TrainingJob), or, given
    the shared checkpoints folder, another replica's as its record shows it (a
    vae.job_record.RemoteJob), whichever started last."""
    local = _CURRENT
    if folder is None:
        return local
    remote = job_record.remote_job(folder)
    if remote is None or (local is not None and local.config.out == remote.config.out):
        return local
    if local is None or remote.started > local.started:
        return remote
    return local


def start(cfg: TrainConfig, folder: str | Path, owner: str, splits=None) -> TrainingJob:
    """Start a run writing a new checkpoint under `folder`; RuntimeError if one is running.

    The child loads `cfg.dataset` itself (from `cfg.data_root` or the usual places);
    `splits` is accepted for callers that loaded the data already and only checked to
    be the config's dataset: tensors do not cross the process boundary.
    """
    global _CURRENT
    if splits is not None and splits.name != cfg.dataset:
        raise ValueError(f"splits hold {splits.name}, config asks for {cfg.dataset}")
    with _LOCK:
        if _CURRENT is not None and not _CURRENT.finished:
            raise RuntimeError(msg("errors.jobs.busy_here"))
        try:
            lock = job_record.acquire(folder)
        except OSError as e:
            reason = write_problem(e)
            raise RuntimeError(msg("errors.jobs.folder", reason=reason)) from e
        if lock is None:
            raise RuntimeError(msg("errors.jobs.busy_elsewhere"))
        try:
            cfg = replace(cfg, out=str(new_checkpoint_path(folder, cfg)), resume=None)
            job = TrainingJob(config=cfg, owner=owner, epochs=cfg.epochs, folder=Path(folder))
            _CURRENT = job
            try:
                _spawn(job, lock)  # the child holds the lock for as long as it lives
            except OSError as e:  # e.g. no memory to fork: reported like any failure
                job.error = msg("errors.jobs.no_start", error=str(e))
                job.status = "failed"
            _publish(job, snapshots=True, decoder=True)
        finally:
            os.close(lock)  # ours; the child's copy keeps the lock
    return job


def _publish(job: TrainingJob, snapshots: bool = False, decoder: bool = False) -> None:
    """The run's record for the other replicas (vae/job_record.py); with its snapshots,
    and its latest decoder weights, if asked (they change once an epoch, at most)."""
    if job.folder is not None:
        job_record.write(
            job.folder,
            job_record.record_of(job),
            job_record.snapshots_of(job) if snapshots else None,
            job_record.decoder_of(job) if decoder else None,
        )


def _spawn(job: TrainingJob, lock: int | None = None) -> None:
    # The child's tracebacks, quoted if it dies; _watch closes it when the child has exited.
    stderr = tempfile.TemporaryFile()  # noqa: SIM115
    env = os.environ | CHILD_ENV
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")) if p
    )
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vae.jobs", json.dumps(job.config.to_dict())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            text=True,
            bufsize=1,
            start_new_session=True,  # Ctrl-C on the server's terminal is not a stop
            pass_fds=() if lock is None else (lock,),
        )
    except OSError:
        stderr.close()
        raise
    job.process, job.pid = proc, proc.pid
    send_lock = threading.Lock()

    def notify() -> None:
        with send_lock:
            try:
                proc.stdin.write("stop\n")
                proc.stdin.flush()
            except (OSError, ValueError):  # the child is gone already, or stdin closed
                pass
        if not job.finished:
            job.status = "stopping"

    job.stop_requested.notify = notify
    if job.stop_requested.is_set():  # set before the child existed
        notify()
    threading.Thread(
        target=_watch, args=(job, proc, stderr), name="vae-train-reader", daemon=True
    ).start()


def _watch(job: TrainingJob, proc: subprocess.Popen, stderr: IO[bytes]) -> None:
    """The reader thread: apply the child's lines until EOF, then settle how it ended."""
    final = None
    published = 0.0
    try:
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # not ours
            if not isinstance(event, dict):
                continue
            if event.get("event") in ("done", "stopped", "failed"):
                final = event
                if event.get("path"):
                    job.path = Path(event["path"])
            else:
                decoder = job.decoder
                job.apply(event)
                kind = event.get("event")
                now = kind in ("epoch", "snapshot", "planes")  # all replicas: at once
                if now or time.monotonic() - published > PUBLISH_EVERY:
                    published = time.monotonic()
                    _publish(job, snapshots=kind == "snapshot", decoder=job.decoder is not decoder)
    except (OSError, ValueError):
        pass  # the pipe broke: the exit code below says why
    job.returncode = rc = proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        with contextlib.suppress(OSError):
            pipe.close()
    if final is not None and final["event"] != "failed":
        job.status = final["event"]
    elif final is not None:
        job.error = error_of(final)
        job.status = "failed"
    else:
        job.error = _death_message(job, rc, stderr)
        job.status = "failed"
    stderr.close()
    _publish(job, snapshots=True)


def _death_message(job: TrainingJob, rc: int, stderr: IO[bytes]) -> str:
    """Why the training process ended without a result, in one line for the UI (a Msg: the
    app shows it in the reader's language; the child's own last words stay as they are)."""
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = f"signal {-rc}"
        if -rc == signal.SIGKILL:
            how = msg("errors.jobs.killed_oom", signal=name)
        else:
            how = msg("errors.jobs.killed", signal=name)
    else:
        how = msg("errors.jobs.exited", code=rc)
    words = kept = ""
    stderr.seek(0)
    tail = stderr.read()[-4000:].decode(errors="replace").strip()
    if tail:  # for whoever runs the server; the UI gets one line
        print(f"vae.jobs: training process {job.pid} died ({how}):\n{tail}", file=sys.stderr)
        lines = tail.splitlines()
        fatal = [line for line in lines if line.startswith("Fatal Python error")]
        words = msg("errors.jobs.last_words", line=(fatal or lines)[-1].strip())
    out = Path(job.config.out)
    if out.exists():
        job.path = out
        kept = msg("errors.jobs.kept", name=out.name)
    return msg("errors.jobs.died", how=how, words=words, kept=kept)


# ---- the child ---------------------------------------------------------------------------------
def lowest_priority() -> None:
    """Nice 19 for this process, and for its scheduling group.

    The child starts a session of its own, and Linux's autogroup scheduler (on by default)
    shares the CPU fairly between sessions whatever their processes' nice values: measured,
    a nice-19 trainer in its own session still took ~40% of a core from 7 browser sessions
    and their server. Its autogroup's nice value is what makes it yield.
    """
    if hasattr(os, "setpriority"):
        os.setpriority(os.PRIO_PROCESS, 0, 19)
    # no autogroup (another OS, or turned off): nice alone is enough there
    with contextlib.suppress(OSError):
        Path("/proc/self/autogroup").write_text("19")


class _Channel:
    """The child's line protocol with the server: events out on the original stdout, "stop"
    in on stdin. Anything else printed goes to stderr. `stop` is set on "stop", or when
    either pipe closes (the server is gone: save and stop)."""

    def __init__(self) -> None:
        self.out = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self.stop = threading.Event()
        self.lock = threading.Lock()
        threading.Thread(target=self.read_commands, name="vae-train-commands", daemon=True).start()

    def send(self, **event) -> None:
        with self.lock:
            try:
                self.out.write(json.dumps(event) + "\n")
            except (OSError, ValueError):  # the server is gone: save and stop
                self.stop.set()

    def read_commands(self) -> None:
        for line in sys.stdin:
            if line.strip() == "stop":
                self.stop.set()
        self.stop.set()  # stdin closed: the server is gone, so save and stop


def live_decoder(model: VAE, xy: np.ndarray, plane: tuple | None) -> dict | None:
    """The decoder weights for the live map (components/replay/), packed as the exported
    page's (vae/export.py pack_weights: float16, leading layers float32 only where float16
    would miss): {latent_dim, layers, floats, activation, output, float32, data32, data16,
    max_error}. It decodes latent points; the page takes a point p of a plane to
    mean + p @ components itself (`plane`, None for a 2-D latent space). The precision is
    checked on every 16th of the map's points `xy` (n, 2) and a 12 x 12 grid over them
    (~270 points: numpy's float64 decoding of them is most of what this costs, 0.5-1 s
    for the Train form's model on the loaded test machine, once per DECODER_EVERY at
    most). None if the page cannot run the decoder (not an MLP)."""
    import numpy as np
    import torch

    from vae.device import device_of
    from vae.export import check_points, pack_weights
    from vae.web import export_decoder

    exported = export_decoder(model)
    if exported is None:
        return None
    blob, manifest = exported
    p = check_points(np.asarray(xy, np.float32), n_grid=12, every=16).astype(np.float64)
    z = (p if plane is None else plane[0] + p @ plane[1]).astype(np.float32)
    with torch.no_grad():
        reference = model.decode(torch.from_numpy(z).to(device_of(model))).flatten(1).cpu()
    packed = pack_weights(blob, manifest["layers"], z, reference.numpy(), manifest["activation"])
    keys = ("latent_dim", "layers", "floats", "activation", "output")
    return {**{k: manifest[k] for k in keys}, **packed}


def _progress_callback(channel: _Channel) -> Callable[[Progress], None]:
    """The trainer's callback: stops on request, and sends snapshots (with the decoder's
    weights, at most every DECODER_EVERY seconds and after the last epoch), epochs and (at
    most every PROGRESS_EVERY seconds, and at each tenth of an epoch) batch progress."""
    last = 0.0
    decoder_sent = -float("inf")
    indices_sent = False
    send = channel.send

    def send_snapshot(p: Progress) -> None:
        """The epoch's map for the live view: the subset's points on a plane (vae/replay.py),
        that plane, and when due the decoder's weights."""
        nonlocal indices_sent, decoder_sent
        import numpy as np

        from vae.replay import plane_of, snapshot_indices, to_point

        snapshot = p.snapshot
        indices = None if indices_sent else snapshot_indices([snapshot]).tolist()
        indices_sent = True
        mu = np.asarray(snapshot["mu"], dtype=np.float64)
        plane = plane_of(mu) if mu.shape[1] > 2 else None
        xy = to_point(snapshot, plane)
        decoder = None
        due = p.epoch == p.epochs or time.monotonic() - decoder_sent >= DECODER_EVERY
        if p.model is not None and due:
            decoder = live_decoder(p.model, np.reshape(xy, (-1, 2)), plane)
            decoder_sent = time.monotonic()
        nelbo = snapshot.get("nelbo")
        send(event="snapshot", epoch=int(snapshot["epoch"]), xy=xy,
             nelbo=None if nelbo is None else float(nelbo), indices=indices,
             plane=None if plane is None else {"mean": plane[0].tolist(),
                                               "components": plane[1].tolist()},
             decoder=decoder)  # fmt: skip

    def callback(p: Progress) -> None:
        nonlocal last
        if channel.stop.is_set():
            from vae.train import StopTraining

            raise StopTraining
        if getattr(p, "snapshot", None) is not None:  # the encoder's map after this epoch
            send_snapshot(p)
        if p.test is not None:
            send(event="epoch", epoch=p.epoch, epochs=p.epochs, batches=p.batches,
                 train=p.train, test=p.test)  # fmt: skip
            return
        sample = p.batch % max(1, p.batches // 10) == 0
        now = time.monotonic()
        if sample or now - last >= PROGRESS_EVERY:
            last = now
            send(event="progress", epoch=p.epoch, epochs=p.epochs, batch=p.batch,
                 batches=p.batches, loss=p.train["loss"], sample=sample)  # fmt: skip

    return callback


def _child_config(config_json: str) -> TrainConfig:
    """Import torch (one thread: the server's sessions come first) and read the config."""
    import torch

    from vae.train import TrainConfig

    torch.set_num_threads(1)
    with contextlib.suppress(RuntimeError):  # already set
        torch.set_num_interop_threads(1)
    values = json.loads(config_json)
    values["hidden"] = tuple(values["hidden"])
    return TrainConfig(**values)


def said(error: BaseException, strip: str = "") -> dict:
    """What a "failed" event carries of an error raised with a catalog message (vae.i18n.msg):
    the message as data (vae.i18n.plain, `strip` taken out of its texts), so the page says
    it in its reader's language (error_of). {} for any other error."""
    words = error.args[0] if len(error.args) == 1 else None
    return {"said": plain(words, strip)} if isinstance(words, Msg) else {}


def error_of(final: dict) -> str:
    """A "failed" event's error: its catalog message again (a Msg) when it carries one,
    else its words."""
    words = final.get("error") or msg("errors.jobs.failed")
    return words if final.get("said") is None else again(final["said"], words)


def _child_main(config_json: str) -> int:
    """Run one training in this process, reporting on the original stdout."""
    lowest_priority()  # first of all: the server's sessions come first
    faulthandler.enable()  # a segfault in torch leaves a "Fatal Python error" line on stderr
    for name, value in CHILD_ENV.items():
        os.environ.setdefault(name, value)
    channel = _Channel()  # our protocol owns the original stdout
    send = channel.send
    try:
        cfg = _child_config(config_json)
        from vae.checkpoint import CheckpointError
        from vae.train import StopTraining, train
    except Exception as e:
        send(event="failed", error=f"{type(e).__name__}: {e}", **said(e))
        return 1
    try:
        path = train(cfg, callback=_progress_callback(channel), show_progress=False)
    except (StopTraining, KeyboardInterrupt):
        send(event="stopped", path=cfg.out)  # train() saved what it had before re-raising
        return 0
    except CheckpointError as e:  # a full disk, a read-only folder: say so, without paths
        folder = f"{Path(cfg.out).parent}{os.sep}"
        send(event="failed", error=str(e).replace(folder, ""), **said(e, folder))
        return 1
    except Exception as e:  # bad data, a bad config: the message reaches the UI
        send(event="failed", error=f"{type(e).__name__}: {e}", **said(e))
        return 1
    if cfg.latent_dim > 2 and not channel.stop.is_set():
        send(event="planes", path=str(path))
        compute_planes(path, channel.stop, cfg.data_root)
    send(event="done", path=str(path))
    return 0


def compute_planes(path: str | Path, stop: threading.Event, data_root: str | None = None) -> None:
    """The new model's t-SNE and UMAP planes, kept beside it (vae/planes.py), so that no
    page computes them; a Stop skips what is not begun. A failure costs only the planes
    (the app then computes them off the page): it is told on stderr, the run stays done."""
    from vae import planes

    try:
        mu = planes.encode_test_set(path, data_root)
        for method in planes.METHODS:
            if stop.is_set():
                return
            planes.ensure_planes(path, mu, [method], log=lambda line: print(line, file=sys.stderr))
    except Exception as e:  # noqa: BLE001 - the checkpoint is saved; the planes are extra
        name = Path(path).name
        print(f"vae.jobs: no planes for {name}: {type(e).__name__}: {e}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m vae.jobs CONFIG_JSON  (the app starts this; see start())")
    sys.exit(_child_main(sys.argv[1]))
