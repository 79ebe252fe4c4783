// The Plotly side of the map: the scatter of the test set (one WebGL trace per class), its
// axes and first view, following the element's size, and the coordinates between the
// plot's pixels and the plane (frame, toLatent, toPixel, clientPoint, hitPoint), plus
// which classes the legend shows. Functions take the map (map.js), whose `plot` is the
// Plotly element.

import { fmt } from "./core/dom.js";
import { classColour } from "./core/palette.js";
import { t, itemName } from "./core/i18n.js";

export const DOUBLE_CLICK_MS = 300; // Plotly's doubleClickDelay (set in the config): a second press
// this soon after a click makes a double-click, which resets the zoom and pins nothing
export const HIT_RADIUS_PX = 6; // a click this close to a visible data point selects that point
// Plotly's own controls: a press there is never a click or hover on the map.
export const CHROME = ".modebar-container, .legend, .xtick, .ytick, .g-xtitle, .g-ytitle";

// Coordinates as text: "z = (…)" on a 2-D latent space, "PC 1, PC 2 = (…)" on a plane.
export function coordText(data, z) {
  const names = data.axes ? data.axes.map((a) => a.replace(/ \(.*$/, "")).join(", ") : "z";
  return `${names} = (${fmt(z[0])}, ${fmt(z[1])})`;
}

function traces(points, classes, palette) {
  // one pass over the points into typed arrays sized per class (ten passes pushing into
  // arrays took ~15 ms of a cold start's main thread)
  const K = classes.length;
  const counts = new Int32Array(K);
  for (let i = 0; i < points.n; i++) {
    const c = points.labels[i];
    if (c >= 0 && c < K) counts[c]++;
  }
  const x = Array.from(counts, (n) => new Float64Array(n));
  const y = Array.from(counts, (n) => new Float64Array(n));
  const idx = Array.from(counts, (n) => new Int32Array(n));
  const filled = new Int32Array(K);
  for (let i = 0; i < points.n; i++) {
    const c = points.labels[i];
    if (!(c >= 0 && c < K)) continue;
    const k = filled[c]++;
    x[c][k] = points.xs[i];
    y[c][k] = points.ys[i];
    idx[c][k] = i;
  }
  return classes.map((name, c) => ({
    type: "scattergl", mode: "markers", name, x: x[c], y: y[c],
    customdata: idx[c], hoverinfo: "skip",
    marker: { size: 3.5, color: classColour(palette, c), opacity: 0.75 },
  }));
}

// The first view: a link's zoom (x0, x1, y0, y1) if it names a valid one, else the data
// with 5% to spare. Fit explicitly: with autorange, the equal-aspect constraint and a
// responsive resize, Plotly could leave the clusters off-centre and clipped.
function firstView(points, zoomAsked) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < points.n; i++) {
    const px = points.xs[i], py = points.ys[i];
    if (px < x0) x0 = px; if (px > x1) x1 = px;
    if (py < y0) y0 = py; if (py > y1) y1 = py;
  }
  const padX = 0.05 * (x1 - x0 || 1), padY = 0.05 * (y1 - y0 || 1);
  const zoom = Array.isArray(zoomAsked) && zoomAsked.length === 4 && zoomAsked.every(Number.isFinite)
    && zoomAsked[0] < zoomAsked[1] && zoomAsked[2] < zoomAsked[3] ? zoomAsked : null;
  return {
    zoom,
    whole: { x: [x0 - padX, x1 + padX], y: [y0 - padY, y1 + padY] },
    xRange: zoom ? zoom.slice(0, 2) : [x0 - padX, x1 + padX],
    yRange: zoom ? zoom.slice(2, 4) : [y0 - padY, y1 + padY],
  };
}

function layoutOf(data, xRange, yRange) {
  const axis = { zeroline: true, zerolinecolor: "#d0d0d8", gridcolor: "#eceef3" };
  return {
    margin: { l: 44, r: 34, t: 34, b: 36 }, // the toolbar sits in the right margin
    height: data.height,
    dragmode: "pan",
    hovermode: false,
    uirevision: "keep",
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#fbfbfd",
    xaxis: { title: { text: axisTitles(data)[0] }, ...axis,
             range: xRange, constraintoward: "center" },
    yaxis: { title: { text: axisTitles(data)[1] }, ...axis,
             range: yRange, constraintoward: "middle",
             scaleanchor: "x", scaleratio: 1 },
    legend: { itemsizing: "constant", orientation: "h", x: 0, xanchor: "left", y: 1.0, yanchor: "bottom",
              bgcolor: "rgba(0,0,0,0)", title: { text: legendTitle(data) }, itemclick: "toggle", itemdoubleclick: "toggleothers" },
    font: { family: "Source Sans Pro, sans-serif", size: 12 },
    modebar: { orientation: "v", bgcolor: "rgba(255,255,255,0.7)", color: "#8a8f9c" },
  };
}

