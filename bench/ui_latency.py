"""How fast the explorer feels, measured in headless Chromium (a script, not a test).

    .venv/bin/python bench/ui_latency.py [--clicks 30] [--seconds 2]

Prints:
- time from `streamlit run` to the latent map drawn in the page (cold server);
- click-to-decoded-image latency: in the page (pointer event to canvas painted, and to
  the next animation frame) and end to end through Playwright (mouse click sent until the
  page reports the new image), median and p90 over --clicks clicks;
- live preview throughput: decoded frames per second while the pointer moves once per
  animation frame (display rate), with real Playwright mouse moves, and the decoder's
  capacity when pointer events arrive back to back.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE,
    READY,
    free_port,
    start_app,
    wait_healthy,
)

MOVE_PER_FRAME = """
seconds => new Promise(resolve => {
  const plot = document.querySelector('.lx-root .lx-plot');
  const r = plot.getBoundingClientRect();
  const start = performance.now(), before = window.__lxStats.hoverFrames;
  let k = 0;
  function step(now) {
    const t = (now - start) / 1000;
    const x = r.left + r.width * (0.5 + 0.35 * Math.cos(2 * t));
    const y = r.top + r.height * (0.5 + 0.35 * Math.sin(3 * t));
    plot.dispatchEvent(new PointerEvent('pointermove', {clientX: x, clientY: y, bubbles: true}));
    k++;
    if (t < seconds) requestAnimationFrame(step);
    else resolve({frames: window.__lxStats.hoverFrames - before, seconds: t, moves: k});
  }
  requestAnimationFrame(step);
})
"""

BURST = """
n => {
  const plot = document.querySelector('.lx-root .lx-plot');
  const r = plot.getBoundingClientRect();
  const before = window.__lxStats.hoverFrames, start = performance.now();
  for (let i = 0; i < n; i++) {
    const x = r.left + r.width * (0.2 + 0.6 * (i / n)), y = r.top + r.height * 0.5;
    plot.dispatchEvent(new PointerEvent('pointermove', {clientX: x, clientY: y, bubbles: true}));
  }
  return {frames: window.__lxStats.hoverFrames - before, ms: performance.now() - start};
}
"""


def pct(values, q) -> float:
    return float(np.percentile(np.asarray(values, float), q))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        started = time.perf_counter()
        proc = start_app(port, subprocess.DEVNULL)
        try:
            wait_healthy(url, proc)
            healthy = time.perf_counter() - started
            page.goto(url)
            page.wait_for_selector(READY, timeout=120_000)
            drawn = time.perf_counter() - started
            page.wait_for_selector(IDLE, state="attached", timeout=120_000)
            print(f"streamlit run -> server healthy       {healthy:6.2f} s")
            print(f"streamlit run -> map drawn in page     {drawn:6.2f} s")
            bundle = page.evaluate("window.__lxMap.data.plotly_url.split('/').pop()")
            print(f"  (plotly.js bundle: {bundle})")

            # -- clicks ------------------------------------------------------------------------
            plot = page.locator(".lx-root .lx-plot")
            plot.evaluate("el => el.scrollIntoView({block: 'center'})")
            box = plot.bounding_box()
            rng = np.random.default_rng(0)
            end_to_end = []
            for _ in range(args.clicks):
                x = box["x"] + box["width"] * rng.uniform(0.1, 0.9)
                y = box["y"] + box["height"] * rng.uniform(0.15, 0.9)
                before = page.evaluate("window.__lxStats.clicks.length")
                t0 = time.perf_counter()
                page.mouse.click(x, y)
                page.wait_for_function(f"window.__lxStats.clicks.length > {before}")
                end_to_end.append((time.perf_counter() - t0) * 1000)
                page.wait_for_selector(IDLE, state="attached")
            rtt = []
            for _ in range(20):
                t0 = time.perf_counter()
                page.mouse.move(box["x"] + 5, box["y"] + 5)
                page.evaluate("1")
                rtt.append((time.perf_counter() - t0) * 1000)
            clicks = page.evaluate("window.__lxStats.clicks")
            paint = [c["paint"] for c in clicks]
            frame = [c["frame"] for c in clicks]
            print(
                f"click -> image painted (in page)       median {pct(paint, 50):6.1f} ms"
                f"   p90 {pct(paint, 90):6.1f} ms   (n={len(paint)})"
            )
            print(
                f"click -> next frame shown (in page)    median {pct(frame, 50):6.1f} ms"
                f"   p90 {pct(frame, 90):6.1f} ms"
            )
            print(
                f"click -> image, end to end (Playwright) median {pct(end_to_end, 50):5.1f} ms"
                f"   p90 {pct(end_to_end, 90):6.1f} ms"
            )
            print(
                f"  (of which Playwright's own round trips, mouse + evaluate: median "
                f"{pct(rtt, 50):.1f} ms)"
            )

            # -- live preview --------------------------------------------------------------------
            r = page.evaluate(MOVE_PER_FRAME, args.seconds)
            print(
                f"pointer moves, one per frame           {r['frames'] / r['seconds']:6.1f} "
                f"decoded frames/s ({r['moves']} moves in {r['seconds']:.1f} s)"
            )
            before = page.evaluate("window.__lxStats.hoverFrames")
            t0 = time.perf_counter()
            k = 0
            while time.perf_counter() - t0 < args.seconds:
                k += 1
                page.mouse.move(
                    box["x"] + box["width"] * (0.2 + 0.6 * ((k % 100) / 100)),
                    box["y"] + box["height"] * 0.5,
                )
            frames = page.evaluate("window.__lxStats.hoverFrames") - before
            rate = frames / (time.perf_counter() - t0)
            print(
                f"Playwright mouse moves                 {rate:6.1f}"
                " decoded frames/s (bounded by Playwright's round trips)"
            )
            b = page.evaluate(BURST, 500)
            print(
                f"decoder capacity (back-to-back moves)  {b['frames'] / b['ms'] * 1000:6.0f}"
                f" frames/s ({b['ms'] / b['frames']:.2f} ms per decode + paint)"
            )
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
