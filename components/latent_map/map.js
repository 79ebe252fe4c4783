// Latent map: the encoded test set as a Plotly WebGL scatter, decoded live under the pointer.
//
// Streamlit does not forward hover events and a server round trip per pointer move is too
// slow, so the decoder runs here: the MLP's weights arrive once as a float32 blob (cached
// per model by a content hash in the URL), and every pointer move decodes z in plain JS and
// paints a 28 x 28 canvas scaled up with `image-rendering: pixelated`. Clicks paint at once
// and are also sent to Python (trigger "click") so the page can show the original digit,
// set morph endpoints, and so on. Overlays (clicked pin, your digit's ellipses, the morph
// path, the clicked digit's posterior ellipses) are drawn on a canvas over the plot so the
// 10,000-point scene is never re-plotted. The points' posterior sigmas arrive as a file
// too, so a click draws its ellipses at once, without a trip to Python.
//
// Two or more maps can be linked (data.sync = {group, name}, as the Compare tab does): the
// pointer over one decodes the same z through every map's decoder and marks it on the others,
// and a click pins the same z on all of them. Components run in the page, not in iframes, so
// linked instances find each other in a window-level registry (window.__lxSync[group]).
//
// A click shows everything about the clicked point without asking Python: the original test
// image (from a sprite of the test set, fetched once after the map), decode(mu), samples of
// q(z|x) drawn with a seeded PRNG that vae/prng.py mirrors bit for bit, and the nearest test
// images in the full latent space. The morph (endpoints, path, strip, downloads) runs here
// too. Python hears of clicks and morph changes only to keep the link; the map sits in a
// Streamlit fragment, so that costs a rerun of the map's fragment alone.
//
// The data from Python changes on reruns; Streamlit then calls this module again without
// any cleanup, so one instance lives per parent element and later calls only update it.

import { uniforms, normals } from "./core/prng.js";
import { makeDecoder, interpolate } from "./core/decoder.js";
import { parsePoints, parseMatrix, row } from "./core/blobs.js";
import { fetchBuffer, loadScriptOnce } from "./core/load.js";
import { ellipsePoints, nearestIndex, nearestRows, planeToLatent, klPerDimension } from "./core/geometry.js";
import { gifBytes } from "./core/gif.js";
import { paint, thumbnail, digitCanvas, figure, h, saveBlob, fmt } from "./core/dom.js";

const INSTANCES = new WeakMap();
const PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
];
const STRIP_SCALE = 2;
const CLICK_SLOP_PX = 5; // a press that moves less than this is a click, not a pan
const DOUBLE_CLICK_MS = 300; // Plotly's doubleClickDelay (set in the config): a second press
// this soon after a click makes a double-click, which resets the zoom and pins nothing
const HIT_RADIUS_PX = 6; // a click this close to a visible data point selects that point
const SAMPLES = 8; // posterior samples shown for a clicked test image
const WALK_STEPS = 7; // frames per dimension in the traversal, from -3 to +3
const WALK_RANGE = 3; // the prior's sd times this: the traversal's ends
const ACTIVE_KL_NATS = 0.01; // = vae/latent_size.py: a dimension is active above this
const NEIGHBOURS = 8; // nearest test images shown for a clicked point
const REPORT_MS = 300; // a zoom or slider change is told to Python (the link) once it rests
// Plotly's own controls: a press there is never a click or hover on the map.
const CHROME = ".modebar-container, .legend, .xtick, .ytick, .g-xtitle, .g-ytitle";


// Measurements for tests and bench/ui_latency.py.
const stats = (window.__lxStats = window.__lxStats || {
  decodes: 0, lastDecodeMs: 0, hoverFrames: 0, clicks: [], readyAt: null, marks: {},
});
const mark = (name) => { if (!(name in stats.marks)) stats.marks[name] = Math.round(performance.now()); };
const countDecode = () => { stats.decodes++; };
window.__lxRandom = { uniforms, normals }; // for the test that Python and JS agree

// Projected maps (latent_dim > 2): PCA needs nothing here, its inverse is folded into the
// decoder, which takes plane points. t-SNE and UMAP have no inverse (data.decode_mode ===
// "nearest"): a point of their plane stands for the visible test digit nearest to it, whose
// full mu (data.mu_url, a matrix blob) the d-input decoder decodes.

