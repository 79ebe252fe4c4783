// The exported page (components/export_page/): its script as vae/export.py inlines it into
// the page (fixture page.html), run in node up to its first use of the DOM, and the page's
// own modules' pure parts.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMatrix, row } from "../../components/latent_map/core/blobs.js";
import { pageModel, describe, nearestVisible } from "../../components/export_page/page.js";
import { fittedView, niceStep, tickText } from "../../components/export_page/view.js";
import { endsOf, frameOf, frameT } from "../../components/export_page/morph.js";
import { wheelFactor } from "../../components/export_page/pointer.js";
import { factsText, leadText } from "../../components/export_page/header.js";
import { setTexts } from "../../components/latent_map/core/i18n.js";
import { fixtures, text, bytes, maxDiff } from "./fixtures.mjs";

const html = text(fixtures.page.html);
const data = JSON.parse(html.match(/<script type="application\/json" id="lx-data">([\s\S]*?)<\/script>/)[1]);
const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
setTexts(data.texts); // the modules' words, as start(data) sets them (English: the default page)

class DomReached extends Error {}

// A document that answers only for the data element; anything else is the DOM.
function stubDocument() {
  const dataElement = { textContent: JSON.stringify(data) };
  return new Proxy({}, {
    get(_, key) {
      if (key === "getElementById") {
        return (id) => {
          if (id === "lx-data") return dataElement;
          throw new DomReached(`#${id}`);
        };
      }
      throw new DomReached(String(key));
    },
    set(_, key) {
      throw new DomReached(`set ${String(key)}`);
    },
  });
}

test("the page holds one script, which runs in node until it first touches the DOM", () => {
  assert.equal(scripts.length, 1);
  assert.ok(scripts[0].includes('"use strict"'));
  const run = new Function("document", "window", scripts[0]);
  assert.throws(() => run(stubDocument(), {}), (e) => {
    assert.ok(e instanceof DomReached, `stopped by ${e.name}: ${e.message}, not by the DOM`);
    return true;
  });
});

// The bundle's own functions, out of the page's start-up wrapper.
function bundled() {
  const s = scripts[0];
  const inner = s.slice(s.indexOf("(() => {") + "(() => {".length, s.lastIndexOf("start(JSON.parse("));
  return new Function(`${inner}\nreturn { pageModel, describe, nearestVisible };`)();
}

test("the bundled page decodes within 5e-3 of torch (float16 weights)", () => {
  const model = bundled().pageModel(data);
  assert.equal(model.points.n, fixtures.page.n);
  const z = parseMatrix(bytes(fixtures.decoder.z)), want = parseMatrix(bytes(fixtures.decoder.torch));
  let worst = 0;
  for (let i = 0; i < z.n; i++) worst = Math.max(worst, maxDiff(model.decode(row(z, i)), row(want, i)));
  assert.ok(worst <= 5e-3 && worst > 0, `off by ${worst}`);
  assert.equal(model.decodes, z.n);
});

test("the bundle and the modules agree: same points, decodings and nearest points", () => {
  const a = bundled().pageModel(data), b = pageModel(data);
  assert.deepEqual(Array.from(a.points.xs), Array.from(b.points.xs));
  assert.deepEqual(Array.from(a.decode([0.3, -1.1])), Array.from(b.decode([0.3, -1.1])));
  assert.deepEqual(bundled().nearestVisible(a, [0.5, 0.5]), nearestVisible(b, [0.5, 0.5]));
});

test("the morph's default ends read like clicked points, and the hit text names the image", () => {
  const model = pageModel(data);
  const { a, b } = model.morph;
  assert.equal(a.label, `${data.morph.a.label} #${data.morph.a.index}`);
  assert.equal(b.index, data.morph.b.index);
  assert.deepEqual([model.morph.t, model.morph.method], [0.5, "linear"]);
  assert.equal(endsOf({ a: { z: [0, 0], index: -1, label: "origin" }, b: a }).a.label, "origin");
  const i = a.index, z = [model.points.xs[i], model.points.ys[i]];
  const nn = nearestVisible(model, z);
  assert.deepEqual([nn.index, nn.distance], [i, 0]);
  assert.match(describe(model, z, i, true), new RegExp(`^z = \\(.*\\)\\ntest digit #${i} \\(`));
  model.visible.fill(false);
  assert.equal(nearestVisible(model, z).index, -1);
});

test("the fitted view holds every point and both morph ends", () => {
  const model = pageModel(data), w = 800, h = 500;
  const far = [40, -30];
  const v = fittedView(model.points, [model.morph.a.z, far], w, h);
  const px = (z) => [w / 2 + (z[0] - v.cx) * v.s, h / 2 - (z[1] - v.cy) * v.s];
  for (let i = 0; i < model.points.n; i++) {
    const [x, y] = px([model.points.xs[i], model.points.ys[i]]);
    assert.ok(x >= 0 && x <= w && y >= 0 && y <= h, `point ${i} outside`);
  }
  const [x, y] = px(far);
  assert.ok(x > w / 2 && x < w && y > 0.9 * h && y < h, `the far end at ${x}, ${y}`); // y binds
  assert.deepEqual(fittedView({ n: 0 }, [], 600, 600), { cx: 0, cy: 0, s: 600 / (6 * 1.12) });
});

test("grid steps are 1, 2 or 5 times a power of ten; ticks have a true minus", () => {
  assert.equal(niceStep(7), 1);
  assert.equal(niceStep(14), 2);
  assert.equal(niceStep(0.3), 0.05);
  assert.equal(niceStep(600), 100);
  assert.equal(tickText(-0.5, 0.5, 1), "\u22120.5");
  assert.equal(tickText(1e-17, 0.5, 1), "0");
  assert.equal(tickText(2, 1, 0), "2");
});

test("strip frames, wheel zoom and the header's words", () => {
  assert.deepEqual([frameOf(0), frameOf(0.5), frameOf(1), frameT(9)], [0, 5, 9, 1]);
  assert.ok(Math.abs(wheelFactor(-100, 0) * wheelFactor(100, 0) - 1) < 1e-12);
  assert.equal(wheelFactor(1, 1), wheelFactor(33, 0)); // a line is 33 px
  assert.ok(wheelFactor(-100, 0) > 1); // wheel up zooms in
  const facts = factsText(data, 300);
  assert.match(facts, /^MNIST · 2-D VAE · MLP decoder 2–.*–784 · test −ELBO \d+\.\d\d nats/);
  assert.match(facts, /300 test digits$/);
  assert.match(leadText(data), /placed at its code μ/);
  assert.match(leadText({ ...data, plane: { variance: 0.634 } }), /PCA plane of the test set \(63% of the variance\)/);
});
