"""Checkpoints: round trip, atomic writes, and refusal of unsafe or broken files."""

import os
import pickle
import subprocess
import sys
import textwrap
import zipfile

import pytest
import torch

from vae.checkpoint import (
    FORMAT,
    FORMAT_VERSION,
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from vae.model import VAE, VAEConfig


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=3, arch="conv"))
    meta = {
        "dataset": "mnist",
        "train_images": 24680,
        "epochs": 2,
        "test": {"nelbo": 150.0, "recon": 144.0, "kl": 6.0},
    }
    path = save_checkpoint(tmp_path / "m.pt", model, meta, {"lr": 0.001})
    return path, model, meta


def test_round_trip_rebuilds_the_same_model(saved, batch):
    path, model, meta = saved
    ckpt = load_checkpoint(path)
    assert ckpt.config == model.config
    assert ckpt.meta == meta and ckpt.train == {"lr": 0.001}
    assert not ckpt.model.training
    model.eval()
    with torch.no_grad():
        assert torch.equal(ckpt.model.encode(batch)[0], model.encode(batch)[0])


def test_checkpoint_is_plain_data(saved):
    payload = torch.load(saved[0], weights_only=True)  # would raise on any non-plain object
    assert payload["format"] == FORMAT and payload["format_version"] == FORMAT_VERSION
    assert payload["config"] == saved[1].config.to_dict()


def test_no_temp_files_are_left_behind(saved):
    assert [p.name for p in saved[0].parent.iterdir()] == ["m.pt"]


def test_crash_during_write_keeps_the_old_checkpoint(saved, monkeypatch):
    path, _, _ = saved
    before = path.read_bytes()

    def crash(obj, f):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt  # e.g. Ctrl-C mid-write

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, VAE(), {"epochs": 99})
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["m.pt"]
    assert load_checkpoint(path).meta["epochs"] == 2


def test_killed_writer_process_never_leaves_a_partial_file(tmp_path):
    """SIGKILL a process while it writes; the target is absent or whole, never half."""
    path = tmp_path / "big.pt"
    script = textwrap.dedent(f"""
        import os, signal, torch
        from vae.checkpoint import save_checkpoint
        from vae.model import VAE, VAEConfig
        real_save = torch.save
        def save_then_die(obj, f):
            f.write(b"x" * 1000)
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        torch.save = save_then_die
        save_checkpoint({str(path)!r}, VAE(VAEConfig()), {{}})
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd(), timeout=120)
    assert result.returncode == -9
    assert not path.exists()


def test_pickled_code_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.pt"
    torch.save({"format": FORMAT, "format_version": 1, "payload": Exploit()}, path)
    with pytest.raises(CheckpointError, match="refused"):
        load_checkpoint(path)
    assert not marker.exists()


def test_raw_pickle_file_is_refused(tmp_path):
    path = tmp_path / "raw.pt"
    path.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(CheckpointError):
        load_checkpoint(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "corrupt or not a checkpoint"),
        (b"not a checkpoint at all", "corrupt or not a checkpoint"),
        ("truncated", "corrupt or not a checkpoint"),
    ],
)
def test_corrupt_files_get_a_clear_error(tmp_path, saved, content, message):
    path = tmp_path / "bad.pt"
    path.write_bytes(saved[0].read_bytes()[:5000] if content == "truncated" else content)
    with pytest.raises(CheckpointError, match=message) as info:
        load_checkpoint(path)
    assert str(path) in str(info.value)


def test_foreign_torch_file_is_refused(tmp_path):
    path = tmp_path / "foreign.pt"
    torch.save(VAE().state_dict(), path)  # a bare state_dict: loadable, but not ours
    with pytest.raises(CheckpointError, match="not a Latent Explorer checkpoint"):
        load_checkpoint(path)


def test_newer_format_is_refused(tmp_path, saved):
    payload = torch.load(saved[0], weights_only=True)
    payload["format_version"] = FORMAT_VERSION + 1
    torch.save(payload, tmp_path / "new.pt")
    with pytest.raises(CheckpointError, match="newer than this program"):
        load_checkpoint(tmp_path / "new.pt")


def test_weights_that_do_not_match_the_config_are_refused(tmp_path, saved):
    payload = torch.load(saved[0], weights_only=True)
    payload["config"]["latent_dim"] = 5
    torch.save(payload, tmp_path / "mismatch.pt")
    with pytest.raises(CheckpointError, match="does not match its config"):
        load_checkpoint(tmp_path / "mismatch.pt")


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "nope.pt")


def test_zip_with_wrong_contents_is_refused(tmp_path):
    path = tmp_path / "zip.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(CheckpointError, match="corrupt or not a checkpoint"):
        load_checkpoint(path)


def test_non_plain_metadata_is_refused_before_writing(tmp_path):
    from pathlib import Path

    with pytest.raises(TypeError, match=r"\['meta'\]\['where'\] is a PosixPath"):
        save_checkpoint(tmp_path / "x.pt", VAE(), {"where": Path("/tmp")})
    with pytest.raises(TypeError, match="TorchVersion"):
        save_checkpoint(tmp_path / "x.pt", VAE(), {"torch": torch.__version__})
    assert list(tmp_path.iterdir()) == []


def test_strip_removes_only_the_optimizer_state(tmp_path, capsys):
    from vae.checkpoint import main

    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=2, hidden=(64,)))
    optimizer = torch.optim.AdamW(model.parameters())
    model(torch.rand(4, 1, 28, 28))[0].sum().backward()  # any step fills Adam's moments
    optimizer.step()
    state = {"optimizer": optimizer.state_dict(), "raw_model": None}
    path = save_checkpoint(tmp_path / "m.pt", model, {"epochs": 3}, {"beta": 2.0}, state)
    assert main(["strip", str(path)]) == 0
    assert "MB ->" in capsys.readouterr().out
    ckpt = load_checkpoint(path)
    assert ckpt.train_state is None
    assert ckpt.meta == {"epochs": 3} and ckpt.train == {"beta": 2.0}
    for name, value in model.state_dict().items():
        assert torch.equal(ckpt.model.state_dict()[name], value)


def test_strip_reports_a_bad_file(tmp_path, capsys):
    from vae.checkpoint import main

    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    assert main(["strip", str(bad)]) == 1
    assert "corrupt or not a checkpoint" in capsys.readouterr().err
    assert bad.read_bytes() == b"not a checkpoint"
