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
# The page's icon: a Path (not a string), so Streamlit takes it as an image without first
# checking it against its emoji catalogue, whose module compiles a regular expression of
# every emoji (0.06-0.10 s of the first visitor's page run)
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.svg"
MAP_HEIGHT = 540


_PLOTLY_FILE: list[Path] = []
# views/server.py serves plotly.js here (not from ./static as Streamlit would): with a compile
# hint, gzipped once, cached by the browser for good (the name carries the version)
PLOTLY_ROUTE = "_lx/plotly"


def plotly_file() -> Path | None:
    """The plotly.js in ./static (no CDN), where setup put it (scripts/fetch_npm.py plotly):
    the 1.6 MB gl2d bundle, else the full one from PyPI's plotly wheel; None when neither is
    there (the page then says how to get it).

    Looked for once per server once found; until then on every call, so fetching it while
    the server runs is enough."""
    if not _PLOTLY_FILE:
        for pattern in ("plotly-gl2d-*.min.js", "plotly-[0-9]*.min.js"):
            found = sorted(STATIC.glob(pattern))
            if found:
                _PLOTLY_FILE.append(found[-1])
                break
    return _PLOTLY_FILE[0] if _PLOTLY_FILE else None


def plotly_url() -> str | None:
    """Where the page loads plotly.js from (relative to the page, as Streamlit's own static
    URLs are), or None without it."""
    found = plotly_file()
    return f"{PLOTLY_ROUTE}/{found.name}" if found else None


PLOTLY_FETCH = ".venv/bin/python scripts/fetch_npm.py plotly"  # what puts it there
