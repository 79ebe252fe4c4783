"""The explorer's page: Streamlit runs this script for every session (app.py serves it).

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
from vae.datasets import dataset_credit, item_words
from views import (
    clicked,
    digit,
    i18n,
    latent_size,
    lesson,
    loaders,
    manifold,
    plane_status,
    sidebar,
    state,
    training,
)
from views.config import FAVICON, checkpoints
from views.i18n import t
from views.map import early_fetches, explorer_map

# The tabs' labels, in order (their texts are catalog keys: locales/*/app.toml)
TABS = (
    "app.tabs.yours",
    "app.tabs.manifold",
    "app.tabs.learn",
    "app.tabs.compare",
    "app.tabs.size",
)
# Less empty space above the title, so the map and the clicked point's panel fit a laptop's
# screen; the uploader's own "50MB per file" line is hidden, since the label says the real
# limit and formats (vae/image.py owns them). Captions get a darker grey (axe-core, in
# tests/browser/test_screens.py, found them under the contrast WCAG AA asks for).
PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.6rem; }  /* the header bar is ~3.5rem */
[data-testid="stMainBlockContainer"] h1 { padding-top: 0; }
/* the script that starts loading the map's code early (views/loaders.py early_loads) */
[data-testid="stElementContainer"]:has(.lx-early) { display: none; }
.st-key-digit_upload [data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
/* Streamlit draws captions at 60% opacity: 2.5:1 on the sidebar, far under WCAG AA */
[data-testid="stCaptionContainer"] { color: #5c5f6b; opacity: 1; }
/* formulas a size smaller on a phone, where the lesson's (stacked where long) then fit;
   those filled in with a digit's figures, in the lesson's bordered panel, one more */
@media (max-width: 640px) {
  .katex-display > .katex { font-size: 0.9em; }
  .st-key-lesson_numbers .katex-display > .katex { font-size: 0.8em; }
}
</style>"""


def intro(facts: dict) -> None:
    """The title and one line on what the map is, in words that fit this model."""
    st.title(t("app.page.title"))
    d, item = facts["latent_dim"], item_words(facts["dataset"], i18n.lang()).one
    squeezed = t("app.intro.two") if d == 2 else t("app.intro.more", d=d)
    ae = facts["kind"] == "ae"
    kind = t("app.intro.kind_ae") if ae else t("app.intro.kind_vae")
    at = t("app.intro.at_ae") if ae else t("app.intro.at_vae")
    st.caption(t("app.intro.text", kind=kind, item=item, squeezed=squeezed, at=at))


def projection_choice(facts: dict) -> str:
    """How a latent space of more than 2 dimensions is laid on the map (a full rerun: the
    whole page shows another plane)."""
    if facts["latent_dim"] == 2:
        return "latent"
    from vae.projection import METHODS, TITLES  # numpy and scikit-learn, no torch

    return st.radio(
        t("app.projection.label", d=facts["latent_dim"]),
        METHODS,
        format_func=TITLES.get,
        key="projection",
        on_change=state.forget_points,
        horizontal=True,
        help=t("app.projection.help"),
    )


def plane_caption(facts: dict, bundle: MapBundle) -> None:
    if bundle.method == "pca":
        kept = 100 * sum(bundle.pca["variance_ratio"][:2])
        st.caption(t("app.plane.pca", kept=f"{kept:.0f}", rest=facts["latent_dim"] - 2))
    elif bundle.method != "latent":
        st.info(t("app.plane.no_inverse", d=facts["latent_dim"]), icon=":material/info:")


def tab_labels(dataset: str) -> list[str]:
    """The tabs' labels in the words of the model's dataset ("Your digit", "Your item") and
    the session's language.

    Streamlit takes tabs with other labels for another widget, which would open the first
    tab: the tab the user had open stays open when another dataset renames the first.
    """
    item = item_words(dataset, i18n.lang()).one
    labels = [t(key, item=item) for key in TABS]
    before, opened = st.session_state.get("tab_labels"), st.session_state.get("tab")
    if before and before != labels and opened in before:
        st.session_state.tab = labels[before.index(opened)]
    st.session_state.tab_labels = labels
    return labels


def main() -> None:
    state.init()  # the session's language first: the page title speaks it too
    st.set_page_config(page_title=t("app.page.title"), page_icon=FAVICON, layout="wide")
    st.html(PAGE_CSS)
    st.html(loaders.early_loads(), unsafe_allow_javascript=True)
    models = catalog.list_models(checkpoints())
    lesson.entry()  # the sidebar's way into the guided lesson (reads ?lesson=N once)
    facts = sidebar.sidebar(models)
    training.training()
    if lesson.active():
        return lesson.page(models, checkpoints())
    if facts is None:
        st.title(t("app.page.title"))
        st.info(t("app.page.no_model"))
        return
    path = st.session_state.model_path
    replaced = state.model_replaced(path)
    if st.session_state.map_model != path:
        # Another model has another latent space: points picked in the old one mean nothing.
        st.session_state.map_model = path
        state.forget_points()
        st.session_state.link_notice = None
    if facts["latent_dim"] < 2:
        st.title(t("app.page.title"))
        st.info(t("app.page.one_dim", name=facts["name"]))
        return
    intro(facts)
    if replaced:
        st.info(t("app.page.replaced", name=facts["name"]), icon=":material/autorenew:")
    method = projection_choice(facts)
    if method in ("tsne", "umap") and not plane_status.ready(path, method):
        plane_status.pending(path, method)  # computed off the page; drawn when ready
        return
    bundle = loaders.bundle_of(path, method)
    clicked.resolve_linked_pin(bundle)  # a test image named in a link: check it, place it
    if bundle.fallback:
        st.warning(i18n.shown(bundle.fallback))
    plane_caption(facts, bundle)
    early_fetches(bundle)
    explorer_map(path, bundle)
    sidebar.share_view(path, bundle)
    tab_digit, tab_grid, tab_learn, tab_compare, tab_size = st.tabs(
        tab_labels(facts["dataset"]), key="tab", on_change="rerun"
    )
    with tab_digit:
        digit.your_digit(path, bundle)
    with tab_grid:
        if tab_grid.open:  # its widgets cost every first page ~0.07 s: only when shown
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
    data = i18n.shown(catalog.msg_of(bundle.data))
    st.caption(t("app.page.data", data=data, credit=i18n.shown(dataset_credit(facts["dataset"]))))


main()
