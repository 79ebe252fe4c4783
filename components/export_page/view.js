// The exported page's map: a 2-D canvas (no Plotly) with its view (centre and scale, fitted
// to the points until the user zooms or pans), the coordinate maps between latent units
// and CSS pixels, and the drawing: grid, points by class, tick labels, axis names (the
// model's, page.js pageModel), the count of points in view, and an
// overlay canvas with the morph path, its ends, the pin and the point under the pointer.

import { interpolate } from "../latent_map/core/decoder.js";
import { dot } from "../latent_map/core/dom.js";
import { classColour } from "../latent_map/core/palette.js";
import { t } from "../latent_map/core/i18n.js";

export const STRIP_FRAMES = 10; // frames of the morph strip, marked on the path too
const FIT_PAD = 0.06;
const POINT_RADIUS = 1.7;

// A round step for about 7 grid lines over `span`: 1, 2 or 5 times a power of ten.
export function niceStep(span) {
  const raw = span / 7, p = 10 ** Math.floor(Math.log10(raw)), f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

// A tick label: "0", or the value with a true minus sign (U+2212) and `digits` decimals.
export function tickText(v, step, digits) {
  if (Math.abs(v) < step * 1e-6) return "0";
  return (v < 0 ? "\u2212" : "") + Math.abs(v).toFixed(digits);
}

// The view that shows every point and both morph ends in a w x h box: {cx, cy, s}.
export function fittedView(points, ends, w, h) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const take = (x, y) => {
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  };
  for (let i = 0; i < points.n; i++) take(points.xs[i], points.ys[i]);
  for (const z of ends) take(z[0], z[1]);
  if (!Number.isFinite(x0)) { x0 = -3; x1 = 3; y0 = -3; y1 = 3; }
  const bw = Math.max(x1 - x0, 1e-3), bh = Math.max(y1 - y0, 1e-3);
  return {
    cx: (x0 + x1) / 2,
    cy: (y0 + y1) / 2,
    s: Math.min(w / (bw * (1 + 2 * FIT_PAD)), h / (bh * (1 + 2 * FIT_PAD))),
  };
}

export class MapView {
  // els: {wrap, map, overlay, note}; model: pageModel's; state: {pin, hover, morph}
  constructor(els, model, state) {
    Object.assign(this, { els, model, state });
    this.view = null; // {cx, cy, s}: centre in latent units, CSS px per latent unit
    this.fitted = true; // follow resizes until the user zooms or pans
    this.size = { w: 0, h: 0 };
    this.drawn = 0;
    this.ticks = [];
  }

  toPixel(z) {
    const { w, h } = this.size, v = this.view;
    return [w / 2 + (z[0] - v.cx) * v.s, h / 2 - (z[1] - v.cy) * v.s];
  }

  toLatent(px, py) {
    const { w, h } = this.size, v = this.view;
    return [v.cx + (px - w / 2) / v.s, v.cy - (py - h / 2) / v.s];
  }

  fit() {
    const { morph } = this.state;
    this.view = fittedView(this.model.points, [morph.a.z, morph.b.z], this.size.w, this.size.h);
    this.fitted = true;
  }

  // Move the view by (dx, dy) CSS px from `from` (a view saved when the drag began).
  panFrom(from, dx, dy) {
    this.view = { cx: from.cx - dx / from.s, cy: from.cy + dy / from.s, s: from.s };
    this.fitted = false;
  }

  // Zoom by `factor` keeping the latent point under (px, py) where it is.
  zoomAt(px, py, factor) {
    const z = this.toLatent(px, py), v = this.view;
    v.s = Math.min(Math.max(v.s * factor, 1), 1e6);
    v.cx = z[0] - (px - this.size.w / 2) / v.s;
    v.cy = z[1] + (py - this.size.h / 2) / v.s;
    this.fitted = false;
  }

  resize() {
    const r = this.els.wrap.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    if (r.width < 1 || r.height < 1) return;
    this.size = { w: r.width, h: r.height };
    for (const c of [this.els.map, this.els.overlay]) {
      c.width = Math.round(r.width * dpr);
      c.height = Math.round(r.height * dpr);
    }
    if (!this.view || this.fitted) this.fit();
    this.draw();
  }

