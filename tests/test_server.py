"""views/server.py and app.py: the server around the page (no browser; the browser tests
run `streamlit run app.py` itself)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from starlette.applications import Starlette

from views import config, server
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


def test_without_plotly_js_the_index_is_streamlits_own(monkeypatch):
    monkeypatch.setattr(server, "plotly_url", lambda: None)
    assert server.index_html() == (server.STREAMLIT_STATIC / "index.html").read_text("utf-8")


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


def get(app, path: str, headers: dict | None = None, raw: bool = False) -> tuple[int, dict, str]:
    """One GET through an ASGI app (starlette's TestClient needs httpx, not installed)."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asked = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": asked, "root_path": ""}  # fmt: skip
    run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body if raw else body.decode()


def test_the_index_is_served_at_the_root_and_under_a_base_path():
    status, headers, text = get(Starlette(routes=server.routes()), "/")
    assert status == 200
    assert headers["cache-control"] == "no-cache"
    assert text == server.index_html()
    app = Starlette(routes=server.routes("/explorer/"))
    assert get(app, "/explorer/")[2] == server.index_html()
    assert get(app, "/explorer")[2] == server.index_html()
    assert get(app, "/")[0] == 404  # Streamlit's own routes answer the rest


def test_plotly_js_is_gzipped_only_once_the_server_is_quiet(monkeypatch):
    """While the process is busy (a first page being sent and drawn), the 0.07 s of gzip
    waits; once it has been quiet, it is made."""
    monkeypatch.setattr(server, "PLOTLY", server.PlotlyBodies())
    server.PLOTLY.zip_later(quiet=0.5)
    end = time.monotonic() + 1.5
    while time.monotonic() < end:  # a busy server: this thread takes a core
        sum(range(10_000))
    assert server.PLOTLY.gzipped is None
    for _ in range(1000):
        if server.PLOTLY.gzipped is not None:
            break
        time.sleep(0.02)
    assert server.PLOTLY.gzipped is not None  # quiet for 0.5 s: made


def test_plotly_js_is_served_once_read_with_its_compile_hint_and_gzipped_once(monkeypatch):
    import gzip

    monkeypatch.setattr(server, "PLOTLY", server.PlotlyBodies())
    found = config.plotly_file()
    assert found is not None, "setup puts plotly.js in ./static (tests/conftest.py links it)"
    url = plotly_url()
    assert url == f"_lx/plotly/{found.name}"  # relative to the page, as Streamlit's are
    app = Starlette(routes=server.routes())
    status, headers, body = get(app, f"/{url}", raw=True)  # before the gzip is made: plain
    assert status == 200
    assert headers["content-type"].startswith("text/javascript")
    assert "immutable" in headers["cache-control"]
    served, made = server.quicker_plotly(found.read_bytes())
    assert made == [name for name, _ in server.PLOTLY_PATCHES]  # all of them, on the pinned one
    assert body == b"//# allFunctionsCalledOnLoad\n" + served
    for _ in range(1000):  # the first request set the gzip going, once the server is quiet
        if server.PLOTLY.gzipped is not None:
            break
        time.sleep(0.02)
    assert server.PLOTLY.gzipped is not None
    status, headers, zipped = get(app, f"/{url}", {"Accept-Encoding": "gzip, br"}, raw=True)
    assert headers["content-encoding"] == "gzip" and len(zipped) < len(body) / 2
    assert gzip.decompress(zipped) == body
    assert get(app, f"/{url}", raw=True)[2] == body  # a client that takes no gzip
    assert get(app, "/_lx/plotly/other.min.js")[0] == 404
    based = Starlette(routes=server.routes("/explorer/"))
    assert get(based, f"/explorer/{url}", raw=True)[2] == body


# Written by hand in the minified style, with other names than the pinned bundle's, and
# the code around each place as plotly.js 3.7.0 has it.
REGL = (b'var ue=Do(Ne).replace(/;/g,";"),ke;if(B&&(ke=D1(ue),B[ke]))return B[ke].apply(null,_e);'
        b"var Ze=Function.apply(null,he.concat(ue));return B&&(B[ke]=Ze),Ze.apply(null,_e)}")
REGL_2 = REGL.replace(b"B", b"Q").replace(b"ke", b"k2").replace(b"D1", b"sha")
FOCUS = (b'n._glcanvas.each(function(o){if(o.regl){o.regl.preloadCachedCode(a);return}'
         b'if(!(o.pick&&!n._has("parcoords"))){try{o.regl=$9e({canvas:this})}catch(l){i=!1}}})')
SELECT = b"if(T){if(i.select2d||(i.select2d=Qre(n._glcanvas.data()[1].regl)),i.scatter2d){"


def test_plotly_js_keys_regls_code_cache_by_the_code_and_makes_no_focus_context():
    js = b"/* plotly */" + REGL + b";x=1;" + FOCUS + b"...;" + SELECT + REGL_2
    served, made = server.quicker_plotly(js)
    assert made == ["regl's code cache keyed by the code itself",
                    "no focus WebGL context without parcoords"]  # fmt: skip
    # both regl copies: the key is the generated source itself, not its SHA-256
    assert b"if(B&&(ke=ue,B[ke]))return B[ke].apply(null,_e);" in served
    assert b"if(Q&&(k2=ue,Q[k2]))return Q[k2].apply(null,_e);" in served
    assert b"D1(" not in served and b"sha(" not in served
    # the focus layer gets no context of its own unless there is parcoords, and a
    # selection draws on the main layer then
    assert b'if(!((o.pick||o.key==="focusLayer")&&!n._has("parcoords"))){try{' in served
    assert b"Qre(n._glcanvas.data()[1].regl||n._glcanvas.data()[0].regl)" in served
    # nothing else moved
    assert served.replace(b"ke=ue,", b"ke=D1(ue),").replace(b"k2=ue,", b"k2=sha(ue),").replace(
        b'(o.pick||o.key==="focusLayer")', b"o.pick").replace(
        b"n._glcanvas.data()[1].regl||n._glcanvas.data()[0].regl", b"n._glcanvas.data()[1].regl"
    ) == js  # fmt: skip


# plotly.js's four probes that made an error while it loaded, in the same style (other
# names), each in a strict-mode module as the bundle has them; ANSWERS prints what each
# answered, to compare before and after the change in a real engine (node).
PROBES = (
    b'var zq=N((a,Kq)=>{"use strict";var Q5=TypeError,Rq=Object.getOwnPropertyDescriptor,'
    b'Th=function(){throw new Q5},Xb=Rq?(function(){try{return arguments.callee,Th}catch(a){'
    b'try{return Rq(arguments,"callee").get}catch(b){return Th}}})():Th,Zi=Object.getPrototy'
    b'peOf,m2={};if(Zi)try{null.error}catch(q){Jw=Zi(Zi(q)),m2["%Error.prototype%"]=Jw}var J'
    b'w;Kq.exports={thrower:Xb,own:Th,errorProto:m2["%Error.prototype%"]}});'
    b'var yq=N((a,Gq)=>{"use strict";var _k=Function.prototype.toString,Lp=typeof Reflect=="'
    b'object"&&Reflect!==null&&Reflect.apply,b9,Zx;if(typeof Lp=="function"&&typeof Object.de'
    b'fineProperty=="function")try{b9=Object.defineProperty({},"length",{get:function(){throw'
    b' Zx}}),Zx={},Lp(function(){throw 42},null,b9)}catch(e){e!==Zx&&(Lp=null)}else Lp=null;'
    b'var Rb=/^\\s*class\\b/,Cb=function(r){try{var t=_k.call(r);return Rb.test(t)}catch(a){r'
    b'eturn!1}},Db=function(r){try{return Cb(r)?!1:(_k.call(r),!0)}catch(t){return!1}},Qx=Ob'
    b'ject.prototype.toString,Sy=typeof Symbol=="function"&&!!Symbol.toStringTag;Gq.exports=L'
    b'p?function(r){if(!r||typeof r!="function"&&typeof r!="object")return!1;try{Lp(r,null,b9'
    b')}catch(t){if(t!==Zx)return!1}return!Cb(r)&&Db(r)}:function(r){if(!r||typeof r!="funct'
    b'ion"&&typeof r!="object")return!1;if(Sy)return Db(r);if(Cb(r))return!1;var t=Qx.call(r'
    b');return t!=="[object Function]"&&t!=="[object GeneratorFunction]"?!1:Db(r)}});'
    b'var xq=N((a,Hq)=>{"use strict";var V7=function(){if(!Object.assign||!Object.preventExt'
    b'ensions)return!1;var q=Object.preventExtensions({1:2});try{Object.assign(q,"xy")}catch'
    b'(z){return q[1]==="y"}return!1};Hq.exports=V7});'
)
ANSWERS = """
const N = (f) => { let m; return () => m || (f({}, m = {exports: {}}), m).exports; };
let made = 0;
for (const name of ["Error", "TypeError"]) {
  const E = globalThis[name];
  globalThis[name] = new Proxy(E, {
    construct(t, a, n) { made++; return Reflect.construct(t, a, n); } });
}
const probes = () => { %s; return [zq(), yq(), xq()]; };
const [intrinsics, isCallable, assignBug] = probes();
const strict = (function () { "use strict"; return arguments; })();
class A {}
const values = [function () {}, () => 1, async function () {}, function* () {}, A, {}, [],
  null, 1, "f", Math.max, Proxy, new Proxy(function () {}, {})];
console.log(JSON.stringify({
  thrower: intrinsics.thrower === Object.getOwnPropertyDescriptor(strict, "callee").get,
  own: intrinsics.thrower === intrinsics.own,
  errorProto: intrinsics.errorProto === Error.prototype,
  callable: values.map((v) => isCallable(v)),
  assignBug: assignBug(),
  made,
}));
"""


def run_probes(js: bytes) -> dict:
    done = subprocess.run(["node", "-e", ANSWERS % js.decode()], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_plotly_js_makes_no_error_while_it_loads_and_its_probes_answer_as_before():
    served, made = server.quicker_plotly(PROBES)
    assert made == ["no error made while plotly.js loads"]
    for gone in (b"arguments.callee", b"null.error", b"preventExtensions({1:2})"):
        assert gone in PROBES and gone not in served
    before, after = run_probes(PROBES), run_probes(served)
    assert after.pop("made") == 0  # no Error made by the code itself either
    before.pop("made")
    assert after == before  # the same answers, in an engine that ran both
    assert after == {"thrower": True, "own": False, "errorProto": True, "assignBug": False,
                     "callable": [True] * 4 + [False] * 6 + [True] * 3}  # fmt: skip


def test_plotly_js_is_served_as_it_comes_where_a_change_does_not_fit():
    assert server.quicker_plotly(b"var a=1;") == (b"var a=1;", [])
    # the focus layer's two places go together: without the second, a selection would find
    # no layer to draw on, so the first is left as it is too
    js = REGL + FOCUS
    assert server.quicker_plotly(js) == (
        js.replace(b"ke=D1(ue),", b"ke=ue,"), ["regl's code cache keyed by the code itself"])
    assert server.quicker_plotly(SELECT)[1] == []


def test_without_plotly_js_its_route_says_not_found(monkeypatch):
    monkeypatch.setattr(server, "PLOTLY", server.PlotlyBodies())
    monkeypatch.setattr(server, "plotly_file", lambda: None)
    assert get(Starlette(routes=server.routes()), "/_lx/plotly/plotly-gl2d-3.7.0.min.js")[0] == 404
    server.PLOTLY.compress()  # nothing to do, and no error


def test_streamlit_run_finds_the_app_and_its_page():
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app
    assert found.import_string.endswith("app:app")
    source = (ROOT / "app.py").read_text()
    assert re.search(r'st\.App\(\s*"page\.py"', source)
    assert (ROOT / "page.py").is_file()


def in_a_process(code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`code` run by this Python in a process of its own, in the repository: what it
    imports at start is its own."""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def test_the_warm_up_builds_what_the_first_page_run_uses_without_torch(tmp_path):
    # In a process of its own: torch must stay out (the first page never needs it, and
    # importing it holds the interpreter while the first page is sent).
    code = (
        "import sys\n"
        "from views import server, loaders\n"
        "names = server.warm_page()\n"
        "assert {'views.digit', 'views.map', 'vae.bundle'} <= set(names)\n"
        "assert len(names) == len(set(names)), names\n"
        "assert all(n in sys.modules for n in names)\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "print(loaders.early_loads()[:40])\n"
    )
    env = {**os.environ, "LATENT_EXPLORER_STATIC": str(tmp_path)}
    done = in_a_process(code, env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith('<span class="lx-early">')


def test_reading_which_modules_the_page_imports_imports_none_of_them():
    # Asking find_spec whether `from vae.bundle import MapBundle` names a module imported
    # vae.bundle (and numpy) at once, before the warm-up's first wait for a quiet moment.
    code = (
        "import sys\n"
        "from views import server\n"
        "before = set(sys.modules)\n"
        "found = dict(server.page_imports())\n"
        "print(sorted(set(sys.modules) - before))\n"
        "assert 'numpy' not in sys.modules and 'vae.bundle' not in sys.modules\n"
        "assert found['vae.bundle'] == ('MapBundle',), found\n"
        "assert {'digit', 'lesson', 'sidebar'} <= set(found['views']), found\n"
        "assert found['views.i18n'] == ('t',) and 'streamlit' in found\n"
    )
    done = in_a_process(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"  # not one module more


def test_submodules_are_told_from_names_once_their_package_is_in():
    import views  # noqa: F401  (in already: this module imports views.server)

    assert server.submodules("views", ("map", "t", "sidebar")) == ["views.map", "views.sidebar"]
    assert server.submodules("views.i18n", ("t",)) == []  # a module, not a package
    assert server.submodules("not_imported_here", ("x",)) == []


def test_the_first_element_check_is_marked_made_without_reading_the_stack(monkeypatch):
    import inspect

    from streamlit import delta_generator, runtime

    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)
    server.first_element_check()  # no runtime (a test): nothing marked, since it would warn
    assert delta_generator._use_warning_has_been_displayed is False
    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setattr(inspect, "stack", lambda *a: pytest.fail("read the whole stack"))
    server.first_element_check()
    assert delta_generator._use_warning_has_been_displayed is True
    delta_generator._maybe_print_use_warning()  # Streamlit's own, at the first element: done


def test_the_page_icon_is_taken_without_streamlits_emoji_catalogue():
    # In a process of its own: the icon as Streamlit turns it into the page's favicon.
    code = (
        "import sys\n"
        "from streamlit.commands.page_config import _get_favicon_string\n"
        "from views.config import FAVICON\n"
        "icon = _get_favicon_string(FAVICON)\n"
        "assert icon.startswith('data:image/svg+xml;base64,'), icon[:60]\n"
        "assert 'streamlit.emojis' not in sys.modules\n"
    )
    done = in_a_process(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "FAVICON" in (ROOT / "page.py").read_text()


def test_the_lifespan_starts_the_warm_up_without_waiting_for_it(monkeypatch):
    started = []
    monkeypatch.setattr(server, "warm_page", lambda visits=None: started.append(visits))
    monkeypatch.setattr(server, "when_quiet", lambda work, name, hold: started.append(
        (work, name, hold)))  # fmt: skip

    async def enter_and_leave():
        async with server.lifespan(None):
            pass

    run(enter_and_leave())
    for _ in range(100):  # the thread's, soon after
        if server.VISITS in started:
            break
        time.sleep(0.02)
    assert server.VISITS in started  # it waits for a gap in the page's requests
    # what only later pages need: once the server is quiet, after the torch warm-up
    assert (server.warm_later, "warm-later", server.LATER_QUIET) in started


def test_what_only_later_pages_need_is_built_later(monkeypatch):
    imported = []
    monkeypatch.setattr(server.importlib, "import_module", imported.append)
    assert server.warm_later() == ["streamlit.emojis"]
    assert imported == ["streamlit.emojis"]
    assert server.LATER_QUIET > 1.0  # after the torch warm-up's (views/map.py warm_torch)


def test_work_waits_for_quiet_in_a_thread_and_its_error_is_logged(monkeypatch, caplog):
    order = []
    monkeypatch.setattr(server, "wait_quiet", lambda **wait: order.append(wait))
    done = threading.Event()

    def work():
        order.append("work")
        done.set()
        raise RuntimeError("no torch here")

    server.when_quiet(work, "warm-test", hold=2.0)
    assert done.wait(5)
    time.sleep(0.1)  # the thread logs after work returns
    assert order == [{"hold": 2.0, "share": 0.2, "most": 15.0}, "work"]
    assert "warm-test failed: no torch here" in caplog.text


def test_quiet_waits_for_a_free_core_as_well_as_a_quiet_server(monkeypatch):
    idle = [0.0]

    def busy_machine():  # no core idle: another program, or a browser here still drawing
        return idle[0]

    monkeypatch.setattr(server, "idle_seconds", busy_machine)
    start = time.monotonic()
    server.wait_quiet(hold=0.5, most=1.5)
    assert time.monotonic() - start >= 1.4  # never quiet: waited for `most`

    def free_machine():  # a whole core idle all along
        idle[0] += 1.0
        return idle[0]

    monkeypatch.setattr(server, "idle_seconds", free_machine)
    start = time.monotonic()
    server.wait_quiet(hold=0.5, most=5)
    assert time.monotonic() - start < 1.5  # quiet after `hold`
    monkeypatch.setattr(server, "idle_seconds", lambda: None)  # no /proc/stat: the server's own
    start = time.monotonic()
    server.wait_quiet(hold=0.5, most=5)
    assert time.monotonic() - start < 1.5


def test_the_machines_idle_time_is_read_where_linux_has_it():
    if not Path("/proc/stat").exists():
        assert server.idle_seconds() is None
        return
    first = server.idle_seconds()
    time.sleep(0.2)
    assert first is not None and first > 0 and server.idle_seconds() >= first


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_first_page_run_needs_no_emoji_catalogue(lang):
    # In a process of its own (AppTest runs page.py as the server's first run would): the
    # catalogue's import is 0.06-0.1 s of the first visitor's wait; a server builds it later.
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('page.py', default_timeout=120)\n"
        f"at.query_params['lang'] = '{lang}'\n"
        "at.run()\n"
        "assert not at.exception, [e.value for e in at.exception]\n"
        "assert at.tabs, 'the whole first page was run'\n"
        "assert 'streamlit.emojis' not in sys.modules, 'imported the emoji catalogue'\n"
    )
    done = in_a_process(code)
    assert done.returncode == 0, done.stderr[-2000:]


def test_visits_tell_a_page_coming_up_from_a_health_probe():
    visits = server.Visits()
    visits.last = 0.0
    visits.saw("http", "/_stcore/health")  # a probe, not a page
    assert visits.last == 0.0 and not visits.page_up.is_set()
    visits.saw("http", "/static/js/index.DormvYxC.js")  # a page's script
    assert visits.last > 0 and not visits.page_up.is_set()
    visits.saw("http", "/explorer/_stcore/host-config")  # its code ran (under a base path)
    assert visits.page_up.is_set()
    other = server.Visits()
    other.saw("websocket", "/_stcore/stream")
    assert other.page_up.is_set()


def burst(visits, seconds: float, path: str = "/static/js/chunk.js") -> threading.Thread:
    """A browser fetching a page's scripts: a request every 10 ms for `seconds`."""

    def fetch():
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            visits.saw("http", path)
            time.sleep(0.01)

    thread = threading.Thread(target=fetch)
    thread.start()
    return thread


def record_warm_up(monkeypatch) -> list[float]:
    """warm_page's steps, timed, without importing anything."""
    times = []
    monkeypatch.setattr(server, "page_imports", lambda: [("one", ()), ("two", ())])
    monkeypatch.setattr(server, "first_element_check", lambda: None)
    monkeypatch.setattr(server.importlib, "import_module", lambda name: times.append(
        time.monotonic()))  # fmt: skip
    from views import loaders

    for name in ("early_loads", "map_component", "marker_component", "draw_component"):
        monkeypatch.setattr(loaders, name, lambda: None)
    return times


def test_the_warm_up_waits_while_a_page_fetches_its_scripts(monkeypatch):
    times = record_warm_up(monkeypatch)
    visits = server.Visits()
    fetching = burst(visits, 0.4)
    start = time.monotonic()
    server.warm_page(visits)
    fetching.join()
    assert len(times) == 2
    # nothing while the requests came, and it started after the last had been quiet a while
    assert times[0] - start >= 0.4 + server.WARM_QUIET - 0.05


def test_the_warm_up_goes_at_once_when_a_page_is_up_or_nobody_comes(monkeypatch):
    times = record_warm_up(monkeypatch)
    visits = server.Visits()
    visits.saw("http", "/_stcore/host-config")  # the page's code ran: its first run is next
    fetching = burst(visits, 0.5)  # its widgets' chunks: the run needs the imports now
    start = time.monotonic()
    server.warm_page(visits)
    fetching.join()
    assert times[0] - start < 0.1
    # nobody: after WARM_QUIET without a request (the one who comes later finds it done)
    times.clear()
    visits = server.Visits()
    start = time.monotonic()
    server.warm_page(visits)
    assert server.WARM_QUIET - 0.02 <= times[0] - start < server.WARM_QUIET + 0.3


def test_the_warm_up_waits_no_longer_than_its_limit(monkeypatch):
    times = record_warm_up(monkeypatch)
    monkeypatch.setattr(server, "WARM_MOST", 0.3)
    visits = server.Visits()
    fetching = burst(visits, 1.5)  # a page that never stops asking
    start = time.monotonic()
    server.warm_page(visits)
    assert len(times) == 2 and times[-1] - start < 1.2  # 0.3 s per wait, three waits
    fetching.join()


def test_app_tells_the_visits_of_every_request_and_serves_streamlits_scripts_from_memory(
    tmp_path,
):
    # app.py's st.App, built as Streamlit builds it, in a process of its own
    code = (
        "import asyncio\n"
        "import app\n"
        "from views import server\n"
        "built = app.app._build_starlette_app()\n"
        "async def get(path):\n"
        "    sent = []\n"
        "    async def receive():\n"
        "        return {'type': 'http.request', 'body': b'', 'more_body': False}\n"
        "    async def send(message):\n"
        "        sent.append(message)\n"
        "    scope = {'type': 'http', 'method': 'GET', 'path': path, 'raw_path': path.encode(),\n"
        "             'query_string': b'', 'headers': [], 'root_path': '', 'scheme': 'http',\n"
        "             'server': ('127.0.0.1', 1), 'client': ('127.0.0.1', 2),\n"
        "             'http_version': '1.1'}\n"
        "    await built(scope, receive, send)\n"
        "    return next(m for m in sent if m['type'] == 'http.response.start')['status']\n"
        "before = server.VISITS.last\n"
        "asyncio.run(get('/_stcore/health'))\n"
        "assert server.VISITS.last == before and not server.VISITS.page_up.is_set()\n"
        "assert asyncio.run(get('/_stcore/host-config')) == 200\n"
        "assert server.VISITS.last > before and server.VISITS.page_up.is_set()\n"
        "import gc\n"  # the middleware Streamlit made from app.py's list (built by now)
        "held = [o for o in gc.get_objects() if isinstance(o, server.StaticBodies)]\n"
        "assert len(held) == 1 and not held[0].bodies, held\n"
        "name = next((server.STREAMLIT_STATIC / 'static' / 'js').glob('index.*.js')).name\n"
        "assert asyncio.run(get('/static/js/' + name)) == 200\n"
        "assert list(held[0].bodies) == ['js/' + name]\n"
        "print('noted')\n"
    )
    env = {**os.environ, "LATENT_EXPLORER_STATIC": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = in_a_process(code, env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("noted")


def test_the_lifespan_turns_nagle_off_before_the_server_answers(monkeypatch):
    calls = []
    monkeypatch.setattr(server, "warm_page", lambda visits=None: None)
    monkeypatch.setattr(server, "send_at_once", lambda: calls.append("no delay"))

    async def enter():
        async with server.lifespan(None):
            calls.append("serving")

    run(enter())
    assert calls == ["no delay", "serving"]


def test_connections_accepted_by_a_listening_socket_like_streamlits_send_at_once():
    import socket

    # as Streamlit binds it (starlette_server._bind_socket): protocol 0, which asyncio does
    # not take for TCP, so it leaves Nagle's algorithm on for every connection
    listener = socket.socket(socket.AF_INET)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        assert listener.fileno() in server.listening_sockets()
        assert server.send_at_once() >= 1
        with socket.create_connection(listener.getsockname()) as client:
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.proto == 0
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
            assert client.fileno() not in server.listening_sockets()  # not a listener
    finally:
        listener.close()


class Dist:
    """A distribution as importlib.metadata gives it, from the text of its METADATA."""

    def __init__(self, text):
        self.text = text

    def read_text(self, name):
        return self.text if name == "METADATA" else None

    @property
    def metadata(self):
        import email

        return email.message_from_string(self.text or "")

    @property
    def name(self):
        return self.metadata["Name"]


def metadata(name, summary="", requires=(), description=""):
    lines = ["Metadata-Version: 2.1", f"Name: {name}", "Version: 1.0"]
    lines += [f"Summary: {summary}"] if summary else []
    lines += [f"Requires-Dist: {r}" for r in requires]
    return "\n".join(lines) + "\n\n" + description


def test_the_quick_scan_keeps_every_package_streamlits_own_filter_keeps():
    from importlib.metadata import distributions

    from streamlit.components.v2 import manifest_scanner as scanner

    own = scanner._is_likely_streamlit_component_package
    own = getattr(own, "streamlits", own)  # its own, if app.py was imported here before
    cases = {
        "streamlit-aggrid": metadata("streamlit-aggrid"),
        "summary": metadata("pretty-tables", summary="Tables for Streamlit apps"),
        "requires": metadata("charts", requires=["numpy", "streamlit>=1.30 ; extra == 'st'"]),
        "st- prefix": metadata("st-annotated-text"),
        "St_ prefix": metadata("St_Cal"),
        "unrelated": metadata("numpy", summary="Arrays"),
        "only its description": metadata("notes", description="Works with streamlit too."),
        "no metadata": None,
    }
    for label, text in cases.items():
        dist = Dist(text)
        quick = server.might_be_component(dist)
        if text is None:
            assert quick, label  # nothing to read: Streamlit's own check decides
            continue
        assert quick or not own(dist), f"{label}: ruled out, but Streamlit's filter keeps it"
    assert not server.might_be_component(Dist(cases["unrelated"]))
    assert not server.might_be_component(Dist(cases["only its description"]))
    # and on this environment's own packages, the same ones
    installed = list(distributions())
    assert [d for d in installed if own(d)] == [
        d for d in installed if server.might_be_component(d) and own(d)
    ]


def test_app_py_installs_the_quick_scan_before_streamlit_builds_its_runtime():
    code = (
        "import runpy\n"
        "from streamlit.components.v2 import manifest_scanner as scanner\n"
        "runpy.run_path('app.py')\n"
        "assert scanner._is_likely_streamlit_component_package.quick\n"
        "from views import server\n"
        "assert server.quick_component_scan()  # twice: still one wrapper\n"
        "assert not hasattr(scanner._is_likely_streamlit_component_package.streamlits, 'quick')\n"
    )
    done = in_a_process(code)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_server_says_where_to_open_it_without_asking_the_internet():
    # A listener stands in for the web: Streamlit's own welcome, when headless, asks
    # checkip.amazonaws.com for this machine's address (through the proxy the environment
    # names) before its server answers; this one must not ask anybody.
    from tests.browser.harness import free_port, wait_healthy

    web = socket.socket()
    web.bind(("127.0.0.1", 0))
    web.listen()
    web.settimeout(0.5)
    proxy = f"http://127.0.0.1:{web.getsockname()[1]}"
    port = free_port()
    env = {**os.environ, "HTTP_PROXY": proxy, "HTTPS_PROXY": proxy, "http_proxy": proxy,
           "https_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}  # fmt: skip
    env.pop("LATENT_EXPLORER_STATIC", None)
    # `streamlit run app.py` as typed: no --server.address (headless, as with no display)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
         f"--server.port={port}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode()
    try:
        asked = web.accept()[0]
        asked.close()
    except TimeoutError:
        asked = None
    finally:
        web.close()
    assert asked is None, "the server asked the web for something at start"
    assert f"Local URL: http://localhost:{port}" in out, out
    assert "External URL" not in out and "Did not auto detect" not in out, out


def test_the_welcome_names_the_address_a_user_gave(monkeypatch):
    own = server.st_config.get_option
    given = {"server.address": "10.1.2.3", "browser.serverAddress": "explorer.example.org"}
    for asked in (["server.address"], ["server.address", "browser.serverAddress"], []):
        monkeypatch.setattr(server.st_config, "is_manually_set", lambda key, a=asked: key in a)
        monkeypatch.setattr(server.st_config, "get_option",
                            lambda key, a=asked: given[key] if key in a else own(key))  # fmt: skip
        port = own("server.port")
        lines = [line.strip() for line in server.welcome() if line.strip()]
        if asked == ["server.address"]:
            assert lines[1:] == [f"URL: http://10.1.2.3:{port}"]
        elif asked:
            assert lines[1:] == [f"URL: http://explorer.example.org:{port}"]
        else:
            assert lines[1] == f"Local URL: http://localhost:{port}"
            assert all("External" not in line for line in lines)


def test_streamlits_static_files_are_answered_from_memory_once_read(tmp_path, monkeypatch):
    root = tmp_path / "static"
    (root / "js").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "js" / "index.Ab12.js").write_bytes(b"export const a = 1;\n")
    (root / "media" / "font.X9.woff2").write_bytes(bytes(range(256)))
    (tmp_path / "secret.txt").write_text("not served")
    (root / "js" / "link.js").symlink_to(tmp_path / "secret.txt")
    monkeypatch.setattr(server.StaticBodies, "ROOT", root)
    passed = []

    async def streamlit(scope, receive, send):  # stands in for Streamlit's own answer
        passed.append((scope["method"], scope["path"]))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = server.StaticBodies(streamlit, base_url="")
    status, headers, body = get(app, "/static/js/index.Ab12.js", raw=True)
    assert (status, body) == (200, b"export const a = 1;\n")
    assert headers["cache-control"] == server.FOREVER  # cached for good, as Streamlit says
    assert "javascript" in headers["content-type"]
    assert int(headers["content-length"]) == len(body)
    (root / "js" / "index.Ab12.js").unlink()  # read once: from memory from then on
    assert get(app, "/static/js/index.Ab12.js", raw=True)[2] == b"export const a = 1;\n"
    assert get(app, "/static/media/font.X9.woff2", raw=True)[2] == bytes(range(256))
    assert passed == []
    # the rest is Streamlit's: other files, names that leave the folder, other paths
    for path in ["/static/js/none.js", "/static/js/../../secret.txt", "/static/js/link.js",
                 "/static/", "/static/js", "/static//js/x.js", "/_stcore/health", "/"]:  # fmt: skip
        assert get(app, path)[0] == 299, path
    assert len(passed) == 8


def test_static_files_under_a_base_path(tmp_path, monkeypatch):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.B1.js").write_text("1")
    monkeypatch.setattr(server.StaticBodies, "ROOT", tmp_path)

    async def streamlit(scope, receive, send):
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = server.StaticBodies(streamlit, base_url="/explorer/")
    status, _, body = get(app, "/explorer/static/js/a.B1.js")
    assert (status, body) == (200, "1")
    assert get(app, "/static/js/a.B1.js")[0] == 299
