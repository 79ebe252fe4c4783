// The latent map component's entry: one map's state, the wiring of its parts, and the
// Streamlit glue. The encoded test set is a Plotly WebGL scatter, decoded live under the
// pointer.
//
// Streamlit does not forward hover events and a server round trip per pointer move is too
// slow, so the decoder runs here: the MLP's weights arrive once as a float32 blob (cached
// per model by a content hash in the URL), and every pointer move decodes z here (its sums
// in WebAssembly's SIMD, core/dense.js; plain JS without it) and paints a 28 x 28 canvas
// scaled up with `image-rendering: pixelated`. A click shows everything about the clicked
// point without asking Python, and the morph runs here too; Python hears of clicks, morph
// changes and the view only to keep the link. The map sits in a Streamlit fragment, so
// that costs a rerun of the map's fragment alone.
//
// The parts, each a module of functions that take the map:
//   template.js  the markup              plot.js     Plotly, axes, pixel <-> plane, resize
//   overlay.js   the canvas over the plot, one function per layer
//   clicked.js   the click and the clicked point's panel     walk.js  walk every dimension
//   morph.js     morph controls, strip, downloads, and the order of morph changes
//   arith.js     latent arithmetic (A - B + C) and the walk along an attribute
//   sync.js      linked maps (Compare)   testapi.js  window.latentExplorer, for tests
//   touch.js     fingers: a tap pins, one finger pans a zoomed map only, a pinch zooms
//   keys.js      the keyboard (probe, Enter pins, legend buttons, the morph slider by frames)
//   labels.js    every text anew in another language (core/i18n.js: the catalog's texts)
//   stats.js     measurements            core/       PRNG, decoder, blobs, geometry, GIF, DOM
//
// The data from Python changes on reruns; Streamlit then calls this module again without
// any cleanup, so one instance lives per parent element and later calls only update it.

import { makeDecoder } from "./core/decoder.js";
import { parsePoints, parseMatrix, row } from "./core/blobs.js";
import { fetchBuffer, loadScriptOnce } from "./core/load.js";
import { nearestIndex } from "./core/geometry.js";
import { paint } from "./core/dom.js";
import { HTML, prompts } from "./template.js";
import { newPlot, followPalette, followTitles, labelModebar, toolbarClearOfLegend, frame, toLatent, coordText, visibleClasses, CHROME, DOUBLE_CLICK_MS } from "./plot.js";
import { drawOverlay, resizeOverlay } from "./overlay.js";
import { onClick, undoClick, receivePin, paintPin, showDetails } from "./clicked.js";
import { watchWalk, showWalk } from "./walk.js";
import { bindMorph, receiveMorph, applyRequest, showMorphControls } from "./morph.js";
import { register, peers, placeOf, showRemote } from "./sync.js";
import { installTestApi, setMainMap } from "./testapi.js";
import { bindKeys, legendButtons } from "./keys.js";
import { relabel } from "./labels.js";
import { bindTouch, followZoom } from "./touch.js";
import { stats, mark, countDecode } from "./stats.js";
import { setTexts, t } from "./core/i18n.js";
import { bindArith, resetArith, showArith } from "./arith.js";
import { restoreArith } from "./arith_link.js";
import { releaseLink, ownLink, zoomParam, LINK_KEYS } from "./link.js";
import { fetchExtras, takeExtras } from "./extras.js";

const INSTANCES = new WeakMap();
const CLICK_SLOP_PX = 5; // a press that moves less than this is a click, not a pan
const REPORT_MS = 300; // a zoom is told to Python (the link) once it rests
const REPORTS_KEPT = 200; // keys of the last reports kept for the test API

installTestApi();

