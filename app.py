"""Latent Explorer: see and touch what a variational autoencoder learned on MNIST.

    streamlit run app.py

UI only. The science lives in `vae/` (never imports streamlit); the live map,
which decodes under the pointer in the browser, is `components/latent_map/`.

Start-up order matters: importing torch takes about two seconds, so on a warm
cache the map is mounted first from small files on disk (the browser then loads
plotly.js and the weights while Python imports torch), and the rest of the page
follows.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import streamlit as st

from vae import share  # no torch: the link is read before the model loads

ROOT = Path(__file__).resolve().parent
# The folder of models the picker lists (an environment variable lets tests use another).
CHECKPOINTS = Path(os.environ.get("LATENT_EXPLORER_CHECKPOINTS", ROOT / "checkpoints"))
DEFAULT_MODEL = CHECKPOINTS / "mnist-vae-2d.pt"
STATIC = ROOT / "static"  # served at /app/static/ (server.enableStaticServing)
STATIC_URL = "app/static"
COMPONENT = ROOT / "components" / "latent_map"
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif"]
ELBO_SAMPLES = 8
ELBO_REFERENCE = 2000  # test digits scored to place a user's ELBO (enough for a percentile)
POSTERIOR_SAMPLES = 8  # decodings of z ~ q(z|x) shown for one image
NEIGHBOURS = 8  # nearest encoded test digits shown for one latent point

st.set_page_config(page_title="Latent Explorer", page_icon="🔢", layout="wide")

for key, value in {
    "model_path": str(DEFAULT_MODEL),
    "pin": None,  # last clicked latent point: {x, y, index, label}
    "morph_a": None,  # morph endpoints: {z: [x, y], label}
    "morph_b": None,
    "digit": None,  # the user's encoded digit (drawn or uploaded)
    "digit_error": None,
    "canvas_hash": None,
    "upload_id": None,
    "pick_seed": 0,
    "grid": None,
    "session_id": None,
    "link_read": False,  # the view in the URL is applied once, on the session's first run
    "link_notice": None,  # what of that link could not be used
    "projection": "pca",  # how a latent space of more than 2 dimensions is laid on the map
}.items():
    st.session_state.setdefault(key, value)
if st.session_state.session_id is None:
    st.session_state.session_id = hashlib.sha1(str(id(st.session_state)).encode()).hexdigest()[:8]


# ---- cached resources (shared by every session, never mutated) --------------------------------
@st.cache_resource(show_spinner=False)
def map_component():
    """The latent map, registered once per server."""
    return st.components.v2.component(
        "latent_explorer.latent_map",
        js=(COMPONENT / "map.js").read_text(),
        css=(COMPONENT / "map.css").read_text(),
        isolate_styles=False,  # Plotly styles itself from the document head
    )


@st.cache_resource(show_spinner=False)
def plotly_js_name() -> str:
    """The plotly.js the map loads from ./static (no CDN).

    The 1.6 MB gl2d bundle that scripts/fetch_plotly.py puts there if it could (the map
    is drawn ~1.2 s sooner), else a copy of the full one inside the plotly package.
    """
    smaller = sorted(STATIC.glob("plotly-gl2d-*.min.js"))
    if smaller:
        return smaller[-1].name
    name = f"plotly-{importlib.metadata.version('plotly')}.min.js"
    target = STATIC / name
    if not target.is_file():
        STATIC.mkdir(exist_ok=True)
        package = Path(importlib.util.find_spec("plotly").origin).parent
        source = package / "package_data" / "plotly.min.js"
        shutil.copyfile(source, target.with_suffix(".tmp"))
        target.with_suffix(".tmp").replace(target)
    return name


@st.cache_resource(show_spinner="Loading the model…", max_entries=4)
def get_checkpoint(path: str, mtime: float) -> Checkpoint:
    return load_checkpoint(path)


@st.cache_resource(show_spinner="Loading the dataset…")
def get_splits(name: str) -> Splits:
    return load_splits(name)


@st.cache_resource(show_spinner="Encoding the test set…", max_entries=4)
def get_encoded(path: str, mtime: float) -> dict:
    """mu/logvar of the test set, and the browser's files for one model (see map_assets)."""
    ckpt = get_checkpoint(path, mtime)
    splits = get_splits(ckpt.meta.get("dataset", "mnist"))
    encoded = latent.encode_images(ckpt.model, splits.test.float_images())
    labels = splits.test.labels.numpy()
    out = {"mu": encoded.mu, "logvar": encoded.logvar, "labels": labels, "assets": None}
    if ckpt.config.latent_dim == 2:
        STATIC.mkdir(exist_ok=True)
        assets = {
            "points": web.write_asset(
                STATIC, "points", ".bin", web.points_blob(encoded.mu, labels)
            ),
            "sigma": web.write_asset(STATIC, "sigma", ".bin", web.sigma_blob(encoded.logvar))
            if encoded.logvar is not None
            else None,
            "decoder": web.write_decoder(ckpt.model, STATIC),
            "classes": splits.classes,
            "item": DATASETS[splits.name]["item"],
            "defaults": morph_defaults(encoded.mu, labels, splits.classes),
        }
        write_map_assets(path, mtime, assets)
        out["assets"] = assets
    return out


def morph_defaults(
    xy: np.ndarray, labels: np.ndarray, classes: list[str], projected: bool = False
) -> dict:
    """The first morph: from the first test 1 to the first test 7, at their map positions.

    On a projected plane a 1 and a 7 can overlap (the 8-D VAE's PCA puts them together),
    so there it runs between the two classes that lie farthest apart on the plane.
    """
    if projected:
        picks = projection.distant_examples(xy, labels)
    else:
        picks = [int(np.flatnonzero(labels == d)[0]) if (labels == d).any() else 0 for d in (1, 7)]
    defaults = {}
    for which, i in zip(("a", "b"), picks, strict=True):
        label = classes[int(labels[i])]
        defaults[which] = {"z": [float(v) for v in xy[i]], "label": f"#{i} “{label}”"}
    return defaults


@st.cache_resource(show_spinner=False, max_entries=8)
def get_plane(path: str, mtime: float, method: str) -> projection.Plane:
    """The map's plane for a model: its latent space if 2-D, else a projection of the test μ.

    t-SNE and UMAP are also kept on disk (static/projections/, named by a hash of μ), so a
    restarted server never pays for them again, and a retrained model never gets stale ones.
    """
    mu = get_encoded(path, mtime)["mu"]
    return projection.make_plane(mu, method, cache=STATIC / "projections")


