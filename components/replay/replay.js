// Watch the latent space form: a subset of the test set's mu, epoch by epoch, on a canvas.
//
// From a checkpoint (data.url: the snapshots written by vae-train, one float32 (n, 2) block
// per epoch, see vae/replay.py) a slider replays training from epoch 0; during a run started
// from the app (data.live), each new epoch arrives inline and the map animates to it.
// Points glide from one epoch's place to the next (eased over ANIMATE_MS), so clusters are
// seen forming rather than jumping. Plain canvas: 2,000 points redraw in a millisecond.
// ▶ plays from where the slider is (from epoch 0 at the end) and pauses; touching the
// slider stops it. An epoch lasts STEP_MS, less for a long run, so that a whole replay
// takes at most REPLAY_MS: 10 epochs in 6 s, 60 epochs in 6 s too.
//
// Live, the trainer also sends its decoder's weights now and then (live_decoder.js): the
// map then decodes under the pointer, and a click pins a point, whose decoding follows
// each new set of weights. A new set replaces the decoder only; the map is not redrawn
// from scratch and the pin stays. A set that cannot decode is skipped (the decoder in use
// stays; `rejected` in the test API says why).

import { classColour } from "../latent_map/core/palette.js";
import { dot, fmt, paint } from "../latent_map/core/dom.js";
import { latentOf, liveDecoder, onPlane } from "./live_decoder.js";

const ANIMATE_MS = 450;
const STEP_MS = 600; // an epoch's time on screen in a short replay
const REPLAY_MS = 6000; // a whole replay, at most
const INSTANCES = new WeakMap();

const HTML = `
<div class="rp-head"><span class="rp-title"></span><span class="rp-figure"></span></div>
<div class="rp-stage">
  <canvas class="rp-canvas"></canvas>
  <figure class="rp-decode" hidden>
    <canvas class="rp-digit" width="28" height="28"></canvas>
    <figcaption class="rp-decode-caption"></figcaption>
  </figure>
</div>
<div class="rp-controls">
  <button class="rp-play" aria-label="play">▶</button>
  <input class="rp-slider" type="range" min="0" max="0" value="0" aria-label="epoch" />
  <span class="rp-epoch"></span>
</div>
<div class="rp-legend"></div>`;

class Replay {
  constructor(root) {
    this.root = root;
    root.innerHTML = HTML;
    root.classList.add("rp-root");
    this.canvas = root.querySelector(".rp-canvas");
    this.slider = root.querySelector(".rp-slider");
    this.epochs = []; // [{epoch, nelbo, xy: Float32Array (2n)}]
    this.shown = null; // the positions drawn now (Float32Array), for the animation
    this.key = null;
    this.playButton = root.querySelector(".rp-play");
    this.slider.addEventListener("input", () => {
      this.pause(); // the user's hand wins over playback, at once
      this.show(Number(this.slider.value), true);
    });
    this.playButton.addEventListener("click", () => (this.timer ? this.pause() : this.play()));
    new ResizeObserver(() => this.draw(this.shown)).observe(this.canvas);
    this.forgetDecoder();
    this.canvas.addEventListener("mousemove", (e) => {
      this.hover = this.decodeAt(this.toData(e.offsetX, e.offsetY));
      this.paintDecoded();
    });
    this.canvas.addEventListener("mouseleave", () => {
      this.hover = null;
      this.paintDecoded();
    });
    this.canvas.addEventListener("click", (e) => {
      const at = this.decodeAt(this.toData(e.offsetX, e.offsetY));
      if (!at) return;
      this.pin = at;
      this.paintDecoded();
      this.draw(this.shown);
    });
  }

  // No decoder, nothing under the pointer or pinned (another run, or a replay).
  forgetDecoder() {
    this.decoder = null; // {decode, epoch, latentDim, floats, float32, maxError, ms}
    this.hover = null; // {p, z, epoch, mapEpoch, pixels}
    this.pin = null; // the same, for the clicked point
    this.swaps = []; // {epoch, ms, at}: every decoder taken, for the test API
    this.rejected = []; // why a decoder record was skipped
    this.root.querySelector(".rp-decode").hidden = true;
  }

  // A new set of weights: the decoder is replaced, what is hovered and pinned is decoded
  // again; nothing else changes. A record that cannot decode leaves the decoder as it was.
  takeDecoder(record) {
    if (this.decoder && record && record.epoch === this.decoder.epoch) return;
    let next;
    try {
      next = liveDecoder(record);
    } catch (e) {
      this.rejected.push(e.message);
      console.warn(`latent explorer: the live map keeps its decoder: ${e.message}`);
      return;
    }
    this.decoder = next;
    this.swaps.push({ epoch: next.epoch, ms: next.ms, at: Date.now() });
    for (const which of ["hover", "pin"]) {
      if (this[which]) this[which] = this.decodeLatent(this[which].p, this[which].z, this[which].mapEpoch);
    }
    this.root.querySelector(".rp-decode").hidden = false;
    this.paintDecoded();
  }

