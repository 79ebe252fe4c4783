// The map's words in the language of its data: on the first data and on every change of
// language (a rerun with other texts, core/i18n.js), each part writes its texts again from
// the map's state, without drawing the plot again: the markup's words (template.js), the
// keyboard's help, the cards, the clicked point's panel and walk, the morph's texts,
// Plotly's toolbar and the legend's buttons. The legend's and axes' titles come with the
// data (plot.js followTitles).

import { labelMarkup } from "./template.js";
import { labelKeys, legendButtons } from "./keys.js";
import { showPinText, clearPinCard, showDetails } from "./clicked.js";
import { showMorphControls, paintMorph } from "./morph.js";
import { labelModebar } from "./plot.js";

export function relabel(map) {
  labelMarkup(map.root);
  labelKeys(map);
  if (map.failure) map.fail(map.failure);
  map.el(".lx-hover-coords").textContent = map.hoverZ ? map.hoverText(map.hoverZ) : map.idleHoverText();
  if (map.pin) showPinText(map);
  else clearPinCard(map);
  if (!map.data) return;
  showDetails(map); // and the walk (walk.js showWalk)
  if (map.morph) {
    showMorphControls(map);
    paintMorph(map);
  }
  if (map.Plotly) {
    labelModebar(map);
    legendButtons(map, map.Plotly);
  }
}
