// core/prng.js against vae/prng.py: the same seed gives the same uniforms and normals.

import { test } from "node:test";
import assert from "node:assert/strict";
import { uniforms, normals } from "../../components/latent_map/core/prng.js";
import { fixtures, assertClose } from "./fixtures.mjs";

test("uniforms are Python's, bit for bit, for every seed", () => {
  for (const c of fixtures.prng) {
    assert.deepEqual(Array.from(uniforms(c.seed, c.uniforms.length)), c.uniforms, `seed ${c.seed}`);
  }
});

test("normals are Python's (Box-Muller), an odd count too", () => {
  for (const c of fixtures.prng) {
    assert.equal(c.normals.length % 2, 1);
    assertClose(normals(c.seed, c.normals.length), c.normals, 1e-12, `seed ${c.seed}`);
  }
});

test("different seeds give different draws; a seed past 2^32 wraps", () => {
  const [a, b] = fixtures.prng;
  assert.notDeepEqual(Array.from(normals(a.seed, 4)), Array.from(normals(b.seed, 4)));
  assert.deepEqual(Array.from(uniforms(2 ** 32 + 42, 5)), Array.from(uniforms(42, 5)));
});
