"""The user's own images as a dataset: folder:PATH and npz:PATH, from loading to the map."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from vae import catalog, custom_data
from vae.bundle import build_bundle
from vae.checkpoint import load_checkpoint
from vae.data import DatasetError, load_splits
from vae.datasets import (
    dataset_classes,
    dataset_credit,
    dataset_item,
    dataset_title,
    describe_source,
    is_known_dataset,
)
from vae.export import export_html
from vae.train import TrainConfig

REPO = Path(__file__).resolve().parents[1]
CLASSES = {"zero": 0, "one": 1, "seven": 7}  # folder name -> the MNIST digit it holds
PER_CLASS = 20
BIG = 6  # of each class's images, the last ones are 56x56 dark ink on white


def digits(mnist, digit: int, n: int) -> np.ndarray:
    return mnist.test.images[mnist.test.labels == digit][:n].numpy()


def write_png(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path)


def dark_on_white_56(image: np.ndarray) -> np.ndarray:
    big = Image.fromarray(image).resize((56, 56), Image.Resampling.BILINEAR)
    return 255 - np.asarray(big)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, mnist) -> Path:
    """3 class folders of 20 real test digits (14 as 28x28 PNGs, 6 as 56x56 dark on white),
    a broken x.png and a notes file."""
    root = tmp_path_factory.mktemp("data") / "my-digits"
    for name, digit in CLASSES.items():
        for i, image in enumerate(digits(mnist, digit, PER_CLASS)):
            big = i >= PER_CLASS - BIG
            write_png(root / name / f"{i:02d}.png", dark_on_white_56(image) if big else image)
    (root / "zero" / "x.png").write_bytes(np.random.default_rng(0).bytes(300))
    (root / "seven" / "notes.txt").write_text("drawn by me\n")
    return root


def test_a_folder_of_class_folders_loads_with_its_classes(folder, mnist):
    splits = load_splits(f"folder:{folder}")
    assert splits.name == f"folder:{folder}"
    assert splits.classes == ["one", "seven", "zero"]  # the folder names, sorted
    assert len(splits.train) + len(splits.test) == 3 * PER_CLASS  # x.png skipped, notes ignored
    counts = np.bincount(torch.cat([splits.train.labels, splits.test.labels]).numpy())
    assert counts.tolist() == [PER_CLASS, PER_CLASS, PER_CLASS]
    assert splits.train.images.dtype == torch.uint8 and splits.train.images.shape[1:] == (28, 28)
    assert splits.notice.startswith("skipped 1 of 61 image files") and "zero/x.png" in splits.notice

    # a 28x28 digit is used as it is; a 56x56 dark-on-white one comes out MNIST-like
    ones = splits.train.images[splits.train.labels == 0].numpy()
    originals = digits(mnist, 1, PER_CLASS)
    assert any(np.array_equal(ones[0], o) for o in originals[: PER_CLASS - BIG])
    big = custom_data.read_image_file(folder / "one" / f"{PER_CLASS - 1:02d}.png")
    assert big.shape == (28, 28) and big[:2].max() == 0 and big.max() > 200  # light ink on black
    rows, cols = np.indices(big.shape)
    mass = big.astype(float).sum()
    assert abs((rows * big).sum() / mass - 14) < 1 and abs((cols * big).sum() / mass - 14) < 1


def test_a_dark_on_light_28x28_image_is_inverted_and_a_light_on_dark_one_kept(mnist):
    digit = digits(mnist, 3, 1)[0]
    assert np.array_equal(custom_data.as_mnist(digit / 255.0), digit)
    assert np.array_equal(custom_data.as_mnist(1.0 - digit / 255.0), digit)


def test_the_split_is_seeded_and_stratified(folder):
    a, b = load_splits(f"folder:{folder}"), load_splits(f"folder:{folder}")
    assert torch.equal(a.test.images, b.test.images) and torch.equal(a.train.labels, b.train.labels)
    # 10% of each class: 2 of 20
    assert np.bincount(a.test.labels.numpy()).tolist() == [2, 2, 2]
    assert len(a.train) == 54
    mask = custom_data.test_mask(np.repeat(np.arange(3), 100), 3)
    assert mask.sum() == 30 and not np.array_equal(mask[:100], mask[100:200])  # drawn per class


def test_train_and_test_subfolders_are_the_split(tmp_path, mnist):
    for name, digit in (("a", 2), ("b", 5)):
        for i, image in enumerate(digits(mnist, digit, 10)):
            part = "train" if i < 8 else "test"
            write_png(tmp_path / part / name / f"{i}.png", image)
    (tmp_path / "train" / "a" / "broken.png").write_bytes(b"")
    splits = load_splits(f"folder:{tmp_path}")
    assert splits.classes == ["a", "b"] and len(splits.train) == 16 and len(splits.test) == 4
    assert torch.equal(splits.test.images[0], torch.from_numpy(digits(mnist, 2, 10)[8]))
    assert "train/a/broken.png" in splits.notice


def test_a_flat_folder_is_one_class_without_labels(tmp_path, mnist):
    for i, image in enumerate(mnist.test.images[:10].numpy()):
        write_png(tmp_path / f"{i}.png", image)
    splits = load_splits(f"folder:{tmp_path}")
    assert splits.classes == ["image"]
    assert len(splits.train) == 9 and len(splits.test) == 1
    assert not splits.train.labels.any() and splits.notice is None


def test_an_empty_folder_says_there_are_no_images(tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(DatasetError, match="no readable images in .*: it holds no image files"):
        load_splits(f"folder:{tmp_path}")


def test_an_all_broken_folder_names_the_files(tmp_path):
    for name in ("a.png", "b.jpg"):
        (tmp_path / name).write_bytes(b"\x89PNG not really")
    with pytest.raises(
        DatasetError, match=r"no readable images in .*2 image files .*a\.png, b\.jpg"
    ):
        load_splits(f"folder:{tmp_path}")


def test_a_missing_folder_or_file_is_a_dataset_error(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_splits(f"folder:{tmp_path / 'nope'}")
    with pytest.raises(DatasetError, match="not an .npz"):
        (tmp_path / "x.npz").write_text("hello")
        load_splits(f"npz:{tmp_path / 'x.npz'}")


def test_a_custom_datasets_errors_read_in_the_readers_language(tmp_path):
    # The app shows them (the Compare tab, a map built for a model whose folder moved) in
    # the session's language; the command line and the English text are as before.
    from vae.i18n import localize

    def error(name: str) -> DatasetError:
        with pytest.raises(DatasetError) as caught:
            load_splits(name)
        return caught.value

    one = tmp_path / "one"
    one.mkdir()
    (one / "a.png").write_bytes(b"\x89PNG not really")
    np.save(tmp_path / "x.npy", np.zeros((2, 28, 28)))
    np.savez(tmp_path / "nan.npz", x=np.full((2, 28, 28), np.nan))
    np.savez(tmp_path / "labels.npz", x=np.zeros((3, 28, 28)), y=np.array([0.5, 1, 2]))
    cases = {
        f"folder:{tmp_path / 'nope'}": ("does not exist", "不存在"),
        f"folder:{one}": ("none of its 1 image file could be read", "其中的 1 个图像文件无法读取"),
        f"npz:{tmp_path / 'x.npy'}": ("a single .npy array", "单个 .npy 数组"),
        f"npz:{tmp_path / 'nan.npz'}": ("x holds NaN or infinite values",
                                        "x 中有 NaN 或无穷大的值"),
        f"npz:{tmp_path / 'labels.npz'}": ("y must hold integers from 0 up, got float64",
                                           "y 应为从 0 开始的整数，实际为 float64"),
    }  # fmt: skip
    for name, (en, zh) in cases.items():
        e = error(name)
        assert en in str(e) and en in localize(e, "en"), (name, str(e))
        assert zh in localize(e, "zh"), (name, localize(e, "zh"))
        assert str(tmp_path) in localize(e, "zh")  # the path, as it is


def test_an_npz_round_trips_with_labels(tmp_path, mnist):
    x, y = mnist.test.images[:200].numpy(), mnist.test.labels[:200].numpy()
    np.savez(tmp_path / "d.npz", x=x, y=y)
    splits = load_splits(f"npz:{tmp_path / 'd.npz'}")
    assert splits.classes == [str(d) for d in range(10)]
    mask = custom_data.test_mask(y, 10)
    assert torch.equal(splits.train.images, torch.from_numpy(x[~mask]))
    assert torch.equal(splits.test.labels, torch.from_numpy(y[mask].astype(np.int64)))


def test_an_npz_without_labels_and_in_floats(tmp_path, mnist):
    x = mnist.test.images[:50].numpy()
    np.savez(tmp_path / "f.npz", x=x.astype(np.float32) / 255.0)
    splits = load_splits(f"npz:{tmp_path / 'f.npz'}")
    assert splits.classes == ["image"] and len(splits.train) + len(splits.test) == 50
    assert torch.equal(torch.cat([splits.train.images, splits.test.images]).sort(0).values,
                       torch.from_numpy(x).sort(0).values)  # fmt: skip


def test_an_npz_with_class_names_and_its_own_test_split(tmp_path, mnist):
    x, y = mnist.test.images[:60].numpy(), (mnist.test.labels[:60].numpy() > 4).astype(int)
    np.savez(tmp_path / "c.npz", x=x[:50], y=y[:50], x_test=x[50:], y_test=y[50:],
             classes=np.array(["small", "big"]))  # fmt: skip
    splits = load_splits(f"npz:{tmp_path / 'c.npz'}")
    assert splits.classes == ["small", "big"] and len(splits.train) == 50
    assert torch.equal(splits.test.images, torch.from_numpy(x[50:]))


def test_names_titles_and_items_of_custom_datasets():
    assert dataset_title("folder:/data/my-digits/") == "my-digits (folder)"
    assert dataset_title("npz:shapes.npz") == "shapes (npz)"
    assert dataset_title("mnist") == "MNIST"
    assert dataset_item("folder:/x") == "image" and dataset_item("mnist") == "digit"
    assert "/data" not in dataset_credit("folder:/data/my-digits")
    assert dataset_classes("folder:/x") is None and dataset_classes("folder:/x", ["a"]) == ["a"]
    assert dataset_classes("mnist")[3] == "3"
    assert "/data" not in describe_source("folder:/data/d", "/data/d", 12)
    assert is_known_dataset("npz:a.npz") and not is_known_dataset("folder:")
    assert TrainConfig(dataset="folder:/x").dataset == "folder:/x"
    with pytest.raises(ValueError, match="folder:PATH"):
        TrainConfig(dataset="cifar")


def test_train_on_a_folder_then_catalog_bundle_and_app(folder, tmp_path, monkeypatch):
    name = f"folder:{folder}"
    out = tmp_path / "mine.pt"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "vae.train",
            "--dataset",
            name,
            "--epochs",
            "1",
            "--limit-batches",
            "2",
            "--out",
            str(out),
        ],  # fmt: skip
        cwd=REPO,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    skipped = [line for line in run.stderr.splitlines() if "skipped" in line]
    assert len(skipped) == 1 and "skipped 1 of 61" in skipped[0] and "zero/x.png" in skipped[0]

    ckpt = load_checkpoint(out)
    assert ckpt.meta["dataset"] == name
    assert ckpt.meta["classes"] == ["one", "seven", "zero"]
    assert ckpt.meta["train_images"] == 54

    facts = catalog.facts(out, tmp_path / "records")
    assert facts["broken"] is None and facts["dataset"] == name
    assert dataset_classes(facts["dataset"], facts["classes"]) == ["one", "seven", "zero"]
    mnist_facts = {**facts, "dataset": "mnist", "name": "z"}
    assert sorted([facts, mnist_facts], key=catalog.sort_key)[0] is mnist_facts

    bundle = build_bundle(ckpt, load_splits(name), out, tmp_path / "static")
    assert bundle.classes == ["one", "seven", "zero"]
    assert bundle.item == "image" and bundle.fallback is None
    data = catalog.msg_of(bundle.data)  # the data's line keeps its catalog key
    assert data.startswith("my-digits (folder) test set, 6 images")
    assert str(folder) not in data + bundle.credit

    page = export_html(ckpt, load_splits(name))
    assert "my-digits (folder)" in page and '"seven"' in page

    # the app lists it under its dataset's title and maps its test split
    from streamlit.testing.v1 import AppTest

    models = tmp_path / "models"
    models.mkdir()
    (models / "mine.pt").write_bytes(out.read_bytes())
    monkeypatch.setenv("LATENT_EXPLORER_CHECKPOINTS", str(models))
    at = AppTest.from_file(str(REPO / "page.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.radio(key="dataset").options == ["my-digits (folder)"]
    assert any(
        c.value.startswith("Data: my-digits (folder) test set, 6 images") for c in at.caption
    )
    assert any("squeezed every test image" in c.value for c in at.caption)
