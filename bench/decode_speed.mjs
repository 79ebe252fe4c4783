// How fast the page decodes: the decoder's sums in WebAssembly's SIMD (core/dense.js) against
// the same decoder in plain JavaScript, side by side in one process (a script, not a test).
//
//     node bench/decode_speed.mjs [--rounds 5]
//
// The decoder has the shipped 2-D models' layers (2 -> 256 -> 512 -> 512 -> 784, ReLU);
// its weights are made up here: the arithmetic, not the values, sets the time. Prints, per
// round, ms per decoding one by one (a pointer move) and per eight (a click's posterior
// samples, decode.many), and the ratio of the medians.

import { makeDecoder } from "../components/latent_map/core/decoder.js";

const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1]) || 5;
const SIZES = [[2, 256], [256, 512], [512, 512], [512, 784]];
let floats = 0;
const layers = SIZES.map(([nIn, nOut]) => {
  const layer = { in: nIn, out: nOut, weight: floats, bias: floats + nIn * nOut };
  floats += nIn * nOut + nOut;
  return layer;
});
let seed = 1;
const weights = Float32Array.from({ length: floats }, () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return (seed / 2 ** 31 - 0.5) * 0.1;
});
const manifest = { latent_dim: 2, layers, activation: "relu" };
const arms = {
  simd: makeDecoder(manifest, weights),
  js: makeDecoder(manifest, weights, null, { simd: false }),
};
if (!arms.simd.simd) throw new Error("this node has no WebAssembly SIMD: nothing to compare");
const zs = Array.from({ length: 8 }, (_, k) => Float32Array.from([Math.cos(k), Math.sin(k)]));
const time = (fn, n) => {
  const start = performance.now();
  for (let r = 0; r < n; r++) fn();
  return (performance.now() - start) / n;
};
for (const d of Object.values(arms)) for (let w = 0; w < 20; w++) d.many(zs); // JIT warm-up

const one = { simd: [], js: [] }, eight = { simd: [], js: [] };
for (let round = 1; round <= rounds; round++) {
  for (const [name, d] of Object.entries(arms)) {
    one[name].push(time(() => d(zs[round % 8]), 100));
    eight[name].push(time(() => d.many(zs), 20));
  }
  console.log(`round ${round}: one decoding  simd ${one.simd.at(-1).toFixed(3)} ms  js ${one.js.at(-1).toFixed(3)} ms;`
    + `  eight  simd ${eight.simd.at(-1).toFixed(2)} ms  js ${eight.js.at(-1).toFixed(2)} ms`);
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(`median: one decoding ${median(one.simd).toFixed(3)} ms (simd) vs ${median(one.js).toFixed(3)} ms (js),`
  + ` ${(median(one.js) / median(one.simd)).toFixed(1)}x; eight ${median(eight.simd).toFixed(2)} ms vs`
  + ` ${median(eight.js).toFixed(2)} ms, ${(median(eight.js) / median(eight.simd)).toFixed(1)}x`);
