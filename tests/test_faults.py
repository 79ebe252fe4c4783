"""Faults a long-lived server meets: a disk that fills up while a checkpoint is written, a
read-only checkpoints folder. Training stops and says why; the last good checkpoint stays
loadable and nothing half-written is left; the server (its job lock) goes on.

The disk is a real small tmpfs, mounted by the test: that needs root (CI runs as root).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest

from tests.test_jobs import (  # noqa: F401  (data_root and no_job_left_running: fixtures)
    config,
    data_root,
    no_job_left_running,
    until,
)
from vae import jobs
from vae.checkpoint import load_checkpoint
from vae.train import main as train_main
from vae.train import train

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)"
)


@contextlib.contextmanager
def small_disk(where: Path, size: int, read_only: bool = False):
    """A tmpfs of `size` bytes (rounded up to pages) at `where`; optionally remounted
    read-only once `where` holds what the caller put there first (see `fill`)."""
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                   check=True)  # fmt: skip
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)


def one_epoch_size(tmp_path: Path, data_root: Path) -> int:  # noqa: F811
    """How big the checkpoint of one epoch of `run_args` is, measured on a roomy disk."""
    path = tmp_path / "measure" / "m.pt"
    assert train_main([*run_args(data_root, path), "--epochs", "1"]) == 0
    return path.stat().st_size


def run_args(data_root: Path, out: Path) -> list[str]:  # noqa: F811
    return ["--data-root", str(data_root), "--hidden", "32", "16", "--batch-size", "32",
            "--limit-batches", "2", "--warmup-epochs", "0.5", "--out", str(out)]  # fmt: skip


def wait(job: jobs.TrainingJob) -> None:
    # the trainer runs at nice 19: on a machine busy with other work it starts slowly
    until(lambda: job.finished, f"the job to finish (still {job.status})", timeout=900)


def leftovers(folder: Path, keep: str) -> list[str]:
    """Files beside the checkpoint: none (.training holds the run's lock and record)."""
    return sorted(p.name for p in folder.iterdir() if p.name not in (keep, ".training"))


def test_a_full_disk_stops_the_cli_clearly_and_keeps_the_last_checkpoint(
    tmp_path,
    data_root,  # noqa: F811
    capsys,
):
    # room for one checkpoint and a half: epoch 1's save fits, epoch 2's temp file does not
    size = one_epoch_size(tmp_path, data_root)
    capsys.readouterr()
    with small_disk(tmp_path / "disk", size * 3 // 2) as disk:
        out = disk / "m.pt"
        code = train_main([*run_args(data_root, out), "--epochs", "4"])
        err = capsys.readouterr().err
        assert code != 0
        (line,) = [x for x in err.splitlines() if x.startswith("vae-train: error:")]
        assert "the disk is full" in line and "m.pt as saved after epoch 1 is kept" in line
        assert "Traceback" not in err
        assert load_checkpoint(out).meta["epochs"] == 1  # the last good one, loadable
        assert leftovers(disk, "m.pt") == []  # no temp file


def test_a_read_only_folder_is_refused_before_any_training(tmp_path, data_root, capsys):  # noqa: F811
    with small_disk(tmp_path / "disk", 4 << 20) as disk:
        out = disk / "m.pt"
        assert train_main([*run_args(data_root, out), "--epochs", "1"]) == 0
        before = out.read_bytes()
        read_only(disk)
        capsys.readouterr()
        code = train_main([*run_args(data_root, out), "--epochs", "3", "--resume", str(out)])
        err = capsys.readouterr().err
        assert code != 0
        assert "the folder is on a read-only file system" in err
        assert "epoch   1" not in err and "test nelbo" not in err  # said at once, no epoch run
        assert out.read_bytes() == before and load_checkpoint(out).meta["epochs"] == 1
        assert leftovers(disk, "m.pt") == []


def test_a_full_disk_fails_the_apps_job_with_the_reason_and_the_server_goes_on(
    tmp_path,
    data_root,  # noqa: F811
):
    roomy = tmp_path / "roomy"
    size = train(config(data_root, epochs=1, out=str(roomy / "m.pt")), show_progress=False)
    size = size.stat().st_size
    with small_disk(tmp_path / "disk", size * 3 // 2) as disk:
        job = jobs.start(config(data_root, epochs=4), disk, owner="a")
        wait(job)
        assert job.status == "failed"
        assert "the disk is full" in job.error and "after epoch 1 is kept" in job.error
        assert str(disk) not in job.error  # the server's paths are not the visitor's business
        out = Path(job.config.out)
        assert load_checkpoint(out).meta["epochs"] == 1
        assert leftovers(disk, out.name) == []
    # the server goes on: the next run starts and finishes
    job = jobs.start(config(data_root), roomy, owner="b")
    wait(job)
    assert job.status == "done", job.error


def test_a_read_only_folder_fails_the_apps_job_at_once(tmp_path, data_root):  # noqa: F811
    with small_disk(tmp_path / "disk", 1 << 20) as disk:
        read_only(disk)
        # refused before any process starts: the run's lock cannot be made there (the
        # form shows this message under its button)
        with pytest.raises(RuntimeError, match="the folder is on a read-only file system"):
            jobs.start(config(data_root, epochs=100), disk, owner="a")
        assert jobs.current_job() is None or jobs.current_job().finished
        assert list(disk.iterdir()) == []
