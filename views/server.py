"""What the server adds to Streamlit's own, for the first page to come sooner (app.py).

- The page's HTML (Streamlit's index.html, at /) starts downloading plotly.js (1.6 MB,
  ~0.05 s to run, 0.2-0.3 s before its errors were taken out) at once, and runs it while
  the server runs the first page: otherwise only the page's first element started it
  (components/latent_map/preload.js), and it ran while the page was being drawn
  (plotly_loader).
- At start, a thread imports the page's modules and builds what the first page run would
  (the components' bundles, the early script): the first visitor's run no longer pays for
  them (~0.2 s). It waits while a browser fetches Streamlit's own code (Visits): run then,
  it held the interpreter and those ~60 files came 0.15-0.2 s later. Streamlit's check at
  a process's first element (inspect.stack) is marked made; its emoji catalogue, which the
  first page does not need, and plotly.js's gzip wait for a quiet server and a free core
  (wait_quiet), as the torch warm-up does.
- plotly.js comes from a route of its own (PlotlyBodies): with V8's compile hint as its
  first line, gzipped once instead of on every request (45-54 ms of the server's CPU per
  page, curl), and cached by the browser for good (its name carries its version). Two
  of its WebGL costs that this map never needs are taken out as it is read (quicker_plotly):
  its first draw takes 0.07-0.13 s less; and so are the errors its polyfills made while it
  loaded, each of which costs a full stack trace under a debugger (DevTools, Playwright).
- Streamlit's own scripts, styles and fonts are answered from memory once read
  (StaticBodies): its file server took a worker thread per 64 KB, and the first page asks
  for ~60 files at once.
- Three fixes to the server's own start and sockets: Streamlit's scan of every installed
  package for components reads only what it needs (quick_component_scan), its
  connections send at once instead of waiting 40 ms for the peer's ACK (send_at_once),
  and its welcome, which asked the internet for this machine's address before the server
  answered, is replaced by one that does not (welcome).

Light on purpose: app.py imports this before the server starts, so the heavy imports are
in the thread.
"""

from __future__ import annotations

import ast
import gzip
import importlib
import importlib.util
import json
import logging
import mimetypes
import os
import re
import socket
import stat
import sys
import threading
import time
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path

import streamlit
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from streamlit import config as st_config

from .config import PLOTLY_ROUTE, ROOT, plotly_file, plotly_url

STREAMLIT_STATIC = Path(streamlit.__file__).parent / "static"
# The warm-up starts after this long without a page's request (or once a page is up)...
WARM_QUIET = 0.25
# ...and waits between imports for a gap this long in a page's requests...
PAGE_GAP = 0.03
# ...but never waits longer than this, each time
WARM_MOST = 1.5


def plotly_loader(url: str) -> str:
    """An inline script that starts downloading plotly.js at once and runs it once the page
    has asked the server for its first run, leaving its promise where core/load.js's
    loadScriptOnce looks for it (the map, and preload.js, wait for this load instead of
    starting another).

    Run at once, its ~0.3 s on the main thread came just when Streamlit's code wanted to
    open its socket and ask for the page: the server started the page's run only after it.
    Run after that first message (the socket's first send), it overlaps the server's run
    and the trip of the first elements; after 5 s without one it runs anyway.
    """
    return (
        "<script>(() => { const url = " + json.dumps(url) + ";\n"
        "  const early = document.createElement('link');\n"
        "  early.rel = 'preload'; early.as = 'script'; early.href = url;\n"
        "  document.head.appendChild(early);\n"
        "  window.__lxScripts = window.__lxScripts || {};\n"
        "  window.__lxScripts[url] = new Promise((resolve, reject) => {\n"
        "    const send = WebSocket.prototype.send;\n"
        "    let started = false;\n"
        "    const start = () => {\n"
        "      if (started) return;\n"
        "      started = true;\n"
        "      const s = document.createElement('script'); s.src = url; s.async = true;\n"
        "      s.onload = () => resolve(window.Plotly);\n"
        "      s.onerror = () => reject(new Error(`could not load ${url}`));\n"
        "      document.head.appendChild(s);\n"
        "    };\n"
        "    WebSocket.prototype.send = function (data) {\n"
        "      if (String(this.url).includes('_stcore/stream')) {\n"
        "        WebSocket.prototype.send = send;\n"
        "        setTimeout(start, 0);\n"
        "      }\n"
        "      return send.call(this, data);\n"
        "    };\n"
        "    setTimeout(start, 5000);\n"
        "  });\n"
        "})();</script>"
    )


