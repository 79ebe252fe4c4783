// The map under fingers. Plotly's own touch handling panned on any one-finger drag (so the
// page could not be scrolled past the map), panned on a pinch and never took a tap for a
// click; here the map's wrapper takes every touch before Plotly (capture phase) and:
//   a tap pins, as a click does;
//   one finger pans only a zoomed map; at the whole view the page scrolls (map.css gives
//     the wrapper `touch-action: pan-y`, and `none` once zoomed: class lx-zoomed);
//   two fingers pinch the map's zoom (never the page's) and pan with their midpoint;
//   a finger held still for LONG_PRESS_MS, then moved, drives "Under the pointer".

import { frame, toLatent } from "./plot.js";
import { pinAt } from "./clicked.js";

export const LONG_PRESS_MS = 400;
const TAP_SLOP_PX = 10; // a finger that moves less than this and lifts is a tap
const ZOOM_SLACK = 0.01; // of the whole view's span: a view within it counts as not zoomed

// After every redraw: zoomed when the view leaves part of the whole view (map.wholeView,
// newPlot's fit of the data) out.
export function followZoom(map) {
  const f = frame(map);
  const w = map.wholeView;
  if (!f || !w) return;
  const sx = ZOOM_SLACK * (w.x[1] - w.x[0]), sy = ZOOM_SLACK * (w.y[1] - w.y[0]);
  map.zoomed = f.xr[0] > w.x[0] + sx || f.xr[1] < w.x[1] - sx || f.yr[0] > w.y[0] + sy || f.yr[1] < w.y[1] - sy;
  map.el(".lx-plot-wrap").classList.toggle("lx-zoomed", map.zoomed);
}

export function bindTouch(map) {
  const wrap = map.el(".lx-plot-wrap");
  const opts = { capture: true, passive: false };
  wrap.addEventListener("touchstart", (e) => start(map, e), opts);
  wrap.addEventListener("touchmove", (e) => move(map, e), opts);
  wrap.addEventListener("touchend", (e) => end(map, e), opts);
  wrap.addEventListener("touchcancel", (e) => { e.stopPropagation(); reset(map); }, opts);
}

function reset(map) {
  if (map.touch) clearTimeout(map.touch.timer);
  map.touch = null;
}

function onChrome(e) {
  return e.target.closest && e.target.closest(".modebar-container, .legend");
}

function start(map, e) {
  if (onChrome(e) || !map.points) return; // the toolbar and the legend take their own taps
  e.stopPropagation(); // Plotly's drag handlers never see a finger
  const f = frame(map);
  if (!f) return;
  reset(map);
  const t = e.touches;
  if (t.length === 1) {
    const g = { kind: "one", x0: t[0].clientX, y0: t[0].clientY, at: e.timeStamp, f, moved: false };
    g.timer = setTimeout(() => {
      if (map.touch !== g || g.moved) return;
      g.kind = "preview";
      map.showHover(toLatent(map, g.x0, g.y0) || [0, 0]);
    }, LONG_PRESS_MS);
    map.touch = g;
  } else if (t.length === 2) {
    e.preventDefault();
    map.touch = { kind: "pinch", d0: distance(t), c0: middle(t), f };
  }
}

function move(map, e) {
  const g = map.touch;
  if (!g) return;
  e.stopPropagation();
  const t = e.touches;
  if (g.kind === "pinch" && t.length === 2) {
    if (e.cancelable) e.preventDefault();
    const s = g.d0 / Math.max(distance(t), 1);
    const c = middle(t);
    const rect = map.plot.getBoundingClientRect();
    const { f } = g;
    const sx = (f.xr[1] - f.xr[0]) / f.w, sy = (f.yr[1] - f.yr[0]) / f.h; // plane units per px
    // the plane point under the fingers' first midpoint stays under their midpoint now
    const zx = f.xr[0] + (g.c0[0] - rect.left - f.l) * sx;
    const zy = f.yr[1] - (g.c0[1] - rect.top - f.t) * sy;
    const px = c[0] - rect.left - f.l, py = c[1] - rect.top - f.t;
    const x0 = zx - px * sx * s, y1 = zy + py * sy * s;
    setView(map, [x0, x0 + f.w * sx * s], [y1 - f.h * sy * s, y1]);
  } else if (g.kind !== "pinch" && t.length === 1) {
    const dx = t[0].clientX - g.x0, dy = t[0].clientY - g.y0;
    if (!g.moved && Math.hypot(dx, dy) > TAP_SLOP_PX) g.moved = true;
    if (g.kind === "preview") {
      if (e.cancelable) e.preventDefault(); // the finger shows the decoding, not the page
      const z = toLatent(map, t[0].clientX, t[0].clientY);
      if (z) map.showHover(z);
    } else if (g.moved && map.zoomed) {
      if (e.cancelable) e.preventDefault();
      const { f } = g;
      const ux = (dx / f.w) * (f.xr[1] - f.xr[0]), uy = (dy / f.h) * (f.yr[1] - f.yr[0]);
      setView(map, [f.xr[0] - ux, f.xr[1] - ux], [f.yr[0] + uy, f.yr[1] + uy]);
    }
  }
}

function end(map, e) {
  const g = map.touch;
  if (!g) return;
  e.stopPropagation();
  if (g.kind === "one" && !g.moved && e.touches.length === 0) {
    e.preventDefault(); // no mouse events after it: this is the click
    const p = e.changedTouches[0];
    const z = toLatent(map, p.clientX, p.clientY);
    if (z) pinAt(map, z, e.timeStamp);
  }
  if (g.kind === "preview" && e.touches.length === 0) map.root.classList.remove("lx-hovering");
  if (e.touches.length === 0 || g.kind === "pinch") reset(map); // a pinch's last finger does nothing
}

// A new view from a finger, at most one relayout per frame; the link hears of it as of a
// mouse's pan (map.sendView on plotly_relayout).
function setView(map, xr, yr) {
  map.viewTouched = true;
  map.pendingView = { "xaxis.range": xr, "yaxis.range": yr };
  if (map.viewFrame) return;
  map.viewFrame = requestAnimationFrame(() => {
    map.viewFrame = null;
    const v = map.pendingView;
    map.pendingView = null;
    if (v && map.Plotly && map.plot.isConnected) map.Plotly.relayout(map.plot, v);
  });
}

function distance(t) {
  return Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY);
}

function middle(t) {
  return [(t[0].clientX + t[1].clientX) / 2, (t[0].clientY + t[1].clientY) / 2];
}
