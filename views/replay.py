"""Watch it learn: the latent space forming, epoch by epoch.

While a run started from the app is going, its map is drawn live from the snapshots the
trainer sends after every epoch (a fragment polls once a second, only while it runs), and
hovering it decodes with the latest decoder weights the trainer sent (vae/jobs.py
live_decoder), sent to each session once per new set.
Otherwise the chosen model's own snapshots (meta["snapshots"], written by vae-train) are
replayed with a slider from epoch 0. The drawing is components/replay/.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from vae.bundle import MapBundle

from . import loaders, state, training
from .config import STATIC_URL


def labels_of(dataset: str, indices: list[int]) -> list[int]:
    return loaders.splits(dataset).test.labels[indices].tolist()


def watch(path: str, bundle: MapBundle, facts: dict) -> None:
    job = training.current_job()
    if job is not None and not job.finished:
        # a full page run: the component is drawn anew, so it gets every snapshot again
        st.session_state.setdefault("replay_sent", {})[job.config.out] = set()
        st.session_state.setdefault("replay_decoder_sent", {})[job.config.out] = None
        live()
        return
    if job is not None and job.path is not None and training.mine(job):
        st.caption(
            f"The last run of this server, {Path(job.config.out).name}, is in the "
            "model list; pick it to replay it here."
        )
    found = loaders.replay(path, loaders.mtime(path))
    if found is None:
        st.info(
            f"{facts['name']} has no per-epoch snapshots (it was trained before vae-train "
            "recorded them). Train a model in the sidebar to watch its map form live, or "
            "retrain this one with `vae-train` to replay it."
        )
        return
    st.caption(
        f"{found['n']:,} test images, encoded after every epoch of training (epoch 0: the "
        "untrained encoder). Drag the slider or press ▶."
    )
    loaders.replay_component()(
        key="replay",
        data={
            "url": f"{STATIC_URL}/{found['file']}",
            "n": found["n"],
            "epochs": found["epochs"],
            "nelbo": found["nelbo"],
            "labels": labels_of(facts["dataset"], found["indices"]),
            "classes": bundle.classes,
            "palette": state.palette(),
            "title": f"{facts['name']}: its map, epoch by epoch",
            "live": False,
        },
    )


@st.fragment(run_every=1.0)
def live() -> None:
    """The running job's map, one snapshot an epoch; each rerun sends only what is new."""
    job = training.current_job()
    if job is None or job.finished:
        st.rerun(scope="app")
    snapshots = job.snapshots
    if not snapshots:
        st.info(
            f"Training {Path(job.config.out).name}: its map appears after the first "
            "snapshot (the untrained encoder, in a few seconds)."
        )
        return
    run = f"{job.config.out}"
    sent = st.session_state.setdefault("replay_sent", {}).setdefault(run, set())
    new = [s for s in snapshots if s["epoch"] not in sent]
    sent.update(s["epoch"] for s in snapshots)
    # the weights (~0.6 MB of base64 for a 2-D model) only when they are new to this session
    decoders = st.session_state.setdefault("replay_decoder_sent", {})
    decoder = job.decoder
    if decoder is not None and decoders.get(run) == decoder["epoch"]:
        decoder = None
    elif decoder is not None:
        decoders[run] = decoder["epoch"]
    loaders.replay_component()(
        key="replay_live",
        data={
            "run": run,
            "new": new,
            "decoder": decoder,
            "labels": labels_of(job.config.dataset, job.snapshot_indices),
            "classes": loaders.splits(job.config.dataset).classes,
            "palette": state.palette(),
            "title": f"Training {Path(job.config.out).name}: epoch {job.epoch} of {job.epochs}",
            "live": True,
        },
    )
