// Latent arithmetic under the morph: three slots A, B, C (a clicked point's full latent code,
// "use as A/B/C" in the clicked point's panel, or a class's mean code from Python), the
// decoding of z_A - z_B + z_C beside its inputs and its mark on the map where the plane
// has a place for it; and the walk of the clicked point along an attribute's direction
// (data.arith, vae/attributes.py: z + s w, s in standard deviations of the attribute),
// decoded live with the attribute measured on each decoding (core/attributes.js). All in
// the full latent space, with the map's decoder of latent points.

import { measure, combine, along, planePoint, ATTRIBUTES } from "./core/attributes.js";
import { digitCanvas, figure, h, paint, dot, setText, setAttr } from "./core/dom.js";
import { t } from "./core/i18n.js";
import { decodeAll } from "./core/decoder.js";
import { linkArith, readArithLink } from "./arith_link.js";
import { ARITH_SLOTS as SLOTS } from "./link.js";

const WALK_RANGE = 3; // the slider's ends, in standard deviations of the attribute
const STRIP = 7; // frames in the walk's strip, from -WALK_RANGE to +WALK_RANGE
const NAMES = { ink: "arith.attr.ink", thickness: "arith.attr.thickness", slant: "arith.attr.slant" };
const ABOUT = { ink: "arith.about.ink", thickness: "arith.about.thickness", slant: "arith.about.slant" };
const PLACES = { latent: "arith.where_point", pca: "arith.where_pca" };
const METHODS = { tsne: "t-SNE", umap: "UMAP" };
const CLEAR = new Float32Array(784);

const fixed = (v, n) => (Math.abs(v) < 0.5 * 10 ** -n ? 0 : v).toFixed(n);
const digitsOf = (name) => (name === "ink" ? 1 : 2); // the measured values' decimals

// The section's elements, made once; texts and pictures follow the map's data (showArith).
export function bindArith(map) {
  const slot = (which, size) => {
    const canvas = digitCanvas(CLEAR, size);
    canvas.classList.add(`lx-arith-pic-${which}`);
    return h("div", `lx-arith-slot lx-arith-slot-${which}`, [canvas, h("div", "lx-arith-cap", "")]);
  };
  const slots = SLOTS.map((which) => {
    const box = slot(which, 56);
    const pick = h("select", `lx-arith-mean lx-arith-mean-${which}`);
    pick.addEventListener("change", () => {
      const k = Number(pick.value);
      const means = map.data.arith && map.data.arith.class_means;
      if (!(k >= 0) || !means || !means[k]) return;
      setSlot(map, which, { z: means[k], kind: "mean", cls: k });
    });
    box.append(pick);
    return box;
  });
  const op = (s) => h("span", "lx-arith-op", s);
  const strength = h("input", "lx-arith-s");
  Object.assign(strength, { type: "range", min: String(-100 * WALK_RANGE), max: String(100 * WALK_RANGE), step: "10", value: "0" });
  // The walk's own controls draw it at once, on screen or not (its start is measured there).
  strength.addEventListener("input", () => {
    map.arith.s = Number(strength.value) / 100;
    if (map.arith.walkPending) renderWalk(map, true);
    else paintWalk(map);
  });
  const attr = h("select", "lx-arith-attr");
  attr.addEventListener("change", () => {
    map.arith.attr = attr.value;
    renderWalk(map, true);
  });
  const clear = h("button", "lx-btn lx-arith-clear", "");
  clear.addEventListener("click", () => {
    for (const which of SLOTS) map.arith.slots[which] = null;
    linkArith(map);
    showArith(map);
  });
  const live = digitCanvas(CLEAR, 84);
  live.classList.add("lx-arith-walk-live");
  const section = h("div", "lx-arith", [
    h("div", "lx-morph-head", [h("span", "lx-title lx-arith-title", ""), h("span", "lx-arith-sum", "z = z_A − z_B + z_C")]),
    h("div", "lx-note lx-arith-hint", ""),
    h("div", "lx-arith-eq", [slots[0], op("−"), slots[1], op("+"), slots[2], op("="), slot("result", 84), clear]),
    h("div", "lx-note lx-arith-where", ""),
    h("div", "lx-arith-walk", [
      h("div", "lx-morph-head", [h("span", "lx-title lx-arith-walk-title", ""), h("span", "lx-arith-walk-from", "")]),
      h("div", "lx-arith-walk-controls", [attr, strength, h("span", "lx-arith-s-value", "")]),
      h("div", "lx-row lx-arith-walk-now", [live, h("div", "lx-arith-measured", "")]),
      h("div", "lx-row lx-arith-strip", []),
      h("div", "lx-note lx-arith-walk-note", ""),
    ]),
  ]);
  section.style.display = "none";
  map.el(".lx-morph").after(section);
  // The walk (nine decodings) is drawn when its section is on screen: a click far above
  // it does not wait for it (as walk.js does for the walk through every dimension).
  map.arithVisible = false;
  new IntersectionObserver((entries) => {
    map.arithVisible = entries.some((e) => e.isIntersecting);
    if (map.arithVisible && map.arith.walkPending) renderWalk(map);
  }).observe(section.querySelector(".lx-arith-walk"));
  resetArith(map);
}

