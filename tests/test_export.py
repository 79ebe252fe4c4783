"""The standalone explorer page: size, the embedded float16 decoder, errors and the CLI."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.conftest import current_umask
from vae import blobs, bundle, export, i18n, projection
from vae.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from vae.export import ExportError, build_data, export_html, main
from vae.latent import encode_images
from vae.model import VAE, VAEConfig
from vae.web import decode_reference

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "checkpoints" / "mnist-vae-2d.pt"
MAX_BYTES = 3_000_000


def page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="lx-data">(.*?)</script>', html, re.S)
    assert found, "no data element in the page"
    return json.loads(found.group(1))


def points_of(data: dict) -> tuple[np.ndarray, np.ndarray]:
    return blobs.read_points(base64.b64decode(data["points"]))


def decode_like_the_page(data: dict, z: np.ndarray) -> np.ndarray:
    """The page's decoder in numpy: the same half weights, float64 sums, sigmoid."""
    spec = data["decoder"]
    head = np.frombuffer(base64.b64decode(spec["data32"]), "<f4")
    tail = np.frombuffer(base64.b64decode(spec["data16"]), "<f2")
    assert len(head) == spec["float32"] and len(head) + len(tail) == spec["floats"]
    floats = np.concatenate([head.astype(np.float64), tail.astype(np.float64)])
    x = np.atleast_2d(np.asarray(z, np.float64))
    for i, layer in enumerate(spec["layers"]):
        w = floats[layer["weight"] : layer["weight"] + layer["in"] * layer["out"]]
        b = floats[layer["bias"] : layer["bias"] + layer["out"]]
        x = x @ w.reshape(layer["out"], layer["in"]).T + b
        x = np.maximum(x, 0) if i < len(spec["layers"]) - 1 else 1 / (1 + np.exp(-x))
    return x


@pytest.fixture(scope="module")
def shipped():
    return load_checkpoint(SHIPPED)


@pytest.fixture(scope="module")
def shipped_html(shipped, mnist):
    return export_html(shipped, mnist)


def tiny(path: Path, **config) -> Path:
    torch.manual_seed(0)
    model = VAE(VAEConfig(**{"latent_dim": 2, "hidden": (32,), **config}))
    save_checkpoint(path, model, {"dataset": "mnist", "epochs": 0})
    return path


def test_shipped_model_page_is_small_and_self_contained(shipped_html):
    assert len(shipped_html.encode("utf-8")) < MAX_BYTES
    # nothing that could load from elsewhere: no src/href to a URL, no fetch, no imports
    lowered = shipped_html.lower()
    for needle in ("src=", "http://", "https://", "fetch(", "xmlhttprequest", "@import"):
        assert needle not in lowered, needle
    assert not re.search(r"\burl\(", lowered)  # CSS url(); URL.createObjectURL( is local
    assert "default-src 'none'" in shipped_html  # and the CSP forbids it anyway


def test_page_holds_every_test_point(shipped, shipped_html, mnist):
    data = page_data(shipped_html)
    xy, labels = points_of(data)
    assert len(xy) == len(mnist.test)
    assert np.array_equal(labels, mnist.test.labels.numpy())
    mu = encode_images(shipped.model, mnist.test.float_images()).mu
    assert np.allclose(xy, mu, atol=1e-5)
    assert data["classes"] == [str(i) for i in range(10)]
    assert data["model"]["name"] == "mnist-vae-2d"
    assert data["model"]["test_nelbo"] == pytest.approx(shipped.meta["test"]["nelbo"], abs=0.01)


def test_float16_decoder_matches_torch(shipped, shipped_html):
    data = page_data(shipped_html)
    xy, _ = points_of(data)
    rng = np.random.default_rng(0)
    wide = rng.uniform(xy.min(0) - 1, xy.max(0) + 1, (2000, 2))  # empty space too
    z = np.concatenate([xy[::5], wide]).astype(np.float32)
    error = np.abs(decode_like_the_page(data, z) - decode_reference(shipped.model, z)).max()
    assert error < 1e-2
    # a VAE's small codes: most weights in float16 (the deeper 2-D model keeps its first
    # layer, 2 x 256 + 256 floats, in float32)
    total = sum(layer["in"] * layer["out"] + layer["out"] for layer in data["decoder"]["layers"])
    assert data["decoder"]["float32"] < total / 100
    assert error > 0  # the weights really are half precision
    assert data["decoder"]["max_error"] < 5e-3  # what the export measured itself


