// plot.js glPixelRatio: the WebGL layer's pixels per CSS pixel, from the screen's ratio.

import { test } from "node:test";
import assert from "node:assert/strict";
import { glPixelRatio } from "../../components/latent_map/plot.js";

test("the screen's own ratio, between 1 and Plotly's default of 2", () => {
  assert.equal(glPixelRatio(1), 1);
  assert.equal(glPixelRatio(1.25), 1.25); // a laptop at 125 %
  assert.equal(glPixelRatio(2), 2);
  assert.equal(glPixelRatio(3), 2); // a phone: no more pixels than before
  assert.equal(glPixelRatio(0.5), 1); // zoomed out: never under 1
});

test("a ratio the browser does not give is taken as 1", () => {
  for (const bad of [undefined, NaN, Infinity, null, "2"]) assert.equal(glPixelRatio(bad), 1);
});
