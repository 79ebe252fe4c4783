// core/decoder.js (and its WebAssembly kernel, core/dense.js) against torch: the shipped
// VAE's decoder with the app's float32 weights (vae/web.py) and with the exported page's packed float16 weights (vae/export.py).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { makeDecoder, unpackWeights, halfToFloat } from "../../components/latent_map/core/decoder.js";
import { denseKernel } from "../../components/latent_map/core/dense.js";
import { parseMatrix, row } from "../../components/latent_map/core/blobs.js";
import { join } from "node:path";
import { fixtures, bytes, assertClose, maxDiff, FIXTURES } from "./fixtures.mjs";

const rows = (m) => Array.from({ length: m.n }, (_, i) => row(m, i));

function decodeAll(decode, zs) {
  return zs.map((z) => Array.from(decode(z)));
}

test("float32 weights as the app serves them decode within 1e-5 of torch", () => {
  const f = fixtures.decoder;
  const decode = makeDecoder(f.manifest, bytes(f.weights).buffer);
  const z = rows(parseMatrix(bytes(f.z)));
  const want = rows(parseMatrix(bytes(f.torch)));
  assert.equal(z.length, 20);
  assert.equal(decode.latentDim, 2);
  assertClose(decodeAll(decode, z), want.map((r) => Array.from(r)), 1e-5, "decoded pixels");
});

test("the activation is the manifest's: relu by default, gelu in its tanh form", () => {
  // z -> identity layer -> activation -> identity layer -> sigmoid; torch's values
  const manifest = (activation) => ({
    latent_dim: 1,
    layers: [{ in: 1, out: 1, weight: 0, bias: 1 }, { in: 1, out: 1, weight: 2, bias: 3 }],
    ...(activation ? { activation } : {}),
  });
  const floats = new Float32Array([1, 0, 1, 0]);
  const zs = [1, -1, 2, -3];
  const run = (m) => zs.map((z) => makeDecoder(m, floats)([z])[0]);
  const gelu = [0.6987162035961936, 0.46038122807287507, 0.8759471087623779, 0.49909065298215866];
  const relu = [0.7310585786300049, 0.5, 0.8807970779778823, 0.5];
  assertClose([run(manifest("gelu"))], [gelu], 1e-6, "gelu");
  assertClose([run(manifest("relu"))], [relu], 1e-6, "relu");
  assertClose([run(manifest())], [relu], 1e-6, "no activation named");
  assert.throws(() => makeDecoder(manifest("tanh"), floats), /activation tanh is not known/);
});

test("a decoder reuses its buffers but not its output unless asked", () => {
  const f = fixtures.decoder;
  const decode = makeDecoder(f.manifest, bytes(f.weights).buffer);
  const first = decode([0.5, -0.5]);
  const second = decode([-2, 1]);
  assert.notEqual(first, second);
  assert.ok(maxDiff(first, second) > 0.1, "two far points decode alike");
  const out = new Float32Array(784);
  assert.equal(decode([0.5, -0.5], out), out);
  assert.deepEqual(Array.from(out), Array.from(first));
});

test("onDecode counts decodings", () => {
  const f = fixtures.decoder;
  let count = 0;
  const decode = makeDecoder(f.manifest, bytes(f.weights).buffer, () => count++);
  decode([0, 0]);
  decode([1, 1]);
  assert.equal(count, 2);
});

test("weights shorter than the manifest says are refused", () => {
  const f = fixtures.decoder;
  const cut = bytes(f.weights).buffer.slice(0, 4000);
  assert.throws(() => makeDecoder(f.manifest, cut), /do not match its layers/);
});

test("the export's packed float16 weights decode within 5e-3 of torch", () => {
  const p = fixtures.packed.vae;
  assert.ok(p.spec.float32 < p.spec.floats / 100, "a VAE's weights are mostly float16");
  const decode = makeDecoder(p.spec, unpackWeights(p.spec));
  const z = rows(parseMatrix(bytes(p.z)));
  const want = rows(parseMatrix(bytes(p.torch))).map((r) => Array.from(r));
  const d = maxDiff(decodeAll(decode, z), want);
  assert.ok(d <= 5e-3, `off by ${d}`);
  assert.ok(d > 1e-6, "packed weights decode exactly like float32: not half precision?");
});

test("the autoencoder's page keeps leading layers float32 and still decodes within 5e-3", () => {
  const p = fixtures.packed.ae;
  const cuts = p.spec.layers.slice(1).map((l) => l.weight);
  assert.ok(cuts.includes(p.spec.float32), `float32 count ${p.spec.float32} is not a layer boundary`);
  const decode = makeDecoder(p.spec, unpackWeights(p.spec));
  const z = rows(parseMatrix(bytes(p.z)));
  assert.ok(Math.max(...z.map((v) => Math.hypot(...v))) > 50, "the AE's codes reach far");
  assertClose(decodeAll(decode, z), rows(parseMatrix(bytes(p.torch))).map((r) => Array.from(r)), 5e-3);
});

test("packed weights that do not match their count are refused", () => {
  const spec = { ...fixtures.packed.vae.spec, floats: fixtures.packed.vae.spec.floats + 1 };
  assert.throws(() => unpackWeights(spec), /do not match its layers/);
});

test("halfToFloat reads IEEE 754 halves: normal, subnormal, signed zero, infinity, NaN", () => {
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x7bff), 65504);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.ok(Object.is(halfToFloat(0x8000), -0));
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.equal(halfToFloat(0xfc00), -Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.equal(halfToFloat(0x3555), 0.333251953125);
});