@st.cache_resource(show_spinner=False, max_entries=8)
def get_plane_assets(path: str, mtime: float, method: str) -> dict:
    """The map's files for a model of more than 2 latent dimensions, seen through a projection.

    PCA: the points are the projected μ and the decoder has the PCA inverse folded in
    (vae/web.py), so the page decodes any point of the plane. t-SNE/UMAP: the page
    gets the full μ and the plain decoder, and decodes the test digit nearest the pointer.
    """
    ckpt = get_checkpoint(path, mtime)
    enc = get_encoded(path, mtime)
    plane = get_plane(path, mtime, method)
    splits = get_splits(ckpt.meta.get("dataset", "mnist"))
    classes = splits.classes
    pca = plane.pca
    STATIC.mkdir(exist_ok=True)
    affine = (pca.mean, pca.components) if pca is not None else None
    return {
        "points": web.write_asset(
            STATIC, "points", ".bin", web.points_blob(plane.xy, enc["labels"])
        ),
        "decoder": web.write_decoder(ckpt.model, STATIC, affine=affine),
        "classes": classes,
        "item": DATASETS[splits.name]["item"],
        "defaults": morph_defaults(plane.xy, enc["labels"], classes, projected=True),
        "axes": plane.axis_titles(),
        "decode_mode": "plane" if plane.invertible else "nearest",
        "mu": None
        if plane.invertible
        else web.write_asset(STATIC, "mu", ".bin", web.matrix_blob(enc["mu"])),
        "pca": None
        if pca is None
        else {"mean": pca.mean.tolist(), "components": pca.components.tolist()},
    }


def write_map_assets(path: str, mtime: float, assets: dict) -> None:
    """Record the map's files for the fast path; only the newest record per model is kept."""
    stem = assets_stem(path, mtime)
    name = web.write_asset(STATIC, stem, ".json", json.dumps(assets).encode())
    for old in STATIC.glob(f"{stem}-*.json"):
        if old.name != name:
            old.unlink(missing_ok=True)


def assets_stem(path: str, mtime: float) -> str:
    key = hashlib.sha1(f"{Path(path).resolve()}|{mtime}".encode()).hexdigest()[:16]
    return f"map-{key}"


def map_assets(path: str, mtime: float) -> dict | None:
    """The map's files for a model from an earlier run, read without torch; None if absent."""
    for found in STATIC.glob(f"{assets_stem(path, mtime)}-*.json"):
        try:
            assets = json.loads(found.read_text())
        except (OSError, ValueError):
            return None
        files = [assets["points"]] + ([assets["decoder"]["file"]] if assets["decoder"] else [])
        files += [assets["sigma"]] if assets.get("sigma") else []
        if all((STATIC / f).is_file() for f in files):
            return assets
    return None


@st.cache_resource(show_spinner="Scoring the test set…", max_entries=4)
def get_test_elbo(path: str, mtime: float) -> np.ndarray:
    ckpt = get_checkpoint(path, mtime)
    splits = get_splits(ckpt.meta.get("dataset", "mnist"))
    x = splits.test.float_images()[:ELBO_REFERENCE]
    scores = [latent.elbo(ckpt.model, batch, ELBO_SAMPLES)[0] for batch in x.split(500)]
    return np.concatenate(scores)


def mtime(path: str) -> float:
    try:
        return Path(path).stat().st_mtime
    except OSError:
        return 0.0


def crisp(image: np.ndarray, scale: int = 8) -> bytes:
    return render.png_bytes(image, scale)


# ---- callbacks (run before the script, so the map gets this run's state) ------------------
def on_map_click() -> None:
    click = map_state().get("click")
    if click:
        st.session_state.pin = {k: click.get(k) for k in ("x", "y", "index", "label", "nonce")}
        st.session_state.link_notice = None  # the view is the user's own now


def forget_points() -> None:
    """Another projection is another plane: points picked on the old one mean nothing here."""
    st.session_state.update(pin=None, morph_a=None, morph_b=None, grid=None)


def set_endpoint(which: str) -> None:
    pin = st.session_state.pin
    if pin:
        name = f"#{pin['index']} “{pin['label']}”" if pin.get("index") is not None else "clicked"
        st.session_state[f"morph_{which}"] = {"z": [pin["x"], pin["y"]], "label": name}


def endpoint_from_digit(which: str) -> None:
    st.session_state[f"morph_{which}"] = st.session_state.get(f"pick_{which}_target")


def use_digit_as(which: str, xy: list[float] | None = None) -> None:
    """xy: the digit's place on the map when that is not its μ (a projected latent space)."""
    digit = st.session_state.digit
    if digit:
        st.session_state[f"morph_{which}"] = {"z": xy or digit["mu"][:2], "label": "your digit"}


# ---- the link: the view lives in the query string (see vae/share.py) --------------------------
def read_link(models: list[str]) -> None:
    """On a session's first run, before the map is mounted: open the view the URL names."""
    if st.session_state.link_read:
        return
    st.session_state.link_read = True
    by_name = {Path(p).name: p for p in models}
    view, notices = share.parse_link(st.query_params.to_dict(), by_name)
    if view.model:
        st.session_state.model_path = by_name[view.model]
    st.session_state.map_model = st.session_state.model_path  # so the linked points are kept
    if view.pin:
        x, y = view.pin  # label None: filled in (and the index checked) by resolve_linked_pin
        st.session_state.pin = {"x": x, "y": y, "index": view.index, "label": None, "nonce": None}
    for which, z in (("a", view.a), ("b", view.b)):
        if z:
            st.session_state[f"morph_{which}"] = {"z": list(z), "label": "from the link"}
    if view.path:
        st.session_state.morph_method = view.path
    st.session_state.link_notice = notices or None


def write_link() -> None:
    """Keep the URL in step with the view, so the address bar is always a link to it.

    Only the keys vae.share owns are touched; other query keys are left as they are.
    """
    pin, a, b = st.session_state.pin, st.session_state.morph_a, st.session_state.morph_b
    method = st.session_state.get("morph_method")
    view = share.LinkView(
        model=Path(st.session_state.model_path).name,
        pin=(pin["x"], pin["y"]) if pin else None,
        index=pin.get("index") if pin else None,
        a=tuple(a["z"][:2]) if a else None,
        b=tuple(b["z"][:2]) if b else None,
        path=method if method and method != "linear" else None,
    )
    wanted, current = share.link_query(view), st.query_params.to_dict()
    for key in share.KEYS:
        if key in wanted and current.get(key) != wanted[key]:
            st.query_params[key] = wanted[key]
        elif key not in wanted and key in current:
            del st.query_params[key]


def resolve_linked_pin(enc: dict, splits: Splits, plane: projection.Plane) -> None:
    """A pin from a link names a test digit by number: check it, then take its place and class.

    Its place is on the map's plane (the projected μ for a model of more than 2 dimensions).
    """
    pin = st.session_state.pin
    if not pin or pin.get("index") is None or pin.get("label") is not None:
        return
    i = int(pin["index"])
    if i < len(enc["mu"]):
        x, y = (float(v) for v in plane.xy[i])
        label = splits.classes[int(enc["labels"][i])]
        st.session_state.pin = {**pin, "x": x, "y": y, "label": label}
    else:
        st.session_state.pin = {**pin, "index": None}
        notice = f"i = {i} is past the last test digit (#{len(enc['mu']) - 1})"
        st.session_state.link_notice = (st.session_state.link_notice or []) + [notice]
    write_link()


