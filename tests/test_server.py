"""views/server.py and app.py: the server around the page (no browser; the browser tests
run `streamlit run app.py` itself)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from starlette.applications import Starlette

from views import server
from views.config import plotly_url

ROOT = Path(__file__).resolve().parents[1]


def test_the_index_is_streamlits_own_with_plotly_loading_from_its_head():
    html = server.index_html()
    own = (server.STREAMLIT_STATIC / "index.html").read_text(encoding="utf-8")
    head, body = html.split("</head>", 1)
    assert body == own.split("</head>", 1)[1]  # nothing else changed
    assert head.startswith(own.split("</head>", 1)[0])  # Streamlit's own head, then ours
    # plotly.js: loading at once, its promise where core/load.js looks for it
    assert f"const url = {json.dumps(plotly_url())};" in head
    assert "window.__lxScripts[url] = new Promise" in head
    assert head.count("<script>") == own.split("</head>")[0].count("<script>") + 1


def run(coroutine):
    """asyncio.run in a thread of its own: the browser tests' Playwright leaves an event
    loop running in this one, and asyncio.run refuses to start inside it."""
    done = {}

    def target():
        try:
            done["value"] = asyncio.run(coroutine)
        except BaseException as err:  # raised again in the test's thread
            done["error"] = err

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in done:
        raise done["error"]
    return done.get("value")


def get(app, path: str) -> tuple[int, dict, str]:
    """One GET through an ASGI app (starlette's TestClient needs httpx, not installed)."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": [], "root_path": ""}  # fmt: skip
    run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body.decode()


def test_the_index_is_served_at_the_root_and_under_a_base_path():
    status, headers, text = get(Starlette(routes=server.routes()), "/")
    assert status == 200
    assert headers["cache-control"] == "no-cache"
    assert text == server.index_html()
    app = Starlette(routes=server.routes("/explorer/"))
    assert get(app, "/explorer/")[2] == server.index_html()
    assert get(app, "/explorer")[2] == server.index_html()
    assert get(app, "/")[0] == 404  # Streamlit's own routes answer the rest


def test_streamlit_run_finds_the_app_and_its_page():
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app
    assert found.import_string.endswith("app:app")
    source = (ROOT / "app.py").read_text()
    assert re.search(r'st\.App\(\s*"page\.py"', source)
    assert (ROOT / "page.py").is_file()


def test_the_warm_up_builds_what_the_first_page_run_uses_without_torch(tmp_path):
    # In a process of its own: torch must stay out (the first page never needs it, and
    # importing it holds the interpreter while the first page is sent).
    code = (
        "import sys\n"
        "from views import server, loaders\n"
        "server.warm_page()\n"
        "names = server.page_imports()\n"
        "assert {'views.digit', 'views.map', 'vae.bundle'} <= set(names), names\n"
        "assert all(n in sys.modules for n in names)\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "print(loaders.early_loads()[:40])\n"
    )
    env = {**os.environ, "LATENT_EXPLORER_STATIC": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith('<span class="lx-early">')


def test_the_lifespan_starts_the_warm_up_without_waiting_for_it(monkeypatch):
    started = []
    monkeypatch.setattr(server, "warm_page", lambda: started.append(1))

    async def enter_and_leave():
        async with server.lifespan(None):
            pass

    run(enter_and_leave())
    for _ in range(100):  # the thread's, soon after
        if started:
            break
        time.sleep(0.02)
    assert started == [1]
