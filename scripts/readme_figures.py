"""Print the README's model figures from the shipped checkpoints, so each can be checked.

    .venv/bin/python scripts/readme_figures.py            # every shipped checkpoint
    .venv/bin/python scripts/readme_figures.py --no-export  # skip the (slower) export sizes

For each checkpoint: its file size, architecture, epochs and test figures (from its
metadata, measured by vae-train on all 10,000 test images); for the 2-D models the
Compare tab's figures, computed exactly as the tab computes them (vae.latent.prior_coverage:
the share of test codes inside the disc holding 99% of N(0, I), and the class shares of 500
prior samples, seed 0), with the 99% range of the codes; the size of the one-file export;
and the README's example link (where test digit 8887 lies on the shipped 2-D map).
Nothing here is timed: these figures do not vary from run to run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from vae import latent
from vae.checkpoint import load_checkpoint
from vae.data import REPO_ROOT, load_splits

EXAMPLE_DIGIT = 8887  # the README's example link pins this test digit


def describe(path: Path, splits_cache: dict, export: bool) -> None:
    ckpt = load_checkpoint(path)
    meta, cfg, train = ckpt.meta, ckpt.config, ckpt.train or {}
    kind = cfg.kind
    hidden = "-".join(str(h) for h in cfg.hidden)
    last = meta.get("test") or {}
    print(f"\n{path.name}: {path.stat().st_size / 1e6:.1f} MB")
    print(
        f"  {cfg.arch} 784-{hidden}-{cfg.latent_dim}, {kind}, beta {train.get('beta', 1.0)}, "
        f"{meta.get('epochs')} epochs, dataset {meta.get('dataset', 'mnist')}"
    )
    if last:
        figures = ", ".join(f"{k} {v:.2f}" for k, v in last.items() if isinstance(v, float))
        print(f"  test (all images): {figures}")
    if cfg.latent_dim != 2:
        return
    name = meta.get("dataset", "mnist")
    if name not in splits_cache:
        splits_cache[name] = load_splits(name)
    data = splits_cache[name]
    x = data.test.float_images()
    enc = latent.encode_images(ckpt.model, x)
    labels = data.test.labels.numpy()
    cover = latent.prior_coverage(
        ckpt.model, x.numpy(), labels, enc.mu, len(data.classes), mass=0.99, samples=500
    )
    shares = np.asarray(cover["shares"])
    lo, hi = np.percentile(enc.mu, [0.5, 99.5], axis=0)
    print(
        f"  codes inside 99% of N(0, I): {cover['inside']:.1%}; 99% of them in "
        f"z1 [{lo[0]:.0f}, {hi[0]:.0f}], z2 [{lo[1]:.0f}, {hi[1]:.0f}]"
    )
    print(
        "  500 prior samples by nearest test image: "
        + ", ".join(f"{data.classes[c]} {s:.1%}" for c, s in enumerate(shares))
    )
    if path.name == "mnist-vae-2d.pt":
        mu = enc.mu[EXAMPLE_DIGIT]
        label = labels[EXAMPLE_DIGIT]
        print(f"  test digit {EXAMPLE_DIGIT} ({label}): mu ({mu[0]:.3f}, {mu[1]:.3f})")
    if export and kind == "vae" and cfg.arch == "mlp":
        from vae.export import export_html

        page = export_html(ckpt, data)
        print(f"  one-file export: {len(page.encode()) / 1e6:.1f} MB")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--folder", default=str(REPO_ROOT / "checkpoints"))
    p.add_argument("--no-export", action="store_true", help="skip the export sizes")
    args = p.parse_args()
    cache: dict = {}
    for path in sorted(Path(args.folder).glob("*.pt")):
        describe(path, cache, export=not args.no_export)


if __name__ == "__main__":
    main()
