"""What a user of the explorer waits for, measured in headless Chromium (a script, not a test).

    .venv/bin/python bench/ui_latency.py [--clicks 16] [--runs 1] [--watcher auto]
    .venv/bin/python bench/ui_latency.py --runs 6 --against ../base [--against-pythonpath P]

Prints, with the shipped config (.streamlit/config.toml) and the README's setup done:
- cold start: `streamlit run app.py` (as typed: no --server.address) -> server healthy,
  -> map drawn, -> page complete (every panel there, no script running, no DOM change for
  400 ms), and where the time goes: Streamlit's own page and scripts, the session and first
  script run, the map mounted, plotly.js ready, the points and decoder fetched, the map
  plotted, the extras loaded; and the server's CPU seconds from `streamlit run` to then
  (its own process, /proc: with the cores shared, what it takes the page does not get);
- a click on the map -> the decoded image painted (in the page), and -> the page settled
  (everything a click updates drawn: details, link; no script running, no DOM change for
  400 ms), median and p95, with the server's CPU seconds per click (/proc, its own process);
- the live preview: decoded frames per second while the pointer moves once per frame.
With --against DIR (another checkout, e.g. a `git worktree` of an earlier release, sharing
this one's .venv; --against-pythonpath adds what that release installed and this one does
not), the cold starts alternate between the two (ABBA), each followed by --clicks clicks,
and the means, medians and their ratios are printed: this machine's speed drifts by more
than the differences measured. Either way, the cold starts' mean time in each phase ends
the report (PHASES).

--eager-source-positions starts Chromium with V8's source positions made at compile time
(`--js-flags=--no-enable-lazy-source-positions`). Without it, the debugger that Playwright
attaches makes V8 take a full stack trace of every error made, and the first one inside a
script has V8 parse that whole script again for positions. plotly.js's polyfills made four
while it loaded (178-237 ms under Playwright against 33-40 ms with the flag); the server
now serves it without them (views/server.py PLOTLY_PATCHES), but Streamlit's own scripts
still make a few. A cold start measured with the flag is closer to a visitor's (whose
browser has no debugger); without it, to what another Playwright probe sees.
bench/load.py does the same for many sessions at once.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser.harness import (  # noqa: E402
    IDLE,
    PAGE_BUILT,
    READY,
    ROOT,
    WATCH_DOM,
    cpu_seconds,
    free_port,
    launch,
    settle,
    start_app,
    wait_healthy,
)

MOVE_PER_FRAME = """
seconds => new Promise(resolve => {
  const plot = document.querySelector('.lx-root .lx-plot');
  const r = plot.getBoundingClientRect();
  const start = performance.now(), before = latentExplorer.snapshot().stats.hoverFrames;
  let k = 0;
  function step(now) {
    const t = (now - start) / 1000;
    const x = r.left + r.width * (0.5 + 0.3 * Math.cos(2 * t));
    const y = r.top + r.height * (0.5 + 0.3 * Math.sin(3 * t));
    plot.dispatchEvent(new PointerEvent('pointermove', {clientX: x, clientY: y, bubbles: true}));
    k++;
    if (t < seconds) requestAnimationFrame(step);
    else resolve({frames: latentExplorer.snapshot().stats.hoverFrames - before, seconds: t,
                  moves: k});
  }
  requestAnimationFrame(step);
})
"""
# A point of the map for click k: a test image every other click, else empty space.
TARGET = """
k => { const api = window.latentExplorer, s = api.snapshot(), f = s.view;
       if (k % 2 === 0) { const i = (k * 7919) % s.n; return api.clientPoint(api.point(i)); }
       const u = 0.1 + 0.8 * ((k * 0.618) % 1), v = 0.1 + 0.8 * ((k * 0.382) % 1);
       return api.clientPoint([f.x[0] + u * (f.x[1] - f.x[0]), f.y[0] + v * (f.y[1] - f.y[0])]); }