def test_autoencoder_keeps_leading_layers_float32(mnist):
    """A plain AE's codes reach |z| ~ 240: all-float16 weights would miss the budget. With the
    2-D VAE's network (784-512-512-256) it keeps more floats in float32 than the VAE, so its
    page may be a little larger (3.4 MB against 2.3)."""
    ckpt = load_checkpoint(ROOT / "checkpoints" / "mnist-ae-2d.pt")
    data = page_data(export_html(ckpt, mnist))
    spec = data["decoder"]
    assert spec["float32"] in [layer["weight"] for layer in spec["layers"][1:]]
    assert len(export_html(ckpt, mnist).encode()) < MAX_BYTES + 500_000
    xy, _ = points_of(data)
    rng = np.random.default_rng(1)
    z = np.concatenate([xy, rng.uniform(xy.min(0), xy.max(0), (3000, 2))]).astype(np.float32)
    assert np.abs(decode_like_the_page(data, z) - decode_reference(ckpt.model, z)).max() < 5e-3


def test_default_morph_is_a_typical_1_and_7(shipped_html):
    data = page_data(shipped_html)
    xy, labels = points_of(data)
    a, b = data["morph"]["a"], data["morph"]["b"]
    assert (a["label"], b["label"]) == ("1", "7")
    for end, label in ((a, 1), (b, 7)):
        assert labels[end["index"]] == label
        assert np.allclose(end["z"], xy[end["index"]])
        own = xy[labels == label]
        d = np.linalg.norm(own - np.median(own, 0), axis=1)
        assert np.linalg.norm(xy[end["index"]] - np.median(own, 0)) == pytest.approx(d.min())


def test_default_morph_without_ones_or_sevens():
    points = np.array([[0, 0], [1, 1], [2, 2]], np.float32)
    morph = projection.morph_defaults(points, np.array([0, 0, 3]), [str(i) for i in range(10)])
    assert {morph["a"]["index"], morph["b"]["index"]} == {0, 2}  # a "0" and the "3"
    empty = projection.morph_defaults(np.zeros((0, 2), np.float32), np.zeros(0), ["a", "b"])
    assert empty["a"]["index"] is None and empty["b"]["z"] == [0.0, 0.0]


def test_the_page_is_built_from_the_apps_map(tmp_path, small_mnist):
    """The export and the app's bundle share one builder: the same points, the same first
    morph (on a PCA plane: the two classes farthest apart, not a 1 and a 7 that overlap)."""
    path = tiny(tmp_path / "8d.pt", latent_dim=8)
    ckpt = load_checkpoint(path)
    data, summary = build_data(ckpt, small_mnist, "8d", pca=True)
    app = bundle.build_bundle(ckpt, small_mnist, path, tmp_path / "static", "pca")
    xy, labels = points_of(data)
    want_xy, want_labels = bundle.load_points(tmp_path / "static", app)
    np.testing.assert_array_equal(xy, want_xy)
    np.testing.assert_array_equal(labels, want_labels)
    for end in "ab":
        page, own = data["morph"][end], app.defaults[end]
        assert page["z"] == own["z"] and page["index"] == own["index"]
        assert page["label"] == small_mnist.classes[labels[own["index"]]]
    assert data["axes"] == app.axes and data["classes"] == app.classes
    assert data["plane"]["variance"] == pytest.approx(sum(app.pca["variance_ratio"][:2]))
    assert summary["points"] == len(small_mnist.test)


PAGE_KEYS = {
    "": ["format", "version", "model", "classes", "item", "credit", "notice", "axes", "plane",
         "decoder", "points", "morph", "exported"],
    "model": ["name", "dataset", "kind", "latent_dim", "hidden", "epochs", "train_images",
              "beta", "test_nelbo", "test_images", "created"],
    "decoder": ["layers", "floats", "activation", "output", "hash", "float32", "data32",
                "data16", "max_error"],
}  # fmt: skip


def test_the_page_gets_the_json_keys_it_reads(tmp_path, small_mnist):
    """vae/export_template.html reads these keys: building from the app's map renames none."""
    data, _ = build_data(load_checkpoint(tiny(tmp_path / "t.pt")), small_mnist, "t")
    assert sorted(data) == sorted(PAGE_KEYS[""])
    for key in ("model", "decoder"):
        assert sorted(data[key]) == sorted(PAGE_KEYS[key])
    assert sorted(data["morph"]) == ["a", "b"]
    assert all(sorted(data["morph"][e]) == ["index", "label", "z"] for e in "ab")
    assert data["plane"] is None and data["axes"] == ["z\u2081", "z\u2082"]


