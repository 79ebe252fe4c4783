"""Flatten a latent space of any size onto the 2-D map: PCA, t-SNE, UMAP.

A model with latent_dim > 2 is shown through a projection of its encoded test
set (the posterior means mu, (N, d)) onto a plane. PCA is linear, so it has an
inverse: any point p of the plane stands for the latent point mean + p @ components,
which decodes; that is what lets the map decode anywhere. t-SNE (van der Maaten &
Hinton 2008) and UMAP (McInnes et al. 2018) keep neighbourhoods better but have no
inverse: a position in their plane stands only for the encoded point nearest to it.

Pure numpy here; openTSNE and umap-learn are imported only when used (UMAP
pulls in numba, several seconds). The embeddings take tens of seconds on 10,000
points, so `cached_embedding` keeps them on disk, keyed by the points themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vae.files import atomic_write

METHODS = ("pca", "tsne", "umap")
TITLES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
# Bump when an embedding's parameters change, so cached files of the old kind are not reused.
EMBEDDING_VERSION = 2  # 2: t-SNE by openTSNE, no longer scikit-learn
INVERTIBLE = ("latent", "pca")  # planes with an inverse: every point of them decodes


def is_invertible(method: str) -> bool:
    """Does every point of a plane of this method stand for a latent point? (Plane.invertible,
    for code that holds only the method's name, such as the map's bundle.)"""
    return method in INVERTIBLE


@dataclass(frozen=True)
class PCA:
    """A 2-D principal plane of points (N, d).

    mean (d,); components (2, d) with orthonormal rows, the directions of most
    variance, each sign fixed so its largest-magnitude loading is positive (the
    plane is then the same on every run); variance_ratio (d,) is the share of the
    total variance along every principal direction, largest first, summing to 1.
    """

    mean: np.ndarray
    components: np.ndarray
    variance_ratio: np.ndarray

    def transform(self, z: np.ndarray) -> np.ndarray:
        """Latent points (N, d) or (d,) -> plane coordinates (N, 2)."""
        z = np.atleast_2d(np.asarray(z, dtype=np.float64))
        return (z - self.mean) @ self.components.T

    def inverse_transform(self, p: np.ndarray) -> np.ndarray:
        """Plane points (N, 2) or (2,) -> latent points (N, d) on the plane through the mean."""
        p = np.atleast_2d(np.asarray(p, dtype=np.float64))
        return self.mean + p @ self.components

    def axis_titles(self) -> list[str]:
        return [f"PC {k + 1} ({100 * self.variance_ratio[k]:.0f}% var)" for k in range(2)]


def fit_pca(points: np.ndarray) -> PCA:
    """The principal plane of points (N, d), d >= 2, by SVD of the centred data (float64)."""
    x = np.asarray(points, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 2 or len(x) < 2:
        raise ValueError(f"PCA needs at least 2 points of at least 2 dimensions, got {x.shape}")
    mean = x.mean(0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)  # vt: (min(N, d), d)
    variance = s**2
    total = variance.sum()
    ratio = variance / total if total > 0 else np.zeros_like(variance)
    ratio = np.concatenate([ratio, np.zeros(x.shape[1] - len(ratio))])  # N < d: the rest is 0
    components = vt[:2]
    signs = np.sign(components[np.arange(2), np.abs(components).argmax(1)])
    return PCA(mean, components * signs[:, None], ratio)


# What decides each embedding (vae/planes.py stores it with a plane kept beside its checkpoint,
# so a plane made with other settings is seen to be stale)
EMBEDDING_SETTINGS = {
    "tsne": {"library": "openTSNE", "perplexity": 30, "initialization": "pca",
             "neighbors": "auto", "negative_gradient_method": "fft", "seed": 0},
    "umap": {"library": "umap-learn", "n_neighbors": 15, "min_dist": 0.1, "seed": 0},
}  # fmt: skip


def tsne_perplexity(n: int) -> float:
    """30, or less for a small point set (the neighbourhood must fit in it: 3 x perplexity < n)."""
    return float(min(EMBEDDING_SETTINGS["tsne"]["perplexity"], (n - 1) / 3))


def tsne(points: np.ndarray, seed: int = 0) -> np.ndarray:
    """t-SNE of points (N, d) to (N, 2) float32 (openTSNE: FFT-accelerated gradients).

    openTSNE (Policar et al. 2024) interpolates the repulsive forces on a grid with FFTs,
    O(N) per step instead of Barnes-Hut's O(N log N): 1.7x faster than scikit-learn's on
    10,000 x 16 here. Initialized from PCA (it keeps the global layout more faithful), and
    seeded, so the same points give the same plane.
    """
    from openTSNE import TSNE
    from threadpoolctl import threadpool_limits

    s = EMBEDDING_SETTINGS["tsne"]
    x = np.asarray(points, dtype=np.float32)
    model = TSNE(
        2,
        perplexity=tsne_perplexity(len(x)),
        initialization=s["initialization"],
        neighbors=s["neighbors"],
        negative_gradient_method=s["negative_gradient_method"],
        random_state=seed,
        n_jobs=1,
    )
    # One thread: with torch's OpenMP runtime in the same process, BLAS threads spin against
    # it (scikit-learn's t-SNE on 90 points, torch imported: 1.6 s unlimited, 0.38 s limited).
    with threadpool_limits(1):
        return np.asarray(model.fit(x), dtype=np.float32)


def umap_arguments(n: int, seed: int = 0) -> dict:
    """umap-learn's arguments for n points (vae/planes.py rebuilds a fitted UMAP with them)."""
    s = EMBEDDING_SETTINGS["umap"]
    return {"n_components": 2, "n_neighbors": min(s["n_neighbors"], n - 1),
            "min_dist": s["min_dist"], "random_state": seed}  # fmt: skip


