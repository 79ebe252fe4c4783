"""The user's own images as a dataset: "folder:PATH" or "npz:PATH" (see vae/data.py load_splits).

A folder holds image files (PNG, JPEG, WebP, GIF, BMP, TIFF):

    PATH/<class>/*.png           one subfolder per class; class names are the subfolder
                                 names, sorted. Subfolders of a class folder count as that
                                 class; files beside the class folders, and subfolders
                                 without images, are ignored.
    PATH/*.png                   flat: no labels, one class named "image".
    PATH/train/..., PATH/test/...   either layout in each: that is the test split.

Without train/ and test/ the test split is 10% of each class (at least one image of any
class with two or more), drawn with a fixed seed: the same every time for the same files.

An npz holds `x` (N, H, W): integers in 0..255, or floats in [0, 1] or [0, 255]. Optional:
`y` (N,) integer labels, `classes` (names, a string array indexed by y), and `x_test` and
`y_test` for its own test split. Without `classes`, the distinct values of y, sorted, name the
classes.

Every image becomes a 28x28 MNIST-like image, light ink on a dark field:
- 28x28 images are used as they are (scaled to [0, 1]), since they are most likely MNIST-like
  already; only if their border is mostly light (mean above 0.5: dark ink on white paper) are
  they inverted. Nothing else is done to them: no cropping, centring or contrast stretch.
- any other size goes through the preprocessing of uploads (vae.image.to_mnist): polarity from
  the border, contrast stretch, crop to the ink, fit into 20x20, centre the mass at (14, 14).

A file that cannot be read (not a picture, damaged, over 10 MB) or that the preprocessing
finds blank (28x28 ones are not checked) is skipped, never fatal: the returned Splits' notice
counts them and names the first few in one line ("skipped 3 of 120 image files ..."), which
vae-train prints on stderr. Files whose names do not end in an image suffix (notes.txt,
.DS_Store) are not images and are not counted. A folder with no readable image at all raises
DatasetError.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import torch

from vae.data import DatasetError, Split, Splits
from vae.datasets import CUSTOM_CLASS, custom_source
from vae.i18n import msg
from vae.image import MNIST_SIDE, ImageError, load_image, to_grayscale_array, to_mnist

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")
TEST_SHARE = 0.1  # of each class, when the data brings no test split of its own
SPLIT_SEED = 0
MAX_CLASSES = 256  # the map stores labels as bytes
NAMES_SHOWN = 5  # skipped files named in the notice
LIGHT_BORDER = 0.5  # a 28x28 image whose border is lighter than this on average is inverted


def load_custom(name: str) -> Splits:
    """Both splits of "folder:PATH" or "npz:PATH"; raises DatasetError if there is no data."""
    custom = custom_source(name)
    if custom is None:
        raise DatasetError(msg("errors.custom.not_source", name=repr(name)))
    kind, path = custom
    return load_folder(name, Path(path)) if kind == "folder" else load_npz(name, Path(path))


# --- turning one picture into a 28x28 MNIST-like image ---------------------------------------


def is_dark_on_light(gray: np.ndarray) -> bool:
    """Is a 28x28 gray image (white = 1) dark ink on light paper? Its 2-pixel border says."""
    return float(gray[border_ring(gray.shape)].mean()) > LIGHT_BORDER


def border_ring(shape: tuple[int, ...]) -> np.ndarray:
    ring = np.ones(shape, bool)
    ring[2:-2, 2:-2] = False
    return ring


def as_mnist(gray: np.ndarray) -> np.ndarray:
    """(H, W) gray in [0, 1], white = 1 -> (28, 28) uint8, ink light on a dark field.

    Raises vae.image.ImageError (BlankImageError) for a picture with nothing in it.
    """
    if gray.shape == (MNIST_SIDE, MNIST_SIDE):
        image = 1.0 - gray if is_dark_on_light(gray) else gray
    else:
        image = to_mnist(gray)
    return np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


def read_image_file(path: Path) -> np.ndarray | None:
    """One image file as (28, 28) uint8, or None if it cannot be read or shows nothing."""
    try:
        return as_mnist(to_grayscale_array(load_image(path.read_bytes())))
    except (OSError, ImageError):
        return None


# --- folders ---------------------------------------------------------------------------------


def visible(entry: os.DirEntry) -> bool:
    return not entry.name.startswith(".")


def image_files(folder: Path) -> list[Path]:
    """Image files under `folder`, at any depth, hidden ones left out, in a fixed order."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [
            Path(top, f)
            for f in sorted(files)
            if not f.startswith(".") and f.lower().endswith(IMAGE_SUFFIXES)
        ]
    return found


