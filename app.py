"""Latent Explorer: see and touch what a variational autoencoder learned on MNIST.

    streamlit run app.py

The page only lays out the views (views/, one a module). Their science is in vae/, which
never imports streamlit; the map's browser side is components/latent_map/.

What a page run costs is kept small on purpose: the first run reads small records that
setup wrote (vae/catalog.py, vae/bundle.py) and mounts the map without importing torch;
the map, the user's digit, the manifold, the training form and its progress are
fragments, so a click, a stroke or a poll reruns only the view it concerns.
"""

from __future__ import annotations

import streamlit as st

from vae import catalog
from vae.bundle import MapBundle
from vae.datasets import dataset_item, item_words
from views import (
    clicked,
    digit,
    latent_size,
    lesson,
    loaders,
    manifold,
    plane_status,
    sidebar,
    state,
    training,
)
from views.config import checkpoints
from views.map import explorer_map

TABS = ["Your {item}", "Manifold", "Watch it learn", "Compare", "Latent size"]
# Less empty space above the title, so the map and the clicked point's panel fit a laptop's
# screen; the uploader's own "50MB per file" line is hidden, since the label says the real
# limit and formats (vae/image.py owns them). Captions get a darker grey (axe-core, in
# tests/browser/test_screens.py, found them under the contrast WCAG AA asks for).
PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.6rem; }  /* the header bar is ~3.5rem */
[data-testid="stMainBlockContainer"] h1 { padding-top: 0; }
.st-key-digit_upload [data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
/* Streamlit draws captions at 60% opacity: 2.5:1 on the sidebar, far under WCAG AA */
[data-testid="stCaptionContainer"] { color: #5c5f6b; opacity: 1; }
</style>"""


def intro(facts: dict) -> None:
    """The title and one line on what the map is, in words that fit this model."""
    st.title("Latent Explorer")
    d, item = facts["latent_dim"], dataset_item(facts["dataset"])
    squeezed = "two numbers" if d == 2 else f"{d} numbers (the map shows them on a plane)"
    kind = "A plain autoencoder" if facts["kind"] == "ae" else "A variational autoencoder"
    at = "its code" if facts["kind"] == "ae" else "its posterior mean μ"
    st.caption(
        f"{kind} squeezed every test {item} into {squeezed}. Each dot is one {item} at {at}; "
        "move over the map to decode any point live, click to pin it, scroll to zoom, drag "
        "to pan, click the legend to hide a class."
    )


def projection_choice(facts: dict) -> str:
    """How a latent space of more than 2 dimensions is laid on the map (a full rerun: the
    whole page shows another plane)."""
    if facts["latent_dim"] == 2:
        return "latent"
    from vae.projection import METHODS, TITLES  # numpy and scikit-learn, no torch

    return st.radio(
        f"This model's latent space has {facts['latent_dim']} dimensions. The map shows it through",
        METHODS,
        format_func=TITLES.get,
        key="projection",
        on_change=state.forget_points,
        horizontal=True,
        help="PCA is linear, so every point of its plane decodes. t-SNE and UMAP keep "
        "neighbours together better but have no inverse: clicks snap to the nearest image.",
    )


def plane_caption(facts: dict, bundle: MapBundle) -> None:
    if bundle.method == "pca":
        kept = 100 * sum(bundle.pca["variance_ratio"][:2])
        st.caption(
            f"PCA of the test images' μ: the plane through their mean along the two directions "
            f"of most variance, which hold {kept:.0f}% of it. A point p of the plane is the "
            f"latent point mean + p · components, so the map decodes anywhere on it; the other "
            f"{facts['latent_dim'] - 2} directions stay at the mean. A click on a test image "
            "uses its own full μ."
        )
    elif bundle.method != "latent":
        st.info(
            "**This map has no inverse: the preview under the pointer and a click decode the "
            f"nearest test image's μ** ({facts['latent_dim']}-D). Clusters are meaningful "
            "here; distances between them and empty space are not. Morph and manifold need PCA.",
            icon=":material/info:",
        )


def tab_labels(dataset: str) -> list[str]:
    """The tabs' labels in the words of the model's dataset ("Your digit", "Your item").

    Streamlit takes tabs with other labels for another widget, which would open the first
    tab: the tab the user had open stays open when another dataset renames the first.
    """
    labels = [t.format(item=item_words(dataset).one) for t in TABS]
    before, opened = st.session_state.get("tab_labels"), st.session_state.get("tab")
    if before and before != labels and opened in before:
        st.session_state.tab = labels[before.index(opened)]
    st.session_state.tab_labels = labels
    return labels


def main() -> None:
    st.set_page_config(page_title="Latent Explorer", page_icon="🔢", layout="wide")
    st.html(PAGE_CSS)
    state.init()
    models = catalog.list_models(checkpoints())
    lesson.entry()  # the sidebar's way into the guided lesson (reads ?lesson=N once)
    facts = sidebar.sidebar(models)
    training.training()
    if lesson.active():
        return lesson.page(models, checkpoints())
    if facts is None:
        st.title("Latent Explorer")
        st.info("Pick or train a model to start.")
        return
    path = st.session_state.model_path
    replaced = state.model_replaced(path)
    if st.session_state.map_model != path:
        # Another model has another latent space: points picked in the old one mean nothing.
        st.session_state.map_model = path
        state.forget_points()
        st.session_state.link_notice = None
    if facts["latent_dim"] < 2:
        st.title("Latent Explorer")
        st.info(
            f"{facts['name']} has a 1-dimensional latent space: the map needs at least 2. "
            "Pick another model, or train one with a latent size of 2 or more."
        )
        return
    intro(facts)
    if replaced:
        st.info(
            f"{facts['name']} was replaced on disk (retrained or copied over) while you had "
            "it open: the map now shows the new file, and the points picked on the old one "
            "were cleared.",
            icon=":material/autorenew:",
        )
    method = projection_choice(facts)
    if method in ("tsne", "umap") and not plane_status.ready(path, method):
        plane_status.pending(path, method)  # computed off the page; drawn when ready
        return
    bundle = loaders.bundle_of(path, method)
    clicked.resolve_linked_pin(bundle)  # a test image named in a link: check it, place it
    if bundle.fallback:
        st.warning(bundle.fallback)
    plane_caption(facts, bundle)
    explorer_map(path, bundle)
    sidebar.share_view(path, bundle)
    tab_digit, tab_grid, tab_learn, tab_compare, tab_size = st.tabs(
        tab_labels(facts["dataset"]), key="tab", on_change="rerun"
    )
    with tab_digit:
        digit.your_digit(path, bundle)
    with tab_grid:
        manifold.manifold(path, bundle)
    with tab_learn:
        if tab_learn.open:  # reads the checkpoint's snapshots: only when shown
            from views import replay

            replay.watch(path, bundle, facts)
    with tab_compare:
        if tab_compare.open:  # two models and their maps: built only when shown
            from views import compare

            compare.render_compare(models, checkpoints(), facts["dataset"])
    with tab_size:
        if tab_size.open:
            latent_size.latent_size_tab(models, facts["dataset"])
    st.caption(f"Data: {bundle.data}. {bundle.credit}.")


main()
