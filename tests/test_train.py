"""The trainer and its CLI: reproducibility, resume, interruption, progress, bad flags."""

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import torch

from vae.checkpoint import load_checkpoint
from vae.device import mps_available
from vae.evaluate import iwae_nll
from vae.evaluate import main as evaluate_main
from vae.train import StopTraining, TrainConfig, learning_rate, random_shift, train
from vae.train import main as train_main


def quick(tmp_path, name="m.pt", **kw) -> TrainConfig:
    values = {"epochs": 2, "batch_size": 100, "hidden": (64, 32), "out": str(tmp_path / name)}
    return TrainConfig(**{**values, **kw})


def weights(path) -> dict:
    return load_checkpoint(path).model.state_dict()


def test_training_lowers_the_test_loss_and_records_metadata(tmp_path, small_mnist):
    path = train(quick(tmp_path, epochs=3), small_mnist, show_progress=False)
    meta = load_checkpoint(path).meta
    assert meta["dataset"] == "mnist" and meta["train_images"] == 2000
    assert meta["epochs"] == 3 and not meta["interrupted"]
    history = [h["test"]["nelbo"] for h in meta["history"]]
    assert history[-1] < history[0] < 550  # 543 nats = uniform 0.5 pixels
    assert set(meta["test"]) == {"nelbo", "recon", "kl"}
    assert meta["test"]["nelbo"] == pytest.approx(meta["test"]["recon"] + meta["test"]["kl"])
    assert meta["created"].endswith("+00:00")


def test_same_seed_same_weights_other_seed_other_weights(tmp_path, small_mnist):
    a = weights(train(quick(tmp_path, "a.pt"), small_mnist, show_progress=False))
    b = weights(train(quick(tmp_path, "b.pt"), small_mnist, show_progress=False))
    c = weights(train(quick(tmp_path, "c.pt", seed=1), small_mnist, show_progress=False))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


@pytest.mark.parametrize("ema", [0.0, 0.9])
def test_resume_continues_exactly_like_an_uninterrupted_run(tmp_path, small_mnist, ema):
    full_cfg = quick(tmp_path, "full.pt", epochs=3, ema=ema)
    full = weights(train(full_cfg, small_mnist, show_progress=False))

    def stop_after_first_epoch(progress):
        if progress.test is not None and progress.epoch == 1:
            raise StopTraining

    half = quick(tmp_path, "half.pt", epochs=3, ema=ema)
    with pytest.raises(StopTraining):
        train(half, small_mnist, callback=stop_after_first_epoch, show_progress=False)
    assert load_checkpoint(half.out).meta["interrupted"]
    resumed = quick(tmp_path, "resumed.pt", epochs=3, ema=ema, resume=half.out)
    out = weights(train(resumed, small_mnist, show_progress=False))
    assert all(torch.allclose(full[k], out[k], atol=1e-6) for k in full)
    assert load_checkpoint(resumed.out).meta["epochs"] == 3


def test_ema_saves_the_average_and_keeps_the_raw_weights_for_resume(tmp_path, small_mnist):
    path = train(quick(tmp_path, ema=0.9, weight_decay=0.01), small_mnist, show_progress=False)
    ckpt = load_checkpoint(path)
    raw = ckpt.train_state["raw_model"]
    saved = ckpt.model.state_dict()
    assert raw is not None and set(raw) == set(saved)
    assert not all(torch.equal(raw[k], saved[k]) for k in saved)
    assert ckpt.train["ema"] == 0.9 and ckpt.train["weight_decay"] == 0.01


def test_progress_callback_sees_batches_and_epoch_metrics(tmp_path, small_mnist):
    seen = []
    train(quick(tmp_path, limit_batches=3), small_mnist, callback=seen.append, show_progress=False)
    assert [(p.epoch, p.batch) for p in seen] == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]
    ends = [p for p in seen if p.test is not None]
    assert [p.epoch for p in ends] == [1, 2]
    assert all(p.batches == 3 and p.epochs == 2 for p in seen)
    assert ends[-1].train["loss"] > 0 and ends[-1].seconds > 0


