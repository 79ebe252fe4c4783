"""The sidebar: the dataset and model pickers, what the model is, and sharing the view."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import streamlit as st

from vae import bundle as bundles
from vae import catalog, share
from vae.bundle import MapBundle
from vae.datasets import DATASETS, dataset_title

from . import i18n, loaders, state, training
from .config import STATIC, checkpoints


def main_model(paths: list[str], dataset: str) -> str:
    """A dataset's main model: its shipped <dataset>-vae-2d, else the first listed."""
    main = [p for p in paths if Path(p).name == f"{dataset}-vae-2d.pt"]
    return (main or paths)[0]


def grouped(models: list[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Readable models by dataset (sorted by kind, latent size, β), and broken ones: name ->
    reason."""
    facts = {p: loaders.facts_of(p) for p in models}
    groups: dict[str, list[str]] = {}
    broken = {}
    for path in sorted(models, key=lambda p: catalog.sort_key(facts[p])):
        if facts[path]["broken"]:
            broken[Path(path).name] = facts[path]["broken"]
        else:
            groups.setdefault(facts[path]["dataset"], []).append(path)
    return groups, broken


def on_dataset() -> None:
    groups, _ = grouped(catalog.list_models(checkpoints()))
    paths = groups.get(st.session_state.dataset)
    if paths:
        st.session_state.model_path = main_model(paths, st.session_state.dataset)


def pick_model(groups: dict[str, list[str]], broken: dict[str, str]) -> dict | None:
    """The dataset and checkpoint pickers; the facts of the chosen model, or None."""
    st.sidebar.header("Model")
    if not groups:
        st.sidebar.error(
            f"No readable checkpoints in {checkpoints().name}/. Train one below or with "
            "`vae-train`."
        )
        show_broken(broken)
        return None
    facts = loaders.facts_of(st.session_state.model_path)
    st.session_state.dataset = facts["dataset"]
    names = [d for d in DATASETS if d in groups] + [d for d in groups if d not in DATASETS]
    st.sidebar.radio(
        "Dataset",
        names,
        key="dataset",
        horizontal=True,
        on_change=on_dataset,
        format_func=dataset_title,
        help="Models are grouped by the data they were trained on.",
    )
    st.sidebar.selectbox(
        "Checkpoint",
        groups[st.session_state.dataset],
        key="model_path",
        format_func=lambda p: catalog.short_label(loaders.facts_of(p)),
        help="Every .pt file in checkpoints/, by kind and latent size. The shipped model is "
        "mnist-vae-2d.pt.",
    )
    new_model_note(groups)
    facts = loaders.facts_of(st.session_state.model_path)
    st.sidebar.markdown(details(facts))
    show_broken(broken)
    return facts


def new_model_note(groups: dict[str, list[str]]) -> None:
    """One quiet line for the sessions that did not start the server's last run: the model
    it saved is in the list. Its starter sees the run's own result under "Train"."""
    job = training.current_job()
    if job is None or job.status not in ("done", "stopped") or job.path is None:
        return
    if training.mine(job):
        return
    listed = [p for paths in groups.values() for p in paths if Path(p).name == job.path.name]
    if not listed or listed[0] == st.session_state.model_path:
        return
    f = loaders.facts_of(listed[0])
    st.sidebar.caption(
        f"New on this server: {catalog.short_label(f)} ({dataset_title(f['dataset'])}), "
        "trained from this page."
    )


def details(f: dict) -> str:
    images = f.get("train_images")
    trained = (
        f"{images:,} images, {f.get('epochs', '?')} epochs" if isinstance(images, int) else "?"
    )
    rows = [
        f"**{f['name']}**",
        f"{'plain autoencoder' if f['kind'] == 'ae' else 'VAE'}, {f['arch'].upper()} "
        f"{' → '.join(str(h) for h in f['hidden'])} → {f['latent_dim']}"
        + (f", β = {f['beta']:g}" if f["kind"] == "vae" else ""),
        f"trained on {trained}" + (" (stopped early)" if f.get("interrupted") else ""),
        catalog.loss_line(f),
    ]
    if f.get("created"):
        rows.append(f"created {readable_time(f['created'])}")
    return "\n".join(f"- {r}" for r in rows)


def readable_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def show_broken(broken: dict[str, str]) -> None:
    for name, reason in broken.items():
        st.sidebar.warning(f"**{name}** cannot be read: {reason}", icon=":material/error:")


def share_view(path: str, bundle: MapBundle) -> None:
    st.sidebar.header("Share")
    st.sidebar.caption(
        "The address bar always holds this view (model, plane, clicked point, morph, zoom, "
        "colours): "
        "copy it to share what you see."
    )
    columns = "index, label, class, μ" + (", σ" if bundle.sigma else "")
    st.sidebar.download_button(
        "Latent coordinates (CSV)",
        lambda: latent_csv(bundle),
        f"{Path(path).stem}-latent.csv",
        "text/csv",
        key="dl_latent_csv",
        on_click="ignore",
        help=f"Every test image encoded by this model, one row each: {columns} per dimension.",
    )
    if bundle.decoder is not None:
        # read now: Streamlit runs the download's callable later, outside this session
        palette, lang = state.palette(), i18n.lang()
        st.sidebar.download_button(
            "The explorer as one HTML file",
            lambda: explorer_page(path, bundle, palette, lang),
            f"{Path(path).stem}-explorer.html",
            "text/html",
            key="dl_explorer",
            on_click="ignore",
            help="This model's map, hover and click decoding and the morph slider in one file "
            "that works offline in any browser: no Python, no network (under 3 MB).",
        )


def explorer_page(path: str, bundle: MapBundle, palette: str, lang: str) -> bytes:
    from vae.export import export_html

    pca = bundle.method != "latent"
    return export_html(path, pca=pca, palette=palette, lang=lang).encode()


def latent_csv(bundle: MapBundle) -> bytes:
    """The CSV from the map's own files (no torch): what the map shows is what you get."""
    mu = bundles.load_matrix(STATIC, bundle.mu)
    _, labels = bundles.load_points(STATIC, bundle)
    sigma = bundles.load_matrix(STATIC, bundle.sigma) if bundle.sigma else None
    logvar = None if sigma is None else 2.0 * np.log(sigma.astype(np.float64))
    return share.latent_csv(mu, logvar, labels, bundle.classes)


def sidebar(models: list[str]) -> dict | None:
    """Model pickers; returns the chosen model's facts (None: nothing to show)."""
    groups, broken = grouped(models)
    usable = [p for paths in groups.values() for p in paths]
    if usable and st.session_state.model_path not in usable:
        st.session_state.model_path = main_model(usable, "mnist")
    state.read_link(usable, broken)
    with st.sidebar:
        i18n.choose()
    facts = pick_model(groups, broken)
    st.sidebar.toggle(
        "Colour-blind-safe colours",
        key="colour_blind",
        help="The ten classes in colours told apart with any colour vision (Okabe and Ito's "
        "eight and two more), on the map and its legend; kept in the link (palette=cb).",
    )
    return facts
