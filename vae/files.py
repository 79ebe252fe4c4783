"""Files the app and the trainer write: atomically, named by their content. No torch here.

The app's fast start path reads and writes small records before torch is imported
(importing it costs ~2 s), so the helpers it needs live apart from vae/checkpoint.py.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: str | Path, write: Callable[[BinaryIO], object]) -> None:
    """Call write(file_object) on a temp file beside `path`, then rename it into place.

    The rename is atomic on POSIX, so a crash or kill at any moment leaves either
    the old file or the complete new one, never a half-written file. The file gets the
    mode any new file gets (0666 less the umask), not mkstemp's 0600: a checkpoint trained
    by one user must be readable by a server running as another. The folder is synced
    after the rename, so a power cut keeps the new name, not only the new bytes.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(path)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _create_temp(path: Path) -> tuple[int, Path]:
    """A new, exclusive temp file beside path, created with mode 0666 so the umask applies
    (reading the umask to chmod afterwards would race with other threads)."""
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temp file name beside {path}")


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # a platform that cannot open folders (Windows): the rename stands
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the data itself is synced
    finally:
        os.close(fd)


def write_problem(e: OSError) -> str:
    """Why a file could not be written, in words a user can act on."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the folder is on a read-only file system",
        errno.EACCES: "no permission to write in that folder",
        errno.EPERM: "no permission to write in that folder",
    }
    return reasons.get(e.errno) or e.strerror or str(e)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def write_asset(folder: str | Path, stem: str, suffix: str, data: bytes) -> str:
    """Write data to folder/<stem>-<hash><suffix> once (atomically); return the file name.

    The hash in the name lets a browser cache the file forever: new content, new name.
    """
    name = f"{stem}-{content_hash(data)}{suffix}"
    path = Path(folder) / name
    if not path.is_file():
        atomic_write(path, lambda f: f.write(data))
        os.chmod(path, 0o644)
    return name


def write_json(path: str | Path, value) -> None:
    text = json.dumps(value).encode()
    atomic_write(path, lambda f: f.write(text))


def read_json(path: str | Path):
    """The JSON value in `path`, or None if it is missing or unreadable."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def file_key(path: str | Path) -> str:
    """A short key for one version of a file: its resolved path and modification time."""
    p = Path(path).resolve()
    try:
        mtime = p.stat().st_mtime
    except OSError:
        mtime = 0.0
    return hashlib.sha1(f"{p}|{mtime}".encode()).hexdigest()[:16]


def mtime(path: str | Path) -> float:
    """A file's modification time (a cache key for its version); 0.0 if it is missing."""
    try:
        return Path(path).stat().st_mtime
    except OSError:
        return 0.0