def class_folders(folder: Path) -> dict[str | None, list[Path]]:
    """{class name: its image files}, by subfolder; {None: files} for a flat folder.

    A subfolder without image files is no class (an empty or stray folder)."""
    with os.scandir(folder) as entries:
        subfolders = sorted(e.name for e in entries if visible(e) and e.is_dir())
    classes = {name: image_files(folder / name) for name in subfolders}
    classes = {name: files for name, files in classes.items() if files}
    return classes or {None: image_files(folder)}


def files_note(skipped: list[str], total: int, where: str) -> str:
    # a note for the command line and the run's records (plain data), not an error
    return (
        f"skipped {len(skipped)} of {total} image files in {where} that could not be read "
        f"or show nothing: {shown_names(skipped)}"
    )


def load_folder(name: str, root: Path) -> Splits:
    if not root.is_dir():
        key = "errors.custom.not_folder" if root.exists() else "errors.custom.no_folder"
        raise DatasetError(msg(key, root=str(root)))
    has_own_test = (root / "train").is_dir() and (root / "test").is_dir()
    parts = {"train": root / "train", "test": root / "test"} if has_own_test else {"all": root}
    layouts = {part: class_folders(folder) for part, folder in parts.items()}
    labelled = {None not in layout for layout in layouts.values()}
    if len(labelled) > 1:
        raise DatasetError(msg("errors.custom.mixed_layout", root=str(root)))
    unlabelled = False in labelled
    classes = (
        [CUSTOM_CLASS]
        if unlabelled
        else sorted({c for layout in layouts.values() for c in layout if c is not None})
    )
    if len(classes) > MAX_CLASSES:
        raise DatasetError(
            msg("errors.custom.too_many_folders", root=str(root), count=len(classes),
                most=MAX_CLASSES)  # fmt: skip
        )

    paths, labels, part_of = [], [], []
    for part, layout in layouts.items():
        for cls, files in layout.items():
            paths += files
            labels += [0 if unlabelled else classes.index(cls)] * len(files)
            part_of += [part] * len(files)
    if not paths:
        raise DatasetError(no_images_message(root, []))
    images = [read_image_file(path) for path in paths]  # threads measured no faster
    ok = np.array([image is not None for image in images])
    labels, part_of = np.array(labels, np.int64), np.array(part_of)
    names = np.array([str(path.relative_to(root)) for path in paths])
    if not ok.any():
        raise DatasetError(no_images_message(root, list(names)))
    notice = (
        files_note(list(names[~ok]), len(paths), root.name or str(root)) if not ok.all() else None
    )

    def split_of(part: str) -> tuple[np.ndarray, np.ndarray]:
        mine = part_of == part
        keep = mine & ok
        if not keep.any():
            raise DatasetError(no_images_message(parts[part], list(names[mine])))
        return np.stack([images[i] for i in np.flatnonzero(keep)]), labels[keep]

    if has_own_test:
        train, test = (to_split(*split_of(part)) for part in ("train", "test"))
    else:
        train, test = seeded_split(*split_of("all"), len(classes), root)
    return Splits(name, train, test, str(root), notice, tuple(classes))


