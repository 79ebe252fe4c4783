"""The map's bundle: every file the page needs to draw and explore one model's map.

For one model (one checkpoint file version) and one plane (its 2-D latent space, or a
PCA / t-SNE / UMAP projection of a larger one), the bundle is a set of content-named
files in the app's static folder plus a JSON record listing them:

    points          the map: plane positions (N, 2) and labels (vae/blobs.py)
    mu, sigma       every test image's posterior N(mu, sigma^2) in the full latent space
                    (N, d) each (vae/blobs.py); sigma is None for a plain autoencoder
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
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from vae import blobs, projection
from vae.catalog import msg_record
from vae.datasets import custom_source, dataset_credit, dataset_item, describe_source
from vae.files import file_key, read_json, write_asset, write_json

BUNDLE_VERSION = 4  # 4: `data` keeps its catalog key (the page's footer in zh too)
SPRITE_COLUMNS = 100  # thumbnails per row of the sprite (10,000 test images: 100 x 100)
ELBO_REFERENCE = 2000  # test images scored to place a user's ELBO (enough for a percentile)
ELBO_SAMPLES = 8


@dataclass(frozen=True)
class MapBundle:
    """One model's map on one plane: the record `build_bundle` writes and `read_bundle` reads.

    File fields (points, mu, sigma, images, decoder["file"], latent_decoder["file"]) are
    names in the static folder; the rest is small and goes to the page as it is.
    """

    version: int
    method: str  # "latent" (2-D), "pca", "tsne" or "umap"
    latent_dim: int
    kind: str  # "vae" or "ae"
    points: str  # points_blob: plane positions (N, 2) and labels
    mu: str  # matrix_blob (N, d)
    sigma: str | None  # matrix_blob (N, d); None for a plain autoencoder
    decoder: dict | None  # manifest of the decoder of plane points; None: not an MLP
    latent_decoder: dict | None  # manifest of the decoder of latent points (d inputs)
    images: str  # the test images as one PNG sprite
    sprite_columns: int
    classes: list[str]
    item: str  # what one image is called ("digit", "item", ...)
    axes: list[str]
    pca: dict | None  # {mean, components, variance_ratio} on a PCA plane
    defaults: dict  # the first morph: projection.morph_defaults
    typical: list[int | None]  # each class's most typical member
    data: dict  # the data's description: a vae.i18n.msg as catalog.msg_record keeps it
    credit: str
    fallback: str | None  # the notice of MNIST's offline subset
    test_elbo: list[float] | None  # sorted ELBO of ELBO_REFERENCE test images (VAE only)
    active_dims: int | None  # dimensions above latent_size.ACTIVE_KL_NATS (VAE only)

    @property
    def invertible(self) -> bool:
        """Does every point of the plane decode? (see projection.Plane.invertible)"""
        return projection.is_invertible(self.method)

    def files(self) -> list[str]:
        """The names of the files in the static folder that this bundle needs."""
        names = [n for n in (self.points, self.mu, self.sigma, self.images) if n]
        return names + [d["file"] for d in (self.decoder, self.latent_decoder) if d]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, value) -> MapBundle | None:
        """The bundle in a JSON record, or None if the record is of another version or shape."""
        names = {f.name for f in fields(cls)}
        if not isinstance(value, dict) or value.get("version") != BUNDLE_VERSION:
            return None
        if set(value) != names:
            return None
        return cls(**value)


def bundle_path(static: str | Path, path: str | Path, method: str) -> Path:
    return Path(static) / f"map-{file_key(path)}-{method}.json"


def read_bundle(static: str | Path, path: str | Path, method: str) -> MapBundle | None:
    """The bundle recorded for this model version and plane, if all its files are there."""
    bundle = MapBundle.from_json(read_json(bundle_path(static, path, method)))
    if bundle is None:
        return None
    return bundle if all((Path(static) / f).is_file() for f in bundle.files()) else None


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


@dataclass(frozen=True)
class EncodedMap:
    """A model's test set encoded and laid on a plane, in memory: what the app's bundle and
    the exported page are both built from (`encode_map`).

    plane: its method, the encoded mu (N, d), the positions xy (N, 2) and, on a PCA plane,
    the PCA; logvar (N, d) or None (plain autoencoder); labels (N,) uint8.
    """

    plane: projection.Plane
    logvar: np.ndarray | None
    labels: np.ndarray
    classes: list[str]

    @property
    def affine(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The plane's map to the latent space (mean, components) that folds into the
        decoder's first layer (vae.web.export_decoder); None where the plane is the space."""
        pca = self.plane.pca
        return (pca.mean, pca.components) if pca is not None else None

    def morph_defaults(self) -> dict:
        return projection.morph_defaults(
            self.plane.xy, self.labels, self.classes, projected=self.plane.method != "latent"
        )

    def typical(self) -> list[int | None]:
        return projection.typical_members(self.plane.xy, self.labels, len(self.classes))


