// core/blobs.js reads the binary files vae/web.py writes (points and matrix blobs).

import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePoints, parseMatrix, row, bytesOf } from "../../components/latent_map/core/blobs.js";
import { fixtures, bytes } from "./fixtures.mjs";

const f = fixtures.nearest;

test("a points blob: its count, coordinates and labels", () => {
  const p = parsePoints(bytes(f.points));
  assert.equal(p.n, f.n);
  assert.deepEqual(Array.from(p.xs.subarray(0, 12)), f.xs_head);
  assert.deepEqual(Array.from(p.ys.subarray(0, 12)), f.ys_head);
  assert.deepEqual(Array.from(p.labels.subarray(0, 12)), f.labels_head);
  assert.ok(p.labels.every((v) => v < 10));
});

test("a points blob at an unaligned offset (copied) and as an ArrayBuffer read the same", () => {
  const raw = bytes(f.points);
  const shifted = new Uint8Array(raw.length + 1);
  shifted.set(raw, 1);
  const a = parsePoints(shifted.subarray(1)), b = parsePoints(raw.buffer);
  assert.equal(a.n, b.n);
  assert.deepEqual(Array.from(a.ys), Array.from(b.ys));
  assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
});

test("a blob cut short is an error that says so", () => {
  const raw = bytes(f.points);
  assert.throws(() => parsePoints(raw.slice(0, raw.length - 4)), /501 points is cut short/);
  const m = bytes(f.matrix);
  assert.throws(() => parseMatrix(m.slice(0, 100)), /300 x 16 matrix file is cut short/);
});

test("a matrix blob: shape, rows as views", () => {
  const m = parseMatrix(bytes(f.matrix));
  assert.deepEqual([m.n, m.d], [300, 16]);
  const r = row(m, 299);
  assert.equal(r.length, 16);
  assert.equal(r.buffer, m.values.buffer); // a view, not a copy
  assert.equal(r[15], m.values[300 * 16 - 1]);
});

test("bytesOf decodes base64 as Python's base64 encodes", () => {
  const raw = bytes(f.points);
  assert.deepEqual(bytesOf(Buffer.from(raw).toString("base64")), raw);
  assert.deepEqual(Array.from(bytesOf("AP8Q")), [0, 255, 16]);
});
