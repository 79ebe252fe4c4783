"""A click on the map. The component draws what a click shows, in the browser (the
decoding, the original test image, posterior samples, nearest neighbours); Python keeps
the pin for the link and decodes only for a model whose decoder the browser cannot run."""

from __future__ import annotations

import streamlit as st

from vae import bundle as bundles
from vae.bundle import MapBundle
from vae.datasets import class_names
from vae.i18n import msg

from . import i18n
from .config import STATIC


def on_click() -> None:
    value = st.session_state.get("latent_map")
    click = value.get("click") if hasattr(value, "get") else None
    if click and click.get("clear"):  # a double-click took back the only pin there was
        st.session_state.pin = None
    elif click:
        st.session_state.pin = {k: click.get(k) for k in ("x", "y", "index", "label", "nonce")}
        st.session_state.link_notice = None  # the view is the user's own now


def resolve_linked_pin(bundle: MapBundle) -> None:
    """A pin from a link names a test image by number: check it, then take its place and
    class on this map's plane."""
    pin = st.session_state.pin
    if not pin or pin.get("index") is None or pin.get("label") is not None:
        return
    xy, labels = bundles.load_points(STATIC, bundle)
    i = int(pin["index"])
    if i < len(xy):
        label = class_names(bundle.classes, i18n.lang())[int(labels[i])]
        st.session_state.pin = {**pin, "x": float(xy[i, 0]), "y": float(xy[i, 1]), "label": label}
    else:
        st.session_state.pin = {**pin, "index": None}
        notice = msg("explore.clicked.past_end", i=i, last=len(xy) - 1)  # state.link_notice
        st.session_state.link_notice = (st.session_state.link_notice or []) + [notice]


def pin_pixels(path: str, bundle: MapBundle) -> list[float] | None:
    """The pin decoded in Python, only for a model with no browser decoder (conv)."""
    pin = st.session_state.pin
    if not pin or bundle.decoder is not None:
        return None
    from vae import latent

    from . import loaders

    plane = loaders.plane_of(path, bundle.method)
    z = plane.latent_of(pin["x"], pin["y"], pin.get("index"))
    return latent.decode(loaders.checkpoint_of(path).model, z)[0].ravel().tolist()