def test_names_cannot_break_out_of_the_data_element(tmp_path, small_mnist):
    ckpt = load_checkpoint(tiny(tmp_path / "t.pt"))
    html = export_html(ckpt, small_mnist, name="</script><script>alert(1)</script>")
    assert html.count("</script>") == 2  # the data element's and the code's, nothing else
    assert page_data(html)["model"]["name"] == "</script><script>alert(1)</script>"


def test_the_page_runs_the_shared_modules(shipped_html):
    """The page's script is the bundle of components/export_page/ and the core the app's map
    uses; the template itself holds layout and start-up only."""
    template = (ROOT / "vae" / "export_template.html").read_text()
    assert "__LX_SCRIPT__" in template and "function " not in template
    assert shipped_html.count("function makeDecoder(") == 1
    assert "// ---- page.js ----" in shipped_html and "// ---- decoder.js ----" in shipped_html
    # one definition of the decoder and of interpolation across the project's JS and HTML
    sources = [*(ROOT / "components").rglob("*.js"), *(ROOT / "vae").glob("*.html")]
    for name in ("makeDecoder", "interpolate"):
        defining = [p for p in sources if re.search(rf"function {name}\b", p.read_text())]
        assert [p.name for p in defining] == ["decoder.js"], name


@pytest.mark.parametrize("unsafe", ["</script>", "</SCRIPT >", "<!-- x"])
def test_a_script_that_would_end_its_element_is_refused(tmp_path, monkeypatch, unsafe):
    entry = tmp_path / "page.js"
    entry.write_text(f'export function start() {{ return "{unsafe}"; }}\n')
    monkeypatch.setattr(export, "PAGE_ENTRY", entry)
    data = {"model": {"name": "x"}}
    with pytest.raises(RuntimeError, match=r"page.js: .* in `function start.*` would end"):
        export.render(data)
    entry.write_text('export function start() { return "<\\/script>"; }\n')
    html = export.render(data)
    assert html.count("</script>") == 2
    assert page_data(html) == data


def test_conv_model_is_refused(tmp_path, small_mnist):
    path = tiny(tmp_path / "conv.pt", arch="conv")
    with pytest.raises(ExportError, match="conv decoder.*only MLP"):
        export_html(path, small_mnist)


def test_wider_latent_needs_pca(tmp_path, small_mnist):
    path = tiny(tmp_path / "8d.pt", latent_dim=8)
    with pytest.raises(ExportError, match="latent_dim 8.*--pca"):
        export_html(path, small_mnist)
    html = export_html(path, small_mnist, pca=True)
    data = page_data(html)
    assert data["plane"]["method"] == "PCA"
    assert data["decoder"]["layers"][0]["in"] == 2  # the PCA plane folded into layer 1
    assert data["axes"][0].startswith("PC 1")
    # a plane point decodes as its latent point does in torch
    from vae.projection import fit_pca

    ckpt = load_checkpoint(path)
    pca = fit_pca(encode_images(ckpt.model, small_mnist.test.float_images()).mu)
    p = np.array([[0.3, -0.2], [1.0, 0.5]])
    want = decode_reference(ckpt.model, pca.inverse_transform(p).astype(np.float32))
    assert np.abs(decode_like_the_page(data, p) - want).max() < 1e-2


def test_one_dimensional_latent_is_refused(tmp_path, small_mnist):
    path = tiny(tmp_path / "1d.pt", latent_dim=1)
    for pca in (False, True):
        with pytest.raises(ExportError, match="latent_dim 1"):
            export_html(path, small_mnist, pca=pca)


def test_bad_checkpoint_and_wrong_data(tmp_path, small_mnist):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="junk.pt"):
        export_html(junk, small_mnist)
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        export_html(tmp_path / "missing.pt", small_mnist)
    fashion = type(small_mnist)("fashion-mnist", small_mnist.train, small_mnist.test, source="x")
    with pytest.raises(ExportError, match="trained on mnist"):
        export_html(tiny(tmp_path / "t.pt"), fashion)