def encode_map(
    ckpt, splits, method: str = "pca", cache: str | Path | None = None, checkpoint=None
) -> EncodedMap:
    """Encode the test set of `splits` with ckpt's model and lay it on the plane `method`
    (ignored for a 2-D latent space); cache: a folder for t-SNE/UMAP embeddings;
    checkpoint: the model's file, whose shipped t-SNE/UMAP planes are used (vae/planes.py)."""
    from vae import latent

    encoded = latent.encode_images(ckpt.model, splits.test.float_images())
    plane = projection.make_plane(encoded.mu, method, cache=cache, checkpoint=checkpoint)
    labels = splits.test.labels.numpy().astype(np.uint8)
    return EncodedMap(plane, encoded.logvar, labels, list(splits.classes))


def build_bundle(
    ckpt, splits, path: str | Path, static: str | Path, method: str = "pca"
) -> MapBundle:
    """Encode the test set, write the bundle's files into `static` and record them.

    ckpt: a vae.checkpoint.Checkpoint; splits: its dataset (vae.data.Splits); method: the
    plane for a latent space of more than 2 dimensions (ignored for 2-D). t-SNE and UMAP
    are cached on disk under static/projections (minutes of work the first time).
    """
    static = Path(static)
    static.mkdir(parents=True, exist_ok=True)
    encoded = encode_map(ckpt, splits, method, cache=static / "projections", checkpoint=path)
    test_elbo, active_dims = posterior_figures(ckpt, splits, encoded)
    bundle = MapBundle(
        version=BUNDLE_VERSION,
        method=encoded.plane.method,
        latent_dim=int(encoded.plane.mu.shape[1]),
        kind=ckpt.config.kind,
        **write_files(ckpt, splits, encoded, static),
        sprite_columns=SPRITE_COLUMNS,
        classes=encoded.classes,
        item=dataset_item(splits.name),
        axes=encoded.plane.axis_titles(),
        pca=pca_record(encoded.plane.pca),
        defaults=encoded.morph_defaults(),
        typical=encoded.typical(),
        data=msg_record(describe_source(splits.name, splits.source, len(encoded.labels))),
        credit=dataset_credit(splits.name),
        fallback=splits.notice if is_fallback(splits) else None,
        test_elbo=test_elbo,
        active_dims=active_dims,
    )
    write_json(bundle_path(static, path, bundle.method), bundle.to_json())
    return bundle


def write_files(ckpt, splits, encoded: EncodedMap, static: Path) -> dict:
    """The bundle's files, written into `static`: {points, mu, sigma, decoder,
    latent_decoder, images}, each a file name (a decoder: its manifest with `file`)."""
    from vae import web

    plane, logvar = encoded.plane, encoded.logvar
    latent_decoder = web.write_decoder(ckpt.model, static)
    sigma = None if logvar is None else blobs.matrix_blob(np.exp(0.5 * logvar))
    points = blobs.points_blob(plane.xy, encoded.labels)
    return {
        "points": write_asset(static, "points", ".bin", points),
        "mu": write_asset(static, "mu", ".bin", blobs.matrix_blob(plane.mu)),
        "sigma": None if sigma is None else write_asset(static, "sigma", ".bin", sigma),
        # PCA folded into the plane's decoder; t-SNE/UMAP have none, the latent one serves
        "decoder": web.write_decoder(ckpt.model, static, affine=encoded.affine)
        if encoded.affine is not None
        else latent_decoder,
        "latent_decoder": latent_decoder,
        "images": write_asset(static, "images", ".png", sprite_png(splits.test.images.numpy())),
    }


def pca_record(pca: projection.PCA | None) -> dict | None:
    if pca is None:
        return None
    return {
        "mean": pca.mean.tolist(),
        "components": pca.components.tolist(),
        "variance_ratio": pca.variance_ratio.tolist(),
    }


def posterior_figures(ckpt, splits, encoded: EncodedMap) -> tuple[list[float] | None, int | None]:
    """(the sorted ELBO of the first ELBO_REFERENCE test images, the active dimensions), or
    (None, None) for a plain autoencoder, which has no posterior."""
    from vae import latent, latent_size

    if encoded.logvar is None:
        return None, None
    reference = splits.test.float_images()[:ELBO_REFERENCE]
    scores = [latent.elbo(ckpt.model, b, ELBO_SAMPLES)[0] for b in reference.split(500)]
    test_elbo = np.sort(np.concatenate(scores)).round(3).tolist()
    return test_elbo, latent_size.active_dimensions(encoded.plane.mu, encoded.logvar)


def is_fallback(splits) -> bool:
    """Is this MNIST's offline subset? (A user's folder may be named anything.)"""
    return custom_source(splits.name) is None and "fallback" in splits.source


def load_points(static: str | Path, bundle: MapBundle) -> tuple[np.ndarray, np.ndarray]:
    """The map's points from the bundle's file, without torch: xy (N, 2) float32, labels (N,)."""
    return blobs.read_points((Path(static) / bundle.points).read_bytes())


def nearest_point(xy: np.ndarray, z, tolerance: float = 1e-4) -> int | None:
    """The index of the point at z (within `tolerance`), or None: is z a test image's place?"""
    d = np.linalg.norm(xy - np.asarray(z, np.float32)[:2], axis=1)
    i = int(np.argmin(d))
    return i if d[i] <= tolerance * max(1.0, float(np.abs(xy).max())) else None


def load_matrix(static: str | Path, name: str) -> np.ndarray:
    """A matrix blob (vae/blobs.py) from the static folder: (N, d) float32."""
    return blobs.read_matrix((Path(static) / name).read_bytes())
