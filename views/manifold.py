"""The manifold: decode a grid over the region of the map in view (up is up).

Its cells are square in latent units, like the map's (equal aspect): the grid takes
`n` cells along the longer side of the visible region and as many as fit along the
shorter one. A fragment: the button reruns only this view.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from vae.bundle import MapBundle

from . import loaders, state
from .i18n import t
from .map import map_state


def grid_shape(view: dict, n: int) -> tuple[int, int]:
    """(columns, rows) of square cells, n along the longer side of the region."""
    width = abs(view["x"][1] - view["x"][0])
    height = abs(view["y"][1] - view["y"][0])
    if width >= height:
        return n, max(1, round(n * height / width))
    return max(1, round(n * width / height)), n


@st.fragment
def manifold(path: str, bundle: MapBundle) -> None:
    state.same_version(path)  # the file replaced on disk: the whole page anew
    if not bundle.invertible:
        st.info(t("explore.manifold.no_inverse"))
        return
    left, right = st.columns([1, 3])
    with left:
        n = st.slider(t("explore.manifold.cells"), 5, 30, state.kept("grid_n", 15), key="grid_n")
        state.keep("grid_n", n)  # the tab is built only when open
        view = map_state().get("view") or default_view(bundle)
        x_name, y_name = (title.split(" (")[0] for title in bundle.axes)
        columns, rows = grid_shape(view, n)
        st.caption(
            t(
                "explore.manifold.region",
                x=x_name,
                x0=f"{view['x'][0]:.2f}",
                x1=f"{view['x'][1]:.2f}",
                y=y_name,
                y0=f"{view['y'][0]:.2f}",
                y1=f"{view['y'][1]:.2f}",
                columns=columns,
                rows=rows,
            )
        )
        if st.button(t("explore.manifold.decode"), key="grid_go", type="primary"):
            st.session_state.grid = decode_grid(path, bundle, view, columns, rows)
    with right:
        if st.session_state.get("grid"):
            st.image(
                st.session_state.grid,
                caption=t("explore.manifold.caption")
                + (t("explore.manifold.caption_pca") if bundle.pca else ""),
                width=560,
            )
            st.download_button(
                t("explore.manifold.download"),
                st.session_state.grid,
                f"{Path(path).stem}-manifold.png",
                "image/png",
                key="dl_grid",
                on_click="ignore",
            )


def default_view(bundle: MapBundle) -> dict:
    from vae import bundle as bundles

    from .config import STATIC

    xy, _ = bundles.load_points(STATIC, bundle)
    lo, hi = xy.min(0), xy.max(0)
    return {"x": [float(lo[0]), float(hi[0])], "y": [float(lo[1]), float(hi[1])]}


def decode_grid(path: str, bundle: MapBundle, view: dict, columns: int, rows: int) -> bytes:
    from vae import latent, render

    plane = loaders.plane_of(path, bundle.method)
    z = plane.to_latent(latent.grid(view["x"], view["y"], columns, rows))
    mosaic = latent.tile(
        latent.decode(loaders.checkpoint_of(path).model, z), columns, gap=1, fill=0.35
    )
    return render.png_bytes(mosaic, max(1, 720 // mosaic.shape[1]))