def umap(points: np.ndarray, seed: int = 0) -> np.ndarray:
    """UMAP of points (N, d) to (N, 2) float32 (umap-learn defaults, fixed seed).

    A fixed random_state makes umap-learn run single-threaded, which is what makes it
    repeatable.
    """
    import warnings

    import umap as umap_learn
    from threadpoolctl import threadpool_limits

    x = np.asarray(points, dtype=np.float32)
    model = umap_learn.UMAP(**umap_arguments(len(x), seed))
    # warning "n_jobs overridden to 1 by setting random_state": wanted; threads: see tsne
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", UserWarning)
        return model.fit_transform(x).astype(np.float32)


EMBEDDINGS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {"tsne": tsne, "umap": umap}


def embedding_key(points: np.ndarray, method: str, seed: int = 0) -> str:
    """A name for the embedding of exactly these points (their bytes), method and seed."""
    x = np.ascontiguousarray(points, dtype=np.float32)
    h = hashlib.sha256(f"{method}|{seed}|{EMBEDDING_VERSION}|{x.shape}".encode())
    h.update(x.tobytes())
    return f"{method}-{h.hexdigest()[:16]}"


def cached_embedding(
    points: np.ndarray, method: str, folder: str | Path, seed: int = 0
) -> np.ndarray:
    """The t-SNE or UMAP embedding (N, 2) of points, from folder if computed before.

    The file is named by a hash of the points, so a retrained model (other mu) never
    gets a stale embedding, and it is written atomically (temp file, then rename),
    so a server killed mid-write leaves no half file for the next run to trust.
    """
    if method not in EMBEDDINGS:
        raise ValueError(f"method must be one of {tuple(EMBEDDINGS)}, got {method!r}")
    path = Path(folder) / f"{embedding_key(points, method, seed)}.npy"
    try:
        xy = np.load(path)
        if xy.shape == (len(points), 2):
            return xy
    except (OSError, ValueError):
        pass
    xy = EMBEDDINGS[method](points, seed)
    atomic_write(path, lambda f: np.save(f, xy))
    return xy


