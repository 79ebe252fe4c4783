// The exported page's entry: its state (hover, pin, morph), the wiring of its parts, and
// its test API. vae/export.py inlines this module's bundle (vae/jsbundle.py, a classic
// script) into vae/export_template.html, whose start-up calls start(data) with the page's
// JSON data, whose `texts` (the catalog's map.* and export.* in the page's language,
// core/i18n.js) every word of the page comes from. Parts: view.js (the canvas map), pointer.js (gestures), morph.js (the morph
// panel), header.js (texts and legend); the core (decoder, interpolation, blobs, nearest
// point, painting) is components/latent_map/core/, shared with the app's map.
//
// Test API, as the app's map has one (window.latentExplorer):
//   snapshot() -> plain JSON of the page's state:
//     {page: "export", ready, n, drawn, classes, item, visible: [bool per class],
//      view: {cx, cy, s}, hover: {z, nearest, pixels} | null, pin: {z, index, label} | null,
//      morph: {a: {z, index, label}, b: {...}, t, method, z, pixels}, ticks: [{axis, text,
//      x, y, w, h}] (the map's tick labels in CSS px), decodes: decodings so far,
//      decoder: "wasm-simd" | "js" (where its sums run, core/decoder.js)}
//   decode(z) -> [784 floats]: the page's decoder (float16 weights)
//   toPixel(z) -> [x, y]: where latent point z is on the map, in CSS px of its canvas
// Everything else is private and may change.

import { makeDecoder, unpackWeights } from "../latent_map/core/decoder.js";
import { parsePoints, bytesOf } from "../latent_map/core/blobs.js";
import { nearestIndex } from "../latent_map/core/geometry.js";
import { paint, fmt } from "../latent_map/core/dom.js";
import { MapView } from "./view.js";
import { wirePointer } from "./pointer.js";
import { MorphPanel, endsOf } from "./morph.js";
import { fillHeader, fillLegend, axisNames, pageTexts } from "./header.js";
import { setTexts, t, itemName } from "../latent_map/core/i18n.js";

const HIT_RADIUS_PX = 6; // a click this close to a visible point selects that test image

// What the page computes from its data before it touches the DOM (node runs this part):
// the points, the decoder (counting its decodings), the classes shown, the morph's ends,
// the axes' names (in the language of the texts set).
export function pageModel(data) {
  const points = parsePoints(bytesOf(data.points));
  const model = { data, points, classes: data.classes, decodes: 0, axes: axisNames(data) };
  model.decode = makeDecoder(data.decoder, unpackWeights(data.decoder), () => model.decodes++);
  model.visible = data.classes.map(() => true);
  model.morph = endsOf(data.morph);
  return model;
}

// The visible test point nearest to z: {index (-1 if none), distance} in latent units.
export function nearestVisible(model, z) {
  const { points } = model, index = nearestIndex(points, model.visible, z);
  if (index < 0) return { index, distance: Infinity };
  return { index, distance: Math.hypot(points.xs[index] - z[0], points.ys[index] - z[1]) };
}

// The text under a decoding: where it is, and the test image there or nearest to it.
export function describe(model, z, index, near) {
  const { data, points } = model;
  const x = fmt(z[0]), y = fmt(z[1]);
  const where = data.plane ? t("export.describe.plane", { x, y }) : `z = (${x}, ${y})`;
  if (index < 0) return where;
  const found = { item: itemName(data.item), index, label: model.classes[points.labels[index]] };
  return `${where}\n${near ? t("export.describe.test", found) : t("export.describe.nearest", found)}`;
}

