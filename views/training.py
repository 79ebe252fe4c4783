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

from . import i18n, state
from .config import checkpoints
from .i18n import t

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


# The form's fields: TrainConfig's name -> the catalog key of its label (their help is in the
# field's metadata, a key of its own: vae/train_config.py)
LABELS = {
    "epochs": "training.field.epochs.label",
    "latent_dim": "training.field.latent_dim.label",
    "arch": "training.field.arch.label",
    "kind": "training.field.kind.label",
    "beta": "training.field.beta.label",
}


def setting_input(name: str, problems: list[str], step: float | None = None):
    """A number box for TrainConfig's field `name` with its default and help (declared once,
    in vae/train_config.py). A value outside the field's limit adds a message to
    `problems` (the box itself takes any number, so the message can say what the limit is)."""
    kind = int if train_config.is_integer(name) else float
    label, limit = t(LABELS[name]), train_config.limit_text(name)
    key = f"train_{name}"
    value = st.number_input(
        label,
        value=state.kept(key, kind(train_config.DEFAULTS[name])),  # the panel was closed
        step=None if step is None else kind(step),
        key=key,
        help=t("training.form.help", help=i18n.shown(train_config.help_of(name)), limit=limit),
    )
    state.keep(key, value)
    if train_config.check(name, value):  # a number box: only its limit can be broken
        problems.append(t("training.form.limit", label=label, limit=limit, value=repr(value)))
    return kind(value)


def start(settings: dict) -> None:
    from vae import jobs

    try:
        cfg = train_config.TrainConfig(**settings)  # the default recipe otherwise, as vae-train's
        jobs.start(cfg, checkpoints(), st.session_state.session_id)
    except (ValueError, RuntimeError) as e:
        st.session_state.train_error = e  # shown in the reader's language (i18n.shown)
    else:
        st.session_state.train_error = None


def choice(name: str) -> str:
    """A select box of TrainConfig's choices for `name`, with its help."""
    options = list(train_config.FIELDS[name].metadata["choices"])
    key = f"train_{name}"
    value = st.selectbox(
        t(LABELS[name]),
        options,
        index=options.index(state.kept(key, options[0])),  # the panel was closed
        key=key,
        help=i18n.shown(train_config.help_of(name)),
    )
    state.keep(key, value)
    return value


@st.fragment
def training_form() -> None:
    job = current_job()
    busy = job is not None and not job.finished
    dataset = st.session_state.get("dataset")
    dataset = dataset if dataset and is_known_dataset(dataset) else "mnist"
    # Plain widgets, not st.form: Enter in a number box must not start a run.
    problems: list[str] = []
    settings = {
        "epochs": setting_input("epochs", problems),
        "latent_dim": setting_input("latent_dim", problems),
        "arch": choice("arch"),
        "kind": choice("kind"),
        "beta": setting_input("beta", problems, step=0.5),
        "dataset": dataset,
    }
    if settings["latent_dim"] < MAP_MIN_LATENT:
        problems.append(t("training.form.min_latent", n=MAP_MIN_LATENT))
    for problem in problems:
        st.error(problem)
    st.caption(t("training.form.dataset", dataset=dataset_title(dataset)))
    if st.button(t("training.form.start"), key="train_start", disabled=busy or bool(problems),
                 type="primary"):  # fmt: skip
        start(settings)
        st.rerun(scope="app")  # the progress below is another fragment: draw both anew
    if st.session_state.get("train_error"):
        st.error(i18n.shown(st.session_state.train_error))


def progress() -> None:
    job = current_job()
    if job is None or (job.finished and not mine(job)):
        st.caption(t("training.progress.idle"))
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
    who = "" if mine(job) else t("training.progress.other_session")
    if job.status == "planes":  # trained and saved; vae/jobs.py compute_planes
        st.progress(1.0, text=t("training.progress.planes", name=name, who=who))
    else:
        text = t("training.progress.epoch", name=name, who=who, epoch=job.epoch, epochs=job.epochs)
        st.progress(job.fraction, text=text)
    if job.status == "stopping":
        st.caption(t("training.progress.stopping"))
    elif mine(job) and st.button(t("training.progress.stop"), key="train_stop"):
        job.stop()
        st.rerun(scope="fragment")  # no second press: the caption above says it is in hand
    chart(job)


def finished(job) -> None:
    name = Path(job.config.out).name
    if job.status == "failed":
        st.error(t("training.progress.failed", error=i18n.shown(job.error)))
    elif job.status == "done":
        st.success(t("training.progress.done", name=name))
    else:
        st.success(t("training.progress.stopped", name=name))
    chart(job)


def chart(job) -> None:
    """The loss per epoch (train and test), or the running train loss in the first epoch;
    sized for the sidebar: few ticks, axis titles kept short."""
    import altair as alt
    import pandas as pd

    train, test = t("training.chart.train"), t("training.chart.test")  # the legend's words
    if job.history:
        history = job.history
        rows = [{"epoch": h["epoch"], "loss": h["train"]["loss"], "set": train} for h in history]
        rows += [{"epoch": h["epoch"], "loss": h["test"]["nelbo"], "set": test} for h in history]
        title = t("training.chart.epoch")
        x = alt.X("epoch:Q", title=title, axis=alt.Axis(tickMinStep=1, tickCount=4))
    elif job.recent:
        rows = [{"epoch": r["step"], "loss": r["loss"], "set": train} for r in job.recent]
        x = alt.X("epoch:Q", title=t("training.chart.running"), axis=alt.Axis(tickCount=4))
    else:
        return
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y(
                "loss:Q",
                title=t("training.chart.loss"),
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
    going = job is not None and not job.finished
    # open while a run goes (anyone may watch it), and for the session that started it
    shown = going or (job is not None and mine(job))
    panel = st.sidebar.expander(
        t("training.form.title"), expanded=shown, key="train_panel", on_change="rerun"
    )
    with panel:
        # Built only when open (its widgets cost every first page ~0.1 s, bench/ui_latency.py),
        # or while a run goes: its once-a-second poll reruns the page when the run ends.
        if panel.open or going:
            training_form()
            progress()
