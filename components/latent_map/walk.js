// Walk every dimension: from the clicked point's full latent z, one row per dimension that
// sweeps z_j over the prior's range (WALK_STEPS frames from -WALK_RANGE to +WALK_RANGE,
// the others kept), rows ordered by the dimension's KL to the prior (core/geometry.js),
// inactive ones (KL at most data.active_kl_nats, vae/latent_size.py's threshold) greyed,
// and a live column that follows the walk's slider. Drawn only when scrolled into view.

import { klPerDimension } from "./core/geometry.js";
import { paint, digitCanvas, figure, h } from "./core/dom.js";
import { t, itemName } from "./core/i18n.js";

const WALK_STEPS = 7; // frames per dimension in the traversal, from -3 to +3
const WALK_RANGE = 3; // the prior's sd times this: the traversal's ends

// The walk decodes 7 frames a dimension (16-D: 112): drawn when it scrolls into view, so a
// click's own panel is not kept waiting for rows below the fold.
export function watchWalk(map) {
  map.el(".lx-walk").style.display = "none"; // until a point is clicked
  map.walkVisible = false;
  new IntersectionObserver((entries) => {
    map.walkVisible = entries.some((e) => e.isIntersecting);
    if (map.walkVisible && map.walkPending) renderWalk(map);
  }).observe(map.el(".lx-walk"));
  map.el(".lx-walk-slider").addEventListener("input", () => paintWalkLive(map));
}

// KL(q(z|x) || N(0, 1)) per dimension, averaged over the test set (vae/latent_size.py's
// measure): the rows' order, and which dimensions carry nothing. Once per model.
function klOf(map) {
  if (map.kl !== undefined) return map.kl;
  map.kl = map.mu && map.sigma ? klPerDimension(map.mu, map.sigma) : null;
  return map.kl;
}

// Walk from latent point z (null: hide the walk).
export function showWalk(map, z) {
  const box = map.el(".lx-walk");
  const ready = z && map.decodeLatent && map.mu && !map.data.sync;
  box.style.display = ready ? "" : "none";
  map.walkZ = ready ? Array.from(z) : null;
  map.walkPending = Boolean(ready);
  if (!ready) return;
  const d = map.data;
  const p = map.pin;
  map.el(".lx-walk-from").textContent = p.index >= 0
    ? t("map.walk.from_test", { item: itemName(d.item), index: p.index, range: WALK_RANGE })
    : t("map.walk.from_point", { range: WALK_RANGE });
  if (map.walkVisible) renderWalk(map);
}

function renderWalk(map) {
  map.walkPending = false;
  const z = map.walkZ;
  if (!z) return;
  const kl = klOf(map);
  const threshold = map.data.active_kl_nats;
  const dims = [...Array(z.length).keys()];
  if (kl) dims.sort((a, b) => kl[b] - kl[a]);
  const rows = dims.map((j) => {
    const frames = [];
    for (let k = 0; k < WALK_STEPS; k++) {
      const v = -WALK_RANGE + (2 * WALK_RANGE * k) / (WALK_STEPS - 1);
      const zz = Float32Array.from(z);
      zz[j] = v;
      frames.push(figure(digitCanvas(map.decodeLatent(zz, new Float32Array(784)), 36), v.toFixed(0)));
    }
    const live = digitCanvas(new Float32Array(784), 44);
    live.classList.add("lx-walk-live");
    live.dataset.dim = String(j);
    const inactive = Boolean(kl && Number.isFinite(threshold) && kl[j] <= threshold);
    const name = h("div", "lx-walk-name", kl
      ? `z${j + 1} · KL ${kl[j].toFixed(2)}${inactive ? ` · ${t("map.walk.inactive")}` : ""}`
      : `z${j + 1}`);
    const row = h("div", "lx-row lx-walk-row", [name, live, ...frames]);
    if (inactive) row.classList.add("lx-inactive");
    return row;
  });
  map.el(".lx-walk-rows").replaceChildren(...rows);
  map.walkShown = { dims, kl }; // for the test API
  paintWalkLive(map);
}

function paintWalkLive(map) {
  if (!map.walkZ) return;
  const v = Number(map.el(".lx-walk-slider").value) / 100;
  map.el(".lx-walk-value").textContent = `z_j = ${v.toFixed(2)}`;
  for (const canvas of map.root.querySelectorAll(".lx-walk-live")) {
    const zz = Float32Array.from(map.walkZ);
    zz[Number(canvas.dataset.dim)] = v;
    paint(canvas, map.decodeLatent(zz, new Float32Array(784)));
  }
}
