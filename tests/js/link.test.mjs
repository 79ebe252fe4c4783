// components/latent_map/link.js: the pin the page writes into the link is the one Python
// writes (vae/share.py link_query, in the fixture) and reads back; the page's own keys
// survive Streamlit replacing the query string; a push that changes nothing is dropped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fixtures } from "./fixtures.mjs";

const f = fixtures.link;

// A stand-in window with a history that records its calls and moves location.
function fakeWindow(start) {
  const calls = [];
  const location = { href: start };
  Object.defineProperty(location, "search", { get: () => new URL(location.href).search });
  const move = (kind) => (state, unused, url) => {
    calls.push([kind, url]);
    if (url !== undefined && url !== null) location.href = new URL(url, location.href).href;
  };
  return { calls, location, history: { state: null, pushState: move("push"), replaceState: move("replace") } };
}

// link.js keeps its state per page: a fresh copy of the module per test.
async function freshLink() {
  return import(`../../components/latent_map/link.js?${Math.random()}`);
}

test("a pin's keys are the ones Python writes for it, and Python reads them back", async () => {
  const { pinParams, formatNumber } = await freshLink();
  assert.ok(f.length >= 20);
  for (const c of f) {
    const mine = pinParams({ z: [c.x, c.y], index: c.index ?? -1 });
    const want = { x: c.query.x, y: c.query.y, i: c.query.i ?? null };
    assert.deepEqual(mine, want, `pin (${c.x}, ${c.y}) #${c.index}`);
    assert.ok(Math.abs(Number(mine.x) - c.parsed[0]) < 1e-12 && Math.abs(Number(mine.y) - c.parsed[1]) < 1e-12);
    assert.equal(c.parsed[2], c.index);
  }
  assert.equal(formatNumber(-0.000001), "0");
  assert.deepEqual(pinParams(null), { x: null, y: null, i: null });
});

test("withOwned sets and removes the page's keys and keeps every other key", async () => {
  const { withOwned } = await freshLink();
  const owned = new Map([["x", "1.5"], ["y", "-2"], ["i", null]]);
  const out = new URLSearchParams(withOwned("?model=m.pt&i=7&lang=zh&x=0", owned));
  assert.deepEqual(Object.fromEntries(out), { model: "m.pt", lang: "zh", x: "1.5", y: "-2" });
  assert.equal(withOwned("?i=3", new Map([["i", null]])), "");
});

test("Streamlit's own URL writes keep the page's pin; a push that changes nothing is dropped", async () => {
  const { ownLink, releaseLink, ownedLink } = await freshLink();
  const win = fakeWindow("http://h/app?model=m.pt&x=1&y=1");
  globalThis.window = win;
  try {
    ownLink({ x: "0.5", y: "-0.25", i: "42" });
    assert.equal(win.location.href, "http://h/app?model=m.pt&x=0.5&y=-0.25&i=42");
    // Python (through Streamlit) writes the language, from a query string without the pin
    win.history.pushState({}, "", "/app?model=m.pt&x=1&y=1&lang=zh");
    assert.equal(win.location.href, "http://h/app?model=m.pt&x=0.5&y=-0.25&lang=zh&i=42");
    // ... and again the same: nothing new, so no new step in the history
    const before = win.calls.length;
    win.history.pushState({}, "", "/app?model=m.pt&lang=zh");
    assert.equal(win.calls.length, before);
    // the pin taken away: its keys leave the link
    ownLink({ x: null, y: null, i: null });
    assert.equal(win.location.href, "http://h/app?model=m.pt&lang=zh");
    // another model: the keys go back to Python, whose next pin stays
    ownLink({ x: "3", y: "4", i: null });
    releaseLink(["x", "y", "i"]);
    assert.deepEqual(ownedLink(), {});
    assert.equal(win.location.href, "http://h/app?model=m.pt&lang=zh");
    win.history.pushState({}, "", "/app?model=n.pt&x=9&y=8");
    assert.equal(win.location.href, "http://h/app?model=n.pt&x=9&y=8");
  } finally {
    delete globalThis.window;
  }
});
