"""Training for the app in a child process: one at a time, new files only, stoppable,
and a dead trainer is a failed job, not a dead server. Every test starts a real child
(`python -m vae.jobs`) on a few tiny IDX files, so it pays a torch import (~1-3 s)."""

from __future__ import annotations

import os
import signal
import struct
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from vae import i18n, job_record, jobs
from vae.checkpoint import load_checkpoint
from vae.train import TrainConfig
from vae.train_config import limit_of

TIMEOUT = 120  # seconds; generous, the machine's 2 cores are shared


def write_idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def data_root(tmp_path) -> Path:
    """256 train and 64 test random "digits" as IDX files, which the child loads itself."""
    root = tmp_path / "data"
    root.mkdir()
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 256), ("t10k", 64)):
        write_idx(root / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        write_idx(root / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10)
    return root


@pytest.fixture(autouse=True)
def no_job_left_running():
    yield
    job = jobs.current_job()
    if job is not None and not job.finished:
        if job.process is not None:
            job.process.kill()
        until(lambda: job.finished, "the leftover job to end")


def until(condition, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def wait(job: jobs.TrainingJob) -> None:
    until(lambda: job.finished, f"the job to finish (still {job.status})")


def config(data_root: Path, **kw) -> TrainConfig:
    base = dict(
        epochs=2,
        batch_size=32,
        limit_batches=2,
        hidden=(32, 16),
        warmup_epochs=0.5,
        data_root=str(data_root),
    )
    return TrainConfig(**(base | kw))


# A run that outlasts any test's wait: the most epochs allowed, each over all the data.
LONG = {"epochs": int(limit_of("epochs").hi), "limit_batches": None}


def long_run(data_root: Path, tmp_path: Path, owner: str = "a") -> jobs.TrainingJob:
    """A run that lasts far longer than any test waits, seen running (past data loading)."""
    job = jobs.start(config(data_root, **LONG), tmp_path, owner=owner)
    until(lambda: job.status == "running" or job.finished, "the child's first progress")
    assert job.status == "running", job.error
    return job


def test_job_trains_in_a_child_and_saves_a_new_checkpoint(tmp_path, data_root):
    job = jobs.start(config(data_root), tmp_path, owner="a")
    assert job.pid is not None and job.pid != os.getpid()
    wait(job)
    assert job.status == "done", job.error
    assert job.returncode == 0
    assert job.path.parent == tmp_path and job.path.name.startswith("mnist-vae-mlp-2d-b1-")
    assert [h["epoch"] for h in job.history] == [1, 2]
    assert set(job.history[0]["test"]) >= {"nelbo", "recon", "kl"}
    # each epoch's map, for the live view: the subset's points, flat x, y pairs
    assert [s["epoch"] for s in job.snapshots] == [1, 2]
    assert job.snapshots[1]["nelbo"] == job.history[1]["test"]["nelbo"]
    assert len(job.snapshots[1]["xy"]) == 2 * len(job.snapshot_indices) > 0
    assert job.fraction == 1.0
    ckpt = load_checkpoint(job.path)
    assert ckpt.meta["epochs"] == 2 and not ckpt.meta["interrupted"]
    assert ckpt.meta["data_source"] == str(data_root)  # the child loaded the data itself


def test_the_child_computes_a_new_models_planes_after_training(tmp_path, data_root, monkeypatch):
    """What the child runs after its last epoch (compute_planes), here in-process with
    stand-in embeddings (the real ones: minutes at nice 19 on a busy machine)."""
    import threading

    import torch

    from vae import planes, projection
    from vae.checkpoint import save_checkpoint
    from vae.model import VAE, VAEConfig

    torch.manual_seed(0)
    path = tmp_path / "new-3d.pt"
    save_checkpoint(path, VAE(VAEConfig(latent_dim=3, hidden=(16,))), {"dataset": "mnist"})
    calls = []
    for method in planes.METHODS:
        monkeypatch.setitem(
            projection.EMBEDDINGS, method,
            lambda p, s, m=method: calls.append(m) or np.asarray(p, np.float32)[:, :2],
        )  # fmt: skip
    stop = threading.Event()
    stop.set()  # Stop pressed during the planes: what is not begun is skipped
    jobs.compute_planes(path, stop, str(data_root))
    assert calls == [] and planes.read_plane(path, "tsne") is None
    jobs.compute_planes(path, threading.Event(), str(data_root))
    assert calls == ["tsne", "umap"]
    for method in planes.METHODS:  # the 64 test images of data_root, laid out
        assert planes.read_plane(path, method, 64).shape == (64, 2)
    # the server hears of it: the run is trained and saved, not finished yet
    job = jobs.TrainingJob(config=config(data_root), owner="a", status="running")
    job.apply({"event": "planes", "path": str(path)})
    assert job.status == "planes" and not job.finished and job.path == path


def test_child_runs_at_lowest_priority_with_one_thread(tmp_path, data_root):
    job = long_run(data_root, tmp_path)
    assert os.getpriority(os.PRIO_PROCESS, job.pid) >= 19
    autogroup = Path(f"/proc/{job.pid}/autogroup")
    if autogroup.exists():  # Linux: its session's share of the CPU yields too
        assert autogroup.read_text().split()[-1] == "19"
    environ = Path(f"/proc/{job.pid}/environ").read_bytes().split(b"\0")
    assert b"OMP_NUM_THREADS=1" in environ
    job.stop()
    wait(job)


def test_stop_mid_run_saves_a_valid_checkpoint(tmp_path, data_root):
    job = long_run(data_root, tmp_path)
    until(lambda: len(job.history) >= 1, "a finished epoch")
    job.stop()
    assert job.status in ("stopping", "stopped")
    wait(job)
    assert job.status == "stopped", job.error
    ckpt = load_checkpoint(job.path)
    assert ckpt.meta["interrupted"] and ckpt.meta["epochs"] >= 1


def test_stop_requested_set_still_stops_at_once(tmp_path, data_root):
    # what the UI calls today, even before the child has loaded anything
    job = jobs.start(config(data_root, **LONG), tmp_path, owner="a")
    job.stop_requested.set()
    wait(job)
    assert job.status == "stopped", job.error
    assert load_checkpoint(job.path).meta["interrupted"]


def test_child_saves_and_stops_when_the_server_is_gone(tmp_path, data_root):
    job = long_run(data_root, tmp_path)
    job.process.stdin.close()  # what the child sees when the server dies
    wait(job)
    assert job.status == "stopped", job.error
    assert load_checkpoint(job.path).meta["interrupted"]


def test_killed_child_fails_the_job_not_the_server(tmp_path, data_root):
    job = long_run(data_root, tmp_path)
    os.kill(job.pid, signal.SIGKILL)
    wait(job)
    assert job.status == "failed"
    assert "training process died" in job.error and "SIGKILL" in job.error
    assert job.returncode == -signal.SIGKILL
    # this process carries on, and the server can train again
    again = jobs.start(config(data_root, epochs=1), tmp_path, owner="b")
    wait(again)
    assert again.status == "done", again.error


def test_only_one_run_at_a_time(tmp_path, data_root):
    job = jobs.start(config(data_root, **LONG), tmp_path, owner="a")
    with pytest.raises(RuntimeError, match="already training"):
        jobs.start(config(data_root), tmp_path, owner="b")
    assert jobs.current_job() is job
    job.stop()
    wait(job)


def test_bad_data_in_the_child_is_reported_not_raised(tmp_path, data_root):
    (data_root / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x07rubbish")
    job = jobs.start(config(data_root), tmp_path, owner="a")
    wait(job)
    assert job.status == "failed" and "bad magic number" in job.error
    assert job.returncode == 1
    # the child's message keeps its key across the pipe: the page says it in Chinese too
    zh = i18n.localize(job.error, "zh")
    assert "魔数" in zh and "0x00000807" in zh and "train-images-idx3-ubyte" in zh, zh


def test_a_failed_event_carries_the_message_key_and_nested_messages_through_json():
    import json

    from vae.i18n import msg

    inner = msg("errors.checkpoint.write", problem="disk full")
    error = RuntimeError(msg("errors.checkpoint.at", path="/runs/a/model.pt", reason=inner))
    event = json.loads(json.dumps({"event": "failed", "error": str(error),
                                   **jobs.said(error, strip="/runs/a/")}))  # fmt: skip
    again = jobs.error_of(event)
    assert again == "model.pt: could not write the checkpoint: disk full"  # the folder taken out
    assert i18n.localize(again, "zh") == "model.pt：无法写入检查点：disk full"
    # an error without a catalog message, or a message this version does not know: its words
    assert jobs.said(ValueError("plain words")) == {}
    assert jobs.error_of({"event": "failed", "error": "ValueError: plain words"}) == (
        "ValueError: plain words")  # fmt: skip
    odd = {"event": "failed", "error": "E: old words", "said": {"key": "errors.data.magic",
                                                              "params": {"path": "x"}}}  # fmt: skip
    assert jobs.error_of(odd) == "E: old words"  # a value missing: the words, not a KeyError
    assert jobs.error_of({"event": "failed"}) == i18n.msg("errors.jobs.failed")


def test_splits_of_another_dataset_are_refused(tmp_path, data_root):
    # the app may pass the splits it loaded; only their name is checked, nothing is sent
    fashion = SimpleNamespace(name="fashion-mnist")
    with pytest.raises(ValueError, match="splits hold fashion-mnist"):
        jobs.start(config(data_root), tmp_path, owner="a", splits=fashion)
    assert jobs.current_job() is None or jobs.current_job().finished


def test_new_checkpoint_path_never_reuses_a_name(tmp_path, data_root):
    cfg = config(data_root)
    first = jobs.new_checkpoint_path(tmp_path, cfg)
    first.write_bytes(b"taken")
    second = jobs.new_checkpoint_path(tmp_path, cfg)
    assert second != first and not second.exists()


def test_one_run_per_deployment_seen_by_every_replica(data_root, tmp_path, monkeypatch):
    """Replicas share the checkpoints folder: another replica (here: this module with no
    run of its own) sees the run from its record, cannot stop it, and cannot start another."""
    job = long_run(data_root, tmp_path)
    until(lambda: (job_record.remote_job(tmp_path) or job).epoch >= 1, "the record's progress")
    with monkeypatch.context() as other_replica:
        other_replica.setattr(jobs, "_CURRENT", None)
        seen = jobs.current_job(tmp_path)
        assert seen.remote and seen.status == "running" and seen.owner == "a"
        assert seen.config.out == job.config.out
        with pytest.raises(PermissionError):
            seen.stop()
        with pytest.raises(RuntimeError, match="another server of this deployment"):
            jobs.start(config(data_root), tmp_path, owner="b")
    assert jobs.current_job(tmp_path) is job  # its own replica shows its own job
    job.stop()
    wait(job)
    with monkeypatch.context() as other_replica:
        other_replica.setattr(jobs, "_CURRENT", None)
        until(lambda: jobs.current_job(tmp_path).status == "stopped", "the record's ending")
        assert jobs.current_job(tmp_path).path == job.path
        again = jobs.start(config(data_root, epochs=1), tmp_path, owner="b")  # the lock is free
        wait(again)
        assert again.status == "done", again.error
