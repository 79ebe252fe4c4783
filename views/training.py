"""Training a new model from the app: the form, and the run's progress for every session.

The form and the progress are fragments, so typing a number or the once-a-second poll of
a running job reruns only them. The poll runs only while a run is going; the first page
of a server that never trained needs neither vae.jobs nor torch.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

from vae import train_config
from vae.datasets import dataset_title, is_known_dataset

from .config import checkpoints

MAP_MIN_LATENT = 2  # the map needs a plane: a 1-D model is trained with vae-train only


def current_job():
    """The deployment's training run (running or last finished): this server's own, or
    another replica's as the record in the shared checkpoints folder shows it
    (vae/job_record.py); None if none was started."""
    if "vae.jobs" in sys.modules:
        return sys.modules["vae.jobs"].current_job(checkpoints())
    from vae import job_record  # no torch: the first page of a server reads this

    return job_record.remote_job(checkpoints())


def mine(job) -> bool:
    """Whether this session started the run: only it may stop it, and only it is shown how
    it ended (others see a quiet line under the model picker, views/sidebar.py)."""
    return job.owner == st.session_state.session_id


def setting_input(label: str, name: str, problems: list[str], step: float | None = None):
    """A number box for TrainConfig's field `name` with its default and help (declared once,
    in vae/train_config.py). A value outside the field's limit adds a message to
    `problems` (the box itself takes any number, so the message can say what the limit is)."""
    kind = int if train_config.is_integer(name) else float
    value = st.number_input(
        label,
        value=kind(train_config.DEFAULTS[name]),
        step=None if step is None else kind(step),
        key=f"train_{name}",
        help=f"{train_config.help_of(name)}; {train_config.limit_text(name)}",
    )
    problem = train_config.check(name, value)
    if problem:
        problems.append(f"{label}: {problem.removeprefix(name + ' ')}.")
    return kind(value)


def start(settings: dict) -> None:
    from vae import jobs

    try:
        cfg = train_config.TrainConfig(**settings)  # the default recipe otherwise, as vae-train's
        jobs.start(cfg, checkpoints(), st.session_state.session_id)
    except (ValueError, RuntimeError) as e:
        st.session_state.train_error = str(e)
    else:
        st.session_state.train_error = None


def choice(label: str, name: str) -> str:
    """A select box of TrainConfig's choices for `name`, with its help."""
    options = list(train_config.FIELDS[name].metadata["choices"])
    return st.selectbox(label, options, key=f"train_{name}", help=train_config.help_of(name))


@st.fragment
def training_form() -> None:
    job = current_job()
    busy = job is not None and not job.finished
    dataset = st.session_state.get("dataset")
    dataset = dataset if dataset and is_known_dataset(dataset) else "mnist"
    # Plain widgets, not st.form: Enter in a number box must not start a run.
    problems: list[str] = []
    settings = {
        "epochs": setting_input("Epochs", "epochs", problems),
        "latent_dim": setting_input("Latent size", "latent_dim", problems),
        "arch": choice("Architecture", "arch"),
        "kind": choice("Kind", "kind"),
        "beta": setting_input("β (weight on KL)", "beta", problems, step=0.5),
        "dataset": dataset,
    }
    if settings["latent_dim"] < MAP_MIN_LATENT:
        problems.append(
            f"Latent size: at least {MAP_MIN_LATENT} here, since the map shows a plane "
            "(vae-train trains a 1-D model)."
        )
    for problem in problems:
        st.error(problem)
    st.caption(f"Trains on {dataset_title(dataset)} (the dataset picked above).")
    if st.button("Start training", key="train_start", disabled=busy or bool(problems),
                 type="primary"):  # fmt: skip
        start(settings)
        st.rerun(scope="app")  # the progress below is another fragment: draw both anew
    if st.session_state.get("train_error"):
        st.error(st.session_state.train_error)


def progress() -> None:
    job = current_job()
    if job is None or (job.finished and not mine(job)):
        st.caption(
            "Trains on this server in a separate, low-priority process (~2 s per epoch "
            "for an MLP). The new model appears in the picker when done."
        )
    elif job.finished:
        finished(job)
    else:
        running()


@st.fragment(run_every=1.0)
def running() -> None:
    """Polled once a second while a run is going; when it ends, the whole page reruns once
    (the picker then lists the new model)."""
    job = current_job()
    if job is None or job.finished:
        st.rerun(scope="app")
    name = Path(job.config.out).name
    who = "" if mine(job) else " (started in another session)"
    if job.status == "planes":  # trained and saved; vae/jobs.py compute_planes
        text = f"Trained {name}{who}; computing its t-SNE and UMAP maps (about a minute each)…"
        st.progress(1.0, text=text)
    else:
        st.progress(job.fraction, text=f"Training {name}{who}: epoch {job.epoch}/{job.epochs}")
    if job.status == "stopping":
        st.caption("Stopping: the model is saved as it is now…")
    elif mine(job) and st.button("Stop", key="train_stop"):
        job.stop()
        st.rerun(scope="fragment")  # no second press: the caption above says it is in hand
    chart(job)


def finished(job) -> None:
    name = Path(job.config.out).name
    if job.status == "failed":
        st.error(f"Training failed: {job.error}")
    else:
        verb = "Finished" if job.status == "done" else "Stopped early; saved"
        st.success(f"{verb}: {name}. Pick it in the model list above.")
    chart(job)


def chart(job) -> None:
    """The loss per epoch (train and test), or the running train loss in the first epoch;
    sized for the sidebar: few ticks, axis titles kept short."""
    import altair as alt
    import pandas as pd

    if job.history:
        rows = [
            {"epoch": h["epoch"], "loss": h["train"]["loss"], "set": "train"} for h in job.history
        ]
        rows += [
            {"epoch": h["epoch"], "loss": h["test"]["nelbo"], "set": "test"} for h in job.history
        ]
        x = alt.X("epoch:Q", title="epoch", axis=alt.Axis(tickMinStep=1, tickCount=4))
    elif job.recent:
        rows = [{"epoch": r["step"], "loss": r["loss"], "set": "train"} for r in job.recent]
        x = alt.X("epoch:Q", title="epoch (running)", axis=alt.Axis(tickCount=4))
    else:
        return
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y(
                "loss:Q",
                title="−ELBO (nats)",
                scale=alt.Scale(zero=False),
                axis=alt.Axis(tickCount=4),
            ),
            color=alt.Color("set:N", legend=alt.Legend(orient="top", title=None)),
        )
    )
    with st.container(key="train_chart"):
        # the height given to Streamlit, not to Vega-Lite: in the sidebar's narrow column a
        # chart sized by its spec was squashed to a sliver under its legend and axis titles
        st.altair_chart(chart, width="stretch", height=230)


def training() -> None:
    job = current_job()
    # open while a run goes (anyone may watch it), and for the session that started it
    shown = job is not None and (not job.finished or mine(job))
    with st.sidebar.expander("Train a new model", expanded=shown):
        training_form()
        progress()
