// The binary files Python writes for the page (vae/web.py), read without copying where
// alignment allows (fetching them is load.js's: the exported page must hold no fetch).
//   points blob: N (uint32), x (N float32), y (N float32), labels (N uint8), little-endian
//   matrix blob: N, d (uint32 each), then N * d float32, row-major

// An ArrayBuffer, or a Uint8Array view of one (base64 in the exported page: bytesOf).
function bufferOf(data) {
  if (data instanceof ArrayBuffer) return data;
  if (data.byteOffset % 4 === 0) return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  return new Uint8Array(data).buffer; // copy: a Float32Array view needs 4-byte alignment
}

export function parsePoints(data) {
  const buffer = bufferOf(data);
  const n = new Uint32Array(buffer, 0, 1)[0];
  if (buffer.byteLength < 4 + 9 * n) throw new Error(`a points file of ${n} points is cut short`);
  const xs = new Float32Array(buffer, 4, n);
  const ys = new Float32Array(buffer, 4 + 4 * n, n);
  const labels = new Uint8Array(buffer, 4 + 8 * n, n);
  return { n, xs, ys, labels };
}

export function parseMatrix(data) {
  const buffer = bufferOf(data);
  const [n, d] = new Uint32Array(buffer, 0, 2);
  if (buffer.byteLength < 8 + 4 * n * d) throw new Error(`a ${n} x ${d} matrix file is cut short`);
  return { n, d, values: new Float32Array(buffer, 8, n * d) };
}

// Row i of a parsed matrix, as a view.
export const row = (m, i) => m.values.subarray(i * m.d, (i + 1) * m.d);

// Base64 to bytes (the exported page carries its blobs inline).
export function bytesOf(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
