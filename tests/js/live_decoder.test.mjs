// components/replay/live_decoder.js: the live map's decoder from a run's packed weights
// (the export's packing: the fixture is vae.export.pack_weights of the shipped 2-D VAE),
// records that cannot decode refused with a reason, and the plane's points to latent ones.

import { test } from "node:test";
import assert from "node:assert/strict";
import { latentOf, liveDecoder, onPlane } from "../../components/replay/live_decoder.js";
import { parseMatrix, row } from "../../components/latent_map/core/blobs.js";
import { fixtures, bytes, assertClose, maxDiff } from "./fixtures.mjs";

const record = (extra = {}) => ({ ...fixtures.packed.vae.spec, latent_dim: 2, epoch: 3, ...extra });
const rows = (m) => Array.from({ length: m.n }, (_, i) => Array.from(row(m, i)));
const b64 = (u8) => Buffer.from(u8).toString("base64");

test("a run's packed weights decode within 5e-3 of torch", () => {
  const live = liveDecoder(record());
  assert.equal(live.epoch, 3);
  assert.equal(live.latentDim, 2);
  assert.equal(live.floats, fixtures.packed.vae.spec.floats);
  assert.ok(live.ms >= 0);
  const p = fixtures.packed.vae;
  const z = rows(parseMatrix(bytes(p.z)));
  const got = z.map((v) => Array.from(live.decode(v)));
  assertClose(got, rows(parseMatrix(bytes(p.torch))), 5e-3, "decoded pixels");
});

test("records that cannot decode are refused, saying why", () => {
  const spec = record();
  const half = Buffer.from(spec.data16, "base64");
  const nan = new Uint16Array(half.length / 2).fill(0x7e00);
  const cases = [
    [null, /no decoder record/],
    [{ ...spec, epoch: undefined }, /names no epoch/],
    [{ ...spec, floats: -1 }, /float counts/],
    [{ ...spec, float32: spec.floats + 1 }, /float counts/],
    [{ ...spec, layers: [] }, /no layers/],
    [{ ...spec, layers: "x" }, /no layers/],
    [{ ...spec, layers: [{ in: 2, out: 5 }] }, /layer 0 is not/],
    [{ ...spec, layers: [spec.layers[0], spec.layers[2]] }, /layer 1 does not follow/],
    [{ ...spec, layers: spec.layers.slice(0, -1) }, /not 784 pixels/],
    [{ ...spec, data16: b64(half.subarray(0, half.length - 2)) }, /cannot be read/],
    [{ ...spec, data16: "not base64!" }, /cannot be read/],
    [{ ...spec, data16: b64(new Uint8Array(nan.buffer)) }, /decode to NaN/],
  ];
  for (const [bad, why] of cases) assert.throws(() => liveDecoder(bad), why, JSON.stringify(bad)?.slice(0, 80));
});

test("weights that moved decode otherwise: a swap is seen in the pixels", () => {
  const spec = record();
  const half = new Uint16Array(new Uint8Array(Buffer.from(spec.data16, "base64")).buffer);
  const moved = half.map((h) => h ^ 0x0400); // every weight's exponent bit flipped
  const other = liveDecoder({ ...spec, epoch: 4, data16: b64(new Uint8Array(moved.buffer)) });
  const z = [0.5, -1];
  assert.ok(maxDiff(liveDecoder(spec).decode(z), other.decode(z)) > 1e-2);
});

test("a plane's point is mean + p @ components, and lies back on the plane", () => {
  assert.deepEqual(latentOf([1.5, -2], null), [1.5, -2]);
  const s = Math.SQRT1_2;
  const plane = { mean: [1, 2, 3], components: [[s, s, 0], [0, 0, 1]] };
  const z = latentOf([2, -1], plane);
  assertClose(z, [1 + 2 * s, 2 + 2 * s, 2], 1e-12, "latent point");
  assertClose(onPlane(z, plane), [2, -1], 1e-12, "back on the plane");
  assert.deepEqual(onPlane([4, 5], null), [4, 5]);
});
