"""Prepare ./static for a fast first start: each shipped model's facts and map bundle.

    .venv/bin/python scripts/warm_static.py

The app builds these itself the first time it meets a model (torch import, encoding the
test set, scoring it, measuring the test images' attributes for the latent arithmetic:
several seconds on that first visit); running this after installing,
or after replacing a checkpoint, makes every first page load as fast as later ones.
A model of more than 2 latent dimensions also gets its t-SNE and UMAP maps, from the
planes kept beside its checkpoint (vae/planes.py: shipped for the shipped models); a plane
that is missing or stale (a retrained checkpoint) is computed here first, tens of seconds
each, so that no page ever waits for one. Last, umap-learn's functions that place a
user's digit on a UMAP map are compiled and kept on disk (vae/planes.py keep_compiled_umap).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vae import attributes, bundle, catalog  # noqa: E402
from views.config import RECORDS, STATIC, checkpoints  # noqa: E402


def main() -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from vae import latent, planes
    from vae.checkpoint import load_checkpoint
    from vae.data import DatasetError, load_splits

    for path in catalog.list_models(checkpoints()):
        started = time.perf_counter()
        facts = catalog.facts(path, RECORDS)
        if facts["broken"]:
            print(f"skip {Path(path).name}: {facts['broken']}", file=sys.stderr)
            continue
        methods = ["latent"] if facts["latent_dim"] == 2 else ["pca", "tsne", "umap"]
        for method in methods:
            found = bundle.read_bundle(STATIC, path, method)
            if found is None:
                try:
                    data = load_splits(facts["dataset"])
                except DatasetError as e:
                    print(f"skip {Path(path).name}: {e}", file=sys.stderr)
                    break
                ckpt = load_checkpoint(path)
                if method in planes.METHODS:
                    mu = latent.encode_images(ckpt.model, data.test.float_images()).mu
                    planes.ensure_planes(path, mu, [method], log=print)
                found = bundle.build_bundle(ckpt, data, path, STATIC, method)
            if found.active_dims is not None:
                catalog.set_active_dims(path, RECORDS, found.active_dims)
            attributes.ensure_record(  # latent arithmetic's record, shared by the planes
                STATIC, found.mu, found.images, found.points, found.sprite_columns,
                len(found.classes),
            )  # fmt: skip
            took = time.perf_counter() - started
            print(f"ready: {Path(path).name} ({method}, {took:.1f} s)")
    # what places a user's digit on a UMAP map, compiled once here rather than in a server
    print(f"ready: placing on UMAP maps ({planes.warm_compilation():.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
