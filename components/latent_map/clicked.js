// The clicked point: the click itself (a test image within reach, else the point of the
// plane; pinned on linked maps too; taken back by a double-click's second press), its card
// (decoded, with its coordinates), the pin from Python, and the panel beside the map:
// original, decode(mu), seeded samples of q(z|x) (the PRNG that vae/prng.py mirrors),
// nearest test images in the full latent space, "use as morph A/B", and the walk.

import { normals } from "./core/prng.js";
import { row } from "./core/blobs.js";
import { latentOf, nearestIndex, nearestRows } from "./core/geometry.js";
import { paint, thumbnail, digitCanvas, figure, h } from "./core/dom.js";
import { coordText, hitPoint, toLatent, visibleClasses } from "./plot.js";
import { drawOverlay } from "./overlay.js";
import { peers } from "./sync.js";
import { changeMorph } from "./morph.js";
import { showWalk } from "./walk.js";
import { arithButtons, showArith } from "./arith.js";
import { prompts } from "./template.js";
import { stats } from "./stats.js";
import { t, itemName } from "./core/i18n.js";
import { ownLink, pinParams } from "./link.js";
import { decodeAll } from "./core/decoder.js";

const SAMPLES = 8; // posterior samples shown for a clicked test image
const NEIGHBOURS = 8; // nearest test images shown for a clicked point

export function onClick(map, e) {
  const z = toLatent(map, e.clientX, e.clientY);
  if (z) pinAt(map, z, e.timeStamp);
}

// Pin the plane point z (a click, a tap, Enter on the keyboard's probe); `timeStamp`: the
// event's, for the click's latency.
export function pinAt(map, z, timeStamp) {
  if (!map.points) return;
  // A t-SNE/UMAP point stands for nothing but its nearest test image: snap to it.
  const index = map.nearestMode ? nearestIndex(map.points, visibleClasses(map), z) : hitPoint(map, z);
  const at = index >= 0 ? [map.points.xs[index], map.points.ys[index]] : z;
  const label = index >= 0 ? map.data.classes[map.points.labels[index]] : null;
  // What a double-click's second press puts back (see undoClick).
  const token = (map.clickToken = {
    pin: map.pin, lastNonce: map.lastNonce,
    peers: peers(map).map((peer) => [peer, peer.pin, peer.lastNonce]),
  });
  map.pin = { z: at, index, label };
  paintPin(map);
  showPinText(map);
  drawOverlay(map);
  const latency = performance.now() - timeStamp;
  // The nonce orders this page's own clicks against their echoes from Python (page clock only).
  const click = { x: at[0], y: at[1], index: index >= 0 ? index : null, label, nonce: Date.now() };
  map.lastNonce = click.nonce;
  for (const peer of peers(map)) {
    peer.pin = { z: at, index: -1, label: null, peer: true };
    peer.lastNonce = click.nonce; // so an older pin from Python cannot flicker back
    paintPin(peer);
    showPinText(peer);
    drawOverlay(peer);
  }
  // Present the painted frame first, then Python and the details: sending re-renders
  // Streamlit's React tree, which would otherwise delay the frame that shows the image.
  // Python hears of it before the details are drawn, so its rerun (on the server) and
  // the details (here) overlap; a double-click's second press sends the pin it puts back.
  requestAnimationFrame(() => {
    if (map.clickToken !== token) return;
    stats.clicks.push({ paint: latency, frame: performance.now() - timeStamp });
    token.sent = true;
    const own = map.data && map.data.own_pin;
    if (!own) tellPin(map, click);
    // Streamlit sends the trigger from a task of its own: the details wait for it to go.
    // The page's own link is written after them (a URL is no change on screen).
    setTimeout(() => {
      if (map.clickToken !== token) return; // taken back or overtaken meanwhile
      showDetails(map);
      if (own) tellPin(map, click);
    }, 0);
  });
}

// The second press of a double-click (Plotly resets the zoom): the first press's click
// is taken back, here and on linked maps, before Python hears of it.
export function undoClick(map) {
  const token = map.clickToken;
  map.clickToken = null;
  if (!token) return;
  const restore = (m, pin, nonce) => {
    m.pin = pin;
    m.lastNonce = nonce;
    paintPin(m);
    if (pin) showPinText(m);
    else clearPinCard(m);
    showDetails(m);
    drawOverlay(m);
  };
  restore(map, token.pin, token.lastNonce);
  for (const [peer, pin, nonce] of token.peers) restore(peer, pin, nonce);
  if (token.sent) { // Python (or the link) heard of the first press: tell it what is pinned again
    const pin = token.pin, nonce = Date.now();
    map.lastNonce = nonce;
    tellPin(map, pin
      ? { x: pin.z[0], y: pin.z[1], index: pin.index >= 0 ? pin.index : null, label: pin.label, nonce }
      : { clear: true, nonce });
  }
}

