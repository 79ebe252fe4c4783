"""vae.job_record: one run per deployment (a lock held by the training process) and a
record every replica reads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import SimpleNamespace

import pytest

from vae import i18n, job_record


def hold_in_child(fd: int) -> subprocess.Popen:
    """A process that inherits the lock's descriptor and sleeps, as the trainer does."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], pass_fds=(fd,))


def test_one_lock_at_a_time_and_it_dies_with_its_process(tmp_path):
    assert not job_record.running(tmp_path)
    fd = job_record.acquire(tmp_path)
    assert fd is not None
    child = hold_in_child(fd)
    os.close(fd)  # the server's copy: the child's keeps the lock
    try:
        assert job_record.running(tmp_path)
        assert job_record.acquire(tmp_path) is None  # another replica cannot start a run
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert not job_record.running(tmp_path)
        again = job_record.acquire(tmp_path)
        assert again is not None
        os.close(again)
    finally:
        child.kill()


def fake_job(**kw):
    values = dict(
        config=SimpleNamespace(out="/ckpt/mnist-vae-new.pt", dataset="fashion-mnist"),
        owner="s1", status="running",
        started=1.0, epoch=2, epochs=5, batch=10, batches=100, history=[{"epoch": 1}],
        recent=[{"step": 0.5, "loss": 200.0}], error=None, path=None,
        snapshots=[{"epoch": 1, "xy": "AAAA", "nelbo": 180.0}], snapshot_indices=[3, 7],
    )  # fmt: skip
    values.update(kw)
    return SimpleNamespace(**values)


def test_a_running_record_is_seen_by_another_replica_and_cannot_be_stopped_there(tmp_path):
    fd = job_record.acquire(tmp_path)
    child = hold_in_child(fd)
    os.close(fd)
    try:
        job = fake_job()
        job_record.write(tmp_path, job_record.record_of(job), job_record.snapshots_of(job))
        seen = job_record.remote_job(tmp_path)
        assert seen.status == "running" and not seen.finished
        assert (seen.epoch, seen.epochs, seen.owner) == (2, 5, "s1")
        assert seen.config.dataset == "fashion-mnist"
        assert seen.fraction == pytest.approx((1 * 100 + 10) / 500)
        assert seen.snapshots == job.snapshots and seen.snapshot_indices == [3, 7]
        with pytest.raises(PermissionError, match="another replica"):
            seen.stop()
    finally:
        child.kill()
        child.wait()


def test_a_record_left_running_by_a_dead_replica_reads_as_failed(tmp_path):
    job_record.write(tmp_path, job_record.record_of(fake_job()))
    seen = job_record.remote_job(tmp_path)  # nobody holds the lock
    assert seen.status == "failed" and "stopped before it ended" in seen.error
    assert "副本" in i18n.localize(seen.error, "zh")  # in the reader's language


def test_a_failed_runs_error_reads_in_any_language_on_another_replica(tmp_path):
    error = i18n.msg("errors.data.magic", path="train-images-idx3-ubyte", magic="0x00000807")
    job_record.write(tmp_path, job_record.record_of(fake_job(status="failed", error=error)))
    seen = job_record.remote_job(tmp_path)
    assert seen.error == error  # the English words, as before
    assert i18n.localize(seen.error, "zh").startswith("train-images-idx3-ubyte：魔数 0x00000807")
    # a record written without the message (or by another version): its words
    job_record.write(tmp_path, job_record.record_of(fake_job(status="failed", error="E: words")))
    assert job_record.remote_job(tmp_path).error == "E: words"


def test_snapshots_of_a_previous_run_are_not_shown_for_a_new_one(tmp_path):
    old = fake_job(config=SimpleNamespace(out="/ckpt/old.pt", dataset="mnist"), status="done")
    job_record.write(tmp_path, job_record.record_of(old), job_record.snapshots_of(old))
    new = fake_job(status="done", snapshots=[])
    job_record.write(tmp_path, job_record.record_of(new))
    assert job_record.remote_job(tmp_path).snapshots == []


def test_no_record_no_job_and_a_broken_record_is_ignored(tmp_path):
    assert job_record.remote_job(tmp_path) is None
    (tmp_path / ".training").mkdir()
    (tmp_path / ".training" / "job.json").write_text("{not json")
    assert job_record.remote_job(tmp_path) is None


def test_a_read_only_folder_never_stops_the_writer(tmp_path):
    if os.geteuid() == 0:
        # root writes anyway: make the record's place a file, so writing it must fail
        (tmp_path / ".training").write_text("in the way")
    else:
        tmp_path.chmod(0o555)
    job_record.write(tmp_path, job_record.record_of(fake_job()))  # no exception
    assert job_record.remote_job(tmp_path) is None
