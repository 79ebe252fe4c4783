"""Prepare ./static for a fast first start: each shipped model's facts and map bundle.

    .venv/bin/python scripts/warm_static.py

The app builds these itself the first time it meets a model (torch import, encoding the
test set, scoring it: several seconds on that first visit); running this after installing,
or after replacing a checkpoint, makes every first page load as fast as later ones.
t-SNE and UMAP planes are not made here (minutes each); the app makes them on request.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vae import bundle, catalog  # noqa: E402
from views.config import RECORDS, STATIC, checkpoints  # noqa: E402


def main() -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from vae.checkpoint import load_checkpoint
    from vae.data import DatasetError, load_splits

    for path in catalog.list_models(checkpoints()):
        started = time.perf_counter()
        facts = catalog.facts(path, RECORDS)
        if facts["broken"]:
            print(f"skip {Path(path).name}: {facts['broken']}", file=sys.stderr)
            continue
        method = "latent" if facts["latent_dim"] == 2 else "pca"
        found = bundle.read_bundle(STATIC, path, method)
        if found is None:
            try:
                data = load_splits(facts["dataset"])
            except DatasetError as e:
                print(f"skip {Path(path).name}: {e}", file=sys.stderr)
                continue
            found = bundle.build_bundle(load_checkpoint(path), data, path, STATIC, method)
        if found.active_dims is not None:
            catalog.set_active_dims(path, RECORDS, found.active_dims)
        print(f"ready: {Path(path).name} ({method}, {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
