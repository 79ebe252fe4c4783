"""vae.files.atomic_write: whole files or none, readable by others as the umask says, and
the new name made durable (the folder synced after the rename)."""

from __future__ import annotations

import os
import stat

import pytest

from vae import files


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_written_files_follow_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        files.atomic_write(tmp_path / "model.pt", lambda f: f.write(b"weights"))
        files.write_json(tmp_path / "job.json", {"epoch": 3})
    finally:
        os.umask(old)
    for name in ("model.pt", "job.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~mask, name


def test_static_assets_are_world_readable_whatever_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        name = files.write_asset(tmp_path, "decoder", ".bin", b"\x00" * 8)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_the_folder_is_synced_after_the_rename(tmp_path, monkeypatch):
    synced, real_fsync = [], os.fsync

    def fsync(fd):
        synced.append((stat.S_ISDIR(os.fstat(fd).st_mode), (tmp_path / "a.json").exists()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    files.write_json(tmp_path / "a.json", [1])
    # the file's bytes first (before the rename), then the folder, once the name is there
    assert synced == [(False, False), (True, True)]


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path):
    files.write_json(tmp_path / "a.json", {"v": 1})

    def broken(f):
        f.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        files.atomic_write(tmp_path / "a.json", broken)
    assert files.read_json(tmp_path / "a.json") == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]

