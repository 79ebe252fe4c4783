// The decoder's dense layers, y = W x + b, in WebAssembly with 128-bit SIMD (four float32
// products per instruction): 0.12 ms per decoding of a decoder with the shipped 2-D models'
// layers against 1.66 ms in plain JavaScript, 13.6x (`node bench/decode_speed.mjs`, node 20,
// this project's 2-core machine).
//
// The module is ~350 bytes, written out below by a few lines of encoder rather than
// shipped as a binary: each opcode is named where it is used. One function,
//   dense(w, b, x, y, nIn, nOut)   (byte offsets into the memory; W row-major (out, in))
// sums each row eight inputs at a time in two accumulators, then the rest one by one,
// and adds the bias. Activations stay in JavaScript (decoder.js): GELU needs tanh.
//
// denseKernel(floats) returns null where WebAssembly or its SIMD is missing (decoder.js then
// decodes in JavaScript, as before).

const uleb = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const sleb = (n) => {
  const out = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
};
const name = (s) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];

const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const get = (i) => [0x20, ...uleb(i)], set = (i) => [0x21, ...uleb(i)];
const i32 = (n) => [0x41, ...sleb(n)];
const ADD = 0x6a, MUL = 0x6c, AND = 0x71, SHL = 0x74, GE_U = 0x4f;
const F32_LOAD = (offset) => [0x2a, 2, ...uleb(offset)], F32_STORE = [0x38, 2, 0];
const F32_ADD = 0x92, F32_MUL = 0x94;
const simd = (op, ...rest) => [0xfd, ...uleb(op), ...rest];
const V128_LOAD = (offset) => simd(0, 2, ...uleb(offset));
const V128_ZERO = simd(12, ...new Array(16).fill(0));
const F32X4_ADD = simd(228), F32X4_MUL = simd(230);
const LANE = (k) => simd(31, k);
const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], END = 0x0b;
const BR = (depth) => [0x0c, depth], BR_IF = (depth) => [0x0d, depth];

// params: 0 w, 1 b, 2 x, 3 y, 4 nIn, 5 nOut; locals: 6 j, 7 i, 8 row, 9 n8, 10 acc0, 11 acc1, 12 s
const [W, B, X, Y, N_IN, N_OUT, J, I, ROW, N8, ACC0, ACC1, S] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const at = (base, index) => [...get(base), ...get(index), ...i32(2), SHL, ADD]; // base + 4 index
const BODY = [
  ...get(N_IN), ...i32(-8), AND, ...set(N8),
  ...BLOCK, ...LOOP, // every row j
  ...get(J), ...get(N_OUT), GE_U, ...BR_IF(1),
  ...get(W), ...get(J), ...get(N_IN), MUL, ...i32(2), SHL, ADD, ...set(ROW),
  ...V128_ZERO, ...set(ACC0), ...V128_ZERO, ...set(ACC1), ...i32(0), ...set(I),
  ...BLOCK, ...LOOP, // eight inputs at a time
  ...get(I), ...get(N8), GE_U, ...BR_IF(1),
  ...get(ACC0), ...at(ROW, I), ...V128_LOAD(0), ...at(X, I), ...V128_LOAD(0), ...F32X4_MUL,
  ...F32X4_ADD, ...set(ACC0),
  ...get(ACC1), ...at(ROW, I), ...V128_LOAD(16), ...at(X, I), ...V128_LOAD(16), ...F32X4_MUL,
  ...F32X4_ADD, ...set(ACC1),
  ...get(I), ...i32(8), ADD, ...set(I), ...BR(0), END, END,
  ...get(ACC0), ...get(ACC1), ...F32X4_ADD, ...set(ACC0),
  ...get(ACC0), ...LANE(0), ...get(ACC0), ...LANE(1), F32_ADD,
  ...get(ACC0), ...LANE(2), ...get(ACC0), ...LANE(3), F32_ADD, F32_ADD, ...set(S),
  ...BLOCK, ...LOOP, // the inputs left, one by one
  ...get(I), ...get(N_IN), GE_U, ...BR_IF(1),
  ...get(S), ...at(ROW, I), ...F32_LOAD(0), ...at(X, I), ...F32_LOAD(0), F32_MUL, F32_ADD, ...set(S),
  ...get(I), ...i32(1), ADD, ...set(I), ...BR(0), END, END,
  ...at(Y, J), ...get(S), ...at(B, J), ...F32_LOAD(0), F32_ADD, ...F32_STORE,
  ...get(J), ...i32(1), ADD, ...set(J), ...BR(0), END, END,
  END,
];
const LOCALS = [3, 4, I32, 2, V128, 1, F32]; // (count, type) x 3
const CODE = [...LOCALS, ...BODY];

export const DENSE_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]), // type: (i32 x 6) -> ()
  ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 1]), // imports env.memory
  ...section(3, [1, 0]), // one function, of that type
  ...section(7, [1, ...name("dense"), 0x00, 0]), // exported as "dense"
  ...section(10, [1, ...uleb(CODE.length), ...CODE]),
]);

let MODULE; // compiled once (synchronously: a few hundred bytes), or null where it cannot be
function compiled() {
  if (MODULE === undefined) {
    try {
      MODULE = typeof WebAssembly === "object" && WebAssembly.validate(DENSE_WASM)
        ? new WebAssembly.Module(DENSE_WASM) : null;
    } catch {
      MODULE = null;
    }
  }
  return MODULE;
}

// A kernel over its own memory of `floats` float32 values (weights, then room for the
// layers' inputs and outputs): {f32 (a view of that memory), dense(w, b, x, y, nIn, nOut)
// with offsets in floats}, or null.
export function denseKernel(floats) {
  const module = compiled();
  if (!module) return null;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((4 * floats) / 65536) || 1 });
  const { dense } = new WebAssembly.Instance(module, { env: { memory } }).exports;
  return {
    f32: new Float32Array(memory.buffer, 0, floats),
    dense: (w, b, x, y, nIn, nOut) => dense(4 * w, 4 * b, 4 * x, 4 * y, nIn, nOut),
  };
}
