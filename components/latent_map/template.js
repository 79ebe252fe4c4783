// The map component's markup: the plot and its overlay canvas, the two cards (under the
// pointer, clicked point), the clicked point's details, the morph panel and the walk. The
// parts (plot.js, overlay.js, clicked.js, morph.js, walk.js) find their elements by class.
// The markup holds no words: labelMarkup fills them (and every aria-label and title) from
// the catalog (core/i18n.js), on the first data and again on a change of language.

import { t } from "./core/i18n.js";

export const STRIP_SCALE = 2; // the morph strip's frames, at this many pixels per pixel

// What the two cards say before there is anything to show, in the words of the device:
// a finger has no hover (touch.js: a long press), a mouse does.
export function prompts() {
  const finger = typeof matchMedia === "function" && matchMedia("(hover: none)").matches;
  return finger
    ? { hover: t("map.prompt.hover_finger"), pin: t("map.prompt.pin_finger") }
    : { hover: t("map.prompt.hover_mouse"), pin: t("map.prompt.pin_mouse") };
}

export const HTML = `
<div class="lx-main">
  <div class="lx-plot-wrap">
    <div class="lx-plot"></div>
    <canvas class="lx-overlay"></canvas>
    <div class="lx-loading"></div>
  </div>
  <div class="lx-side">
    <div class="lx-cards">
      <div class="lx-card lx-card-hover">
        <div class="lx-title lx-hover-title"></div>
        <canvas class="lx-digit lx-hover lx-empty" width="28" height="28"></canvas>
        <div class="lx-coords lx-hover-coords"></div>
      </div>
      <div class="lx-card lx-card-pin">
        <div class="lx-title lx-pin-title"></div>
        <canvas class="lx-digit lx-pin lx-empty" width="28" height="28"></canvas>
        <div class="lx-coords lx-pin-coords" aria-live="polite"></div>
      </div>
    </div>
    <div class="lx-details"></div>
  </div>
</div>
<div class="lx-morph">
  <div class="lx-morph-head">
    <span class="lx-title lx-morph-title"></span>
    <span class="lx-morph-ends"></span>
  </div>
  <div class="lx-morph-body">
    <canvas class="lx-digit lx-morph-frame" width="28" height="28"></canvas>
    <div class="lx-morph-controls">
      <div class="lx-morph-pickers">
        <label>A <select class="lx-pick-a"></select></label>
        <button class="lx-btn lx-other-a">↻</button>
        <label>B <select class="lx-pick-b"></select></label>
        <button class="lx-btn lx-other-b">↻</button>
        <label><span class="lx-method-label"></span> <select class="lx-method">
          <option value="linear"></option><option value="spherical"></option>
        </select></label>
        <label><span class="lx-frames-label"></span> <input class="lx-frames" type="number" min="3" max="16" value="9" /></label>
        <button class="lx-btn lx-dl-png"></button>
        <button class="lx-btn lx-dl-gif"></button>
      </div>
      <input class="lx-slider" type="range" min="0" max="1000" value="500" />
      <div class="lx-morph-t">t = 0.50</div>
      <canvas class="lx-strip" height="${28 * STRIP_SCALE}"></canvas>
    </div>
  </div>
</div>
<div class="lx-walk">
  <div class="lx-morph-head">
    <span class="lx-title lx-walk-title"></span>
    <span class="lx-walk-from"></span>
  </div>
  <div class="lx-walk-controls">
    <input class="lx-walk-slider" type="range" min="-300" max="300" value="0" />
    <span class="lx-walk-value">z_j = 0.00</span>
  </div>
  <div class="lx-walk-rows"></div>
</div>`;

// The markup's own words in the current language: titles, labels, buttons, aria-labels.
// The texts that follow the map's state (the cards, the details, the morph's ends) are
// their parts' to write; map.js asks them again on a change of language.
export function labelMarkup(root) {
  const el = (cls) => root.querySelector(cls);
  const text = (cls, value) => { el(cls).textContent = value; };
  const aria = (cls, value, title = false) => {
    el(cls).setAttribute("aria-label", value);
    if (title) el(cls).title = value;
  };
  text(".lx-loading", t("map.template.loading"));
  text(".lx-hover-title", t("map.template.hover_title"));
  text(".lx-pin-title", t("map.template.pin_title"));
  text(".lx-morph-title", t("map.template.morph_title"));
  for (const end of ["A", "B"]) {
    const which = end.toLowerCase();
    aria(`.lx-pick-${which}`, t("map.morph.class_for", { end }));
    aria(`.lx-other-${which}`, t("map.morph.another", { end }), true);
  }
  text(".lx-method-label", t("map.template.path"));
  aria(".lx-method", t("map.template.path_aria"));
  text(".lx-method option[value=linear]", t("map.morph.linear"));
  text(".lx-method option[value=spherical]", t("map.template.spherical_option"));
  text(".lx-frames-label", t("map.template.frames"));
  aria(".lx-frames", t("map.template.frames_aria"));
  text(".lx-dl-png", t("map.template.strip_png"));
  text(".lx-dl-gif", t("map.template.morph_gif"));
  aria(".lx-slider", t("map.template.slider_aria"));
  text(".lx-walk-title", t("map.template.walk_title"));
  text(".lx-walk-from", t("map.template.walk_prompt"));
  aria(".lx-walk-slider", t("map.template.walk_slider_aria"));
}
