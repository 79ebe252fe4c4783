"""The app's two languages: English and Simplified Chinese, from catalogs in `locales/`.

Every text a user reads (the views, the lesson, error messages, the map component's labels
and the exported page) is a key in the catalogs, one folder per language with one TOML
file per part of the app:

    locales/en/app.toml     [sidebar] model = "Model"        -> key "app.sidebar.model"
    locales/zh/app.toml     [sidebar] model = "模型"

A key is the file's name, then the tables, then the entry, joined by dots. Values are
`str.format` templates: `"{n} epochs"` is filled with `text(<key>, lang, n=3)`. Both
languages hold the same keys with the same placeholders, and every key is written out
literally somewhere in the code (Python's `t(<key>)` or `msg(<key>)`, JS's `t(<key>)`):
tests/test_i18n.py fails on a missing, unused or mismatched key. Keys the browser needs
(the map component's `map.*`, the exported page's `export.*`) go to it as a flat dict
(`texts(lang, "map")`) and are read by components/latent_map/core/i18n.js.

Terms follow the lecture this app grew from: 隐变量 (latent variable), 隐空间, 编码器,
解码器, 后验 (posterior), 先验 (prior), 重参数化 (reparameterization), 重构 (reconstruction),
KL 散度, 变分自编码器 (VAE), 自编码器 (AE).

Errors: code that raises for a user (vae/ never imports streamlit) raises with
`msg(key, **params)`, a str (English, so the CLI, logs and tests read it as before) that
remembers its key; the app shows `localize(error, lang)` in the user's language.

No streamlit here (views/i18n.py holds the session's language).
"""

from __future__ import annotations

import functools
import string
import tomllib
from collections.abc import Mapping
from pathlib import Path

LOCALES = Path(__file__).resolve().parents[1] / "locales"
LANGS = ("en", "zh")
DEFAULT = "en"
NAMES = {"en": "English", "zh": "中文"}  # each language in its own words (the sidebar's choice)


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    """Every key of one language -> its template. Raises ValueError for an unknown language
    and a catalog that is not valid TOML or holds a non-text value (a bug, caught by tests)."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGS)}")
    flat: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.toml")):
        with path.open("rb") as f:
            _flatten(tomllib.load(f), path.stem, flat, path)
    return flat


def _flatten(table: Mapping, prefix: str, out: dict[str, str], path: Path) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            _flatten(value, name, out, path)
        elif isinstance(value, str):
            out[name] = value
        else:
            raise ValueError(f"{path}: {name} is {type(value).__name__}, not text")


def text(key: str, lang: str = DEFAULT, /, **params) -> str:
    """The text of key in lang, filled with params. A key missing from lang falls back to
    English, and a key missing from both shows as the key itself (tests forbid both)."""
    template = catalog(lang).get(key)
    if template is None:
        template = catalog(DEFAULT).get(key, key)
    return template.format(**params) if params else template


def placeholders(template: str) -> set[str]:
    """The names a template fills ({n}, {name:.2f} -> n, name)."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def texts(lang: str, *prefixes: str) -> dict[str, str]:
    """The keys under prefixes (like "map") -> their raw templates, for the browser."""
    starts = tuple(f"{p}." for p in prefixes)
    english = {k: v for k, v in catalog(DEFAULT).items() if k.startswith(starts)}
    return english | {k: v for k, v in catalog(lang).items() if k.startswith(starts)}


class Msg(str):
    """A text that remembers its key and parameters: English as a str, any language with
    localize(). Raised in errors by code that cannot know the reader's language."""

    key: str
    params: dict

    def __new__(cls, key: str, /, **params) -> Msg:
        self = super().__new__(cls, text(key, DEFAULT, **params))
        self.key, self.params = key, params
        return self

    def __reduce__(self):  # errors cross processes (the training child): keep the key
        return (_rebuild, (self.key, self.params))

    def to(self, lang: str) -> str:
        params = {k: localize(v, lang) for k, v in self.params.items()}
        return text(self.key, lang, **params)


def _rebuild(key: str, params: dict) -> Msg:
    return Msg(key, **params)


def plain(thing: object, strip: str = "") -> object:
    """A Msg as data JSON can carry ({"key", "params"}, nested messages alike), anything
    else as its text, with `strip` taken out of the texts: for a message that crosses a pipe
    or a file (the training process's error, another replica's). again() makes it anew."""
    if isinstance(thing, Msg):
        return {"key": thing.key, "params": {k: plain(v, strip) for k, v in thing.params.items()}}
    text = str(thing)
    return text.replace(strip, "") if strip else text


def again(data: object, words: str) -> str:
    """plain()'s data as a Msg again; `words` (its English text as sent) if it cannot be:
    another version's key or values."""
    def build(value):
        if isinstance(value, dict):
            return Msg(value["key"], **{k: build(v) for k, v in value["params"].items()})
        return str(value)

    try:
        return build(data)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return words


msg = Msg


def localize(thing: object, lang: str) -> str:
    """thing in lang: a Msg (or an error raised with one) in that language; anything else
    as str() gives it (a text that was never translated: a path, an OS error's words)."""
    if isinstance(thing, Msg):
        return thing.to(lang)
    if isinstance(thing, BaseException) and len(thing.args) == 1 and isinstance(thing.args[0], Msg):
        return thing.args[0].to(lang)
    return str(thing)


def pick(asked: str | None, browser: str | None) -> str:
    """The language to show: the link's `lang=` if it names one of LANGS, else the
    browser's (its locale like "zh-CN", "zh-Hans-TW" or "en-GB"), else English."""
    if asked in LANGS:
        return asked
    base = (browser or "").replace("_", "-").split("-")[0].lower()
    return base if base in LANGS else DEFAULT
