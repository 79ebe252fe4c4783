"""Every cached loader of the app, shared by all sessions (st.cache_resource: never mutated).

Each takes a file's path and its mtime, so a checkpoint replaced on disk is a new
cache entry. Loaders that need torch import it when first called: the page's first
run reads only small records (vae/catalog.py, vae/bundle.py) and mounts the map
without it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from vae import attributes, blobs, bundle, catalog, jsbundle
from vae.files import mtime, write_asset

from . import config
from .config import COMPONENTS, RECORDS, STATIC, STATIC_URL
from .i18n import t
from .server import when_quiet

_LOG = logging.getLogger(__name__)


def spinner(text: str):
    """A spinner in the session's language while a slow loader runs (st.cache_*'s own
    show_spinner text is fixed once per server, so the cached functions below show none and
    their public names wrap them in this). Shown only after half a second, so a value
    already cached shows nothing; none in a thread without a session (warm_placer)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return contextlib.nullcontext()
    return st.spinner(text)


def register(name: str, folder: str, script: str, style: str | None = None, **options):
    """A components.v2 component from components/<folder>/: an ES module entry (bundled with
    the modules it imports, vae/jsbundle.py) and a CSS file.

    The bundle is served from ./static under a name with its hash, and Streamlit is given a
    loader of a few lines that imports it: Streamlit sends a component's JavaScript with
    every delta that draws it, so an inline bundle (the map's is ~150 KB) went to the
    browser again on every click's fragment rerun. By URL it is fetched once per page and
    cached by the browser; the module is imported once, so its state outlives reruns as
    before.

    The data goes over wrapped in a list, which the loader unwraps: Streamlit scans a dict's
    values for dataframes, and the first such scan imports pandas (~0.4 s, in the first
    page's run, before the map is sent); a list it passes as it is.
    """
    css = (COMPONENTS / folder / style).read_text() if style else None
    loader = (
        f"const url = new URL({json.dumps(module_url(folder, script))}, document.baseURI).href;\n"
        "export default async function (component) {\n"
        "  const data = component.data == null ? component.data : component.data[0];\n"
        "  const unwrapped = Object.assign(Object.create(component), { data });\n"
        "  return (await import(url)).default(unwrapped);\n"
        "}\n"
    )
    mount = st.components.v2.component(f"latent_explorer.{name}", js=loader, css=css, **options)

    def mounted(*, data=None, **kwargs):
        return mount(data=None if data is None else [data], **kwargs)

    return mounted


@st.cache_resource(show_spinner=False)
def module_url(folder: str, script: str) -> str:
    """The URL of components/<folder>/<script> bundled (vae/jsbundle.py) and written to
    ./static once, under its content hash."""
    code = jsbundle.bundle(COMPONENTS / folder / script).encode()
    name = write_asset(STATIC, f"component-{folder}-{Path(script).stem}", ".js", code)
    return f"{STATIC_URL}/{name}"


MAP_MODULE = ("latent_map", "map.js")  # the map component's entry (map_component)


@st.cache_resource(show_spinner=False)
def early_loads() -> str:
    """A script for the page's first element: plotly.js and the map's module start loading
    before the map is mounted (components/latent_map/preload.js)."""
    plotly, modules = config.plotly_url(), [module_url(*MAP_MODULE)]
    return _early(f"preload({json.dumps(plotly)}, {json.dumps(modules)})")


def early_fetches(urls: list[str], image: str | None) -> str:
    """A script for an element before a map: its files start to download as soon as the
    element is drawn (components/latent_map/preload.js prefetch)."""
    return _early(f"prefetch({json.dumps(urls)}, {json.dumps(image)})")


@st.cache_resource(show_spinner=False)
def _preload_script() -> str:
    return jsbundle.bundle(COMPONENTS / "latent_map" / "preload.js", module=False)


def _early(call: str) -> str:
    # lx-early: the page's CSS (page.py) takes the element out of the layout (no blank gap).
    # In a function of its own: classic scripts share one global scope, so a second copy of
    # the bundle's top-level consts would be a SyntaxError.
    script = f"(() => {{\n{_preload_script()}\n{call};\n}})();"
    return f'<span class="lx-early"></span><script>{script}</script>'


@st.cache_resource(show_spinner=False)
def _map_component():
    # isolate_styles=False: Plotly styles itself from the document head
    return register("latent_map", *MAP_MODULE, "map.css", isolate_styles=False)


def map_component():
    """The latent map, registered once per server; without plotly.js (setup did not put it
    in ./static), a message that says how to get it instead of a map that cannot draw."""
    if config.plotly_url() is None:
        return _no_plotly
    return _map_component()


def _no_plotly(**_kwargs) -> None:
    st.error(t("map.no_plotly", command=config.PLOTLY_FETCH), icon=":material/error:")


@st.cache_resource(show_spinner=False)
def marker_component():
    """Puts the user's digit on the map from another fragment (see marker.js)."""
    return register("digit_marker", "latent_map", "marker.js")


@st.cache_resource(show_spinner=False)
def draw_component():
    """The drawing pad of "Your digit" (see components/draw_pad/pad.js)."""
    return register("draw_pad", "draw_pad", "pad.js", "pad.css")


@st.cache_data(show_spinner=False, max_entries=256)
def facts(path: str, mtime: float) -> dict:
    """A checkpoint's config and test figures (vae/catalog.py); broken files say why."""
    return catalog.facts(path, RECORDS)


def facts_of(path: str) -> dict:
    return facts(path, mtime(path))


@st.cache_resource(show_spinner=False, max_entries=4)
def _checkpoint(path: str, mtime: float):
    from vae.checkpoint import load_checkpoint

    return load_checkpoint(path)