def no_images_message(folder: Path, unreadable: list[str]) -> str:
    if not unreadable:
        suffixes = ", ".join(IMAGE_SUFFIXES)
        return msg("errors.custom.no_image_files", folder=str(folder), suffixes=suffixes)
    key = "errors.custom.unreadable_one" if len(unreadable) == 1 else "errors.custom.unreadable"
    return msg(key, folder=str(folder), count=len(unreadable), names=shown_names(unreadable))


def shown_names(names: list[str]) -> str:
    """The first few names, and "…" if there are more."""
    return ", ".join(names[:NAMES_SHOWN]) + (", …" if len(names) > NAMES_SHOWN else "")


# --- splits ----------------------------------------------------------------------------------


def to_split(images: np.ndarray, labels: np.ndarray) -> Split:
    return Split(torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels))


def test_mask(labels: np.ndarray, n_classes: int, share: float = TEST_SHARE) -> np.ndarray:
    """Which images are held out for testing: `share` of each class (rounded, at least one
    of a class with two or more), drawn per class with a fixed seed, so the same files
    always give the same split and one class's draw does not depend on the others'."""
    is_test = np.zeros(len(labels), bool)
    for c in range(n_classes):
        members = np.flatnonzero(labels == c)
        if len(members) < 2:
            continue
        count = max(1, round(share * len(members)))
        rng = np.random.default_rng([SPLIT_SEED, c])
        is_test[rng.permutation(members)[:count]] = True
    if not is_test.any() and len(labels) >= 2:  # every class has a single image
        is_test[np.random.default_rng(SPLIT_SEED).integers(len(labels))] = True
    return is_test


def seeded_split(
    images: np.ndarray, labels: np.ndarray, n_classes: int, where: Path | str
) -> tuple[Split, Split]:
    if len(labels) < 2:
        raise DatasetError(msg("errors.custom.one_image", where=str(where)))
    is_test = test_mask(labels, n_classes)
    return (
        to_split(images[~is_test], labels[~is_test]),
        to_split(images[is_test], labels[is_test]),
    )


# --- npz -------------------------------------------------------------------------------------