  // The map's point under canvas pixel (px, py), in the plane's coordinates, or null.
  toData(px, py) {
    const f = this.geometry();
    return f ? [f.x0 + (px - f.ox) / f.scale, f.y1 - (py - f.oy) / f.scale] : null;
  }

  // The epoch shown now: its entry (points, plane).
  shownEntry() {
    return this.epochs[Number(this.slider.value)] || null;
  }

  // Decode the map's point p of the epoch shown with the decoder in use, or null.
  decodeAt(p) {
    const entry = this.shownEntry();
    if (!p || !entry || !this.decoder) return null;
    return this.decodeLatent(p, latentOf(p, entry.plane), entry.epoch);
  }

  decodeLatent(p, z, mapEpoch) {
    if (z.length !== this.decoder.latentDim) return null; // another run's plane
    return { p, z, mapEpoch, epoch: this.decoder.epoch, pixels: this.decoder.decode(z) };
  }

  paintDecoded() {
    const figure = this.root.querySelector(".rp-decode");
    if (!this.decoder) return;
    const shown = this.hover || this.pin;
    const caption = figure.querySelector(".rp-decode-caption");
    paint(figure.querySelector(".rp-digit"), shown ? shown.pixels : new Float32Array(784));
    const weights = `epoch ${this.decoder.epoch}'s weights`;
    caption.textContent = shown
      ? `${shown === this.pin ? "Pinned" : "Under the pointer"}: (${fmt(shown.p[0])}, ${fmt(shown.p[1])}), decoded with ${weights}`
      : `Hover over the map to decode with ${weights}; click to pin a point`;
  }

  async update(data) {
    this.data = data;
    const key = data.url || `live:${data.run}`;
    if (key !== this.key) {
      this.key = key;
      this.epochs = [];
      this.bounds = null;
      this.forgetDecoder();
      if (data.url) {
        const buffer = await (await fetch(data.url)).arrayBuffer();
        const floats = new Float32Array(buffer);
        const per = 2 * data.n;
        data.epochs.forEach((epoch, k) => this.epochs.push({
          epoch, nelbo: data.nelbo[k], xy: floats.subarray(k * per, (k + 1) * per),
        }));
      }
    }
    if (this.legendFor !== `${key}|${data.palette}`) { // another model, or the colours changed
      this.legendFor = `${key}|${data.palette}`;
      this.legend();
      this.draw(this.shown);
    }
    for (const s of data.new || []) { // live: the epochs Python has seen so far
      if (!this.epochs.some((e) => e.epoch === s.epoch)) {
        this.epochs.push({ epoch: s.epoch, nelbo: s.nelbo, xy: Float32Array.from(s.xy), plane: s.plane || null });
      }
    }
    this.epochs.sort((a, b) => a.epoch - b.epoch);
    this.root.querySelector(".rp-title").textContent = data.title;
    const last = this.epochs.length - 1;
    this.slider.max = String(Math.max(0, last));
    const follow = data.live || this.shown === null;
    if (follow && last >= 0) {
      this.pause();
      this.slider.value = String(last);
      this.show(last, this.shown !== null);
    }
    if (data.decoder) this.takeDecoder(data.decoder);
    window.__lxReplay = this; // for tests
  }

  legend() {
    const box = this.root.querySelector(".rp-legend");
    box.replaceChildren(...this.data.classes.map((name, c) => {
      const item = document.createElement("span");
      item.className = "rp-item";
      item.innerHTML = `<i style="background:${classColour(this.data.palette, c)}"></i>`;
      item.append(name);
      return item;
    }));
  }

