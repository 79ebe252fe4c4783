"""Fixtures for the JavaScript unit tests (tests/js/*.test.mjs), written by the Python code
the browser's modules must agree with.

    python -m tests.js.make_fixtures [outdir]      # default: tests/js/fixtures/ (not committed)

fixtures.json holds the small cases and names the binary files beside it (the layouts of
vae/web.py: points and matrix blobs, float32 decoder weights):
  prng         vae/prng.py uniforms and normals for several seeds
  decoder      the shipped checkpoints/mnist-vae-2d.pt: its float32 weights and manifest as
               the app serves them (vae.web.export_decoder), 20 z and torch's decodings
  packed       the export's packed weights (vae.export.pack_weights) of that VAE and of the
               plain autoencoder (whose leading layers stay float32), with torch's decodings
  interpolate  vae.latent.interpolate paths: linear and spherical, 2-D and 16-D, a zero
               end, opposite ends, equal ends
  nearest      a points blob with numpy's nearest point (all classes, some hidden), and a
               16-D matrix blob with numpy's k nearest rows
  ellipse      vae.latent.ellipse contours; kl: vae.latent_size.kl_per_dimension of a
               matrix blob pair (mu, sigma); pca: vae.projection's plane -> latent points
  arith        latent arithmetic on the shipped 8-D VAE: its float32 latent decoder, three
               codes A, B, C, a direction w and torch's decodings of z_A - z_B + z_C and of
               z_A + s w; attributes: vae.attributes.measure of torch's decodings and of
               drawn bars (images as a matrix blob)
  page         page.html: the exported page (vae.export.export_html) of the shipped VAE on
               300 images it decodes itself (no dataset needed); page_zh.html: the same
               page in Chinese (lang="zh")
Every array is written from float32 or float64 values as the page will read them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

from vae import attributes, prng
from vae.blobs import matrix_blob, points_blob
from vae.checkpoint import load_checkpoint
from vae.data import Split, Splits
from vae.export import check_points, export_html, pack_weights
from vae.latent import ellipse, interpolate
from vae.latent_size import ACTIVE_KL_NATS, kl_per_dimension
from vae.projection import fit_pca
from vae.web import decode_reference, export_decoder

ROOT = Path(__file__).resolve().parents[2]
CHECKPOINTS = ROOT / "checkpoints"
DEFAULT_OUT = Path(__file__).resolve().parent / "fixtures"


def floats(a) -> list:
    return np.asarray(a, np.float64).tolist()


def prng_cases() -> list[dict]:
    cases = []
    for seed in (0, 1, 42, 123456789, 2**31 - 1, 2**32 - 1):
        cases.append(
            {"seed": seed, "uniforms": floats(prng.uniforms(seed, 16)),
             "normals": floats(prng.normals(seed, 17))}  # fmt: skip
        )
    return cases


def decoder_fixture(out: Path, rng: np.random.Generator) -> dict:
    model = load_checkpoint(CHECKPOINTS / "mnist-vae-2d.pt").model
    blob, manifest = export_decoder(model)
    grid = np.stack(np.meshgrid(np.linspace(-3, 3, 4), np.linspace(-2.5, 2.5, 4)), -1)
    far = np.array([[0, 0], [8, -8], [-20, 5], [0.001, -0.002]])
    z = np.concatenate([grid.reshape(-1, 2), far]).astype(np.float32)  # (20, 2)
    (out / "decoder_f32.bin").write_bytes(blob)
    (out / "decoder_z.bin").write_bytes(matrix_blob(z))
    (out / "decoder_torch.bin").write_bytes(matrix_blob(decode_reference(model, z)))
    return {"manifest": manifest, "weights": "decoder_f32.bin", "z": "decoder_z.bin",
            "torch": "decoder_torch.bin"}  # fmt: skip


def packed_fixture(out: Path, name: str, lo, hi, rng: np.random.Generator) -> dict:
    """pack_weights as build_data calls it, on codes spread over [lo, hi]."""
    model = load_checkpoint(CHECKPOINTS / f"{name}.pt").model
    blob, manifest = export_decoder(model)
    codes = rng.uniform(lo, hi, (400, 2)).astype(np.float32)
    z = check_points(codes, n_grid=12)
    spec = pack_weights(
        blob, manifest["layers"], z, decode_reference(model, z), manifest["activation"]
    )
    some = z[rng.choice(len(z), 30, replace=False)]
    (out / f"{name}_z.bin").write_bytes(matrix_blob(some))
    (out / f"{name}_torch.bin").write_bytes(matrix_blob(decode_reference(model, some)))
    spec = {"layers": manifest["layers"], "floats": manifest["floats"], **spec}
    return {"spec": spec, "z": f"{name}_z.bin", "torch": f"{name}_torch.bin"}


def interpolate_cases(rng: np.random.Generator) -> list[dict]:
    a16, b16 = rng.normal(size=16), rng.normal(size=16)
    pairs = {
        "2-D": ([1.5, -0.5], [-0.8, 2.0]),
        "16-D": (a16, b16),
        "zero end": ([0.0, 0.0], [1.0, 2.0]),
        "opposite ends": ([1.0, 2.0], [-2.0, -4.0]),
        "equal ends": ([0.7, -0.3], [0.7, -0.3]),
        "16-D zero end": (a16, np.zeros(16)),
    }
    t = np.linspace(0, 1, 11)
    cases = []
    for name, (a, b) in pairs.items():
        for method in ("linear", "spherical"):
            path = interpolate(np.array(a), np.array(b), t, method)
            cases.append({"name": name, "method": method, "a": floats(a), "b": floats(b),
                          "t": floats(t), "path": floats(path)})  # fmt: skip
    return cases


def nearest_fixture(out: Path, rng: np.random.Generator) -> dict:
    n = 501  # odd: the labels' offset is not a multiple of 4
    xy = rng.normal(size=(n, 2)).astype(np.float32)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    (out / "points.bin").write_bytes(points_blob(xy, labels))
    queries = rng.uniform(-3, 3, (25, 2))
    hidden = [1, 3, 7]
    shown = ~np.isin(labels, hidden)

    def nearest(q, mask):
        d = ((xy.astype(np.float64) - q) ** 2).sum(1)
        d[~mask] = np.inf
        return int(d.argmin())

    mu = rng.normal(size=(300, 16)).astype(np.float32)
    (out / "mu16.bin").write_bytes(matrix_blob(mu))
    row_queries = rng.normal(size=(10, 16))
    k, exclude = 5, int(np.argmin(((mu - row_queries[0]) ** 2).sum(1)))  # q0's own nearest
    rows = []
    for i, q in enumerate(row_queries):
        d = np.sqrt(((mu.astype(np.float64) - q) ** 2).sum(1))
        if i == 0:
            d[exclude] = np.inf
        order = np.argsort(d)[:k]
        rows.append({"z": floats(q), "rows": order.tolist(), "d": floats(d[order])})
    return {
        "points": "points.bin", "n": n, "labels_head": labels[:12].tolist(),
        "xs_head": floats(xy[:12, 0]), "ys_head": floats(xy[:12, 1]),
        "queries": floats(queries), "hidden": hidden,
        "all": [nearest(q, np.ones(n, bool)) for q in queries],
        "visible": [nearest(q, shown) for q in queries],
        "matrix": "mu16.bin", "k": k, "exclude_first": exclude, "row_queries": rows,
    }  # fmt: skip


def geometry_fixtures(out: Path, rng: np.random.Generator) -> dict:
    ellipses = []
    for mu, logvar, k, n in (([0.5, -1.0], [-2.0, -3.5], 1, 64), ([3, 4], [0.3, -0.1], 2, 16)):
        contour = ellipse(np.array(mu), np.array(logvar), k, n)
        sigma = np.exp(0.5 * np.array(logvar))
        ellipses.append(
            {"mu": mu, "sigma": floats(sigma), "k": k, "n": n, "points": floats(contour)}
        )
    # KL: 8 dimensions, 3 of them collapsed to the prior (mu ~ 0, sigma ~ 1)
    mu = rng.normal(size=(200, 8)) * np.array([2, 1, 0.5, 0.01, 1.5, 0.02, 1, 0.005])
    logvar = rng.normal(-2, 0.5, (200, 8)) * np.array([1, 1, 1, 0.001, 1, 0.002, 1, 0.001])
    mu32, sigma32 = mu.astype(np.float32), np.exp(0.5 * logvar).astype(np.float32)
    (out / "kl_mu.bin").write_bytes(matrix_blob(mu32))
    (out / "kl_sigma.bin").write_bytes(matrix_blob(sigma32))
    logvar32 = 2 * np.log(sigma32.astype(np.float64))  # what the page's sigma stands for
    kl = kl_per_dimension(mu32, logvar32)
    # the PCA plane of a 16-D cloud: plane points -> latent points
    pca = fit_pca(rng.normal(size=(300, 16)) * np.linspace(3, 0.1, 16))
    p = rng.normal(size=(5, 2))
    return {
        "ellipse": ellipses,
        "kl": {"mu": "kl_mu.bin", "sigma": "kl_sigma.bin", "kl": floats(kl),
               "threshold": ACTIVE_KL_NATS, "active": int((kl > ACTIVE_KL_NATS).sum())},
        "pca": {"mean": floats(pca.mean), "components": floats(pca.components), "p": floats(p),
                "latent": floats(pca.inverse_transform(p))},
    }  # fmt: skip


def arith_fixture(out: Path, rng: np.random.Generator) -> dict:
    """z_A - z_B + z_C and z + s w decoded by torch in the shipped 8-D VAE's latent space,
    and the attributes Python measures on images the JS measures too."""
    model = load_checkpoint(CHECKPOINTS / "mnist-vae-8d.pt").model
    blob, manifest = export_decoder(model)
    (out / "arith8_f32.bin").write_bytes(blob)
    a, b, c, w = rng.normal(size=(4, 8)) * np.array([[1.2], [1.2], [1.2], [0.4]])
    combined = a - b + c
    s = np.array([-3.0, -1.2, 0.0, 0.7, 3.0])
    walked = a + s[:, None] * w
    decoded = decode_reference(model, np.concatenate([combined[None], walked]))
    (out / "arith8_torch.bin").write_bytes(matrix_blob(decoded))
    # images to measure: torch's decodings of prior samples and of the cases above, a bar
    # drawn upright and one leaning, and an empty image
    samples = decode_reference(model, rng.normal(size=(24, 8)).astype(np.float32))
    bars = np.zeros((3, 28, 28), np.float32)
    bars[0, 5:23, 12:15] = 1.0
    for r in range(5, 23):
        bars[1, r, 8 + (23 - r) // 2 : 11 + (23 - r) // 2] = 0.8
    images = np.concatenate([samples, decoded, bars.reshape(3, 784)]).astype(np.float32)
    (out / "arith_images.bin").write_bytes(matrix_blob(images))
    measured = attributes.measure(images.astype(np.float64))
    return {"manifest": manifest, "weights": "arith8_f32.bin", "a": floats(a), "b": floats(b),
            "c": floats(c), "w": floats(w), "s": floats(s), "torch": "arith8_torch.bin",
            "images": "arith_images.bin", "attributes": list(attributes.ATTRIBUTES),
            "measured": {k: floats(v) for k, v in measured.items()}}  # fmt: skip


def page_fixture(out: Path, rng: np.random.Generator) -> dict:
    """The exported page of the shipped VAE on 300 of its own prior decodings."""
    ckpt = load_checkpoint(CHECKPOINTS / "mnist-vae-2d.pt")
    z = rng.normal(size=(300, 2)).astype(np.float32)
    images = torch.from_numpy(np.rint(255 * decode_reference(ckpt.model, z)).astype(np.uint8))
    split = Split(images.reshape(-1, 28, 28), torch.from_numpy(rng.integers(0, 10, 300)))
    splits = Splits("mnist", split, split, source="decoded prior samples (tests/js)")
    (out / "page.html").write_text(export_html(ckpt, splits, name="fixture"), encoding="utf-8")
    zh = export_html(ckpt, splits, name="fixture", lang="zh")
    (out / "page_zh.html").write_text(zh, encoding="utf-8")
    return {
        "html": "page.html",
        "html_zh": "page_zh.html",
        "n": 300,
        "checkpoint": "mnist-vae-2d.pt",
    }


def link_cases(rng: np.random.Generator) -> list[dict]:
    """Pins as vae/share.py writes them into a link (and reads them back): what the page
    writes for a click must be what Python writes and parses."""
    from vae import share

    values = [0.0, -0.0, 1.0, -1.0, 1e-6, -4e-6, 5e-6, 0.123456, -0.999996, 123.4, 1e-5]
    values += rng.normal(scale=3, size=12).tolist() + rng.normal(scale=200, size=4).tolist()
    cases = []
    for k, x in enumerate(values):
        y = values[-1 - k]
        index = None if k % 3 == 0 else int(rng.integers(0, 10_000))
        query = share.link_query(share.LinkView(model="m.pt", pin=(x, y), index=index))
        parsed, notices = share.parse_link(query, ["m.pt"])
        assert not notices, notices
        cases.append({"x": x, "y": y, "index": index, "query": query,
                      "parsed": [*parsed.pin, parsed.index]})  # fmt: skip
    return cases


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2026)
    fixtures = {
        "prng": prng_cases(),
        "decoder": decoder_fixture(out, rng),
        "packed": {
            "vae": packed_fixture(out, "mnist-vae-2d", (-4, -4), (4, 4), rng),
            "ae": packed_fixture(out, "mnist-ae-2d", (-66, -128), (15, 24), rng),
        },
        "interpolate": interpolate_cases(rng),
        "nearest": nearest_fixture(out, rng),
        **geometry_fixtures(out, rng),
        "arith": arith_fixture(out, rng),
        "page": page_fixture(out, rng),
        "link": link_cases(rng),
    }
    (out / "fixtures.json").write_text(json.dumps(fixtures), encoding="utf-8")
    print(f"wrote the JavaScript tests' fixtures to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
