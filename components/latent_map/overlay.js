// The canvas over the plot: everything drawn on the map besides the points, so the 10,000-
// point scene is never re-plotted. One function per layer, painted in this order by
// drawOverlay: the morph path (with A, B and t), your digit's star and ellipses, the latent
// arithmetic's inputs, result and walked point (drawn by arith.js), the clicked test image's
// posterior ellipses (and its draws, if asked), the prior's ring and its label, Python's
// marks, the pointer of a linked map, the clicked pin, the keyboard's probe. Layers read the
// map's state (map.js) and draw in plot
// pixels through `P` (plane -> pixels).

import { interpolate } from "./core/decoder.js";
import { dot } from "./core/dom.js";
import { ellipsePoints } from "./core/geometry.js";
import { frame, toPixel, visibleClasses } from "./plot.js";
import { drawArithMarks } from "./arith.js";

// The overlay canvas follows the plot element's size (in device pixels).
export function resizeOverlay(map) {
  const rect = map.plot.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  map.overlay.width = Math.round(rect.width * dpr);
  map.overlay.height = Math.round(rect.height * dpr);
  map.overlay.style.width = `${rect.width}px`;
  map.overlay.style.height = `${rect.height}px`;
  drawOverlay(map);
}

// Paint every layer; `ev`, a relayouting event, gives the view while a pan is under way.
export function drawOverlay(map, ev) {
  const f = map.plot._fullLayout ? frame(map, ev) : null;
  const ctx = map.overlay.getContext("2d");
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, map.overlay.width, map.overlay.height);
  if (!f || !map.data) return;
  ctx.save();
  ctx.beginPath();
  ctx.rect(f.l, f.t, f.w, f.h);
  ctx.clip();
  const P = (z) => toPixel(z, f);
  if (map.morph) drawMorphPath(ctx, P, map.morph, map.morphT);
  if (map.upload) drawUpload(ctx, P, map.upload);
  drawArithMarks(ctx, P, map.arithMarks); // latent arithmetic (arith.js)
  map.pinEllipses = pinPosterior(map); // kept for the test API
  if (map.pinEllipses) strokeEllipses(ctx, P, map.pinEllipses, "190,0,90");
  if (map.pinEllipses && map.data.show_samples) drawSamples(ctx, P, map);
  if (map.data.prior_ring) {
    const ring = drawPriorRing(ctx, P, map.data.prior_ring);
    map.ringLabelBox = drawRingLabel(ctx, map, f, ring, map.data.prior_ring.label);
  }
  if (map.data.marks) drawMarks(ctx, P, map.data.marks);
  if (map.remoteZ) drawRemote(ctx, P, f, map.remoteZ);
  if (map.pin) drawPin(ctx, P, map.pin);
  if (map.probe) drawProbe(ctx, P, map.probe);
  ctx.restore();
}

// The morph's path from A to B (64 segments), its strip's frames as dots, and t.
export function drawMorphPath(ctx, P, m, t) {
  const at = (s) => P(interpolate(m.a.z, m.b.z, s, m.method));
  ctx.strokeStyle = "rgba(20,20,30,0.85)";
  ctx.lineWidth = 2;
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  for (let k = 0; k <= 64; k++) {
    const [x, y] = at(k / 64);
    k ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
  }
  ctx.stroke();
  ctx.setLineDash([]);
  for (let k = 0; k < m.frames; k++) dot(ctx, at(k / (m.frames - 1)), 2.5, "#14141e", null);
  labelled(ctx, P(m.a.z), "A", "#14141e");
  labelled(ctx, P(m.b.z), "B", "#14141e");
  dot(ctx, at(t), 6, "#ff4b4b", "#fff");
}

// The user's digit (marker.js): a star at its mu and its posterior's ellipses.
export function drawUpload(ctx, P, upload) {
  strokeEllipses(ctx, P, upload.ellipses, "0,0,0");
  star(ctx, P(upload.mu), 9, "#ffd400", "#000");
}

// q(z|x) of the clicked test image on a 2-D latent map: its 1- and 2-sigma ellipses, or
// null (empty space, an AE, a projected plane).
export function pinPosterior(map) {
  const p = map.pin;
  const s = map.sigma;
  if (!p || !s || s.d !== 2 || map.data.method !== "latent" || !(p.index >= 0) || p.index >= map.points.n) return null;
  const mu = [map.points.xs[p.index], map.points.ys[p.index]];
  return [1, 2].map((k) => ellipsePoints(mu, [s.values[2 * p.index], s.values[2 * p.index + 1]], k));
}

