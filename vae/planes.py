"""t-SNE and UMAP planes kept next to their checkpoint, and new points placed on them.

A t-SNE or UMAP of 10,000 encoded test images takes tens of seconds, far too long for a
page to wait. So each model's planes are computed once, where nobody waits for them (by
`python -m vae.planes` for the shipped models, by the training process for a new one),
and kept beside the checkpoint:

    checkpoints/mnist-vae-16d.pt
    checkpoints/mnist-vae-16d.tsne.npz    xy (N, 2) float32, checkpoint (sha256), settings
    checkpoints/mnist-vae-16d.umap.npz

`settings` is the method's parameters (and vae.projection.EMBEDDING_VERSION) as JSON. A file
whose checkpoint hash, settings or size does not match is stale: `read_plane` ignores it,
and the app falls back to computing the plane (vae.projection.cached_embedding).

Neither method has an inverse, but both have an out-of-sample map: openTSNE's
`TSNEEmbedding.transform` and umap-learn's `UMAP.transform` optimise a new point's place
against the fixed embedding of the test set. `placer` rebuilds what they need from the
test set's mu and the stored plane, without refitting the plane: the neighbour index of mu
(t-SNE), the fuzzy graph of mu (UMAP). Where such a place lands is an estimate: the new
point never took part in the embedding's optimisation.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vae import projection
from vae.files import atomic_write

METHODS = ("tsne", "umap")
# openTSNE's transform: its defaults (perplexity 5 over 25 neighbours, 250 steps)
TSNE_TRANSFORM = {"perplexity": 5, "k": 25, "n_iter": 250}


def settings(method: str) -> dict:
    """The parameters that decide a plane: a file made with others is stale."""
    if method not in projection.EMBEDDINGS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return {"method": method, "version": projection.EMBEDDING_VERSION,
            **projection.EMBEDDING_SETTINGS[method]}  # fmt: skip


def plane_path(checkpoint: str | Path, method: str) -> Path:
    """checkpoints/<name>.pt -> checkpoints/<name>.<method>.npz"""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(f"{checkpoint.stem}.{method}.npz")


_HASHES: dict[tuple[str, float, int], str] = {}


def checkpoint_hash(checkpoint: str | Path) -> str:
    """sha256 of the checkpoint's bytes (remembered per path, mtime and size)."""
    p = Path(checkpoint)
    stat = p.stat()
    key = (str(p.resolve()), stat.st_mtime, stat.st_size)
    if key not in _HASHES:
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def write_plane(checkpoint: str | Path, method: str, xy: np.ndarray) -> Path:
    """Keep a plane beside its checkpoint (atomically: no half file is ever read)."""
    xy = np.asarray(xy, dtype=np.float32)
    if xy.ndim != 2 or xy.shape[1] != 2 or not np.isfinite(xy).all():
        raise ValueError(f"a plane is (N, 2) finite numbers, got {xy.shape}")
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        xy=xy,
        checkpoint=np.array(checkpoint_hash(checkpoint)),
        settings=np.array(json.dumps(settings(method), sort_keys=True)),
    )
    path = plane_path(checkpoint, method)
    atomic_write(path, lambda f: f.write(buffer.getvalue()))
    return path


def read_plane(checkpoint: str | Path, method: str, n: int | None = None) -> np.ndarray | None:
    """The plane kept beside the checkpoint, or None if there is none or it is stale
    (made for another checkpoint, with other settings, or for other than n points)."""
    path = plane_path(checkpoint, method)
    try:
        with np.load(path, allow_pickle=False) as f:
            xy, made_for, made_with = f["xy"], str(f["checkpoint"]), str(f["settings"])
    except (OSError, ValueError, KeyError):
        return None
    if made_for != checkpoint_hash(checkpoint):
        return None
    if made_with != json.dumps(settings(method), sort_keys=True):
        return None
    if xy.ndim != 2 or xy.shape[1] != 2 or (n is not None and len(xy) != n):
        return None
    return xy.astype(np.float32)


