"""Shared fixtures: small real data and tiny trained checkpoints, built once per session."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import torch

from vae.data import Split, Splits, load_splits

# The app run in-process (AppTest) writes its map files here, not into the repo's static/
# (set before views.config is first imported; the browser tests' server unsets it).
if "LATENT_EXPLORER_STATIC" not in os.environ:
    os.environ["LATENT_EXPLORER_STATIC"] = tempfile.mkdtemp(prefix="lx-static-")
    # with the plotly.js that setup fetched (scripts/fetch_npm.py): the pages draw maps
    for script in (Path(__file__).resolve().parents[1] / "static").glob("plotly-*.min.js"):
        (Path(os.environ["LATENT_EXPLORER_STATIC"]) / script.name).symlink_to(script)


@pytest.fixture(scope="session")
def mnist() -> Splits:
    """The real MNIST on this machine (../shared/data), or the offline fallback."""
    return load_splits("mnist")


@pytest.fixture(scope="session")
def small_mnist(mnist: Splits) -> Splits:
    """2,000 real training and 500 real test digits: enough for a smoke run in seconds."""
    return Splits(
        "mnist",
        Split(mnist.train.images[:2000], mnist.train.labels[:2000]),
        Split(mnist.test.images[:500], mnist.test.labels[:500]),
        source=mnist.source,
        notice="test subset",
    )


@pytest.fixture
def batch(mnist: Splits) -> torch.Tensor:
    """Eight real digits, (8, 1, 28, 28) in [0, 1]."""
    return mnist.test.float_images()[:8]


def current_umask() -> int:
    """The process's umask (read by setting and restoring it: tests run one thread here)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
