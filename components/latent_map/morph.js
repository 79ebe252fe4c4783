// The morph between two points of the plane: its state from Python and from the user, the
// controls (class pickers, another example, path, frames, the t slider), the frame at t,
// the strip, and the PNG and GIF downloads. Python keeps the endpoints for the link and
// decodes frames only for a decoder the page cannot run (m.frames_pixels).
//
// Order of changes, owned by the page (no clock): every state the page reports carries
// the page's own sequence number `seq` (map.morphSeq, one more per change); a morph from
// Python with a smaller seq is an echo of an older report and is ignored. Python asks for
// a change with a request {id, a?, b?} (views/morph.py set_endpoint: "use as morph start
// A" from your digit), numbered by Python's own counter: the page applies each request id
// once, in order, on top of its current morph, and reports the result with its own seq.

import { interpolate } from "./core/decoder.js";
import { gifBytes } from "./core/gif.js";
import { paint, h, saveBlob } from "./core/dom.js";
import { coordText, visibleClasses } from "./plot.js";
import { drawOverlay } from "./overlay.js";
import { STRIP_SCALE } from "./template.js";
import { t } from "./core/i18n.js";

const REPORT_MS = 300; // the slider's t is told to Python (the link) once it rests

export function bindMorph(map) {
  map.morphSeq = 0;
  map.morphRequest = 0; // the last request id from Python applied (or already in a morph adopted)
  map.slider.addEventListener("input", () => {
    map.morphT = map.slider.value / 1000;
    paintMorph(map);
  });
  // Python (the link) hears of t when the slider is let go and rests, not per move.
  map.slider.addEventListener("change", () => {
    clearTimeout(map.tTimer);
    map.tTimer = setTimeout(() => {
      if (map.morph && map.morph.t !== map.morphT) changeMorph(map, { t: map.morphT });
    }, REPORT_MS);
  });
  for (const which of ["a", "b"]) {
    map.el(`.lx-pick-${which}`).addEventListener("change", (e) => {
      setEndpoint(map, which, map.data.typical[Number(e.target.value)]);
    });
    map.el(`.lx-other-${which}`).addEventListener("click", () => otherExample(map, which));
  }
  map.el(".lx-method").addEventListener("change", (e) => changeMorph(map, { method: e.target.value }));
  map.el(".lx-frames").addEventListener("change", (e) => {
    const n = Math.min(16, Math.max(3, Math.round(Number(e.target.value) || 9)));
    e.target.value = n;
    changeMorph(map, { frames: n });
  });
  map.el(".lx-dl-png").addEventListener("click", () => downloadStrip(map));
  map.el(".lx-dl-gif").addEventListener("click", () => downloadGif(map));
}

// The morph in Python's data (null: none on this plane). A page without a morph adopts
// it, with its seq and request id; else it is taken unless the page has reported since.
export function receiveMorph(map, data) {
  if (!data) {
    map.morph = null;
    return;
  }
  const { request, ...m } = data;
  if (!map.morph) {
    map.morphRequest = Math.max(map.morphRequest, request ? request.id : 0);
    applyMorph(map, m);
  } else if ((m.seq || 0) >= map.morphSeq) {
    applyMorph(map, m);
  }
  applyRequest(map, map.pendingRequest);
}

// A request from Python ({id, a?, b?}): applied once, on top of the page's morph; kept
// until there is a morph to apply it to.
export function applyRequest(map, request) {
  if (!request || !(request.id > map.morphRequest)) return;
  if (!map.morph) {
    map.pendingRequest = request;
    return;
  }
  map.pendingRequest = null;
  map.morphRequest = request.id;
  const patch = {};
  for (const which of ["a", "b"]) if (request[which]) patch[which] = request[which];
  changeMorph(map, patch);
}

