// The drawing pad of "Your digit": a square canvas for a mouse, a pen or a finger.
//
// It replaces streamlit-drawable-canvas, whose iframe let a finger's second stroke scroll
// the page (a half-drawn 7 was read as a 9), kept a fixed 280 px that its column clipped,
// and added unlabeled tab stops. Here the canvas takes `touch-action: none` (a finger
// draws, never scrolls), follows its column's width up to 280 px, and draws at 280 x 280
// whatever its size on screen. One pointer draws at a time: a second finger is ignored.
// When a stroke ends, the picture goes to Python as a PNG data URL with the stroke count
// and a sequence number (state "drawing"); Undo and Clear send it again (0 strokes: empty).
// Its words come with its data (data.texts, views/digit.py), in the page's language.

import { setTexts, t } from "../latent_map/core/i18n.js";

const SIZE = 280; // the canvas's own pixels, as the old pad's, so the preprocessing is the same
const LINE = 22; // stroke width in those pixels
const INSTANCES = new WeakMap();

class DrawPad {
  constructor(parent) {
    this.root = document.createElement("div");
    this.root.className = "lx-pad";
    this.root.innerHTML = `
      <canvas class="lx-pad-canvas" width="${SIZE}" height="${SIZE}" role="img"></canvas>
      <div class="lx-pad-buttons">
        <button type="button" class="lx-pad-undo"></button>
        <button type="button" class="lx-pad-clear"></button>
      </div>`;
    parent.appendChild(this.root);
    this.canvas = this.root.querySelector("canvas");
    this.ctx = this.canvas.getContext("2d");
    this.strokes = []; // each a list of [x, y] in canvas pixels
    this.current = null; // {id: pointerId, points}
    this.seq = 0;
    this.send = () => {};
    this.redraw();
    this.bind();
  }

  bind() {
    const c = this.canvas;
    c.addEventListener("pointerdown", (e) => {
      if (this.current || (e.pointerType === "mouse" && e.button !== 0)) return;
      e.preventDefault();
      c.setPointerCapture(e.pointerId);
      this.current = { id: e.pointerId, points: [this.at(e)] };
      this.strokes.push(this.current.points);
      this.redraw();
    });
    c.addEventListener("pointermove", (e) => {
      if (!this.current || e.pointerId !== this.current.id) return;
      e.preventDefault();
      const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
      for (const ev of events.length ? events : [e]) this.current.points.push(this.at(ev));
      this.redraw();
    });
    const end = (e) => {
      if (!this.current || e.pointerId !== this.current.id) return;
      this.current = null;
      this.report();
    };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    this.root.querySelector(".lx-pad-undo").addEventListener("click", () => {
      if (!this.strokes.length) return;
      this.strokes.pop();
      this.redraw();
      this.report();
    });
    this.root.querySelector(".lx-pad-clear").addEventListener("click", () => this.clear(true));
  }

  // A pointer's place in canvas pixels, whatever the canvas's size on screen.
  at(e) {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * SIZE, ((e.clientY - r.top) / r.height) * SIZE];
  }

  redraw() {
    const ctx = this.ctx;
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, SIZE, SIZE);
    ctx.strokeStyle = ctx.fillStyle = "#fff";
    ctx.lineWidth = LINE;
    ctx.lineCap = ctx.lineJoin = "round";
    for (const points of this.strokes) {
      if (points.length === 1) { // a tap: a dot
        ctx.beginPath();
        ctx.arc(points[0][0], points[0][1], LINE / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(...points[0]);
      for (const p of points.slice(1)) ctx.lineTo(...p);
      ctx.stroke();
    }
    this.root.querySelector(".lx-pad-undo").disabled = !this.strokes.length;
    this.root.querySelector(".lx-pad-clear").disabled = !this.strokes.length;
  }

  clear(tell) {
    this.strokes = [];
    this.current = null;
    this.redraw();
    if (tell) this.report();
  }

  report() {
    this.seq += 1;
    const png = this.strokes.length ? this.canvas.toDataURL("image/png") : null;
    this.send({ png, strokes: this.strokes.length, seq: this.seq });
  }

  update(data) {
    setTexts(data.texts);
    this.canvas.setAttribute("aria-label", data.label || t("digit.pad.name"));
    this.root.querySelector(".lx-pad-undo").textContent = t("digit.pad.undo");
    this.root.querySelector(".lx-pad-clear").textContent = t("digit.pad.clear");
  }
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let pad = INSTANCES.get(parentElement);
  if (!pad) {
    pad = new DrawPad(parentElement);
    INSTANCES.set(parentElement, pad);
  }
  pad.send = (value) => setStateValue("drawing", value);
  pad.update(data || {});
}
