// The decoder in plain JavaScript (Linear, ReLU or GELU, ..., Linear, sigmoid; weights (out, in)
// row-major, as vae/web.py writes them), its two weight formats, and the interpolation
// between two latent points that the morph walks (mirrors vae.latent.interpolate).
//
// Weight formats: the app fetches float32 weights (manifest + ArrayBuffer); the exported
// page carries them base64-encoded, leading floats as float32 and the rest as float16
// (vae/export.py pack_weights). Both become one Float32Array that makeDecoder reads.

import { bytesOf } from "./blobs.js";
import { denseKernel } from "./dense.js";

// GELU in its tanh form, as torch's nn.GELU(approximate="tanh") and vae/export.py decode_stored.
const GELU_C = Math.sqrt(2 / Math.PI);
const ACTIVATIONS = {
  relu: (x) => (x > 0 ? x : 0),
  gelu: (x) => 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x))),
};

// manifest: {latent_dim, layers: [{in, out, weight, bias}], activation ("relu" if absent)}
// with offsets into `floats`.
// Returns decode(z, out?) -> Float32Array of the last layer's size, and decode.many(zs).
// Where the browser has WebAssembly's SIMD, the layers' sums run there in float32 (dense.js:
// 13x faster), else in JavaScript in float64 (options.simd = false asks for that); both
// agree with torch within 1e-5 (tests/js/decoder.test.mjs). decode.simd says which.
// `onDecode`, if given, is called after every decoding (the page counts them).
export function makeDecoder(manifest, floats, onDecode, options = {}) {
  if (!(floats instanceof Float32Array)) floats = new Float32Array(floats); // fetch's ArrayBuffer is aligned
  const layers = manifest.layers.map((l) => {
    if (l.weight + l.in * l.out > floats.length || l.bias + l.out > floats.length) {
      throw new Error("the decoder's weights do not match its layers");
    }
    return {
      nIn: l.in,
      nOut: l.out,
      at: l.weight,
      biasAt: l.bias,
      weight: floats.subarray(l.weight, l.weight + l.in * l.out),
      bias: floats.subarray(l.bias, l.bias + l.out),
    };
  });
  const act = ACTIVATIONS[manifest.activation ?? "relu"];
  if (!act) throw new Error(`the decoder's activation ${manifest.activation} is not known here`);
  const decode = (options.simd !== false && simdDecoder(layers, floats, act, onDecode))
    || jsDecoder(layers, act, onDecode);
  decode.latentDim = manifest.latent_dim ?? layers[0].nIn;
  return decode;
}

// The layers' sums in WebAssembly (dense.js), over a copy of the weights in its memory;
// activations here. null where the kernel is not available.
function simdDecoder(layers, floats, act, onDecode) {
  const width = Math.max(...layers.map((l) => Math.max(l.nIn, l.nOut)));
  const kernel = denseKernel(floats.length + 2 * width);
  if (!kernel) return null;
  const { f32, dense } = kernel;
  f32.set(floats);
  const last = layers.length - 1;
  const lastOut = layers[last].nOut;
  function decode(z, out) {
    out = out || new Float32Array(lastOut);
    let x = floats.length, y = x + width;
    const n0 = layers[0].nIn;
    if (z.length < n0) f32.fill(NaN, x, x + n0); // a missing input: NaN, as in JavaScript
    f32.set(z.length > n0 ? Array.prototype.slice.call(z, 0, n0) : z, x);
    for (let li = 0; li <= last; li++) {
      const { nIn, nOut, at, biasAt } = layers[li];
      dense(at, biasAt, x, y, nIn, nOut);
      if (li === last) {
        for (let j = 0; j < nOut; j++) out[j] = 1 / (1 + Math.exp(-f32[y + j]));
      } else {
        for (let j = y; j < y + nOut; j++) f32[j] = act(f32[j]);
        [x, y] = [y, x];
      }
    }
    if (onDecode) onDecode();
    return out;
  }
  decode.many = (zs) => zs.map((z) => decode(z, new Float32Array(lastOut)));
  decode.simd = true;
  return decode;
}