function applyMorph(map, m) {
  const same = map.morph && JSON.stringify(map.morph) === JSON.stringify(m);
  const lastT = map.morph ? map.morph.t : undefined;
  map.morph = m;
  map.morphSeq = Math.max(map.morphSeq, m.seq || 0);
  if (same) return;
  // The slider follows a t that changed (a link's); an unchanged one is stale while the
  // user drags, so it must not pull the slider back.
  if (Number.isFinite(m.t) && m.t !== lastT) {
    map.morphT = Math.min(1, Math.max(0, m.t));
    map.slider.value = String(Math.round(map.morphT * 1000));
  }
  showMorphControls(map);
  paintStrip(map);
  paintMorph(map);
}

// A change made here (pickers, method, frames, "use as A/B", a request): draw it, tell Python.
export function changeMorph(map, patch) {
  if (!map.morph) return;
  const { frames_pixels, ...kept } = map.morph; // Python decodes anew for a conv model
  applyMorph(map, { ...kept, t: map.morphT, ...patch, seq: map.morphSeq + 1 });
  map.tell("morph", map.morph);
}

// Endpoint `which` ("a" or "b") at test image `index`.
function setEndpoint(map, which, index) {
  if (index === null || index === undefined || !(index >= 0)) return;
  const label = map.data.classes[map.points.labels[index]];
  changeMorph(map, { [which]: { z: [map.points.xs[index], map.points.ys[index]], index, label: `#${index} “${label}”` } });
}

// Another test image of the class picked for endpoint `which`, at random.
function otherExample(map, which) {
  const c = Number(map.el(`.lx-pick-${which}`).value);
  const visible = visibleClasses(map);
  if (!(c >= 0) || (visible && !visible[c])) return; // hidden in the legend
  const members = [];
  for (let i = 0; i < map.points.n; i++) if (map.points.labels[i] === c) members.push(i);
  if (members.length) setEndpoint(map, which, members[Math.floor(Math.random() * members.length)]);
}

export function showMorphControls(map) {
  const m = map.morph;
  const classes = map.data.classes;
  for (const which of ["a", "b"]) {
    const select = map.el(`.lx-pick-${which}`);
    if (select.options[0]) select.options[0].textContent = t("map.morph.a_point"); // another language
    if (select.dataset.classes !== classes.join("|")) { // another model's classes
      select.replaceChildren(h("option", "", t("map.morph.a_point")), ...classes.map((c, k) => {
        const o = h("option", "", c);
        o.value = String(k);
        return o;
      }));
      select.options[0].value = "";
      select.options[0].disabled = true;
      select.dataset.classes = classes.join("|");
    }
    const end = m[which];
    select.value = end.index >= 0 && end.index !== null ? String(map.points.labels[end.index]) : "";
    // Classes hidden in the legend cannot be picked, nor give "another example".
    const visible = visibleClasses(map);
    for (let k = 0; k < classes.length; k++) select.options[k + 1].disabled = Boolean(visible && !visible[k]);
    const other = map.el(`.lx-other-${which}`);
    other.disabled = select.value === "" || Boolean(visible && !visible[Number(select.value)]);
    other.title = other.disabled && select.value !== ""
      ? t("map.morph.hidden", { label: classes[Number(select.value)] })
      : t("map.morph.another", { end: which.toUpperCase() });
  }
  map.el(".lx-method").value = m.method;
  map.el(".lx-frames").value = m.frames;
  const method = m.method === "spherical" ? t("map.morph.spherical") : t("map.morph.linear");
  map.el(".lx-morph-ends").textContent = t("map.morph.ends", { a: m.a.label, b: m.b.label, method });
}

function morphZ(map, t) {
  const m = map.morph;
  return interpolate(m.a.z, m.b.z, t, m.method);
}

// Frame k of n: decoded here, or the nearest of Python's frames (no decoder in the page).
function morphFrame(map, k, n) {
  const m = map.morph;
  if (map.decode) return map.decode(morphZ(map, k / (n - 1)), new Float32Array(784));
  return m.frames_pixels ? m.frames_pixels[Math.round((k / (n - 1)) * (m.frames_pixels.length - 1))] : null;
}

