// The page's test API: window.latentExplorer, what browser tests and the benchmarks read
// instead of the map's private fields. Plain JSON in and out; stable names.
//
//   latentExplorer.snapshot(name?) -> the state of a map as a plain object, or null if
//       there is no such map. No name: the explorer's map (the last unlinked map Streamlit
//       rendered, on the page or not); name: a linked map on the page by its sync name
//       ("a", or "group/a"; see sync.js).
//     page         "app" (the exported page's snapshot says "export"; shared keys: ready, n,
//                  visible, pin, morph {a, b, t, method})
//     ready        bool: the map is drawn (its data is fetched and plotted)
//     connected    bool: the map is on the page
//     model        string: which model's files it shows (points|decoder|mu URLs)
//     data         the small part of what Python sent: points_url, method, decode_mode,
//                  latent_dim, kind, item, classes, axes, legend_title, height, sync, pca,
//                  model, active_kl_nats, pin (Python's {x, y, index, label, nonce, peer}),
//                  marks (Python's labelled dots [{z, label, colour}], or null), lang (the
//                  language of its texts: "en" or "zh")
//     n            number of points on the map
//     traces       [{name, type, visible, colour}] as Plotly holds them (visible: true or
//                  "legendonly"; colour: the marker's)
//     palette      the classes' colours by name: "default" or "cb" (core/palette.js)
//     visible      [bool] per class as the legend shows them, or null before the plot
//     view         {x: [x0, x1], y: [y0, y1], plot: {l, t, w, h}, width, height,
//                  titles: [x, y]}: the displayed ranges and plot area (px), or null
//     hover        z under the pointer (last decoded), or null
//     probe        z of the keyboard's probe (keys.js), or null
//     zoomed       bool: the view is narrower than the whole map (a finger pans; touch.js)
//     remote       z marked from a linked map, or null
//     pin          {z, index, label, peer}: the clicked point (index -1: empty space), or null
//     pinEllipses  [{k, xs, ys}] the clicked test image's 1- and 2-sigma ellipses, or null
//     samples      {index, seed, eps}: the posterior samples last shown, or null
//     neighbours   [{i, d, label}]: the nearest test images last shown (label: class index)
//     walk         {z, shown: {dims, kl} or null until drawn}: the walk, or null
//     morph        {a, b, method, frames, t, seq, request, stripWidth}: endpoints ({z, index,
//                  label}), the slider's t, the page's own sequence number, the last
//                  request id from Python applied (morph.js), the strip's width (px); or null
//     upload       your digit on this plane ({mu, ellipses}), or null
//     arith        latent arithmetic (arith.js), or null without data.arith: {slots: {a, b, c}
//                  ({z, kind: "point"|"place"|"mean", index, cls} or null), z (z_A - z_B +
//                  z_C, full latent) and pixels (its decoding) or null, plane (its place on
//                  the map or null), from (the walk's start), walk {attr, s, z, pixels,
//                  measured {ink, thickness, slant}, start, plane} or null}
//     digitMarker  bool: the "Your digit" fragment's marker (marker.js) is for this plane
//     ringLabel    {x, y, w, h} of the prior ring's label (plot px), or null
//     reports      keys of the state the map sent Python (setStateValue), oldest first
//     decoder      "wasm-simd" | "js": where the decoder's sums run (core/decoder.js), or
//                  null without a decoder in the page
//     stats        {decodes, hoverFrames, lastDecodeMs, clicks: [{paint, frame}], readyAt,
//                  marks: {mounted, plotly, fetched, plotted, extras}} (ms, page time;
//                  one for the page)
//   latentExplorer.points(name?)       {xs, ys, labels}: the map's points, as arrays
//   latentExplorer.point(i, name?)     [x, y]: point i on the plane
//   latentExplorer.clientPoint(z, name?)  {x, y}: page coordinates of plane point z (where
//                                      to click or move the pointer)
//   latentExplorer.decode(z, name?)    784 intensities: what the map shows under the
//                                      pointer at z (JS decoder; on t-SNE/UMAP the nearest
//                                      visible test image's mu decoded), or null
//   latentExplorer.element(name?)      the map's root element (.lx-root), to find its parts
//   latentExplorer.normals(seed, n)    the page's PRNG (core/prng.js), as an array
//   latentExplorer.clearReports(name?) empties `reports`
//   latentExplorer.replay              the "Watch it learn" map's (components/replay/replay.js):
//     .snapshot()  {key, live, connected, epochs, shown, decoder {epoch, latentDim, floats,
//                  float32, maxError, ms} or null, swaps [{epoch, ms, at}], rejected
//                  [messages], hover and pin ({p, z, epoch (the decoder's), mapEpoch,
//                  pixels}, or null)}, or null without a replay
//     .clientPoint(p)  {x, y}: page coordinates of plane point p on its canvas

