// The exported page's morph panel: ends A and B (the default pair, or a pinned point via
// "use as A/B"), the slider's frame, the strip of STRIP_FRAMES decodings along the path
// (linear or spherical, core/decoder.js interpolate) with the slider's frame marked, and
// the caption. The path on the map is view.js's.

import { interpolate } from "../latent_map/core/decoder.js";
import { paint, fmt } from "../latent_map/core/dom.js";
import { STRIP_FRAMES } from "./view.js";

const CELL = 56, GAP = 6;

// The strip frame nearest to t, and the t of frame k.
export const frameOf = (t) => Math.round(t * (STRIP_FRAMES - 1));
export const frameT = (k) => k / (STRIP_FRAMES - 1);

// The default ends' labels read like a clicked test point's: "1 #1234".
export function endsOf(defaults) {
  const end = (e) => ({ ...e, label: e.index >= 0 ? `${e.label} #${e.index}` : e.label });
  return { a: end(defaults.a), b: end(defaults.b), t: 0.5, method: "linear", z: null, pixels: null };
}

export class MorphPanel {
  // els: {frame, caption, ends, slider, method, strip}; show(canvas, pixels) paints a digit;
  // changed() redraws what depends on the morph (the map's overlay)
  constructor(els, morph, decode, show, changed) {
    Object.assign(this, { els, morph, decode, show, changed });
    this.stripImage = null;
    els.slider.addEventListener("input", (e) => this.setT(Number(e.target.value) / 1000));
    els.method.addEventListener("change", (e) => {
      morph.method = e.target.value;
      this.paintStrip();
      this.paintFrame();
    });
    els.strip.addEventListener("click", (e) => {
      const r = e.target.getBoundingClientRect();
      const k = Math.min(STRIP_FRAMES - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * STRIP_FRAMES)));
      els.slider.value = String(Math.round(1000 * frameT(k)));
      this.setT(frameT(k));
    });
  }

  zAt(t) {
    return interpolate(this.morph.a.z, this.morph.b.z, t, this.morph.method);
  }

  setT(t) {
    this.morph.t = t;
    this.paintFrame();
  }

  // End "a" or "b" becomes `pin` ({z, index, label}).
  setEnd(which, pin) {
    this.morph[which] = { z: pin.z.slice(), index: pin.index, label: pin.label };
    this.paint();
  }

  paint() {
    const { a, b } = this.morph;
    this.els.ends.textContent = `A: ${a.label}  \u2192  B: ${b.label}`;
    this.paintStrip();
    this.paintFrame();
  }

  paintStrip() {
    const strip = this.els.strip, n = STRIP_FRAMES;
    strip.width = n * CELL + (n - 1) * GAP;
    strip.height = CELL + 5;
    const ctx = strip.getContext("2d"), tile = document.createElement("canvas");
    tile.width = 28;
    tile.height = 28;
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, strip.width, strip.height);
    for (let k = 0; k < n; k++) {
      paint(tile, this.decode(this.zAt(frameT(k))));
      ctx.drawImage(tile, k * (CELL + GAP), 0, CELL, CELL);
    }
    this.stripImage = ctx.getImageData(0, 0, strip.width, strip.height);
    this.markStrip();
  }

  markStrip() {
    if (!this.stripImage) return;
    const ctx = this.els.strip.getContext("2d");
    ctx.putImageData(this.stripImage, 0, 0);
    ctx.fillStyle = "#ff4b4b";
    ctx.fillRect(frameOf(this.morph.t) * (CELL + GAP), CELL + 2, CELL, 3);
  }

  paintFrame() {
    const morph = this.morph, z = this.zAt(morph.t);
    const pixels = this.decode(z);
    this.show(this.els.frame, pixels);
    morph.z = z;
    morph.pixels = Array.from(pixels);
    this.els.caption.textContent = `t = ${morph.t.toFixed(2)} \u00b7 z = (${fmt(z[0])}, ${fmt(z[1])})`;
    this.markStrip();
    this.changed();
  }
}