def test_keyboard_interrupt_leaves_a_valid_checkpoint(tmp_path, small_mnist):
    def ctrl_c(progress):
        if progress.epoch == 2 and progress.batch == 5:
            raise KeyboardInterrupt

    cfg = quick(tmp_path, epochs=4)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, small_mnist, callback=ctrl_c, show_progress=False)
    ckpt = load_checkpoint(cfg.out)
    assert ckpt.meta["interrupted"] and ckpt.meta["epochs"] == 1
    assert ckpt.train_state["optimizer"] is not None


def test_every_epoch_writes_a_checkpoint_that_says_the_run_is_unfinished(tmp_path, small_mnist):
    cfg = quick(tmp_path, epochs=3, limit_batches=3)
    on_disk = []

    def look(progress):  # the epoch's checkpoint is written before it is reported
        if progress.test is not None and progress.epoch < cfg.epochs:
            ckpt = load_checkpoint(cfg.out)
            on_disk.append((ckpt.meta["epochs"], ckpt.meta["interrupted"]))
            assert ckpt.train_state["optimizer"] is not None and "model" not in ckpt.train_state

    train(cfg, small_mnist, callback=look, show_progress=False)
    assert on_disk == [(1, True), (2, True)]
    final = load_checkpoint(cfg.out).meta
    assert final["epochs"] == 3 and not final["interrupted"] and len(final["history"]) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]  # no temp files left


@pytest.mark.parametrize("ema", [0.0, 0.9])
def test_an_interrupt_mid_epoch_keeps_the_latest_weights_and_resumes_exactly(
    tmp_path, small_mnist, ema
):
    full_cfg = quick(tmp_path, "full.pt", epochs=3, ema=ema)
    full = weights(train(full_cfg, small_mnist, show_progress=False))

    def ctrl_c(progress):
        if progress.epoch == 2 and progress.batch == 5:
            raise KeyboardInterrupt

    half = quick(tmp_path, "half.pt", epochs=3, ema=ema)
    with pytest.raises(KeyboardInterrupt):
        train(half, small_mnist, callback=ctrl_c, show_progress=False)
    ckpt = load_checkpoint(half.out)
    assert ckpt.meta["interrupted"] and ckpt.meta["epochs"] == 1
    end_of_epoch_1 = ckpt.train_state["model"]  # what --resume continues from
    latest = ckpt.model.state_dict()  # five batches further: what the user gets to look at
    assert not all(torch.equal(latest[k], end_of_epoch_1[k]) for k in latest)
    resumed = quick(tmp_path, "resumed.pt", epochs=3, ema=ema, resume=half.out)
    out = weights(train(resumed, small_mnist, show_progress=False))
    assert all(torch.allclose(full[k], out[k], rtol=0, atol=1e-6) for k in full)


def test_learning_rate_warms_up_then_decays():
    cfg = TrainConfig(epochs=10, lr=1e-3, warmup_epochs=1)
    lrs = [learning_rate(cfg, step, 100) for step in range(1000)]
    assert lrs[0] < lrs[50] < lrs[99] == pytest.approx(1e-3)
    assert lrs[999] == pytest.approx(2e-5, rel=0.01)
    assert all(a >= b for a, b in zip(lrs[100:], lrs[101:], strict=False))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"epochs": 0},
        {"beta": -1},
        {"beta": float("nan")},
        {"lr": 0},
        {"batch_size": 0},
        {"latent_dim": 0},
        {"arch": "rnn"},
        {"dataset": "cifar"},
        {"limit_batches": 0},
        {"ema": 1.0},
        {"weight_decay": -1},
        {"encoder_shift": 9},
        {"adam_beta2": 1.0},
        {"eval_images": -1},
        {"device": "tpu"},
    ],
)
def test_absurd_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        TrainConfig(**kwargs)