  // Fixed axes for the whole run: the last epoch's spread, so earlier blobs are seen small.
  fit() {
    const xy = this.epochs[this.epochs.length - 1].xy;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < xy.length; i += 2) {
      x0 = Math.min(x0, xy[i]); x1 = Math.max(x1, xy[i]);
      y0 = Math.min(y0, xy[i + 1]); y1 = Math.max(y1, xy[i + 1]);
    }
    const pad = 0.06 * Math.max(x1 - x0, y1 - y0, 1e-3);
    this.bounds = [x0 - pad, x1 + pad, y0 - pad, y1 + pad];
  }

  show(k, animate, duration = ANIMATE_MS) {
    const target = this.epochs[k];
    if (!target) return;
    if (!this.bounds || this.data.live) this.fit();
    const e = target.epoch;
    this.root.querySelector(".rp-epoch").textContent =
      `epoch ${e} of ${this.epochs[this.epochs.length - 1].epoch}`;
    this.root.querySelector(".rp-figure").textContent = target.nelbo !== null && target.nelbo !== undefined
      ? `test −ELBO ${target.nelbo.toFixed(1)} nats` : "";
    const from = this.shown && this.shown.length === target.xy.length ? Float32Array.from(this.shown) : null;
    cancelAnimationFrame(this.frame);
    if (!animate || !from) {
      this.shown = Float32Array.from(target.xy);
      this.draw(this.shown);
      return;
    }
    const start = performance.now();
    const step = (now) => {
      const t = Math.min(1, (now - start) / duration);
      const ease = t * t * (3 - 2 * t);
      const xy = new Float32Array(from.length);
      for (let i = 0; i < xy.length; i++) xy[i] = from[i] + (target.xy[i] - from[i]) * ease;
      this.shown = xy;
      this.draw(xy);
      if (t < 1) this.frame = requestAnimationFrame(step);
    };
    this.frame = requestAnimationFrame(step);
  }

  play() {
    const last = this.epochs.length - 1;
    if (last < 1) return;
    let k = Number(this.slider.value);
    if (k >= last) k = 0; // at the end: from the start again
    const step = Math.min(STEP_MS, REPLAY_MS / last);
    const next = () => {
      this.slider.value = String(k);
      this.show(k, true, Math.min(ANIMATE_MS, 0.8 * step));
      if (++k <= last) this.timer = setTimeout(next, step);
      else this.pause();
    };
    this.playButton.textContent = "❚❚";
    this.playButton.setAttribute("aria-label", "pause");
    clearTimeout(this.timer);
    this.timer = setTimeout(next, 0);
  }

  pause() {
    clearTimeout(this.timer);
    this.timer = null;
    this.playButton.textContent = "▶";
    this.playButton.setAttribute("aria-label", "play");
  }

  // The drawing's geometry: plane point (x, y) is at canvas pixel
  // (ox + (x - x0) * scale, oy + (y1 - y) * scale); null before the first epoch.
  geometry() {
    if (!this.bounds) return null;
    const width = this.canvas.clientWidth;
    const height = Math.round(width * 0.72);
    const [x0, x1, y0, y1] = this.bounds;
    const scale = Math.min(width / (x1 - x0), height / (y1 - y0)); // equal aspect
    return { width, height, x0, y1, scale, ox: (width - scale * (x1 - x0)) / 2, oy: (height - scale * (y1 - y0)) / 2 };
  }

  draw(xy) {
    const canvas = this.canvas;
    const width = canvas.clientWidth;
    const height = Math.round(width * 0.72);
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fbfbfd";
    ctx.fillRect(0, 0, width, height);
    if (!xy || !this.bounds) return;
    const { x0, y1, scale, ox, oy } = this.geometry();
    const labels = this.data.labels;
    for (let i = 0; i < labels.length; i++) {
      ctx.fillStyle = classColour(this.data.palette, labels[i]);
      ctx.globalAlpha = 0.75;
      ctx.fillRect(ox + (xy[2 * i] - x0) * scale - 1.5, oy + (y1 - xy[2 * i + 1]) * scale - 1.5, 3, 3);
    }
    ctx.globalAlpha = 1;
    const entry = this.shownEntry();
    if (this.pin && entry) { // where the pinned latent point lies on the plane shown
      const [x, y] = onPlane(this.pin.z, entry.plane);
      dot(ctx, [ox + (x - x0) * scale, oy + (y1 - y) * scale], 5, "rgba(255,255,255,0.6)", "#262730");
    }
  }

  // Page coordinates of plane point p on the canvas (where a test moves the pointer).
  clientPoint(p) {
    const f = this.geometry();
    const rect = this.canvas.getBoundingClientRect();
    return f && {
      x: rect.left + this.canvas.clientLeft + f.ox + (p[0] - f.x0) * f.scale,
      y: rect.top + this.canvas.clientTop + f.oy + (f.y1 - p[1]) * f.scale,
    };
  }

  // The test API's view of this replay (plain JSON).
  snapshot() {
    const decoded = (d) => d && { p: d.p, z: Array.from(d.z), epoch: d.epoch, mapEpoch: d.mapEpoch, pixels: Array.from(d.pixels) };
    const dec = this.decoder;
    return JSON.parse(JSON.stringify({
      key: this.key,
      live: Boolean(this.data && this.data.live),
      connected: this.root.isConnected,
      epochs: this.epochs.map((e) => e.epoch),
      shown: this.shownEntry() ? this.shownEntry().epoch : null,
      decoder: dec && { epoch: dec.epoch, latentDim: dec.latentDim, floats: dec.floats, float32: dec.float32, maxError: dec.maxError, ms: dec.ms },
      swaps: this.swaps,
      rejected: this.rejected,
      hover: decoded(this.hover),
      pin: decoded(this.pin),
    }));
  }
}

// The test API (see components/latent_map/testapi.js): latentExplorer.replay, for the
// replay drawn last (window.__lxReplay).
const replayApi = {
  snapshot: () => (window.__lxReplay ? window.__lxReplay.snapshot() : null),
  clientPoint: (p) => (window.__lxReplay ? window.__lxReplay.clientPoint(p) : null),
};
window.latentExplorer = Object.assign(window.latentExplorer || {}, { replay: replayApi });

export default function (component) {
  const { data, parentElement } = component;
  let instance = INSTANCES.get(parentElement);
  if (!instance) {
    const root = document.createElement("div");
    parentElement.appendChild(root);
    instance = new Replay(root);
    INSTANCES.set(parentElement, instance);
  }
  if (data) instance.update(data);
}
