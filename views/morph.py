"""Morphing between two points of the map. The slider, the strip, the endpoints' pickers
and the downloads run in the browser; Python keeps the endpoints for the link, names
endpoints that come from a link, and decodes frames only for a model whose decoder the
browser cannot run.

The browser owns the order of morph changes (components/latent_map/morph.js): it reports
its state with its own sequence number `seq`, which Python keeps and sends back. Python
asks for a change (your digit as an endpoint) with a request {id, a or b} numbered by its
own counter; the browser applies each request id once, in order, on top of its morph. No
clock is compared with another's."""

from __future__ import annotations

import numpy as np
import streamlit as st

from vae import bundle as bundles
from vae.bundle import MapBundle
from vae.datasets import class_names

from . import i18n
from .config import STATIC
from .state import MORPH_FRAMES as FRAMES  # frames in the strip, by default
from .state import MORPH_T


def on_change() -> None:
    value = st.session_state.get("latent_map")
    change = value.get("morph") if hasattr(value, "get") else None
    if change:
        st.session_state.morph = change


def set_endpoint(which: str, z: list[float], label: str) -> None:
    """Set endpoint A or B from Python (your digit): kept in the session (the link) and
    sent to the browser as the next request, which it applies once on top of its morph."""
    endpoint = {"z": [float(v) for v in z[:2]], "label": label, "index": None}
    st.session_state.morph = {**(st.session_state.morph or {}), which: endpoint}
    st.session_state.morph_request = {"id": request_id() + 1, which: endpoint}


def request_id() -> int:
    """The id of Python's last morph request in this session (0: none)."""
    return (st.session_state.get("morph_request") or {}).get("id", 0)


def for_map(path: str, bundle: MapBundle) -> dict | None:
    """The morph the map shows: the session's, with the model's defaults filling gaps."""
    if not bundle.invertible:
        return None  # a t-SNE/UMAP plane has no inverse: its in-between points decode nothing
    current = st.session_state.morph or {}
    morph = {
        "a": current.get("a") or bundle.defaults["a"],
        "b": current.get("b") or bundle.defaults["b"],
        "method": current.get("method") or "linear",
        "frames": int(current.get("frames") or FRAMES),
        "t": MORPH_T if current.get("t") is None else float(current["t"]),
        "seq": current.get("seq") or 0,  # the browser's, on the state it reported
        "request": st.session_state.get("morph_request"),
    }
    named = False
    for which in ("a", "b"):
        if morph[which].get("label") is None:  # from a link: name it if it is a test image
            morph[which] = {**morph[which], **name_endpoint(bundle, morph[which]["z"])}
            named = True
    if named:  # once: later reruns find the names in the session
        st.session_state.morph = {**current, "a": morph["a"], "b": morph["b"]}
    if bundle.decoder is None:
        morph["frames_pixels"] = frames_pixels(path, bundle, morph)
    return morph


def name_endpoint(bundle: MapBundle, z: list[float]) -> dict:
    xy, labels = bundles.load_points(STATIC, bundle)
    i = bundles.nearest_point(xy, z)
    if i is None:
        return {"label": f"({z[0]:.2f}, {z[1]:.2f})", "index": None}
    name = class_names(bundle.classes, i18n.lang())[int(labels[i])]
    return {"label": f"#{i} “{name}”", "index": i}


def frames_pixels(path: str, bundle: MapBundle, morph: dict) -> list[list[float]]:
    from vae import latent

    from . import loaders

    plane = loaders.plane_of(path, bundle.method)
    t = np.linspace(0, 1, morph["frames"])
    z = plane.to_latent(latent.interpolate(morph["a"]["z"], morph["b"]["z"], t, morph["method"]))
    return [f.ravel().tolist() for f in latent.decode(loaders.checkpoint_of(path).model, z)]