def ensure_planes(
    checkpoint: str | Path, mu: np.ndarray, methods=METHODS, log=None
) -> dict[str, float]:
    """Compute and keep every plane of `methods` the checkpoint lacks (mu: its encoded
    test set, (N, d), d > 2). Returns {method: seconds spent} for those computed."""
    spent = {}
    mu = np.asarray(mu, dtype=np.float32)
    if mu.shape[1] <= 2:
        return spent
    for method in methods:
        if read_plane(checkpoint, method, len(mu)) is not None:
            continue
        kept = read_plane(checkpoint, method)
        if kept is not None:  # e.g. the shipped plane of 10,000 digits, MNIST's 1,000 here
            raise ValueError(
                f"{plane_path(checkpoint, method).name} is the plane of {len(kept):,} points, "
                f"this test set has {len(mu):,}: not replacing it"
            )
        started = time.perf_counter()
        xy = projection.EMBEDDINGS[method](mu, 0)
        write_plane(checkpoint, method, xy)
        spent[method] = time.perf_counter() - started
        if log:
            title = projection.TITLES[method]
            log(f"{Path(checkpoint).name}: {title} plane in {spent[method]:.1f} s")
    return spent


@dataclass
class Placer:
    """Places latent points (M, d) on a fitted t-SNE or UMAP plane with the method's own
    transform. `seconds`: how long building it took (the first use's wait)."""

    method: str
    model: object
    seconds: float

    def place(self, z: np.ndarray) -> np.ndarray:
        """Latent points (M, d) or (d,) -> estimated plane positions (M, 2) float64."""
        z = np.atleast_2d(np.asarray(z, dtype=np.float32))
        if self.method == "tsne":
            return np.asarray(self.model.transform(z, **TSNE_TRANSFORM), dtype=np.float64)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return np.asarray(self.model.transform(z), dtype=np.float64)


def placer(method: str, mu: np.ndarray, xy: np.ndarray) -> Placer:
    """What the method's transform needs, rebuilt from the test set's mu (N, d) and its
    plane xy (N, 2), without refitting the plane. Both find a new point's neighbours among
    the test set exactly (a k-d tree; 10,000 points of 16 dimensions are few)."""
    from threadpoolctl import threadpool_limits

    mu = np.ascontiguousarray(mu, dtype=np.float32)
    xy = np.ascontiguousarray(xy, dtype=np.float32)
    if len(mu) != len(xy):
        raise ValueError(f"{len(mu)} points but a plane of {len(xy)}")
    started = time.perf_counter()
    with threadpool_limits(1):  # see vae.projection.tsne
        if method == "tsne":
            model = _tsne_reference(mu, xy)
        elif method == "umap":
            model = _umap_reference(mu, xy)
        else:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return Placer(method, model, time.perf_counter() - started)


def _tsne_reference(mu: np.ndarray, xy: np.ndarray):
    """An openTSNE TSNEEmbedding of the stored plane whose affinities know the test set's
    neighbours: all `TSNEEmbedding.transform` asks of them. The test set's own affinity
    matrix (the fit's P, ~10 s to compute) plays no part in placing new points, so it is
    left empty."""
    import scipy.sparse
    from openTSNE import TSNEEmbedding
    from openTSNE.affinity import Affinities, PerplexityBasedNN
    from openTSNE.nearest_neighbors import KNNIndex
    from scipy.spatial import cKDTree

    class TestSetIndex(KNNIndex):
        VALID_METRICS = ["euclidean"]

        def build(self):
            self.index = cKDTree(self.data)

        def query(self, query, k):
            distances, indices = self.index.query(np.asarray(query, np.float64), k)
            return indices.reshape(len(query), k), distances.reshape(len(query), k)

    class NewPointAffinities(PerplexityBasedNN):
        def __init__(self, data, perplexity):
            Affinities.__init__(self)
            self.knn_index = TestSetIndex(data, k=0)
            self.knn_index.build()
            self.perplexity = self.effective_perplexity_ = perplexity
            self.symmetrize, self.n_jobs = True, 1
            self.P = scipy.sparse.csr_matrix((len(data), len(data)))

    affinities = NewPointAffinities(mu.astype(np.float64), projection.tsne_perplexity(len(mu)))
    # FFT gradients, as the fit: 0.05 s of CPU for one point here, Barnes-Hut's (the
    # TSNEEmbedding default) 3.4 s
    return TSNEEmbedding(
        xy.astype(np.float64), affinities, negative_gradient_method="fft", random_state=0,
        n_jobs=1,
    )  # fmt: skip