// The same in JavaScript, summing in float64.
function jsDecoder(layers, act, onDecode) {
  const hidden = layers.map((l) => new Float64Array(l.nOut));
  const last = layers.length - 1;
  function decode(z, out) {
    out = out || new Float32Array(layers[last].nOut);
    let input = z;
    for (let li = 0; li <= last; li++) {
      const { nIn, nOut, weight, bias } = layers[li];
      const output = li === last ? out : hidden[li];
      for (let j = 0; j < nOut; j++) {
        let sum = bias[j];
        const row = j * nIn;
        for (let i = 0; i < nIn; i++) sum += weight[row + i] * input[i];
        output[j] = li === last ? 1 / (1 + Math.exp(-sum)) : act(sum);
      }
      input = output;
    }
    if (onDecode) onDecode();
    return out;
  }
  // Several z at once, four sums side by side per weight read: 8 decodings of the shipped
  // 2-D decoder in 8 ms instead of 13-14 ms one by one (node 20). Each sum adds in the
  // order decode(z) adds: the same floats as decode(z).
  function many(zs) {
    const outs = zs.map(() => new Float32Array(layers[last].nOut));
    let inputs = zs;
    for (let li = 0; li <= last; li++) {
      const { nIn, nOut, weight, bias } = layers[li];
      const outputs = li === last ? outs : zs.map(() => new Float64Array(nOut));
      const B = inputs.length;
      for (let j = 0; j < nOut; j++) {
        const row = j * nIn;
        // four sums at a time, each weight read once for the four: independent additions
        // the CPU overlaps (each sum adds in the order decode(z) adds: the same floats)
        for (let b = 0; b < B; b += 4) {
          const x0 = inputs[b], x1 = inputs[Math.min(b + 1, B - 1)];
          const x2 = inputs[Math.min(b + 2, B - 1)], x3 = inputs[Math.min(b + 3, B - 1)];
          let s0 = bias[j], s1 = s0, s2 = s0, s3 = s0;
          for (let i = 0; i < nIn; i++) {
            const w = weight[row + i];
            s0 += w * x0[i];
            s1 += w * x1[i];
            s2 += w * x2[i];
            s3 += w * x3[i];
          }
          const sums = [s0, s1, s2, s3];
          for (let k = 0; k < 4 && b + k < B; k++) {
            const sum = sums[k];
            outputs[b + k][j] = li === last ? 1 / (1 + Math.exp(-sum)) : act(sum);
          }
        }
      }
      inputs = outputs;
    }
    if (onDecode) zs.forEach(() => onDecode());
    return outs;
  }
  decode.many = many;
  decode.simd = false;
  return decode;
}

// decode.many where the decoder has it (a wrapped decoder may not), else one by one.
export function decodeAll(decode, zs) {
  return decode.many ? decode.many(zs) : zs.map((z) => decode(z, new Float32Array(784)));
}

// IEEE 754 half -> float, through a table of all 65,536 values (built on first use).
let HALVES = null;
export function halfToFloat(h) {
  if (!HALVES) {
    HALVES = new Float32Array(65536);
    for (let v = 0; v < 65536; v++) {
      const sign = v & 0x8000 ? -1 : 1, e = (v >> 10) & 31, f = v & 1023;
      HALVES[v] = e === 0 ? sign * f * 2 ** -24
        : e === 31 ? (f ? NaN : sign * Infinity)
        : sign * (1 + f / 1024) * 2 ** (e - 15);
    }
  }
  return HALVES[h];
}

// The exported page's packed weights: {floats, float32, data32, data16} (base64, little-endian).
export function unpackWeights(spec) {
  const out = new Float32Array(spec.floats);
  const head = bytesOf(spec.data32), tail = bytesOf(spec.data16);
  if (head.length !== 4 * spec.float32 || tail.length !== 2 * (spec.floats - spec.float32)) {
    throw new Error("the decoder's weights do not match its layers");
  }
  let view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  for (let i = 0; i < spec.float32; i++) out[i] = view.getFloat32(4 * i, true);
  view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  halfToFloat(0);
  for (let i = spec.float32; i < spec.floats; i++) out[i] = HALVES[view.getUint16(2 * (i - spec.float32), true)];
  return out;
}

// Linear, or slerp with a linearly moving radius, in any number of dimensions.
export function interpolate(a, b, t, method) {
  const lin = Array.from(a, (v, i) => (1 - t) * v + t * b[i]);
  if (method !== "spherical") return lin;
  const r0 = Math.hypot(...a);
  const r1 = Math.hypot(...b);
  if (r0 < 1e-8 || r1 < 1e-8) return lin;
  const u0 = Array.from(a, (v) => v / r0);
  const u1 = Array.from(b, (v) => v / r1);
  const dot = Math.min(1, Math.max(-1, u0.reduce((s, v, i) => s + v * u1[i], 0)));
  const omega = Math.acos(dot);
  if (omega < 1e-6 || Math.PI - omega < 1e-6) return lin;
  const s = Math.sin(omega);
  const radius = (1 - t) * r0 + t * r1;
  return u0.map((v, i) => ((Math.sin((1 - t) * omega) * v + Math.sin(t * omega) * u1[i]) / s) * radius);
}
