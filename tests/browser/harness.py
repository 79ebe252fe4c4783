"""Run the real app and drive it in headless Chromium: the browser tests' harness
(tests/browser/conftest.py), which the benchmarks (bench/ui_latency.py, bench/load.py)
import from here too, as bench/uploads.py imports tests/photo_uploads.py: the tests own
it, so they never import from bench/.

What a user waits for is measured to the page *settled*: no script running
(`[data-test-script-state="notRunning"]`) and no DOM change for SETTLE_MS. The server's
own CPU (utime + stime from /proc/PID/stat) is read beside it, since the browsers share
the machine's cores and their load says nothing about the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
READY = '.lx-root[data-ready="1"]'
IDLE = '[data-test-script-state="notRunning"]'
PAGE_BUILT = '[data-testid="stTabs"]'
SETTLE_MS = 400

# Installed in a page before it loads: counts DOM mutations, so "settled" can be told.
WATCH_DOM = """
(() => {
  window.__lxMutations = 0;
  window.__lxLastMutation = performance.now();
  const start = () => new MutationObserver(() => {
    window.__lxMutations++;
    window.__lxLastMutation = performance.now();
  }).observe(document.documentElement, {subtree: true, childList: true, attributes: true,
                                         characterData: true});
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
})();
"""
# Resolves (in ms since `t0`, the page's clock) once the script is idle and the DOM has not
# changed for SETTLE_MS.
SETTLED = """
([t0, quiet]) => new Promise(resolve => {
  function check() {
    const idle = document.querySelector('[data-test-script-state="notRunning"]');
    const now = performance.now();
    if (idle && now - window.__lxLastMutation >= quiet) {
      resolve(window.__lxLastMutation - t0);
    } else {
      setTimeout(check, 20);
    }
  }
  check();
})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(
    port: int, log, models: Path | None = None, extra: list[str] = (), root: Path = ROOT,
    env_extra: dict | None = None, address: str | None = "127.0.0.1",
) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:port with the shipped config (of the checkout at
    `root`: a benchmark may start another release's, bench/ui_latency.py --against).
    address=None starts it as a user types it, on every interface: Streamlit's start takes
    another way when the address is given (its welcome, views/server.py welcome)."""
    env = dict(os.environ)
    env.pop("LATENT_EXPLORER_STATIC", None)  # the server must serve ./static itself
    if models is not None:
        env["LATENT_EXPLORER_CHECKPOINTS"] = str(models)
    env.update(env_extra or {})
    where = [f"--server.address={address}"] if address else []
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true", *where,
         f"--server.port={port}", "--browser.gatherUsageStats=false", *extra],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not become healthy in {timeout} s")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def launch(playwright, extra: list[str] = ()):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra])


def settle(page, t0: float, quiet_ms: int = SETTLE_MS) -> float:
    """Wait until the page is settled; ms from page time t0 to its last DOM change."""
    return page.evaluate(SETTLED, [t0, quiet_ms])