export function start(data) {
  setTexts(data.texts);
  const model = pageModel(data);
  const $ = (id) => document.getElementById(id);
  const state = { hover: null, pin: null, morph: model.morph, ready: false };
  let pinBefore = null; // the pin before the last click: a double-click puts it back
  const show = (canvas, pixels) => {
    paint(canvas, pixels);
    canvas.classList.remove("empty");
  };

  fillHeader($, data, pageTexts(data, model.points.n));
  const mapView = new MapView(
    { wrap: $("map-wrap"), map: $("map"), overlay: $("overlay"), note: $("axes-note") }, model, state,
  );
  window.latentExplorer = testApi(model, state, mapView);
  fillLegend($("legend"), model.classes, model.visible, () => mapView.draw(), data.palette);
  const morph = new MorphPanel(
    { frame: $("morph"), caption: $("morph-t"), ends: $("morph-ends"), slider: $("slider"), method: $("method"), strip: $("strip") },
    state.morph, model.decode, show, () => mapView.drawOverlay(),
  );

  function setPin(pin) {
    state.pin = pin;
    if (pin) show($("pin"), model.decode(pin.z));
    else {
      $("pin").getContext("2d").clearRect(0, 0, 28, 28);
      $("pin").classList.add("empty");
    }
    $("pin-text").textContent = pin ? pin.text : t("map.prompt.pin_mouse");
    $("use-a").disabled = $("use-b").disabled = !pin;
    mapView.drawOverlay();
  }

  wirePointer($("overlay"), mapView, {
    hover(px, py) {
      const z = mapView.toLatent(px, py), pixels = model.decode(z);
      show($("hover"), pixels);
      const nn = nearestVisible(model, z), near = nn.distance * mapView.view.s <= HIT_RADIUS_PX;
      state.hover = { z, pixels: Array.from(pixels), nearest: nn.index, near };
      $("hover-text").textContent = describe(model, z, nn.index, near);
      mapView.drawOverlay();
    },
    click(px, py) {
      pinBefore = state.pin;
      let z = mapView.toLatent(px, py);
      const nn = nearestVisible(model, z);
      const hit = nn.index >= 0 && nn.distance * mapView.view.s <= HIT_RADIUS_PX;
      if (!hit) {
        const text = `${describe(model, z, -1, false)}\n${t("map.details.empty")}`;
        return setPin({ z, index: -1, label: `(${fmt(z[0])}, ${fmt(z[1])})`, text });
      }
      const { points, classes } = model;
      z = [points.xs[nn.index], points.ys[nn.index]];
      const label = `${classes[points.labels[nn.index]]} #${nn.index}`;
      setPin({ z, index: nn.index, label, text: describe(model, z, nn.index, true) });
    },
    undoClick: () => setPin(pinBefore),
    leave() {
      if (!state.hover) return;
      state.hover.near = false;
      mapView.drawOverlay();
    },
  });
  $("fit").addEventListener("click", () => {
    mapView.fit();
    mapView.draw();
  });
  $("use-a").addEventListener("click", () => state.pin && morph.setEnd("a", state.pin));
  $("use-b").addEventListener("click", () => state.pin && morph.setEnd("b", state.pin));

  mapView.resize();
  morph.paint();
  if (window.ResizeObserver) new ResizeObserver(() => mapView.resize()).observe($("map-wrap"));
  else window.addEventListener("resize", () => mapView.resize());
  state.ready = true;
  document.body.dataset.ready = "1";
}

const copy = (value) => JSON.parse(JSON.stringify(value));

function testApi(model, state, mapView) {
  return {
    snapshot() {
      const { hover, pin, morph } = state;
      return copy({
        page: "export",
        ready: state.ready,
        n: model.points.n,
        drawn: mapView.drawn,
        classes: model.classes,
        item: model.data.item,
        visible: model.visible,
        view: mapView.view,
        hover: hover && { z: hover.z, nearest: hover.nearest, pixels: hover.pixels },
        pin: pin && { z: pin.z, index: pin.index, label: pin.label },
        morph: {
          a: morph.a, b: morph.b, t: morph.t, method: morph.method, z: morph.z, pixels: morph.pixels,
        },
        ticks: mapView.ticks,
        decodes: model.decodes,
        decoder: model.decode.simd ? "wasm-simd" : "js",
      });
    },
    decode: (z) => Array.from(model.decode(z)),
    toPixel: (z) => mapView.toPixel(z),
  };
}