test("decode.many gives, in one pass over the weights, the very floats decode gives", () => {
  const f = fixtures.decoder;
  let count = 0;
  const decode = makeDecoder(f.manifest, bytes(f.weights).buffer, () => count++);
  const z = rows(parseMatrix(bytes(f.z)));
  const many = decode.many(z);
  assert.equal(many.length, z.length);
  assert.equal(count, z.length);
  z.forEach((zi, k) => assert.deepEqual(Array.from(many[k]), Array.from(decode(zi)), `z #${k}`));
  const want = rows(parseMatrix(bytes(f.torch)));
  assertClose(many.map((r) => Array.from(r)), want.map((r) => Array.from(r)), 1e-5, "against torch");
  assert.deepEqual(decode.many([]), []);
});

test("decode.many applies the decoder's own activation, as decode does (GELU here)", () => {
  const f = fixtures.decoder;
  const manifest = { ...f.manifest, activation: "gelu" };
  const decode = makeDecoder(manifest, bytes(f.weights).buffer);
  const z = rows(parseMatrix(bytes(f.z)));
  const many = decode.many(z);
  z.forEach((zi, k) => assert.deepEqual(Array.from(many[k]), Array.from(decode(zi)), `z #${k}`));
  const relu = makeDecoder(f.manifest, bytes(f.weights).buffer);
  assert.ok(maxDiff(many[0], relu(z[0])) > 1e-4, "GELU decodes as ReLU does");
});

test("WebAssembly's SIMD sums decode as JavaScript's float64 sums do: within 2e-6, torch within 1e-5", () => {
  const f = fixtures.decoder;
  const z = rows(parseMatrix(bytes(f.z)));
  const want = rows(parseMatrix(bytes(f.torch))).map((r) => Array.from(r));
  for (const activation of ["relu", "gelu"]) {
    const manifest = { ...f.manifest, activation };
    const simd = makeDecoder(manifest, bytes(f.weights).buffer);
    const js = makeDecoder(manifest, bytes(f.weights).buffer, null, { simd: false });
    assert.equal(simd.simd, true, "node has WebAssembly's SIMD: the kernel must be used");
    assert.equal(js.simd, false);
    assertClose(decodeAll(simd, z), decodeAll(js, z), 2e-6, `${activation}: SIMD against JavaScript`);
    if (activation === "relu") assertClose(decodeAll(simd, z), want, 1e-5, "SIMD against torch");
  }
});

test("the kernel sums rows of any width, against float64 sums written here", () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  for (const nIn of [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 37, 64]) {
    const nOut = 5;
    const kernel = denseKernel(nIn * nOut + nOut + nIn + nOut);
    const w = Float32Array.from({ length: nIn * nOut }, rand);
    const b = Float32Array.from({ length: nOut }, rand);
    const x = Float32Array.from({ length: nIn }, () => 3 * rand());
    const [wAt, bAt, xAt, yAt] = [0, nIn * nOut, nIn * nOut + nOut, nIn * nOut + nOut + nIn];
    kernel.f32.set(w, wAt);
    kernel.f32.set(b, bAt);
    kernel.f32.set(x, xAt);
    kernel.dense(wAt, bAt, xAt, yAt, nIn, nOut);
    const want = Array.from({ length: nOut }, (_, j) => {
      let sum = b[j];
      for (let i = 0; i < nIn; i++) sum += w[j * nIn + i] * x[i];
      return sum;
    });
    assertClose(Array.from(kernel.f32.subarray(yAt, yAt + nOut)), want, 1e-5, `${nIn} inputs`);
    assert.ok(Math.max(...want.map(Math.abs)) > 0.1, "sums near zero test nothing");
  }
});

test("without WebAssembly the decoder decodes in JavaScript, the same pixels", () => {
  const f = fixtures.decoder;
  const url = new URL("../../components/latent_map/core/decoder.js", import.meta.url).href;
  const code = `globalThis.WebAssembly = undefined;
    const { makeDecoder } = await import(${JSON.stringify(url)});
    const m = ${JSON.stringify(f.manifest)};
    const b = (await import("node:fs")).readFileSync(process.argv[1]);
    const floats = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const d = makeDecoder(m, floats);
    console.log(JSON.stringify({ simd: d.simd, pixels: Array.from(d([0.5, -1])) }));`;
  const weights = join(FIXTURES, f.weights);
  const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", code, weights],
    { encoding: "utf8", maxBuffer: 1 << 26 }));
  assert.equal(out.simd, false);
  const here = makeDecoder(f.manifest, bytes(f.weights).buffer);
  assertClose(out.pixels, Array.from(here([0.5, -1])), 2e-6, "JavaScript against SIMD");
});

test("a z shorter than the decoder's input decodes as in JavaScript, a longer one is cut", () => {
  const f = fixtures.decoder;
  const [simd, js] = [true, false].map((on) => makeDecoder(f.manifest, bytes(f.weights).buffer, null, { simd: on }));
  simd([3, 3]); // what a missing input must not take from the decoding before
  assertClose(Array.from(simd([0.5])), Array.from(js([0.5])), 2e-6, "one input of two");
  for (const decode of [simd, js]) {
    assert.deepEqual(Array.from(decode([0.5, -1, 7])), Array.from(decode([0.5, -1])));
  }
});