def test_cli_writes_the_shipped_model(tmp_path, capsys):
    out = tmp_path / "sub" / "explorer.html"
    assert main(["--checkpoint", str(SHIPPED), "--out", str(out)]) == 0
    assert out.is_file() and out.stat().st_size < MAX_BYTES
    assert out.stat().st_mode & 0o777 == 0o666 & ~current_umask()  # a page to share
    assert [p.name for p in out.parent.iterdir()] == ["explorer.html"]  # no temp file left
    said = capsys.readouterr().out
    assert "10,000 test points" in said and "MB" in said


def test_cli_exit_codes(tmp_path, capsys):
    out = tmp_path / "x.html"
    conv = tiny(tmp_path / "conv.pt", arch="conv")
    assert main(["--checkpoint", str(conv), "--out", str(out)]) == 2
    assert "only MLP decoders" in capsys.readouterr().err
    wide = tiny(tmp_path / "8d.pt", latent_dim=8)
    assert main(["--checkpoint", str(wide), "--out", str(out)]) == 2
    assert "--pca" in capsys.readouterr().err
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"\x00" * 10)
    assert main(["--checkpoint", str(junk), "--out", str(out)]) == 1
    assert "error:" in capsys.readouterr().err
    assert main(["--checkpoint", str(tmp_path / "missing.pt"), "--out", str(out)]) == 1
    assert "no such checkpoint" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(SystemExit) as e:
        main([])  # --checkpoint is required
    assert e.value.code == 2


def test_an_unknown_palette_is_refused_before_anything_is_loaded():
    with pytest.raises(export.ExportError, match="palette 'rainbow' is not one of default, cb"):
        export.export_html("no-such-model.pt", palette="rainbow")


def test_the_page_speaks_the_language_asked_for(tmp_path, small_mnist):
    """lang="zh": the page's <html lang> and the texts its script reads (map.* and export.*
    in Chinese); English by default; the page's data is otherwise the same."""
    ckpt = load_checkpoint(tiny(tmp_path / "t.pt"))
    en, zh = export_html(ckpt, small_mnist), export_html(ckpt, small_mnist, lang="zh")
    assert en.startswith('<!doctype html>\n<html lang="en">')
    assert zh.startswith('<!doctype html>\n<html lang="zh">')
    en_data, zh_data = page_data(en), page_data(zh)
    assert (en_data["lang"], zh_data["lang"]) == ("en", "zh")
    assert en_data["texts"] == i18n.texts("en", "map", "export")
    assert zh_data["texts"] == i18n.texts("zh", "map", "export")
    assert zh_data["texts"]["export.legend.title"] == "类别："
    assert {k.split(".")[0] for k in zh_data["texts"]} == {"map", "export"}
    for data in (en_data, zh_data):
        del data["texts"], data["lang"], data["exported"]
    assert en_data == zh_data
    # the words are the page's: the notice of a partial test set is numbers and a source
    assert zh_data["notice"] == {"images": len(small_mnist.test), "source": small_mnist.source}


def test_an_unknown_language_is_refused_before_anything_is_loaded():
    with pytest.raises(ExportError, match="language “fr” is not one of en, zh") as e:
        export_html("no-such-model.pt", lang="fr")
    assert i18n.localize(e.value, "zh") == "语言“fr”不是 en, zh 之一"
    with pytest.raises(ExportError, match="language “fr”"):
        export.render({"model": {"name": "x"}, "lang": "fr"})  # nor written into <html lang>


def test_cli_writes_a_chinese_page(tmp_path, capsys):
    out = tmp_path / "explorer.html"
    assert main(["--checkpoint", str(SHIPPED), "--out", str(out), "--lang", "zh"]) == 0
    html = out.read_text(encoding="utf-8")
    assert '<html lang="zh">' in html
    assert page_data(html)["texts"]["map.template.morph_title"] == "插值变形"
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main(["--checkpoint", str(SHIPPED), "--out", str(out), "--lang", "fr"])
    assert e.value.code == 2 and "invalid choice: 'fr'" in capsys.readouterr().err


def test_a_pca_page_names_its_axes_by_their_share_of_the_variance(tmp_path, small_mnist):
    """The page draws "PC 1 (…% var)" from the shares in its data, in its own language."""
    path = tiny(tmp_path / "8d.pt", latent_dim=8)
    data, _ = build_data(load_checkpoint(path), small_mnist, "8d", pca=True)
    shares = data["plane"]["axis_variance"]
    assert sum(shares) == pytest.approx(data["plane"]["variance"])
    assert data["axes"][0] == f"PC 1 ({100 * shares[0]:.0f}% var)"
