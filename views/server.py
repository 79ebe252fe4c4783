"""What the server adds to Streamlit's own, for the first page to come sooner (app.py).

- The page's HTML (Streamlit's index.html, at /) starts loading plotly.js (1.6 MB, ~0.2 s
  to run) at once, while Streamlit's own code starts and the first page run waits for the
  server: otherwise only the page's first element started it
  (components/latent_map/preload.js), and it ran while the page was being drawn.
- At start, a thread imports the page's modules and builds what the first page run would
  (the components' bundles, the early script): the first visitor's run no longer pays for
  them (~0.2 s). The server is healthy as soon as before; the thread runs while the
  browser loads Streamlit's own code.

Also named in the head, the chunks of Streamlit's front end that the first page's widgets
need (modulepreload) made no difference that 12 cold starts could tell, so they are not.
Light on purpose: app.py imports this before the server starts, so the heavy imports are
in the thread.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import threading
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path

import streamlit
from starlette.responses import HTMLResponse
from starlette.routing import Route

from .config import ROOT, plotly_url

STREAMLIT_STATIC = Path(streamlit.__file__).parent / "static"


def plotly_loader(url: str) -> str:
    """An inline script that starts loading plotly.js at once, as core/load.js's
    loadScriptOnce would, and leaves its promise where loadScriptOnce looks for it: the map
    (and preload.js) then wait for this load instead of starting another."""
    return (
        "<script>(() => { const url = " + json.dumps(url) + ";\n"
        "  const s = document.createElement('script'); s.src = url; s.async = true;\n"
        "  window.__lxScripts = window.__lxScripts || {};\n"
        "  window.__lxScripts[url] = new Promise((resolve, reject) => {\n"
        "    s.onload = () => resolve(window.Plotly);\n"
        "    s.onerror = () => reject(new Error(`could not load ${url}`));\n"
        "  });\n"
        "  document.head.appendChild(s); })();</script>"
    )


@cache
def index_html() -> str:
    """Streamlit's index.html, with plotly.js loading from the start."""
    html = (STREAMLIT_STATIC / "index.html").read_text(encoding="utf-8")
    return html.replace("</head>", f"    {plotly_loader(plotly_url())}\n  </head>", 1)


async def index(_request) -> HTMLResponse:
    # no-cache, as Streamlit serves its own: a new version's chunks have other names
    return HTMLResponse(index_html(), headers={"Cache-Control": "no-cache"})


def routes(base_url: str = "") -> list[Route]:
    """The page's HTML at the server's root (under server.baseUrlPath if one is set); the
    rest is Streamlit's. Routes given to st.App come before Streamlit's own."""
    base = base_url.strip("/")
    paths = [f"/{base}", f"/{base}/"] if base else ["/"]
    return [Route(path, index, methods=["GET"]) for path in paths]


def is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a name inside a module, not a module of a package
        return False


def page_imports() -> list[str]:
    """The modules page.py imports at its top, read from its source (importing page.py
    itself would draw a page)."""
    tree = ast.parse((ROOT / "page.py").read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
            names.append(node.module)
            # `from views import map` names modules of a package; `from vae.bundle import
            # MapBundle` names none
            names += [n for a in node.names if is_module(n := f"{node.module}.{a.name}")]
    return list(dict.fromkeys(names))


def warm_page() -> None:
    """What the first page run would import and build, done ahead of it: page.py's modules
    and the cached scripts of its first run. None imports torch."""
    for name in page_imports():
        importlib.import_module(name)
    from views import loaders

    loaders.early_loads()
    for make in (loaders.map_component, loaders.marker_component, loaders.draw_component):
        make()


@asynccontextmanager
async def lifespan(_app):
    threading.Thread(target=warm_page, name="warm-page", daemon=True).start()
    yield
