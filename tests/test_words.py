"""Words follow the open model's dataset (AppTest): the tab, the digit panel's texts, and
Compare and Latent size, which say which dataset they show and offer the open one's
models where it has them."""

from __future__ import annotations

import re

import pytest

from tests.test_app import run_app, save_tiny, text
from vae.datasets import item_words
from views import digit

TEST = {"nelbo": 150.0, "recon": 140.0, "kl": 10.0}
FASHION = "fashion-mnist-vae-2d.pt"


def everything(at) -> str:
    """Every text on the page: markdown, captions, notices, tab labels."""
    parts = [text(at)]
    for kind in (at.info, at.warning, at.error, at.subheader):
        parts += [e.value for e in kind]
    parts += [t.label for t in at.tabs]
    return "\n".join(parts)


def open_tab(at, label: str):
    at.session_state["tab"] = label  # the tab row's key: the tab the user opened
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(
    "dataset, one, a, many",
    [
        ("mnist", "digit", "a digit", "digits"),
        ("fashion-mnist", "item", "an item", "items"),
        ("folder:/data/shoes", "image", "an image", "images"),
        ("npz:x.npz", "image", "an image", "images"),
        ("no-such-dataset", "image", "an image", "images"),
    ],
)
def test_one_place_names_a_datasets_images(dataset, one, a, many):
    words = item_words(dataset)
    assert (words.one, words.a, words.many) == (one, a, many)
    assert words.picture.startswith("one ")


def test_the_blank_picture_refusal_asks_for_the_datasets_kind_of_picture():
    fashion = digit.blank_message(item_words("fashion-mnist"))
    assert fashion.startswith("No item found: the picture is blank")
    assert "piece of clothing" in fashion and "digit" not in fashion
    assert "one handwritten digit" in digit.blank_message(item_words("mnist"))


def test_the_shipped_fashion_model_speaks_of_items_not_digits():
    at = run_app(params={"model": FASHION})
    assert at.session_state.model_path.endswith(FASHION)
    assert [t.label for t in at.tabs][0] == "Your item"
    shown = everything(at)
    assert "Draw or upload an item:" in shown
    assert not re.search(r"\bdigits?\b", shown), re.findall(r".{40}\bdigits?\b.{20}", shown)
    # and MNIST keeps its own words
    at = run_app(params={"model": "mnist-vae-2d.pt"})
    assert [t.label for t in at.tabs][0] == "Your digit"
    assert "Draw or upload a digit:" in everything(at)


def test_the_open_tab_stays_open_when_another_dataset_renames_the_first(tmp_path, monkeypatch):
    save_tiny(tmp_path, "mnist-vae-2d.pt", test=TEST)
    save_tiny(tmp_path, FASHION, dataset="fashion-mnist", test=TEST)
    at = open_tab(run_app(monkeypatch, tmp_path), "Latent size")
    at.sidebar.radio(key="dataset").set_value("fashion-mnist").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state.tab == "Latent size"
    assert [t.label for t in at.tabs][0] == "Your item"
    at.session_state["tab"] = "Your item"
    at.run()
    at.sidebar.radio(key="dataset").set_value("mnist").run()
    assert at.session_state.tab == "Your digit"


def test_compare_says_it_shows_mnist_when_the_open_dataset_has_one_model(tmp_path, monkeypatch):
    save_tiny(tmp_path, "mnist-vae-2d.pt", test=TEST)
    save_tiny(tmp_path, "mnist-ae-2d.pt", kind="ae", test=TEST)
    save_tiny(tmp_path, FASHION, dataset="fashion-mnist", test=TEST)
    at = open_tab(run_app(monkeypatch, tmp_path, params={"model": FASHION}), "Compare")
    notes = [i.value for i in at.info]
    assert any(
        "trained on Fashion-MNIST, which has only one model with a 2-D latent space here "
        "(fashion-mnist-vae-2d); comparing needs two"
        in n
        and "shows **MNIST** models" in n
        for n in notes
    ), notes
    shown = text(at)
    assert "**A: mnist-ae-2d**" in shown and "**B: mnist-vae-2d**" in shown
    assert "test digits" in shown  # the pair's own words: they are MNIST models


