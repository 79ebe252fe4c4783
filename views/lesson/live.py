"""A lesson step's live map: the explorer's own map component (views/map.py's payload,
loaders.map_component()), one instance per step with its own key.

`lesson_map(path, key, ...)` draws it and returns the user's latest click on it, kept in
session state by the component's click callback:

    {"z": [x, y], "index": int or None, "label": str or None, "nonce": ...}   or None

A click on a test image snaps to it (index, label: the image's number and class); a click
in empty space gives the point itself (index None). The map shows `pin` as its pin (with
the clicked test image's q(z|x) ellipses, drawn by the map itself; with show_samples its
posterior draws too) and `marks` as labelled dots (overlay.js drawMarks).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from vae.bundle import MapBundle

from .. import loaders
from ..map import payload

HEIGHT = 460


def click_key(key: str) -> str:
    return f"{key}_click"


def remember_click(
    instance: str, key: str, then: Callable[[dict | None], None] | None = None
) -> None:
    """The click callback of map instance `instance`: keep the click as map `key`'s (or
    forget it on a double-click's take-back, or Escape), then tell `then`."""
    value = st.session_state.get(instance)
    click = value.get("click") if hasattr(value, "get") else None
    if not click:
        return
    kept = None
    if not click.get("clear"):
        index = click.get("index")
        kept = {
            "z": [float(click["x"]), float(click["y"])],
            "index": int(index) if index is not None else None,
            "label": click.get("label"),
            "nonce": click.get("nonce"),
        }
    st.session_state[click_key(key)] = kept
    if then is not None:
        then(kept)


def last_click(key: str) -> dict | None:
    return st.session_state.get(click_key(key))


def pin_at(z, index: int | None = None, label: str | None = None, nonce=None) -> dict:
    """A pin for the map: the plane point z, on test image `index` if given."""
    return {"x": float(z[0]), "y": float(z[1]), "index": index, "label": label, "nonce": nonce}


def mark(z, label: str, colour: str = "#1c6dd0") -> dict:
    """A labelled dot on the map at plane point z (overlay.js drawMarks)."""
    return {"z": [float(z[0]), float(z[1])], "label": label, "colour": colour}


def bundle_of(path: str) -> MapBundle:
    """The model's map of its latent plane (the lesson's models are 2-D)."""
    return loaders.bundle_of(path, "latent")


def lesson_map(
    path: str,
    key: str,
    *,
    pin: dict | None = None,
    marks: list[dict] | None = None,
    prior_ring: dict | None = None,
    height: int = HEIGHT,
    zoom: list[float] | None = None,
    show_samples: bool = False,
    on_click: Callable[[dict | None], None] | None = None,
) -> dict | None:
    """Draw the model's map (one instance, key `key`) and return the latest click on it.

    show_samples: the clicked test image's posterior draws, decoded in the map's panel,
    also as dots z1, z2, ... on the map (overlay.js drawSamples).
    zoom: the view [x0, x1, y0, y1] it opens on (None: all the data). The map takes a
    view only when it is built, so another zoom is another instance of the component.
    on_click(click): called with each new click (None: taken back) before the rerun it
    causes, to keep what the step derives from it."""
    instance = key if zoom is None else f"{key}_zoom_" + "_".join(f"{v:.3f}" for v in zoom)
    bundle = bundle_of(path)
    data = payload(
        bundle,
        height=height,
        pin=pin,
        marks=marks or None,
        prior_ring=prior_ring,
        zoom=zoom,
        show_samples=show_samples or None,
        model=Path(path).stem,
    )
    loaders.map_component()(
        key=instance,
        data=data,
        on_click_change=lambda: remember_click(instance, key, on_click),
        on_morph_change=lambda: None,
        on_view_change=lambda: None,
    )
    return last_click(key)
