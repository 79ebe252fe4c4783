// The pin and the zoom in the address bar, kept by the page. A click or a pan on a map whose
// decoder the page holds needs nothing from Python, so the map writes the pin (x, y, i) and
// the zoom into the link itself, as vae/share.py's link_query writes them, and Python is
// not rerun: the click costs the server nothing and the page is settled as soon as the
// details are drawn.
//
// Python still writes the rest of the link (model, plane, morph, zoom, language, ...), and
// Streamlit replaces the whole query string when it does, from what Python knows, which is
// not this pin. So the keys the page owns are kept in OWNED and put back into every URL
// that Streamlit pushes or replaces (a wrapper around history.pushState/replaceState,
// installed once per page); a URL that would then equal the current one is not pushed
// again, so the history gains no empty steps.

const OWNED = new Map(); // query key -> its value, or null: the page removed it
export const PIN_KEYS = ["x", "y", "i"];
export const LINK_KEYS = [...PIN_KEYS, "zoom"]; // what a map that owns its link writes

// A latent coordinate as vae/share.py's format_number writes it: 5 decimals, no trailing
// zeros, never "-0".
export function formatNumber(value) {
  const text = Number(value).toFixed(5).replace(/0+$/, "").replace(/\.$/, "");
  return text === "-0" || text === "" ? "0" : text;
}

// The query keys of a pin ({z, index}) or of none.
export function pinParams(pin) {
  if (!pin) return Object.fromEntries(PIN_KEYS.map((key) => [key, null]));
  return {
    x: formatNumber(pin.z[0]),
    y: formatNumber(pin.z[1]),
    i: pin.index >= 0 ? String(pin.index) : null,
  };
}

// The zoom key of a view the user chose ([x0, x1], [y0, y1]), as link_query writes it;
// null (no key) for the fitted view.
export function zoomParam(xr, yr) {
  return xr && yr ? [...xr, ...yr].map(formatNumber).join(",") : null;
}

// `search` (a query string) with the owned keys applied: set, or removed where null.
export function withOwned(search, owned = OWNED) {
  const params = new URLSearchParams(search);
  for (const [key, value] of owned) {
    if (value === null) params.delete(key);
    else params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function merged(url) {
  if (url === undefined || url === null) return url;
  const u = new URL(String(url), window.location.href);
  u.search = withOwned(u.search);
  return u.href;
}

// Two URLs that name the same page and the same keys and values, in any order.
function sameLink(a, b) {
  const [u, v] = [new URL(a), new URL(b)];
  const sorted = (x) => { const p = new URLSearchParams(x.search); p.sort(); return p.toString(); };
  return u.origin === v.origin && u.pathname === v.pathname && u.hash === v.hash && sorted(u) === sorted(v);
}

function install() {
  if (window.__lxLinkKept) return;
  window.__lxLinkKept = true;
  const { pushState, replaceState } = window.history;
  const keep = (original) => function (state, unused, url) {
    const next = merged(url);
    if (next !== undefined && next !== null && original === pushState && sameLink(next, window.location.href)) {
      return undefined; // Streamlit dropped only the page's own keys: nothing changed
    }
    return original.call(this, state, unused, next);
  };
  window.history.pushState = keep(pushState);
  window.history.replaceState = keep(replaceState);
}

// Make the page the owner of these keys ({key: value or null}) and write them now.
export function ownLink(values) {
  install();
  for (const [key, value] of Object.entries(values)) OWNED.set(key, value);
  window.history.replaceState(window.history.state, "", window.location.href);
}

// Give these keys back to Python (another model: its pin is gone, and what Python writes
// next is the link): removed from the URL once, then no longer kept.
export function releaseLink(keys) {
  if (!keys.some((key) => OWNED.has(key))) return;
  ownLink(Object.fromEntries(keys.map((key) => [key, null])));
  for (const key of keys) OWNED.delete(key);
}

// For the test API and the tests: what the page owns now.
export function ownedLink() {
  return Object.fromEntries(OWNED);
}

// The latent arithmetic's slots A, B, C (arith.js) in the link, under the key "arith": each
// slot "m<class>" (a class's mean code), "i<index>" (a test image's code), "<x>,<y>" (a
// place on the plane) or "" (empty), joined by "_"; null (no key) when all three are empty.
export const ARITH_KEY = "arith";
export const ARITH_SLOTS = ["a", "b", "c"];

export function arithParam(slots) {
  const one = (s) => !s ? ""
    : s.kind === "mean" ? `m${s.cls}`
    : s.kind === "point" ? `i${s.index}`
    : `${formatNumber(s.at[0])},${formatNumber(s.at[1])}`;
  const parts = ARITH_SLOTS.map((which) => one(slots[which]));
  return parts.some(Boolean) ? parts.join("_") : null;
}

// arithParam's text read back: {a, b, c}, each {kind: "mean", cls}, {kind: "point", index},
// {kind: "place", at: [x, y]} or null. Links are typed and pasted by people: a part that
// does not read is an empty slot, and nothing throws.
export function parseArithParam(text) {
  const parts = typeof text === "string" ? text.split("_") : [];
  const count = /^(0|[1-9]\d{0,6})$/;
  const number = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
  const one = (part) => {
    if (!part) return null;
    if (part[0] === "m" && count.test(part.slice(1))) return { kind: "mean", cls: Number(part.slice(1)) };
    if (part[0] === "i" && count.test(part.slice(1))) return { kind: "point", index: Number(part.slice(1)) };
    const xy = part.split(",");
    if (xy.length === 2 && xy.every((v) => number.test(v) && Number.isFinite(Number(v)))) {
      return { kind: "place", at: xy.map(Number) };
    }
    return null;
  };
  return Object.fromEntries(ARITH_SLOTS.map((which, k) => [which, parts.length === 3 ? one(parts[k]) : null]));
}
