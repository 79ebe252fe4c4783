"""The datasets the project knows, by name: titles, class names, credits. No torch here,
so the app names them before it imports torch (vae/data.py loads them).

Besides the names in DATASETS, a dataset name can point at the user's own images:
"folder:PATH" (a folder of image files, one subfolder per class) or "npz:PATH" (a NumPy .npz
with an array `x`); vae/custom_data.py reads them. Ask the functions below, not DATASETS,
for any name a checkpoint may hold: `dataset_title`, `dataset_item`, `item_words`,
`dataset_credit`, `dataset_classes` work for every name and never raise KeyError.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from vae import i18n

DATASETS = {
    "mnist": {
        "title": "MNIST",
        "credit": "MNIST by Yann LeCun and Corinna Cortes, CC BY-SA 3.0",
        "torchvision": "MNIST",
        "classes": [str(i) for i in range(10)],
        "system_dirs": [],
    },
    "fashion-mnist": {
        "title": "Fashion-MNIST",
        "credit": "Fashion-MNIST by Zalando Research (Xiao, Rasul and Vollgraf 2017), MIT licence",
        "torchvision": "FashionMNIST",
        "classes": [
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ],
        "system_dirs": ["/usr/share/datasets/fashion-mnist"],  # Debian: dataset-fashion-mnist
    },
}


CUSTOM_KINDS = ("folder", "npz")  # the prefixes of a custom dataset's name
# What one image of a dataset is called in the UI ("click a digit"), in the catalogs
# (locales/*/app.toml, [item.*]): one, a, many, picture (see ItemWords); custom data's last.
ITEM_KEYS = {
    "mnist": ("app.item.mnist.one", "app.item.mnist.a", "app.item.mnist.many",
              "app.item.mnist.picture"),
    "fashion-mnist": ("app.item.fashion.one", "app.item.fashion.a", "app.item.fashion.many",
                      "app.item.fashion.picture"),
    "custom": ("app.item.custom.one", "app.item.custom.a", "app.item.custom.many",
               "app.item.custom.picture"),
}  # fmt: skip
CUSTOM_ITEM = i18n.text(ITEM_KEYS["custom"][0])  # "image", in English
CUSTOM_CLASS = "image"  # the one class of a dataset without labels


def custom_source(name: str) -> tuple[str, str] | None:
    """("folder" or "npz", PATH) for a custom dataset's name, else None (a built-in or
    unknown name). The path is returned as written, relative or not."""
    kind, sep, path = name.partition(":")
    if sep and kind in CUSTOM_KINDS and path:
        return kind, path
    return None


def is_known_dataset(name: str) -> bool:
    """A built-in dataset name, or "folder:PATH" / "npz:PATH" (the path is not checked)."""
    return name in DATASETS or custom_source(name) is not None


def known_datasets_text() -> str:
    """What --dataset accepts, for messages."""
    return f"one of {sorted(DATASETS)}, folder:PATH or npz:PATH"


def dataset_title(name: str) -> str:
    """The dataset's name for people: "MNIST", or "my-digits (folder)" for folder:/data/my-digits
    (only the path's last part: no server paths in the UI)."""
    if name in DATASETS:
        return DATASETS[name]["title"]
    custom = custom_source(name)
    if custom is None:
        return name
    kind, path = custom
    last = PurePath(path.rstrip("/\\") or path).name
    if kind == "npz":
        last = last.removesuffix(".npz")
    return f"{last or path} ({kind})"


def dataset_item(name: str) -> str:
    """What one image is, for the UI: "digit" for MNIST, "image" for the user's own data."""
    return item_words(name).one


@dataclass(frozen=True)
class ItemWords:
    """How the UI names what one image of a dataset shows: one = "digit", a = "a digit",
    many = "digits", picture = what an upload should hold ("one handwritten digit, ...")."""

    one: str
    a: str
    many: str
    picture: str


def item_words(name: str, lang: str = i18n.DEFAULT) -> ItemWords:
    """The one place the UI's words for a dataset's images come from (any name; never raises),
    in `lang` ("zh": 数字 for MNIST's digits)."""
    keys = ITEM_KEYS.get(name if name in DATASETS else "custom")
    return ItemWords(*(i18n.text(key, lang) for key in keys))


CREDIT_KEYS = {"mnist": "app.credit.mnist", "fashion-mnist": "app.credit.fashion"}


def dataset_credit(name: str) -> str:
    """Whose data it is, for the page's credit line (English that remembers its key: the app
    shows it in the reader's language)."""
    if name in DATASETS:
        return i18n.msg(CREDIT_KEYS[name])
    return i18n.msg("app.credit.custom", title=dataset_title(name))


def dataset_classes(name: str, stored: list[str] | None = None) -> list[str] | None:
    """The class names: a built-in dataset's, else `stored` (a checkpoint's meta["classes"],
    which every checkpoint trained on custom data holds), else None (unknown)."""
    if stored:
        return [str(c) for c in stored]
    return list(DATASETS[name]["classes"]) if name in DATASETS else None


def describe_source(name: str, source: str, test_images: int) -> str:
    """One line naming the data a map shows and where it came from, without server paths
    (English that remembers its key, vae.i18n.msg)."""
    title, n = dataset_title(name), f"{test_images:,}"
    custom = custom_source(name)
    if custom is not None:
        if custom[0] == "npz":
            return i18n.msg("app.source.own_npz", title=title, n=n)
        return i18n.msg("app.source.own_folder", title=title, n=n)
    if "fallback" in source:
        return i18n.msg("app.source.fallback", title=title, n=n)
    if source.startswith("torchvision download"):
        return i18n.msg("app.source.torchvision", title=title, n=n)
    return i18n.msg("app.source.idx", title=title, n=n)


# Fashion-MNIST's class names -> their keys in the catalogs (locales/*/classes.toml)
FASHION_CLASS_TEXTS = {
    "T-shirt/top": "classes.fashion.t_shirt",
    "Trouser": "classes.fashion.trouser",
    "Pullover": "classes.fashion.pullover",
    "Dress": "classes.fashion.dress",
    "Coat": "classes.fashion.coat",
    "Sandal": "classes.fashion.sandal",
    "Shirt": "classes.fashion.shirt",
    "Sneaker": "classes.fashion.sneaker",
    "Bag": "classes.fashion.bag",
    "Ankle boot": "classes.fashion.ankle_boot",
}


def class_names(classes: list[str], lang: str) -> list[str]:
    """A dataset's class names as the UI shows them in lang: Fashion-MNIST's ten (the whole
    list, so one folder class that happens to be called "Bag" stays as it is) from the
    catalogs; digits and the user's own classes as they are."""
    names = [str(c) for c in classes]
    if names != DATASETS["fashion-mnist"]["classes"]:
        return names
    return [i18n.text(FASHION_CLASS_TEXTS[name], lang) for name in names]