def _umap_reference(mu: np.ndarray, xy: np.ndarray):
    """A umap-learn UMAP of the test set whose layout is the stored plane: its fuzzy graph
    from exact neighbours (transform_mode="graph" skips the layout's optimisation), then
    the stored layout as its embedding_. Its transform is then told to find a new point's
    neighbours by exact distances, as umap-learn does for data sets under 4,096 points,
    instead of pynndescent's search index (compiling that costs minutes of CPU)."""
    import warnings

    import umap as umap_learn
    from scipy.spatial import cKDTree

    keep_compiled_umap()
    arguments = projection.umap_arguments(len(mu))
    distances, indices = cKDTree(mu).query(mu, arguments["n_neighbors"])  # itself first
    model = umap_learn.UMAP(
        **arguments,
        transform_mode="graph",
        precomputed_knn=(indices.astype(np.int32), distances.astype(np.float32)),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(mu)
    model.embedding_ = xy
    model.transform_mode = "embedding"
    model._n_features_out = 2
    model._small_data = True  # exact distances to every test point in transform
    if getattr(model, "_knn_search_index", 0) is None:
        del model._knn_search_index  # (none was built: transform would refuse)
    return model


def keep_compiled_umap() -> None:
    """Let numba keep umap-learn's compiled functions on disk (most are compiled without
    numba's cache): measured on 10,000 x 16 here, building a placer and placing the first
    point cost 15 s and 10 s of CPU in every new server; with the cache filled once (by
    setup: `warm_compilation`), 4 s and 0.2 s. Where no cache can be written, numba
    compiles as before."""
    import umap.layouts
    import umap.umap_
    import umap.utils
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    for module in (umap.umap_, umap.layouts, umap.utils):
        for function in list(vars(module).values()):
            if isinstance(function, CPUDispatcher) and isinstance(function._cache, NullCache):
                with contextlib.suppress(Exception):  # no writable cache folder: compile
                    function.enable_caching()


def warm_compilation() -> float:
    """Compile (and keep, see keep_compiled_umap) what placing a point on a UMAP plane runs,
    on a small made-up set: setup calls this so no server compiles it. Returns seconds."""
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    mu = rng.normal(size=(300, 8)).astype(np.float32)
    placer("umap", mu, rng.normal(size=(300, 2)).astype(np.float32)).place(mu[0] + 0.1)
    return time.perf_counter() - started


def encode_test_set(checkpoint: str | Path, data_root: str | None = None) -> np.ndarray:
    """mu (N, d) of the checkpoint's test set, as the app encodes it (needs torch);
    data_root: where the data was read for training, if not where the app finds it."""
    from vae import latent
    from vae.checkpoint import load_checkpoint
    from vae.data import load_splits

    ckpt = load_checkpoint(checkpoint)
    data = load_splits(ckpt.meta.get("dataset", "mnist"), data_root)
    return latent.encode_images(ckpt.model, data.test.float_images()).mu


def main(argv: list[str]) -> int:
    """python -m vae.planes [--low-priority] CHECKPOINT...: compute the planes each lacks
    (latent size > 2 only). --low-priority: nice 19, as the app's training process."""
    if not argv or argv[0] in ("-h", "--help"):
        print(main.__doc__)
        return 0 if argv else 2
    if argv[0] == "--low-priority":
        from vae.jobs import lowest_priority

        lowest_priority()
        argv = argv[1:]
    for name in argv:
        mu = encode_test_set(name)
        if mu.shape[1] <= 2:
            print(f"{Path(name).name}: 2-D, no plane to compute")
            continue
        ensure_planes(name, mu, log=print)
        print(f"{Path(name).name}: planes ready")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