def test_cli_end_to_end_on_a_few_batches_then_evaluate(tmp_path, capsys):
    out = tmp_path / "cli.pt"
    code = train_main(
        [
            "--epochs",
            "1",
            "--limit-batches",
            "3",
            "--latent-dim",
            "2",
            "--arch",
            "conv",
            "--beta",
            "0.5",
            "--seed",
            "7",
            "--out",
            str(out),
        ]
    )
    assert code == 0 and f"saved {out}" in capsys.readouterr().out
    ckpt = load_checkpoint(out)
    assert ckpt.config.arch == "conv" and ckpt.train["beta"] == 0.5 and ckpt.train["seed"] == 7
    assert evaluate_main(["--checkpoint", str(out), "--k", "10", "--refine-steps", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"nelbo", "recon", "kl", "iwae_nll", "iwae_estimator", "refined"} <= set(result)
    assert result["refined"]["steps"] == 3
    assert result["test_images"] == 10_000 and "K=10" in result["iwae_estimator"]
    assert result["nelbo"] == pytest.approx(result["recon"] + result["kl"])
    assert result["iwae_nll"] <= result["nelbo"] + 1.0  # a tighter bound than the ELBO


def test_cli_reports_bad_flags_and_files_clearly(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        train_main(["--epochs", "0"])
    assert info.value.code == 2 and "--epochs: must be in 1..500, got 0" in capsys.readouterr().err
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    assert evaluate_main(["--checkpoint", str(bad)]) == 2
    assert "corrupt or not a checkpoint" in capsys.readouterr().err
    assert train_main(["--data-root", str(tmp_path), "--out", str(tmp_path / "x.pt")]) == 2
    assert "no mnist IDX files" in capsys.readouterr().err


def tensors(tree) -> list[torch.Tensor]:
    if isinstance(tree, torch.Tensor):
        return [tree]
    items = tree.values() if isinstance(tree, dict) else tree if isinstance(tree, list) else []
    return [t for item in items for t in tensors(item)]


def test_cpu_runs_as_before_and_its_checkpoint_reloads_identically(tmp_path, small_mnist):
    path = train(quick(tmp_path, "cpu.pt", device="cpu", ema=0.9), small_mnist, show_progress=False)
    payload = torch.load(path, weights_only=True)
    stored = tensors(payload["model"]) + tensors(payload["train_state"])
    assert len(stored) > 20 and all(t.device.type == "cpu" for t in stored)
    ckpt = load_checkpoint(path)
    assert ckpt.train["device"] == "cpu"
    reloaded = ckpt.model.state_dict()
    assert all(torch.equal(reloaded[k], v) for k, v in payload["model"].items())
    # through a device run and back: --resume of a finished run re-saves the same weights
    again = quick(tmp_path, "again.pt", device="cpu", ema=0.9, resume=str(path))
    assert all(
        torch.equal(reloaded[k], v)
        for k, v in weights(train(again, small_mnist, show_progress=False)).items()
    )
    if not (torch.cuda.is_available() or mps_available()):  # auto is the CPU here
        auto = train(quick(tmp_path, "auto.pt", ema=0.9), small_mnist, show_progress=False)
        assert all(torch.equal(reloaded[k], v) for k, v in weights(auto).items())


def test_cli_device_flag_for_training_and_evaluation(tmp_path, capsys):
    out = tmp_path / "cpu.pt"
    args = ["--device", "cpu", "--epochs", "1", "--limit-batches", "2", "--hidden", "32"]
    assert train_main([*args, "--out", str(out)]) == 0
    assert f"saved {out}" in capsys.readouterr().out
    assert load_checkpoint(out).train["device"] == "cpu"
    assert (
        evaluate_main(
            ["--checkpoint", str(out), "--device", "cpu", "--k", "2", "--refine-steps", "0"]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["iwae_nll"] > 0


@pytest.mark.parametrize(
    ("device", "present"), [("cuda", torch.cuda.is_available()), ("mps", mps_available())]
)
def test_a_device_torch_cannot_see_is_a_clear_error(tmp_path, capsys, device, present):
    if present:
        pytest.skip(f"this machine has {device}")
    out = tmp_path / "never.pt"
    assert train_main(["--device", device, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"vae-train: error: {device} was asked for but torch sees no" in err, err
    assert "Traceback" not in err and not out.exists()
    assert evaluate_main(["--checkpoint", str(out), "--device", device]) == 2
    assert f"{device} was asked for but torch sees no" in capsys.readouterr().err


def test_iwae_tightens_with_more_samples(tmp_path, small_mnist):
    path = train(quick(tmp_path, epochs=2), small_mnist, show_progress=False)
    model = load_checkpoint(path).model
    x = small_mnist.test.float_images()[:200]
    k1 = iwae_nll(model, x, k=1).mean().item()
    k100 = iwae_nll(model, x, k=100).mean().item()
    assert k100 < k1


def test_module_entry_point_and_sigint(tmp_path):
    """`python -m vae.train`, interrupted by a real SIGINT, exits 130 with a valid checkpoint."""
    out = tmp_path / "sigint.pt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "vae.train", "--epochs", "200", "--hidden", "32", "--out", str(out)],
        stderr=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
        # as a shell starts a background job (`vae-train ... &`): SIGINT ignored on entry
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    deadline = time.time() + 120
    seen = False
    for line in iter(proc.stderr.readline, ""):  # wait until the first epoch finished
        if "epoch   1 " in line.replace("\r", "\n"):
            seen = True
            break
        assert time.time() < deadline, "no epoch report on stderr within 120 s"
    assert seen and proc.poll() is None, "the epoch report must come while training runs"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    ckpt = load_checkpoint(out)
    assert ckpt.meta["interrupted"] and ckpt.meta["epochs"] >= 1


def test_importing_vae_is_light():
    code = "import sys, vae; print('torch' in sys.modules, 'torchvision' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_random_shift_moves_each_image_within_bounds(batch):
    generator = torch.Generator().manual_seed(0)
    shifted = random_shift(batch, 2, generator)
    assert shifted.shape == batch.shape
    for original, moved in zip(batch, shifted, strict=True):
        candidates = [
            original.roll((dy, dx), dims=(1, 2)) for dy in range(-2, 3) for dx in range(-2, 3)
        ]
        assert any(torch.equal(moved, c) for c in candidates)
    again = random_shift(batch, 2, torch.Generator().manual_seed(0))
    assert torch.equal(shifted, again)
    assert not torch.equal(shifted, batch)


def test_iwae_with_a_refined_proposal_is_at_least_as_tight(tmp_path, small_mnist):
    path = train(quick(tmp_path, epochs=2), small_mnist, show_progress=False)
    model = load_checkpoint(path).model
    x = small_mnist.test.float_images()[:100]
    plain = iwae_nll(model, x, k=50).mean().item()
    refined = iwae_nll(model, x, k=50, refine_steps=20).mean().item()
    assert refined < plain + 0.2, (plain, refined)


def test_encoder_shift_changes_only_how_the_encoder_learns(tmp_path, small_mnist):
    plain = weights(
        train(quick(tmp_path, "a.pt", limit_batches=5), small_mnist, show_progress=False)
    )
    shifted = train(
        quick(tmp_path, "b.pt", limit_batches=5, encoder_shift=1), small_mnist, show_progress=False
    )
    assert load_checkpoint(shifted).train["encoder_shift"] == 1
    changed = {k for k, v in weights(shifted).items() if not torch.equal(v, plain[k])}
    assert any(k.startswith("encoder.") for k in changed)


class TrainingProcess:
    """`python -m vae.train ARGS` in a subprocess, its stderr read by a thread, so a test
    can wait for a line with a deadline instead of blocking on the pipe forever."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vae.train", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,  # universal newlines: tqdm's \r redraws come as lines too
            cwd=os.getcwd(),
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)  # end of stream: the process is gone

    def _next(self, deadline: float) -> str | None:
        line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
        if line is not None:
            self.lines.append(line)
        return line

    def wait_for(self, pattern: str, timeout: float = 300) -> str:
        """The first stderr line matching `pattern`; fails on timeout or exit before it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._next(deadline)
            except queue.Empty:
                self.proc.kill()
                pytest.fail(f"no stderr line matching {pattern!r} within {timeout} s")
            if line is None:
                pytest.fail(f"exited ({self.proc.wait()}) before {pattern!r}: {self.lines[-5:]}")
            if re.search(pattern, line):
                return line

    def finish(self, timeout: float = 300) -> int:
        """Wait for the exit (killing it after `timeout`), read the rest of stderr."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail(f"still running {timeout} s after it was told to stop")
        deadline = time.monotonic() + 60
        while self._next(deadline) is not None:
            pass
        return code

    def epochs_reported(self) -> int:
        found = [re.match(r"epoch +(\d+) +test nelbo", line) for line in self.lines]
        return max((int(m.group(1)) for m in found if m), default=0)


EPOCH_LINE = r"^epoch +1 +test nelbo"  # the trainer saves each epoch before reporting it


def test_sigterm_saves_a_checkpoint_and_exits_cleanly(tmp_path):
    """`kill PID` (schedulers, `docker stop`) must not lose the run: like Ctrl-C, it saves
    and exits with 128 + SIGTERM, no traceback."""
    out = tmp_path / "sigterm.pt"
    child = TrainingProcess(
        "--epochs", "200", "--limit-batches", "20", "--hidden", "32", "--out", str(out)
    )
    child.wait_for(EPOCH_LINE)
    assert child.proc.poll() is None, "the run must still be going when it is terminated"
    child.proc.send_signal(signal.SIGTERM)
    assert child.finish() == 128 + signal.SIGTERM
    saved = [line for line in child.lines if f"saved {out}" in line]
    assert len(saved) == 1 and "SIGTERM" in saved[0], child.lines[-5:]
    assert not any("Traceback" in line for line in child.lines)
    ckpt = load_checkpoint(out)
    assert ckpt.meta["interrupted"] and 1 <= ckpt.meta["epochs"] < 200
    assert ckpt.train_state["optimizer"] is not None and "model" in ckpt.train_state


def test_sigkill_loses_at_most_the_epoch_in_progress_and_resume_is_exact(tmp_path):
    """After `kill -9` the file on disk is the last finished epoch's checkpoint, and
    --resume from it ends with the weights of an uninterrupted run of the same seed."""
    epochs = 10
    args = ["--epochs", str(epochs), "--limit-batches", "20", "--hidden", "256", "--seed", "3"]
    killed = tmp_path / "killed.pt"
    child = TrainingProcess(*args, "--out", str(killed))
    child.wait_for(EPOCH_LINE)
    child.proc.kill()
    assert child.finish() == -signal.SIGKILL, "the run must still be going when it is killed"
    ckpt = load_checkpoint(killed)
    done = ckpt.meta["epochs"]
    # epoch N's report comes after its save; N + 1 may have been saved but not reported
    assert child.epochs_reported() <= done <= child.epochs_reported() + 1
    assert 1 <= done < epochs and len(ckpt.meta["history"]) == done
    assert ckpt.train_state["optimizer"] is not None

    def run(*extra: str) -> dict:
        subprocess.run(
            [sys.executable, "-m", "vae.train", *args, *extra],
            cwd=os.getcwd(),
            capture_output=True,
            check=True,
            timeout=600,
        )
        return load_checkpoint(extra[-1])

    full = run("--out", str(tmp_path / "full.pt"))
    resumed = run("--resume", str(killed), "--out", str(tmp_path / "resumed.pt"))
    assert resumed.meta["epochs"] == epochs and not resumed.meta["interrupted"]
    a, b = full.model.state_dict(), resumed.model.state_dict()
    assert all(torch.allclose(a[k], b[k], rtol=0, atol=1e-6) for k in a)
    tests = [h["test"] for h in full.meta["history"]]
    assert [h["test"] for h in resumed.meta["history"]] == [pytest.approx(t) for t in tests]


def test_checkpoints_keep_a_snapshot_of_the_map_per_epoch_from_epoch_0(tmp_path, small_mnist):
    seen = []
    cfg = quick(tmp_path, epochs=3, limit_batches=3, eval_images=200)
    path = train(cfg, small_mnist, callback=seen.append, show_progress=False)
    raw = torch.load(path, map_location="cpu", weights_only=True)  # plain data and tensors
    snapshots = raw["meta"]["snapshots"]
    assert [s["epoch"] for s in snapshots] == [0, 1, 2, 3]  # 0: the untrained model
    first = snapshots[0]["indices"]
    assert len(first) == 500 == len(set(first))  # 2,000, or all of a smaller test set
    assert first == sorted(first) and first[0] >= 0 and first[-1] < 500
    for s in snapshots:
        assert s["indices"] == first  # the same images every epoch
        assert s["mu"].dtype == torch.float16 and s["mu"].shape == (500, 2)
        assert isinstance(s["nelbo"], float)
    assert not torch.equal(snapshots[0]["mu"], snapshots[-1]["mu"])  # the map moved
    history = raw["meta"]["history"]
    assert [s["nelbo"] for s in snapshots[1:]] == [h["test"]["nelbo"] for h in history]
    assert [h["test_images"] for h in history] == [200, 200, 500]  # the last: all of them
    assert raw["meta"]["test"] == history[-1]["test"]
    # the callback gets each epoch's snapshot with its test metrics
    ends = [p for p in seen if p.test is not None]
    assert [p.snapshot["epoch"] for p in ends] == [1, 2, 3]
    assert all(p.snapshot is None for p in seen if p.test is None)
    assert torch.equal(ends[-1].snapshot["mu"], snapshots[-1]["mu"])
    # the means are the encoder's, for the indexed test images
    model = load_checkpoint(path).model
    mu, _ = model.encode(small_mnist.test.float_images()[first])
    assert torch.allclose(mu.half().float(), snapshots[-1]["mu"].float())


def test_the_same_snapshot_images_in_every_run_and_a_resume_keeps_earlier_ones(
    tmp_path, small_mnist
):
    def stop_after_first_epoch(progress):
        if progress.test is not None and progress.epoch == 1:
            raise StopTraining

    full = train(quick(tmp_path, "full.pt", limit_batches=3), small_mnist, show_progress=False)
    half = quick(tmp_path, "half.pt", limit_batches=3, seed=3)
    with pytest.raises(StopTraining):
        train(half, small_mnist, callback=stop_after_first_epoch, show_progress=False)
    assert [s["epoch"] for s in load_checkpoint(half.out).meta["snapshots"]] == [0, 1]
    before = load_checkpoint(half.out).meta["snapshots"]
    resumed = quick(tmp_path, "resumed.pt", limit_batches=3, seed=3, resume=half.out)
    after = load_checkpoint(train(resumed, small_mnist, show_progress=False)).meta["snapshots"]
    assert [s["epoch"] for s in after] == [0, 1, 2]
    assert all(torch.equal(a["mu"], b["mu"]) for a, b in zip(before, after, strict=False))
    other = load_checkpoint(full).meta["snapshots"]
    assert other[0]["indices"] == after[0]["indices"]  # another seed, the same images


@pytest.mark.parametrize(
    ("flag", "value", "limit"),
    [("--epochs", "10000", "1..500"), ("--beta", "1000", "[0, 20]"), ("--lr", "0", "(0, 1]"),
     ("--latent-dim", "4096", "1..128"), ("--ema", "1", "[0, 1)")],
)  # fmt: skip
def test_an_absurd_flag_is_an_argparse_error_naming_its_limit(capsys, flag, value, limit):
    with pytest.raises(SystemExit) as info:
        train_main([flag, value])
    err = capsys.readouterr().err
    assert info.value.code == 2 and f"argument {flag}: must be in {limit}, got {value}" in err


def test_the_parser_is_built_from_the_configs_fields():
    """Every TrainConfig field is a flag with its default and help; a field added to the
    config is a flag without more code."""
    from dataclasses import fields

    from vae.train import build_parser

    parser = build_parser()
    actions = {a.dest: a for a in parser._actions if a.dest != "help"}
    assert set(actions) == {f.name for f in fields(TrainConfig)}
    defaults = TrainConfig()
    for name, action in actions.items():
        want = getattr(defaults, name)
        assert action.default == (list(want) if isinstance(want, tuple) else want), name
        assert action.help, name
    assert "1..500" in actions["epochs"].help and actions["arch"].choices == ("mlp", "conv")
    assert TrainConfig(**vars(parser.parse_args([])) | {"hidden": defaults.hidden}) == defaults


def test_the_config_refuses_what_the_flags_refuse():
    with pytest.raises(ValueError, match=re.escape("epochs must be in 1..500, got 10000")):
        TrainConfig(epochs=10_000)
    with pytest.raises(ValueError, match=re.escape("beta must be in [0, 20], got 1000")):
        TrainConfig(beta=1000)