// Coordinates as text: "z = (…)" on a 2-D latent space, "PC 1, PC 2 = (…)" on a plane.
function coordText(data, z) {
  const names = data.axes ? data.axes.map((a) => a.replace(/ \(.*$/, "")).join(", ") : "z";
  return `${names} = (${fmt(z[0])}, ${fmt(z[1])})`;
}

const HTML = `
<div class="lx-main">
  <div class="lx-plot-wrap">
    <div class="lx-plot"></div>
    <canvas class="lx-overlay"></canvas>
    <div class="lx-loading">Loading the latent map…</div>
  </div>
  <div class="lx-side">
    <div class="lx-cards">
      <div class="lx-card lx-card-hover">
        <div class="lx-title">Under the pointer</div>
        <canvas class="lx-digit lx-hover lx-empty" width="28" height="28"></canvas>
        <div class="lx-coords lx-hover-coords">move over the map</div>
      </div>
      <div class="lx-card lx-card-pin">
        <div class="lx-title">Clicked point</div>
        <canvas class="lx-digit lx-pin lx-empty" width="28" height="28"></canvas>
        <div class="lx-coords lx-pin-coords">click anywhere on the map</div>
      </div>
    </div>
    <div class="lx-details"></div>
  </div>
</div>
<div class="lx-morph">
  <div class="lx-morph-head">
    <span class="lx-title">Morph</span>
    <span class="lx-morph-ends"></span>
  </div>
  <div class="lx-morph-body">
    <canvas class="lx-digit lx-morph-frame" width="28" height="28"></canvas>
    <div class="lx-morph-controls">
      <div class="lx-morph-pickers">
        <label>A <select class="lx-pick-a" aria-label="class for A"></select></label>
        <button class="lx-btn lx-other-a" title="another example of this class for A">↻</button>
        <label>B <select class="lx-pick-b" aria-label="class for B"></select></label>
        <button class="lx-btn lx-other-b" title="another example of this class for B">↻</button>
        <label>path <select class="lx-method" aria-label="interpolation">
          <option value="linear">linear</option><option value="spherical">spherical (slerp)</option>
        </select></label>
        <label>frames <input class="lx-frames" type="number" min="3" max="16" value="9" aria-label="frames in the strip" /></label>
        <button class="lx-btn lx-dl-png">strip (PNG)</button>
        <button class="lx-btn lx-dl-gif">morph (GIF)</button>
      </div>
      <input class="lx-slider" type="range" min="0" max="1000" value="500" aria-label="morph position" />
      <div class="lx-morph-t">t = 0.50</div>
      <canvas class="lx-strip" height="${28 * STRIP_SCALE}"></canvas>
    </div>
  </div>
</div>
<div class="lx-walk">
  <div class="lx-morph-head">
    <span class="lx-title">Walk every dimension</span>
    <span class="lx-walk-from">click a point or a test image on the map</span>
  </div>
  <div class="lx-walk-controls">
    <input class="lx-walk-slider" type="range" min="-300" max="300" value="0" aria-label="value of each dimension" />
    <span class="lx-walk-value">z_j = 0.00</span>
  </div>
  <div class="lx-walk-rows"></div>
</div>`;

class LatentMap {
  constructor(root, setStateValue, setTriggerValue) {
    this.root = root;
    this.setStateValue = setStateValue;
    this.setTriggerValue = setTriggerValue;
    root.innerHTML = HTML;
    root.classList.add("lx-root");
    this.el = (cls) => root.querySelector(cls);
    this.plot = this.el(".lx-plot");
    this.overlay = this.el(".lx-overlay");
    this.hoverCanvas = this.el(".lx-hover");
    this.pinCanvas = this.el(".lx-pin");
    this.morphCanvas = this.el(".lx-morph-frame");
    this.strip = this.el(".lx-strip");
    this.slider = this.el(".lx-slider");
    this.data = null;
    this.modelKey = null;
    this.decode = null;
    this.points = null;
    this.pixels = new Float32Array(784);
    this.pin = null;
    this.hoverZ = null;
    this.morphT = 0.5;
    this.morph = null; // {a: {z, label, index}, b: {...}, method, frames}
    this.lastMorphNonce = 0;
    this.upload = null; // the user's digit: {mu, ellipses} on this plane
    this.seed = 0; // of the clicked image's posterior samples
    this.press = null;
    this.ready = null;
    this.el(".lx-walk").style.display = "none"; // until a point is clicked
    // The walk decodes 7 frames a dimension (16-D: 112): drawn when it scrolls into view,
    // so a click's own panel is not kept waiting for rows below the fold.
    this.walkVisible = false;
    new IntersectionObserver((entries) => {
      this.walkVisible = entries.some((e) => e.isIntersecting);
      if (this.walkVisible && this.walkPending) this.renderWalk();
    }).observe(this.el(".lx-walk"));
    this.bindEvents();
  }

  // Called on every rerun with the latest data from Python.
  update(data) {
    const key = `${data.points_url}|${data.decoder ? data.decoder_url : "none"}|${data.mu_url || ""}`;
    this.data = data;
    if (data.sync) {
      const group = ((window.__lxSync = window.__lxSync || {})[data.sync.group] ||= {});
      group[data.sync.name] = this;
      this.root.classList.add("lx-compact");
    }
    if (key !== this.modelKey) {
      this.modelKey = key;
      this.root.dataset.ready = "0";
      this.clearModelState();
      this.ready = this.build(data).catch((err) => this.fail(err));
    }
    if (!data.sync) {
      // The user's digit: from Python on a full rerun, else from the marker (see marker.js).
      this.upload = data.upload || null;
      const marker = window.__lxDigit;
      if (marker && data.points_url.endsWith(marker.points_url)) this.upload = marker.upload;
    }
    this.ready.then(() => this.applyOverlays());
  }

  // Another model: nothing of the old one may stay on screen (its decodings, its pin).
  clearModelState() {
    this.pin = null;
    this.lastNonce = null;
    this.morph = null;
    this.lastMorphNonce = 0;
    this.hoverZ = null;
    this.hoverCanvas.getContext("2d").clearRect(0, 0, 28, 28);
    this.hoverCanvas.classList.add("lx-empty");
    this.el(".lx-hover-coords").textContent = "move over the map";
    this.el(".lx-details").replaceChildren();
    this.showWalk(null);
  }

  fail(err) {
    console.error("latent map:", err);
    this.el(".lx-loading").textContent = `The map could not load: ${err.message}`;
    this.el(".lx-loading").style.display = "flex";
  }

  async build(data) {
    mark("mounted");
    // What the map needs to draw and to decode under the pointer comes first; the rest
    // (posteriors, the latent decoder, the sprite of test images) right after it is drawn.
    const [Plotly, pointsBuf, decoderBuf, muBuf] = await Promise.all([
      loadScriptOnce(data.plotly_url).then((p) => { mark("plotly"); return p; }),
      fetchBuffer(data.points_url),
      data.decoder ? fetchBuffer(data.decoder_url) : Promise.resolve(null),
      data.decode_mode === "nearest" ? fetchBuffer(data.mu_url) : Promise.resolve(null),
    ]);
    mark("fetched");
    this.Plotly = Plotly;
    this.points = parsePoints(pointsBuf);
    this.mu = muBuf ? parseMatrix(muBuf) : null;
    this.sigma = null;
    this.kl = undefined;
    this.sprite = null;
    this.decode = decoderBuf ? makeDecoder(data.decoder, decoderBuf, countDecode) : null;
    this.decodeLatent = data.latent_decoder_url === data.decoder_url ? this.decode : null;
    if (!data.sync) window.__lxDecode = this.decode; // for the JS-vs-torch agreement test
    this.nearestMode = data.decode_mode === "nearest";
    this.nearest = -1;
    if (this.nearestMode && this.decode) {
      const decodeMu = this.decode;
      this.decode = (z, out) => {
        this.nearest = nearestIndex(this.points, this.visibleClasses(), z);
        if (this.nearest < 0) return (out || new Float32Array(784)).fill(0); // all hidden
        return decodeMu(row(this.mu, this.nearest), out);
      };
    }
    this.el(".lx-card-hover").classList.toggle("lx-disabled", !this.decode);
    if (!this.decode) {
      this.el(".lx-hover-coords").textContent = "live preview needs an MLP decoder; click to decode";
    }
    const traces = [];
    const classes = data.classes;
    for (let c = 0; c < classes.length; c++) {
      const x = [];
      const y = [];
      const idx = [];
      for (let i = 0; i < this.points.n; i++) {
        if (this.points.labels[i] === c) {
          x.push(this.points.xs[i]);
          y.push(this.points.ys[i]);
          idx.push(i);
        }
      }
      traces.push({
        type: "scattergl", mode: "markers", name: classes[c], x, y,
        customdata: idx, hoverinfo: "skip",
        marker: { size: 3.5, color: PALETTE[c % PALETTE.length], opacity: 0.75 },
      });
    }
    // Fit the view to the data explicitly: with autorange, the equal-aspect constraint
    // and a responsive resize, Plotly could leave the clusters off-centre and clipped.
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < this.points.n; i++) {
      const px = this.points.xs[i], py = this.points.ys[i];
      if (px < x0) x0 = px; if (px > x1) x1 = px;
      if (py < y0) y0 = py; if (py > y1) y1 = py;
    }
    const padX = 0.05 * (x1 - x0 || 1), padY = 0.05 * (y1 - y0 || 1);
    // A link's zoom (x0, x1, y0, y1) opens the map on that range instead.
    const zoom = Array.isArray(data.zoom) && data.zoom.length === 4 && data.zoom.every(Number.isFinite)
      && data.zoom[0] < data.zoom[1] && data.zoom[2] < data.zoom[3] ? data.zoom : null;
    const xRange = zoom ? zoom.slice(0, 2) : [x0 - padX, x1 + padX];
    const yRange = zoom ? zoom.slice(2, 4) : [y0 - padY, y1 + padY];
    const layout = {
      margin: { l: 44, r: 34, t: 34, b: 36 }, // the toolbar sits in the right margin
      height: data.height,
      dragmode: "pan",
      hovermode: false,
      uirevision: "keep",
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#fbfbfd",
      xaxis: { title: { text: data.axes ? data.axes[0] : "z\u2081" }, zeroline: true, zerolinecolor: "#d0d0d8", gridcolor: "#eceef3",
               range: xRange, constraintoward: "center" },
      yaxis: { title: { text: data.axes ? data.axes[1] : "z\u2082" }, zeroline: true, zerolinecolor: "#d0d0d8", gridcolor: "#eceef3",
               range: yRange, constraintoward: "middle",
               scaleanchor: "x", scaleratio: 1 },
      legend: { itemsizing: "constant", orientation: "h", x: 0, xanchor: "left", y: 1.0, yanchor: "bottom",
                bgcolor: "rgba(0,0,0,0)", title: { text: data.legend_title || "digit:" }, itemclick: "toggle", itemdoubleclick: "toggleothers" },
      font: { family: "Source Sans Pro, sans-serif", size: 12 },
      modebar: { orientation: "v", bgcolor: "rgba(255,255,255,0.7)", color: "#8a8f9c" },
    };
    const config = { responsive: true, scrollZoom: true, displaylogo: false,
                     showTips: false, // its legend tip ("Double-click on legend…") covered the page
                     doubleClickDelay: DOUBLE_CLICK_MS,
                     modeBarButtonsToRemove: ["lasso2d", "select2d", "toImage"] };
    this.pin = null;
    this.lastNonce = null;
    await Plotly.newPlot(this.plot, traces, layout, config);
    this.plot.on("plotly_afterplot", () => this.drawOverlay());
    this.plot.on("plotly_relayouting", (ev) => this.drawOverlay(ev));
    this.plot.on("plotly_relayout", () => this.sendView());
    // A class shown or hidden in the legend: what was drawn from the points follows it.
    this.plot.on("plotly_restyle", () => {
      if (this.pin) this.showDetails();
      if (this.morph) this.showMorphControls();
    });
    this.el(".lx-loading").style.display = "none";
    this.resizeOverlay();
    // Plotly's `responsive` only follows window resizes; the column can change width
    // without one (e.g. when the page's layout settles), leaving the plot wider than its
    // box and clipped. Follow the element itself.
    // Until the user zooms or pans, a resize re-fits the data (the equal-aspect constraint
    // would otherwise keep the range stretched for the old width).
    const fit = { "xaxis.range": xRange, "yaxis.range": yRange };
    this.viewTouched = Boolean(zoom); // a link's zoom is the user's view too
    const touched = () => { this.viewTouched = true; };
    this.plot.addEventListener("wheel", touched, { passive: true });
    this.plot.on("plotly_relayouting", touched);
    this.el(".modebar-container")?.addEventListener("click", touched); // zoom in/out, reset
    new ResizeObserver(() => {
      // A plot in a hidden tab or one being removed has no size: Plotly throws on it.
      if (!this.plot.isConnected || !this.plot.offsetParent || !this.plot.clientWidth) return;
      const full = this.plot._fullLayout;
      if (full && Math.abs(full.width - this.plot.clientWidth) > 1) {
        Plotly.Plots.resize(this.plot)
          .then(() => { if (!this.viewTouched) return Plotly.relayout(this.plot, fit); })
          .catch(() => {});
      }
      this.resizeOverlay();
    }).observe(this.plot);
    this.root.dataset.ready = "1";
    // Python waits for this on a cold server before importing torch (see app.py).
    setTimeout(() => {
      this.sendView();
      if (!data.sync) this.setStateValue("ready", true);
    }, 0);
    if (stats.readyAt === null) stats.readyAt = performance.now();
    mark("plotted");
    this.loadExtras(data);
  }

  // Posteriors, the decoder of latent points and the test images, for the click details.
  async loadExtras(data) {
    const key = this.modelKey;
    const [muBuf, sigmaBuf, latentBuf, sprite] = await Promise.all([
      this.mu ? Promise.resolve(null) : fetchBuffer(data.mu_url),
      data.sigma_url ? fetchBuffer(data.sigma_url) : Promise.resolve(null), // none for an AE
      data.latent_decoder && !this.decodeLatent ? fetchBuffer(data.latent_decoder_url) : Promise.resolve(null),
      data.sync ? Promise.resolve(null) : new Promise((resolve) => { // linked maps show no thumbnails
        const img = new Image();
        img.onload = () => resolve(img);
        img.onerror = () => resolve(null); // thumbnails stay blank; nothing else depends on them
        img.src = data.images_url;
      }),
    ]);
    if (key !== this.modelKey) return; // another model came meanwhile
    if (muBuf) this.mu = parseMatrix(muBuf);
    this.sigma = sigmaBuf ? parseMatrix(sigmaBuf) : null;
    if (latentBuf) this.decodeLatent = makeDecoder(data.latent_decoder, latentBuf, countDecode);
    this.sprite = sprite;
    mark("extras");
    this.drawOverlay();
    if (this.pin) {
      this.paintPin(); // a test image's own mu can be decoded now
      this.showDetails();
    }
  }

  // ---- pixel <-> latent, from the displayed axis ranges ------------------------------------
  frame(ev) {
    const full = this.plot._fullLayout;
    if (!full || !full._size) return null;
    const size = full._size;
    let xr = full.xaxis.range;
    let yr = full.yaxis.range;
    if (ev && ev["xaxis.range[0]"] !== undefined) xr = [ev["xaxis.range[0]"], ev["xaxis.range[1]"]];
    if (ev && ev["yaxis.range[0]"] !== undefined) yr = [ev["yaxis.range[0]"], ev["yaxis.range[1]"]];
    return { l: size.l, t: size.t, w: size.w, h: size.h, xr, yr };
  }

  toLatent(clientX, clientY) {
    const f = this.frame();
    if (!f) return null;
    const rect = this.plot.getBoundingClientRect();
    const px = clientX - rect.left - f.l;
    const py = clientY - rect.top - f.t;
    if (px < 0 || py < 0 || px > f.w || py > f.h) return null;
    return [f.xr[0] + (px / f.w) * (f.xr[1] - f.xr[0]), f.yr[1] - (py / f.h) * (f.yr[1] - f.yr[0])];
  }

  toPixel(z, f) {
    return [f.l + ((z[0] - f.xr[0]) / (f.xr[1] - f.xr[0])) * f.w,
            f.t + ((f.yr[1] - z[1]) / (f.yr[1] - f.yr[0])) * f.h];
  }

  // Page coordinates of a latent point (for tests and the bench).
  clientPoint(z) {
    const rect = this.plot.getBoundingClientRect();
    const [x, y] = this.toPixel(z, this.frame());
    return { x: rect.left + x, y: rect.top + y };
  }

  // The visible data point nearest to a click, if within HIT_RADIUS_PX.
  hitPoint(z) {
    const f = this.frame();
    const sx = f.w / (f.xr[1] - f.xr[0]);
    const sy = f.h / (f.yr[1] - f.yr[0]);
    const visible = this.visibleClasses();
    let best = -1;
    let bestD = HIT_RADIUS_PX * HIT_RADIUS_PX;
    const { xs, ys, labels, n } = this.points;
    for (let i = 0; i < n; i++) {
      if (visible && !visible[labels[i]]) continue;
      const dx = (xs[i] - z[0]) * sx;
      const dy = (ys[i] - z[1]) * sy;
      const d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  }

  // Which digit classes the legend shows (all until the plot is drawn).
  visibleClasses() {
    return this.plot._fullData ? this.plot._fullData.map((t) => t.visible === true) : null;
  }

  // ---- events --------------------------------------------------------------------------------
  bindEvents() {
    this.plot.addEventListener("pointermove", (e) => this.onMove(e));
    this.plot.addEventListener("pointerleave", () => {
      this.root.classList.remove("lx-hovering");
      for (const peer of this.peers()) peer.showRemote(null);
    });
    this.plot.addEventListener("pointerdown", (e) => {
      const chrome = e.target.closest && e.target.closest(CHROME);
      if (e.button === 0 && !chrome) this.press = { x: e.clientX, y: e.clientY, t: performance.now() };
    }, { capture: true });
    // pointerup may land on Plotly's drag cover outside the plot, so listen on the window;
    // the handler checks that this instance is still on the page.
    const onUp = (e) => {
      if (!this.root.isConnected) return window.removeEventListener("pointerup", onUp, true);
      const press = this.press;
      this.press = null;
      if (!press || Math.hypot(e.clientX - press.x, e.clientY - press.y) > CLICK_SLOP_PX) return;
      const first = this.lastPress;
      this.lastPress = press;
      if (first && press.t - first.t < DOUBLE_CLICK_MS) { // Plotly's double-click: reset zoom
        this.lastPress = null;
        return this.undoClick();
      }
      this.onClick(e);
    };
    window.addEventListener("pointerup", onUp, true);
    const onDigit = (e) => {
      if (!this.root.isConnected) return window.removeEventListener("lx-digit", onDigit);
      this.onMarker(e.detail);
    };
    window.addEventListener("lx-digit", onDigit);
    this.slider.addEventListener("input", () => {
      this.morphT = this.slider.value / 1000;
      this.paintMorph();
    });
    // Python (the link) hears of t when the slider is let go and rests, not per move.
    this.slider.addEventListener("change", () => {
      clearTimeout(this.tTimer);
      this.tTimer = setTimeout(() => {
        if (this.morph && this.morph.t !== this.morphT) this.changeMorph({ t: this.morphT });
      }, REPORT_MS);
    });
    for (const which of ["a", "b"]) {
      this.el(`.lx-pick-${which}`).addEventListener("change", (e) => {
        const c = Number(e.target.value);
        this.setEndpoint(which, this.data.typical[c]);
      });
      this.el(`.lx-other-${which}`).addEventListener("click", () => this.otherExample(which));
    }
    this.el(".lx-method").addEventListener("change", (e) => this.changeMorph({ method: e.target.value }));
    this.el(".lx-frames").addEventListener("change", (e) => {
      const n = Math.min(16, Math.max(3, Math.round(Number(e.target.value) || 9)));
      e.target.value = n;
      this.changeMorph({ frames: n });
    });
    this.el(".lx-dl-png").addEventListener("click", () => this.downloadStrip());
    this.el(".lx-walk-slider").addEventListener("input", () => this.paintWalkLive());
    this.el(".lx-dl-gif").addEventListener("click", () => this.downloadGif());
  }

  onMove(e) {
    if (!this.decode || !this.points) return;
    if (e.target.closest && e.target.closest(CHROME)) return; // over the toolbar or legend
    const z = this.toLatent(e.clientX, e.clientY);
    if (!z) return;
    this.root.classList.add("lx-hovering");
    this.hoverCanvas.classList.remove("lx-empty");
    this.hoverZ = z;
    const started = performance.now();
    this.decode(z, this.pixels);
    paint(this.hoverCanvas, this.pixels);
    stats.lastDecodeMs = performance.now() - started;
    stats.hoverFrames++;
    this.el(".lx-hover-coords").textContent = this.nearestMode && this.nearest >= 0
      ? `nearest: test #${this.nearest} (“${this.data.classes[this.points.labels[this.nearest]]}”)`
      : coordText(this.data, z);
    if (this.data.sync) {
      this.el(".lx-hover-coords").textContent += ` · ${this.placeOf(z)}`;
      for (const peer of this.peers()) peer.showRemote(z);
    }
  }

  // ---- linked maps (data.sync) ---------------------------------------------------------------
  peers() {
    const sync = this.data && this.data.sync;
    const group = sync && window.__lxSync && window.__lxSync[sync.group];
    if (!group) return [];
    return Object.values(group).filter((m) => m !== this && m.root.isConnected && m.points);
  }

  // Where z falls on this map, in words: among which digits, in a gap, or out of view.
  placeOf(z) {
    const f = this.frame();
    if (!f) return "";
    const inX = z[0] >= Math.min(...f.xr) && z[0] <= Math.max(...f.xr);
    const inY = z[1] >= Math.min(...f.yr) && z[1] <= Math.max(...f.yr);
    if (!inX || !inY) return "outside this map's view";
    const sx = f.w / (f.xr[1] - f.xr[0]);
    const sy = f.h / (f.yr[1] - f.yr[0]);
    const { xs, ys, labels, n } = this.points;
    const visible = this.visibleClasses();
    let best = -1, bestD = Infinity;
    for (let i = 0; i < n; i++) {
      if (visible && !visible[labels[i]]) continue;
      const d = ((xs[i] - z[0]) * sx) ** 2 + ((ys[i] - z[1]) * sy) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    if (best < 0) return "every class is hidden in the legend";
    const px = Math.sqrt(bestD);
    return px <= 2 * HIT_RADIUS_PX
      ? `among the “${this.data.classes[labels[best]]}”s`
      : `in a gap: nearest test digit ${Math.round(px)} px away`;
  }

  // The pointer is over a linked map at z (null: it left): decode z here and mark it.
  showRemote(z) {
    this.remoteZ = z;
    if (z && this.decode) {
      this.hoverCanvas.classList.remove("lx-empty");
      this.decode(z, this.pixels);
      paint(this.hoverCanvas, this.pixels);
      stats.hoverFrames++;
      this.el(".lx-hover-coords").textContent =
        `z = (${fmt(z[0])}, ${fmt(z[1])}) · from the other map, ${this.placeOf(z)}`;
    }
    this.drawOverlay();
  }

  onClick(e) {
    if (!this.points) return;
    const z = this.toLatent(e.clientX, e.clientY);
    if (!z) return;
    // A t-SNE/UMAP point stands for nothing but its nearest test image: snap to it.
    const index = this.nearestMode ? nearestIndex(this.points, this.visibleClasses(), z) : this.hitPoint(z);
    const at = index >= 0 ? [this.points.xs[index], this.points.ys[index]] : z;
    const label = index >= 0 ? this.data.classes[this.points.labels[index]] : null;
    // What a double-click's second press puts back (see undoClick).
    const token = (this.clickToken = {
      pin: this.pin, lastNonce: this.lastNonce,
      peers: this.peers().map((peer) => [peer, peer.pin, peer.lastNonce]),
    });
    this.pin = { z: at, index, label };
    this.paintPin();
    this.showPinText();
    this.drawOverlay();
    const latency = performance.now() - e.timeStamp;
    const click = { x: at[0], y: at[1], index: index >= 0 ? index : null, label, nonce: Date.now() };
    this.lastNonce = click.nonce;
    for (const peer of this.peers()) {
      peer.pin = { z: at, index: -1, label: null, peer: true };
      peer.lastNonce = click.nonce; // so an older pin from Python cannot flicker back
      peer.paintPin();
      peer.showPinText();
      peer.drawOverlay();
    }
    // Present the painted frame first, then the details and Python: sending re-renders
    // Streamlit's React tree, which would otherwise delay the frame that shows the image.
    // Python hears of it at once; a double-click's second press sends the pin it puts back.
    requestAnimationFrame(() => {
      if (this.clickToken !== token) return;
      stats.clicks.push({ paint: latency, frame: performance.now() - e.timeStamp });
      this.showDetails();
      token.sent = true;
      this.setTriggerValue("click", click);
    });
  }

  // The second press of a double-click (Plotly resets the zoom): the first press's click
  // is taken back, here and on linked maps, before Python hears of it.
  undoClick() {
    const token = this.clickToken;
    this.clickToken = null;
    if (!token) return;
    const restore = (map, pin, nonce) => {
      map.pin = pin;
      map.lastNonce = nonce;
      map.paintPin();
      if (pin) map.showPinText();
      else {
        map.pinCanvas.getContext("2d").clearRect(0, 0, 28, 28);
        map.el(".lx-pin-coords").textContent = "click anywhere on the map";
      }
      map.showDetails();
      map.drawOverlay();
    };
    restore(this, token.pin, token.lastNonce);
    for (const [peer, pin, nonce] of token.peers) restore(peer, pin, nonce);
    if (token.sent) { // Python heard of the first press: tell it what is pinned again
      const pin = token.pin, nonce = Date.now();
      this.lastNonce = nonce;
      this.setTriggerValue("click", pin
        ? { x: pin.z[0], y: pin.z[1], index: pin.index >= 0 ? pin.index : null, label: pin.label, nonce }
        : { clear: true, nonce });
    }
  }

  // A clicked test image decodes from its own mu (on a projected plane its place is only its
  // shadow); a point of empty space decodes where it is.
  pinPixels() {
    const p = this.pin;
    if (!p) return null;
    if (p.index >= 0 && !p.peer && this.decodeLatent && this.mu) {
      return this.decodeLatent(row(this.mu, p.index), new Float32Array(784));
    }
    return this.decode ? this.decode(p.z, new Float32Array(784)) : null;
  }

  paintPin() {
    const pixels = this.pinPixels();
    if (pixels) paint(this.pinCanvas, pixels);
    this.pinCanvas.classList.toggle("lx-empty", !this.pin);
  }

  showPinText() {
    const p = this.pin;
    const item = this.data.item || "digit";
    const where = coordText(this.data, p.z);
    const label = p.label ? ` (“${p.label}”)` : ""; // a pin from a link has its class a moment later
    this.el(".lx-pin-coords").textContent = p.peer
      ? `${where} · clicked on the other map`
      : this.nearestMode && p.index >= 0
      ? `test ${item} #${p.index}${label}, the nearest to the click: its μ decoded`
      : p.index >= 0 ? `${where} · test ${item} #${p.index}${label}: decode(μ)` : `${where} · empty space`;
  }

  // ---- what a click shows, beside the map --------------------------------------------------
  showDetails() {
    const box = this.el(".lx-details");
    const p = this.pin;
    if (!p || p.peer || this.data.sync) {
      this.showWalk(null);
      return box.replaceChildren();
    }
    const d = this.data;
    const item = d.item || "digit";
    const parts = [];
    const zLatent = p.index >= 0 && this.mu ? Array.from(row(this.mu, p.index))
      : d.method === "pca" ? planeToLatent(d.pca, p.z) : d.method === "latent" ? p.z : null;
    if (p.index >= 0) {
      const images = [figure(thumbnail(this.sprite, d.sprite_columns, p.index, 56), "original")];
      const own = this.pinPixels();
      if (own) images.push(figure(digitCanvas(own, 56), "decode(μ)"));
      if (d.method === "pca" && this.decode) {
        images.push(figure(digitCanvas(this.decode(p.z, new Float32Array(784)), 56), "on the plane",
          "decode of the point where the map shows it: μ flattened onto the PCA plane"));
      }
      parts.push(h("div", "lx-detail-head", d.method === "latent" ? `test ${item} #${p.index}`
        : `test ${item} #${p.index}: its own ${d.latent_dim}-D μ, not its shadow on the map`));
      parts.push(h("div", "lx-row", images));
      parts.push(...this.posteriorParts(p.index));
    } else {
      parts.push(h("div", "lx-detail-head", d.method === "pca"
        ? "empty space: the latent point mean + p · components" : "empty space"));
    }
    if (zLatent && this.mu) parts.push(...this.neighbourParts(zLatent, p.index));
    if (d.decode_mode === "plane") {
      const use = (which) => {
        const b = h("button", "lx-btn", `Use as morph ${which.toUpperCase()}`);
        b.classList.add(`lx-use-${which}`);
        b.addEventListener("click", () => this.changeMorph({
          [which]: { z: [...p.z], index: p.index >= 0 ? p.index : null,
                     label: p.index >= 0 ? `#${p.index} “${p.label}”` : `(${p.z[0].toFixed(2)}, ${p.z[1].toFixed(2)})` },
        }));
        return b;
      };
      parts.push(h("div", "lx-row lx-use", [use("a"), use("b")]));
    }
    box.replaceChildren(...parts);
    this.showWalk(zLatent);
  }

  // ---- walk every dimension: decode z with one dimension swept over the prior's range ------
  // KL(q(z|x) || N(0, 1)) per dimension, averaged over the test set (vae/latent_size.py's
  // measure): the rows' order, and which dimensions carry nothing.
  klPerDimension() {
    if (this.kl !== undefined) return this.kl;
    this.kl = this.mu && this.sigma ? klPerDimension(this.mu, this.sigma) : null;
    return this.kl;
  }

  showWalk(z) {
    const box = this.el(".lx-walk");
    const ready = z && this.decodeLatent && this.mu && !this.data.sync;
    box.style.display = ready ? "" : "none";
    this.walkZ = ready ? Array.from(z) : null;
    this.walkPending = Boolean(ready);
    if (!ready) return;
    const d = this.data;
    const p = this.pin;
    this.el(".lx-walk-from").textContent = p.index >= 0
      ? `from test ${d.item || "digit"} #${p.index}'s μ: each row sets one z_j from −${WALK_RANGE} to +${WALK_RANGE}, the others kept`
      : "from the clicked point: each row sets one z_j from −3 to +3, the others kept";
    if (this.walkVisible) this.renderWalk();
  }

  renderWalk() {
    this.walkPending = false;
    const z = this.walkZ;
    if (!z) return;
    const kl = this.klPerDimension();
    const dims = [...Array(z.length).keys()];
    if (kl) dims.sort((a, b) => kl[b] - kl[a]);
    const rows = dims.map((j) => {
      const frames = [];
      for (let k = 0; k < WALK_STEPS; k++) {
        const v = -WALK_RANGE + (2 * WALK_RANGE * k) / (WALK_STEPS - 1);
        const zz = Float32Array.from(z);
        zz[j] = v;
        frames.push(figure(digitCanvas(this.decodeLatent(zz, new Float32Array(784)), 36), v.toFixed(0)));
      }
      const live = digitCanvas(new Float32Array(784), 44);
      live.classList.add("lx-walk-live");
      live.dataset.dim = String(j);
      const inactive = kl && kl[j] <= ACTIVE_KL_NATS;
      const name = h("div", "lx-walk-name", kl
        ? `z${j + 1} · KL ${kl[j].toFixed(2)}${inactive ? " · inactive" : ""}`
        : `z${j + 1}`);
      const row = h("div", "lx-row lx-walk-row", [name, live, ...frames]);
      if (inactive) row.classList.add("lx-inactive");
      return row;
    });
    this.el(".lx-walk-rows").replaceChildren(...rows);
    this.walkShown = { dims, kl }; // for tests
    this.paintWalkLive();
  }

  paintWalkLive() {
    if (!this.walkZ) return;
    const v = Number(this.el(".lx-walk-slider").value) / 100;
    this.el(".lx-walk-value").textContent = `z_j = ${v.toFixed(2)}`;
    for (const canvas of this.root.querySelectorAll(".lx-walk-live")) {
      const zz = Float32Array.from(this.walkZ);
      zz[Number(canvas.dataset.dim)] = v;
      paint(canvas, this.decodeLatent(zz, new Float32Array(784)));
    }
  }

  // z ~ q(z|x) for test image i: SAMPLES draws z = mu + sigma * eps, eps from the shared PRNG.
  posteriorParts(i) {
    if (this.data.kind === "ae") {
      return [h("div", "lx-note", "A plain autoencoder has no posterior q(z|x): its code of an image is one point, nothing to sample.")];
    }
    if (!this.sigma || !this.mu || !this.decodeLatent) return [h("div", "lx-note", "loading the posteriors…")];
    const mu = row(this.mu, i);
    const sigma = row(this.sigma, i);
    const dim = mu.length;
    const eps = normals(this.seed, SAMPLES * dim);
    const tiles = [];
    for (let k = 0; k < SAMPLES; k++) {
      const z = new Float32Array(dim);
      for (let j = 0; j < dim; j++) z[j] = mu[j] + sigma[j] * eps[k * dim + j];
      tiles.push(figure(digitCanvas(this.decodeLatent(z, new Float32Array(784)), 36), `z${k + 1}`));
    }
    const shown = Array.from(sigma.subarray(0, 4), (v) => v.toFixed(3)).join(", ") + (dim > 4 ? ", …" : "");
    const resample = h("button", "lx-btn lx-resample", "Resample");
    resample.addEventListener("click", () => { this.seed++; this.showDetails(); });
    this.samplesShown = { index: i, seed: this.seed, eps: Array.from(eps) }; // for tests
    return [
      h("div", "lx-detail-head", `q(z|x): σ = (${shown}); decodings of z = μ + σ·ε`),
      h("div", "lx-row lx-samples", tiles),
      h("div", "lx-row", [resample, h("span", "lx-seed", `seed ${this.seed}`)]),
    ];
  }

  neighbourParts(z, exclude) {
    const d = this.data;
    const visible = this.visibleClasses();
    const hidden = visible && visible.some((v) => !v);
    const keep = hidden ? (i) => visible[this.points.labels[i]] : null; // as the legend shows
    const near = nearestRows(this.mu, z, NEIGHBOURS, exclude >= 0 ? exclude : -1, keep);
    this.neighboursShown = near; // for tests
    const tiles = near.map(({ i, d: dist }) => figure(thumbnail(this.sprite, d.sprite_columns, i, 36),
      `${d.classes[this.points.labels[i]]}`, `test #${i} (“${d.classes[this.points.labels[i]]}”), distance ${dist.toFixed(2)}`));
    return [
      h("div", "lx-detail-head", `nearest test images (in the ${d.latent_dim}-D latent space${exclude >= 0 ? ", this one left out" : ""}${hidden ? "; classes hidden in the legend left out" : ""})`),
      h("div", "lx-row lx-neighbours", tiles),
    ];
  }

  sendView() {
    const f = this.frame();
    if (!f) return;
    this.drawOverlay();
    // Linked maps keep their view to themselves: Python never reads it, and every report
    // reruns the page (and reloads its images) for nothing.
    if (this.data.sync) return;
    // Once the view rests: a wheel zoom is many relayouts, and each report reruns the map's
    // fragment. `touched`: the user chose this range (only then does the link keep it);
    // `points`: which map it belongs to (a report can outlive its model).
    clearTimeout(this.viewTimer);
    this.viewTimer = setTimeout(() => {
      const g = this.frame();
      if (!g || !this.data || this.data.sync) return;
      const view = { x: [...g.xr], y: [...g.yr], touched: this.viewTouched,
                     points: this.data.points_url.replace(/^.*\//, "") };
      const key = JSON.stringify(view);
      if (key === this.sentView) return; // a relayout that changed nothing: no rerun
      this.sentView = key;
      this.setStateValue("view", view);
    }, REPORT_MS);
  }

  // ---- state from Python -----------------------------------------------------------------------
  applyOverlays() {
    const d = this.data;
    // The pin from Python wins unless it is the one we just set (same place) or an older
    // click still on its way back (clicks faster than reruns must not flicker back).
    if (d.pin) {
      const same = this.pin && Math.abs(this.pin.z[0] - d.pin.x) < 1e-6 && Math.abs(this.pin.z[1] - d.pin.y) < 1e-6;
      const stale = d.pin.nonce && this.lastNonce && d.pin.nonce < this.lastNonce;
      if (!same && !stale) {
        this.pin = { z: [d.pin.x, d.pin.y], index: d.pin.index ?? -1, label: d.pin.label, peer: d.pin.peer };
        this.paintPin();
        this.showPinText();
        this.showDetails();
      }
    }
    if (!d.pin && this.pin && !this.lastNonce) { // cleared in Python (another plane)
      this.pin = null;
      this.showDetails();
    }
    if (d.pin_pixels) paint(this.pinCanvas, d.pin_pixels); // decoded in Python (no JS decoder)
    this.pinCanvas.classList.toggle("lx-empty", !this.pin);
    if (!this.pin) {
      this.pinCanvas.getContext("2d").clearRect(0, 0, 28, 28);
      this.el(".lx-pin-coords").textContent = "click anywhere on the map";
    }
    const m = d.morph;
    if (!m) this.morph = null;
    else if (!this.morph || (m.nonce || 0) >= this.lastMorphNonce) this.applyMorph(m);
    this.el(".lx-morph").style.display = this.morph ? "" : "none";
    this.drawOverlay();
  }

  // ---- morph ---------------------------------------------------------------------------------
  applyMorph(m) {
    const same = this.morph && JSON.stringify(this.morph) === JSON.stringify(m);
    const lastT = this.morph ? this.morph.t : undefined;
    this.morph = m;
    this.lastMorphNonce = Math.max(this.lastMorphNonce, m.nonce || 0);
    if (same) return;
    // The slider follows a t that changed (a link's); an unchanged one is stale while the
    // user drags, so it must not pull the slider back.
    if (Number.isFinite(m.t) && m.t !== lastT) {
      this.morphT = Math.min(1, Math.max(0, m.t));
      this.slider.value = String(Math.round(this.morphT * 1000));
    }
    this.showMorphControls();
    this.paintStrip();
    this.paintMorph();
  }

  // A change made here (pickers, method, frames, "use as A/B"): draw it, tell Python.
  changeMorph(patch) {
    if (!this.morph) return;
    const nonce = Math.max(Date.now(), this.lastMorphNonce + 1);
    const { frames_pixels, ...kept } = this.morph; // Python decodes anew for a conv model
    this.applyMorph({ ...kept, t: this.morphT, ...patch, nonce });
    this.setStateValue("morph", this.morph);
  }

  setEndpoint(which, index) {
    if (index === null || index === undefined || !(index >= 0)) return;
    const label = this.data.classes[this.points.labels[index]];
    this.changeMorph({ [which]: { z: [this.points.xs[index], this.points.ys[index]], index, label: `#${index} “${label}”` } });
  }

  // Another test image of the class picked for endpoint `which`, at random.
  otherExample(which) {
    const c = Number(this.el(`.lx-pick-${which}`).value);
    const visible = this.visibleClasses();
    if (!(c >= 0) || (visible && !visible[c])) return; // hidden in the legend
    const members = [];
    for (let i = 0; i < this.points.n; i++) if (this.points.labels[i] === c) members.push(i);
    if (members.length) this.setEndpoint(which, members[Math.floor(Math.random() * members.length)]);
  }

  showMorphControls() {
    const m = this.morph;
    const classes = this.data.classes;
    for (const which of ["a", "b"]) {
      const select = this.el(`.lx-pick-${which}`);
      if (select.dataset.classes !== classes.join("|")) { // another model's classes
        select.replaceChildren(h("option", "", "a point"), ...classes.map((c, k) => {
          const o = h("option", "", c);
          o.value = String(k);
          return o;
        }));
        select.options[0].value = "";
        select.options[0].disabled = true;
        select.dataset.classes = classes.join("|");
      }
      const end = m[which];
      select.value = end.index >= 0 && end.index !== null ? String(this.points.labels[end.index]) : "";
      // Classes hidden in the legend cannot be picked, nor give "another example".
      const visible = this.visibleClasses();
      for (let k = 0; k < classes.length; k++) select.options[k + 1].disabled = Boolean(visible && !visible[k]);
      const other = this.el(`.lx-other-${which}`);
      other.disabled = select.value === "" || Boolean(visible && !visible[Number(select.value)]);
      other.title = other.disabled && select.value !== ""
        ? `“${classes[Number(select.value)]}” is hidden in the legend` : "another example of this class for " + which.toUpperCase();
    }
    this.el(".lx-method").value = m.method;
    this.el(".lx-frames").value = m.frames;
    this.el(".lx-morph-ends").textContent = `A ${m.a.label} → B ${m.b.label} · ${m.method}`;
  }

  morphZ(t) {
    const m = this.morph;
    return interpolate(m.a.z, m.b.z, t, m.method);
  }

  morphFrame(k, n) {
    const m = this.morph;
    if (this.decode) return this.decode(this.morphZ(k / (n - 1)), new Float32Array(784));
    return m.frames_pixels ? m.frames_pixels[Math.round((k / (n - 1)) * (m.frames_pixels.length - 1))] : null;
  }

  paintMorph() {
    const m = this.morph;
    if (!m) return;
    const z = this.morphZ(this.morphT);
    if (this.decode) {
      paint(this.morphCanvas, this.decode(z, new Float32Array(784)));
    } else if (m.frames_pixels) {
      const k = Math.round(this.morphT * (m.frames_pixels.length - 1));
      paint(this.morphCanvas, m.frames_pixels[k]);
    }
    this.el(".lx-morph-t").textContent = `t = ${this.morphT.toFixed(2)} · ${coordText(this.data, z)}`;
    this.markStripFrame();
    this.drawOverlay();
  }

  paintStrip() {
    const n = this.morph.frames;
    const cell = 28 * STRIP_SCALE;
    const gap = 4;
    this.strip.width = n * cell + (n - 1) * gap;
    this.strip.height = cell + 4;
    const ctx = this.strip.getContext("2d");
    ctx.clearRect(0, 0, this.strip.width, this.strip.height);
    const tile = document.createElement("canvas");
    tile.width = 28;
    tile.height = 28;
    ctx.imageSmoothingEnabled = false;
    for (let k = 0; k < n; k++) {
      const pixels = this.morphFrame(k, n);
      if (!pixels) continue;
      paint(tile, pixels);
      ctx.drawImage(tile, k * (cell + gap), 0, cell, cell);
    }
    this.stripImage = ctx.getImageData(0, 0, this.strip.width, this.strip.height);
    this.markStripFrame();
  }

  markStripFrame() {
    if (!this.stripImage || !this.morph) return;
    const n = this.morph.frames;
    const cell = 28 * STRIP_SCALE;
    const gap = 4;
    const ctx = this.strip.getContext("2d");
    ctx.putImageData(this.stripImage, 0, 0);
    const k = Math.round(this.morphT * (n - 1));
    ctx.fillStyle = "#ff4b4b";
    ctx.fillRect(k * (cell + gap), cell + 1, cell, 3);
  }

  // The strip as a PNG: every frame at 4x, 2 px apart (as vae/render.py strip_png does).
  downloadStrip() {
    const n = this.morph.frames;
    const scale = 4, gap = 2 * scale;
    const canvas = document.createElement("canvas");
    canvas.width = n * 28 * scale + (n - 1) * gap;
    canvas.height = 28 * scale;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = false;
    const tile = document.createElement("canvas");
    tile.width = tile.height = 28;
    for (let k = 0; k < n; k++) {
      paint(tile, this.morphFrame(k, n));
      ctx.drawImage(tile, k * (28 * scale + gap), 0, 28 * scale, 28 * scale);
    }
    canvas.toBlob((blob) => saveBlob(blob, this.morphFileName("png")), "image/png");
  }

  // The morph as a looping GIF: 24 frames there and back, 6x, 60 ms a frame.
  gifFrames(count = 24, scale = 6) {
    const side = 28 * scale;
    const frames = [];
    for (let k = 0; k < count; k++) {
      const pixels = this.decode ? this.decode(this.morphZ(k / (count - 1)), new Float32Array(784))
        : this.morphFrame(k, count);
      const big = new Float32Array(side * side);
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) big[y * side + x] = pixels[Math.floor(y / scale) * 28 + Math.floor(x / scale)];
      }
      frames.push(big);
    }
    return frames.concat(frames.slice(1, -1).reverse());
  }

  downloadGif() {
    const frames = this.gifFrames();
    saveBlob(new Blob([gifBytes(frames, 168, 168, 6)], { type: "image/gif" }), this.morphFileName("gif"));
  }

  // morph-<model>-<A>-to-<B>.<ext>: an end is its class if it is a test image, else its place.
  morphFileName(ext) {
    const m = this.morph;
    const end = (e) => (e.index >= 0 && e.index !== null && this.points && e.index < this.points.n
      ? this.data.classes[this.points.labels[e.index]] : `${e.z[0].toFixed(2)}_${e.z[1].toFixed(2)}`);
    const slug = (text) => String(text).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/-+$/, "");
    const parts = ["morph", this.data.model, end(m.a), "to", end(m.b)].filter(Boolean).map(slug);
    return `${parts.join("-")}.${ext}`;
  }

  // The user's digit from the "Your digit" fragment (marker.js), for this map's plane only.
  onMarker(detail) {
    if (!this.data || this.data.sync || !detail || !this.data.points_url.endsWith(detail.points_url)) {
      if (this.upload && !detail) { this.upload = null; this.drawOverlay(); }
      return;
    }
    this.upload = detail.upload;
    const m = detail.morph;
    if (m && this.morph && (m.nonce || 0) > this.lastMorphNonce) {
      this.applyMorph({ ...this.morph, ...m, nonce: m.nonce });
    }
    this.drawOverlay();
  }

  // q(z|x) of the clicked test image on a 2-D latent map: its 1- and 2-sigma ellipses, or
  // null (empty space, an AE, a projected plane).
  pinPosterior() {
    const p = this.pin;
    const s = this.sigma;
    if (!p || !s || s.d !== 2 || this.data.method !== "latent" || !(p.index >= 0) || p.index >= this.points.n) return null;
    const mu = [this.points.xs[p.index], this.points.ys[p.index]];
    return [1, 2].map((k) => ellipsePoints(mu, [s.values[2 * p.index], s.values[2 * p.index + 1]], k));
  }

  // Where the prior ring's label goes (plot pixels): of a few places just outside the
  // circle and in the plot's corners, the first over the fewest visible points (on the
  // maps of Compare, none). Kept until the view or the legend changes.
  ringLabelPlace(ctx, f, [cx, cy], r, text) {
    const visible = this.visibleClasses();
    const key = [f.xr, f.yr, f.l, f.t, f.w, f.h, r, text, visible && visible.join()].join("|");
    if (this.ringLabelCache && this.ringLabelCache.key === key) return this.ringLabelCache.box;
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
    const { xs, ys, labels, n } = this.points;
    let best = null, bestCount = Infinity;
    for (const b of places) {
      let count = 0;
      for (let i = 0; i < n && count < bestCount; i++) {
        if (visible && !visible[labels[i]]) continue;
        const [px, py] = this.toPixel([xs[i], ys[i]], f);
        if (px > b.x - 2 && px < b.x + w + 2 && py > b.y - 2 && py < b.y + h + 2) count++;
      }
      if (count < bestCount) { best = b; bestCount = count; }
      if (!count) break;
    }
    const box = { ...(best || { x: f.l + 6, y: f.t + 6 }), w, h };
    this.ringLabelCache = { key, box };
    return box;
  }

  resizeOverlay() {
    const rect = this.plot.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.overlay.width = Math.round(rect.width * dpr);
    this.overlay.height = Math.round(rect.height * dpr);
    this.overlay.style.width = `${rect.width}px`;
    this.overlay.style.height = `${rect.height}px`;
    this.drawOverlay();
  }

  drawOverlay(ev) {
    const f = this.plot._fullLayout ? this.frame(ev) : null;
    const ctx = this.overlay.getContext("2d");
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    if (!f || !this.data) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(f.l, f.t, f.w, f.h);
    ctx.clip();
    const P = (z) => this.toPixel(z, f);
    const d = this.data;
    if (this.morph) {
      const m = this.morph;
      ctx.strokeStyle = "rgba(20,20,30,0.85)";
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      for (let k = 0; k <= 64; k++) {
        const [x, y] = P(this.morphZ(k / 64));
        k ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
      }
      ctx.stroke();
      ctx.setLineDash([]);
      for (let k = 0; k < m.frames; k++) dot(ctx, P(this.morphZ(k / (m.frames - 1))), 2.5, "#14141e", null);
      labelled(ctx, P(m.a.z), "A", "#14141e");
      labelled(ctx, P(m.b.z), "B", "#14141e");
      dot(ctx, P(this.morphZ(this.morphT)), 6, "#ff4b4b", "#fff");
    }
    if (this.upload) {
      strokeEllipses(ctx, P, this.upload.ellipses, "0,0,0");
      star(ctx, P(this.upload.mu), 9, "#ffd400", "#000");
    }
    this.pinEllipses = this.pinPosterior(); // kept for tests
    if (this.pinEllipses) strokeEllipses(ctx, P, this.pinEllipses, "190,0,90");
    if (d.prior_ring) {
      // The disc that holds a given mass of N(0, I): where a VAE's codes are pulled to.
      const [cx, cy] = P([0, 0]);
      const [ex] = P([d.prior_ring.r, 0]);
      ctx.strokeStyle = "rgba(20,20,30,0.7)";
      ctx.lineWidth = 1.5;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.arc(cx, cy, Math.abs(ex - cx), 0, 2 * Math.PI);
      ctx.stroke();
      ctx.setLineDash([]);
      // Its label, with a piece of the dashed line, where it covers no points (see below).
      ctx.font = "12px sans-serif";
      const box = (this.ringLabelBox = this.ringLabelPlace(ctx, f, [cx, cy], Math.abs(ex - cx), d.prior_ring.label));
      ctx.fillStyle = "rgba(251,251,253,0.85)";
      ctx.fillRect(box.x, box.y, box.w, box.h);
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(box.x + 2, box.y + box.h / 2);
      ctx.lineTo(box.x + 18, box.y + box.h / 2);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "rgba(20,20,30,0.8)";
      ctx.textAlign = "left";
      ctx.textBaseline = "middle";
      ctx.fillText(d.prior_ring.label, box.x + 22, box.y + box.h / 2 + 0.5);
    }
    if (this.remoteZ) {
      const [x, y] = P(this.remoteZ);
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
    if (this.pin) {
      const [x, y] = P(this.pin.z);
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, 8, 0, 2 * Math.PI);
      ctx.moveTo(x - 13, y); ctx.lineTo(x - 4, y);
      ctx.moveTo(x + 4, y); ctx.lineTo(x + 13, y);
      ctx.moveTo(x, y - 13); ctx.lineTo(x, y - 4);
      ctx.moveTo(x, y + 4); ctx.lineTo(x, y + 13);
      ctx.stroke();
    }
    ctx.restore();
  }
}

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

function dot(ctx, [x, y], r, fill, stroke) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = fill;
  ctx.fill();
  if (stroke) {
    ctx.strokeStyle = stroke;
    ctx.lineWidth = 2;
    ctx.stroke();
  }
}

function labelled(ctx, p, text, color) {
  dot(ctx, p, 9, color, "#fff");
  ctx.fillStyle = "#fff";
  ctx.font = "bold 11px sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(text, p[0], p[1] + 0.5);
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

export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  let instance = INSTANCES.get(parentElement);
  if (!instance) {
    const root = document.createElement("div");
    parentElement.appendChild(root);
    instance = new LatentMap(root, setStateValue, setTriggerValue);
    INSTANCES.set(parentElement, instance);
  }
  if (!data || !data.sync) window.__lxMap = instance; // for tests and bench/ui_latency.py
  instance.setStateValue = setStateValue;
  instance.setTriggerValue = setTriggerValue;
  if (data) instance.update(data);
}
