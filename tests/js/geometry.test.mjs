// core/geometry.js against numpy and vae/: nearest points and rows, ellipses, KL per
// dimension, the PCA plane's latent points, bounds.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  nearestIndex, nearestRows, ellipsePoints, klPerDimension, planeToLatent, paddedBounds,
} from "../../components/latent_map/core/geometry.js";
import { parsePoints, parseMatrix } from "../../components/latent_map/core/blobs.js";
import { fixtures, bytes, assertClose } from "./fixtures.mjs";

const f = fixtures.nearest;
const points = parsePoints(bytes(f.points));

test("nearest point on the plane is numpy's, all classes shown", () => {
  assert.deepEqual(f.queries.map((q) => nearestIndex(points, null, q)), f.all);
});

test("nearest point skips hidden classes", () => {
  const visible = Array.from({ length: 10 }, (_, c) => !f.hidden.includes(c));
  const got = f.queries.map((q) => nearestIndex(points, visible, q));
  assert.deepEqual(got, f.visible);
  assert.ok(got.every((i) => !f.hidden.includes(points.labels[i])));
  assert.notDeepEqual(f.visible, f.all); // the hidden classes made a difference
  assert.equal(nearestIndex(points, new Array(10).fill(false), [0, 0]), -1);
});

test("k nearest rows in 16-D are numpy's, nearest first, with their distances", () => {
  const mu = parseMatrix(bytes(f.matrix));
  f.row_queries.forEach((q, i) => {
    const got = nearestRows(mu, q.z, f.k, i === 0 ? f.exclude_first : -1);
    assert.deepEqual(got.map((r) => r.i), q.rows, `query ${i}`);
    assertClose(got.map((r) => r.d), q.d, 1e-9, `distances of query ${i}`);
  });
  const q = f.row_queries[1];
  const odd = nearestRows(mu, q.z, 3, -1, (i) => i % 2 === 1);
  assert.ok(odd.every((r) => r.i % 2 === 1));
});

test("ellipses are vae.latent.ellipse's contours, closed", () => {
  for (const e of fixtures.ellipse) {
    const got = ellipsePoints(e.mu, e.sigma, e.k, e.n);
    assert.equal(got.k, e.k);
    assertClose(got.xs.map((x, i) => [x, got.ys[i]]), e.points, 1e-9, `k = ${e.k}`);
    assert.equal(got.xs[0], got.xs[e.n]);
  }
});

test("KL per dimension is vae/latent_size.py's, and so is the count of active dimensions", () => {
  const k = fixtures.kl;
  const kl = klPerDimension(parseMatrix(bytes(k.mu)), parseMatrix(bytes(k.sigma)));
  assertClose(kl, k.kl, 1e-9, "KL per dimension");
  assert.equal(kl.filter((v) => v > k.threshold).length, k.active);
  assert.equal(k.active, 5); // the fixture collapsed 3 of 8 dimensions
});

test("a PCA plane point's latent point is vae.projection's inverse_transform", () => {
  const p = fixtures.pca;
  assertClose(p.p.map((q) => planeToLatent(p, q)), p.latent, 1e-9);
});

test("padded bounds hold every point", () => {
  const [x0, x1, y0, y1] = paddedBounds(points, 0.1);
  const xs = Array.from(points.xs), ys = Array.from(points.ys);
  const span = Math.max(...xs) - Math.min(...xs);
  assert.ok(Math.abs(Math.min(...xs) - x0 - 0.1 * span) < 1e-6);
  assert.ok(xs.every((x) => x > x0 && x < x1) && ys.every((y) => y > y0 && y < y1));
});

test("latentOf: a test image's own mu, else the plane point's latent point, else none", async () => {
  const { latentOf } = await import("../../components/latent_map/core/geometry.js");
  const mu = { n: 2, d: 3, values: new Float32Array([1, 2, 3, -0.5, 0.25, 4]) };
  const pca = { mean: [10, 20, 30], components: [[1, 0, 0], [0, 0, 2]] };
  assert.deepEqual(latentOf({ method: "pca", pca }, mu, 1, [9, 9]), [-0.5, 0.25, 4]); // its own mu
  assert.deepEqual(latentOf({ method: "pca", pca }, mu, -1, [1, 2]), [11, 20, 34]); // mean + p @ components
  assert.deepEqual(latentOf({ method: "pca", pca }, null, 0, [0, 0]), [10, 20, 30]); // no mu here yet
  assert.deepEqual(latentOf({ method: "latent" }, null, 4, [0.5, -1]), [0.5, -1]); // 2-D: the plane itself
  assert.equal(latentOf({ method: "tsne" }, null, -1, [0.5, -1]), null); // no inverse
  assert.deepEqual(latentOf({ method: "tsne" }, mu, 0, [0.5, -1]), [1, 2, 3]);
});