def index_html() -> str:
    """Streamlit's index.html, with plotly.js loading from the start (as it is without
    plotly.js in ./static: the map then says how to get it)."""
    return _index_html(plotly_url())


@cache
def _index_html(plotly: str | None) -> str:
    html = (STREAMLIT_STATIC / "index.html").read_text(encoding="utf-8")
    if plotly is None:
        return html
    return html.replace("</head>", f"    {plotly_loader(plotly)}\n  </head>", 1)


async def index(_request) -> HTMLResponse:
    # no-cache, as Streamlit serves its own: a new version's chunks have other names
    return HTMLResponse(index_html(), headers={"Cache-Control": "no-cache"})


# V8 compiles every function of a script that starts with this comment at once, on a
# background thread as the script downloads (Chrome 136+), instead of each on the main thread
# when first called: plotly.js ran for 180-300 ms instead of 360-490 ms (under Playwright,
# on a page that times it, before PLOTLY_PATCHES took out the errors that made the debugger
# parse it again; a CPU profile, which read 33-56 ms, hides the debugger's share). Page
# complete moved less, the compiling being on the machine's other core: 0.05-0.2 s sooner in
# three runs of alternated cold starts (8 each), within the noise of a fourth. Browsers
# without the feature read a comment.
COMPILE_HINT = b"//# allFunctionsCalledOnLoad\n"


# What quicker_plotly changes in plotly.js's minified code (the pinned gl2d bundle; the full
# one has the same code): (name, [(anchor, pattern, replacement), ...]). A pattern is a
# regular expression over the minified names, so another build of the same source matches
# too, looked for only around its anchor, a literal part of it (the whole file takes the
# regular expressions 12-17 ms, in the request for it). A change is made only if all its
# patterns match; one that does not is left out, and plotly.js is served as it comes, only
# slower.
PLOTLY_PATCHES = (
    # regl (plotly.js's WebGL layer) generates each draw command's code as a string, then
    # keys its cache of compiled commands by the SHA-256 of that string, computed in
    # JavaScript: 35-45 ms of the main thread in the map's first draw (CPU profile of the
    # unminified bundle). Plotly's non-strict bundles precompile nothing, so the key only has
    # to tell one generated source from another: the string itself does, hashed by the
    # engine. The same cache, the same hits.
    ("regl's code cache keyed by the code itself", [(
        b"].apply(null,",
        rb"if\((\w+)&&\((\w+)=\w+\((\w+)\),\1\[\2\]\)\)return \1\[\2\]\.apply\(null,",
        rb"if(\1&&(\2=\3,\1[\2]))return \1[\2].apply(null,",
    )]),
    # Every WebGL plot gets a second WebGL context, the focus layer, which only selected
    # points (box or lasso selection, `selectedpoints`) and parcoords draw on. This map has
    # neither (no selection tools: it pans and zooms). Making that context and its shaders
    # took ~60 ms of the first draw in headless Chromium's software GL. It is now made only
    # for parcoords; a selection, should one ever come, draws on the main layer.
    ("no focus WebGL context without parcoords", [(
        b'._has("parcoords")))',
        rb'if\(!\((\w+)\.pick&&!(\w+)\._has\("parcoords"\)\)\)\{try\{',
        rb'if(!((\1.pick||\1.key==="focusLayer")&&!\2._has("parcoords"))){try{',
    ), (
        b"._glcanvas.data()[1].regl)",
        rb"\((\w+)\._glcanvas\.data\(\)\[1\]\.regl\)",
        rb"(\1._glcanvas.data()[1].regl||\1._glcanvas.data()[0].regl)",
    )]),
    # No error made while plotly.js loads. Four of its polyfills' probes threw and caught
    # an error to learn what the engine does (get-intrinsic twice, is-callable at every
    # call, object-assign). An error costs little, but with a debugger attached (DevTools
    # open, or any Playwright probe) V8 takes a full stack trace of every error made, and
    # the first one had it parse the whole 1.6 MB script again for its source positions:
    # plotly.js ran for ~250 ms instead of ~50 ms (Chromium trace of a cold start). In an
    # engine that runs this page each probe answers the same without an error: strict-mode
    # `arguments.callee` always throws, so its getter is read at once; Error.prototype is
    # that of TypeError.prototype, as of the TypeError once thrown; is-callable's other
    # branch, which browsers without Reflect.apply take, throws nothing for a function;
    # Object.assign onto a non-extensible object always throws before it writes, so the
    # old V8 bug object-assign looks for is never there.
    ("no error made while plotly.js loads", [(
        b"return arguments.callee,",
        rb'\(function\(\)\{try\{return arguments\.callee,(\w+)\}catch\(\w+\)\{try\{return '
        rb'(\w+)\(arguments,"callee"\)\.get\}catch\((\w+)\)\{return \1\}\}\}\)\(\)',
        rb'(function(){try{return \2(arguments,"callee").get}catch(\3){return \1}})()',
    ), (
        b"try{null.error}catch(",
        rb"try\{null\.error\}catch\((\w+)\)\{(\w+)=(\w+)\(\3\(\1\)\)",
        rb"{\2=\3(TypeError.prototype)",
    ), (
        b'typeof Object.defineProperty=="function")try{',
        rb'if\(typeof (\w+)=="function"&&typeof Object\.defineProperty=="function"\)try\{',
        rb"if(!1)try{",
    ), (
        b"Object.preventExtensions({1:2})",
        rb'var (\w+)=Object\.preventExtensions\(\{1:2\}\);try\{Object\.assign\(\1,"xy"\)\}'
        rb'catch\(\w+\)\{return \1\[1\]==="y"\}return!1',
        rb"return!1",
    )]),
)  # fmt: skip
NEAR = 100  # how far from its anchor a pattern may start or end, in bytes