  context(canvas) {
    const ctx = canvas.getContext("2d"), dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.size.w, this.size.h);
    return ctx;
  }

  // The grid lines; returns the tick labels, drawn after the points (drawTicks).
  drawGrid(ctx) {
    const { w, h } = this.size;
    const lo = this.toLatent(0, h), hi = this.toLatent(w, 0);
    const step = niceStep(Math.max(hi[0] - lo[0], hi[1] - lo[1]));
    const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    const ticks = [];
    ctx.lineWidth = 1;
    for (let axis = 0; axis < 2; axis++) {
      for (let v = Math.ceil(lo[axis] / step) * step; v <= hi[axis]; v += step) {
        const text = tickText(v, step, digits);
        ctx.strokeStyle = text === "0" ? "#cfd2dc" : "#eceef3";
        ctx.beginPath();
        if (axis === 0) {
          const x = Math.round(this.toPixel([v, 0])[0]) + 0.5;
          ctx.moveTo(x, 0);
          ctx.lineTo(x, h);
          ctx.stroke();
          if (x > 14 && x < w - 14) ticks.push({ axis: "x", text, x, y: h - 9 });
        } else {
          const y = Math.round(this.toPixel([0, v])[1]) + 0.5;
          ctx.moveTo(0, y);
          ctx.lineTo(w, y);
          ctx.stroke();
          if (y > 22 && y < h - 24) ticks.push({ axis: "y", text, x: 4, y });
        }
      }
    }
    return ticks;
  }

  // Tick labels on a patch of the background, over the grid lines and the points, so no
  // line runs through a label (a horizontal one hid the minus signs). x labels centred on
  // their line at the bottom, y labels at the left edge; both centred vertically at t.y.
  drawTicks(ctx, ticks) {
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    this.ticks = ticks.map((t) => {
      const w = ctx.measureText(t.text).width, h = 13;
      const left = t.axis === "x" ? t.x - w / 2 : t.x;
      ctx.fillStyle = "rgba(251,251,253,0.92)";
      ctx.fillRect(left - 2, t.y - h / 2, w + 4, h);
      ctx.fillStyle = "#8a8f9c";
      ctx.textAlign = "left";
      ctx.fillText(t.text, left, t.y);
      return { axis: t.axis, text: t.text, x: left - 2, y: t.y - h / 2, w: w + 4, h };
    });
  }

  drawAxisNames(ctx) {
    const { w, h } = this.size, axes = this.model.axes;
    ctx.fillStyle = "#6b7080";
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    ctx.fillText(axes[0], w - 6, h - 16);
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText(axes[1], 22, 6);
  }

  drawPoints(ctx) {
    const { points, classes, visible } = this.model, { w, h } = this.size, v = this.view;
    const r = POINT_RADIUS;
    let drawn = 0;
    ctx.globalAlpha = 0.7;
    for (let c = 0; c < classes.length; c++) {
      if (!visible[c]) continue;
      ctx.fillStyle = classColour(this.model.data.palette, c); // the app's colours when exported
      ctx.beginPath();
      for (let i = 0; i < points.n; i++) {
        if (points.labels[i] !== c) continue;
        const x = w / 2 + (points.xs[i] - v.cx) * v.s, y = h / 2 - (points.ys[i] - v.cy) * v.s;
        if (x < -r || y < -r || x > w + r || y > h + r) continue;
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, 2 * Math.PI);
        drawn++;
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    return drawn;
  }

  // The map and then the overlay.
  draw() {
    if (!this.view) return;
    const ctx = this.context(this.els.map);
    const ticks = this.drawGrid(ctx);
    this.drawn = this.drawPoints(ctx);
    this.drawTicks(ctx, ticks);
    this.drawAxisNames(ctx);
    const n = this.model.points.n;
    this.els.note.textContent = t("export.map.in_view",
      { drawn: this.drawn.toLocaleString("en-US"), n: n.toLocaleString("en-US") });
    this.drawOverlay();
  }

  drawOverlay() {
    if (!this.view) return;
    const ctx = this.context(this.els.overlay);
    this.drawMorphPath(ctx);
    if (this.state.pin) this.drawPin(ctx, this.toPixel(this.state.pin.z));
    const hover = this.state.hover, points = this.model.points;
    if (hover && hover.nearest >= 0 && hover.near) {
      dot(ctx, this.toPixel([points.xs[hover.nearest], points.ys[hover.nearest]]), 4, "rgba(0,0,0,0)", "#14141e");
    }
  }

  // The path A -> B, its strip frames, A and B, and where the slider is.
  drawMorphPath(ctx) {
    const { a, b, t, method } = this.state.morph;
    const at = (u) => this.toPixel(interpolate(a.z, b.z, u, method));
    ctx.strokeStyle = "rgba(20,20,30,0.85)";
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    for (let k = 0; k <= 64; k++) {
      const p = at(k / 64);
      if (k) ctx.lineTo(p[0], p[1]);
      else ctx.moveTo(p[0], p[1]);
    }
    ctx.stroke();
    ctx.setLineDash([]);
    for (let k = 0; k < STRIP_FRAMES; k++) dot(ctx, at(k / (STRIP_FRAMES - 1)), 2.5, "#14141e", null);
    badge(ctx, this.toPixel(a.z), "A");
    badge(ctx, this.toPixel(b.z), "B");
    dot(ctx, at(t), 6, "#ff4b4b", "#fff");
  }

  drawPin(ctx, q) {
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(q[0], q[1], 8, 0, 2 * Math.PI);
    for (const [dx, dy] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) {
      ctx.moveTo(q[0] + 4 * dx, q[1] + 4 * dy);
      ctx.lineTo(q[0] + 13 * dx, q[1] + 13 * dy);
    }
    ctx.stroke();
  }
}


function badge(ctx, p, text) {
  dot(ctx, p, 9, "#14141e", "#fff");
  ctx.fillStyle = "#fff";
  ctx.font = "bold 11px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(text, p[0], p[1] + 0.5);
}
