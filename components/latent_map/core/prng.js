// The seeded PRNG the page shares with Python (vae/prng.py), bit for bit: mulberry32 for
// uniforms in [0, 1), then Box-Muller for standard normals. Posterior samples of a clicked
// digit use it, so the page and Python draw the same eps for the same seed.

export function uniforms(seed, n) {
  let a = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1) >>> 0;
    t = (t ^ (t + Math.imul(t ^ (t >>> 7), t | 61))) >>> 0;
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}

export function normals(seed, n) {
  const m = 2 * Math.ceil(n / 2);
  const u = uniforms(seed, m);
  const out = new Float64Array(m);
  for (let k = 0; k < m; k += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[k]));
    out[k] = r * Math.cos(2 * Math.PI * u[k + 1]);
    out[k + 1] = r * Math.sin(2 * Math.PI * u[k + 1]);
  }
  return out.subarray(0, n);
}