// The clicked test image's posterior draws z1, z2, ... (clicked.js, the panel's decodings)
// as labelled dots, on a 2-D latent map whose Python asks for them (data.show_samples).
export function drawSamples(ctx, P, map) {
  const shown = map.samplesShown;
  if (!shown || shown.index !== map.pin.index || !map.sigma) return;
  const i = shown.index;
  const mu = [map.points.xs[i], map.points.ys[i]];
  const sigma = [map.sigma.values[2 * i], map.sigma.values[2 * i + 1]];
  const marks = [];
  for (let k = 0; 2 * k + 1 < shown.eps.length; k++) {
    const z = [0, 1].map((j) => mu[j] + sigma[j] * shown.eps[2 * k + j]);
    marks.push({ z, label: `z${k + 1}`, colour: "#e07000", r: 4 });
  }
  drawMarks(ctx, P, marks);
}

// The disc that holds a given mass of N(0, I): where a VAE's codes are pulled to.
// Returns its centre and radius in pixels, for the label.
export function drawPriorRing(ctx, P, ring) {
  const [cx, cy] = P([0, 0]);
  const [ex] = P([ring.r, 0]);
  const r = Math.abs(ex - cx);
  ctx.strokeStyle = "rgba(20,20,30,0.7)";
  ctx.lineWidth = 1.5;
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  ctx.arc(cx, cy, r, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.setLineDash([]);
  return { centre: [cx, cy], r };
}

// The ring's label, with a piece of the dashed line, where it covers no points. Returns its box.
export function drawRingLabel(ctx, map, f, ring, text) {
  ctx.font = "12px sans-serif";
  const box = ringLabelPlace(ctx, map, f, ring.centre, ring.r, text);
  ctx.fillStyle = "rgba(251,251,253,0.85)";
  ctx.fillRect(box.x, box.y, box.w, box.h);
  ctx.strokeStyle = "rgba(20,20,30,0.7)";
  ctx.lineWidth = 1.5;
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  ctx.moveTo(box.x + 2, box.y + box.h / 2);
  ctx.lineTo(box.x + 18, box.y + box.h / 2);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = "rgba(20,20,30,0.8)";
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  ctx.fillText(text, box.x + 22, box.y + box.h / 2 + 0.5);
  return box;
}

// Where the prior ring's label goes (plot pixels): of a few places just outside the
// circle and in the plot's corners, the first over the fewest visible points (on the
// maps of Compare, none). Kept until the view or the legend changes.
function ringLabelPlace(ctx, map, f, [cx, cy], r, text) {
  const visible = visibleClasses(map);
  const key = [f.xr, f.yr, f.l, f.t, f.w, f.h, r, text, visible && visible.join()].join("|");
  if (map.ringLabelCache && map.ringLabelCache.key === key) return map.ringLabelCache.box;
  const w = 24 + ctx.measureText(text).width, h = 16;
  const places = [45, 135, 315, 225, 90, 270].map((deg) => {
    const c = Math.cos((deg * Math.PI) / 180), s = Math.sin((deg * Math.PI) / 180);
    const x = cx + r * c, y = cy - r * s;
    return { x: c > 0.1 ? x + 4 : c < -0.1 ? x - 4 - w : x - w / 2,
             y: s > 0.1 ? y - 4 - h : s < -0.1 ? y + 4 : y - h / 2 };
  }).concat([
    { x: f.l + f.w - 6 - w, y: f.t + 6 }, { x: f.l + 6, y: f.t + 6 },
    { x: f.l + f.w - 6 - w, y: f.t + f.h - 6 - h }, { x: f.l + 6, y: f.t + f.h - 6 - h },
  ]).filter((b) => b.x >= f.l && b.y >= f.t && b.x + w <= f.l + f.w && b.y + h <= f.t + f.h);
  const { xs, ys, labels, n } = map.points;
  let best = null, bestCount = Infinity;
  for (const b of places) {
    let count = 0;
    for (let i = 0; i < n && count < bestCount; i++) {
      if (visible && !visible[labels[i]]) continue;
      const [px, py] = toPixel([xs[i], ys[i]], f);
      if (px > b.x - 2 && px < b.x + w + 2 && py > b.y - 2 && py < b.y + h + 2) count++;
    }
    if (count < bestCount) { best = b; bestCount = count; }
    if (!count) break;
  }
  const box = { ...(best || { x: f.l + 6, y: f.t + 6 }), w, h };
  map.ringLabelCache = { key, box };
  return box;
}

// Labelled dots Python asks for (the lesson's z = μ + σ·ε): [{z, label, colour, r?}].
export function drawMarks(ctx, P, marks) {
  ctx.font = "bold 12px sans-serif";
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  for (const m of marks) {
    const [x, y] = P(m.z);
    dot(ctx, [x, y], m.r || 6, m.colour || "#1c6dd0", "#fff");
    if (!m.label) continue;
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.strokeText(m.label, x + 9, y - 9);
    ctx.fillStyle = m.colour || "#1c6dd0";
    ctx.fillText(m.label, x + 9, y - 9);
  }
}

// The pointer over a linked map (sync.js): a red crosshair and dot.
export function drawRemote(ctx, P, f, z) {
  const [x, y] = P(z);
  ctx.strokeStyle = "rgba(255,75,75,0.9)";
  ctx.lineWidth = 1;
  ctx.setLineDash([4, 4]);
  ctx.beginPath();
  ctx.moveTo(f.l, y); ctx.lineTo(f.l + f.w, y);
  ctx.moveTo(x, f.t); ctx.lineTo(x, f.t + f.h);
  ctx.stroke();
  ctx.setLineDash([]);
  dot(ctx, [x, y], 5, "#ff4b4b", "#fff");
}

// The clicked point: a ring with four ticks.
export function drawPin(ctx, P, pin) {
  const [x, y] = P(pin.z);
  ctx.strokeStyle = "#000";
  ctx.lineWidth = 2;
  ringWithTicks(ctx, x, y, 8, 4, 13);
}

// The keyboard's probe (keys.js): a blue crosshair with a ring, where Enter would pin.
export function drawProbe(ctx, P, z) {
  const [x, y] = P(z);
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 4;
  ctx.beginPath();
  ctx.arc(x, y, 7, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.strokeStyle = "#1c6dd0";
  ctx.lineWidth = 2;
  ringWithTicks(ctx, x, y, 7, 7, 16);
}

// A ring of radius r and four ticks from `inner` to `outer` px off the centre, stroked.
function ringWithTicks(ctx, x, y, r, inner, outer) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  for (const [dx, dy] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) {
    ctx.moveTo(x + dx * outer, y + dy * outer);
    ctx.lineTo(x + dx * inner, y + dy * inner);
  }
  ctx.stroke();
}

// ---- shapes ------------------------------------------------------------------------------
// 1-sigma solid, 2-sigma dashed and fainter; rgb is "r,g,b".
function strokeEllipses(ctx, P, ellipses, rgb) {
  ctx.lineWidth = 2;
  for (const e of ellipses) {
    ctx.strokeStyle = `rgba(${rgb},${e.k === 1 ? 0.9 : 0.5})`;
    ctx.setLineDash(e.k === 1 ? [] : [4, 3]);
    ctx.beginPath();
    e.xs.forEach((x, i) => {
      const [px, py] = P([x, e.ys[i]]);
      i ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);
}


// A lettered disc (the morph's A and B), drawn once into a sprite and then copied: text
// on a canvas (setting the font, shaping) cost ~5 ms a letter in Chromium, on every redraw
// of the overlay, which a click makes.
const LABELS = new Map();
const LABEL_SCALE = 3; // the sprite's pixels per CSS pixel: sharp up to 3x displays
const LABEL_HALF = 11; // CSS pixels from the centre to the sprite's edge (disc radius 9 + stroke)

function labelSprite(text, color) {
  const key = `${text}|${color}`;
  if (!LABELS.has(key)) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 2 * LABEL_HALF * LABEL_SCALE;
    const c = canvas.getContext("2d");
    c.scale(LABEL_SCALE, LABEL_SCALE);
    dot(c, [LABEL_HALF, LABEL_HALF], 9, color, "#fff");
    c.fillStyle = "#fff";
    c.font = "bold 11px sans-serif";
    c.textAlign = "center";
    c.textBaseline = "middle";
    c.fillText(text, LABEL_HALF, LABEL_HALF + 0.5);
    LABELS.set(key, canvas);
  }
  return LABELS.get(key);
}

function labelled(ctx, p, text, color) {
  ctx.drawImage(labelSprite(text, color), p[0] - LABEL_HALF, p[1] - LABEL_HALF, 2 * LABEL_HALF, 2 * LABEL_HALF);
}

function star(ctx, [x, y], r, fill, stroke) {
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 ? r * 0.45 : r;
    const px = x + rr * Math.cos(a);
    const py = y + rr * Math.sin(a);
    i ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
  }
  ctx.closePath();
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.strokeStyle = stroke;
  ctx.lineWidth = 1.5;
  ctx.stroke();
}