function onScreen(el) {
  const r = el.getBoundingClientRect();
  return r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
}

// Another model: its codes mean nothing to the new one (and the link's slots: arith_link.js).
// Another plane of the same model keeps the slots that are codes, a test image's or a class
// mean: its planes share them. A place clicked on the old plane does not carry over.
export function resetArith(map) {
  const model = modelOf(map.data);
  const same = map.arith && map.arithModel === model;
  const slots = { a: null, b: null, c: null };
  if (same) for (const which of SLOTS) slots[which] = keptOnAnotherPlane(map.arith.slots[which]);
  readArithLink(map);
  map.arithModel = model;
  const kept = map.arith ? map.arith.attr : "thickness";
  map.arith = { slots, attr: kept, s: map.arith ? map.arith.s : 0, from: null };
  map.arithMarks = null;
  if (SLOTS.some((which) => slots[which])) linkArith(map);
}

// A model's codes are the same on each of its planes: its checkpoint and test set's codes.
const modelOf = (d) => (d ? `${d.model || ""}|${d.mu_url || ""}` : "");
const keptOnAnotherPlane = (s) => (s && s.kind !== "place" ? s : null);

// The "use as A/B/C" buttons of the clicked point's panel, for its latent code z (none
// without one, or where there is no arithmetic).
export function arithButtons(map, z) {
  if (!z || !map.data.arith || map.data.sync) return [];
  const p = map.pin;
  const use = (which) => {
    const b = h("button", `lx-btn lx-arith-use lx-arith-use-${which}`, t("arith.use_as", { slot: which.toUpperCase() }));
    b.title = t("arith.use_title", { slot: which.toUpperCase() });
    b.addEventListener("click", () => setSlot(map, which, p.index >= 0
      ? { z: Array.from(z), kind: "point", index: p.index, cls: map.points.labels[p.index] }
      : { z: Array.from(z), kind: "place", at: [...p.z] }));
    return b;
  };
  return [h("div", "lx-row lx-use lx-arith-uses", SLOTS.map(use))];
}

function setSlot(map, which, slot) {
  map.arith.slots[which] = { ...slot, z: Array.from(slot.z) };
  linkArith(map);
  showArith(map);
}

function slotLabel(map, s) {
  if (!s) return t("arith.empty");
  const classes = map.data.classes;
  if (s.kind === "mean") return t("arith.mean_of", { name: classes[s.cls] });
  if (s.kind === "point") return t("arith.point", { index: s.index, name: classes[s.cls] });
  return `(${s.at[0].toFixed(2)}, ${s.at[1].toFixed(2)})`;
}

// Everything, after a change of data, slots, language or the clicked point (`from`: the
// clicked point's latent code, null for none; undefined keeps the one there is).
export function showArith(map, from) {
  if (!map.arith) return;
  if (from !== undefined) map.arith.from = from ? Array.from(from) : null;
  const box = map.root.querySelector(".lx-arith");
  const d = map.data;
  const on = Boolean(d && d.arith && !d.sync);
  box.style.display = on ? "" : "none";
  if (!on) {
    map.arithMarks = null;
    return;
  }
  const decode = map.decodeLatent;
  const dim = d.latent_dim;
  const q = (cls) => box.querySelector(cls);
  setText(q(".lx-arith-title"), t("arith.title"));
  setText(q(".lx-arith-hint"), decode ? t("arith.hint", { dim }) : t("arith.loading"));
  setText(q(".lx-arith-clear"), t("arith.clear"));
  setText(q(".lx-arith-walk-title"), t("arith.walk_title"));
  setAttr(q(".lx-arith-s"), "aria-label", t("arith.s_label"));
  fillChoices(map, box);
  for (const which of SLOTS) {
    const s = map.arith.slots[which];
    const canvas = q(`.lx-arith-pic-${which}`);
    paint(canvas, s && decode ? decode(s.z, new Float32Array(784)) : CLEAR);
    canvas.classList.toggle("lx-empty", !s);
    setText(q(`.lx-arith-slot-${which} .lx-arith-cap`), `${which.toUpperCase()}: ${slotLabel(map, s)}`);
    q(`.lx-arith-mean-${which}`).value = s && s.kind === "mean" ? String(s.cls) : "";
  }
  paintResult(map, box);
  renderWalk(map);
}

