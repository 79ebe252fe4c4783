"""Sharing a view of the explorer: the link that reproduces it, and the map as CSV.

The view lives in the page's query string (`?model=mnist-vae-2d.pt&x=0.5&y=-1.2&i=42`),
so a pasted link opens the same model, plane, pin, morph (with its frames and slider
position) and zoom. Links are typed by people and
pasted from chats, so parsing never raises: what cannot be used is dropped and named
in a notice. Each key is parsed on its own (cross-key rules only where two keys mean
one thing, like x and y); a feature that adds a key adds a field to `LinkView`, a line
in `parse_link` and one in `link_query`, and lists it in `KEYS`. Keys that are not in
`KEYS` are left alone, so other parts of the app may keep their own.

No streamlit here: the app passes `st.query_params.to_dict()` in and writes the
returned dict back. Pure standard library plus numpy, so the app can read a link
before it imports torch.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from vae.i18n import msg

# Every query key this module owns: the app writes these and only these.
KEYS = ("model", "plane", "x", "y", "i", "a", "b", "path", "frames", "t", "zoom", "palette", "lang")
PATHS = ("linear", "spherical")  # = vae.latent.INTERPOLATIONS (not imported: that needs torch)
PLANES = ("pca", "tsne", "umap")  # = vae.projection.METHODS (a model of more than 2 dimensions)
LANGS = ("en", "zh")  # = vae.i18n.LANGS (the page's language)
PALETTES = ("cb",)  # the classes' colours besides the default: "cb", colour-blind-safe
FRAMES = (3, 16)  # the morph strip's frames, smallest and largest (the map's frames input)
MAX_CHARS = 64  # a longer value is not something this app wrote
LATENT_LIMIT = 1e4  # |coordinate| beyond this is no place a decoder was trained near
MAX_INDEX = 10_000_000  # the real bound (test-set size) is checked once the data is loaded

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?")
_INDEX = re.compile(r"\d{1,8}")


@dataclass(frozen=True)
class LinkView:
    """The shareable part of the view. None means "not in the link": keep the default.

    model: checkpoint file name (no folder); plane: how a latent space of more than 2
    dimensions is laid on the map, one of PLANES; pin: the clicked point (x, y) on the
    map's plane; index: the test-set index of the clicked image (only with a pin); a, b:
    morph endpoints (x, y); path: "linear" or "spherical" interpolation; frames: the
    morph strip's length (FRAMES); t: the morph slider, 0 (A) to 1 (B); zoom: the map's
    visible range (x0, x1, y0, y1), x0 < x1 and y0 < y1; palette: the classes' colours,
    "cb" (colour-blind-safe; components/latent_map/core/palette.js), None for the default;
    lang: the page's language, one of LANGS (None: the browser's).
    """

    model: str | None = None
    pin: tuple[float, float] | None = None
    index: int | None = None
    a: tuple[float, float] | None = None
    b: tuple[float, float] | None = None
    path: str | None = None
    plane: str | None = None
    frames: int | None = None
    t: float | None = None
    zoom: tuple[float, float, float, float] | None = None
    palette: str | None = None
    lang: str | None = None


def parse_link(
    params: Mapping[str, str | Sequence[str]], models: Iterable[str]
) -> tuple[LinkView, list[str]]:
    """Read a view from query parameters; never raises.

    params: key -> value (or list of values; the last wins, as in the address bar).
    models: the checkpoint file names this server offers. Returns the view and a
    list of notices, one short sentence per ignored value (empty when all was used).
    """
    notices: list[str] = []
    raw, too_long = _read_params(params, notices)
    model = raw.get("model")
    if model is not None and model not in set(models):
        notices.append(msg("app.link.model", value=_preview(model)))
        model = None
    pin, index = _read_pin(raw, too_long, notices)
    ends = {}
    for key in ("a", "b"):
        if key in raw:
            ends[key], error = _pair(raw[key])
            if error:
                notices.append(msg("app.link.morph_end", end=key.upper(), error=error))
    path = _read_choice(raw, "path", PATHS, notices)
    plane = _read_choice(raw, "plane", PLANES, notices)
    frames, t = _read_frames(raw, notices), _read_t(raw, notices)
    zoom = None
    if "zoom" in raw:
        zoom, error = _range(raw["zoom"])
        if error:
            notices.append(msg("app.link.zoom", error=error))
    palette = _read_palette(raw, notices)
    lang = _read_choice(raw, "lang", LANGS, notices)
    view = LinkView(
        model, pin, index, ends.get("a"), ends.get("b"), path, plane, frames, t, zoom, palette,
        lang,
    )
    return view, notices


def _read_params(
    params: Mapping[str, str | Sequence[str]], notices: list[str]
) -> tuple[dict[str, str], set[str]]:
    """The link's known keys with their (last) value, and the keys whose value was too long
    to read (each with a notice)."""
    raw: dict[str, str] = {}
    too_long = set()
    for key in KEYS:
        if key not in params:
            continue
        value = params[key]
        if not isinstance(value, str):
            value = value[-1] if len(value) else ""
        if len(value) > MAX_CHARS:
            notices.append(msg("app.link.too_long", key=key, n=f"{len(value):,}"))
            too_long.add(key)
            continue
        raw[key] = value
    return raw, too_long


def _read_pin(
    raw: dict[str, str], too_long: set[str], notices: list[str]
) -> tuple[tuple[float, float] | None, int | None]:
    """The clicked point (x, y) and the test digit it names (i), each None if absent or bad."""
    pin = index = None
    pin_given = bool({"x", "y"} & (set(raw) | too_long))
    if pin_given and not {"x", "y"} & too_long:
        x, x_error = _coordinate(raw.get("x"))
        y, y_error = _coordinate(raw.get("y"))
        if x_error or y_error:
            notices.append(msg("app.link.pin", error=x_error or y_error))
        else:
            pin = (x, y)
    if "i" in raw:
        if pin is None:
            if not pin_given:  # else the pin's own notice says enough
                notices.append(msg("app.link.index_alone"))
        elif not _INDEX.fullmatch(raw["i"]) or int(raw["i"]) >= MAX_INDEX:
            notices.append(msg("app.link.index", value=_preview(raw["i"])))
        else:
            index = int(raw["i"])
    return pin, index


def _read_choice(
    raw: dict[str, str], key: str, allowed: tuple[str, ...], notices: list[str]
) -> str | None:
    value = raw.get(key)
    if value is not None and value not in allowed:
        notices.append(
            msg("app.link.choice", key=key, value=_preview(value), allowed=", ".join(allowed))
        )
        return None
    return value


def _read_frames(raw: dict[str, str], notices: list[str]) -> int | None:
    if "frames" not in raw:
        return None
    low, high = FRAMES
    text = raw["frames"].strip()
    if _INDEX.fullmatch(text) and low <= int(text) <= high:
        return int(text)
    notices.append(msg("app.link.frames", value=_preview(raw["frames"]), low=low, high=high))
    return None


def _read_t(raw: dict[str, str], notices: list[str]) -> float | None:
    if "t" not in raw:
        return None
    value, error = _coordinate(raw["t"])
    if error is None and 0.0 <= value <= 1.0:
        return value
    notices.append(msg("app.link.t", value=_preview(raw["t"])))
    return None


def _read_palette(raw: dict[str, str], notices: list[str]) -> str | None:
    palette = raw.get("palette")
    if palette is not None and palette not in PALETTES:
        notices.append(
            msg("app.link.choice", key="palette", value=_preview(palette),
                allowed=", ".join(PALETTES))
        )  # fmt: skip
        return None
    return palette


def link_query(view: LinkView) -> dict[str, str]:
    """The query parameters of a view: only the keys that have a value (a subset of KEYS)."""
    query = {}
    if view.model is not None:
        query["model"] = view.model
    if view.plane is not None:
        query["plane"] = view.plane
    if view.pin is not None:
        query["x"], query["y"] = (format_number(v) for v in view.pin)
        if view.index is not None:
            query["i"] = str(int(view.index))
    for key, end in (("a", view.a), ("b", view.b)):
        if end is not None:
            query[key] = ",".join(format_number(v) for v in end)
    if view.path is not None:
        query["path"] = view.path
    if view.frames is not None:
        query["frames"] = str(int(view.frames))
    if view.t is not None:
        query["t"] = format_number(round(float(view.t), 3))  # the slider has 1,000 steps
    if view.zoom is not None:
        query["zoom"] = ",".join(format_number(v) for v in view.zoom)
    if view.palette is not None:
        query["palette"] = view.palette
    if view.lang is not None:
        query["lang"] = view.lang
    return query


def format_number(value: float) -> str:
    """A latent coordinate for a URL: 5 decimals (1e-5 is far below what a pixel shows)."""
    text = f"{float(value):.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _coordinate(text: str | None) -> tuple[float | None, str | None]:
    """(value, None) or (None, why not)."""
    if text is None:
        return None, msg("app.link.xy_both")
    if not _NUMBER.fullmatch(text.strip()):
        return None, msg("app.link.not_number", value=_preview(text))
    value = float(text)
    if not math.isfinite(value) or abs(value) > LATENT_LIMIT:
        return None, msg("app.link.out_of_range", value=_preview(text), limit=f"{LATENT_LIMIT:g}")
    return value, None


def _pair(text: str) -> tuple[tuple[float, float] | None, str | None]:
    parts = text.split(",")
    if len(parts) != 2:
        return None, msg("app.link.not_pair", value=_preview(text))
    (x, x_error), (y, y_error) = _coordinate(parts[0]), _coordinate(parts[1])
    if x_error or y_error:
        return None, x_error or y_error
    return (x, y), None


def _range(text: str) -> tuple[tuple[float, float, float, float] | None, str | None]:
    """A visible range "x0,x1,y0,y1" -> ((x0, x1, y0, y1), None) or (None, why not)."""
    parts = text.split(",")
    if len(parts) != 4:
        return None, msg("app.link.not_range", value=_preview(text))
    values = []
    for part in parts:
        value, error = _coordinate(part)
        if error:
            return None, error
        values.append(value)
    x0, x1, y0, y1 = values
    if not (x0 < x1 and y0 < y1):
        return None, msg("app.link.empty_range", value=_preview(text))
    return (x0, x1, y0, y1), None


def _preview(text: str) -> str:
    """A value as it may be shown back on the page: short, and no markup can ride along."""
    safe = re.sub(r"[^\w.+\-/,]", "?", text[:24])  # "/" and "," are plain text in markdown
    return f"“{safe}{'…' if len(text) > 24 else ''}”"


def latent_csv(
    mu: np.ndarray, logvar: np.ndarray | None, labels: np.ndarray, classes: Sequence[str]
) -> bytes:
    """The encoded test set as CSV (UTF-8): one row per image, in test-set order.

    mu, logvar: (N, d); logvar None for a plain autoencoder (then no sigma columns).
    labels: (N,) class numbers; classes: their names. Columns: index, label, class,
    mu_1..mu_d, then sigma_1..sigma_d = exp(logvar / 2). Floats are written with 9
    significant digits, which is enough to read every float32 back exactly.
    """
    mu = np.asarray(mu, dtype=np.float32)
    labels = np.asarray(labels)
    if mu.ndim != 2 or len(labels) != len(mu):
        raise ValueError(f"need mu (N, d) and N labels, got {mu.shape} and {labels.shape}")
    columns = [mu]
    header = ["index", "label", "class"] + [f"mu_{k + 1}" for k in range(mu.shape[1])]
    if logvar is not None:
        logvar = np.asarray(logvar, dtype=np.float32)
        if logvar.shape != mu.shape:
            raise ValueError(f"logvar {logvar.shape} does not match mu {mu.shape}")
        columns.append(np.exp(0.5 * logvar))
        header += [f"sigma_{k + 1}" for k in range(mu.shape[1])]
    values = np.concatenate(columns, axis=1)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for i, (label, row) in enumerate(zip(labels.tolist(), values, strict=True)):
        writer.writerow([i, label, classes[label], *(f"{v:.9g}" for v in row.tolist())])
    return out.getvalue().encode()