// The titles Python sends in the session's language (views/map.py), or their defaults.
const axisTitles = (data) => data.axes || ["z\u2081", "z\u2082"];
export const legendTitle = (data) => data.legend_title || t("map.plot.legend_title", { item: itemName(data.item) });

// The WebGL layer's pixels per CSS pixel: the screen's own, up to Plotly's default of 2.
// Plotly's 2 on a screen of 1 drew four times the pixels the screen shows, in three
// canvases: on software GL the map was drawn 0.05-0.08 s later (mounted -> plotted, cold
// starts alternated 8 each, twice, 3 December); the dots look the same.
export const glPixelRatio = (ratio = globalThis.devicePixelRatio) =>
  Math.min(2, Math.max(1, Number.isFinite(ratio) ? ratio : 1));

// Draw map.points on map.plot and keep the overlay and the legend's buttons (map.afterPlot,
// map.drawOverlay, map.resizeOverlay),
// the view report (map.sendView) and the legend's followers (map.onLegend) in step.
export async function newPlot(map, Plotly, data) {
  const { zoom, whole, xRange, yRange } = firstView(map.points, data.zoom);
  map.wholeView = whole; // a view that leaves part of it out is zoomed (touch.js)
  const config = { responsive: true, scrollZoom: true, displaylogo: false,
                   showTips: false, // its legend tip ("Double-click on legend…") covered the page
                   doubleClickDelay: DOUBLE_CLICK_MS,
                   plotGlPixelRatio: glPixelRatio(),
                   modeBarButtonsToRemove: ["lasso2d", "select2d", "toImage"] };
  const plot = map.plot;
  await Plotly.newPlot(plot, traces(map.points, data.classes, data.palette), layoutOf(data, xRange, yRange), config);
  map.palette = data.palette;
  map.Plotly = Plotly;
  plot.on("plotly_afterplot", () => map.afterPlot());
  plot.on("plotly_relayouting", (ev) => map.drawOverlay(ev));
  plot.on("plotly_relayout", () => map.sendView());
  // A class shown or hidden in the legend: what was drawn from the points follows it.
  plot.on("plotly_restyle", () => map.onLegend());
  map.el(".lx-loading").style.display = "none";
  map.afterPlot();
  map.resizeOverlay();
  // Plotly's `responsive` only follows window resizes; the column can change width
  // without one (e.g. when the page's layout settles), leaving the plot wider than its
  // box and clipped. Follow the element itself.
  // Until the user zooms or pans, a resize re-fits the data (the equal-aspect constraint
  // would otherwise keep the range stretched for the old width).
  const fit = { "xaxis.range": xRange, "yaxis.range": yRange };
  map.viewTouched = Boolean(zoom); // a link's zoom is the user's view too
  const touched = () => { map.viewTouched = true; };
  plot.addEventListener("wheel", touched, { passive: true });
  plot.on("plotly_relayouting", touched);
  map.el(".modebar-container")?.addEventListener("click", touched); // zoom in/out, reset
  new ResizeObserver(() => {
    // A plot in a hidden tab or one being removed has no size: Plotly throws on it.
    if (!plot.isConnected || !plot.offsetParent || !plot.clientWidth) return;
    const full = plot._fullLayout;
    if (full && Math.abs(full.width - plot.clientWidth) > 1) {
      Plotly.Plots.resize(plot)
        .then(() => { if (!map.viewTouched) return Plotly.relayout(plot, fit); })
        .catch(() => {});
    }
    map.resizeOverlay();
  }).observe(plot);
}

// The classes' colours follow the data's palette (the sidebar's toggle), without a new plot.
export function followPalette(map) {
  const name = map.data.palette;
  if (!map.Plotly || !map.plot._fullData || name === map.palette) return;
  map.palette = name;
  const n = map.plot._fullData.length;
  const colours = Array.from({ length: n }, (_, c) => classColour(name, c));
  map.Plotly.restyle(map.plot, { "marker.color": colours }, [...Array(n).keys()]);
}

// The legend's and the axes' titles follow the data (another language), without a new plot.
export function followTitles(map) {
  const full = map.plot._fullLayout;
  if (!map.Plotly || !full || !full.legend) return;
  const [x, y] = axisTitles(map.data), legend = legendTitle(map.data);
  const now = [full.xaxis.title.text, full.yaxis.title.text, full.legend.title.text];
  if (now[0] === x && now[1] === y && now[2] === legend) return;
  map.Plotly.relayout(map.plot, { "xaxis.title.text": x, "yaxis.title.text": y, "legend.title.text": legend });
}

