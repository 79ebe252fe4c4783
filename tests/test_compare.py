"""The Compare tab's wiring without a browser (streamlit.testing AppTest).

Small untrained models stand in for the shipped ones: this checks the messages, the
state (pins, seeds, presets) and the tables; tests/browser/test_compare.py drives the
real maps with the real models.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from streamlit.testing.v1 import AppTest

from vae.checkpoint import save_checkpoint
from vae.model import VAE, VAEConfig
from views import compare

APP = Path(__file__).resolve().parents[1] / "page.py"


def save_model(folder: Path, name: str, kind: str = "vae", beta: float = 1.0, **meta) -> None:
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=meta.pop("latent_dim", 2), kind=kind, hidden=(32,)))
    test = {"nelbo": 150.0, "recon": 140.0, "kl": 10.0 if kind == "vae" else 0.0}
    meta = {"dataset": "mnist", "epochs": 0, "test": test, **meta}
    save_checkpoint(folder / name, model, meta, train={"beta": beta})


def compare_tab(folder: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("LATENT_EXPLORER_CHECKPOINTS", str(folder))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.session_state["tab"] = "Compare"  # the tab row's key: the tab the user opened
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(parts)


def test_a_missing_checkpoint_is_named_not_a_crash(tmp_path, monkeypatch):
    save_model(tmp_path, "mnist-vae-2d.pt")
    at = compare_tab(tmp_path, monkeypatch)
    assert at.radio(key="cmp_preset").value == "ae_vae"
    assert any("needs `mnist-ae-2d.pt`" in w.value for w in at.warning)
    at.radio(key="cmp_preset").set_value("beta_025_4").run()
    assert any(
        "`mnist-vae-2d-beta0.25.pt` and `mnist-vae-2d-beta4.pt`" in w.value for w in at.warning
    )
    at.radio(key="cmp_preset").set_value("any").run()
    assert any("at least two" in w.value for w in at.warning)
    assert not at.exception


def test_autoencoder_vs_vae_shows_both_and_keeps_its_state(tmp_path, monkeypatch):
    save_model(tmp_path, "mnist-vae-2d.pt")
    save_model(tmp_path, "mnist-ae-2d.pt", kind="ae")
    at = compare_tab(tmp_path, monkeypatch)
    assert not at.warning
    shown = text(at)
    assert "**A: mnist-ae-2d** · plain autoencoder (no KL)" in shown
    assert "**B: mnist-vae-2d** · VAE, β = 1" in shown
    assert "has no KL term" in shown and "seed 0" in shown
    assert "Measured." in shown
    assert any("Click either map" in i.value for i in at.info)
    table = at.table[0].value
    assert table.loc["test −ELBO (nats)", "A: mnist-ae-2d"] == "— (no KL: not a bound)"
    assert table.loc["test KL (nats)", "B: mnist-vae-2d"] == "10.00"
    # a click on map B (as the component reports it) shows both decodings of that z
    at.session_state.cmp_pin = {"x": 0.5, "y": -1.25, "index": None, "label": None,
                                "nonce": 1, "source": "b"}  # fmt: skip
    at.run()
    assert "z = (0.500, -1.250)**, clicked on map B" in text(at)
    at.button(key="cmp_resample").click().run()
    assert at.session_state.cmp_seed == 1 and "seed 1" in text(at)
    # another pair of models: a z pinned in the old pair's spaces is dropped
    at.radio(key="cmp_preset").set_value("any").run()
    at.selectbox(key="cmp_b").set_value(str(tmp_path / "mnist-ae-2d.pt")).run()
    at.selectbox(key="cmp_a").set_value(str(tmp_path / "mnist-vae-2d.pt")).run()
    assert at.session_state.cmp_pin is None
    assert not at.exception, [e.value for e in at.exception]


def test_any_two_models_offers_only_2d_opens_on_a_valid_pair_and_refuses_mixed_datasets(
    tmp_path, monkeypatch
):
    save_model(tmp_path, "mnist-vae-2d.pt")
    save_model(tmp_path, "mnist-vae-8d.pt", latent_dim=8)
    save_model(tmp_path, "fashion-mnist-vae-2d.pt", dataset="fashion-mnist")
    save_model(tmp_path, "mnist-ae-2d.pt", kind="ae")
    at = compare_tab(tmp_path, monkeypatch)
    at.radio(key="cmp_preset").set_value("any").run()
    offered = at.selectbox(key="cmp_a").options
    assert len(offered) == 3 and not any("8d" in o for o in offered)
    assert not at.warning  # it opens on two MNIST models, a pair it accepts
    at.selectbox(key="cmp_b").set_value(str(tmp_path / "fashion-mnist-vae-2d.pt")).run()
    assert any("same dataset" in w.value for w in at.warning)
    assert not at.exception


def test_first_pair_is_two_models_of_one_dataset():
    facts = {"f": {"dataset": "fashion-mnist"}, "a": {"dataset": "mnist"},
             "b": {"dataset": "mnist"}}  # fmt: skip
    assert compare.first_pair(["f", "a", "b"], facts) == ("a", "b")
    assert compare.first_pair(["f", "a"], facts) == ("f", "a")  # no pair: the first two


def test_lesson_fits_the_pair():
    enc = {"mu": np.random.default_rng(0).normal(size=(100, 2))}
    ae = {"kind": "ae", "beta": 1.0}
    vae = {"kind": "vae", "beta": 1.0}
    assert "has no KL term" in compare.lesson(ae, vae, enc, enc)
    assert "has no KL term" in compare.lesson(vae, ae, enc, enc)
    low, high = {**vae, "beta": 0.25}, {**vae, "beta": 4.0}
    assert "**Higher β (4)**" in compare.lesson(high, low, enc, enc)
    assert "same z" in compare.lesson(vae, vae, enc, enc)
    assert compare.describe(high) == "VAE, β = 4"
    assert compare.describe(ae) == "plain autoencoder (no KL)"


def test_a_click_in_compare_encodes_nothing_and_decodes_only_the_new_z(tmp_path, monkeypatch):
    """The tab's torch work is cached per model file: a rerun that changes nothing costs no
    encoding or decoding; a click decodes only its z (once per model), Resample only the
    new samples."""
    save_model(tmp_path, "mnist-vae-2d.pt")
    save_model(tmp_path, "mnist-ae-2d.pt", kind="ae")
    at = compare_tab(tmp_path, monkeypatch)
    calls: list[str] = []
    encode, decode = VAE.encode, VAE.decode
    monkeypatch.setattr(VAE, "encode", lambda self, x: calls.append("encode") or encode(self, x))
    monkeypatch.setattr(VAE, "decode", lambda self, z: calls.append("decode") or decode(self, z))
    at.run()
    assert calls == []
    at.session_state.cmp_pin = {"x": 0.25, "y": 0.75, "index": None, "label": None,
                                "nonce": 1, "source": "a"}  # fmt: skip
    at.run()
    assert "z = (0.250, 0.750)**, clicked on map A" in text(at)
    assert calls == ["decode", "decode"]  # that z, through each model
    calls.clear()
    at.button(key="cmp_resample").click().run()
    assert "seed 1" in text(at) and calls == ["decode", "decode"]  # the new samples only
