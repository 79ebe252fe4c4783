"""Take the explorer with you: the latent map of a model as ONE self-contained HTML file.

    python -m vae.export --checkpoint checkpoints/mnist-vae-2d.pt --out explorer.html [--lang zh]

The file holds the encoded test set (every test image's mu and label), the decoder's
weights and a decoder in plain JavaScript, so it works from file:// in any browser with
no Python, no server and no network: hover decodes live, a click pins a point, and a
slider morphs between two points. The map is drawn on a 2-D canvas (no plotly), and the
weights are float16 (half the bytes of float32; a VAE's decoded pixels stay within ~2e-3 of
torch's), so the shipped 2-D model gives a file of about 2.3 MB. The export measures that
error itself and keeps leading layers in float32 where float16 would miss (a plain
autoencoder's large codes), see pack_weights.

Only MLP decoders can run in the page (vae.web.mlp_decoder_layers). A latent space of more
than 2 dimensions is shown on the PCA plane of its encoded test set if asked (--pca): the
plane's affine map folds into the decoder's first layer (vae.web.export_decoder), so the
page decodes plane points as it decodes a 2-D latent space.

The page is vae/export_template.html (layout and a few lines of start-up); this module
fills in one JSON blob (the page's data, read from a <script type="application/json">
element, never executed) and the page's script: the bundle of components/export_page/page.js
and the core modules it shares with the app's map (vae/jsbundle.py).

The page speaks one language, English or Chinese (`lang`, vae/i18n.py's LANGS): its data
holds the catalog's texts for it (keys map.* and export.*, which the script reads with
core/i18n.js) and the page's <html lang> says it.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import re
import sys
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import numpy as np

from vae.blobs import points_blob
from vae.bundle import EncodedMap, encode_map
from vae.checkpoint import Checkpoint, CheckpointError, atomic_write, load_checkpoint
from vae.data import DatasetError, Splits, load_splits
from vae.datasets import dataset_credit, dataset_item, dataset_title
from vae.i18n import LANGS, msg, texts
from vae.jsbundle import bundle
from vae.model import VAE
from vae.web import decode_reference, export_decoder, mlp_decoder_layers

TEMPLATE = "export_template.html"
PLACEHOLDER = "__LX_DATA__"
SCRIPT_PLACEHOLDER = "__LX_SCRIPT__"
LANG_PLACEHOLDER = "__LX_LANG__"
# The page's script: this ES module and the modules it imports, bundled when a page is written.
PAGE_ENTRY = Path(__file__).resolve().parents[1] / "components" / "export_page" / "page.js"
# What would end or confuse the HTML parser's <script> element if it were in the script.
UNSAFE_IN_SCRIPT = re.compile(r"</script|<!--", re.IGNORECASE)
EXPORT_FORMAT = "latent-explorer-html-export"
# How far the page's decoding (float16 weights, float64 sums) may be from torch's, in
# pixel intensity; the canvas then rounds to 1/255 (0.002), still well inside 1e-2.
PRECISION_BUDGET = 5e-3
FULL_TEST_SIZE = 10_000  # MNIST's and Fashion-MNIST's
GELU_C = math.sqrt(2 / math.pi)  # GELU's tanh form, as torch's and the page's


class ExportError(ValueError):
    """This model cannot be exported to a page (conv decoder, wrong latent size, ...)."""


def check_exportable(model: VAE, pca: bool = False) -> None:
    """Raise ExportError, saying why and what would work, unless the page can run `model`."""
    c = model.config
    if mlp_decoder_layers(model) is None:
        raise ExportError(
            f"this model has a {c.arch} decoder; only MLP decoders (Linear, ReLU or GELU layers) "
            "can run in a standalone page. Export an MLP model (--arch mlp)."
        )
    if c.latent_dim == 2:
        return
    if c.latent_dim > 2 and pca:
        return
    if c.latent_dim > 2:
        raise ExportError(
            f"this model has latent_dim {c.latent_dim}; the page maps a 2-D latent space. "
            "Pass --pca (pca=True) to show its test set on the PCA plane instead."
        )
    raise ExportError(f"this model has latent_dim {c.latent_dim}; the page needs 2 dimensions")


def decode_stored(
    layers: list[dict], floats: np.ndarray, z: np.ndarray, activation: str = "relu"
) -> np.ndarray:
    """What the page computes: Linear layers with the activation ("relu", or "gelu" in its
    tanh form) between them, then a sigmoid, sums in float64.

    layers: the manifest's [{in, out, weight, bias}] offsets into `floats`; z (N, in).
    """
    x = np.atleast_2d(np.asarray(z, np.float64))
    for i, layer in enumerate(layers):
        w = floats[layer["weight"] : layer["weight"] + layer["in"] * layer["out"]]
        b = floats[layer["bias"] : layer["bias"] + layer["out"]]
        x = x @ w.reshape(layer["out"], layer["in"]).T + b
        if i == len(layers) - 1:
            x = 1 / (1 + np.exp(-x))
        elif activation == "gelu":
            x = 0.5 * x * (1 + np.tanh(GELU_C * (x + 0.044715 * x**3)))
        else:
            x = np.maximum(x, 0)
    return x


def pack_weights(
    blob: bytes,
    layers: list[dict],
    z: np.ndarray,
    reference: np.ndarray,
    activation: str = "relu",
) -> dict:
    """The decoder's weights for the page: as few float32 as keep it within the budget.

    Every layer in float16 halves the bytes, and for a VAE's small codes the decoded
    pixels stay within ~2e-3 of torch's. A plain autoencoder's codes reach |z| ~ 150,
    and the first layers' rounding then grows; so the leading layers are kept float32,
    one more at a time, until decoding the check points z (N, in) is within
    PRECISION_BUDGET of `reference` (torch's decoding of them, (N, 784)).
    Returns {float32: leading floats stored as float32, data32, data16 (base64), max_error}.
    """
    floats = np.frombuffer(blob, dtype="<f4")
    cuts = [0] + [layer["weight"] for layer in layers[1:]] + [len(floats)]
    for cut in cuts:
        halves = floats[cut:].astype("<f2")
        if not np.all(np.isfinite(halves)):
            continue  # a weight too large for float16: keep more in float32
        stored = np.concatenate([floats[:cut], halves.astype("<f4")]).astype(np.float64)
        decoded = decode_stored(layers, stored, z, activation)
        error = float(np.abs(decoded - reference).max()) if len(z) else 0
        if error <= PRECISION_BUDGET or cut == len(floats):
            break
    return {
        "float32": cut,
        "data32": base64.b64encode(floats[:cut].tobytes()).decode("ascii"),
        "data16": base64.b64encode(halves.tobytes()).decode("ascii"),
        "max_error": error,
    }


def check_points(points: np.ndarray, n_grid: int = 40, every: int = 4) -> np.ndarray:
    """Where the precision is checked: every 4th test code and a grid over the map (+10%)."""
    if len(points) == 0:
        return np.zeros((0, 2), np.float32)
    lo, hi = points.min(0), points.max(0)
    pad = 0.1 * np.maximum(hi - lo, 1e-3)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], n_grid)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], n_grid)
    grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    return np.concatenate([points[::every], grid]).astype(np.float32)


def model_facts(ckpt: Checkpoint, name: str, n_test: int) -> dict:
    c = ckpt.config
    meta = ckpt.meta or {}
    test = meta.get("test") or {}
    beta = (ckpt.train or {}).get("beta")
    facts = {
        "name": name,
        "dataset": dataset_title(meta.get("dataset", "mnist")),
        "kind": "VAE" if c.kind == "vae" else "plain autoencoder",
        "latent_dim": c.latent_dim,
        "hidden": list(c.hidden),
        "epochs": meta.get("epochs"),
        "train_images": meta.get("train_images"),
        "beta": float(beta) if isinstance(beta, int | float) and c.kind == "vae" else None,
        "test_nelbo": float(test["nelbo"]) if isinstance(test.get("nelbo"), int | float) else None,
        "test_images": n_test,
        "created": meta.get("created"),
    }
    return facts


def build_data(ckpt: Checkpoint, splits: Splits, name: str, pca: bool = False) -> tuple[dict, dict]:
    """The page's data (JSON-ready) and a summary for the command line.

    The test set is encoded and laid on its plane by the app's own builder
    (vae.bundle.encode_map); `page_data` writes that in the page's JSON.
    """
    check_exportable(ckpt.model, pca)
    encoded = encode_map(ckpt, splits, "pca" if pca else "latent")
    exported = export_decoder(ckpt.model, encoded.affine)
    assert exported is not None  # check_exportable made sure
    blob, manifest = exported
    weights = packed_decoder(ckpt.model, encoded, blob, manifest)
    data = page_data(encoded, model_facts(ckpt, name, len(encoded.labels)), weights, splits)
    summary = {
        "points": len(encoded.labels),
        "weights": manifest["floats"],
        "float32": weights["float32"],
        "max_error": weights["max_error"],
        "plane": data["plane"],
    }
    return data, summary


def packed_decoder(model: VAE, encoded: EncodedMap, blob: bytes, manifest: dict) -> dict:
    """The decoder for the page: its manifest and weights packed by pack_weights, checked
    against torch on points of the map and a grid over it."""
    z = check_points(encoded.plane.xy)
    affine = encoded.affine
    latent = z if affine is None else (affine[0] + z.astype(np.float64) @ affine[1])
    reference = decode_reference(model, latent.astype(np.float32))
    weights = pack_weights(blob, manifest["layers"], z, reference, manifest["activation"])
    keys = ("layers", "floats", "activation", "output", "hash")
    return {**{k: manifest[k] for k in keys}, **weights}


def page_data(encoded: EncodedMap, facts: dict, decoder: dict, splits: Splits) -> dict:
    """The JSON the page reads (vae/export_template.html), from the app's encoded map.

    Keys: format, version, model (model_facts), classes, item, credit, notice ({images,
    source} when the test set is shown in part, else None), axes, plane ({method, variance,
    axis_variance} on a PCA plane, else None), decoder (packed_decoder), points (base64 of
    vae/blobs.py points_blob), morph ({a, b}: {z, index (-1: none), label}), exported (the
    date). The words are the page's own (localized adds the texts).
    """
    plane, n = encoded.plane, len(encoded.labels)
    variance = None if plane.pca is None else float(plane.pca.variance_ratio[:2].sum())
    shares = None if plane.pca is None else [float(v) for v in plane.pca.variance_ratio[:2]]
    return {
        "format": EXPORT_FORMAT,
        "version": 1,
        "model": facts,
        "classes": encoded.classes,
        "item": dataset_item(splits.name),
        "credit": dataset_credit(splits.name),
        # splits.notice speaks of the exporting machine's training files; the page only
        # needs to say when its test set is not the whole one
        "notice": {"images": n, "source": splits.source} if n < FULL_TEST_SIZE else None,
        "axes": plane.axis_titles(),
        "plane": None
        if variance is None
        else {"method": "PCA", "variance": variance, "axis_variance": shares},
        "decoder": decoder,
        "points": base64.b64encode(points_blob(plane.xy, encoded.labels)).decode("ascii"),
        "morph": page_morph(encoded),
        "exported": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def page_morph(encoded: EncodedMap) -> dict:
    """The app's first morph (projection.morph_defaults) as the page names its ends: the
    class name as label (the page adds " #index"), index -1 for no test image."""

    def end(e: dict) -> dict:
        i = e["index"]
        if i is None:
            return {"z": e["z"], "index": -1, "label": e["label"]}
        return {"z": e["z"], "index": i, "label": encoded.classes[int(encoded.labels[i])]}

    defaults = encoded.morph_defaults()
    return {"a": end(defaults["a"]), "b": end(defaults["b"])}


def page_script(entry: Path | None = None) -> str:
    """The page's JavaScript (a classic script): the bundle of `entry` (PAGE_ENTRY).

    Raises RuntimeError if the code holds "</script" or "<!--", which would end the
    page's <script> element early (or change how the rest is parsed): the HTML parser
    looks for them before JavaScript ever runs, even inside a string or a comment.
    """
    entry = entry or PAGE_ENTRY
    if not entry.is_file():
        raise RuntimeError(f"the page's script {entry} is missing (run from the repository)")
    script = bundle(entry, module=False)
    found = UNSAFE_IN_SCRIPT.search(script)
    if found:
        before = script[: found.start()]
        modules = re.findall(r"^// ---- (\S+) ----$", before, re.MULTILINE)
        line = script[before.rfind("\n") + 1 :].partition("\n")[0].strip()
        raise RuntimeError(
            f"{modules[-1] if modules else entry.name}: {found.group(0)!r} in `{line}` would "
            "end the exported page's <script> early; write it as '<\\/script' or '<\\!--' "
            "in a string"
        )
    return script


def check_lang(lang: str) -> None:
    """Raise ExportError unless the page can speak `lang` (vae/i18n.py LANGS)."""
    if lang not in LANGS:
        raise ExportError(msg("export.errors.lang", lang=str(lang), langs=", ".join(LANGS)))


def localized(data: dict, lang: str) -> dict:
    """The page's data with the texts its script shows, in `lang`: the catalog's map.*
    (shared with the app's map) and export.* entries (core/i18n.js reads them)."""
    check_lang(lang)
    return {**data, "lang": lang, "texts": texts(lang, "map", "export")}


def render(data: dict) -> str:
    """The template with `data` in its JSON script element, safe against `</script>`, the
    page's script (page_script) in the other, and data["lang"] (else English) as the
    page's <html lang>."""
    template = resources.files("vae").joinpath(TEMPLATE).read_text(encoding="utf-8")
    for placeholder in (PLACEHOLDER, SCRIPT_PLACEHOLDER, LANG_PLACEHOLDER):
        if template.count(placeholder) != 1:
            raise RuntimeError(f"{TEMPLATE} must hold {placeholder} exactly once")
    lang = data.get("lang", "en")
    check_lang(lang)  # never anything but a known code in the attribute
    payload = json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    # Inside a JSON string these escapes mean the same characters, and the HTML parser
    # then never sees "</script>" or "<!--" in the data, whatever a model's name holds.
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    fill = {PLACEHOLDER: payload, SCRIPT_PLACEHOLDER: page_script(), LANG_PLACEHOLDER: lang}
    # one pass, so no filling is searched for another's placeholder
    return re.sub("|".join(fill), lambda m: fill[m.group(0)], template)


def _load(source: str | Path | Checkpoint) -> tuple[Checkpoint, str]:
    if isinstance(source, Checkpoint):
        return source, source.path.stem if source.path else "model"
    ckpt = load_checkpoint(source)
    return ckpt, Path(source).stem


def export_html(
    checkpoint: str | Path | Checkpoint,
    splits: Splits | None = None,
    *,
    pca: bool = False,
    name: str | None = None,
    palette: str = "default",
    lang: str = "en",
) -> str:
    """The standalone explorer page of a checkpoint (a path or a loaded Checkpoint).

    splits: the dataset whose test set is mapped; loaded from the checkpoint's dataset
    name if None (the app passes the splits it already holds). Raises CheckpointError
    for an unreadable checkpoint, ExportError for a model the page cannot run, and
    DatasetError if the data cannot be found. palette: the classes' colours, "default" or
    "cb" (colour-blind-safe; components/latent_map/core/palette.js), as the app shows them.
    lang: the page's language, one of vae/i18n.py's LANGS ("en", "zh").
    """
    if palette not in ("default", "cb"):
        raise ExportError(f"palette {palette!r} is not one of default, cb")
    check_lang(lang)
    ckpt, default_name = _load(checkpoint)
    check_exportable(ckpt.model, pca)  # before loading any data
    dataset = (ckpt.meta or {}).get("dataset", "mnist")
    if splits is None:
        splits = load_splits(dataset)
    elif splits.name != dataset:
        raise ExportError(f"the model was trained on {dataset} but the data given is {splits.name}")
    data, _ = build_data(ckpt, splits, name or default_name, pca)
    data["palette"] = palette
    return render(localized(data, lang))


def main(argv: list[str] | None = None) -> int:
    """Write a model's latent explorer as one HTML file that works offline.

    Exit codes: 0 written; 1 the checkpoint or data could not be read, or the file not
    written; 2 bad arguments, or a model the page cannot run (conv decoder, latent size).
    """
    p = argparse.ArgumentParser(
        prog="python -m vae.export",
        description="Write a model's latent map, decoder and morph slider as one "
        "self-contained HTML file that works offline from file://.",
    )
    p.add_argument("--checkpoint", required=True, help="a .pt checkpoint with an MLP decoder")
    p.add_argument("--out", default="explorer.html", help="the HTML file to write")
    p.add_argument(
        "--pca",
        action="store_true",
        help="for latent_dim > 2: map the test set on its PCA plane (decodes on that plane)",
    )
    p.add_argument("--name", help="the model's name on the page (default: the file's stem)")
    p.add_argument("--lang", choices=LANGS, default="en", help="the page's language")
    args = p.parse_args(argv)
    try:
        ckpt, default_name = _load(args.checkpoint)
        check_exportable(ckpt.model, args.pca)
        splits = load_splits((ckpt.meta or {}).get("dataset", "mnist"))
        data, summary = build_data(ckpt, splits, args.name or default_name, args.pca)
        html = render(localized(data, args.lang)).encode("utf-8")
        atomic_write(args.out, lambda f: f.write(html))  # mode: 0666 less the umask
    except ExportError as e:
        print(f"error: {args.checkpoint}: {e}", file=sys.stderr)
        return 2
    except (CheckpointError, DatasetError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: {args.out}: could not write ({e.strerror or e})", file=sys.stderr)
        return 1
    plane = summary["plane"]
    where = f" on its PCA plane ({100 * plane['variance']:.0f}% of the variance)" if plane else ""
    print(
        f"wrote {args.out}: {len(html) / 1e6:.2f} MB, {summary['points']:,} test points{where}, "
        f"{summary['weights']:,} decoder weights ({summary['float32']:,} as float32, the rest "
        f"float16; pixels within {summary['max_error']:.4f} of torch's)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
