"""Steps 5-7 of the lesson (autoencoder against VAE, β, more dimensions).

A placeholder so the frame runs: the lesson2 branch replaces this module with the real
steps. Each is `def step_xxx(ctx: Ctx) -> None` (views/lesson/context.py) and draws, in
order, its text, formula, live view, numbers in frame.numbers() and frame.try_this();
live.lesson_map() gives a step the explorer's map. The steps' titles are the frame's
(lesson.titles.s5-s7 in locales/*/lesson.toml).
"""

from __future__ import annotations

import streamlit as st

from .context import Ctx


def step_ae_vs_vae(ctx: Ctx) -> None:
    st.info("Step 5 (autoencoder against VAE) is being written on the lesson2 branch.")


def step_beta(ctx: Ctx) -> None:
    st.info("Step 6 (β) is being written on the lesson2 branch.")


def step_dimensions(ctx: Ctx) -> None:
    st.info("Step 7 (more dimensions) is being written on the lesson2 branch.")