// The class-mean pickers' and the attribute picker's options, in this model's classes and
// the page's language.
function fillChoices(map, box) {
  const { classes, arith } = map.data;
  const key = `${classes.join("|")}|${t("arith.mean_pick")}|${t("arith.attr.ink")}`;
  if (box.dataset.choices === key) return;
  box.dataset.choices = key;
  for (const which of SLOTS) {
    const pick = box.querySelector(`.lx-arith-mean-${which}`);
    setAttr(pick, "aria-label", t("arith.mean_label", { slot: which.toUpperCase() }));
    const first = h("option", "", t("arith.mean_pick"));
    first.value = "";
    first.disabled = true;
    pick.replaceChildren(first, ...classes.map((c, k) => {
      const o = h("option", "", c);
      o.value = String(k);
      o.disabled = !arith.class_means[k];
      return o;
    }));
  }
  const attr = box.querySelector(".lx-arith-attr");
  setAttr(attr, "aria-label", t("arith.attr_label"));
  const fitted = new Set(arith.attributes.map((x) => x.name)); // vae/attributes.py: "unfit" left out
  attr.replaceChildren(...ATTRIBUTES.filter((name) => fitted.has(name)).map((name) => {
    const o = h("option", "", t(NAMES[name]));
    o.value = name;
    return o;
  }));
  if (!fitted.has(map.arith.attr) && fitted.size) map.arith.attr = [...fitted][0];
  attr.value = map.arith.attr;
}

// z_A - z_B + z_C decoded, beside its inputs, and where the map shows it.
function paintResult(map, box) {
  const a = map.arith;
  const { a: A, b: B, c: C } = a.slots;
  const decode = map.decodeLatent;
  const canvas = box.querySelector(".lx-arith-pic-result");
  a.z = A && B && C ? combine(A.z, B.z, C.z) : null;
  a.pixels = a.z && decode ? decode(a.z, new Float32Array(784)) : null;
  paint(canvas, a.pixels || CLEAR);
  canvas.classList.toggle("lx-empty", !a.pixels);
  setText(box.querySelector(".lx-arith-slot-result .lx-arith-cap"), t("arith.result"));
  a.plane = a.z ? planePoint(map.data, a.z) : null;
  const method = map.data.method;
  setText(box.querySelector(".lx-arith-where"), !a.z ? t("arith.fill_all")
    : PLACES[method] ? t(PLACES[method]) : t("arith.where_none", { method: METHODS[method] || method }));
  markMap(map);
}

// The walk's picture row: its strip of STRIP frames (each with its measured attribute),
// then the live frame at the slider's s.
function renderWalk(map, now = false) {
  const box = map.root.querySelector(".lx-arith");
  const a = map.arith;
  const info = directionOf(map);
  const decode = map.decodeLatent;
  const ready = Boolean(a.from && info && decode);
  box.querySelector(".lx-arith-walk").classList.toggle("lx-disabled", !ready);
  const slider = box.querySelector(".lx-arith-s");
  if (slider.disabled !== !ready) slider.disabled = !ready;
  const p = map.pin;
  setText(box.querySelector(".lx-arith-walk-from"), !info ? t("arith.no_directions")
    : !a.from ? t("arith.walk_none")
    : p && p.index >= 0 ? t("arith.walk_from_test", { index: p.index }) : t("arith.walk_from_point"));
  // Its pictures: once it is on screen. The observer's word can be a frame old (a scroll
  // just before a click), so a "visible" is checked against where the walk is now.
  a.walkPending = ready && !now && !(map.arithVisible && onScreen(box.querySelector(".lx-arith-walk")));
  if (a.walkPending) return;
  // The strip again only if what it shows changed (a rerun that brings the same data
  // must not decode and redraw it: it is the costliest part of the section).
  const key = ready ? JSON.stringify([a.from, a.attr, info.direction, info.sd, info.r2, t("arith.frame_title", { s: 0, value: 0 })]) : "";
  if (key && key === a.stripKey && decode === a.stripDecode) return paintWalk(map);
  a.stripKey = key;
  a.stripDecode = decode;
  const frames = [];
  if (ready) {
    const steps = Array.from({ length: STRIP }, (_, k) => -WALK_RANGE + (2 * WALK_RANGE * k) / (STRIP - 1));
    const [start, ...strip] = decodeAll(decode, [a.from, ...steps.map((s) => along(a.from, info.direction, s))]);
    a.start = measure(start)[a.attr];
    strip.forEach((pixels, k) => {
      const value = fixed(measure(pixels)[a.attr], digitsOf(a.attr));
      frames.push(figure(digitCanvas(pixels, 40), value, t("arith.frame_title", { s: steps[k].toFixed(0), value })));
    });
    setText(box.querySelector(".lx-arith-walk-note"), `${t(ABOUT[a.attr])} ${t("arith.direction_note", {
      name: t(NAMES[a.attr]), sd: fixed(info.sd, 3), r2: info.r2.toFixed(2) })}`);
  } else {
    setText(box.querySelector(".lx-arith-walk-note"), "");
  }
  box.querySelector(".lx-arith-strip").replaceChildren(...frames);
  paintWalk(map);
}

