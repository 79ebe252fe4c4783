"""Photo-style uploads: how many are refused as blank, and how well the model reads the rest.

    python -m bench.uploads [--n 1000] [--seed 20]

Uses the generator the tests use (tests/photo_uploads.py): photo-style JPEGs of one digit,
half with held-out MNIST ink and half drawn as pen strokes, the two cases reported in issue 20,
tight crops of MNIST digits (as tests/test_image.py makes them), and pictures with no digit.
Prints refusals out of N, and the 10-nearest-neighbour label agreement of their encodings
under the shipped 2-D model (checkpoints/mnist-vae-2d.pt) against the clean test set's
encodings, beside the clean test set's own agreement.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from tests import photo_uploads as pu
from vae import image as vi
from vae.checkpoint import load_checkpoint
from vae.data import load_splits
from vae.latent import encode_images

ROOT = Path(__file__).resolve().parents[1]


def encode(model, images: np.ndarray) -> np.ndarray:
    return encode_images(model, torch.from_numpy(images).unsqueeze(1)).mu


def report(name, items, model, mu, labels) -> None:
    start = time.perf_counter()
    prepared, accepted, refused = pu.prepare_all(items, vi.preprocess_upload)
    seconds = time.perf_counter() - start
    line = f"{name}: refused {len(refused)} of {len(items)} ({seconds:.1f} s)"
    if accepted:
        chosen = [items[k] for k in accepted]
        query_labels = np.array([u.label for u in chosen])
        own = np.array([u.index for u in chosen])
        agree = pu.neighbour_agreement(mu, labels, encode(model, prepared), query_labels, own)
        kinds = np.array([u.ink for u in chosen])
        parts = [f"all {agree.mean():.3f}"] + [
            f"{kind} {agree[kinds == kind].mean():.3f}" for kind in ("mnist", "pen")
            if (kinds == kind).any()
        ]  # fmt: skip
        line += "; 10-NN agreement " + ", ".join(parts)
    print(line)
    for message in refused[:5]:
        print("   refused:", message[:160])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="generated uploads (default 1000)")
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args(argv)

    data = load_splits("mnist")
    images, labels = data.test.images.numpy(), data.test.labels.numpy()
    model = load_checkpoint(ROOT / "checkpoints" / "mnist-vae-2d.pt").model
    mu = encode(model, images.astype(np.float32) / 255.0)
    clean = pu.neighbour_agreement(mu, labels, mu, labels, np.arange(len(labels)))
    reserved = np.asarray(pu.RESERVED)
    print(f"clean test set: 10-NN agreement {clean.mean():.3f} "
          f"(the reserved digits {clean[reserved].mean():.3f})")  # fmt: skip

    report("generated photo uploads", pu.uploads(images, labels, args.n, args.seed), model, mu,
           labels)  # fmt: skip
    report("reported cases (flat q90-95, 640x480 small digit)",
           pu.reported_cases(images, labels), model, mu, labels)  # fmt: skip

    from tests.test_image import tight_crop_upload

    rng = np.random.default_rng(7)
    indices = rng.choice(len(images), 1000, replace=False)
    crops = [
        pu.Upload(tight_crop_upload(images[i], rng), int(labels[i]), "mnist", int(i), f"crop {i}")
        for i in indices
    ]
    report("tight crops of MNIST digits", crops, model, mu, labels)

    refused, passed = [], []
    for name, data_bytes in pu.negatives():
        try:
            vi.preprocess_upload(data_bytes)
            passed.append(name)
        except vi.BlankImageError:
            refused.append(name)
    print(f"no-digit pictures: refused {len(refused)} of {len(refused) + len(passed)}")
    for name in passed:
        print("   NOT refused:", name[:120])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
