"""Steps 5-7 of the lesson (autoencoder against VAE, β, more dimensions).

Placeholder so the frame runs: the lesson2 branch replaces this module with the real steps.
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