def link_notice() -> None:
    if st.session_state.link_notice:
        st.warning(
            "Parts of this link were ignored: " + "; ".join(st.session_state.link_notice) + ".",
            icon=":material/link_off:",
        )


def sidebar_share(enc: dict, splits: Splits) -> None:
    st.sidebar.header("Share")
    st.sidebar.caption(
        "The address bar always holds this view (model, clicked point, morph): copy it to "
        "share what you see."
    )
    columns = "index, label, class, μ" + (", σ" if enc["logvar"] is not None else "")
    st.sidebar.download_button(
        "Latent coordinates (CSV)",
        lambda: share.latent_csv(enc["mu"], enc["logvar"], enc["labels"], splits.classes),
        f"{Path(st.session_state.model_path).stem}-latent.csv",
        "text/csv",
        key="dl_latent_csv",
        help=f"Every test image encoded by this model, one row each: {columns} per dimension.",
    )


# ---- model picker -----------------------------------------------------------------------------
def checkpoint_summary(path: str, mtime: float) -> tuple[str, str | None]:
    """(one line for the picker, dataset name or None if unreadable), from the cached facts."""
    facts = compare_view.model_facts(path, mtime)
    if facts is None:
        return f"{Path(path).name} (unreadable)", None
    test = facts["test"]
    nelbo = f", test loss {test['nelbo']:.1f}" if "nelbo" in test else ""
    beta = f" β={facts['beta']:g}" if facts["kind"] == "vae" and facts["beta"] != 1.0 else ""
    label = (
        f"{facts['name']} · {facts['kind'].upper()} {facts['arch']} "
        f"z={facts['latent_dim']}{beta}{nelbo}"
    )
    return label, facts["dataset"]


def models_by_dataset(options: list[str]) -> dict[str, list[str]]:
    """Checkpoint paths grouped by the dataset they were trained on (unreadable ones apart)."""
    groups: dict[str, list[str]] = {}
    for path in options:
        dataset = checkpoint_summary(path, mtime(path))[1] or "unreadable"
        groups.setdefault(dataset, []).append(path)
    return groups


def pick_dataset() -> None:
    """A new dataset: switch to its main model (the <dataset>-vae-2d one if shipped)."""
    paths = models_by_dataset(list_models()).get(st.session_state.dataset, [])
    main = [p for p in paths if Path(p).name == f"{st.session_state.dataset}-vae-2d.pt"]
    if main or paths:
        st.session_state.model_path = (main or paths)[0]


def sidebar_models(options: list[str]) -> Checkpoint | None:
    st.sidebar.header("Model")
    if not options:
        st.sidebar.error(f"No checkpoints in {CHECKPOINTS}. Train one below or with `vae-train`.")
        return None
    groups = models_by_dataset(options)
    current = checkpoint_summary(st.session_state.model_path, mtime(st.session_state.model_path))
    st.session_state.dataset = current[1] or "unreadable"
    names = [d for d in DATASETS if d in groups] + [d for d in groups if d not in DATASETS]
    st.sidebar.radio(
        "Dataset",
        names,
        key="dataset",
        format_func=lambda d: DATASETS[d]["title"] if d in DATASETS else d,
        horizontal=True,
        on_change=pick_dataset,
        help="Models are grouped by the data they were trained on.",
    )
    options = groups[st.session_state.dataset]
    st.sidebar.selectbox(
        "Checkpoint",
        options,
        key="model_path",
        format_func=lambda p: checkpoint_summary(p, mtime(p))[0],
        help="Every .pt file in checkpoints/. The shipped model is mnist-vae-2d.pt.",
    )
    try:
        ckpt = get_checkpoint(st.session_state.model_path, mtime(st.session_state.model_path))
    except CheckpointError as e:
        st.sidebar.error(str(e))
        return None
    meta, c = ckpt.meta, ckpt.config
    test = meta.get("test") or {}
    rows = {
        "dataset": meta.get("dataset", "?"),
        "model": f"{c.kind.upper()}, {c.arch}, hidden {list(c.hidden)}",
        "latent size": c.latent_dim,
        "trained on": f"{meta.get('train_images', '?'):,} images, {meta.get('epochs', '?')} epochs"
        if isinstance(meta.get("train_images"), int)
        else "?",
        "beta": ckpt.train.get("beta", "?"),
        "test −ELBO": (
            f"{test['nelbo']:.2f} = {test['recon']:.2f} recon + {test['kl']:.2f} KL (nats)"
            if "nelbo" in test
            else "n/a"
        ),
        "created": meta.get("created", "?"),
    }
    st.sidebar.markdown("\n".join(f"- **{k}**: {v}" for k, v in rows.items()))
    if meta.get("interrupted"):
        st.sidebar.caption("Training of this model was stopped early.")
    return ckpt


# ---- training from the app ---------------------------------------------------------------------
def sidebar_training() -> None:
    with st.sidebar.expander("Train a new model", expanded=False):
        job = jobs.current_job()
        busy = job is not None and not job.finished
        with st.form("train_form", border=False):
            epochs = st.number_input("Epochs", 1, 100, 10, key="train_epochs")
            latent_dim = st.number_input("Latent size", 2, 32, 2, key="train_latent")
            arch = st.selectbox("Architecture", ["mlp", "conv"], key="train_arch")
            kind = st.selectbox(
                "Kind",
                ["vae", "ae"],
                key="train_kind",
                help="ae: a plain autoencoder, no KL term, for comparison",
            )
            beta = st.number_input("β (weight on KL)", 0.0, 10.0, 1.0, 0.5, key="train_beta")
            dataset = st.session_state.get("dataset")
            dataset = dataset if dataset in DATASETS else "mnist"
            st.caption(f"Data: {DATASETS[dataset]['title']} (the dataset picked above).")
            start = st.form_submit_button("Start training", disabled=busy, type="primary")
        if start:
            try:
                cfg = TrainConfig(
                    epochs=int(epochs),
                    latent_dim=int(latent_dim),
                    arch=arch,
                    kind=kind,
                    beta=float(beta),
                    warmup_epochs=min(1.0, epochs),
                    dataset=dataset,
                )
                jobs.start(cfg, CHECKPOINTS, st.session_state.session_id, get_splits(dataset))
            except (ValueError, RuntimeError, DatasetError) as e:
                st.error(str(e))
            else:
                st.rerun()  # draw the form again with its button disabled while this runs
        training_progress()


