"""The live map's decoder weights (vae/jobs.py live_decoder): each epoch's map from a run
started in the app carries the decoder as the exported page packs it (float16), at most
every DECODER_EVERY seconds and always after the last epoch; the server keeps the latest
valid set, refuses a corrupt one, and publishes it for the other replicas."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from tests import test_jobs
from tests.test_jobs import config, wait
from vae import job_record, jobs
from vae.checkpoint import load_checkpoint
from vae.export import PRECISION_BUDGET, decode_stored
from vae.model import VAE, VAEConfig
from vae.replay import plane_of
from vae.train import Progress, TrainConfig
from vae.web import decode_reference

# the child's tiny data, and no run left going after a test (autouse)
data_root, no_job_left_running = test_jobs.data_root, test_jobs.no_job_left_running


def unpacked(record: dict) -> np.ndarray:
    """The weights as the page reads them (core/decoder.js unpackWeights), float64."""
    head = np.frombuffer(base64.b64decode(record["data32"]), "<f4")
    tail = np.frombuffer(base64.b64decode(record["data16"]), "<f2")
    assert len(head) == record["float32"] and len(head) + len(tail) == record["floats"]
    return np.concatenate([head, tail.astype("<f4")]).astype(np.float64)


def page_decodes(record: dict, z: np.ndarray) -> np.ndarray:
    return decode_stored(record["layers"], unpacked(record), z, record["activation"])


def test_a_runs_maps_carry_its_decoder_which_decodes_as_the_saved_model(tmp_path, data_root):
    job = jobs.start(config(data_root, epochs=2), tmp_path, owner="a")
    wait(job)
    assert job.status == "done", job.error
    # the last epoch's weights always go; the map entries stay small (no weights in them)
    assert job.decoder is not None and job.decoder["epoch"] == 2
    assert jobs.decoder_problem(job.decoder) is None
    assert all("decoder" not in s and s["plane"] is None for s in job.snapshots)  # 2-D
    model = load_checkpoint(job.path).model  # saved after epoch 2: that epoch's weights
    xy = np.reshape(job.snapshots[-1]["xy"], (-1, 2))
    z = np.concatenate([xy[::50], [[0, 0], [3, -3]]]).astype(np.float32)
    error = np.abs(page_decodes(job.decoder, z) - decode_reference(model, z)).max()
    assert error <= PRECISION_BUDGET
    assert error > 0  # float16: not the float32 weights themselves
    # another replica reads it from the shared folder
    seen = job_record.remote_job(tmp_path)
    assert seen.decoder is not None and seen.decoder["epoch"] == 2
    assert seen.decoder["data16"] == job.decoder["data16"]


def callback_run(model: VAE, epochs: int, monkeypatch, every: float) -> list[dict]:
    """The child's callback in this process (a stand-in channel): each epoch's map of 40
    random codes of `model`, as the trainer reports it; the snapshot events it sends."""
    monkeypatch.setattr(jobs, "DECODER_EVERY", every)
    sent: list[dict] = []
    channel = type(
        "Channel", (), {"stop": threading.Event(), "send": lambda s, **e: sent.append(e)}
    )
    callback = jobs._progress_callback(channel())
    rng = np.random.default_rng(0)
    d = model.config.latent_dim
    for epoch in range(1, epochs + 1):
        mu = torch.from_numpy(rng.normal(size=(40, d)) * [3] + [0.5] * d).to(torch.float16)
        snapshot = {"epoch": epoch, "indices": list(range(40)), "mu": mu, "nelbo": 150.0}
        test = {"nelbo": 150.0, "recon": 140.0, "kl": 10.0}
        callback(Progress(epoch, epochs, 4, 4, {"loss": 1.0}, test, 1.0, snapshot, model))
    return [e for e in sent if e["event"] == "snapshot"]


def test_weights_go_at_most_every_few_seconds_and_after_the_last_epoch(monkeypatch):
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=2, hidden=(32, 16)))
    maps = callback_run(model, 4, monkeypatch, every=3600)  # fast epochs
    assert [m["decoder"] is not None for m in maps] == [True, False, False, True]
    maps = callback_run(model, 3, monkeypatch, every=0)  # slow epochs: every one
    assert all(m["decoder"] is not None for m in maps)


def test_a_plane_s_points_decode_through_the_plane_sent_with_the_map(monkeypatch):
    """A 16-D run's map is its epoch's PCA plane; the decoder takes latent points and the
    page maps a point p of the plane to mean + p @ components (the plane sent)."""
    torch.manual_seed(0)
    model = VAE(TrainConfig(latent_dim=16).model_config())  # as the Train form's
    (event,) = callback_run(model, 1, monkeypatch, every=0)
    record, plane = event["decoder"], event["plane"]
    assert record["latent_dim"] == 16 and jobs.decoder_problem(record) is None
    mean, components = np.asarray(plane["mean"]), np.asarray(plane["components"])
    assert mean.shape == (16,) and components.shape == (2, 16)
    assert np.allclose(components @ components.T, np.eye(2), atol=1e-6)  # orthonormal
    xy = np.reshape(event["xy"], (-1, 2))
    z = mean + xy @ components  # the map's points, back in the latent space (on its plane)
    assert np.allclose(np.abs(plane_of(z)[1] @ components.T), np.eye(2), atol=1e-3)
    error = np.abs(page_decodes(record, z) - decode_reference(model, z.astype(np.float32))).max()
    assert error <= PRECISION_BUDGET


@pytest.mark.parametrize("latent_dim", [2, 16])
def test_the_weights_are_float16_and_about_a_megabyte_at_most(monkeypatch, latent_dim):
    torch.manual_seed(0)
    model = VAE(TrainConfig(latent_dim=latent_dim).model_config())  # the Train form's model
    (event,) = callback_run(model, 1, monkeypatch, every=0)
    record = event["decoder"]
    floats = sum(p.numel() for p in model.decoder.parameters())
    assert record["floats"] == floats and record["float32"] == 0  # all float16
    assert record["max_error"] <= PRECISION_BUDGET
    size = len(json.dumps(record))
    # 2 bytes a weight, as base64 (4/3), plus a little for the layers: ~0.8 MB here
    assert size <= 2 * floats * 4 / 3 + 2000, size
    assert size < 1_000_000


def test_a_conv_decoder_sends_its_map_without_weights(monkeypatch):
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=2, arch="conv"))
    (event,) = callback_run(model, 1, monkeypatch, every=0)
    assert event["decoder"] is None and len(event["xy"]) == 80


def valid_record() -> dict:
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=2, hidden=(8,)))
    return jobs.live_decoder(model, np.zeros((4, 2), np.float32), None)


def corrupt_records(good: dict) -> list:
    cut = base64.b64encode(base64.b64decode(good["data16"])[:-2]).decode()
    first = good["layers"][0]
    return [
        "weights",
        {**good, "data16": cut},
        {**good, "data16": "not base64!"},
        {**good, "floats": good["floats"] + 1},
        {**good, "float32": -1},
        {**good, "layers": []},
        {**good, "layers": [{**first, "weight": good["floats"]}, *good["layers"][1:]]},
        {**good, "layers": [first, first]},
        {**good, "latent_dim": 3},
    ]


def test_a_corrupt_decoder_record_is_refused_and_the_previous_one_kept(capsys):
    good = valid_record()
    job = jobs.TrainingJob(config=config(Path(".")), owner="a", status="running")
    snapshot = {"event": "snapshot", "epoch": 1, "xy": [0.0, 0.0], "nelbo": 1.0}
    job.apply({**snapshot, "decoder": good})
    assert job.decoder["epoch"] == 1
    for epoch, bad in enumerate(corrupt_records(good), start=2):
        assert jobs.decoder_problem(bad) is not None, bad
        job.apply({**snapshot, "epoch": epoch, "decoder": bad})
        assert job.decoder["epoch"] == 1  # the map still moves on; the decoder stays
        assert [s["epoch"] for s in job.snapshots][-1] == epoch
        assert f"epoch {epoch}'s decoder weights are ignored" in capsys.readouterr().err
    job.apply({**snapshot, "epoch": 20})  # a map without weights (throttled): kept too
    assert job.decoder["epoch"] == 1
    job.apply({**snapshot, "epoch": 21, "decoder": good})
    assert job.decoder["epoch"] == 21


def test_another_replica_never_shows_a_previous_runs_decoder(tmp_path):
    record = {"out": "new.pt", "status": "running", "epoch": 1, "epochs": 3}
    job_record.write(tmp_path, record, None, {"out": "old.pt", "decoder": valid_record()})
    assert job_record.remote_job(tmp_path).decoder is None
    job_record.write(tmp_path, record, None, {"out": "new.pt", "decoder": valid_record()})
    assert job_record.remote_job(tmp_path).decoder["floats"] == valid_record()["floats"]
