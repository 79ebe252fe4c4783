"""vae-evaluate tells what it will compute and how long, shows progress, and has a quick
mode one flag away (with the defaults it runs for minutes on a CPU)."""

from __future__ import annotations

import json
import re

import pytest
import torch

from tests.test_jobs import data_root  # noqa: F401  (a fixture: tiny IDX files)
from vae.checkpoint import save_checkpoint
from vae.evaluate import main as evaluate_main
from vae.model import VAE, VAEConfig


@pytest.fixture
def tiny(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "tiny.pt"
    save_checkpoint(path, VAE(VAEConfig(latent_dim=2, hidden=(32,))), {"dataset": "mnist"})
    return path


def run(capsys, *args) -> tuple[dict, list[str]]:
    assert evaluate_main(list(args)) == 0
    out, err = capsys.readouterr()
    return json.loads(out), [line for line in re.split(r"[\r\n]+", err) if line.strip()]


def test_it_says_what_it_computes_and_how_long_then_shows_progress(
    tiny,
    data_root,  # noqa: F811
    capsys,
):
    args = ["--checkpoint", str(tiny), "--data-root", str(data_root), "--test-images", "40"]
    result, err = run(capsys, *args, "--k", "20", "--refine-steps", "2")
    first = err[0]
    assert first.startswith("vae-evaluate: tiny.pt on 40 test images: the ELBO, ")
    assert "refined by 2 steps" in first and "IWAE bound with K=20" in first
    assert re.search(r"roughly ~\d+ (s|min) here", first)
    assert "--quick: K=100, no refinement" in first  # the quick mode, named at once
    # a bar per part, each to the last image
    for part in ("ELBO:", "ELBO, q refined (2 steps):", "IWAE, K=20:"):
        assert any(line.startswith(part) and "40/40" in line for line in err), (part, err)
    assert result["test_images"] == 40 and result["refined"]["steps"] == 2
    assert "K=20" in result["iwae_estimator"]

    result, err = run(capsys, *args, "--quick")
    assert "the IWAE bound with K=100;" in err[0] and "refined" not in err[0]
    assert "--quick:" not in err[0]  # nothing quicker to offer
    assert "refined" not in result and "K=100, proposal: encoder q" in result["iwae_estimator"]


def test_help_names_the_quick_mode(capsys):
    with pytest.raises(SystemExit):
        evaluate_main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "takes minutes on a CPU; --quick is about ten times faster" in text
    assert "--quick" in text and "K=100 and no refinement" in text
