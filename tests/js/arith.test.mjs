// core/attributes.js against Python: the attributes measured on the same images as
// vae/attributes.py measures them, and the latent arithmetic (z_A - z_B + z_C, z + s w)
// decoded by core/decoder.js in the shipped 8-D VAE's latent space as torch decodes it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { measure, combine, along, planePoint, ATTRIBUTES } from "../../components/latent_map/core/attributes.js";
import { makeDecoder } from "../../components/latent_map/core/decoder.js";
import { parseMatrix, row } from "../../components/latent_map/core/blobs.js";
import { fixtures, bytes, assertClose, maxDiff } from "./fixtures.mjs";

const f = fixtures.arith;
const decoder = () => makeDecoder(f.manifest, bytes(f.weights).buffer);
const torchRows = () => {
  const m = parseMatrix(bytes(f.torch));
  return Array.from({ length: m.n }, (_, i) => Array.from(row(m, i)));
};

test("the browser measures the attributes Python measures, on the same images", () => {
  assert.deepEqual(ATTRIBUTES, f.attributes);
  const images = parseMatrix(bytes(f.images));
  assert.equal(images.n, f.measured.ink.length);
  for (const name of ATTRIBUTES) {
    const js = Array.from({ length: images.n }, (_, i) => measure(row(images, i))[name]);
    const scale = Math.max(1, ...f.measured[name].map(Math.abs));
    assertClose(js, f.measured[name], 1e-9 * scale, name);
  }
  // the drawn bars: upright, leaning right (positive slant), and an empty image measures 0
  const n = images.n;
  const upright = measure(row(images, n - 3)), leaning = measure(row(images, n - 2));
  assert.ok(Math.abs(upright.slant) < 1e-12 && leaning.slant > 0.3, `${upright.slant}, ${leaning.slant}`);
  assert.deepEqual(measure(row(images, n - 1)), { ink: 0, thickness: 0, slant: 0 });
});

test("z_A - z_B + z_C decodes as torch decodes it, in 8 dimensions", () => {
  const z = combine(f.a, f.b, f.c);
  assert.equal(z.length, 8);
  assertClose(z, f.a.map((v, j) => v - f.b[j] + f.c[j]), 1e-12, "z");
  assertClose(decoder()(z), torchRows()[0], 1e-5, "decoded z_A - z_B + z_C");
});

test("the result changes when an input changes", () => {
  const decode = decoder();
  const first = decode(combine(f.a, f.b, f.c), new Float32Array(784));
  const other = decode(combine(f.a, f.b, f.w), new Float32Array(784));
  assert.ok(maxDiff(first, other) > 0.05, "another C decodes alike");
});

test("z + s w decodes as torch decodes it, for every s", () => {
  const decode = decoder();
  const want = torchRows().slice(1);
  f.s.forEach((s, k) => {
    const z = along(f.a, f.w, s);
    assertClose(z, f.a.map((v, j) => v + s * f.w[j]), 1e-12, `z at s = ${s}`);
    assertClose(decode(z), want[k], 1e-5, `decoded at s = ${s}`);
  });
});

test("the plane's place of a latent point: itself, its PCA projection, or none", () => {
  assert.deepEqual(planePoint({ method: "latent" }, [0.5, -2]), [0.5, -2]);
  const pca = fixtures.pca; // latent = mean + p @ components, components orthonormal
  const data = { method: "pca", pca: { mean: pca.mean, components: pca.components } };
  assertClose(pca.latent.map((z) => planePoint(data, z)), pca.p, 1e-9, "projection");
  assert.equal(planePoint({ method: "tsne", pca: null }, pca.latent[0]), null);
  assert.equal(planePoint({ method: "umap", pca: null }, pca.latent[0]), null);
});
