// Linked maps (data.sync = {group, name}, as the Compare tab does): the pointer over one
// decodes the same z through every map's decoder and marks it on the others, and a click
// pins the same z on all of them (clicked.js). Components run in the page, not in iframes,
// so linked instances find each other in a window-level registry, window.__lxSync[group]
// [name] (internal: tests read maps through testapi.js).

import { paint, fmt } from "./core/dom.js";
import { frame, visibleClasses, HIT_RADIUS_PX } from "./plot.js";
import { drawOverlay } from "./overlay.js";
import { stats } from "./stats.js";
import { t, itemName } from "./core/i18n.js";

export function register(map, sync) {
  const group = ((window.__lxSync = window.__lxSync || {})[sync.group] ||= {});
  group[sync.name] = map;
}

// Every linked map in map's group but itself, on the page and drawn.
export function linkedMaps(sync) {
  const group = sync && window.__lxSync && window.__lxSync[sync.group];
  return group ? Object.values(group) : [];
}

export function peers(map) {
  const sync = map.data && map.data.sync;
  return linkedMaps(sync).filter((m) => m !== map && m.root.isConnected && m.points);
}

// Where z falls on this map, in words: among which digits, in a gap, or out of view.
export function placeOf(map, z) {
  const f = frame(map);
  if (!f) return "";
  const inX = z[0] >= Math.min(...f.xr) && z[0] <= Math.max(...f.xr);
  const inY = z[1] >= Math.min(...f.yr) && z[1] <= Math.max(...f.yr);
  if (!inX || !inY) return t("map.sync.outside");
  const sx = f.w / (f.xr[1] - f.xr[0]);
  const sy = f.h / (f.yr[1] - f.yr[0]);
  const { xs, ys, labels, n } = map.points;
  const visible = visibleClasses(map);
  let best = -1, bestD = Infinity;
  for (let i = 0; i < n; i++) {
    if (visible && !visible[labels[i]]) continue;
    const d = ((xs[i] - z[0]) * sx) ** 2 + ((ys[i] - z[1]) * sy) ** 2;
    if (d < bestD) { bestD = d; best = i; }
  }
  if (best < 0) return t("map.sync.all_hidden");
  const px = Math.sqrt(bestD);
  return px <= 2 * HIT_RADIUS_PX
    ? t("map.sync.among", { label: map.data.classes[labels[best]] })
    : t("map.sync.gap", { item: itemName(map.data.item), px: Math.round(px) });
}

// The pointer is over a linked map at z (null: it left): decode z here and mark it.
export function showRemote(map, z) {
  map.remoteZ = z;
  if (z && map.decode) {
    map.hoverCanvas.classList.remove("lx-empty");
    map.decode(z, map.pixels);
    paint(map.hoverCanvas, map.pixels);
    stats.hoverFrames++;
    map.el(".lx-hover-coords").textContent =
      t("map.sync.remote", { where: `z = (${fmt(z[0])}, ${fmt(z[1])})`, place: placeOf(map, z) });
  }
  drawOverlay(map);
}
