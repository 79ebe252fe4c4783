"""The Latent size tab: what more latent dimensions buy, across a dataset's shipped VAEs
(the open model's dataset where it has such a series, else MNIST's, and it says which)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from vae import latent_size
from vae.datasets import dataset_title, item_words

from . import i18n, loaders
from .config import checkpoints
from .i18n import t

# The table's columns (vae/latent_size.py's COLUMNS) -> their headers' keys
HEADERS = {
    "latent size": "size.column.latent_size",
    "test recon": "size.column.test_recon",
    "test KL": "size.column.test_kl",
    "test −ELBO": "size.column.test_nelbo",
    "epochs": "size.column.epochs",
    "active dims": "size.column.active_dims",
    "model": "size.column.model",
}


def active_dims(path: str) -> int | None:
    """The model's active dimensions, from its record; measured once (with its map bundle)."""
    found = loaders.facts_of(path).get("active_dims")
    if found is not None:
        return found
    bundle = loaders.bundle_of(path, "pca")
    return bundle.active_dims


def latent_size_tab(models: list[str], dataset: str = "mnist") -> None:
    """dataset: the open model's; its series is shown if it has two sizes or more."""
    summaries = []
    for p in models:
        f = loaders.facts_of(p)
        if not f["broken"]:
            summaries.append({**f, "active": None})
    shown, rows = dataset, latent_size.latent_size_rows(summaries, dataset)
    if len(rows) < 2 and dataset != "mnist":
        own = rows
        shown, rows = "mnist", latent_size.latent_size_rows(summaries, "mnist")
        has = t("size.other.only_one", name=own[0]["model"]) if own else t("size.other.none")
        st.info(
            t("size.other.too_few", title=dataset_title(dataset), has=has, dataset=dataset)
            + (t("size.other.shows", title=dataset_title(shown)) if rows else ""),
            icon=":material/info:",
        )
    if not rows:
        folder = checkpoints().name
        st.info(t("size.empty.text", title=dataset_title(shown), dataset=shown, folder=folder))
        return
    words = item_words(shown, i18n.lang())
    paths = {Path(p).stem: p for p in models}
    for row in rows:
        row["active dims"] = active_dims(paths[row["model"]])
    deeper = t("size.intro.deeper") if shown == "mnist" else ""
    st.markdown(
        t(
            "size.intro.text",
            title=dataset_title(shown),
            deeper=deeper,
            items=words.many,
            nats=latent_size.ACTIVE_KL_NATS,
        )
    )
    import pandas as pd

    # A static table: a handful of rows, to read and to copy, not to scroll.
    headers = {column: t(key) for column, key in HEADERS.items()}
    two = "{:.2f}"
    table = (
        pd.DataFrame(rows)
        .rename(columns=headers)
        .style.hide(axis="index")
        .format({headers["test recon"]: two, headers["test KL"]: two, headers["test −ELBO"]: two})
    )
    st.table(table)
    first, last = rows[0], rows[-1]
    trend = latent_size.trend(rows)
    if trend["recon_falls"] and trend["kl_rises"]:
        st.caption(
            t(
                "size.trend.both",
                first=first["latent size"],
                last=last["latent size"],
                recon_first=f"{first['test recon']:.1f}",
                recon_last=f"{last['test recon']:.1f}",
                kl_first=f"{first['test KL']:.1f}",
                kl_last=f"{last['test KL']:.1f}",
                item=words.one,
            )
        )
    elif trend["sizes"] > 1:
        st.caption(t("size.trend.mixed"))
    charts(rows)


def charts(rows: list[dict]) -> None:
    """Test reconstruction loss and KL against latent size, side by side (own y scales).

    Vega-Lite, not st.plotly_chart: Streamlit's Plotly would replace window.Plotly, which
    the map component loads and uses itself.
    """
    import altair as alt
    import pandas as pd

    table = pd.DataFrame(rows)
    size = t("size.column.latent_size")
    panels = []
    for key, title, color in (
        ("test recon", t("size.chart.recon"), "#1f77b4"),
        ("test KL", t("size.chart.kl"), "#d62728"),
    ):
        panels.append(
            alt.Chart(table, title=title)
            .mark_line(point=alt.OverlayMarkDef(size=80, color=color), color=color)
            .encode(
                x=alt.X(
                    "latent size:Q", title=size, axis=alt.Axis(values=list(table["latent size"]))
                ),
                y=alt.Y(f"{key}:Q", title=t("size.chart.y"), scale=alt.Scale(zero=False)),
                tooltip=[
                    alt.Tooltip("latent size:Q", title=size),
                    alt.Tooltip(f"{key}:Q", title=title, format=".2f"),
                ],
            )
            .properties(width=300, height=240)
        )
    with st.container(key="latent_size_chart"):
        st.altair_chart(alt.hconcat(*panels), width="content")