// Plotly's toolbar in the page's language: its buttons' tooltips (data-title) and names,
// by the button's action (Plotly builds them once, in English).
export function labelModebar(map) {
  const names = {
    "dragmode/zoom": t("map.plotly.zoom"), "dragmode/pan": t("map.plotly.pan"),
    "zoom/in": t("map.plotly.zoom_in"), "zoom/out": t("map.plotly.zoom_out"),
    "zoom/auto": t("map.plotly.autoscale"), "zoom/reset": t("map.plotly.reset"),
  };
  for (const button of map.plot.querySelectorAll(".modebar-btn[data-attr]")) {
    const name = names[`${button.dataset.attr}/${button.dataset.val}`];
    if (!name || button.dataset.title === name) continue;
    button.setAttribute("data-title", name);
    button.setAttribute("aria-label", name);
  }
}

// On a narrow plot the legend wraps into the right margin, under Plotly's toolbar (it hid
// "4" and "9" at 390 px): then the toolbar goes down to the plot area's top, beside the
// points, where the margin is empty.
export function toolbarClearOfLegend(map) {
  const bar = map.el(".modebar-container");
  const buttons = bar && bar.querySelector(".modebar");
  const f = frame(map);
  if (!buttons || !f) return;
  bar.style.removeProperty("top");
  const b = buttons.getBoundingClientRect();
  const overlap = [...map.plot.querySelectorAll(".legend .traces")].some((item) => {
    const a = item.getBoundingClientRect();
    return a.right > b.left && b.right > a.left && a.bottom > b.top && b.bottom > a.top;
  });
  if (overlap) bar.style.setProperty("top", `${f.t}px`);
}

// ---- pixel <-> plane, from the displayed axis ranges ------------------------------------
// The plot area in the plot element's pixels and its ranges ({l, t, w, h, xr, yr}); `ev`, a
// relayouting event, gives the ranges while a pan or zoom is under way. null until drawn.
export function frame(map, ev) {
  const full = map.plot._fullLayout;
  if (!full || !full._size) return null;
  const size = full._size;
  let xr = full.xaxis.range;
  let yr = full.yaxis.range;
  if (ev && ev["xaxis.range[0]"] !== undefined) xr = [ev["xaxis.range[0]"], ev["xaxis.range[1]"]];
  if (ev && ev["yaxis.range[0]"] !== undefined) yr = [ev["yaxis.range[0]"], ev["yaxis.range[1]"]];
  return { l: size.l, t: size.t, w: size.w, h: size.h, xr, yr };
}

// The plane point under a page position, or null outside the plot area.
export function toLatent(map, clientX, clientY) {
  const f = frame(map);
  if (!f) return null;
  const rect = map.plot.getBoundingClientRect();
  const px = clientX - rect.left - f.l;
  const py = clientY - rect.top - f.t;
  if (px < 0 || py < 0 || px > f.w || py > f.h) return null;
  return [f.xr[0] + (px / f.w) * (f.xr[1] - f.xr[0]), f.yr[1] - (py / f.h) * (f.yr[1] - f.yr[0])];
}

// Plot-element pixels of a plane point, in frame f.
export function toPixel(z, f) {
  return [f.l + ((z[0] - f.xr[0]) / (f.xr[1] - f.xr[0])) * f.w,
          f.t + ((f.yr[1] - z[1]) / (f.yr[1] - f.yr[0])) * f.h];
}

// Page coordinates of a plane point (where to click; see testapi.js).
export function clientPoint(map, z) {
  const rect = map.plot.getBoundingClientRect();
  const [x, y] = toPixel(z, frame(map));
  return { x: rect.left + x, y: rect.top + y };
}

// The visible data point nearest to a click, if within HIT_RADIUS_PX; else -1.
export function hitPoint(map, z) {
  const f = frame(map);
  const sx = f.w / (f.xr[1] - f.xr[0]);
  const sy = f.h / (f.yr[1] - f.yr[0]);
  const visible = visibleClasses(map);
  let best = -1;
  let bestD = HIT_RADIUS_PX * HIT_RADIUS_PX;
  const { xs, ys, labels, n } = map.points;
  for (let i = 0; i < n; i++) {
    if (visible && !visible[labels[i]]) continue;
    const dx = (xs[i] - z[0]) * sx;
    const dy = (ys[i] - z[1]) * sy;
    const d = dx * dx + dy * dy;
    if (d < bestD) { bestD = d; best = i; }
  }
  return best;
}

// Which classes the legend shows (visible[c] true), or null until the plot is drawn.
export function visibleClasses(map) {
  return map.plot._fullData ? map.plot._fullData.map((t) => t.visible === true) : null;
}
