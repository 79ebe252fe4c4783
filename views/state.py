"""Session state: its defaults, and the view in the address bar (vae/share.py).

The link is read once, on a session's first run, before anything is drawn; it is
written back whenever the view changes (a click, a morph endpoint, its frames or slider,
a zoom, a plane, a model, the palette), so the address bar is always a link to what the user sees.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import streamlit as st

from vae import share
from vae.bundle import MapBundle
from vae.files import mtime
from vae.i18n import msg

from . import i18n
from .config import DEFAULT_NAME, checkpoints

MORPH_FRAMES = 9  # the morph strip's frames and slider position when nobody set them
MORPH_T = 0.5

DEFAULTS = {
    "model_path": None,  # set by init() from the checkpoints folder
    "pin": None,  # the clicked point: {x, y, index, label, nonce} on the map's plane
    "morph": None,  # {a: {z, label, index}, b: {...}, method, frames, t}; None: the defaults
    "colour_blind": False,  # the classes in colour-blind-safe colours (the sidebar's toggle)
    "zoom": None,  # the map's visible range [x0, x1, y0, y1] once the user zoomed (or a link)
    "digit": None,  # the user's encoded digit (drawn or uploaded)
    "digit_error": None,
    "link_read": False,  # the view in the URL is applied once, on the session's first run
    "link_notice": None,  # what of that link could not be used
    "projection": "pca",  # how a latent space of more than 2 dimensions is laid on the map
    "map_model": None,  # the model whose points the pin and morph belong to
    "map_version": None,  # and its file's version (mtime): a file replaced on disk is another
}


def init() -> None:
    i18n.init()  # the language first: everything drawn after speaks it
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)
    if st.session_state.model_path is None:
        st.session_state.model_path = str(checkpoints() / DEFAULT_NAME)
    if st.session_state.get("session_id") is None:
        # Who owns a training run (only its owner may stop it, or sees how it ended). Not
        # id(st.session_state): that is one module-level proxy, the same in every session.
        st.session_state.session_id = uuid.uuid4().hex


def forget_points() -> None:
    """Another model or plane: points picked on the old one mean nothing here."""
    st.session_state.update(pin=None, morph=None, digit=None, grid=None, zoom=None)


def model_replaced(path: str) -> bool:
    """On a full run: whether the open model's file was replaced on disk (retrained, copied
    over) since the last run. Then the points picked on the old version are dropped: the
    whole page is built again from the new file, never old points with new weights."""
    version, before = mtime(path), st.session_state.map_version
    st.session_state.map_version = version
    if st.session_state.map_model == path and before is not None and before != version:
        forget_points()
        return True
    return False


def same_version(path: str) -> None:
    """In a fragment, which reruns with the map of the last full run: if the model's file
    has changed since, rebuild the whole page (model_replaced then says so)."""
    if mtime(path) != st.session_state.map_version:
        st.rerun(scope="app")


def read_link(usable: list[str], broken: dict[str, str]) -> None:
    """On a session's first run: open the view the URL names.

    usable: paths of readable checkpoints; broken: file name -> why it cannot be read.
    """
    if st.session_state.link_read:
        return
    st.session_state.link_read = True
    by_name = {Path(p).name: p for p in usable}
    view, notices = share.parse_link(st.query_params.to_dict(), list(by_name) + list(broken))
    if view.model in broken:
        notices.append(msg("app.link.broken", model=view.model, reason=broken[view.model]))
    elif view.model:
        st.session_state.model_path = by_name[view.model]
    st.session_state.map_model = st.session_state.model_path  # so the linked points are kept
    if view.plane:
        from .loaders import facts_of

        path = st.session_state.model_path
        dims = facts_of(path).get("latent_dim") if path in usable else None
        if dims and dims > 2:
            st.session_state.projection = view.plane
        else:
            name = Path(st.session_state.model_path).name
            notices.append(msg("app.link.plane", plane=view.plane, name=name, dims=dims))
    if view.zoom:
        st.session_state.zoom = list(view.zoom)
    if view.palette == "cb":
        st.session_state.colour_blind = True
    if view.pin:
        x, y = view.pin  # label None: filled in (and the index checked) with the map's points
        st.session_state.pin = {"x": x, "y": y, "index": view.index, "label": None, "nonce": None}
    if view.a or view.b or view.path or view.frames or view.t is not None:
        st.session_state.morph = {
            "a": {"z": list(view.a), "label": None, "index": None} if view.a else None,
            "b": {"z": list(view.b), "label": None, "index": None} if view.b else None,
            "method": view.path or "linear",
            "frames": view.frames,
            "t": view.t,
        }
    st.session_state.link_notice = notices or None


def note_view(reported, bundle: MapBundle) -> None:
    """Keep the map's visible range from its report ({x, y, touched, points}), but only a
    range the user chose on this very map (not the fitted one, not the last model's)."""
    if not hasattr(reported, "get") or reported.get("points") != bundle.points:
        return
    if reported.get("touched"):
        st.session_state.zoom = [*reported["x"], *reported["y"]]


def write_link(bundle: MapBundle) -> None:
    """Keep the URL in step with the view; only the keys vae.share owns are touched.

    bundle: the map's (its plane goes in the link for a model of more than 2 dimensions).
    Defaults (9 frames, the slider in the middle, the fitted view, the default colours) are
    left out.
    """
    pin, morph = st.session_state.pin, st.session_state.morph or {}
    a, b = morph.get("a"), morph.get("b")
    method, frames, t = morph.get("method"), morph.get("frames"), morph.get("t")
    zoom = st.session_state.zoom
    view = share.LinkView(
        model=Path(st.session_state.model_path).name,
        pin=(pin["x"], pin["y"]) if pin else None,
        index=pin.get("index") if pin else None,
        a=tuple(a["z"][:2]) if a else None,
        b=tuple(b["z"][:2]) if b else None,
        path=method if method and method != "linear" else None,
        plane=bundle.method if bundle.method in share.PLANES else None,
        frames=int(frames) if frames and int(frames) != MORPH_FRAMES else None,
        t=float(t) if t is not None and abs(float(t) - MORPH_T) > 5e-4 else None,
        zoom=tuple(zoom) if zoom else None,
        palette="cb" if st.session_state.colour_blind else None,
        lang=i18n.in_link(),
    )
    wanted, current = share.link_query(view), st.query_params.to_dict()
    for key in share.KEYS:
        if key in wanted and current.get(key) != wanted[key]:
            st.query_params[key] = wanted[key]
        elif key not in wanted and key in current:
            del st.query_params[key]


def palette() -> str:
    """The classes' colours the maps draw with: "cb" (colour-blind-safe) or "default"."""
    return "cb" if st.session_state.get("colour_blind") else "default"


def link_notice() -> None:
    if st.session_state.link_notice:
        notices = [i18n.shown(n) for n in st.session_state.link_notice]
        st.warning(
            i18n.t("app.link.ignored", notices=i18n.t("app.link.separator").join(notices)),
            icon=":material/link_off:",
        )


def kept(key: str, default):
    """The value the widget `key` last had, else `default`: its default when drawn again.
    Streamlit forgets the value of a widget that a run does not draw (a closed panel or
    tab is built only when open), so the value is also kept under a key of its own
    (keep)."""
    return st.session_state.get(f"kept_{key}", default)


def keep(key: str, value) -> None:
    st.session_state[f"kept_{key}"] = value
