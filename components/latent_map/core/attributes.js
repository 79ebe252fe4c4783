// Attributes measured on a 28 x 28 image's pixels, and the latent arithmetic's sums: the
// browser's copy of vae/attributes.py's formulas (its docstring says why each is what it
// is; tests/js/arith.test.mjs checks that both give the same numbers on the same images).
//   ink        sum(I)
//   thickness  2 * ink / sum |grad I| (forward differences, zero outside the image)
//   slant      sum((x - cx)(y - cy) I) / sum((y - cy)^2 I), y counted upward

const SIDE = 28;
export const ATTRIBUTES = ["ink", "thickness", "slant"];

// Every attribute of 784 intensities (row-major): {ink, thickness, slant}.
export function measure(pixels) {
  const at = (r, c) => (r < 0 || c < 0 || r >= SIDE || c >= SIDE ? 0 : pixels[r * SIDE + c]);
  let ink = 0, sx = 0, sy = 0, edge = 0;
  for (let r = -1; r < SIDE; r++) {
    for (let c = -1; c < SIDE; c++) {
      const v = at(r, c);
      const dx = at(r, c + 1) - v, dy = at(r + 1, c) - v;
      edge += Math.sqrt(dx * dx + dy * dy);
      if (r < 0 || c < 0) continue;
      ink += v;
      sx += c * v;
      sy += (SIDE - 1 - r) * v;
    }
  }
  let cross = 0, spread = 0;
  if (ink > 0) {
    const cx = sx / ink, cy = sy / ink;
    for (let r = 0; r < SIDE; r++) {
      const dy = SIDE - 1 - r - cy;
      for (let c = 0; c < SIDE; c++) {
        const v = pixels[r * SIDE + c];
        cross += (c - cx) * dy * v;
        spread += dy * dy * v;
      }
    }
  }
  return { ink, thickness: edge > 0 ? (2 * ink) / edge : 0, slant: spread > 0 ? cross / spread : 0 };
}

// z_a - z_b + z_c, in as many dimensions as the points have.
export function combine(a, b, c) {
  return Array.from(a, (v, j) => v - b[j] + c[j]);
}

// z + s * w: s steps of the attribute's direction w (one step: one standard deviation).
export function along(z, w, s) {
  return Array.from(z, (v, j) => v + s * w[j]);
}

// Where the latent point z shows on the map's plane: itself on a 2-D latent space, its
// projection (z - mean) . components on a PCA plane; null on t-SNE and UMAP, which have no
// place for a point that is not a test image.
export function planePoint(data, z) {
  if (data.method === "latent") return [z[0], z[1]];
  if (data.method !== "pca" || !data.pca) return null;
  const { mean, components } = data.pca;
  return components.map((row) => row.reduce((s, v, j) => s + v * (z[j] - mean[j]), 0));
}
