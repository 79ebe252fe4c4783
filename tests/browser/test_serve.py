"""scripts/serve.sh: replicas behind nginx, driven by real browsers through the proxy.

One deployment (2 replicas) for the module: four sessions at once through its port,
a replica killed with SIGKILL under two of them, and SIGTERM to the script at the end.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import ARTIFACTS, IDLE, PAGE_BUILT, READY, ROOT, free_port, model_folder

pytestmark = pytest.mark.browser


def descendants(pid: int) -> set[int]:
    """Every process below pid (from /proc: children of children, and so on)."""
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def served_by(url: str, cookie: str | None = None) -> str:
    request = urllib.request.Request(f"{url}/_stcore/health")
    if cookie:
        request.add_header("Cookie", f"lx_replica={cookie}")
    with urllib.request.urlopen(request, timeout=5) as r:
        return r.headers["X-Served-By"].split(",")[-1].strip().rsplit(":", 1)[1]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    port = free_port()
    run = tmp_path_factory.mktemp("serve")
    with open(ARTIFACTS / "serve.log", "wb") as log:
        yield from _deploy(run, port, log)


SERVED = ("mnist-vae-2d.pt", "mnist-vae-2d-beta4.pt")


def checkpoints_of_its_own(folder: Path) -> Path:
    """The deployment's own checkpoints folder (a training run here must not show up in
    the other browser tests' server), with the two models the tests open, hard-linked."""
    folder.mkdir()
    for name in SERVED:
        os.link(model_folder() / name, folder / name)
    return folder


def _deploy(run, port, log):
    models = checkpoints_of_its_own(run / "checkpoints")
    env = dict(os.environ)
    env.pop("LATENT_EXPLORER_STATIC", None)  # the unit tests' temp folder: use ./static
    proc = subprocess.Popen(
        ["bash", "scripts/serve.sh", "--replicas", "2", "--port", str(port),
         "--run-dir", str(run), "--checkpoints", str(models)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"serve.sh exited with {proc.returncode}; see serve.log"
        if port_open(port):
            break
        time.sleep(0.2)
    else:
        raise TimeoutError("serve.sh did not open its port")
    replicas = sorted(int(p.name.split("-")[1].split(".")[0]) for p in run.glob("replica-*.pid"))
    yield {"url": url, "port": port, "proc": proc, "run": run, "replicas": replicas}
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)  # the SIGTERM test did not run or failed


def replica_names(url: str, ports: list[int]) -> dict[str, str]:
    """Port -> the cookie value nginx gives that replica. Waits while a replica is down or
    marked down (a restarted one is skipped for fail_timeout, 5 s), so each name answers
    from its own replica."""
    deadline = time.monotonic() + 90
    while True:
        names = {served_by(url, name): name for name in ("r0", "r1")}
        if sorted(names) == sorted(str(p) for p in ports):
            return names
        assert time.monotonic() < deadline, f"replicas never both answered: {names}"
        time.sleep(1)


def replica_pid(deployment, port: int) -> int:
    return int((deployment["run"] / f"replica-{port}.pid").read_text())


def open_session(browser, deployment, cookie: str):
    """A browser context whose cookie sends it to one replica, with the map drawn."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_cookies([{"name": "lx_replica", "value": cookie, "url": deployment["url"]}])
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return context, page


def wait_ready(page) -> None:
    try:
        page.wait_for_selector(READY, timeout=120_000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "serve-not-ready.png"))
        raise
    page.wait_for_selector(PAGE_BUILT, timeout=90_000)
    page.wait_for_selector(IDLE, state="attached", timeout=90_000)


def click_corner(page) -> list[float]:
    """Pin a point of empty space; returns its z once Python wrote it into the link."""
    page.locator(".lx-root .lx-plot").evaluate("el => el.scrollIntoView({block: 'center'})")
    at = page.evaluate(
        "() => { const v = latentExplorer.snapshot().view;"
        " return latentExplorer.clientPoint([v.x[0] + 0.1 * (v.x[1] - v.x[0]),"
        " v.y[1] - 0.1 * (v.y[1] - v.y[0])]); }"
    )
    page.mouse.click(at["x"], at["y"])
    z = page.evaluate("latentExplorer.snapshot().pin.z")
    wait_link_x(page, z[0])
    return z


def wait_link_x(page, x: float) -> None:
    """Until the address bar's x is this one (Python heard of the click and wrote the link)."""
    page.wait_for_function(
        "(x) => { const v = new URLSearchParams(location.search).get('x');"
        " return v !== null && Math.abs(parseFloat(v) - x) < 1e-3; }",
        arg=x,
        timeout=30_000,
    )


def query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_four_sessions_through_the_proxy_and_a_replica_killed(browser, deployment):
    url, (first, second) = deployment["url"], deployment["replicas"]
    names = replica_names(url, [first, second])  # each replica's own cookie value
    # Two sessions on each replica; the ones on the first open a linked, non-default view
    # (another model), so that what comes back after the kill can only come from the link.
    sessions = []
    for port, model in ((first, "mnist-vae-2d-beta4.pt"),) * 2 + ((second, None),) * 2:
        context, page = open_session(browser, deployment, names[str(port)])
        page.goto(f"{url}/?model={model}" if model else url)
        sessions.append({"port": port, "context": context, "page": page, "model": model})
    for s in sessions:
        wait_ready(s["page"])
        assert s["page"].evaluate("latentExplorer.snapshot().n") == 10_000
        s["z"] = click_corner(s["page"])
        s["page"].wait_for_selector(IDLE, state="attached")
        s["page"].evaluate("window.__lxNotReloaded = true")
    assert {served_by(url, names[str(p)]) for p in (first, second)} == {str(first), str(second)}

    os.kill(replica_pid(deployment, first), signal.SIGKILL)

    for s in sessions:
        page = s["page"]
        if s["port"] == first:
            # The page reconnects through nginx to the live replica; that replica has never
            # seen this session, so the view (model, point) must come back from the link.
            cookie = names[str(second)]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                jar = {c["name"]: c["value"] for c in s["context"].cookies()}
                if jar.get("lx_replica") == cookie:
                    break  # nginx moved this browser to the live replica
                page.wait_for_timeout(200)
            else:
                raise AssertionError("the page never reconnected to the live replica")
            wait_ready(page)
            page.wait_for_timeout(1000)  # the new session's first run has rewritten the link
            page.wait_for_selector(IDLE, state="attached")
            assert query(page)["model"] == s["model"]
            assert float(query(page)["x"]) == pytest.approx(s["z"][0], abs=2e-3)
        else:
            assert page.evaluate("window.__lxNotReloaded === true")
        # every session still works: a new click reaches a live server and the link follows
        page.wait_for_selector(IDLE, state="attached")
        page.locator(".lx-root .lx-plot").evaluate("el => el.scrollIntoView({block: 'end'})")
        box = page.locator(".lx-root .lx-plot").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.2)
        z = page.evaluate("latentExplorer.snapshot().pin.z")
        wait_link_x(page, z[0])
        page.wait_for_selector(IDLE, state="attached")
        # the session's model is the linked one (a session rebuilt without the link would
        # have written the default model into the address bar by now)
        assert query(page).get("model") == (s["model"] or "mnist-vae-2d.pt")
        page.screenshot(path=str(ARTIFACTS / f"serve-after-kill-{s['port']}.png"))
    for s in sessions:
        if s["port"] == second:
            assert not s["page"].errors, s["page"].errors
        s["context"].close()
    # the script restarted the killed replica
    deadline = time.monotonic() + 60
    while not port_open(first) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert port_open(first)


