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

import { classColour } from "../latent_map/core/palette.js";
import { setTexts, t } from "../latent_map/core/i18n.js";

const ANIMATE_MS = 450;
const STEP_MS = 600; // an epoch's time on screen in a short replay
const REPLAY_MS = 6000; // a whole replay, at most
const INSTANCES = new WeakMap();

const HTML = `
<div class="rp-head"><span class="rp-title"></span><span class="rp-figure"></span></div>
<canvas class="rp-canvas"></canvas>
<div class="rp-controls">
  <button class="rp-play">▶</button>
  <input class="rp-slider" type="range" min="0" max="0" value="0" />
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
  }

  async update(data) {
    this.data = data;
    setTexts(data.texts); // its words, in the page's language (views/replay.py)
    this.slider.setAttribute("aria-label", t("replay.player.slider"));
    if (!this.timer) this.pause(); // the ▶ button's label, in this language
    const key = data.url || `live:${data.run}`;
    if (key !== this.key) {
      this.key = key;
      this.epochs = [];
      this.bounds = null;
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
        this.epochs.push({ epoch: s.epoch, nelbo: s.nelbo, xy: Float32Array.from(s.xy) });
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
      t("replay.player.epoch", { epoch: e, last: this.epochs[this.epochs.length - 1].epoch });
    this.root.querySelector(".rp-figure").textContent = target.nelbo !== null && target.nelbo !== undefined
      ? t("replay.player.nelbo", { nelbo: target.nelbo.toFixed(1) }) : "";
    const from = this.shown && this.shown.length === target.xy.length ? Float32Array.from(this.shown) : null;
    cancelAnimationFrame(this.frame);
    if (!animate || !from) {
      this.shown = Float32Array.from(target.xy);
      this.draw(this.shown);
      return;
    }
    const start = performance.now();
    const step = (now) => {
      const done = Math.min(1, (now - start) / duration);
      const ease = done * done * (3 - 2 * done);
      const xy = new Float32Array(from.length);
      for (let i = 0; i < xy.length; i++) xy[i] = from[i] + (target.xy[i] - from[i]) * ease;
      this.shown = xy;
      this.draw(xy);
      if (done < 1) this.frame = requestAnimationFrame(step);
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
    this.playButton.setAttribute("aria-label", t("replay.player.pause"));
    clearTimeout(this.timer);
    this.timer = setTimeout(next, 0);
  }

  pause() {
    clearTimeout(this.timer);
    this.timer = null;
    this.playButton.textContent = "▶";
    this.playButton.setAttribute("aria-label", t("replay.player.play"));
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
    const [x0, x1, y0, y1] = this.bounds;
    const scale = Math.min(width / (x1 - x0), height / (y1 - y0)); // equal aspect
    const ox = (width - scale * (x1 - x0)) / 2, oy = (height - scale * (y1 - y0)) / 2;
    const labels = this.data.labels;
    for (let i = 0; i < labels.length; i++) {
      ctx.fillStyle = classColour(this.data.palette, labels[i]);
      ctx.globalAlpha = 0.75;
      ctx.fillRect(ox + (xy[2 * i] - x0) * scale - 1.5, oy + (y1 - xy[2 * i + 1]) * scale - 1.5, 3, 3);
    }
    ctx.globalAlpha = 1;
  }
}

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
