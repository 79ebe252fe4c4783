// The latent arithmetic's slots in the page's link (the key itself: link.js arithParam): the
// slots written into it as they change, and a link's slots read when a map gets its first
// model, filled once that model's data is all here. Another model takes them out; another
// plane of the same model keeps the slots that are codes (arith.js resetArith), which it
// writes back.

import { latentOf } from "./core/geometry.js";
import { ownLink, arithParam, parseArithParam, ARITH_KEY, ARITH_SLOTS } from "./link.js";

// At a reset (arith.js resetArith, another model): a map's first model takes the link's
// slots (kept in map.arithFromLink until restoreArith), unless the page wrote them for
// another model: the sidebar's pick mounts a new map, so which model the link's slots
// belong to is kept on the page (window). Any later model or plane takes them out of the
// link (the slots a plane keeps are written again).
export function readArithLink(map) {
  map.arithFromLink = null;
  const d = map.data;
  if (!d) return;
  const search = new URLSearchParams(window.location.search);
  const first = !map.arithLinkRead;
  const theirs = window.__lxArithFor;
  map.arithLinkRead = true;
  if (first && (theirs === undefined || theirs === d.points_url)) {
    map.arithFromLink = parseArithParam(search.get(ARITH_KEY));
  } else if (d.own_pin && search.has(ARITH_KEY)) {
    ownLink({ [ARITH_KEY]: null });
  }
  if (d.own_pin) window.__lxArithFor = d.points_url;
}

// The slots into the link (the explorer's own map only).
export function linkArith(map) {
  if (map.data && map.data.own_pin) ownLink({ [ARITH_KEY]: arithParam(map.arith.slots) });
}

// The slots the link named, once this model's data is all here (its test images' codes come
// with the extras): each that fits this model and plane is filled, as its button would.
export function restoreArith(map) {
  const wanted = map.arithFromLink;
  const d = map.data;
  if (!wanted || !map.arith || !d || !d.arith || d.sync) return;
  map.arithFromLink = null;
  for (const which of ARITH_SLOTS) {
    const slot = slotOf(map, wanted[which]);
    if (slot) map.arith.slots[which] = slot;
  }
  linkArith(map); // what did not fit leaves the link
}

function slotOf(map, s) {
  const d = map.data;
  const p = map.points;
  if (!s) return null;
  if (s.kind === "mean") {
    const means = d.arith.class_means;
    return means && means[s.cls] ? { z: Array.from(means[s.cls]), kind: "mean", cls: s.cls } : null;
  }
  if (s.kind === "point") {
    if (!p || !(s.index < p.labels.length)) return null;
    const z = latentOf(d, map.mu, s.index, [p.xs[s.index], p.ys[s.index]]);
    return z && { z, kind: "point", index: s.index, cls: p.labels[s.index] };
  }
  const z = latentOf(d, null, -1, s.at);
  return z && { z, kind: "place", at: [...s.at] };
}
