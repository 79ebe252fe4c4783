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

test("the arithmetic's slots go into the link and come back; what does not read is an empty slot", async () => {
  const { arithParam, parseArithParam } = await freshLink();
  const slots = { a: { kind: "point", index: 1234, cls: 7, z: [0.1] }, b: { kind: "place", at: [0.5, -1.25], z: [0] },
                  c: { kind: "mean", cls: 3, z: [] } };
  const text = arithParam(slots);
  assert.equal(text, "i1234_0.5,-1.25_m3");
  assert.deepEqual(new URLSearchParams(`arith=${text}`).get("arith"), text); // nothing to escape but the comma
  assert.deepEqual(parseArithParam(text), { a: { kind: "point", index: 1234 }, b: { kind: "place", at: [0.5, -1.25] },
                                            c: { kind: "mean", cls: 3 } });
  assert.equal(arithParam({ a: null, b: null, c: null }), null); // no key
  assert.equal(arithParam({ a: null, b: { kind: "mean", cls: 0 }, c: null }), "_m0_");
  assert.deepEqual(parseArithParam("_m0_"), { a: null, b: { kind: "mean", cls: 0 }, c: null });
  // a place's numbers as the pin's: 5 decimals
  assert.equal(arithParam({ a: { kind: "place", at: [1 / 3, -2e-7] }, b: null, c: null }), "0.33333,0__");
  // typed or pasted wrong: that slot empty, the others kept; never an exception
  const none = { a: null, b: null, c: null };
  for (const bad of [null, undefined, "", "m3", "m3_i4", "m3_i4_m5_m6", 42, {}]) assert.deepEqual(parseArithParam(bad), none, String(bad));
  assert.deepEqual(parseArithParam("mx_i-4_1,2,3"), none);
  assert.deepEqual(parseArithParam("m01_iNaN_Infinity,1"), none);
  assert.deepEqual(parseArithParam("q1_i12345678_1e3,-.5"), { a: null, b: null, c: { kind: "place", at: [1000, -0.5] } });
});