def test_one_training_run_for_the_deployment_seen_from_every_replica(browser, deployment):
    url, (first, second) = deployment["url"], deployment["replicas"]
    names = replica_names(url, [first, second])
    sessions = []
    for port in (first, second):
        context, page = open_session(browser, deployment, names[str(port)])
        page.goto(url)
        wait_ready(page)
        sessions.append(page)
    starter, watcher = sessions
    starter.get_by_text("Train a new model").click()
    epochs = starter.locator(".st-key-train_epochs input")
    epochs.fill("30")
    epochs.press("Enter")
    starter.wait_for_selector(IDLE, state="attached")
    starter.locator(".st-key-train_start button").click()
    running = re.compile(r"Training .*: epoch \d+/30")
    starter.get_by_text(running).wait_for(timeout=120_000)
    try:
        # the other replica's session: sees the run, with its live map, and cannot stop it
        # or start a second one
        watcher.reload()
        wait_ready(watcher)
        progress = watcher.get_by_text(running)
        progress.wait_for(timeout=60_000)
        assert "(started in another session)" in progress.inner_text()
        assert watcher.locator(".st-key-train_stop").count() == 0
        assert watcher.locator(".st-key-train_start button").is_disabled()
        watcher.get_by_role("tab", name="Watch it learn").click()
        watcher.locator(".st-key-replay_live").wait_for(timeout=120_000)
        watcher.screenshot(path=str(ARTIFACTS / "serve-training-seen-from-another-replica.png"))
        assert {c["value"] for c in watcher.context.cookies() if c["name"] == "lx_replica"} == {
            names[str(second)]
        }  # it really is on the other replica
    finally:
        starter.locator(".st-key-train_stop button").click()
    starter.get_by_text("Stopped early; saved: ").wait_for(timeout=600_000)
    watcher.get_by_text("New on this server: ").wait_for(timeout=60_000)
    assert watcher.get_by_text("Stopped early").count() == 0
    for page in sessions:
        assert not page.errors, page.errors
        page.context.close()


def test_sigterm_stops_nginx_and_every_replica_and_nothing_else(deployment):
    proc = deployment["proc"]
    bystander = subprocess.Popen(["sleep", "60"])  # not the script's: must survive
    try:
        children = descendants(proc.pid)
        assert len(children) >= 3  # nginx and two replicas at least
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 143
        time.sleep(0.5)
        assert not [pid for pid in children if alive(pid)]
        assert not port_open(deployment["port"])
        for port in deployment["replicas"]:
            assert not port_open(port)
        assert bystander.poll() is None
    finally:
        bystander.kill()
