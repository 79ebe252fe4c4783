"""Photo-style uploads of one clear digit are read, not refused (issue 20, item 2).

The uploads come from tests/photo_uploads.py, a seeded generator built on assumptions that
are not vae/image.py's own (see its docstring). Before the first fix, 469 of these 1,000
were refused as "No digit found", and so were 29 of the 120 reported cases; after it, 15 and
0; since the second (polarity under deep shadow, ink against the local paper), 0 and 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tests import photo_uploads as pu
from vae import image as vi
from vae.checkpoint import load_checkpoint
from vae.latent import encode_images

CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"


@pytest.fixture(scope="module")
def model_and_clean(mnist):
    """The shipped 2-D model, the clean test set's encodings and labels, and its own 10-NN
    agreement (each digit left out of its own neighbours)."""
    model = load_checkpoint(CHECKPOINTS / "mnist-vae-2d.pt").model
    mu = encode_images(model, mnist.test.float_images()).mu
    labels = mnist.test.labels.numpy()
    clean = pu.neighbour_agreement(mu, labels, mu, labels, np.arange(len(labels)))
    return model, mu, labels, clean


def _agreement(model_and_clean, items, prepared, accepted) -> np.ndarray:
    model, mu, labels, _ = model_and_clean
    query = encode_images(model, torch.from_numpy(prepared).unsqueeze(1)).mu
    chosen = [items[k] for k in accepted]
    return pu.neighbour_agreement(
        mu, labels, query, np.array([u.label for u in chosen]), np.array([u.index for u in chosen])
    )


def test_reported_cases_are_not_refused(mnist, model_and_clean) -> None:
    # A dark digit on flat lit paper as JPEG q90-95; a 640x480 photo with a small off-centre
    # digit on a gentle gradient. Before the fix 24 of these 120 were refused.
    items = pu.reported_cases(mnist.test.images.numpy(), mnist.test.labels.numpy())
    prepared, accepted, refused = pu.prepare_all(items, vi.preprocess_upload)
    assert refused == []
    agreement = _agreement(model_and_clean, items, prepared, accepted)
    assert agreement.mean() >= 0.85 * model_and_clean[3].mean(), agreement.mean()


def test_a_thousand_photo_uploads_are_read_like_clean_digits(mnist, model_and_clean) -> None:
    items = pu.uploads(mnist.test.images.numpy(), mnist.test.labels.numpy(), n=1000, seed=20)
    prepared, accepted, refused = pu.prepare_all(items, vi.preprocess_upload)
    # None (the goal). 469 were refused before the first fix, 15 after it (faint,
    # blurred strokes under a deep shadow or strong vignetting), 0 since the second.
    assert refused == [], f"{len(refused)} refused, first: {refused[:3]}"
    agreement = _agreement(model_and_clean, items, prepared, accepted)
    ink = np.array([items[k].ink for k in accepted])
    clean = model_and_clean[3]
    reserved = clean[np.asarray(pu.RESERVED)].mean()
    # The same MNIST digits, photographed, keep most of their clean agreement; pen digits,
    # drawn by a program, are not MNIST but must still mostly land among their own class.
    assert agreement[ink == "mnist"].mean() >= 0.85 * reserved, agreement[ink == "mnist"].mean()
    assert agreement.mean() >= 0.75 * clean.mean(), agreement.mean()


@pytest.mark.parametrize("name, data", pu.negatives(), ids=[n for n, _ in pu.negatives()])
def test_pictures_without_a_digit_are_still_refused(name: str, data: bytes) -> None:
    with pytest.raises(vi.BlankImageError, match="No digit found"):
        vi.preprocess_upload(data)