"""


# Installed before the page loads: when the page's websocket first hears from the server
# (the session is up) and when the first script run's elements arrive (the first message
# over 1 KB), in page time.
WATCH_SOCKET = """
(() => { window.__lxSocket = {}; const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (!this.__lxWatched) {
      this.__lxWatched = true;
      this.addEventListener("message", (e) => {
        const s = window.__lxSocket, size = e.data.byteLength ?? e.data.size ?? 0;
        s.first ??= performance.now();
        if (size > 1024) s.delta ??= performance.now();
      });
    }
    return send.call(this, data);
  };
})()
"""


# A cold start's phases: (name, from step, to step), steps as cold_start names them; "run"
# is `streamlit run`, "opened" the page opened (once the server is healthy).
PHASES = (
    ("streamlit run -> healthy", "run", "healthy"),
    ("opened -> Streamlit's scripts run", "opened", "Streamlit's scripts run"),
    ("-> session up", "Streamlit's scripts run", "session up"),
    ("-> first elements", "session up", "first elements"),
    ("-> map mounted", "first elements", "mounted"),
    ("-> map plotted", "mounted", "plotted"),
    ("-> page settled", "plotted", "settled"),
)


def phase_means(starts: list[dict]) -> dict[str, float]:
    """The mean seconds of each of PHASES over cold starts (cold_start's results)."""

    def at(start: dict, step: str) -> float:
        if step == "run":
            return 0.0
        if step in ("healthy", "opened"):
            return start[step]
        return start["opened"] + (start["steps"][step] or 0) / 1000

    return {
        name: float(np.mean([at(s, b) - at(s, a) for s in starts])) for name, a, b in PHASES
    }


def print_phases(starts: list[dict], label: str = "") -> None:
    means = phase_means(starts)
    print(f"{label}mean of {len(starts)} cold starts, by phase (s): "
          + ", ".join(f"{name} {v:.2f}" for name, v in means.items()))  # fmt: skip


def print_totals(starts: list[dict], label: str = "") -> None:
    for key in ("healthy", "complete", "server_cpu"):
        v = [s[key] for s in starts]
        print(f"{label}{key:10s} mean {np.mean(v):5.2f} s, median {np.median(v):5.2f}, "
              f"{min(v):.2f}-{max(v):.2f}")  # fmt: skip
    under = sum(s["complete"] < 3.0 for s in starts)
    print(f"{label}page complete under 3 s: {under} of {len(starts)}")


def pct(values, q) -> float:
    return float(np.percentile(np.asarray(values, float), q))


def cold_start(
    p, port: int, watcher: str = "none", root: Path = ROOT, env_extra: dict | None = None,
    chromium: list[str] = (),
) -> tuple[subprocess.Popen, object, dict]:
    url = f"http://127.0.0.1:{port}"
    browser = launch(p, chromium)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(WATCH_DOM)
    page.add_init_script(WATCH_SOCKET)
    started = time.perf_counter()
    # as a user types it: no --server.address (Streamlit's start differs with one)
    proc = start_app(port, subprocess.DEVNULL, extra=[f"--server.fileWatcherType={watcher}"],
                     root=root, env_extra=env_extra, address=None)  # fmt: skip
    wait_healthy(url, proc)
    healthy = time.perf_counter() - started
    page.goto(url)
    nav = page.evaluate("performance.timeOrigin") / 1000  # the page's clock, in epoch seconds
    wall = time.time() - (time.perf_counter() - started)  # epoch seconds at `streamlit run`
    page.wait_for_selector(READY, timeout=120_000)
    page.wait_for_selector(PAGE_BUILT, timeout=120_000)
    page.wait_for_selector(IDLE, state="attached", timeout=120_000)
    settled_ms = settle(page, 0)  # the last DOM change, in page time since navigation
    # The server's CPU from `streamlit run` to here (SETTLE_MS after the page settled):
    # with the machine's cores shared, what it takes is what the page does not get.
    server_cpu = cpu_seconds(proc.pid)
    marks = page.evaluate("latentExplorer.snapshot().stats.marks")  # the map's own, in page time
    at = {k: nav + v / 1000 - wall for k, v in marks.items()}  # since `streamlit run`
    timing = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
    socket = page.evaluate("window.__lxSocket")
    steps = {  # the page's own milestones, in page time (ms since it was opened)
        "page's HTML": timing["responseEnd"],
        "Streamlit's scripts run": timing["domContentLoadedEventEnd"],
        "session up": socket.get("first"),
        "first elements": socket.get("delta"),
        **marks,
        "settled": settled_ms,
    }
    return (
        proc,
        browser,
        {
            "page": page,
            "healthy": healthy,
            "drawn": at["plotted"],
            "complete": nav + settled_ms / 1000 - wall,
            "marks": at,
            "opened": nav - wall,  # the page opened, s after `streamlit run`
            "steps": steps,
            "server_cpu": server_cpu,
        },
    )


def wait_server_idle(pid: int, seconds: float = 3.0, share: float = 0.05) -> None:
    """Until the server has used under `share` of a core for `seconds` (the first page's
    background work is over: torch imported, plotly.js gzipped; each waits for the server
    to be quiet for 1-2 s first, views/server.py wait_quiet): clicks then cost what they
    cost. A shorter window could end in the quiet before that work starts."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(seconds)
        if cpu_seconds(pid) - before < share * seconds:
            return


def clicks(page, pid: int, n: int) -> dict:
    page.locator(".lx-root .lx-plot").evaluate("el => el.scrollIntoView({block: 'center'})")
    settle(page, 0)
    settled, cpu = [], []
    for k in range(n):
        at = page.evaluate(TARGET, k)
        before = cpu_seconds(pid)
        t0 = page.evaluate("performance.now()")
        page.mouse.click(at["x"], at["y"])
        settled.append(settle(page, t0))
        cpu.append(cpu_seconds(pid) - before)
    paint = [c["paint"] for c in page.evaluate("latentExplorer.snapshot().stats.clicks")][-n:]
    return {"settled": settled, "cpu": cpu, "paint": paint}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--runs", type=int, default=1, help="cold starts to time")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument(
        "--watcher",
        default="none",
        choices=["none", "auto", "poll", "watchdog"],
        help="Streamlit's file watcher (the shipped config: none; auto is what a developer "
        "gets with --server.fileWatcherType=auto)",
    )
    parser.add_argument("--against", type=Path, help="another checkout: cold starts alternate")
    parser.add_argument("--against-pythonpath", default="", help="PYTHONPATH for --against's")
    parser.add_argument(
        "--eager-source-positions",
        action="store_true",
        help="Chromium with V8's source positions made at compile time: without Playwright's "
        "debugger's cost of reparsing a script at its first error (see above)",
    )
    args = parser.parse_args()
    args.chromium = (
        ["--js-flags=--no-enable-lazy-source-positions"] if args.eager_source_positions else []
    )

    from playwright.sync_api import sync_playwright

    if args.against is not None:
        with sync_playwright() as p:
            return side_by_side(p, args)
    starts = []
    with sync_playwright() as p:
        for run in range(args.runs):
            proc, browser, start = cold_start(p, free_port(), args.watcher, chromium=args.chromium)
            starts.append(start)
            page = start["page"]
            try:
                print(
                    f"cold start {run + 1}: streamlit run -> healthy {start['healthy']:5.2f} s, "
                    f"map drawn {start['drawn']:5.2f} s, page complete {start['complete']:5.2f} s"
                    f", server CPU {start['server_cpu']:.2f} s"
                )
                print(f"  where it goes: server healthy {start['healthy']:.2f} s; page opened "
                      f"at {start['opened']:.2f} s; then, s after opening:")  # fmt: skip
                last = 0.0
                for name, ms in start["steps"].items():
                    if ms is None:
                        continue
                    print(f"    {name:24s} {ms / 1000:5.2f}  (+{(ms - last) / 1000:.2f})")
                    last = ms
                if run < args.runs - 1:
                    continue
                wait_server_idle(proc.pid)
                r = clicks(page, proc.pid, args.clicks)
                print(
                    f"click -> image painted (in page)   median {pct(r['paint'], 50):6.1f} ms"
                    f"   p95 {pct(r['paint'], 95):6.1f} ms   (n={len(r['paint'])})"
                )
                print(
                    f"click -> page settled              median {pct(r['settled'], 50):6.1f} ms"
                    f"   p95 {pct(r['settled'], 95):6.1f} ms"
                )
                print(
                    f"server CPU per click               median "
                    f"{1000 * pct(r['cpu'], 50):6.1f} ms   mean {1000 * np.mean(r['cpu']):6.1f} ms"
                )
                m = page.evaluate(MOVE_PER_FRAME, args.seconds)
                print(
                    f"pointer moves, one per frame       {m['frames'] / m['seconds']:6.1f} "
                    f"decoded frames/s ({m['moves']} moves in {m['seconds']:.1f} s)"
                )
            finally:
                proc.terminate()
                proc.wait(timeout=10)
                browser.close()
    if args.runs > 1:
        print_totals(starts)
    print_phases(starts)
    return 0


def side_by_side(p, args) -> int:
    """Cold starts of this checkout (A) and --against's (B), alternated ABBA."""
    other = args.against.resolve()
    if not (other / "app.py").is_file():
        print(f"--against: no app.py in {other}", file=sys.stderr)
        return 2
    env_b = {"PYTHONPATH": args.against_pythonpath} if args.against_pythonpath else None
    arms = {"A": (ROOT, None), "B": (other, env_b)}
    got = {"A": [], "B": []}
    print(f"A: {ROOT}\nB: {other}" + (f" (PYTHONPATH={args.against_pythonpath})" if env_b else ""))
    # One start of each, not counted: a checkout's first page builds its components' bundles
    # into ./static (setup did that for this one, not for the other): 5 s more, once.
    for root, env in arms.values():
        proc, browser, _ = cold_start(p, free_port(), args.watcher, root, env, args.chromium)
        proc.terminate()
        proc.wait(timeout=10)
        browser.close()
    taps = {"A": {"settled": [], "paint": []}, "B": {"settled": [], "paint": []}}
    for k in range(2 * args.runs):
        arm = "AB"[k % 2] if (k // 2) % 2 == 0 else "BA"[k % 2]
        root, env = arms[arm]
        proc, browser, start = cold_start(p, free_port(), args.watcher, root, env, args.chromium)
        try:
            got[arm].append(start)
            print(f"{arm}: streamlit run -> healthy {start['healthy']:5.2f} s, map drawn "
                  f"{start['drawn']:5.2f} s, page complete {start['complete']:5.2f} s, "
                  f"server CPU {start['server_cpu']:.2f} s")  # fmt: skip
            if args.clicks:
                wait_server_idle(proc.pid)
                r = clicks(start["page"], proc.pid, args.clicks)
                for key in ("settled", "paint"):
                    taps[arm][key] += r[key]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            browser.close()
    for arm in "AB":
        print_totals(got[arm], f"{arm}: ")
    ratio = np.mean([s["complete"] for s in got["B"]]) / np.mean([s["complete"] for s in got["A"]])
    medians = [np.median([s["complete"] for s in got[arm]]) for arm in "AB"]
    print(f"page complete, B / A: {ratio:.2f} (means), {medians[1] / medians[0]:.2f} (medians)")
    if args.clicks:
        for arm in "AB":
            t = taps[arm]
            settled, paint = t["settled"], t["paint"]
            print(f"{arm}: click -> page settled median {pct(settled, 50):5.1f} ms, p95 "
                  f"{pct(settled, 95):5.1f}; -> image painted median {pct(paint, 50):4.1f} ms, "
                  f"p95 {pct(paint, 95):4.1f} (n={len(settled)})")  # fmt: skip
        a, b = (np.median(taps[arm]["settled"]) for arm in "AB")
        print(f"click -> page settled, B / A: {b / a:.2f} (medians)")
    for arm in "AB":
        print_phases(got[arm], f"{arm}: ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
