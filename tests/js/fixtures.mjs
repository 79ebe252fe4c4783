// Shared by the *.test.mjs files: the fixtures Python wrote (python -m tests.js.make_fixtures,
// into tests/js/fixtures/ or $LX_FIXTURES), and a comparison of arrays within a tolerance.

import { readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const HERE = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = process.env.LX_FIXTURES || join(HERE, "fixtures");
export const COMPONENTS = join(HERE, "..", "..", "components");

if (!existsSync(join(FIXTURES, "fixtures.json"))) {
  throw new Error(`no fixtures in ${FIXTURES}: run \`python -m tests.js.make_fixtures\` first`);
}
export const fixtures = JSON.parse(readFileSync(join(FIXTURES, "fixtures.json"), "utf8"));

// A fixture file's bytes as a fresh Uint8Array (its own, 4-byte aligned buffer).
export function bytes(name) {
  const b = readFileSync(join(FIXTURES, name));
  return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export const text = (name) => readFileSync(join(FIXTURES, name), "utf8");

// The largest |a[i] - b[i]| (arrays of numbers or of arrays), asserting equal lengths.
export function maxDiff(a, b) {
  const fa = Array.from(a).flat(), fb = Array.from(b).flat();
  assert.equal(fa.length, fb.length, "lengths differ");
  let worst = 0;
  for (let i = 0; i < fa.length; i++) {
    const d = Math.abs(fa[i] - fb[i]);
    if (!(d <= worst)) worst = d; // NaN counts as the worst
  }
  return worst;
}

export function assertClose(actual, expected, tol, what = "values") {
  const d = maxDiff(actual, expected);
  assert.ok(d <= tol, `${what}: off by ${d} (tolerance ${tol})`);
}