// One map: its state (below), the Streamlit glue (update, tell, the default export) and
// the wiring of the parts (plot.js, overlay.js, clicked.js, walk.js, morph.js, sync.js),
// which are functions of the map.
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
    this.decode = null; // plane point -> 784 intensities (null: no decoder in the page)
    this.points = null; // the map's points (core/blobs.js parsePoints)
    this.pixels = new Float32Array(784);
    this.pin = null; // the clicked point {z, index, label, peer?} (clicked.js)
    this.lastNonce = null; // the page's last click (clicked.js)
    this.hoverZ = null;
    this.probe = null; // the keyboard's probe on the plane (keys.js)
    this.remoteZ = null; // the pointer over a linked map (sync.js)
    this.morphT = 0.5;
    this.morph = null; // {a: {z, label, index}, b: {...}, method, frames, t, seq} (morph.js)
    this.upload = null; // the user's digit: {mu, ellipses} on this plane
    this.seed = 0; // of the clicked image's posterior samples
    this.press = null;
    this.ready = null;
    this.reports = []; // keys of the state sent to Python, for the test API
    this.lang = null; // the language the markup is labelled in (labels.js)
    this.failure = null; // why the map could not load, if it could not
    watchWalk(this);
    bindMorph(this);
    bindArith(this);
    bindKeys(this);
    bindTouch(this);
    this.bindEvents();
  }

  // Called on every rerun with the latest data from Python.
  update(data) {
    setTexts(data.texts);
    const key = `${data.points_url}|${data.decoder ? data.decoder_url : "none"}|${data.mu_url || ""}`;
    this.data = data;
    if (data.sync) {
      register(this, data.sync);
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
    if ((data.lang || "") !== this.lang) { // the first data, or another language: every word anew
      this.lang = data.lang || "";
      relabel(this);
    }
    this.ready.then(() => this.applyOverlays());
  }

  // State to Python (the component's state values), remembered for the test API.
  tell(key, value) {
    this.reports.push(key);
    if (this.reports.length > REPORTS_KEPT) this.reports.shift();
    this.setStateValue(key, value);
  }

  // Another model: nothing of the old one may stay on screen (its decodings, its pin).
  clearModelState() {
    if (this.ownsLink) releaseLink(LINK_KEYS); // the pin and zoom this map put in the link were the old model's
    this.ownsLink = false;
    this.pin = null;
    this.lastNonce = null;
    this.morph = null;
    this.hoverZ = null;
    this.probe = null;
    this.hoverCanvas.getContext("2d").clearRect(0, 0, 28, 28);
    this.hoverCanvas.classList.add("lx-empty");
    this.el(".lx-hover-coords").textContent = this.idleHoverText();
    this.el(".lx-details").replaceChildren();
    showWalk(this, null);
    resetArith(this);
  }

  fail(err) {
    if (this.failure !== err) console.error("latent map:", err);
    this.failure = err;
    this.el(".lx-loading").textContent = t("map.failed", { error: err.message });
    this.el(".lx-loading").style.display = "flex";
  }

  // What "Under the pointer" says with nothing under the pointer.
  idleHoverText() {
    return this.points && !this.decode ? t("map.hover.no_decoder") : prompts().hover;
  }

  async build(data) {
    mark("mounted");
    const key = this.modelKey;
    // What the map needs to draw and to decode under the pointer is waited for; the rest
    // (posteriors, the latent decoder, the sprite of test images) is asked for at once too.
    const extras = fetchExtras(data);
    const [Plotly, pointsBuf, decoderBuf, muBuf] = await Promise.all([
      loadScriptOnce(data.plotly_url).then((p) => { mark("plotly"); return p; }),
      fetchBuffer(data.points_url),
      data.decoder ? fetchBuffer(data.decoder_url) : Promise.resolve(null),
      data.decode_mode === "nearest" ? fetchBuffer(data.mu_url) : Promise.resolve(null),
    ]);
    mark("fetched");
    this.points = parsePoints(pointsBuf);
    this.mu = muBuf ? parseMatrix(muBuf) : null;
    this.sigma = null;
    this.kl = undefined;
    this.sprite = null;
    this.decode = decoderBuf ? makeDecoder(data.decoder, decoderBuf, countDecode) : null;
    this.decodeLatent = data.latent_decoder_url === data.decoder_url ? this.decode : null;
    // Projected maps (latent_dim > 2): PCA needs nothing here, its inverse is folded into
    // the decoder, which takes plane points. t-SNE and UMAP have no inverse (decode_mode
    // "nearest"): a point of their plane stands for the visible test digit nearest to it,
    // whose full mu (data.mu_url, a matrix blob) the d-input decoder decodes.
    this.nearestMode = data.decode_mode === "nearest";
    this.nearest = -1;
    if (this.nearestMode && this.decode) {
      const decodeMu = this.decode;
      this.decode = (z, out) => {
        this.nearest = nearestIndex(this.points, visibleClasses(this), z);
        if (this.nearest < 0) return (out || new Float32Array(784)).fill(0); // all hidden
        return decodeMu(row(this.mu, this.nearest), out);
      };
    }
    this.el(".lx-card-hover").classList.toggle("lx-disabled", !this.decode);
    if (!this.decode) this.el(".lx-hover-coords").textContent = this.idleHoverText();
    this.pin = null;
    this.lastNonce = null;
    // The extras are mostly here by now (the page asked for them early: preload.js
    // prefetch). Taken before the plot, the first view is drawn whole in one go, instead
    // of its extras a frame or more later; else they follow when they come.
    const early = await Promise.race([extras, new Promise((r) => setTimeout(r, 0))]);
    if (early) takeExtras(this, data, early);
    await newPlot(this, Plotly, data);
    this.root.dataset.ready = "1";
    setTimeout(() => this.sendView(), 0);
    if (stats.readyAt === null) stats.readyAt = performance.now();
    mark("plotted");
    if (early) this.showExtras();
    else extras.then((got) => {
      if (key !== this.modelKey) return; // another model came meanwhile
      takeExtras(this, data, got);
      this.showExtras();
    });
  }

  showExtras() {
    this.drawOverlay();
    restoreArith(this); // the link's slots: the test images' codes are here now
    showArith(this); // and the latent decoder
    if (this.pin) {
      paintPin(this); // a test image's own mu can be decoded now
      showDetails(this);
    }
  }

  // ---- what the parts ask of the map ----------------------------------------------------
  drawOverlay(ev) { drawOverlay(this, ev); }

  resizeOverlay() { resizeOverlay(this); }

  // Plotly drew (a pan, a zoom, the legend): the overlay, the legend's buttons, what a
// finger does (touch.js) and the toolbar's place follow.
  afterPlot() {
    followZoom(this);
    labelModebar(this);
    toolbarClearOfLegend(this);
    this.drawOverlay();
    legendButtons(this, this.Plotly);
  }

  // A class shown or hidden in the legend: what was drawn from the points follows it.
  onLegend() {
    if (this.pin) showDetails(this);
    if (this.morph) showMorphControls(this);
  }

  // ---- events --------------------------------------------------------------------------------
  bindEvents() {
    this.plot.addEventListener("pointermove", (e) => this.onMove(e));
    this.plot.addEventListener("pointerleave", () => {
      this.root.classList.remove("lx-hovering");
      for (const peer of peers(this)) showRemote(peer, null);
    });
    this.plot.addEventListener("pointerdown", (e) => {
      const chrome = e.target.closest && e.target.closest(CHROME);
      if (e.pointerType === "touch") return; // fingers: touch.js
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
        return undoClick(this);
      }
      onClick(this, e);
    };
    window.addEventListener("pointerup", onUp, true);
    const onDigit = (e) => {
      if (!this.root.isConnected) return window.removeEventListener("lx-digit", onDigit);
      this.onMarker(e.detail);
    };
    window.addEventListener("lx-digit", onDigit);
  }

  onMove(e) {
    if (!this.decode || !this.points) return;
    if (e.target.closest && e.target.closest(CHROME)) return; // over the toolbar or legend
    if (e.pointerType === "touch") return; // a finger's preview follows a long press (touch.js)
    const z = toLatent(this, e.clientX, e.clientY);
    if (z) this.showHover(z);
  }

  // Decode z into the "Under the pointer" card (the pointer, the keyboard's probe, a finger).
  showHover(z) {
    if (!this.decode || !this.points) return;
    this.root.classList.add("lx-hovering");
    this.hoverCanvas.classList.remove("lx-empty");
    this.hoverZ = z;
    const started = performance.now();
    this.decode(z, this.pixels);
    paint(this.hoverCanvas, this.pixels);
    stats.lastDecodeMs = performance.now() - started;
    stats.hoverFrames++;
    this.el(".lx-hover-coords").textContent = this.hoverText(z);
    if (this.data.sync) for (const peer of peers(this)) showRemote(peer, z);
  }

  // The card's text for z, just decoded: the nearest test image (t-SNE, UMAP) or the
  // coordinates, and on linked maps where z falls.
  hoverText(z) {
    const text = this.nearestMode && this.nearest >= 0
      ? t("map.hover.nearest", { index: this.nearest, label: this.data.classes[this.points.labels[this.nearest]] })
      : coordText(this.data, z);
    return this.data.sync ? `${text} · ${placeOf(this, z)}` : text;
  }

  // The view (ranges) to Python, for the link.
  sendView() {
    const f = frame(this);
    if (!f) return;
    this.drawOverlay();
    // Linked maps keep their view to themselves: Python never reads it, and every report
    // reruns the page (and reloads its images) for nothing.
    if (this.data.sync) return;
    // Once the view rests: a wheel zoom is many relayouts, and each report reruns the map's
    // fragment (where the page keeps the link, link.js, it rewrites the address bar
    // instead). `touched`: the user chose this range (only then does the link keep it);
    // `points`: which map it belongs to (a report can outlive its model).
    clearTimeout(this.viewTimer);
    this.viewTimer = setTimeout(() => {
      const g = frame(this);
      if (!g || !this.data || this.data.sync) return;
      const view = { x: [...g.xr], y: [...g.yr], touched: this.viewTouched,
                     points: this.data.points_url.replace(/^.*\//, "") };
      const key = JSON.stringify(view);
      if (key === this.sentView) return; // a relayout that changed nothing: no rerun
      this.sentView = key;
      if (this.data.own_pin) { // the page keeps the link (link.js): Python is not rerun
        this.ownsLink = true;
        ownLink({ zoom: view.touched ? zoomParam(view.x, view.y) : null });
      } else {
        this.tell("view", view);
      }
    }, REPORT_MS);
  }

  // ---- state from Python -----------------------------------------------------------------------
  applyOverlays() {
    followPalette(this);
    followTitles(this);
    receivePin(this, this.data);
    receiveMorph(this, this.data.morph);
    this.el(".lx-morph").style.display = this.morph ? "" : "none";
    showArith(this);
    this.drawOverlay();
  }

  // The user's digit from the "Your digit" fragment (marker.js), for this map's plane only,
  // and a morph request made there ("use as morph start A").
  onMarker(detail) {
    if (!this.data || this.data.sync || !detail || !this.data.points_url.endsWith(detail.points_url)) {
      if (this.upload && !detail) { this.upload = null; this.drawOverlay(); }
      return;
    }
    this.upload = detail.upload;
    applyRequest(this, detail.request);
    this.drawOverlay();
  }
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
  if (!data || !data.sync) setMainMap(instance); // the test API's map (testapi.js)
  instance.setStateValue = setStateValue;
  instance.setTriggerValue = setTriggerValue;
  if (data) instance.update(data);
}