@st.fragment(run_every=1.0)
def training_progress() -> None:
    job = jobs.current_job()
    if job is None:
        st.caption(
            "Trains on this server in the background (~2 s per epoch for an MLP). "
            "The new model appears in the picker when done."
        )
        return
    mine = job.owner == st.session_state.session_id
    name = Path(job.config.out).name
    if not job.finished:
        who = "" if mine else " (started in another session)"
        st.progress(job.fraction, text=f"Training {name}{who}: epoch {job.epoch}/{job.epochs}")
        if mine and st.button("Stop", key="train_stop"):
            job.stop_requested.set()
    elif job.status == "failed":
        st.error(f"Training failed: {job.error}")
    else:
        verb = "Finished" if job.status == "done" else "Stopped early; saved"
        st.success(f"{verb}: {name}. Pick it in the model list above.")
        if mine and st.session_state.get("job_seen") != name:
            st.session_state.job_seen = name
            st.rerun(scope="app")  # so the model picker lists the new checkpoint
    if job.history:
        st.line_chart(
            {
                "train": [h["train"]["loss"] for h in job.history],
                "test": [h["test"]["nelbo"] for h in job.history],
            },
            height=160,
            x_label="epoch",
            y_label="−ELBO (nats)",
        )
    elif job.recent:
        st.line_chart([r["loss"] for r in job.recent], height=160, y_label="train loss")


# ---- panels under the map ----------------------------------------------------------------------
def pin_latent(plane: projection.Plane, pin: dict) -> np.ndarray:
    """The latent point (d,) a map pin decodes: the plane's inverse, or on a t-SNE/UMAP
    plane (no inverse) the μ of its test digit, the one nearest to the click."""
    p = [pin["x"], pin["y"]]
    if plane.invertible:
        return plane.to_latent(p)[0]
    i = pin.get("index")
    return plane.mu[int(i) if i is not None else int(latent.nearest(plane.xy, p, 1)[0])]


def clicked_panel(ckpt: Checkpoint, enc: dict, splits: Splits, plane: projection.Plane) -> None:
    pin = st.session_state.pin
    if not pin:
        st.info("Click anywhere on the map, on a digit or in empty space, to decode that point.")
        return
    z = pin_latent(plane, pin)  # in the latent space; (x, y) is on the map's plane
    recon = latent.decode(ckpt.model, z)[0]
    projected = plane.method == "pca"
    i = pin.get("index")
    cols = st.columns([1, 1, 1, 1.6] if projected and i is not None else [1, 1, 2])
    if i is not None:
        i = int(i)
        cols[0].image(
            crisp(splits.test.images[i].numpy() / 255.0), caption=f"original: test #{i}", width=196
        )
        full = latent.decode(ckpt.model, enc["mu"][i])[0]
        cols[1].image(crisp(full), caption="reconstruction, decode(μ)", width=196)
        if projected:  # what the map decodes: μ flattened onto the plane
            cols[2].image(crisp(recon), caption="decode(μ projected on the plane)", width=196)
    else:
        cols[0].image(crisp(recon), caption="decoded", width=196)
    with cols[-1]:
        if plane.method == "latent":
            st.markdown(f"**z = ({pin['x']:.3f}, {pin['y']:.3f})**")
        else:
            titles = [t.split(" (")[0] for t in plane.axis_titles()]
            st.markdown(f"**{titles[0]}, {titles[1]} = ({pin['x']:.3f}, {pin['y']:.3f})**")
            st.caption(f"z ({len(z)}-D) = ({', '.join(f'{v:.2f}' for v in z)})")
        if not plane.invertible:
            st.caption(
                f"{projection.TITLES[plane.method]} has no inverse: the map decoded the μ of "
                "the test digit nearest to the click. Morph endpoints need the PCA plane."
            )
        else:
            b1, b2 = st.columns(2)
            b1.button("Use as morph start A", key="pin_to_a", on_click=set_endpoint, args=("a",))
            b2.button("Use as morph end B", key="pin_to_b", on_click=set_endpoint, args=("b",))
    if i is not None:
        logvar = enc["logvar"][i] if enc["logvar"] is not None else None
        posterior_row(enc["mu"][i], logvar, "pin")
    neighbours_row(enc, splits, z, "pin", exclude=i)


@st.cache_data(show_spinner=False, max_entries=64)
def posterior_pngs(
    path: str, mtime: float, mu: tuple, logvar: tuple, seed: int, scale: int
) -> list[bytes]:
    """PNGs of decode(μ) and of POSTERIOR_SAMPLES decoded z ~ q(z|x).

    Cached because every pan or zoom of the map reruns the page, and a batched decode
    costs ~35 ms on two busy cores (one image: ~0.5 ms).
    """
    z = latent.posterior_samples(mu, logvar, POSTERIOR_SAMPLES, seed)
    images = latent.decode(get_checkpoint(path, mtime).model, np.concatenate([np.float32([mu]), z]))
    return [crisp(image, scale) for image in images]


