"""The Latent size tab: what more latent dimensions buy, across a dataset's shipped VAEs
(the open model's dataset where it has such a series, else MNIST's, and it says which)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from vae import latent_size
from vae.datasets import dataset_title, item_words

from . import loaders
from .config import checkpoints


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
        has = f"only one ({own[0]['model']})" if own else "none"
        st.info(
            f"The open model was trained on {dataset_title(dataset)}, which has {has} of the "
            f"shipped series of VAEs with β = 1 (files named {dataset}-vae-<size>d.pt) here: "
            "too few to compare latent sizes. "
            + (f"This tab shows **{dataset_title(shown)}**'s." if rows else ""),
            icon=":material/info:",
        )
    if not rows:
        st.info(
            f"No shipped {dataset_title(shown)} VAEs with β = 1 (files named "
            f"{shown}-vae-<size>d.pt) in {checkpoints().name}/; "
            "`scripts/train_shipped.sh latent` trains MNIST's."
        )
        return
    words = item_words(shown)
    paths = {Path(p).stem: p for p in models}
    for row in rows:
        row["active dims"] = active_dims(paths[row["model"]])
    deeper = " (the 2-D one has a deeper MLP; README: Checkpoints)" if shown == "mnist" else ""
    st.markdown(
        f"**What more latent dimensions buy.** The shipped {dataset_title(shown)} VAEs with "
        f"β = 1{deeper} on the test {words.many}, in nats per image: reconstruction loss, the "
        "KL that pays "
        f"for the code, and their sum −ELBO. A dimension counts as active when its average KL "
        f"exceeds {latent_size.ACTIVE_KL_NATS} nats."
    )
    import pandas as pd

    # A static table: a handful of rows, to read and to copy, not to scroll.
    table = (
        pd.DataFrame(rows)
        .style.hide(axis="index")
        .format({"test recon": "{:.2f}", "test KL": "{:.2f}", "test −ELBO": "{:.2f}"})
    )
    st.table(table)
    first, last = rows[0], rows[-1]
    trend = latent_size.trend(rows)
    if trend["recon_falls"] and trend["kl_rises"]:
        st.caption(
            f"From {first['latent size']} to {last['latent size']} dimensions the "
            f"reconstruction loss falls from {first['test recon']:.1f} to "
            f"{last['test recon']:.1f} nats and the KL rises from {first['test KL']:.1f} "
            f"to {last['test KL']:.1f}: more room to describe each {words.one}, paid for in "
            "KL."
        )
    elif trend["sizes"] > 1:
        st.caption(
            "Here the reconstruction loss does not fall, or the KL does not rise, at every "
            "step: see the table (models trained for fewer epochs are not comparable)."
        )
    charts(rows)


def charts(rows: list[dict]) -> None:
    """Test reconstruction loss and KL against latent size, side by side (own y scales).

    Vega-Lite, not st.plotly_chart: Streamlit's Plotly would replace window.Plotly, which
    the map component loads and uses itself.
    """
    import altair as alt
    import pandas as pd

    table = pd.DataFrame(rows)
    panels = []
    for key, color in (("test recon", "#1f77b4"), ("test KL", "#d62728")):
        panels.append(
            alt.Chart(table, title=key.replace("test recon", "test reconstruction loss"))
            .mark_line(point=alt.OverlayMarkDef(size=80, color=color), color=color)
            .encode(
                x=alt.X("latent size:Q", axis=alt.Axis(values=list(table["latent size"]))),
                y=alt.Y(f"{key}:Q", title="nats per image", scale=alt.Scale(zero=False)),
                tooltip=["latent size", alt.Tooltip(f"{key}:Q", format=".2f")],
            )
            .properties(width=300, height=240)
        )
    with st.container(key="latent_size_chart"):
        st.altair_chart(alt.hconcat(*panels), width="content")