def checkpoint(path: str, mtime: float):
    with spinner(t("app.loading.model")):
        return _checkpoint(path, mtime)


def checkpoint_of(path: str):
    """The loaded model; raises vae.checkpoint.CheckpointError."""
    return checkpoint(path, mtime(path))


@st.cache_resource(show_spinner=False)
def _splits(name: str):
    from vae.data import load_splits

    return load_splits(name)


def splits(name: str):
    with spinner(t("app.loading.dataset")):
        return _splits(name)


@st.cache_resource(show_spinner=False, max_entries=16)
def map_bundle(path: str, mtime: float, method: str) -> bundle.MapBundle:
    """The map's files for a model and plane: from its record, or built (needs torch)."""
    found = bundle.read_bundle(STATIC, path, method)
    if found is not None:
        return found
    ckpt = _checkpoint(path, mtime)
    with spinner(t("app.loading.map")):
        data = _splits(ckpt.meta.get("dataset", "mnist"))
        built = bundle.build_bundle(ckpt, data, path, STATIC, method)
    if built.active_dims is not None:
        catalog.set_active_dims(path, RECORDS, built.active_dims)
        facts.clear()
    return built


def bundle_of(path: str, method: str) -> bundle.MapBundle:
    return map_bundle(path, mtime(path), method)


@st.cache_resource(show_spinner=False, max_entries=16)
def arith(mu: str, images: str, points: str, columns: int, n_classes: int) -> dict:
    """Latent arithmetic's record of a model (vae/attributes.py: class means, attribute
    directions), from its bundle's files: read, or built once (a second or two, no torch)."""
    return attributes.ensure_record(STATIC, mu, images, points, columns, n_classes)


def arith_of(map_bundle: bundle.MapBundle) -> dict:
    b = map_bundle
    return arith(b.mu, b.images, b.points, b.sprite_columns, len(b.classes))


@st.cache_resource(show_spinner=False, max_entries=4)
def _encoded(path: str, mtime: float) -> dict:
    from vae import latent

    ckpt = _checkpoint(path, mtime)
    data = _splits(ckpt.meta.get("dataset", "mnist"))
    enc = latent.encode_images(ckpt.model, data.test.float_images())
    return {"mu": enc.mu, "logvar": enc.logvar, "labels": data.test.labels.numpy()}


def encoded(path: str, mtime: float) -> dict:
    """mu (N, d), logvar (N, d) or None, labels (N,) of the model's test set."""
    with spinner(t("app.loading.encoding")):
        return _encoded(path, mtime)


def encoded_of(path: str) -> dict:
    return encoded(path, mtime(path))


@st.cache_resource(show_spinner=False, max_entries=8)
def plane(path: str, mtime: float, method: str):
    """The map's plane (vae.projection.Plane) for a model: what Python needs to place a
    user's digit on the map and to decode a grid over it."""
    from vae import projection

    mu = _encoded(path, mtime)["mu"]
    return projection.make_plane(mu, method, cache=STATIC / "projections", checkpoint=path)


def plane_of(path: str, method: str):
    return plane(path, mtime(path), method)


@st.cache_resource(show_spinner=False, max_entries=4)
def placer(path: str, mtime: float, method: str, points: str):
    """What places a new latent point on a t-SNE or UMAP map with the method's own transform
    (vae.planes.placer), rebuilt from the test set's mu and the map's points as drawn (the
    bundle's file `points`): a few seconds, once per server."""
    from vae import planes

    xy = blobs.read_points((STATIC / points).read_bytes())[0]
    return planes.placer(method, _encoded(path, mtime)["mu"], xy)


def placer_of(path: str, map_bundle: bundle.MapBundle):
    return placer(path, mtime(path), map_bundle.method, map_bundle.points)


def warm_placer(path: str, map_bundle: bundle.MapBundle) -> None:
    """Build the map's placer in the background once a t-SNE or UMAP map is shown, so the
    first digit drawn on it does not wait for it."""
    key = (path, mtime(path), map_bundle.method, map_bundle.points)
    with _WARMING_LOCK:
        if key in _WARMING:
            return
        _WARMING.add(key)
    when_quiet(lambda: placer(*key), name=f"warm-placer-{map_bundle.method}")


_WARMING: set = set()
_WARMING_LOCK = threading.Lock()


@st.cache_data(show_spinner=False, max_entries=8)
def prior_coverage(path: str, mtime: float, mass: float, samples: int) -> dict:
    """vae.latent.prior_coverage of a model on its test set (the Compare tab's figures)."""
    from vae import latent

    ckpt = _checkpoint(path, mtime)
    enc = _encoded(path, mtime)
    data = _splits(ckpt.meta.get("dataset", "mnist"))
    x = data.test.float_images().numpy()
    return latent.prior_coverage(
        ckpt.model, x, enc["labels"], enc["mu"], len(data.classes), mass, samples
    )


def prior_figures(path: str, mass: float, samples: int) -> dict:
    with spinner(t("app.loading.prior")):
        return prior_coverage(path, mtime(path), mass, samples)


@st.cache_resource(show_spinner=False)
def replay_component():
    """The training replay (components/replay/), registered once per server."""
    return register("replay", "replay", "replay.js", "replay.css")


@st.cache_resource(show_spinner=False, max_entries=8)
def _replay(path: str, mtime: float) -> dict | None:
    from vae.replay import write_replay

    snapshots = _checkpoint(path, mtime).meta.get("snapshots")
    return write_replay(STATIC, snapshots) if snapshots else None


def replay(path: str, mtime: float) -> dict | None:
    """The model's replay file and figures (vae/replay.py), or None without snapshots."""
    with spinner(t("app.loading.replay")):
        return _replay(path, mtime)
