// The map from the keyboard: the plot area takes focus (a visible ring, map.css); arrow keys
// move a probe whose decoding fills "Under the pointer" (Shift: five steps at once), Enter
// pins the probe as a click does, Escape clears the probe and a second Escape the pin.
// Plotly's legend items become buttons (Enter or Space shows or hides the class), and the
// morph slider moves by one frame of the strip per arrow key.

import { frame, legendTitle } from "./plot.js";
import { pinAt, clearPin } from "./clicked.js";
import { paintMorph } from "./morph.js";
import { t } from "./core/i18n.js";

export const STEP = 1 / 50; // of the visible range, per arrow key
export const FAST = 5; // with Shift

const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

export function bindKeys(map) {
  const wrap = map.el(".lx-plot-wrap");
  wrap.tabIndex = 0;
  wrap.setAttribute("role", "application");
  labelKeys(map);
  wrap.addEventListener("keydown", (e) => {
    if (e.target !== wrap || e.altKey || e.ctrlKey || e.metaKey) return; // a legend item's own
    if (ARROWS[e.key]) {
      e.preventDefault(); // not the page's scroll
      moveProbe(map, ARROWS[e.key], e.shiftKey ? FAST : 1);
    } else if (e.key === "Enter" && map.probe) {
      e.preventDefault();
      pinAt(map, map.probe, e.timeStamp);
    } else if (e.key === "Escape" && (map.probe || map.pin)) {
      e.preventDefault();
      if (map.probe) setProbe(map, null);
      else clearPin(map);
    }
  });
  // Clicking the map elsewhere ends the keyboard's probe: the pointer has the card again.
  wrap.addEventListener("pointerdown", () => { if (map.probe) setProbe(map, null); });
  map.slider.addEventListener("keydown", (e) => morphKey(map, e));
}

// The map's help for screen readers, in the current language (again on a change of it).
export function labelKeys(map) {
  map.el(".lx-plot-wrap").setAttribute("aria-label", t("map.keys.help"));
}

// One step of the probe (from the pin, or the view's centre, the first time), kept inside
// the visible range.
function moveProbe(map, [dx, dy], times) {
  const f = frame(map);
  if (!f || !map.points) return;
  const spanX = f.xr[1] - f.xr[0], spanY = f.yr[1] - f.yr[0];
  const start = map.probe || (map.pin ? map.pin.z : [(f.xr[0] + f.xr[1]) / 2, (f.yr[0] + f.yr[1]) / 2]);
  const step = STEP * times * Math.max(spanX, spanY);
  const clamp = (v, r) => Math.min(Math.max(v, Math.min(r[0], r[1])), Math.max(r[0], r[1]));
  setProbe(map, [clamp(start[0] + dx * step, f.xr), clamp(start[1] + dy * step, f.yr)]);
}

export function setProbe(map, z) {
  map.probe = z;
  if (z) map.showHover(z);
  map.drawOverlay();
}

// Arrow keys on the morph slider: to the next frame of the strip, not 1/1000 of the way.
function morphKey(map, e) {
  const dir = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[e.key];
  if (!dir || !map.morph) return;
  e.preventDefault();
  const last = map.morph.frames - 1;
  const k = map.morphT * last;
  const next = Math.min(last, Math.max(0, dir > 0 ? Math.floor(k + 1e-6) + 1 : Math.ceil(k - 1e-6) - 1));
  map.morphT = next / last;
  map.slider.value = String(Math.round(map.morphT * 1000));
  paintMorph(map);
  map.slider.dispatchEvent(new Event("change")); // Python hears of t once it rests (morph.js)
}

// Plotly's legend (SVG) as buttons: called after every redraw, which replaces the items.
export function legendButtons(map, Plotly) {
  const items = map.plot.querySelectorAll(".legend .traces");
  items.forEach((item, k) => {
    const datum = item.__data__ && item.__data__[0] && item.__data__[0].trace;
    const index = datum && Number.isInteger(datum.index) ? datum.index : k;
    const trace = map.plot._fullData && map.plot._fullData[index];
    if (!trace) return;
    const shown = trace.visible === true;
    item.dataset.lxTrace = String(index);
    item.setAttribute("tabindex", "0");
    item.setAttribute("role", "button");
    item.setAttribute("aria-pressed", String(shown));
    const title = legendTitle(map.data), name = trace.name;
    item.setAttribute("aria-label", shown ? t("map.keys.legend_shown", { title, name })
      : t("map.keys.legend_hidden", { title, name }));
    if (item.dataset.lxKeys) return;
    item.dataset.lxKeys = "1";
    item.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      e.stopPropagation();
      const i = Number(item.dataset.lxTrace); // the item outlives redraws: read it now
      map.refocusLegend = i;
      const now = map.plot._fullData[i].visible === true;
      Plotly.restyle(map.plot, { visible: now ? "legendonly" : true }, [i]);
    });
  });
  if (map.refocusLegend !== undefined && map.refocusLegend !== null) { // the redraw took the focus
    const again = [...items].find((it) => Number(it.dataset.lxTrace) === map.refocusLegend);
    map.refocusLegend = null;
    if (again) again.focus();
  }
}