@dataclass(frozen=True)
class Plane:
    """What the map shows of a latent space: positions xy (N, 2) of the encoded points mu (N, d).

    method is "latent" (d == 2: the plane is the latent space), "pca", "tsne" or "umap".
    `pca` is set for PCA; `to_latent` exists only where the plane has an inverse.
    """

    method: str
    mu: np.ndarray
    xy: np.ndarray
    pca: PCA | None = None

    @property
    def invertible(self) -> bool:
        return is_invertible(self.method)

    def axis_titles(self) -> list[str]:
        if self.pca is not None:
            return self.pca.axis_titles()
        if self.method == "latent":
            return ["z\u2081", "z\u2082"]
        return [f"{TITLES[self.method]} {k}" for k in (1, 2)]

    def to_latent(self, p: np.ndarray) -> np.ndarray:
        """Plane points (N, 2) or (2,) -> latent points (N, d) float32; only if invertible."""
        p = np.atleast_2d(np.asarray(p, dtype=np.float64))
        if self.method == "latent":
            return p.astype(np.float32)
        if self.pca is not None:
            return self.pca.inverse_transform(p).astype(np.float32)
        raise ValueError(f"a {TITLES[self.method]} plane has no inverse; use the nearest point")

    def latent_of(self, x: float, y: float, index: int | None = None) -> np.ndarray:
        """The latent point (d,) a click at (x, y) on this plane stands for.

        A click on a test digit (`index`) stands for that digit's own mu: on a projected
        plane the point (x, y) is only its shadow, and its neighbours and decoding must
        come from the full mu. A click in empty space is the plane's inverse of (x, y);
        a t-SNE/UMAP plane has none, so there it is the nearest test digit's mu.
        """
        if index is not None:
            return self.mu[int(index)].astype(np.float32)
        if self.invertible:
            return self.to_latent([x, y])[0]
        d2 = np.sum((self.xy - np.float32([x, y])) ** 2, axis=1)
        return self.mu[int(np.argmin(d2))].astype(np.float32)

    def place(self, z: np.ndarray) -> np.ndarray:
        """Where a latent point z (d,) goes on the map: (2,).

        Linear planes project it; t-SNE and UMAP have no out-of-sample map here, so
        it takes the position of its nearest encoded point (Euclidean in latent space).
        (vae/planes.py places a point with their own transforms; the app uses that.)
        """
        z = np.asarray(z, dtype=np.float64).ravel()
        if self.method == "latent":
            return z[:2].copy()
        if self.pca is not None:
            return self.pca.transform(z)[0]
        d2 = np.sum((self.mu - z) ** 2, axis=1)
        return self.xy[int(np.argmin(d2))].astype(np.float64)


def make_plane(
    mu: np.ndarray,
    method: str = "pca",
    cache: str | Path | None = None,
    seed: int = 0,
    checkpoint: str | Path | None = None,
) -> Plane:
    """The map's plane for encoded points mu (N, d); d == 2 is shown as it is.

    cache: a folder for t-SNE/UMAP embeddings (None computes every time); checkpoint: the
    model's file, whose t-SNE/UMAP plane may be kept beside it (vae/planes.py), up to date.
    """
    mu = np.asarray(mu, dtype=np.float32)
    if mu.shape[1] == 2:
        return Plane("latent", mu, mu)
    if method == "pca":
        pca = fit_pca(mu)
        return Plane("pca", mu, pca.transform(mu).astype(np.float32), pca)
    if method not in EMBEDDINGS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    xy = None
    if checkpoint is not None and seed == 0:
        from vae import planes

        xy = planes.read_plane(checkpoint, method, len(mu))
    if xy is None:
        xy = cached_embedding(mu, method, cache, seed) if cache else EMBEDDINGS[method](mu, seed)
    return Plane(method, mu, xy)