def posterior_row(mu, logvar, key: str, width: int = 56) -> None:
    """decode(μ), then decodings of z ~ q(z|x): what the model is unsure about in this image.

    mu, logvar: (latent_dim,); logvar None for a plain autoencoder. The seed is shown
    and kept per panel (`key`), so the row is the same on every rerun until resampled.
    """
    if logvar is None:
        st.info(
            "This is a plain autoencoder: it has no posterior q(z|x). The code of an image is "
            "one point, not a distribution, so there is nothing to sample."
        )
        return
    mu, logvar = np.asarray(mu, np.float32), np.asarray(logvar, np.float32)
    seed = st.session_state.setdefault(f"{key}_seed", 0)
    path = st.session_state.model_path
    posterior = (tuple(mu.tolist()), tuple(logvar.tolist()), seed, width // 28)
    pngs = posterior_pngs(path, mtime(path), *posterior)
    sigma = ", ".join(f"{v:.3f}" for v in np.exp(0.5 * logvar)[:8]) + (", …" if len(mu) > 8 else "")
    ellipses = ""
    if len(mu) == 2:
        ellipses = " (the ellipses on the map: 1σ and 2σ"
        view = map_state().get("view")
        if view and 4 * np.exp(0.5 * logvar).max() < 0.03 * abs(view["x"][1] - view["x"][0]):
            ellipses += "; they are small at this zoom: scroll on the map to zoom in"
        ellipses += ")"
    st.markdown(
        f"**This image is a distribution, q(z|x)**: σ = ({sigma}){ellipses}. "
        f"First decode(μ), then decodings of {len(pngs) - 1} draws z = μ + σ·ε:"
    )
    with st.container(key=f"{key}_posterior"):
        st.image(pngs, caption=["μ"] + [f"z{k + 1}" for k in range(len(pngs) - 1)], width=width)
    left, right = st.columns([1, 4], vertical_alignment="center")
    left.button("Resample", key=f"{key}_resample", on_click=next_seed, args=(key,))
    right.caption(f"seed {seed}")


def next_seed(key: str) -> None:
    st.session_state[f"{key}_seed"] += 1


def neighbours_row(enc: dict, splits: Splits, z, key: str, exclude: int | None = None) -> None:
    """The NEIGHBOURS test digits whose μ is nearest to z (d,), as the images themselves."""
    z = np.asarray(z, np.float32)
    near = [j for j in latent.nearest(enc["mu"], z, NEIGHBOURS + 1) if j != exclude][:NEIGHBOURS]
    distance = np.linalg.norm(enc["mu"][near] - z, axis=1)
    st.markdown(
        "**Nearest test digits** (distance from z to their μ"
        + (", this one left out)" if exclude is not None else ")")
    )
    with st.container(key=f"{key}_neighbours"):
        st.image(
            [crisp(splits.test.images[j].numpy() / 255.0, 3) for j in near],
            caption=[
                f"“{splits.classes[int(enc['labels'][j])]}” #{j}, {d:.2f}"
                for j, d in zip(near, distance, strict=True)
            ],
            width=84,
        )


def morph_frames(
    ckpt: Checkpoint, n: int, a=None, b=None, method=None, plane: projection.Plane | None = None
) -> np.ndarray:
    """n decoded frames from A to B (endpoints from session state unless given).

    The path runs on the map's plane (as the page draws it); a projected plane maps it
    back into the latent space before decoding.
    """
    a = a or st.session_state.morph_a["z"]
    b = b or st.session_state.morph_b["z"]
    method = method or st.session_state.morph_method
    path = latent.interpolate(a, b, np.linspace(0, 1, n), method)
    return latent.decode(ckpt.model, plane.to_latent(path) if plane is not None else path)


def morph_panel(ckpt: Checkpoint, enc: dict, splits: Splits, plane: projection.Plane) -> None:
    if not plane.invertible:
        st.info(
            f"Morphing walks a straight path on the map and decodes every point of it; a "
            f"{projection.TITLES[plane.method]} map has no inverse, so its points between "
            "digits decode to nothing. Pick PCA above the map to morph on the PCA plane."
        )
        return
    c1, c2, c3 = st.columns([1.2, 1.2, 1])
    with c1:
        st.radio(
            "Interpolation",
            latent.INTERPOLATIONS,
            key="morph_method",
            horizontal=True,
            help="spherical (slerp) keeps the path at a typical distance from the origin",
        )
        st.slider("Frames in the strip", 3, 16, key="morph_n")
        st.caption(
            "Drag the slider above the map's morph strip: the image follows in the "
            "browser. Set endpoints from a clicked point or pick digits here."
        )
    with c2:
        classes = splits.classes
        for which in ("a", "b"):
            row = st.columns([1, 1])
            digit = row[0].selectbox(
                f"Digit for {which.upper()}",
                range(len(classes)),
                index=1 if which == "a" else 7,
                key=f"pick_{which}",
                format_func=lambda c: classes[c],
            )
            candidates = np.flatnonzero(enc["labels"] == digit)
            rng = np.random.default_rng(st.session_state.pick_seed + (0 if which == "a" else 1))
            i = int(rng.choice(candidates)) if len(candidates) else 0
            st.session_state[f"pick_{which}_target"] = {
                "z": [float(v) for v in plane.xy[i]],
                "label": f"#{i} “{classes[digit]}”",
            }
            row[1].button(
                f"Set {which.upper()}",
                key=f"pick_{which}_set",
                on_click=endpoint_from_digit,
                args=(which,),
            )
        if st.button("Other examples", key="pick_reroll"):
            st.session_state.pick_seed += 2
            st.rerun()
    with c3:
        # Callables: the files are only made when a button is pressed, not on every rerun.
        # They run outside the script, so they get this run's endpoints as arguments.
        ends = (
            st.session_state.morph_a["z"],
            st.session_state.morph_b["z"],
            st.session_state.morph_method,
        )
        n = st.session_state.morph_n
        st.download_button(
            "Download strip (PNG)",
            lambda: render.strip_png(morph_frames(ckpt, n, *ends, plane=plane)),
            "morph-strip.png",
            "image/png",
            key="dl_strip",
        )
        st.download_button(
            "Download morph (GIF)",
            lambda: render.gif_bytes(morph_frames(ckpt, 24, *ends, plane=plane), scale=6),
            "morph.gif",
            "image/gif",
            key="dl_gif",
        )
        a, b = st.session_state.morph_a, st.session_state.morph_b
        st.caption(
            f"A = {a['label']} at ({a['z'][0]:.2f}, {a['z'][1]:.2f})  \n"
            f"B = {b['label']} at ({b['z'][0]:.2f}, {b['z'][1]:.2f})"
        )


def encode_digit(ckpt: Checkpoint, x28: np.ndarray, source: str) -> None:
    """Encode the user's 28x28 digit and keep everything the page shows about it."""
    x = torch.from_numpy(np.asarray(x28, np.float32)).reshape(1, 1, 28, 28)
    enc = latent.encode_images(ckpt.model, x)
    mu = enc.mu[0]
    digit = {
        "source": source,
        "x28": x28,
        "mu": mu.tolist(),
        "recon": latent.decode(ckpt.model, mu)[0],
        "logvar": None,
        "elbo": None,
        "model": st.session_state.model_path,
    }
    if enc.logvar is not None:
        digit["logvar"] = enc.logvar[0].tolist()
        if len(mu) == 2:  # q(z|x) as 1- and 2-sigma ellipses on the map
            digit["ellipses"] = [
                {"k": k, "xs": e[:, 0].tolist(), "ys": e[:, 1].tolist()}
                for k in (1, 2)
                for e in [latent.ellipse(mu, enc.logvar[0], k)]
            ]
        score, recon, kl = latent.elbo(ckpt.model, x, ELBO_SAMPLES)
        digit["elbo"] = (float(score[0]), float(recon[0]), float(kl[0]))
    st.session_state.digit = digit
    st.session_state.digit_error = None


def digit_input(ckpt: Checkpoint) -> None:
    mode = st.radio(
        "Input",
        ["Draw", "Upload a picture"],
        key="digit_mode",
        horizontal=True,
        label_visibility="collapsed",
    )
    if mode == "Draw":
        try:
            from streamlit_drawable_canvas import st_canvas
        except Exception as e:  # noqa: BLE001 - the rest of the page must keep working
            st.warning(f"The drawing canvas is unavailable here ({e}); upload a picture instead.")
            return
        st.caption("Draw one digit, large, in the middle.")
        result = st_canvas(
            stroke_width=22,
            stroke_color="#ffffff",
            background_color="#000000",
            height=280,
            width=280,
            drawing_mode="freedraw",
            return_image_data=True,
            key="draw_canvas",
        )
        rgba = result.image_data if result is not None and result.json_data else None
        if rgba is None:
            return
        digest = hashlib.sha1(np.ascontiguousarray(rgba).tobytes()).hexdigest()
        if digest == st.session_state.canvas_hash:
            return
        st.session_state.canvas_hash = digest
        try:
            encode_digit(ckpt, from_canvas(rgba), "drawing")
        except ImageError as e:
            if "blank" not in str(e).lower():
                st.session_state.digit_error = str(e)
    else:
        upload = st.file_uploader(
            "A picture of one digit (PNG, JPEG, WebP, BMP or GIF; a phone photo of dark ink "
            "on light paper works)",
            type=UPLOAD_TYPES,
            key="digit_upload",
        )
        if upload is None or upload.file_id == st.session_state.upload_id:
            return
        st.session_state.upload_id = upload.file_id
        try:
            encode_digit(ckpt, preprocess_upload(upload.getvalue()), f"upload: {upload.name}")
        except ImageError as e:
            st.session_state.digit = None
            st.session_state.digit_error = str(e)
        except Exception as e:  # noqa: BLE001 - a bad file must never take the page down
            st.session_state.digit = None
            st.session_state.digit_error = (
                f"Could not read this file as a picture ({type(e).__name__}). "
                "Try a PNG or JPEG of a single digit."
            )


def digit_result(ckpt: Checkpoint, plane: projection.Plane | None = None) -> None:
    if st.session_state.digit_error:
        st.error(st.session_state.digit_error)
    digit = st.session_state.digit
    if not digit:
        st.info(
            "Draw or upload a digit: its 28×28 version, reconstruction and place on the map "
            "appear here."
        )
        return
    cols = st.columns(2)
    cols[0].image(crisp(digit["x28"]), caption="what the model sees (28×28)", width=168)
    cols[1].image(crisp(digit["recon"]), caption="reconstruction", width=168)
    mu = digit["mu"]
    st.markdown(
        f"**μ = ({', '.join(f'{v:.2f}' for v in mu[:8])}{', …' if len(mu) > 8 else ''})**"
        + (
            "  — the ★ on the map, with 1σ and 2σ ellipses of q(z|x)"
            if len(mu) == 2 and digit["logvar"]
            else ""
        )
    )
    if plane is not None and plane.method != "latent":
        st.caption(
            "The ★ on the map is μ projected onto the PCA plane, with q(z|x)'s 1σ and 2σ "
            "ellipses projected too (a linear map of a Gaussian is a Gaussian)."
            if plane.pca is not None
            else f"{projection.TITLES[plane.method]} has no out-of-sample map here: the ★ "
            "sits at the place of the test digit whose μ is nearest to yours."
        )
    if digit["elbo"]:
        score, recon, kl = digit["elbo"]
        test = get_test_elbo(st.session_state.model_path, mtime(st.session_state.model_path))
        share = float(np.mean(test < score)) * 100
        st.metric(
            "ELBO (higher = more MNIST-like)",
            f"{score:.1f} nats",
            help=f"ELBO = −(reconstruction {recon:.1f} + KL {kl:.1f}), averaged over "
            f"{ELBO_SAMPLES} samples of z. Test-set median: {np.median(test):.1f}.",
        )
        st.caption(
            f"The model finds it more MNIST-like than {share:.0f}% of the test digits "
            f"(median ELBO of {len(test):,} test digits: {np.median(test):.1f})."
        )
    if plane is not None and not plane.invertible:
        return  # no morph on a t-SNE/UMAP map
    xy = plane.place(mu).tolist() if plane is not None and plane.method != "latent" else None
    b1, b2 = st.columns(2)
    b1.button("Use as morph start A", key="digit_to_a", on_click=use_digit_as, args=("a", xy))
    b2.button("Use as morph end B", key="digit_to_b", on_click=use_digit_as, args=("b", xy))


def digit_posterior(ckpt: Checkpoint, enc: dict, splits: Splits) -> None:
    """Below the digit's two columns, full width: its q(z|x) and its nearest test digits."""
    digit = st.session_state.digit
    if digit and digit["model"] == st.session_state.model_path:  # else μ is in another space
        posterior_row(digit["mu"], digit["logvar"], "digit")
        neighbours_row(enc, splits, digit["mu"], "digit")


def manifold_panel(ckpt: Checkpoint, enc: dict, plane: projection.Plane) -> None:
    if not plane.invertible:
        st.info(
            f"The manifold decodes a grid of points over the map; a "
            f"{projection.TITLES[plane.method]} map has no inverse, so its grid points stand "
            "for no latent point. Pick PCA above the map to decode a grid on the PCA plane."
        )
        return
    c1, c2 = st.columns([1, 3])
    with c1:
        n = st.slider("Grid size", 5, 30, 15, key="grid_n")
        view = map_state().get("view")
        if not view:
            lo, hi = plane.xy.min(0), plane.xy.max(0)
            view = {"x": [float(lo[0]), float(hi[0])], "y": [float(lo[1]), float(hi[1])]}
        x_name, y_name = (t.split(" (")[0] for t in plane.axis_titles())
        st.caption(
            f"Visible region: {x_name} ∈ [{view['x'][0]:.2f}, {view['x'][1]:.2f}], "
            f"{y_name} ∈ [{view['y'][0]:.2f}, {view['y'][1]:.2f}]. Zoom or pan the map, "
            "then decode."
        )
        if st.button("Decode the visible region", key="grid_go", type="primary"):
            z = plane.to_latent(latent.grid(view["x"], view["y"], n))
            mosaic = latent.tile(latent.decode(ckpt.model, z), n, gap=1, fill=0.35)
            st.session_state.grid = render.png_bytes(mosaic, max(1, 720 // mosaic.shape[1]))
    with c2:
        if st.session_state.grid:
            st.image(
                st.session_state.grid,
                caption="decode(z) on a grid over the visible region (up is up)"
                + ("; z = mean + p · components on the PCA plane" if plane.pca else ""),
                width=560,
            )
            st.download_button(
                "Download grid (PNG)",
                st.session_state.grid,
                "manifold.png",
                "image/png",
                key="dl_grid",
            )


def projection_bar(ckpt: Checkpoint) -> projection.Plane:
    """Choose how a latent space of more than 2 dimensions is laid on the map; say what it means."""
    d = ckpt.config.latent_dim
    method = st.radio(
        f"This model's latent space has {d} dimensions. The map shows it through",
        projection.METHODS,
        format_func=projection.TITLES.get,
        key="projection",
        on_change=forget_points,
        horizontal=True,
        help="PCA is linear, so every point of its plane decodes. t-SNE and UMAP keep "
        "neighbours together better but have no inverse.",
    )
    path, mt = st.session_state.model_path, mtime(st.session_state.model_path)
    if method == "pca":
        plane = get_plane(path, mt, method)
    else:
        # Measured on 10,000 μ of 8-D, 2 cores shared with training runs: t-SNE 283 s, UMAP
        # 378 s (of which ~60 s compiling numba). Hence the disk cache behind get_plane.
        n = len(get_encoded(path, mt)["mu"])
        with st.spinner(
            f"Computing the {projection.TITLES[method]} of the {n:,} test points. The first "
            "time for a model this takes minutes (about 5 on two busy cores); it is then kept "
            "on disk, so nobody waits for it again…"
        ):
            plane = get_plane(path, mt, method)
    if plane.pca is not None:
        kept = 100 * plane.pca.variance_ratio[:2].sum()
        st.caption(
            f"PCA of the test digits' μ: the plane through their mean along the two directions "
            f"of most variance, which hold {kept:.0f}% of it. A point p of the plane is the latent "
            f"point mean + p · components, so the map decodes anywhere on it; the other {d - 2} "
            "directions stay at the mean."
        )
    else:
        st.info(
            f"**{projection.TITLES[method]} has no inverse: the preview under the pointer and a "
            f"click decode the nearest test digit's μ** ({d}-D), not the point itself. Clusters "
            "are meaningful here; distances between them and empty space are not. Morph and "
            "manifold need PCA.",
            icon="ℹ️",
        )
    return plane


@st.cache_data(show_spinner="Counting the active latent dimensions on the test set…")
def active_dims(path: str, mtime: float) -> int:
    """Active dimensions of a model on its test set; kept on disk too, since the Latent size
    tab is built on every page's first run and encoding each test set takes seconds."""
    record = STATIC / f"{assets_stem(path, mtime).replace('map-', 'active-')}.json"
    try:
        return int(json.loads(record.read_text())["active"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    ckpt = load_checkpoint(path)
    x = get_splits(ckpt.meta.get("dataset", "mnist")).test.float_images()
    encoded = latent.encode_images(ckpt.model, x)
    active = latent_size.active_dimensions(encoded.mu, encoded.logvar)
    text = json.dumps({"active": active, "threshold_nats": latent_size.ACTIVE_KL_NATS})
    atomic_write(record, lambda f: f.write(text.encode()))
    return active


def latent_size_panel(models: list[str]) -> None:
    summaries = [f for p in models if (f := compare_view.model_facts(p, mtime(p))) is not None]
    rows = latent_size.latent_size_rows(summaries)
    if not rows:
        st.info(
            f"No shipped MNIST VAEs with β = 1 (files named mnist-vae-<size>d.pt) in "
            f"{CHECKPOINTS}; `scripts/train_shipped.sh latent` trains them."
        )
        return
    paths = {Path(p).stem: p for p in models}
    for row in rows:
        row["active dims"] = active_dims(paths[row["model"]], mtime(paths[row["model"]]))
    st.markdown(
        "**What more latent dimensions buy.** The shipped MNIST VAEs (β = 1, same recipe) "
        "on the 10,000 test digits, in nats per image: reconstruction loss, the KL that pays "
        f"for the code, and their sum −ELBO. A dimension counts as active when its average KL "
        f"exceeds {latent_size.ACTIVE_KL_NATS} nats."
    )
    import pandas as pd

    # A static table: a handful of rows, to read and to copy, not to scroll.
    table = (
        pd.DataFrame(rows)
        .style.hide(axis="index")
        .format({"test recon": "{:.2f}", "test KL": "{:.2f}", "test −ELBO": "{:.2f}"})
    )
    st.table(table)
    first, last = rows[0], rows[-1]
    trend = latent_size.trend(rows)
    if trend["recon_falls"] and trend["kl_rises"]:
        st.caption(
            f"From {first['latent size']} to {last['latent size']} dimensions the "
            f"reconstruction loss falls from {first['test recon']:.1f} to "
            f"{last['test recon']:.1f} nats and the KL rises from {first['test KL']:.1f} "
            f"to {last['test KL']:.1f}: more room to describe each digit, paid for in KL."
        )
    elif trend["sizes"] > 1:
        st.caption(
            "Here the reconstruction loss does not fall, or the KL does not rise, at every "
            "step: see the table (models trained for fewer epochs are not comparable)."
        )
    latent_size_charts(rows)


def latent_size_charts(rows: list[dict]) -> None:
    """Test reconstruction loss and KL against latent size, side by side (own y scales).

    Vega-Lite, not st.plotly_chart: Streamlit's Plotly would replace window.Plotly, which
    the map component loads and uses itself.
    """
    import altair as alt
    import pandas as pd

    table = pd.DataFrame(rows)
    charts = []
    for key, color in (("test recon", "#1f77b4"), ("test KL", "#d62728")):
        charts.append(
            alt.Chart(table, title=key.replace("test recon", "test reconstruction loss"))
            .mark_line(point=alt.OverlayMarkDef(size=80, color=color), color=color)
            .encode(
                x=alt.X("latent size:Q", axis=alt.Axis(values=list(table["latent size"]))),
                y=alt.Y(f"{key}:Q", title="nats per image", scale=alt.Scale(zero=False)),
                tooltip=["latent size", alt.Tooltip(f"{key}:Q", format=".2f")],
            )
            .properties(width=300, height=240)
        )
    with st.container(key="latent_size_chart"):
        st.altair_chart(alt.hconcat(*charts), width="content")


def map_data(
    assets: dict, ckpt: Checkpoint | None = None, plane: projection.Plane | None = None
) -> dict:
    """Everything the browser component needs; small (the big arrays go by URL).

    Needs no torch when the model's decoder runs in the browser; a conv model (no
    browser decoder) passes `ckpt` so the pin and morph frames are decoded here.
    `plane`: how a latent space of more than 2 dimensions is laid on the map.
    """
    decoder = assets["decoder"]
    data = {
        "plotly_url": f"{STATIC_URL}/{plotly_js_name()}",
        "points_url": f"{STATIC_URL}/{assets['points']}",
        "decoder": decoder,
        "decoder_url": f"{STATIC_URL}/{decoder['file']}" if decoder else None,
        "sigma_url": f"{STATIC_URL}/{assets['sigma']}" if assets.get("sigma") else None,
        "classes": assets["classes"],
        "legend_title": f"{assets.get('item', 'digit')}:",
        "height": 560,
        "pin": st.session_state.pin,
        "pin_pixels": None,
        "upload": None,
        "morph": None,
    }
    if assets.get("axes"):  # a projected plane (see get_plane_assets)
        data.update(axes=assets["axes"], decode_mode=assets["decode_mode"], pca=assets["pca"])
        data["mu_url"] = f"{STATIC_URL}/{assets['mu']}" if assets["mu"] else None
    pin = st.session_state.pin
    if pin and not decoder:
        z = pin_latent(plane, pin) if plane is not None else [pin["x"], pin["y"]]
        data["pin_pixels"] = latent.decode(ckpt.model, z)[0].ravel().tolist()
    digit = st.session_state.digit
    projected = plane is not None and plane.method != "latent"
    if digit and digit["model"] == st.session_state.model_path and digit.get("ellipses"):
        data["upload"] = {"mu": digit["mu"], "ellipses": digit["ellipses"]}
    elif digit and digit["model"] == st.session_state.model_path and projected:
        data["upload"] = {"mu": plane.place(digit["mu"]).tolist(), "ellipses": []}
        if plane.pca is not None and digit["logvar"]:
            data["upload"]["ellipses"] = [
                {"k": k, "xs": e[:, 0].tolist(), "ys": e[:, 1].tolist()}
                for k in (1, 2)
                for e in [projection.projected_ellipse(plane.pca, digit["mu"], digit["logvar"], k)]
            ]
    a, b = st.session_state.morph_a, st.session_state.morph_b
    if a and b and (plane is None or plane.invertible):
        data["morph"] = {
            "a": a["z"],
            "b": b["z"],
            "a_label": a["label"],
            "b_label": b["label"],
            "method": st.session_state.morph_method,
            "frames": st.session_state.morph_n,
        }
        if not decoder:
            frames = morph_frames(ckpt, st.session_state.morph_n, plane=plane)
            data["morph"]["frames_pixels"] = [f.ravel().tolist() for f in frames]
    return data


def mount_map(
    assets: dict, ckpt: Checkpoint | None = None, plane: projection.Plane | None = None
) -> None:
    map_component()(
        key="latent_map",
        data=map_data(assets, ckpt, plane),
        on_click_change=on_map_click,
        on_view_change=lambda: None,
        on_ready_change=lambda: None,
    )


def map_state() -> dict:
    """The map component's state and last events ({} before it first reports)."""
    value = st.session_state.get("latent_map")
    return value if hasattr(value, "get") else {}


def list_models() -> list[str]:
    """Checkpoint files the picker offers; plain globbing, so it runs before torch is imported."""
    if not CHECKPOINTS.is_dir():
        return []
    return [str(p) for p in sorted(CHECKPOINTS.glob("*.pt")) if not p.name.startswith(".")]


# ---- the page ----------------------------------------------------------------------------------
st.session_state.setdefault("morph_method", "linear")
st.session_state.setdefault("morph_n", 9)
models = list_models()
if models and st.session_state.model_path not in models:
    st.session_state.model_path = str(DEFAULT_MODEL) if str(DEFAULT_MODEL) in models else models[0]
read_link(models)

st.title("Latent Explorer")
st.caption(
    "A variational autoencoder squeezed every test image into two numbers. Each dot is one "
    "image at its posterior mean μ; move over the map to decode any point live, click "
    "to pin it, scroll to zoom, drag to pan, click the legend to hide a class."
)
with st.empty():  # always one slot here, so the notice coming or going never moves the map
    link_notice()
map_slot = st.container()
if st.session_state.get("map_model") != st.session_state.model_path:
    # Another model has another latent space: points picked in the old one mean nothing here.
    st.session_state.map_model = st.session_state.model_path
    st.session_state.update(pin=None, morph_a=None, morph_b=None, grid=None, link_notice=None)
write_link()

# Fast path: this model's map files exist from an earlier run, so mount the map before torch.
early = (
    map_assets(st.session_state.model_path, mtime(st.session_state.model_path)) if models else None
)
if early and early["decoder"]:
    for which in ("a", "b"):
        if not st.session_state[f"morph_{which}"]:
            st.session_state[f"morph_{which}"] = early["defaults"][which]
    with map_slot:
        mount_map(early)
    digit_before, pin_before = st.session_state.digit, st.session_state.pin
    if "torch" not in sys.modules and not map_state().get("ready"):
        # A cold server: let the browser load plotly.js and draw the map before this
        # process spends two seconds importing torch (which would starve the file
        # server). The map reports `ready` once drawn, and that rerun builds the rest.
        st.caption("Loading the model…")
        st.stop()
else:
    early = None

import torch  # noqa: E402  (see the module docstring: deliberately after the map)

import compare_view  # noqa: E402
from vae import jobs, latent, latent_size, projection, render, web  # noqa: E402
from vae.checkpoint import (  # noqa: E402
    Checkpoint,
    CheckpointError,
    atomic_write,
    load_checkpoint,
)
from vae.data import DATASETS, DatasetError, Splits, load_splits  # noqa: E402
from vae.image import ImageError, from_canvas, preprocess_upload  # noqa: E402
from vae.train import TrainConfig  # noqa: E402

ckpt = sidebar_models(models)
sidebar_training()
if ckpt is None:
    st.info("Pick or train a model to start.")
    st.stop()
dataset = ckpt.meta.get("dataset", "mnist")
try:
    splits = get_splits(dataset)
except DatasetError as e:
    st.error(f"The {dataset} data for this model is not on this machine: {e}")
    st.stop()
if "fallback" in splits.source:
    st.warning(splits.notice)
enc = get_encoded(st.session_state.model_path, mtime(st.session_state.model_path))
sidebar_share(enc, splits)

if ckpt.config.latent_dim < 2:
    st.info(
        "This model has a 1-dimensional latent space: the map needs at least 2. You can "
        "still encode your own digit below."
    )
    digit_input(ckpt)
    digit_result(ckpt)
    digit_posterior(ckpt, enc, splits)
    st.stop()
if ckpt.config.latent_dim > 2:
    with map_slot:  # above the map
        plane = projection_bar(ckpt)
    assets = get_plane_assets(
        st.session_state.model_path, mtime(st.session_state.model_path), plane.method
    )
else:
    plane = get_plane(st.session_state.model_path, mtime(st.session_state.model_path), "latent")
    assets = enc["assets"]

if early and early != enc["assets"]:
    # The record on disk was stale (say, the data on this machine changed): fix it, redraw.
    write_map_assets(st.session_state.model_path, mtime(st.session_state.model_path), enc["assets"])
    st.rerun()
for which in ("a", "b"):
    if not st.session_state[f"morph_{which}"]:
        st.session_state[f"morph_{which}"] = assets["defaults"][which]
resolve_linked_pin(enc, splits, plane)
# on_change="rerun" so a tab knows it is open: Compare only builds its two maps when shown.
tab_click, tab_morph, tab_digit, tab_grid, tab_compare, tab_size = st.tabs(
    ["Clicked point", "Morph", "Your digit", "Manifold", "Compare", "Latent size"],
    key="tab",
    on_change="rerun",
)
with tab_click:
    clicked_panel(ckpt, enc, splits, plane)
with tab_morph:
    morph_panel(ckpt, enc, splits, plane)
with tab_digit:
    left, right = st.columns([1, 1.3])
    with left:
        digit_input(ckpt)
    with right:
        digit_result(ckpt, plane)
    digit_posterior(ckpt, enc, splits)
with tab_grid:
    manifold_panel(ckpt, enc, plane)
with tab_compare:
    if tab_compare.open:
        compare_view.render_compare(
            models,
            CHECKPOINTS,
            compare_view.Loaders(
                checkpoint=get_checkpoint,
                splits=get_splits,
                encoded=get_encoded,
                component=map_component,
                mtime=mtime,
                plotly_url=f"{STATIC_URL}/{plotly_js_name()}",
                static_url=STATIC_URL,
            ),
        )
with tab_size:
    if tab_size.open:  # it encodes each shipped model's test set once: only when shown
        latent_size_panel(models)
st.caption(f"Data: {splits.source}. {DATASETS[splits.name]['credit']}.")
if early is None:
    with map_slot:  # slow path (first run for this model, or a conv decoder): mount it now
        mount_map(assets, ckpt, plane)
elif st.session_state.digit is not digit_before or st.session_state.pin is not pin_before:
    st.rerun()  # a new digit was encoded, or a linked pin resolved, below the map: show it