import { normals } from "./core/prng.js";
import { frame, clientPoint, visibleClasses } from "./plot.js";
import { linkedMaps } from "./sync.js";
import { stats } from "./stats.js";
import { arithSnapshot } from "./arith.js";

let main = null; // the explorer's map

export function setMainMap(map) {
  main = map;
}

function find(name) {
  if (name === undefined || name === null) return main; // kept while Streamlit remounts it
  const [group, key] = String(name).includes("/") ? String(name).split("/") : [null, String(name)];
  for (const g of Object.keys(window.__lxSync || {})) {
    if (group && g !== group) continue;
    const map = linkedMaps({ group: g }).find((m) => m.data.sync.name === key && m.root.isConnected);
    if (map) return map;
  }
  return null;
}

const copy = (v) => (v === undefined || v === null ? null : JSON.parse(JSON.stringify(v)));
const DATA_KEYS = ["points_url", "method", "decode_mode", "latent_dim", "kind", "item", "classes", "axes",
  "legend_title", "height", "sync", "pca", "model", "active_kl_nats", "pin", "marks", "lang", "own_pin"];

function view(map) {
  const f = map.plot && frame(map);
  const full = map.plot && map.plot._fullLayout;
  if (!f) return null;
  return { x: [...f.xr], y: [...f.yr], plot: { l: f.l, t: f.t, w: f.w, h: f.h }, width: full.width,
           height: full.height, titles: [full.xaxis.title.text, full.yaxis.title.text] };
}

export function snapshot(map) {
  const d = map.data || {};
  const m = map.morph;
  return copy({
    page: "app",
    ready: map.root.dataset.ready === "1",
    connected: map.root.isConnected,
    model: map.modelKey,
    data: Object.fromEntries(DATA_KEYS.map((k) => [k, d[k] ?? null])),
    n: map.points ? map.points.n : 0,
    traces: (map.plot._fullData || []).map((t) => ({ name: t.name, type: t.type, visible: t.visible,
                                                   colour: t.marker && t.marker.color })),
    palette: map.palette || null,
    visible: visibleClasses(map),
    view: view(map),
    hover: map.hoverZ,
    probe: map.probe,
    zoomed: Boolean(map.zoomed),
    remote: map.remoteZ,
    pin: map.pin && { z: map.pin.z, index: map.pin.index, label: map.pin.label, peer: Boolean(map.pin.peer) },
    pinEllipses: map.pinEllipses,
    samples: map.samplesShown,
    neighbours: map.neighboursShown && map.neighboursShown.map(({ i, d: dist }) => ({ i, d: dist, label: map.points.labels[i] })),
    walk: map.walkZ ? { z: map.walkZ, shown: map.walkShown || null } : null,
    morph: m && { a: m.a, b: m.b, method: m.method, frames: m.frames, t: map.morphT, seq: map.morphSeq,
                  request: map.morphRequest, stripWidth: map.strip.width },
    upload: map.upload,
    arith: arithSnapshot(map),
    digitMarker: Boolean(window.__lxDigit && d.points_url && d.points_url.endsWith(window.__lxDigit.points_url)),
    ringLabel: map.ringLabelBox,
    reports: map.reports,
    decoder: map.decode ? (map.decode.simd ? "wasm-simd" : "js") : null,
    stats,
  });
}

export function installTestApi() {
  // merged: the replay's bundle adds its own entry (replay), before or after this one
  window.latentExplorer = Object.assign(window.latentExplorer || {}, {
    snapshot: (name) => { const map = find(name); return map ? snapshot(map) : null; },
    points: (name) => {
      const map = find(name);
      if (!map || !map.points) return null;
      return { xs: Array.from(map.points.xs), ys: Array.from(map.points.ys), labels: Array.from(map.points.labels) };
    },
    point: (i, name) => {
      const map = find(name);
      return map && map.points && i >= 0 && i < map.points.n ? [map.points.xs[i], map.points.ys[i]] : null;
    },
    clientPoint: (z, name) => { const map = find(name); return map && map.points ? clientPoint(map, z) : null; },
    decode: (z, name) => {
      const map = find(name);
      return map && map.decode ? Array.from(map.decode(z, new Float32Array(784))) : null;
    },
    element: (name) => { const map = find(name); return map ? map.root : null; },
    normals: (seed, n) => Array.from(normals(seed, n)),
    clearReports: (name) => { const map = find(name); if (map) map.reports.length = 0; },
  });
}