function directionOf(map) {
  const list = map.data.arith && map.data.arith.attributes;
  return list ? list.find((x) => x.name === map.arith.attr) || null : null;
}

// The live frame at z + s w and its measured attribute (the slider moves only this).
function paintWalk(map) {
  const box = map.root.querySelector(".lx-arith");
  const a = map.arith;
  const info = directionOf(map);
  const decode = map.decodeLatent;
  setText(box.querySelector(".lx-arith-s-value"), t("arith.s_value", { s: a.s.toFixed(1) }));
  const live = box.querySelector(".lx-arith-walk-live");
  if (!a.from || !info || !decode) {
    a.walk = null;
    paint(live, CLEAR);
    live.classList.add("lx-empty");
    setText(box.querySelector(".lx-arith-measured"), "");
    return markMap(map);
  }
  const z = along(a.from, info.direction, a.s);
  const pixels = decode(z, new Float32Array(784));
  const measured = measure(pixels);
  a.walk = { attr: a.attr, s: a.s, from: a.from, z, pixels, measured, start: a.start, plane: planePoint(map.data, z) };
  paint(live, pixels);
  live.classList.remove("lx-empty");
  const n = digitsOf(a.attr);
  setText(box.querySelector(".lx-arith-measured"), t("arith.measured", {
    name: t(NAMES[a.attr]), value: fixed(measured[a.attr], n), start: fixed(a.start, n) }));
  markMap(map);
}

// What the overlay draws (drawArithMarks): the three inputs, the result, the walked point.
function markMap(map) {
  const a = map.arith;
  const d = map.data;
  const inputs = SLOTS.map((which) => {
    const s = a.slots[which];
    const at = s ? planePoint(d, s.z) : null;
    return at && { at, label: which };
  }).filter(Boolean);
  map.arithMarks = { inputs, result: a.plane || null, walk: a.walk ? a.walk.plane : null };
  map.drawOverlay();
}

// The overlay's layer (overlay.js): inputs as small lettered discs, the result a diamond,
// the walked point a ring; P maps the plane to the canvas.
export function drawArithMarks(ctx, P, marks) {
  if (!marks) return;
  ctx.font = "bold 10px sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (const { at, label } of marks.inputs) {
    const p = P(at);
    dot(ctx, p, 7, "#6a3d9a", "#fff");
    ctx.fillStyle = "#fff";
    ctx.fillText(label, p[0], p[1] + 0.5);
  }
  if (marks.result) {
    const [x, y] = P(marks.result);
    ctx.beginPath();
    ctx.moveTo(x, y - 10); ctx.lineTo(x + 8, y); ctx.lineTo(x, y + 10); ctx.lineTo(x - 8, y);
    ctx.closePath();
    ctx.fillStyle = "#6a3d9a";
    ctx.fill();
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 2;
    ctx.stroke();
  }
  if (marks.walk) {
    const [x, y] = P(marks.walk);
    ctx.strokeStyle = "#6a3d9a";
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    ctx.arc(x, y, 6, 0, 2 * Math.PI);
    ctx.stroke();
  }
}

// For the test API (testapi.js): plain arrays.
export function arithSnapshot(map) {
  const a = map.arith;
  if (!a || !map.data || !map.data.arith) return null;
  const slot = (s) => s && { z: s.z, kind: s.kind, index: s.index ?? null, cls: s.cls ?? null };
  const w = a.walk;
  return {
    slots: { a: slot(a.slots.a), b: slot(a.slots.b), c: slot(a.slots.c) },
    z: a.z, pixels: a.pixels ? Array.from(a.pixels) : null, plane: a.plane || null,
    from: a.from,
    walk: w && { attr: w.attr, s: w.s, z: w.z, pixels: Array.from(w.pixels), measured: w.measured,
                 start: w.start, plane: w.plane || null },
  };
}
