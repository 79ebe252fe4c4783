"""The two languages' catalogs (vae/i18n.py, locales/): complete, used, and consistent.

A text used in the code (t("..."), msg("..."), text("...") in Python, t("...") in JS) must
be in both catalogs; a catalog key written nowhere in the code is dead; both languages
fill the same placeholders; a Chinese text that is the English one copied is caught.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from vae import i18n

ROOT = Path(__file__).resolve().parents[1]
CODE = sorted(
    [ROOT / "page.py"]
    + [p for d in ("views", "vae", "bench", "scripts") for p in (ROOT / d).rglob("*.py")]
    + [p for p in (ROOT / "components").rglob("*.js")]
    + [p for p in (ROOT / "vae").glob("*.html")]
)
CALL = re.compile(r"""\b(?:t|msg|Msg|text|tr)\(\s*["']([a-z][a-z0-9_]*(?:\.[A-Za-z0-9_]+)+)["']""")
QUOTED = re.compile(r"""["']([a-z][a-z0-9_]*(?:\.[A-Za-z0-9_]+)+)["']""")
# Words a Chinese text may keep in Latin letters: names of models, methods, formats, units.
LATIN_OK = {
    "vae",
    "ae",
    "kl",
    "bce",
    "elbo",
    "pca",
    "t-sne",
    "tsne",
    "umap",
    "mnist",
    "fashion-mnist",
    "fashion",
    "csv",
    "gif",
    "png",
    "jpeg",
    "jpg",
    "webp",
    "svg",
    "html",
    "pytorch",
    "torch",
    "adamw",
    "adam",
    "mlp",
    "cnn",
    "cpu",
    "gpu",
    "cuda",
    "mps",
    "nelbo",
    "nats",
    "streamlit",
    "plotly",
    "json",
    "url",
    "idx",
    "npz",
    "pt",
    "sgd",
    "relu",
    "id",
    "mb",
    "kb",
    "px",
    "ms",
    "sha",
    "lr",
    "utf",
    "ok",
    "β",
    "nan",
    "inf",
    "mu",
    "sigma",
    "eps",
    "vae-train",
    "openTSNE",
    "opentsne",
    "x",
    "y",
    "z",
    "p",
    "q",
    "n",
    "d",
    "a",
    "b",
    "c",
    "dim",
    "epoch",
    "epochs",
    "shift",
    "enter",
    "esc",
    "escape",
    "tab",
    "ctrl",
    "alt",
}


def code_text() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in CODE}


def test_both_languages_hold_the_same_keys():
    en, zh = set(i18n.catalog("en")), set(i18n.catalog("zh"))
    assert en, "the English catalog is empty"
    assert not en - zh, f"missing from locales/zh: {sorted(en - zh)}"
    assert not zh - en, f"missing from locales/en: {sorted(zh - en)}"


def test_every_key_the_code_asks_for_is_in_the_catalogs():
    known = set(i18n.catalog("en"))
    missing = {}
    for path, text in code_text().items():
        for key in CALL.findall(text):
            if key not in known:
                missing.setdefault(key, str(path.relative_to(ROOT)))
    assert not missing, f"keys used in the code but in no catalog: {missing}"


def test_every_catalog_key_is_used_in_the_code():
    quoted = set()
    for text in code_text().values():
        quoted.update(QUOTED.findall(text))
    unused = sorted(set(i18n.catalog("en")) - quoted)
    assert not unused, f"catalog keys written nowhere in the code (write keys in full): {unused}"


@pytest.mark.parametrize("key", sorted(i18n.catalog("en")))
def test_both_languages_fill_the_same_placeholders(key):
    en, zh = i18n.catalog("en")[key], i18n.catalog("zh")[key]
    assert i18n.placeholders(en) == i18n.placeholders(zh), (key, en, zh)


def test_chinese_texts_are_translated():
    """A zh text with English words beyond names and symbols is an untranslated copy."""
    copied = {}
    for key, zh in i18n.catalog("zh").items():
        plain = re.sub(r"\{[^}]*\}|`[^`]*`|\$[^$]*\$", "", zh)  # placeholders, code, LaTeX
        words = re.findall(r"[A-Za-z][A-Za-z\-]{2,}", plain)
        english = [w for w in words if w.lower() not in LATIN_OK]
        if (english and not re.search(r"[\u4e00-\u9fff]", zh)) or len(english) > 3:
            copied[key] = zh
    assert not copied, f"zh texts that read as English: {copied}"


def test_browser_templates_have_no_format_specs():
    """core/i18n.js fills {name} only: a {x:.2f} would show as typed."""
    both = {**i18n.texts("en", "map", "export"), **i18n.texts("zh", "map", "export")}
    for key, value in both.items():
        assert not re.search(r"\{[^}]*[:!][^}]*\}", value), (key, value)


def test_text_falls_back_and_fills():
    assert i18n.text("app.sidebar.language", "zh") == "语言"
    assert i18n.text("app.sidebar.language", "en") == "Language"
    assert i18n.text("no.such.key", "zh") == "no.such.key"


def test_msg_is_english_text_that_remembers_its_key():
    m = i18n.msg("app.sidebar.language")
    assert m == "Language" and isinstance(m, str)
    assert i18n.localize(m, "zh") == "语言"
    error = ValueError(m)
    assert str(error) == "Language" and i18n.localize(error, "zh") == "语言"
    again = pickle.loads(pickle.dumps(error))  # errors cross from the training child
    assert i18n.localize(again, "zh") == "语言"
    assert i18n.localize(OSError("disk full"), "zh") == "disk full"  # not ours: as it is


@pytest.mark.parametrize(
    ("asked", "browser", "want"),
    [
        ("zh", "en-US", "zh"),
        ("en", "zh-CN", "en"),
        (None, "zh-CN", "zh"),
        (None, "zh-Hant-TW", "zh"),
        (None, "zh_CN", "zh"),
        (None, "de-DE", "en"),
        (None, None, "en"),
        ("klingon", "zh-CN", "zh"),
        ("", "", "en"),
    ],
)
def test_language_from_link_then_browser(asked, browser, want):
    assert i18n.pick(asked, browser) == want


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="not one of en, zh"):
        i18n.catalog("fr")
