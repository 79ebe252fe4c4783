"""Background training for the app: one run at a time, new files only, stoppable."""

from __future__ import annotations

import time

import pytest
import torch

from vae import jobs
from vae.checkpoint import load_checkpoint
from vae.data import Split, Splits
from vae.train import TrainConfig


def tiny_splits(n: int = 256) -> Splits:
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, 28, 28), generator=g, dtype=torch.uint8)
    labels = torch.arange(n) % 10
    return Splits("mnist", Split(images, labels), Split(images[:64], labels[:64]), source="test")


def wait(job: jobs.TrainingJob, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.finished, f"job still {job.status}"


def config(**kw) -> TrainConfig:
    base = dict(epochs=2, batch_size=32, limit_batches=3, hidden=(32, 16), warmup_epochs=0.5)
    return TrainConfig(**(base | kw))


def test_job_trains_and_saves_a_new_checkpoint(tmp_path):
    job = jobs.start(config(), tmp_path, owner="a", splits=tiny_splits())
    wait(job)
    assert job.status == "done", job.error
    assert job.path.parent == tmp_path and job.path.name.startswith("mnist-vae-mlp-2d-b1-")
    assert [h["epoch"] for h in job.history] == [1, 2]
    assert job.fraction == 1.0
    ckpt = load_checkpoint(job.path)
    assert ckpt.meta["epochs"] == 2 and not ckpt.meta["interrupted"]


def test_stop_saves_a_valid_checkpoint(tmp_path):
    job = jobs.start(config(epochs=100, limit_batches=2), tmp_path, owner="a", splits=tiny_splits())
    job.stop_requested.set()
    wait(job)
    assert job.status == "stopped"
    assert load_checkpoint(job.path).meta["interrupted"]


def test_only_one_run_at_a_time(tmp_path):
    job = jobs.start(config(epochs=100, limit_batches=2), tmp_path, owner="a", splits=tiny_splits())
    try:
        with pytest.raises(RuntimeError, match="already training"):
            jobs.start(config(), tmp_path, owner="b", splits=tiny_splits())
        assert jobs.current_job() is job
    finally:
        job.stop_requested.set()
        wait(job)


def test_failure_is_reported_not_raised(tmp_path):
    bad = Splits("fashion-mnist", tiny_splits().train, tiny_splits().test, source="test")
    job = jobs.start(config(), tmp_path, owner="a", splits=bad)
    wait(job)
    assert job.status == "failed" and "splits hold fashion-mnist" in job.error


def test_new_checkpoint_path_never_reuses_a_name(tmp_path):
    cfg = config()
    first = jobs.new_checkpoint_path(tmp_path, cfg)
    first.write_bytes(b"taken")
    second = jobs.new_checkpoint_path(tmp_path, cfg)
    assert second != first and not second.exists()
