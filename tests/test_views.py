"""Pure logic of the views (no page run)."""

from __future__ import annotations

from views.manifold import grid_shape
from views.sidebar import main_model, readable_time


def test_manifold_cells_are_square_in_latent_units():
    assert grid_shape({"x": [0, 4], "y": [0, 2]}, 10) == (10, 5)
    assert grid_shape({"x": [0, 1], "y": [-3, 0]}, 12) == (4, 12)
    assert grid_shape({"x": [0, 100], "y": [0, 1]}, 5) == (5, 1)  # at least one row


def test_a_datasets_main_model_is_its_shipped_2d_vae():
    paths = ["/c/mnist-ae-2d.pt", "/c/mnist-vae-2d.pt"]
    assert main_model(paths, "mnist") == "/c/mnist-vae-2d.pt"
    assert main_model(["/c/x.pt", "/c/y.pt"], "mnist") == "/c/x.pt"


def test_created_times_read_as_dates():
    assert readable_time("2026-11-24T14:08:03+00:00") == "2026-11-24 14:08 UTC"
    assert readable_time("yesterday") == "yesterday"