def test_compare_offers_the_open_datasets_models_where_it_has_two(tmp_path, monkeypatch):
    save_tiny(tmp_path, "mnist-vae-2d.pt", test=TEST)
    save_tiny(tmp_path, "mnist-ae-2d.pt", kind="ae", test=TEST)
    save_tiny(tmp_path, FASHION, dataset="fashion-mnist", test=TEST)
    save_tiny(tmp_path, "fashion-mnist-ae-2d.pt", kind="ae", dataset="fashion-mnist", test=TEST)
    at = open_tab(run_app(monkeypatch, tmp_path, params={"model": FASHION}), "Compare")
    assert at.radio(key="cmp_preset").value == "ae_vae"
    assert not at.warning
    shown = text(at)
    assert "Models trained on Fashion-MNIST, the open model's dataset." in shown
    assert "**A: fashion-mnist-ae-2d**" in shown and "**B: fashion-mnist-vae-2d**" in shown
    assert "test items" in shown and not re.search(r"\bdigits?\b", shown)
    assert any("on an item or in a gap" in i.value for i in at.info)
    at.radio(key="cmp_preset").set_value("any").run()
    a, b = at.selectbox(key="cmp_a").value, at.selectbox(key="cmp_b").value
    assert {a, b} == {str(tmp_path / FASHION), str(tmp_path / "fashion-mnist-ae-2d.pt")}


def test_a_preset_the_open_dataset_lacks_opens_on_any_two_of_its_models(tmp_path, monkeypatch):
    save_tiny(tmp_path, "mnist-vae-2d.pt", test=TEST)
    save_tiny(tmp_path, "mnist-ae-2d.pt", kind="ae", test=TEST)
    save_tiny(tmp_path, FASHION, dataset="fashion-mnist", test=TEST)
    save_tiny(tmp_path, "fashion-mnist-vae-2d-x.pt", dataset="fashion-mnist", test=TEST)
    at = open_tab(run_app(monkeypatch, tmp_path, params={"model": FASHION}), "Compare")
    assert at.radio(key="cmp_preset").value == "any"
    a, b = at.selectbox(key="cmp_a").value, at.selectbox(key="cmp_b").value
    assert {a, b} == {str(tmp_path / FASHION), str(tmp_path / "fashion-mnist-vae-2d-x.pt")}
    assert not at.warning


def test_latent_size_says_which_dataset_and_uses_the_open_ones_series(tmp_path, monkeypatch):
    for size in (2, 3):
        save_tiny(tmp_path, f"mnist-vae-{size}d.pt", latent_dim=size, epochs=3, test=TEST)
    save_tiny(tmp_path, FASHION, dataset="fashion-mnist", epochs=3, test=TEST)
    at = open_tab(run_app(monkeypatch, tmp_path, params={"model": FASHION}), "Latent size")
    notes = [i.value for i in at.info]
    assert any("which has only one (fashion-mnist-vae-2d)" in n and "**MNIST**" in n
               for n in notes), notes  # fmt: skip
    assert list(at.table[0].value["model"]) == ["mnist-vae-2d", "mnist-vae-3d"]
    assert "The shipped MNIST VAEs" in text(at)
    # a second Fashion-MNIST size: the tab shows its own series
    save_tiny(tmp_path, "fashion-mnist-vae-3d.pt", latent_dim=3, dataset="fashion-mnist",
              epochs=3, test=TEST)  # fmt: skip
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert list(at.table[0].value["model"]) == ["fashion-mnist-vae-2d", "fashion-mnist-vae-3d"]
    shown = text(at)
    assert "The shipped Fashion-MNIST VAEs" in shown and "test items" in shown
    assert not [i for i in at.info if "too few" in i.value]


def test_fashion_class_names_speak_the_pages_language_and_digits_stay_digits():
    from vae.datasets import DATASETS, class_names

    fashion = DATASETS["fashion-mnist"]["classes"]
    assert class_names(fashion, "en") == fashion
    zh = class_names(fashion, "zh")
    assert zh[0] == "T恤/上衣" and zh[-1] == "短靴" and len(set(zh)) == 10
    assert class_names([str(i) for i in range(10)], "zh") == [str(i) for i in range(10)]
    assert class_names(["Bag", "Shoe"], "zh") == ["Bag", "Shoe"]  # a folder's own classes
