"""Model facts read without torch, broken checkpoints, and the picker's order and labels."""

from __future__ import annotations

import subprocess
import sys

import torch

from vae import catalog
from vae.checkpoint import save_checkpoint
from vae.model import VAE, VAEConfig


def save(folder, name, latent_dim=2, kind="vae", beta=1.0, dataset="mnist"):
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=latent_dim, kind=kind, hidden=(16,)))
    test = {"nelbo": 150.0, "recon": 140.0, "kl": 10.0}
    save_checkpoint(folder / name, model, {"dataset": dataset, "epochs": 3, "test": test},
                    train={"beta": beta})  # fmt: skip
    return str(folder / name)


def test_facts_are_recorded_once_and_read_back_without_torch(tmp_path):
    path = save(tmp_path, "m.pt")
    records = tmp_path / "records"
    facts = catalog.facts(path, records)
    assert facts["latent_dim"] == 2 and facts["kind"] == "vae" and facts["broken"] is None
    assert facts["test"]["nelbo"] == 150.0 and facts["epochs"] == 3
    code = (
        "import sys; from vae import catalog; "
        f"f = catalog.facts({path!r}, {str(records)!r}); print(f['name'], 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["m", "False"]


def test_a_replaced_file_gets_new_facts(tmp_path):
    path = save(tmp_path, "m.pt")
    assert catalog.facts(path, tmp_path)["latent_dim"] == 2
    import os

    save(tmp_path, "m.pt", latent_dim=3)
    os.utime(path, (1e9, 1e9))  # a new version of the file: another mtime
    assert catalog.facts(path, tmp_path)["latent_dim"] == 3


def test_a_broken_checkpoint_says_why_without_the_servers_path(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    facts = catalog.facts(bad, tmp_path / "records")
    assert facts["broken"].startswith("corrupt or not a checkpoint")
    assert str(tmp_path) not in facts["broken"]
    assert catalog.short_label(facts) == "⚠ bad (broken)"


def test_models_sort_by_dataset_kind_size_and_beta(tmp_path):
    names = {
        "f": save(tmp_path, "fashion-mnist-vae-2d.pt", dataset="fashion-mnist"),
        "16": save(tmp_path, "mnist-vae-16d.pt", latent_dim=16),
        "ae": save(tmp_path, "mnist-ae-2d.pt", kind="ae"),
        "b4": save(tmp_path, "mnist-vae-2d-beta4.pt", beta=4.0),
        "2": save(tmp_path, "mnist-vae-2d.pt"),
    }
    facts = {k: catalog.facts(p, tmp_path / "r") for k, p in names.items()}
    order = sorted(facts, key=lambda k: catalog.sort_key(facts[k]))
    assert order == ["2", "b4", "16", "ae", "f"]
    assert catalog.short_label(facts["b4"]) == "VAE 2-D β 4 · mnist-vae-2d-beta4"
    assert catalog.short_label(facts["ae"]) == "AE 2-D · mnist-ae-2d"


def test_loss_line_fits_the_model():
    vae = {"kind": "vae", "test": {"nelbo": 137.41, "recon": 130.41, "kl": 7.0}}
    ae = {"kind": "ae", "test": {"nelbo": 132.39, "recon": 132.39, "kl": 0.0}}
    assert catalog.loss_line(vae).startswith("test −ELBO: 137.41 = 130.41 recon + 7.00 KL")
    assert catalog.loss_line(ae).startswith("test reconstruction loss: 132.39")
    assert "ELBO:" not in catalog.loss_line(ae)
    assert catalog.loss_line({"kind": "vae", "test": {}}) == "test loss: not recorded"


def test_list_models_ignores_hidden_and_other_files(tmp_path):
    save(tmp_path, "a.pt")
    (tmp_path / ".a.pt.123.tmp").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    assert [p.split("/")[-1] for p in catalog.list_models(tmp_path)] == ["a.pt"]
    assert catalog.list_models(tmp_path / "missing") == []