def _near(js: bytes, anchor: bytes, pattern: bytes) -> list[re.Match]:
    """The pattern's matches around each place the anchor is, in order, none overlapping."""
    found, at = [], js.find(anchor)
    while at >= 0:
        start = max(0, at - NEAR, found[-1].end() if found else 0)
        if (m := re.compile(pattern).search(js, start, at + len(anchor) + NEAR)) is not None:
            found.append(m)
        at = js.find(anchor, at + 1)
    return found


def quicker_plotly(js: bytes) -> tuple[bytes, list[str]]:
    """plotly.js with PLOTLY_PATCHES made, and the names of those made."""
    made = []
    for name, changes in PLOTLY_PATCHES:
        spots = [(_near(js, anchor, pattern), to) for anchor, pattern, to in changes]
        if not all(matches for matches, _ in spots):
            continue
        edits = sorted((m.start(), m.end(), m.expand(r)) for matches, r in spots for m in matches)
        out, last = [], 0
        for start, end, text in edits:
            out += [js[last:start], text]
            last = end
        js = b"".join([*out, js[last:]])
        made.append(name)
    return js, made


def idle_seconds() -> float | None:
    """The machine's CPU time so far, all cores together, that no program of normal priority
    took: idle, waiting on disk, or running niced programs (Linux's /proc/stat; a training
    run from the app is at nice 19, and gives way to anything else); None where there is
    none to read."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()  # cpu user nice system idle iowait ...
        return (int(fields[2]) + int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def wait_quiet(hold: float = 1.0, share: float = 0.2, most: float = 15.0,
               free: float = 0.75) -> None:  # fmt: skip
    """Returns once, for `hold` seconds running, this server process has used under `share`
    of a core and the machine has had `free` of a core idle, or after `most` seconds.

    Work that can wait (importing torch, gzipping plotly.js) waits for it: started while a
    page was being sent or drawn, it slowed that page down, and it needs no word from the
    browser (a message back would rerun the map's fragment). The server alone goes quiet
    once the first run is sent, while a browser on this machine may still be drawing for a
    second; with the cores shared (a slow spell, another program's load) the warm-up's
    import of torch then took the CPU the page's drawing waited for (a server trace: it
    began 0.2-0.6 s before the map was plotted). A free core means nobody is waiting for
    it, whether the browser is on this machine or another.
    """
    step = 0.25
    deadline = time.monotonic() + most
    quiet = 0.0
    at, cpu, idle = time.monotonic(), time.process_time(), idle_seconds()
    while time.monotonic() < deadline and quiet < hold:
        time.sleep(step)
        now_at, now_cpu, now_idle = time.monotonic(), time.process_time(), idle_seconds()
        spent = max(now_at - at, 1e-3)
        calm = now_cpu - cpu < share * spent
        spare = idle is None or now_idle is None or now_idle - idle >= free * spent
        quiet = quiet + spent if calm and spare else 0.0
        at, cpu, idle = now_at, now_cpu, now_idle


def when_quiet(work, name: str, *, hold: float = 1.0, share: float = 0.2, most: float = 15.0):
    """Run `work` in a background thread named `name` once wait_quiet returns. Its error is
    logged: whoever needs the work later meets the error and says it."""

    def run() -> None:
        wait_quiet(hold=hold, share=share, most=most)
        try:
            work()
        except Exception as err:
            logging.getLogger(__name__).warning("%s failed: %s", name, err)

    threading.Thread(target=run, name=name, daemon=True).start()


# How long the server is quiet before the work for later pages and other machines is done
# (the emoji catalogue, plotly.js gzipped): longer than the torch warm-up's 1 s, which a
# user's first drawing waits for, so that goes first.
LATER_QUIET = 2.0


class PlotlyBodies:
    """plotly.js as served: the compile hint, then the file; and that gzipped, made once
    (level 9: 0.07 s of a core; Streamlit's static files gzipped it on every request) once
    the server is quiet after the first request, which gets the plain file: made at start
    or at that request, it took a core just as the server started, or while the first page
    was drawn (it is 1.6 MB only for a browser on another machine, which comes later)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.name: str | None = None
        self.plain: bytes | None = None
        self.gzipped: bytes | None = None
        self.zipping = False

    def zip_later(self, quiet: float = LATER_QUIET) -> None:
        """compress(), in a thread of its own, once, after `quiet` seconds of a quiet server
        (when_quiet)."""
        with self.lock:
            if self.zipping:
                return
            self.zipping = True

        when_quiet(self.compress, "plotly-gzip", hold=quiet)

    def load(self) -> str | None:
        """The file's name, once read (None without plotly.js)."""
        with self.lock:
            if self.plain is None and (found := plotly_file()) is not None:
                js, made = quicker_plotly(found.read_bytes())
                if len(made) < len(PLOTLY_PATCHES):
                    left = [name for name, _ in PLOTLY_PATCHES if name not in made]
                    logging.getLogger(__name__).info(
                        "%s: served without %s (another plotly.js?)", found.name, left
                    )
                self.plain = COMPILE_HINT + js
                self.name = found.name
            return self.name

    def compress(self) -> None:
        if self.load() is not None and self.gzipped is None:
            self.gzipped = gzip.compress(self.plain, compresslevel=9, mtime=0)


PLOTLY = PlotlyBodies()
# A file whose name carries its version or content hash (plotly.js's, Streamlit's own)
FOREVER = "public, max-age=31536000, immutable"


async def plotly_js(request) -> Response:
    if PLOTLY.load() is None or request.path_params["name"] != PLOTLY.name:
        return Response("no such file", status_code=404, media_type="text/plain")
    headers = {"Cache-Control": FOREVER, "Vary": "Accept-Encoding"}
    zipped = PLOTLY.gzipped  # until it is made, the plain body (one request, at most a few)
    if zipped is None:
        PLOTLY.zip_later()
    if zipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(zipped, headers=headers, media_type="text/javascript; charset=utf-8")
    return Response(PLOTLY.plain, headers=headers, media_type="text/javascript; charset=utf-8")


def routes(base_url: str = "") -> list[Route]:
    """The page's HTML at the server's root (under server.baseUrlPath if one is set), and
    plotly.js (PlotlyBodies); the rest is Streamlit's. Routes given to st.App come before
    Streamlit's own."""
    base = base_url.strip("/")
    paths = [f"/{base}", f"/{base}/"] if base else ["/"]
    prefix = f"/{base}" if base else ""
    return [Route(path, index, methods=["GET"]) for path in paths] + [
        Route(f"{prefix}/{PLOTLY_ROUTE}/{{name}}", plotly_js, methods=["GET"]),
    ]


def submodules(package: str, names) -> list[str]:
    """Those of `names` (taken by `from package import ...`) that are modules of `package`,
    which must be imported already: `from views import map` names one, `from vae.bundle
    import MapBundle` none. Only the imported package can tell, and asking it imports
    nothing more."""
    if not hasattr(sys.modules.get(package), "__path__"):
        return []
    return [f"{package}.{n}" for n in names if importlib.util.find_spec(f"{package}.{n}")]


def page_imports() -> list[tuple[str, tuple[str, ...]]]:
    """The modules page.py imports at its top, each with the names taken from it, read
    from its source (importing page.py itself would draw a page). Reading them imports
    nothing: asking which names are modules once imported half the page at once (0.18 s,
    numpy too), while a browser was fetching Streamlit's scripts."""
    tree = ast.parse((ROOT / "page.py").read_text(encoding="utf-8"))
    found: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update((a.name, ()) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
            found[node.module] = found.get(node.module, ()) + tuple(a.name for a in node.names)
    return list(found.items())


class Visits:
    """What the server has been asked lately: when a page last asked for anything (the
    health check aside: a probe, not a page), and whether a page's own code has come up
    (asked for the host config, or opened its socket: its first run comes next).

    The warm-up waits on it: run while a browser was fetching Streamlit's ~60 scripts, its
    imports held the interpreter, and the scripts took 0.24-0.40 s to serve instead of
    0.11-0.20 s (a client fetching the same 61 files over six connections, 3 December),
    while the browser had nothing else to do.
    """

    def __init__(self) -> None:
        self.last = time.monotonic()
        self.page_up = threading.Event()

    def saw(self, kind: str, path: str) -> None:
        if path.endswith("/_stcore/health"):
            return
        self.last = time.monotonic()
        if kind == "websocket" or path.endswith("/_stcore/host-config"):
            self.page_up.set()

    def wait(self, quiet: float, most: float) -> None:
        """Returns once a page has come up, or nothing was asked for `quiet` seconds, or
        after `most` seconds."""
        deadline = time.monotonic() + most
        while not self.page_up.is_set():
            now = time.monotonic()
            if now - self.last >= quiet or now >= deadline:
                return
            self.page_up.wait(min(0.01, quiet))


VISITS = Visits()


class NoteVisits:
    """ASGI middleware: tells VISITS of every request and socket, then passes it on."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            VISITS.saw(scope["type"], scope.get("path", ""))
        await self.app(scope, receive, send)


class StaticBodies:
    """ASGI middleware: Streamlit's own static files (its scripts, styles and fonts, under
    <base>/static/), answered from memory once read.

    Streamlit serves them with Starlette's StaticFiles: a stat and an open in a worker
    thread per request, then the body in 64 KB reads, each one more trip to a thread. The
    first page asks for ~60 of them (2.3 MB) at once, while the browser has nothing else to
    do, and ~35 more as it draws: served from memory, its scripts had all run 0.10-0.12 s
    sooner and the page settled 0.12-0.15 s sooner (alternated cold starts, 8 each, twice,
    3 December). Streamlit keeps /static/ for its own routes, hence a middleware. Their
    names carry their content's hash, so they are cached for good, as Streamlit's own
    answer says; anything else (HEAD, a file that is not there, a name that leaves the
    folder) goes on to Streamlit. What it holds is at most the folder (25 MB; a page uses
    ~4), read only when asked for.
    """

    ROOT = STREAMLIT_STATIC / "static"

    def __init__(self, app, base_url: str | None = None) -> None:
        self.app = app
        base = (st_config.get_option("server.baseUrlPath") if base_url is None else base_url)
        base = (base or "").strip("/")
        self.prefix = f"/{base}/static/" if base else "/static/"
        self.bodies: dict[str, tuple[bytes, str]] = {}

    def body(self, name: str) -> tuple[bytes, str] | None:
        """The file's bytes and type, read once; None if it is not one of Streamlit's."""
        found = self.bodies.get(name)
        if found is None:
            parts = name.split("/")
            if not name or any(p in ("", ".", "..") or "\\" in p for p in parts):
                return None
            path = self.ROOT.joinpath(*parts)
            try:
                if not path.resolve().is_relative_to(self.ROOT.resolve()) or not path.is_file():
                    return None
                data = path.read_bytes()
            except OSError:
                return None
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind.endswith("javascript"):
                kind += "; charset=utf-8"
            found = self.bodies[name] = (data, kind)
        return found

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope.get("method") == "GET" and path.startswith(self.prefix):
            found = self.body(path[len(self.prefix):])
            if found is not None:
                data, kind = found
                headers = {"Cache-Control": FOREVER}
                await Response(data, headers=headers, media_type=kind)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def warm_page(visits: Visits | None = None) -> list[str]:
    """What the first page run would import and build, done ahead of it: page.py's modules
    and the cached scripts of its first run. None imports torch. Returns the modules
    imported, in order.

    With `visits`, it starts once a page has come up or the server has been asked nothing
    for a moment (nobody's browser is loading a page: warm it for the one who comes), and
    stops between imports while a page's scripts are being fetched (PAGE_GAP).
    """

    def gap() -> None:
        if visits is not None:
            visits.wait(quiet=PAGE_GAP, most=WARM_MOST)

    if visits is not None:
        visits.wait(quiet=WARM_QUIET, most=WARM_MOST)
    first_element_check()  # costs nothing: no pause before it
    done = []
    def warm(name: str) -> None:
        if name not in done:
            gap()
            importlib.import_module(name)
            done.append(name)

    for module, names in page_imports():
        warm(module)
        for name in submodules(module, names):  # asked once `module` is in
            warm(name)
    from views import loaders

    loaders.early_loads()
    for make in (loaders.map_component, loaders.marker_component, loaders.draw_component):
        make()
    return done


# What Streamlit builds once per process for pages other than the first: its emoji
# catalogue (a regular expression of every emoji, 0.06-0.10 s), which an alert without an
# icon whose text is not ASCII looks its text up in (a Chinese page, an error). The first
# page needs none of it (views/digit.py gives its note an icon; the page's icon is a file).
STREAMLIT_LATER = ("streamlit.emojis",)


def warm_later() -> list[str]:
    """Imports STREAMLIT_LATER (run once the server is quiet, lifespan: the first page's run
    and drawing are not slowed by work they do not need). Returns what it imported."""
    done = []
    for name in STREAMLIT_LATER:
        try:
            importlib.import_module(name)
        except ImportError:  # another Streamlit: it does what it does
            continue
        done.append(name)
    return done


def first_element_check() -> None:
    """Streamlit's check, at the first element a process sends, that it runs under
    `streamlit run`, marked as made. It looks at the whole stack (inspect.stack() reads
    every frame's source and resolves every loaded module's path: 0.04-0.1 s of the first
    visitor's page run) to warn when Streamlit is used without its runtime; a runtime
    running this server is the answer. Without one (a test), nothing is marked: the check
    then warns as it should."""
    from streamlit import delta_generator, runtime

    if hasattr(delta_generator, "_use_warning_has_been_displayed") and runtime.exists():
        delta_generator._use_warning_has_been_displayed = True


def listening_sockets() -> list[int]:
    """The file descriptors of this process's listening TCP sockets (Linux: /proc)."""
    found = []
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: another system
        return found
    for fd in fds:
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            sock = socket.socket(fileno=fd)
        except OSError:  # closed meanwhile, or not a socket Python can wrap
            continue
        try:
            inet = sock.family in (socket.AF_INET, socket.AF_INET6)
            tcp = inet and sock.type == socket.SOCK_STREAM
            if tcp and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                found.append(fd)
        except OSError:
            pass
        finally:
            sock.detach()  # the fd stays the server's
    return found


def no_delay(fd: int) -> None:
    """TCP_NODELAY on a listening socket: every connection it accepts inherits it (Linux)."""
    sock = socket.socket(fileno=fd)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    finally:
        sock.detach()


def send_at_once() -> int:
    """Turns Nagle's algorithm off for the connections the server accepts; returns how
    many listening sockets it set.

    Streamlit binds its socket itself (socket.socket(family), protocol 0), and asyncio sets
    TCP_NODELAY only on sockets whose protocol says TCP: so every connection Streamlit
    accepts waits for the peer's delayed ACK (40 ms on Linux) before the second write of a
    response, the body after its headers. Every request after the first on a kept-alive
    connection took 44 ms (curl, /_stcore/health or any static file) against 2 ms on a new
    one; the browser fetches the page's ~90 files over six such connections, and the
    websocket's messages wait the same way.
    """
    fds = listening_sockets()
    for fd in fds:
        try:
            no_delay(fd)
        except OSError as err:
            logging.getLogger(__name__).warning("TCP_NODELAY not set on fd %s: %s", fd, err)
    return len(fds)


def metadata_head(dist) -> str | None:
    """The headers of a distribution's metadata, as text (no parsing); None without any."""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
    if text is None:
        return None
    return text.replace("\r\n", "\n").split("\n\n", 1)[0]


def might_be_component(dist) -> bool:
    """False only when Streamlit's filter (manifest_scanner._is_likely_streamlit_component_
    package) cannot pass the distribution: none of its headers says "streamlit" (its name,
    summary and Requires-Dist are headers) and its name does not start with st- or st_."""
    head = metadata_head(dist)
    if head is None:
        return True  # no metadata to read here: Streamlit's own check decides
    head = head.lower()
    if "streamlit" in head:
        return True
    names = [line[5:].strip() for line in head.split("\n") if line.startswith("name:")]
    return not names or names[0].startswith(("st-", "st_"))


def quick_component_scan() -> bool:
    """Streamlit's start reads every installed distribution's metadata for components
    (components/v2/manifest_scanner.py), parsing each METADATA whole with the email parser,
    long descriptions included, to look at three of its headers: 0.12-0.19 s here, for 91
    distributions of which none has a component, before the server answers its first
    request. This puts might_be_component, which reads the headers as text, in front of its
    filter: what it rules out could not pass, the rest goes through Streamlit's own check.

    Installed from app.py, before Streamlit builds its runtime; returns whether it could
    be (if Streamlit's module changed, its start is only as slow as before).
    """
    try:
        from streamlit.components.v2 import manifest_scanner as scanner

        check = scanner._is_likely_streamlit_component_package
    except (ImportError, AttributeError):
        return False
    if getattr(check, "quick", False):
        return True

    def likely(dist) -> bool:
        return might_be_component(dist) and check(dist)

    likely.quick, likely.streamlits = True, check
    scanner._is_likely_streamlit_component_package = likely
    return True


def welcome() -> list[str]:
    """Where to open the app, as Streamlit's own welcome says it, without its "External
    URL" (config.toml hides that welcome: logger.hideWelcomeMessage).

    Streamlit's, when headless (no display: a server, a container, CI), first imports
    requests and asks checkip.amazonaws.com for this machine's public address, twice with a
    1 s timeout, before its server answers anything: here the lookups fail at once (no
    route), but behind a proxy that never answers the server was healthy after 2.65 s
    instead of 0.70 s, and every start warned "Did not auto detect external IP". That
    address is seldom one a browser can reach; the one to set for it is
    browser.serverAddress, which this shows. (st.App refuses unix sockets: no such case.)
    """
    from streamlit.net_util import get_internal_ip
    from streamlit.web.server.server_util import get_url

    address = st_config.get_option("server.address")
    if st_config.is_manually_set("browser.serverAddress"):
        urls = [("URL", get_url(st_config.get_option("browser.serverAddress")))]
    elif st_config.is_manually_set("server.address") and address not in ("0.0.0.0", "::"):
        urls = [("URL", get_url(address))]
    else:
        urls = [("Local URL", get_url("localhost"))]
        if internal := get_internal_ip():  # a UDP socket's own address: sends nothing
            urls.append(("Network URL", get_url(internal)))
    lines = ["", "  Latent Explorer is ready: open it in your browser.", ""]
    return lines + [f"  {name}: {url}" for name, url in urls] + [""]


@asynccontextmanager
async def lifespan(_app):
    send_at_once()
    if st_config.get_option("logger.hideWelcomeMessage"):
        print("\n".join(welcome()), flush=True)
    VISITS.last = time.monotonic()  # quiet since the server started
    threading.Thread(target=warm_page, args=(VISITS,), name="warm-page", daemon=True).start()
    when_quiet(warm_later, "warm-later", hold=LATER_QUIET)
    yield
