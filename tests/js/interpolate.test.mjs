// core/decoder.js interpolate against vae.latent.interpolate (float32 paths from Python).

import { test } from "node:test";
import assert from "node:assert/strict";
import { interpolate } from "../../components/latent_map/core/decoder.js";
import { fixtures, maxDiff } from "./fixtures.mjs";

const scale = (c) => Math.max(1, ...c.a.map(Math.abs), ...c.b.map(Math.abs));

for (const c of fixtures.interpolate) {
  test(`interpolate ${c.method}, ${c.name}: Python's path`, () => {
    const path = c.t.map((t) => interpolate(c.a, c.b, t, c.method));
    const d = maxDiff(path, c.path);
    assert.ok(d <= 2e-6 * scale(c), `off by ${d}`);
  });
}

test("spherical keeps the radius moving linearly and leaves the straight line", () => {
  const c = fixtures.interpolate.find((x) => x.name === "2-D" && x.method === "spherical");
  const r0 = Math.hypot(...c.a), r1 = Math.hypot(...c.b);
  const mid = interpolate(c.a, c.b, 0.5, "spherical");
  assert.ok(Math.abs(Math.hypot(...mid) - (r0 + r1) / 2) < 1e-12);
  const lin = interpolate(c.a, c.b, 0.5, "linear");
  assert.ok(Math.hypot(mid[0] - lin[0], mid[1] - lin[1]) > 0.1);
});

test("ends are exact and the dimension is kept", () => {
  const c = fixtures.interpolate.find((x) => x.name === "16-D" && x.method === "spherical");
  const end = interpolate(c.a, c.b, 1, "spherical");
  assert.equal(end.length, 16);
  assert.ok(maxDiff(interpolate(c.a, c.b, 0, "spherical"), c.a) < 1e-12);
  assert.ok(maxDiff(end, c.b) < 1e-12);
});
