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
from .i18n import t


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
            broken[Path(path).name] = catalog.broken_reason(facts[path])
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
    st.sidebar.header(t("app.sidebar.model"))
    if not groups:
        st.sidebar.error(t("app.sidebar.no_models", folder=checkpoints().name))
        show_broken(broken)
        return None
    facts = loaders.facts_of(st.session_state.model_path)
    st.session_state.dataset = facts["dataset"]
    names = [d for d in DATASETS if d in groups] + [d for d in groups if d not in DATASETS]
    st.sidebar.radio(
        t("app.sidebar.dataset"),
        names,
        key="dataset",
        horizontal=True,
        on_change=on_dataset,
        format_func=dataset_title,
        help=t("app.sidebar.dataset_help"),
    )
    paths = groups[st.session_state.dataset]
    labels = {p: i18n.shown(catalog.short_label(loaders.facts_of(p))) for p in paths}
    st.sidebar.selectbox(
        t("app.sidebar.checkpoint"),
        paths,
        key="model_path",
        format_func=labels.get,  # bound now: Streamlit may call it outside the session
        help=t("app.sidebar.checkpoint_help"),
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
        t(
            "app.sidebar.new_model",
            label=i18n.shown(catalog.short_label(f)),
            dataset=dataset_title(f["dataset"]),
        )
    )


def details(f: dict) -> str:
    """The chosen model in a few lines, in the session's language."""
    images = f.get("train_images")
    trained = (
        t("app.details.images", images=f"{images:,}", epochs=f.get("epochs", "?"))
        if isinstance(images, int)
        else "?"
    )
    kind = t("app.details.kind_ae") if f["kind"] == "ae" else "VAE"
    layers = " → ".join(str(h) for h in [*f["hidden"], f["latent_dim"]])
    network = f"{kind}, {f['arch'].upper()} {layers}" + (
        f", β = {f['beta']:g}" if f["kind"] == "vae" else ""
    )
    early = t("app.details.stopped_early") if f.get("interrupted") else ""
    rows = [
        f"**{f['name']}**",
        network,
        t("app.details.trained", trained=trained, early=early),
        i18n.shown(catalog.loss_line(f)),
    ]
    if f.get("created"):
        rows.append(t("app.details.created", time=readable_time(f["created"])))
    return "\n".join(f"- {r}" for r in rows)


def readable_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def show_broken(broken: dict[str, str]) -> None:
    for name, reason in broken.items():
        st.sidebar.warning(
            t("app.sidebar.broken", name=name, reason=i18n.shown(reason)), icon=":material/error:"
        )


def share_view(path: str, bundle: MapBundle) -> None:
    st.sidebar.header(t("app.share.header"))
    st.sidebar.caption(t("app.share.link"))
    columns = "index, label, class, μ" + (", σ" if bundle.sigma else "")
    st.sidebar.download_button(
        t("app.share.csv"),
        lambda: latent_csv(bundle),
        f"{Path(path).stem}-latent.csv",
        "text/csv",
        key="dl_latent_csv",
        on_click="ignore",
        help=t("app.share.csv_help", columns=columns),
    )
    if bundle.decoder is not None:
        # read now: Streamlit runs the download's callable later, outside this session
        palette, lang = state.palette(), i18n.lang()
        st.sidebar.download_button(
            t("app.share.html"),
            lambda: explorer_page(path, bundle, palette, lang),
            f"{Path(path).stem}-explorer.html",
            "text/html",
            key="dl_explorer",
            on_click="ignore",
            help=t("app.share.html_help"),
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
        t("app.sidebar.colour_blind"),
        key="colour_blind",
        help=t("app.sidebar.colour_blind_help"),
    )
    return facts
