"""The latent map component: the one builder of its payload, and the explorer's map.

The component (components/latent_map/) draws the encoded test set with Plotly and does
everything that needs only what the browser holds: decoding under the pointer and on a
click, the clicked digit's posterior samples and nearest neighbours, the morph slider and
strip. A click writes its pin into the link in the page (link.js: Python is not rerun);
Python hears of a morph change or a pan (and of a click on a model whose decoder only
Python has) to keep the session state and the link in step, and the map lives in a
fragment, so such an event reruns this fragment alone: a few milliseconds of server time,
no page reconciliation.
"""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from vae.bundle import MapBundle
from vae.datasets import class_names
from vae.latent_size import ACTIVE_KL_NATS

from . import clicked, config, digit, i18n, loaders, morph, state
from .config import MAP_HEIGHT, STATIC_URL


def url(name: str | None) -> str | None:
    return f"{STATIC_URL}/{name}" if name else None


# What one image is called (vae/datasets.py dataset_item) -> its catalog key.
ITEM_KEYS = {"digit": "map.item.digit", "item": "map.item.item", "image": "map.item.image"}


def item_name(item: str) -> str:
    """What one image is called, in the session's language (as core/i18n.js itemName)."""
    return i18n.t(ITEM_KEYS[item]) if item in ITEM_KEYS else item


def axis_titles(bundle: MapBundle) -> list[str]:
    """The map's axes in the session's language: a PCA plane's name its share of the
    variance; z1, z2 and t-SNE's or UMAP's axes are names in any language."""
    if bundle.pca is None:
        return bundle.axes
    ratio = bundle.pca["variance_ratio"]
    return [i18n.t("map.plot.pc_axis", k=k + 1, share=f"{100 * ratio[k]:.0f}") for k in range(2)]


def file_urls(bundle: MapBundle) -> dict:
    """The URLs of a map's files in ./static (None for a file this model has not)."""
    decoder, latent_decoder = bundle.decoder, bundle.latent_decoder
    return {
        "points_url": url(bundle.points),
        "mu_url": url(bundle.mu),
        "sigma_url": url(bundle.sigma),
        "images_url": url(bundle.images),
        "decoder_url": url(decoder["file"]) if decoder else None,
        "latent_decoder_url": url(latent_decoder["file"]) if latent_decoder else None,
    }


def payload(bundle: MapBundle, *, height: int, **extra) -> dict:
    """Everything the component needs for one model's map; small (big arrays go by URL).

    bundle: vae.bundle's record; extra: this map's state (pin, morph, upload, sync,
    prior_ring, pin_pixels, zoom, ...), None where absent.
    """
    data = {
        "plotly_url": config.plotly_url(),
        **file_urls(bundle),
        "sprite_columns": bundle.sprite_columns,
        "decoder": bundle.decoder,
        "latent_decoder": bundle.latent_decoder,
        "classes": class_names(bundle.classes, i18n.lang()),  # in the page's language
        "item": bundle.item,
        "legend_title": i18n.t("map.plot.legend_title", item=item_name(bundle.item)),
        "axes": axis_titles(bundle),
        "method": bundle.method,
        "decode_mode": "plane" if bundle.invertible else "nearest",
        "pca": bundle.pca,
        "latent_dim": bundle.latent_dim,
        "kind": bundle.kind,
        "typical": bundle.typical,
        # a dimension whose mean KL is at most this is drawn as inactive (vae/latent_size.py)
        "active_kl_nats": ACTIVE_KL_NATS,
        "height": height,
        "palette": state.palette(),  # the classes' colours (core/palette.js)
        "texts": i18n.browser_texts("map", "arith"),  # its labels in the session's language
        "lang": i18n.lang(),  # a new one relabels the map (without drawing it again)
    }
    keys = ("pin", "pin_pixels", "upload", "morph", "sync", "prior_ring", "zoom", "model", "arith")
    keys += ("own_pin",)  # the page keeps the pin in the link itself (link.js)
    keys += ("marks", "show_samples")  # the lesson's maps' (views/lesson/live.py)
    data.update({k: extra.get(k) for k in keys})
    return data


_WARMED = threading.Event()


def warm_torch() -> None:
    """Import torch and the model code in the background once the server is quiet, so the
    first drawing or upload does not wait ~2 s for it (the first page never needs it)."""
    if _WARMED.is_set():
        return
    _WARMED.set()

    def work() -> None:
        import vae.latent  # noqa: F401  (imports torch)

    loaders.when_quiet(work, name="warm-torch")


def warm(path: str, bundle: MapBundle) -> None:
    """Once the map is sent: torch, and on a t-SNE or UMAP map what places a user's digit
    on it (views/digit.py), both in the background when the server is quiet."""
    warm_torch()
    if not bundle.invertible:
        loaders.warm_placer(path, bundle)


def early_fetches(bundle: MapBundle) -> None:
    """Start the download of the map's files as soon as this element is drawn, ahead of the
    map itself (which waits for its component's code and plotly.js to run): drawn before
    the map's fragment, so its reruns do not send it again."""
    files = file_urls(bundle)
    image = files.pop("images_url")
    urls = list(dict.fromkeys(u for u in files.values() if u))
    st.html(loaders.early_fetches(urls, image), unsafe_allow_javascript=True)


@st.fragment
def explorer_map(path: str, bundle: MapBundle) -> None:
    """The explorer's map. Its events rerun only this fragment (see the module docstring).

    The link's notice is drawn here too: the first click makes the view the user's own,
    and this fragment's rerun takes the notice away.
    """
    state.same_version(path)  # the file replaced on disk: the whole page anew
    with st.empty():  # one slot, so the notice coming or going never moves the map
        state.link_notice()
    state.note_view(map_state().get("view"), bundle)
    data = payload(
        bundle,
        height=MAP_HEIGHT,
        pin=st.session_state.pin,
        pin_pixels=clicked.pin_pixels(path, bundle),
        morph=morph.for_map(path, bundle),
        upload=digit.marker(path, bundle),
        zoom=st.session_state.zoom,  # the view a link names: the map opens on it
        model=Path(path).stem,  # names the morph's downloads
        arith=loaders.arith_of(bundle),  # class means and attribute directions (arith.js)
        own_pin=owns_pin(bundle),
    )
    loaders.map_component()(
        key="latent_map",
        data=data,
        on_click_change=clicked.on_click,
        on_morph_change=morph.on_change,
        on_view_change=lambda: None,
    )
    state.write_link(bundle)
    warm(path, bundle)


def owns_pin(bundle: MapBundle) -> bool:
    """Whether a click on the explorer's map stays in the page: with its decoder there,
    the page draws everything a click shows and writes the pin into the link itself
    (components/latent_map/link.js), so Python is not rerun for it. Not while a link's
    notice is up (the first click takes it away, in Python) nor without a decoder in the
    page (Python decodes the pin)."""
    return bundle.decoder is not None and not st.session_state.link_notice


def map_state() -> dict:
    """The map component's state and last events ({} before it first reports)."""
    value = st.session_state.get("latent_map")
    return value if hasattr(value, "get") else {}
