"""Paths and constants the views share (no streamlit, no torch)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
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


def plotly_url() -> str:
    """The plotly.js the map loads from ./static (no CDN).

    The 1.6 MB gl2d bundle that scripts/fetch_npm.py puts there if it could (the map
    is drawn ~1.2 s sooner), else a copy of the full one inside the plotly package.
    """
    smaller = sorted(STATIC.glob("plotly-gl2d-*.min.js"))
    if smaller:
        return f"{STATIC_URL}/{smaller[-1].name}"
    name = f"plotly-{importlib.metadata.version('plotly')}.min.js"
    target = STATIC / name
    if not target.is_file():
        STATIC.mkdir(parents=True, exist_ok=True)
        package = Path(importlib.util.find_spec("plotly").origin).parent
        shutil.copyfile(package / "package_data" / "plotly.min.js", target.with_suffix(".tmp"))
        target.with_suffix(".tmp").replace(target)
    return f"{STATIC_URL}/{name}"
