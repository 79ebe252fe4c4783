"""The guided lesson: the lecture's seven steps in order, each on live views of the explorer.

    lesson.entry()                     the sidebar's way in (a toggle); reads `?lesson=N` once
    if lesson.active(): lesson.page(models, folder); return      page.py, after the sidebar

The page: the title, the step picker with Prev/Next and "step k of 7", then the step itself.
Each step is a function of a `Ctx` (context.py) and draws its text, formula, live view,
numbers and one thing to try (frame.py); steps 1-4 are in steps.py, 5-7 in models.py.

The link keeps the step (`lesson=3`, 1..7): read on the session's first run, written back
whenever the step changes, removed when the lesson is left. A value that is no step opens
step 1 with a notice saying so.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import streamlit as st

from .. import i18n
from . import frame
from .context import Ctx

__all__ = ["Ctx", "active", "entry", "page"]

# (title key, module, function) in the lecture's order; keys written out in full
# (tests/test_i18n.py). The steps' modules are imported when a step is drawn: they need
# torch, which the explorer's first page run never imports (page.py imports this package).
STEPS: tuple[tuple[str, str, str], ...] = (
    ("lesson.titles.s1", "steps", "step_generative"),
    ("lesson.titles.s2", "steps", "step_posterior"),
    ("lesson.titles.s3", "steps", "step_reparameterization"),
    ("lesson.titles.s4", "steps", "step_loss"),
    ("lesson.titles.s5", "models", "step_ae_vs_vae"),
    ("lesson.titles.s6", "models", "step_beta"),
    ("lesson.titles.s7", "models", "step_dimensions"),
)
assert len(STEPS) == frame.STEPS

LINK_KEY = "lesson"


def read_link() -> None:
    """On the session's first run: the step the link names (`lesson=N`), if any."""
    if st.session_state.get("lesson_link_read"):
        return
    st.session_state.lesson_link_read = True
    raw = st.query_params.get(LINK_KEY)
    step, bad = frame.parse_step(raw)
    st.session_state.lesson_step = step
    st.session_state.lesson_notice = (
        i18n.t("lesson.frame.bad_link", value=str(raw)[:24], n=frame.STEPS) if bad else None
    )


def active() -> bool:
    """Whether the lesson is open (then page.py draws lesson.page instead of the explorer)."""
    return st.session_state.get("lesson_step") is not None


def go(step: int) -> None:
    """Open step `step` (a callback: the rerun it causes draws that step)."""
    st.session_state.lesson_step = min(max(int(step), 1), frame.STEPS)
    st.session_state.lesson_last = st.session_state.lesson_step
    st.session_state.lesson_notice = None


def on_toggle() -> None:
    if st.session_state.lesson_on:
        go(st.session_state.get("lesson_last") or 1)
    else:
        st.session_state.lesson_step = None
        st.session_state.lesson_notice = None
        if LINK_KEY in st.query_params:
            del st.query_params[LINK_KEY]


def entry() -> None:
    """The sidebar's way into the lesson and back out (a toggle), after reading the link."""
    read_link()
    st.session_state.lesson_on = active()  # the toggle follows the page, whatever opened it
    st.sidebar.toggle(
        i18n.t("lesson.frame.entry"),
        key="lesson_on",
        on_change=on_toggle,
        help=i18n.t("lesson.frame.entry_help"),
    )


def on_pick() -> None:
    go(st.session_state.lesson_pick)


def navigation(step: int) -> None:
    """Prev, the step picker and Next in one row, and how far the reader is."""
    st.session_state.lesson_pick = step
    labels = {k: f"{k}. {i18n.t(STEPS[k - 1][0])}" for k in range(1, frame.STEPS + 1)}
    prev, pick, after = st.columns([1, 4, 1], vertical_alignment="bottom")
    prev.button(
        i18n.t("lesson.frame.prev"),
        key="lesson_prev",
        on_click=go,
        args=(step - 1,),
        disabled=step <= 1,
        icon=":material/arrow_back:",
        width="stretch",
    )
    pick.selectbox(
        i18n.t("lesson.frame.pick"),
        range(1, frame.STEPS + 1),
        key="lesson_pick",
        on_change=on_pick,
        format_func=labels.get,
    )
    after.button(
        i18n.t("lesson.frame.next"),
        key="lesson_next",
        on_click=go,
        args=(step + 1,),
        disabled=step >= frame.STEPS,
        icon=":material/arrow_forward:",
        width="stretch",
    )
    st.progress(step / frame.STEPS, text=i18n.t("lesson.frame.progress", k=step, n=frame.STEPS))


def write_link(step: int) -> None:
    """The address bar keeps the step and the language (the explorer's link writer does
    not run while the lesson is open)."""
    if st.query_params.get(LINK_KEY) != str(step):
        st.query_params[LINK_KEY] = str(step)
    lang = i18n.in_link()
    if lang and st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang
    elif not lang and "lang" in st.query_params:
        del st.query_params["lang"]


def page(models_found: list[str], folder: Path) -> None:
    """The lesson's page: title, navigation, the open step."""
    step = st.session_state.lesson_step
    st.title(i18n.t("lesson.frame.title"))
    st.caption(i18n.t("lesson.frame.intro"))
    if st.session_state.get("lesson_notice"):
        st.warning(st.session_state.lesson_notice, icon=":material/link_off:")
    navigation(step)
    title, module, function = STEPS[step - 1]
    st.header(f"{step}. {i18n.t(title)}", anchor=False)
    draw = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    draw(Ctx(models=list(models_found), folder=Path(folder), lang=i18n.lang(), step=step))
    write_link(step)