// The frame at the slider's t, its caption, the strip's marker and the path's dot.
export function paintMorph(map) {
  const m = map.morph;
  if (!m) return;
  const z = morphZ(map, map.morphT);
  if (map.decode) {
    paint(map.morphCanvas, map.decode(z, new Float32Array(784)));
  } else if (m.frames_pixels) {
    const k = Math.round(map.morphT * (m.frames_pixels.length - 1));
    paint(map.morphCanvas, m.frames_pixels[k]);
  }
  map.el(".lx-morph-t").textContent = `t = ${map.morphT.toFixed(2)} · ${coordText(map.data, z)}`;
  const k = Math.round(map.morphT * (m.frames - 1));
  map.slider.setAttribute("aria-valuetext",
    t("map.morph.valuetext", { t: map.morphT.toFixed(2), frame: k + 1, frames: m.frames }));
  markStripFrame(map);
  drawOverlay(map);
}

function paintStrip(map) {
  const n = map.morph.frames;
  const cell = 28 * STRIP_SCALE;
  const gap = 4;
  map.strip.width = n * cell + (n - 1) * gap;
  map.strip.height = cell + 4;
  const ctx = map.strip.getContext("2d");
  ctx.clearRect(0, 0, map.strip.width, map.strip.height);
  const tile = document.createElement("canvas");
  tile.width = 28;
  tile.height = 28;
  ctx.imageSmoothingEnabled = false;
  for (let k = 0; k < n; k++) {
    const pixels = morphFrame(map, k, n);
    if (!pixels) continue;
    paint(tile, pixels);
    ctx.drawImage(tile, k * (cell + gap), 0, cell, cell);
  }
  map.stripImage = ctx.getImageData(0, 0, map.strip.width, map.strip.height);
  markStripFrame(map);
}

function markStripFrame(map) {
  if (!map.stripImage || !map.morph) return;
  const n = map.morph.frames;
  const cell = 28 * STRIP_SCALE;
  const gap = 4;
  const ctx = map.strip.getContext("2d");
  ctx.putImageData(map.stripImage, 0, 0);
  const k = Math.round(map.morphT * (n - 1));
  ctx.fillStyle = "#ff4b4b";
  ctx.fillRect(k * (cell + gap), cell + 1, cell, 3);
}

// The strip as a PNG: every frame at 4x, 2 px apart (as vae/render.py strip_png does).
function downloadStrip(map) {
  const n = map.morph.frames;
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
    paint(tile, morphFrame(map, k, n));
    ctx.drawImage(tile, k * (28 * scale + gap), 0, 28 * scale, 28 * scale);
  }
  canvas.toBlob((blob) => saveBlob(blob, morphFileName(map, "png")), "image/png");
}

// The morph as a looping GIF: 24 frames there and back, 6x, 60 ms a frame.
function gifFrames(map, count = 24, scale = 6) {
  const side = 28 * scale;
  const frames = [];
  for (let k = 0; k < count; k++) {
    const pixels = morphFrame(map, k, count);
    const big = new Float32Array(side * side);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) big[y * side + x] = pixels[Math.floor(y / scale) * 28 + Math.floor(x / scale)];
    }
    frames.push(big);
  }
  return frames.concat(frames.slice(1, -1).reverse());
}

function downloadGif(map) {
  const frames = gifFrames(map);
  saveBlob(new Blob([gifBytes(frames, 168, 168, 6)], { type: "image/gif" }), morphFileName(map, "gif"));
}

// morph-<model>-<A>-to-<B>.<ext>: an end is its class if it is a test image, else its place.
function morphFileName(map, ext) {
  const m = map.morph;
  const end = (e) => (e.index >= 0 && e.index !== null && map.points && e.index < map.points.n
    ? map.data.classes[map.points.labels[e.index]] : `${e.z[0].toFixed(2)}_${e.z[1].toFixed(2)}`);
  const slug = (text) => String(text).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/-+$/, "");
  const parts = ["morph", map.data.model, end(m.a), "to", end(m.b)].filter(Boolean).map(slug);
  return `${parts.join("-")}.${ext}`;
}
