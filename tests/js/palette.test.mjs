// core/palette.js: the classes' colours by the name Python sends (views/state.py palette).

import { test } from "node:test";
import assert from "node:assert/strict";
import { PALETTES, classColour } from "../../components/latent_map/core/palette.js";

test("ten distinct colours in each palette, and the two palettes differ in every class", () => {
  for (const colours of Object.values(PALETTES)) {
    assert.equal(colours.length, 10);
    assert.equal(new Set(colours.map((c) => c.toLowerCase())).size, 10);
  }
  for (let c = 0; c < 10; c++) assert.notEqual(classColour("cb", c).toLowerCase(), classColour("default", c));
});

test("the colour-blind-safe palette has no red/green pair of the default's kind", () => {
  // Plotly's green #2ca02c and red #d62728 are classes 2 and 3 of the default
  assert.ok(!PALETTES.cb.includes("#2ca02c") && !PALETTES.cb.includes("#d62728"));
  assert.equal(classColour("cb", 0), "#E69F00"); // Okabe-Ito's orange first
});

test("an unknown or missing name gives the default colours; classes beyond ten wrap", () => {
  assert.equal(classColour(undefined, 3), PALETTES.default[3]);
  assert.equal(classColour("rainbow", 3), PALETTES.default[3]);
  assert.equal(classColour("cb", 12), PALETTES.cb[2]);
});
