// Geometry of the latent space, on the arrays of blobs.js: nearest points on the plane and
// nearest rows in the full latent space, a plane point's latent point (PCA), the k-sigma
// ellipse of a diagonal Gaussian, and the KL of each dimension to the prior.

import { row } from "./blobs.js";

// The k-sigma contour of N(mu, diag(sigma^2)), as vae.latent.ellipse draws it (n + 1 points).
export function ellipsePoints(mu, sigma, k, n = 64) {
  const xs = [], ys = [];
  for (let i = 0; i <= n; i++) {
    const a = i === n ? 0 : (2 * Math.PI * i) / n;
    xs.push(mu[0] + k * sigma[0] * Math.cos(a));
    ys.push(mu[1] + k * sigma[1] * Math.sin(a));
  }
  return { k, xs, ys };
}

// The index of the point nearest to z on the plane, among classes `visible` allows
// (visible[label] truthy; null: all), or -1 if none is visible.
export function nearestIndex(points, visible, z) {
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < points.n; i++) {
    if (visible && !visible[points.labels[i]]) continue;
    const dx = points.xs[i] - z[0];
    const dy = points.ys[i] - z[1];
    const d = dx * dx + dy * dy;
    if (d < bestD) { bestD = d; best = i; }
  }
  return best;
}

// The k rows of a matrix (blobs.parseMatrix) nearest to z in Euclidean distance, nearest
// first, without row `exclude` and rows `keep` refuses: [{i, d}].
export function nearestRows(mu, z, k, exclude, keep) {
  const best = [];
  for (let i = 0; i < mu.n; i++) {
    if (i === exclude || (keep && !keep(i))) continue;
    let d = 0;
    for (let j = 0; j < mu.d; j++) {
      const diff = mu.values[i * mu.d + j] - z[j];
      d += diff * diff;
    }
    if (best.length < k || d < best[best.length - 1].d) {
      best.push({ i, d });
      best.sort((p, q) => p.d - q.d);
      if (best.length > k) best.pop();
    }
  }
  return best.map(({ i, d }) => ({ i, d: Math.sqrt(d) }));
}

// The latent point a PCA-plane point p stands for: mean + p @ components (vae/projection.py).
export function planeToLatent(pca, p) {
  return pca.mean.map((m, j) => m + p[0] * pca.components[0][j] + p[1] * pca.components[1][j]);
}

// The full latent code a point of the map stands for: test image `index`'s own mu (a row of
// the matrix blob `mu`) where there is one, else the plane point `at`'s latent point (the
// plane itself in 2-D, PCA's inverse); null where the plane has none (t-SNE, UMAP).
export function latentOf(data, mu, index, at) {
  if (index >= 0 && mu) return Array.from(row(mu, index));
  if (data.method === "pca") return planeToLatent(data.pca, at);
  return data.method === "latent" ? [...at] : null;
}

// KL(q(z|x) || N(0, 1)) of each dimension, averaged over the rows of mu and sigma
// (vae/latent_size.py's measure): -1/2 (1 + log sigma^2 - mu^2 - sigma^2).
export function klPerDimension(mu, sigma) {
  const { n, d } = mu;
  const kl = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const m = mu.values[i * d + j], s = sigma.values[i * d + j];
      kl[j] += 0.5 * (m * m + s * s - 1 - 2 * Math.log(s));
    }
  }
  return Array.from(kl, (v) => v / n);
}

// The bounds of a set of points, padded by `pad` of their span: [x0, x1, y0, y1].
export function paddedBounds(points, pad = 0.05) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < points.n; i++) {
    const px = points.xs[i], py = points.ys[i];
    if (px < x0) x0 = px;
    if (px > x1) x1 = px;
    if (py < y0) y0 = py;
    if (py > y1) y1 = py;
  }
  const padX = pad * (x1 - x0 || 1), padY = pad * (y1 - y0 || 1);
  return [x0 - padX, x1 + padX, y0 - padY, y1 + padY];
}
