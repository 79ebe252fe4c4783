"""Paths and constants the views share (no streamlit, no torch)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NAME = "mnist-vae-2d.pt"  # the shipped model a page opens on


def checkpoints() -> Path:
    """The folder of models the picker lists (an environment variable lets tests use another;
    read on every page run, so a test can change it between runs)."""
    return Path(os.environ.get("LATENT_EXPLORER_CHECKPOINTS", ROOT / "checkpoints"))


# Files the page loads by URL: Streamlit serves ROOT/static at /app/static/
# (server.enableStaticServing). Tests without a browser point this elsewhere.
STATIC = Path(os.environ.get("LATENT_EXPLORER_STATIC", ROOT / "static"))
STATIC_URL = "app/static"
RECORDS = STATIC / "records"  # each checkpoint's facts (vae/catalog.py)
COMPONENTS = ROOT / "components"
MAP_HEIGHT = 540