// Where the pin goes once it is set: into the link, by the page, when the map says it owns
// the pin (data.own_pin: the explorer's map with its decoder here, link.js); else to
// Python, whose rerun decodes it (a model without a decoder in the page) or answers it
// (the lesson's numbers).
function tellPin(map, click) {
  if (map.data && map.data.own_pin) {
    map.ownsLink = true;
    ownLink(pinParams(click.clear ? null : { z: [click.x, click.y], index: click.index ?? -1 }));
  } else {
    map.setTriggerValue("click", click);
  }
}

// Take the pin away (Escape on the map, after the probe): here, on linked maps, and in Python.
export function clearPin(map) {
  if (!map.pin) return;
  map.clickToken = null;
  for (const m of [map, ...peers(map)]) {
    m.pin = null;
    paintPin(m);
    clearPinCard(m);
    showDetails(m);
    drawOverlay(m);
  }
  const nonce = Date.now();
  map.lastNonce = nonce;
  tellPin(map, { clear: true, nonce });
}

// The pin Python sends (a link's, Compare's partner's, or this page's own coming back). It
// wins unless it is the one just set (same place) or an older click still on its way back
// (clicks faster than reruns must not flicker back).
export function receivePin(map, d) {
  // A map that keeps its own pin (tellPin) has newer news than Python once it was clicked.
  const own = d.own_pin && map.lastNonce;
  if (d.pin && !own) {
    const same = map.pin && Math.abs(map.pin.z[0] - d.pin.x) < 1e-6 && Math.abs(map.pin.z[1] - d.pin.y) < 1e-6;
    const stale = d.pin.nonce && map.lastNonce && d.pin.nonce < map.lastNonce;
    if (!same && !stale) {
      map.pin = { z: [d.pin.x, d.pin.y], index: d.pin.index ?? -1, label: d.pin.label, peer: d.pin.peer };
      paintPin(map);
      showPinText(map);
      showDetails(map);
    }
  }
  if (!d.pin && map.pin && !map.lastNonce) { // cleared in Python (another plane)
    map.pin = null;
    showDetails(map);
  }
  if (d.pin_pixels) paint(map.pinCanvas, d.pin_pixels); // decoded in Python (no JS decoder)
  map.pinCanvas.classList.toggle("lx-empty", !map.pin);
  if (!map.pin) clearPinCard(map);
}

export function clearPinCard(map) {
  map.pinCanvas.getContext("2d").clearRect(0, 0, 28, 28);
  map.el(".lx-pin-coords").textContent = prompts().pin;
}

// A clicked test image decodes from its own mu (on a projected plane its place is only its
// shadow); a point of empty space decodes where it is.
function pinPixels(map) {
  const p = map.pin;
  if (!p) return null;
  if (p.index >= 0 && !p.peer && map.decodeLatent && map.mu) {
    return map.decodeLatent(row(map.mu, p.index), new Float32Array(784));
  }
  return map.decode ? map.decode(p.z, new Float32Array(784)) : null;
}

export function paintPin(map) {
  const pixels = pinPixels(map);
  if (pixels) paint(map.pinCanvas, pixels);
  map.pinCanvas.classList.toggle("lx-empty", !map.pin);
}

export function showPinText(map) {
  const p = map.pin;
  const item = itemName(map.data.item);
  const where = coordText(map.data, p.z);
  // a pin from a link has its class a moment later
  const label = p.label ? t("map.pin.label", { label: p.label }) : "";
  map.el(".lx-pin-coords").textContent = p.peer
    ? t("map.pin.peer", { where })
    : map.nearestMode && p.index >= 0
    ? t("map.pin.nearest", { item, index: p.index, label })
    : p.index >= 0 ? t("map.pin.test", { where, item, index: p.index, label }) : t("map.pin.empty", { where });
}