def projected_ellipse(
    pca: PCA, mu: np.ndarray, logvar: np.ndarray, k: float = 1.0, n: int = 64
) -> np.ndarray:
    """The k-sigma contour of q(z|x) = N(mu, diag(exp(logvar))) seen on the PCA plane: (n + 1, 2).

    A linear map of a Gaussian is Gaussian: on the plane it is N(C (mu - mean), C S C^T)
    with C the (2, d) components and S the diagonal covariance, a tilted ellipse in
    general. The first point is repeated at the end so a line trace closes.
    """
    mu = np.asarray(mu, dtype=np.float64).ravel()
    var = np.exp(np.asarray(logvar, dtype=np.float64).ravel())
    if mu.shape != var.shape or mu.shape != pca.mean.shape:
        raise ValueError(f"mu and logvar must both be ({len(pca.mean)},)")
    if k <= 0 or n < 3:
        raise ValueError("ellipse needs k > 0 and n >= 3")
    cov = (pca.components * var) @ pca.components.T  # (2, 2)
    eigval, eigvec = np.linalg.eigh(cov)
    angle = np.linspace(0, 2 * np.pi, n + 1)
    angle[-1] = 0.0
    circle = np.stack([np.cos(angle), np.sin(angle)], 1)  # (n + 1, 2)
    return pca.transform(mu)[0] + k * (circle * np.sqrt(np.maximum(eigval, 0))) @ eigvec.T


def distant_examples(xy: np.ndarray, labels: np.ndarray) -> tuple[int, int]:
    """Two test points for a first morph on a plane: (index a, index b).

    On a projection, fixed classes (a 1 and a 7) can land on top of each other, and a
    morph between them shows nothing. Take the two classes whose centres on the plane
    lie farthest apart, and from each the point nearest its class centre.
    """
    xy = np.asarray(xy, dtype=np.float64)
    labels = np.asarray(labels)
    classes = np.unique(labels)
    if len(classes) < 2:
        return 0, min(1, len(xy) - 1)
    centres = np.stack([xy[labels == c].mean(0) for c in classes])  # (C, 2)
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2)
    ca, cb = np.unravel_index(np.argmax(gaps), gaps.shape)
    picks = []
    for c in (ca, cb):
        members = np.flatnonzero(labels == classes[c])
        picks.append(int(members[np.argmin(np.linalg.norm(xy[members] - centres[c], axis=1))]))
    return picks[0], picks[1]


def typical_members(xy: np.ndarray, labels: np.ndarray, n_classes: int) -> list[int | None]:
    """For each class, the index of its most typical point: the one nearest the class's
    median position (a class's mean can fall in another cluster; its median rarely does).
    None for a class with no points."""
    xy = np.asarray(xy, dtype=np.float64)
    labels = np.asarray(labels)
    picks: list[int | None] = []
    for c in range(n_classes):
        members = np.flatnonzero(labels == c)
        if not len(members):
            picks.append(None)
            continue
        centre = np.median(xy[members], axis=0)
        picks.append(int(members[np.argmin(np.linalg.norm(xy[members] - centre, axis=1))]))
    return picks


def morph_defaults(
    xy: np.ndarray, labels: np.ndarray, classes: list[str], projected: bool = False
) -> dict:
    """The first morph: from a typical test 1 to a typical test 7, at their map positions.

    On a projected plane a 1 and a 7 can overlap (the 8-D VAE's PCA puts them together),
    so there it runs between the two classes that lie farthest apart on the plane.
    Returns {"a": {z, label, index}, "b": {...}}; with no test point at all both ends are
    the origin, index None. The app's map and the exported page both start from this.
    """
    if len(xy) == 0:
        origin = {"z": [0.0, 0.0], "label": "origin", "index": None}
        return {"a": dict(origin), "b": dict(origin)}
    typical = typical_members(xy, labels, len(classes))
    if projected or len(classes) < 8 or typical[1] is None or typical[7] is None:
        picks = distant_examples(xy, labels)
    else:
        picks = (typical[1], typical[7])
    return {
        which: {
            "z": [float(v) for v in xy[i]],
            "label": f"#{i} “{classes[int(labels[i])]}”",
            "index": int(i),
        }
        for which, i in zip(("a", "b"), picks, strict=True)
    }
