"""The parts every lesson step draws the same way, and the lesson's link value.

A step's page, top to bottom: text(), formula(), its live view, numbers() (the panel the
browser tests read), try_this(). missing() says which shipped model a step lacks.
"""

from __future__ import annotations

import streamlit as st

from .. import i18n

STEPS = 7  # the lecture's steps: 1-4 in steps.py, 5-7 in models.py


def parse_step(raw: str | None) -> tuple[int | None, bool]:
    """The link's `lesson=` value -> (step, bad). None: no lesson in the link. A value that
    is not a whole number from 1 to STEPS opens step 1 and is reported (bad=True)."""
    if raw is None:
        return None, False
    text = str(raw).strip()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= STEPS:
        return int(text), False
    return 1, True


def text(markdown: str) -> None:
    """The step's short text (already in the page's language)."""
    st.markdown(markdown)


def formula(latex: str) -> None:
    st.latex(latex)


def numbers():
    """The step's numbers panel: `with frame.numbers(): ...` (key read by browser tests)."""
    return st.container(key="lesson_numbers", border=True)


def try_this(markdown: str) -> None:
    """The step's last line: one thing to try."""
    st.markdown(f"**{i18n.t('lesson.frame.try')}** {markdown}")


def missing(name: str) -> None:
    """The step needs the shipped checkpoint `name`, which is not in the folder."""
    st.error(i18n.t("lesson.frame.missing", name=name), icon=":material/error:")