// ---- what a click shows, beside the map --------------------------------------------------
export function showDetails(map) {
  const box = map.el(".lx-details");
  const p = map.pin;
  if (!p || p.peer || map.data.sync) {
    showWalk(map, null);
    showArith(map, null);
    return box.replaceChildren();
  }
  const d = map.data;
  const item = itemName(d.item);
  const parts = [];
  const zLatent = latentOf(d, map.mu, p.index, p.z);
  if (p.index >= 0) {
    const images = [figure(thumbnail(map.sprite, d.sprite_columns, p.index, 56), t("map.details.original"))];
    const own = pinPixels(map);
    if (own) images.push(figure(digitCanvas(own, 56), t("map.details.decode_mu")));
    if (d.method === "pca" && map.decode) {
      images.push(figure(digitCanvas(map.decode(p.z, new Float32Array(784)), 56), t("map.details.on_plane"),
        t("map.details.on_plane_title")));
    }
    parts.push(h("div", "lx-detail-head", d.method === "latent" ? t("map.details.test", { item, index: p.index })
      : t("map.details.test_projected", { item, index: p.index, dim: d.latent_dim })));
    parts.push(h("div", "lx-row", images));
    parts.push(...posteriorParts(map, p.index));
  } else {
    parts.push(h("div", "lx-detail-head", d.method === "pca"
      ? t("map.details.empty_pca") : t("map.details.empty")));
  }
  if (zLatent && map.mu) parts.push(...neighbourParts(map, zLatent, p.index));
  if (d.decode_mode === "plane") {
    const use = (which) => {
      const b = h("button", "lx-btn", t("map.details.use", { end: which.toUpperCase() }));
      b.classList.add(`lx-use-${which}`);
      b.addEventListener("click", () => changeMorph(map, {
        [which]: { z: [...p.z], index: p.index >= 0 ? p.index : null,
                   label: p.index >= 0 ? `#${p.index} “${p.label}”` : `(${p.z[0].toFixed(2)}, ${p.z[1].toFixed(2)})` },
      }));
      return b;
    };
    parts.push(h("div", "lx-row lx-use", [use("a"), use("b")]));
  }
  parts.push(...arithButtons(map, zLatent)); // "use as A/B/C" (arith.js)
  box.replaceChildren(...parts);
  showWalk(map, zLatent);
  showArith(map, zLatent);
}

// z ~ q(z|x) for test image i: SAMPLES draws z = mu + sigma * eps, eps from the shared PRNG.
function posteriorParts(map, i) {
  if (map.data.kind === "ae") {
    return [h("div", "lx-note", t("map.details.ae_note"))];
  }
  if (!map.sigma || !map.mu || !map.decodeLatent) return [h("div", "lx-note", t("map.details.loading"))];
  const mu = row(map.mu, i);
  const sigma = row(map.sigma, i);
  const dim = mu.length;
  const eps = normals(map.seed, SAMPLES * dim);
  const zs = Array.from({ length: SAMPLES }, (_, k) => {
    const z = new Float32Array(dim);
    for (let j = 0; j < dim; j++) z[j] = mu[j] + sigma[j] * eps[k * dim + j];
    return z;
  });
  const tiles = decodeAll(map.decodeLatent, zs).map((pixels, k) => figure(digitCanvas(pixels, 36), `z${k + 1}`));
  const shown = Array.from(sigma.subarray(0, 4), (v) => v.toFixed(3)).join(", ") + (dim > 4 ? ", …" : "");
  const resample = h("button", "lx-btn lx-resample", t("map.details.resample"));
  resample.addEventListener("click", () => { map.seed++; showDetails(map); });
  map.samplesShown = { index: i, seed: map.seed, eps: Array.from(eps) }; // for the test API
  if (map.data.show_samples) drawOverlay(map); // the draws as dots on the map (overlay.js)
  return [
    h("div", "lx-detail-head", t("map.details.samples", { sigma: shown })),
    h("div", "lx-row lx-samples", tiles),
    h("div", "lx-row", [resample, h("span", "lx-seed", t("map.details.seed", { seed: map.seed }))]),
  ];
}

function neighbourParts(map, z, exclude) {
  const d = map.data;
  const visible = visibleClasses(map);
  const hidden = visible && visible.some((v) => !v);
  const keep = hidden ? (i) => visible[map.points.labels[i]] : null; // as the legend shows
  const near = nearestRows(map.mu, z, NEIGHBOURS, exclude >= 0 ? exclude : -1, keep);
  map.neighboursShown = near; // for the test API
  const tiles = near.map(({ i, d: dist }) => {
    const label = d.classes[map.points.labels[i]];
    return figure(thumbnail(map.sprite, d.sprite_columns, i, 36), `${label}`,
      t("map.details.neighbour", { index: i, label, distance: dist.toFixed(2) }));
  });
  const notes = (exclude >= 0 ? t("map.details.left_out") : "") + (hidden ? t("map.details.hidden_left_out") : "");
  return [
    h("div", "lx-detail-head", t("map.details.neighbours", { dim: d.latent_dim, notes })),
    h("div", "lx-row lx-neighbours", tiles),
  ];
}