def load_npz(name: str, path: Path) -> Splits:
    arrays = read_npz(path)
    if "x" not in arrays:
        held = str(sorted(arrays)) if arrays else "nothing"
        raise DatasetError(msg("errors.custom.no_x", path=str(path), arrays=held))
    if ("y" in arrays) != ("y_test" in arrays) and "x_test" in arrays:
        raise DatasetError(msg("errors.custom.test_labels", path=str(path)))
    gray = {"x": scaled(arrays["x"], path, "x")}
    labels = {"x": npz_labels(arrays, "y", len(gray["x"]), path)}
    if "x_test" in arrays:
        gray["x_test"] = scaled(arrays["x_test"], path, "x_test")
        labels["x_test"] = npz_labels(arrays, "y_test", len(gray["x_test"]), path)
    classes, labels = class_names(arrays, labels, path)

    total = sum(len(g) for g in gray.values())
    made, skipped = {}, []
    for key, images in gray.items():
        prepared = as_mnist_batch(images)
        skipped += [f"{key}[{i}]" for i, im in enumerate(prepared) if im is None]
        keep = np.array([im is not None for im in prepared], bool)
        if not keep.any():
            raise DatasetError(msg("errors.custom.all_blank", path=str(path), key=key))
        made[key] = (np.stack([im for im in prepared if im is not None]), labels[key][keep])
    notice = None
    if skipped:
        notice = (
            f"skipped {len(skipped)} of {total} images in {path.name} that show nothing: "
            f"{shown_names(skipped)}"
        )
    if "x_test" in made:
        train, test = to_split(*made["x"]), to_split(*made["x_test"])
    else:
        train, test = seeded_split(*made["x"], len(classes), path)
    return Splits(name, train, test, str(path), notice, tuple(classes))


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array in the .npz at `path`, read without unpickling anything."""
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
        if magic == b"\x93NUMPY":
            raise DatasetError(msg("errors.custom.npy", path=str(path)))
        if not magic.startswith(b"PK"):
            raise DatasetError(msg("errors.custom.not_npz", path=str(path)))
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except DatasetError:
        raise
    except FileNotFoundError as e:
        raise DatasetError(msg("errors.custom.no_npz", path=str(path))) from e
    except IsADirectoryError as e:
        raise DatasetError(msg("errors.custom.npz_folder", path=str(path))) from e
    except ValueError as e:  # object arrays (a list of names as Python objects) need pickle
        raise DatasetError(msg("errors.custom.pickled", path=str(path))) from e
    except (OSError, zipfile.BadZipFile, EOFError) as e:
        raise DatasetError(msg("errors.custom.bad_npz", path=str(path), error=str(e))) from e


def scaled(x: np.ndarray, path: Path, key: str) -> np.ndarray:
    """x as (N, H, W) float32 in [0, 1]: integers (and floats above 1) are 0..255."""
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or 0 in x.shape:
        raise DatasetError(
            msg("errors.custom.shape", path=str(path), key=key, shape=str(x.shape))
        )
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise DatasetError(msg("errors.custom.dtype", path=str(path), key=key, dtype=str(x.dtype)))
    integral = np.issubdtype(x.dtype, np.integer)
    x = x.astype(np.float32)
    if not np.isfinite(x).all():
        raise DatasetError(msg("errors.custom.not_finite", path=str(path), key=key))
    low, high = float(x.min()), float(x.max())
    if low < 0 or high > 255:
        raise DatasetError(
            msg("errors.custom.range", path=str(path), key=key, low=f"{low:g}", high=f"{high:g}")
        )
    return x / 255.0 if integral or high > 1.0 else x


def npz_labels(arrays: dict, key: str, n: int, path: Path) -> np.ndarray:
    if key not in arrays:
        return np.zeros(n, np.int64)
    y = arrays[key]
    if y.ndim != 1 or len(y) != n:
        raise DatasetError(
            msg("errors.custom.label_shape", path=str(path), key=key, n=n, shape=str(y.shape))
        )
    if not np.issubdtype(y.dtype, np.integer) or (len(y) and y.min() < 0):
        raise DatasetError(
            msg("errors.custom.label_dtype", path=str(path), key=key, dtype=str(y.dtype))
        )
    return y.astype(np.int64)


def class_names(
    arrays: dict, labels: dict[str, np.ndarray], path: Path
) -> tuple[list[str], dict[str, np.ndarray]]:
    """The class names and the labels as indices into them."""
    if "y" not in arrays:
        return [CUSTOM_CLASS], labels
    if "classes" in arrays:
        names = [str(c) for c in np.asarray(arrays["classes"]).ravel()]
        top = max(int(y.max()) for y in labels.values() if len(y))
        if top >= len(names):
            raise DatasetError(
                msg("errors.custom.few_names", path=str(path), top=top, count=len(names))
            )
    else:  # the distinct label values, in order, are the classes
        values = np.unique(np.concatenate(list(labels.values())))
        names = [str(v) for v in values]
        labels = {k: np.searchsorted(values, y).astype(np.int64) for k, y in labels.items()}
    if len(names) > MAX_CLASSES:
        raise DatasetError(
            msg("errors.custom.too_many_classes", path=str(path), count=len(names),
                most=MAX_CLASSES)  # fmt: skip
        )
    return names, labels


def as_mnist_batch(gray: np.ndarray) -> list[np.ndarray | None]:
    """as_mnist for (N, H, W) gray images; None for each blank one. 28x28 ones at once."""
    if gray.shape[1:] == (MNIST_SIDE, MNIST_SIDE):
        invert = gray[:, border_ring(gray.shape[1:])].mean(axis=1) > LIGHT_BORDER
        images = np.where(invert[:, None, None], 1.0 - gray, gray)
        return list(np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8))
    return [prepare(image) for image in gray]


def prepare(gray: np.ndarray) -> np.ndarray | None:
    try:
        return as_mnist(gray)
    except ImageError:
        return None
