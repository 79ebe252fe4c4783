"""The map's bundle: every file the page needs to draw and explore one model's map.

For one model (one checkpoint file version) and one plane (its 2-D latent space, or a
PCA / t-SNE / UMAP projection of a larger one), the bundle is a set of content-named
files in the app's static folder plus a JSON record listing them:

    points          the map: plane positions (N, 2) and labels (vae/web.py points_blob)
    mu, sigma       every test image's posterior N(mu, sigma^2) in the full latent space
                    (N, d) each (matrix_blob); sigma is None for a plain autoencoder
    decoder         the decoder of plane points (PCA folded in), run by the page
    latent_decoder  the decoder of latent points (d inputs): decode(mu), posterior samples
    images          the test images as one PNG sprite, for thumbnails of neighbours
    + class names, axis titles, PCA, morph defaults, each class's typical member, the data's
      description, the test set's ELBO scores (to place a user's digit) and active dimensions.

`build_bundle` needs torch (it encodes the test set); `read_bundle` does not, so the
page's first run mounts the map from a record that setup or an earlier run wrote.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from vae.datasets import custom_source, dataset_credit, dataset_item, describe_source
from vae.files import file_key, read_json, write_asset, write_json

BUNDLE_VERSION = 3
SPRITE_COLUMNS = 100  # thumbnails per row of the sprite (10,000 test images: 100 x 100)
ELBO_REFERENCE = 2000  # test images scored to place a user's ELBO (enough for a percentile)
ELBO_SAMPLES = 8


def bundle_path(static: str | Path, path: str | Path, method: str) -> Path:
    return Path(static) / f"map-{file_key(path)}-{method}.json"


def read_bundle(static: str | Path, path: str | Path, method: str) -> dict | None:
    """The bundle recorded for this model version and plane, if all its files are there."""
    bundle = read_json(bundle_path(static, path, method))
    if not isinstance(bundle, dict) or bundle.get("version") != BUNDLE_VERSION:
        return None
    files = [bundle[k] for k in ("points", "mu", "sigma", "images") if bundle.get(k)]
    files += [bundle[k]["file"] for k in ("decoder", "latent_decoder") if bundle.get(k)]
    return bundle if all((Path(static) / f).is_file() for f in files) else None


def sprite_png(images: np.ndarray, columns: int = SPRITE_COLUMNS) -> bytes:
    """Images (N, 28, 28) uint8 as one grayscale PNG, `columns` per row, row-major."""
    from PIL import Image

    n = len(images)
    rows = -(-n // columns)
    sheet = np.zeros((rows * 28, columns * 28), np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        sheet[r * 28 : (r + 1) * 28, c * 28 : (c + 1) * 28] = image
    out = io.BytesIO()
    Image.fromarray(sheet, "L").save(out, "PNG", optimize=True)
    return out.getvalue()


def build_bundle(ckpt, splits, path: str | Path, static: str | Path, method: str = "pca") -> dict:
    """Encode the test set, write the bundle's files into `static` and record them.

    ckpt: a vae.checkpoint.Checkpoint; splits: its dataset (vae.data.Splits); method: the
    plane for a latent space of more than 2 dimensions (ignored for 2-D). t-SNE and UMAP
    are cached on disk under static/projections (minutes of work the first time).
    """
    from vae import latent, latent_size, projection, web

    static = Path(static)
    static.mkdir(parents=True, exist_ok=True)
    x = splits.test.float_images()
    labels = splits.test.labels.numpy()
    encoded = latent.encode_images(ckpt.model, x)
    mu, logvar = encoded.mu, encoded.logvar
    plane = projection.make_plane(mu, method, cache=static / "projections", checkpoint=path)
    pca = plane.pca
    classes = splits.classes
    affine = (pca.mean, pca.components) if pca is not None else None
    latent_decoder = web.write_decoder(ckpt.model, static)
    bundle = {
        "version": BUNDLE_VERSION,
        "method": plane.method,
        "latent_dim": int(mu.shape[1]),
        "kind": ckpt.config.kind,
        "points": write_asset(static, "points", ".bin", web.points_blob(plane.xy, labels)),
        "mu": write_asset(static, "mu", ".bin", web.matrix_blob(mu)),
        "sigma": None
        if logvar is None
        else write_asset(static, "sigma", ".bin", web.matrix_blob(np.exp(0.5 * logvar))),
        "decoder": web.write_decoder(ckpt.model, static, affine=affine)
        if plane.invertible
        else latent_decoder,
        "latent_decoder": latent_decoder,
        "images": write_asset(static, "images", ".png", sprite_png(splits.test.images.numpy())),
        "sprite_columns": SPRITE_COLUMNS,
        "classes": classes,
        "item": dataset_item(splits.name),
        "axes": plane.axis_titles(),
        "pca": None
        if pca is None
        else {
            "mean": pca.mean.tolist(),
            "components": pca.components.tolist(),
            "variance_ratio": pca.variance_ratio.tolist(),
        },
        "defaults": projection.morph_defaults(
            plane.xy, labels, classes, projected=plane.method != "latent"
        ),
        "typical": projection.typical_members(plane.xy, labels, len(classes)),
        "data": describe_source(splits.name, splits.source, len(labels)),
        "credit": dataset_credit(splits.name),
        "fallback": splits.notice if is_fallback(splits) else None,
        "test_elbo": None,
        "active_dims": None,
    }
    if logvar is not None:
        reference = x[:ELBO_REFERENCE]
        scores = [latent.elbo(ckpt.model, b, ELBO_SAMPLES)[0] for b in reference.split(500)]
        bundle["test_elbo"] = np.sort(np.concatenate(scores)).round(3).tolist()
        bundle["active_dims"] = latent_size.active_dimensions(mu, logvar)
    write_json(bundle_path(static, path, plane.method), bundle)
    return bundle


def is_fallback(splits) -> bool:
    """Is this MNIST's offline subset? (A user's folder may be named anything.)"""
    return custom_source(splits.name) is None and "fallback" in splits.source


def load_points(static: str | Path, bundle: dict) -> tuple[np.ndarray, np.ndarray]:
    """The map's points from the bundle's file, without torch: xy (N, 2) float32, labels (N,)."""
    raw = (Path(static) / bundle["points"]).read_bytes()
    n = int(np.frombuffer(raw, "<u4", 1)[0])
    xy = np.frombuffer(raw, "<f4", 2 * n, 4).reshape(2, n).T.copy()
    labels = np.frombuffer(raw, np.uint8, n, 4 + 8 * n).copy()
    return xy, labels


def nearest_point(xy: np.ndarray, z, tolerance: float = 1e-4) -> int | None:
    """The index of the point at z (within `tolerance`), or None: is z a test image's place?"""
    d = np.linalg.norm(xy - np.asarray(z, np.float32)[:2], axis=1)
    i = int(np.argmin(d))
    return i if d[i] <= tolerance * max(1.0, float(np.abs(xy).max())) else None


def load_matrix(static: str | Path, name: str) -> np.ndarray:
    """A matrix blob (vae/web.py matrix_blob) from the static folder: (N, d) float32."""
    raw = (Path(static) / name).read_bytes()
    n, d = (int(v) for v in np.frombuffer(raw, "<u4", 2))
    return np.frombuffer(raw, "<f4", n * d, 8).reshape(n, d).copy()
