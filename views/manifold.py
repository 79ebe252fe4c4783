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
        st.info(
            "The manifold decodes a grid of points over the map; a t-SNE or UMAP map has no "
            "inverse, so its grid points stand for no latent point. Pick PCA above the map."
        )
        return
    left, right = st.columns([1, 3])
    with left:
        n = st.slider("Cells along the longer side", 5, 30, 15, key="grid_n")
        view = map_state().get("view") or default_view(bundle)
        x_name, y_name = (t.split(" (")[0] for t in bundle.axes)
        columns, rows = grid_shape(view, n)
        st.caption(
            f"Visible region: {x_name} ∈ [{view['x'][0]:.2f}, {view['x'][1]:.2f}], "
            f"{y_name} ∈ [{view['y'][0]:.2f}, {view['y'][1]:.2f}]: a {columns} × {rows} grid "
            "of square cells. Zoom or pan the map, then decode."
        )
        if st.button("Decode the visible region", key="grid_go", type="primary"):
            st.session_state.grid = decode_grid(path, bundle, view, columns, rows)
    with right:
        if st.session_state.get("grid"):
            st.image(
                st.session_state.grid,
                caption="decode(z) on a grid over the visible region (up is up)"
                + ("; z = mean + p · components on the PCA plane" if bundle.pca else ""),
                width=560,
            )
            st.download_button(
                "Download grid (PNG)",
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
