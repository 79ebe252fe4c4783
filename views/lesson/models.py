"""The lesson's steps 5-7: autoencoder against VAE, β, more dimensions (UI only).

Each step draws its short text, its formula (st.latex), its live view, the formula's
numbers for what the user clicked (in the container keyed "lesson_numbers", which the
browser tests read) and one thing to try. The live views are the explorer's own: the
Compare tab's linked maps, decodings and prior samples (views/compare.py), the Latent size
tab's charts (views/latent_size.py) and the map component (views/map.py payload). The live
view and its numbers are a fragment, so a click reruns that step alone. The numbers come
from vae/lesson_models.py; its torch work is cached per model file version (path, mtime).
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from vae import bundle as bundles
from vae import latent
from vae import latent_size as sizes
from vae.datasets import item_words
from vae.files import mtime
from vae.projection import METHODS, TITLES

from .. import compare, i18n, loaders, plane_status
from .. import latent_size as size_tab
from ..config import STATIC
from ..i18n import t
from ..map import payload
from . import frame
from .context import Ctx

AE_FILE, VAE_FILE = "mnist-ae-2d.pt", "mnist-vae-2d.pt"
BETA_FILES = ("mnist-vae-2d-beta0.25.pt", "mnist-vae-2d.pt", "mnist-vae-2d-beta4.pt")
DIMS_FILES = ("mnist-vae-8d.pt", "mnist-vae-16d.pt")  # the maps; the charts take every size
MAP_HEIGHT = compare.MAP_HEIGHT
SYNC = "lesson"  # the single maps of steps 6 and 7 by name in the page's test API

# Stacked where long: one line of each was 1.4-2.2 times a phone's width (test_screens.py).
FORMULA_AE_VS_VAE = (
    r"\begin{aligned} \mathcal{L}_{\mathrm{AE}}(x) &= \mathrm{BCE}\big(x, \mathrm{dec}"
    r"(\mathrm{enc}(x))\big) \\ \mathcal{L}_{\mathrm{VAE}}(x) &= \mathbb{E}_{q(z|x)}\big["
    r"\mathrm{BCE}(x, \mathrm{dec}(z))\big] \\ &\quad + \mathrm{KL}\big(q(z|x)\,\|\,"
    r"\mathcal{N}(0, I)\big) \end{aligned}"
)
FORMULA_BETA = (
    r"\begin{aligned} \mathcal{L}_\beta(x) &= \mathbb{E}_{q(z|x)}\big[\mathrm{BCE}(x,"
    r" \mathrm{dec}(z))\big] \\ &\quad + \beta\cdot\mathrm{KL}\big(q(z|x)\,\|\,"
    r"\mathcal{N}(0, I)\big) \end{aligned}"
)
FORMULA_DIMS = (
    r"\mathrm{KL}\big(q(z|x)\,\|\,\mathcal{N}(0, I)\big) = \sum_{j=1}^{d} "
    r"-\tfrac{1}{2}\left(1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2\right)"
)


# ---- shared pieces ----------------------------------------------------------------------------
def needed(ctx: Ctx, names: tuple[str, ...]) -> list[str] | None:
    """The paths of the shipped files a step needs, or None with a message per missing one."""
    paths = [ctx.model(n) for n in names]
    for name, path in zip(names, paths, strict=True):
        if path is None:
            frame.missing(name)
    return None if None in paths else paths


def fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def model_label(path: str) -> str:
    f = loaders.facts_of(path)
    return "AE" if f["kind"] == "ae" else f"β = {f['beta']:g}"


def kind_label(path: str) -> str:
    """ "AE" or "VAE" (step 5 compares the two kinds)."""
    return "AE" if loaders.facts_of(path)["kind"] == "ae" else "VAE"


def click_of(key: str) -> dict | None:
    """The last click a map with component key `key` reported ({x, y, index, ...}), or None."""
    value = st.session_state.get(key)
    click = value.get("click") if hasattr(value, "get") else None
    return None if not click or click.get("clear") else click


def digit_pin(bundle, index: int | None) -> dict | None:
    """The map's pin on test image `index` (its place on this map's plane), or None."""
    if index is None:
        return None
    xy, labels = bundles.load_points(STATIC, bundle)
    if not 0 <= index < len(xy):
        return None
    return {"x": float(xy[index, 0]), "y": float(xy[index, 1]), "index": int(index),
            "label": bundle.classes[int(labels[index])], "nonce": None}  # fmt: skip


def nearest_on_map(bundle, click: dict) -> int:
    """The test image a click names: its own, or (empty space) the nearest on the map."""
    if click.get("index") is not None:
        return int(click["index"])
    xy, _ = bundles.load_points(STATIC, bundle)
    return int(np.argmin(np.hypot(xy[:, 0] - click["x"], xy[:, 1] - click["y"])))


def single_map(key: str, name: str, bundle, pin: dict | None, on_click) -> None:
    """One map of the explorer's component (steps 6 and 7), named `name` in the test API."""
    loaders.map_component()(
        key=key,
        data=payload(
            bundle,
            height=MAP_HEIGHT,
            pin=pin,
            sync={"group": SYNC, "name": name},
            prior_ring={
                "r": latent.prior_radius(2, compare.PRIOR_MASS),
                "label": t("lesson_models.prior_ring"),
            }
            if bundle.method == "latent"
            else None,
        ),
        on_click_change=on_click,
        on_view_change=lambda: None,
        on_morph_change=lambda: None,
    )


# ---- the torch work, cached per model file version ---------------------------------------------
@st.cache_data(show_spinner=False, max_entries=8)
def gap_distance(path: str, mtime: float) -> float:
    from vae import lesson_models

    return lesson_models.gap_distance(loaders.encoded(path, mtime)["mu"])


@st.cache_data(show_spinner=False, max_entries=256)
def point_figures(path: str, mtime: float, x: float, y: float) -> dict:
    """Where z = (x, y) lies for one 2-D model: its nearest test code and whether z is in a
    gap, and the test image nearest to decode(z) in pixels."""
    from vae import lesson_models

    ckpt = loaders.checkpoint(path, mtime)
    enc = loaders.encoded(path, mtime)
    images = loaders.splits(ckpt.meta.get("dataset", "mnist")).test.images.numpy() / 255.0
    code = lesson_models.nearest_code(enc["mu"], (x, y))
    image = lesson_models.decoded_nearest(ckpt.model, (x, y), images)
    gap = gap_distance(path, mtime)
    return {
        "code": code.index,
        "code_distance": code.distance,
        "gap_distance": gap,
        "in_gap": code.distance > gap,
        "image": image.index,
        "image_label": int(enc["labels"][image.index]),
        "image_rms": image.distance,
    }


@st.cache_data(show_spinner=False, max_entries=256)
def digit_loss(path: str, mtime: float, index: int) -> dict:
    """Test image `index`'s own loss terms under the model (vae.lesson_models.image_loss)."""
    from vae import lesson_models

    ckpt = loaders.checkpoint(path, mtime)
    images = loaders.splits(ckpt.meta.get("dataset", "mnist")).test.images
    found = lesson_models.image_loss(ckpt.model, images[index].numpy() / 255.0)
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in found.items()}


# ---- (5) autoencoder against VAE ---------------------------------------------------------------
def step_ae_vs_vae(ctx: Ctx) -> None:
    frame.text(t("lesson_models.ae_vs_vae.text"))
    paths = needed(ctx, (AE_FILE, VAE_FILE))
    if paths is not None:
        st.markdown(networks(*paths))
    frame.formula(FORMULA_AE_VS_VAE)
    if paths is not None:
        ae_vs_vae_live(tuple(paths))
    frame.try_this(t("lesson_models.ae_vs_vae.try"))


def network(facts: dict) -> str:
    """The MLP's layer widths, input to code: "784-512-512-256-2"."""
    return "-".join(str(n) for n in (784, *facts["hidden"], facts["latent_dim"]))


def networks(ae: str, vae: str) -> str:
    """Whether the two models are the same network (then the KL term is the only
    difference), read from the checkpoints rather than promised."""
    fa, fv = loaders.facts_of(ae), loaders.facts_of(vae)
    if (fa["arch"], fa["hidden"], fa["latent_dim"]) == (fv["arch"], fv["hidden"], fv["latent_dim"]):
        return t("lesson_models.ae_vs_vae.same_net", net=network(fv))
    return t("lesson_models.ae_vs_vae.other_net", ae=network(fa), vae=network(fv))


@st.fragment
def ae_vs_vae_live(pair: tuple[str, str]) -> None:
    """The Compare tab's two linked maps, both decodings of the clicked z and the prior's
    samples through both decoders (its own functions and its pin, cmp_pin), then the
    click's numbers."""
    st.session_state.setdefault("cmp_pin", None)
    st.session_state.setdefault("cmp_seed", 0)
    if st.session_state.get("cmp_pair") != pair:
        st.session_state.cmp_pair = pair  # as the Compare tab: a pin of another pair is stale
        st.session_state.cmp_pin = None
    side: dict[str, dict] = {}
    for which, path in zip("ab", pair, strict=True):
        found = compare.load_side(path)
        if found is None:
            return
        side[which] = found
    words = item_words(side["a"]["facts"]["dataset"], i18n.lang())
    cols = st.columns(2, gap="medium")
    for col, which in zip(cols, "ab", strict=True):
        s = side[which]
        title = (
            t("lesson_models.ae_vs_vae.ae_title", name=s["facts"]["name"])
            if s["facts"]["kind"] == "ae"
            else t("lesson_models.ae_vs_vae.vae_title", name=s["facts"]["name"])
        )
        with col:
            st.markdown(title)
            loaders.map_component()(
                key=f"cmp_map_{which}",
                data=compare.map_data(which, s["path"], s["bundle"]),
                on_click_change=lambda w=which: compare.on_click(w),
                on_view_change=lambda: None,
                on_morph_change=lambda: None,
            )
    compare.clicked(side, side["a"]["splits"], words)
    for s in side.values():
        s["figures"] = loaders.prior_figures(
            s["path"], compare.PRIOR_MASS, compare.COVERAGE_SAMPLES
        )
    compare.prior_panel(side, side["a"]["splits"].classes, words)
    with frame.numbers():
        ae_vs_vae_numbers(side)


def ae_vs_vae_numbers(side: dict[str, dict]) -> None:
    inside = t("lesson_models.list_sep").join(
        t(
            "lesson_models.ae_vs_vae.inside_one",
            model=kind_label(s["path"]),
            share=f"{s['figures']['inside']:.1%}",
        )  # fmt: skip
        for s in side.values()
    )
    st.markdown(t("lesson_models.ae_vs_vae.inside", shares=inside))
    pin = st.session_state.get("cmp_pin")
    if not pin:
        st.markdown(t("lesson_models.ae_vs_vae.click_first"))
        return
    x, y = float(pin["x"]), float(pin["y"])
    st.markdown(t("lesson_models.ae_vs_vae.clicked", z=f"({x:.3f}, {y:.3f})"))
    rows, filled = [], []
    classes = side["a"]["splits"].classes
    for s in side.values():
        f = point_figures(s["path"], mtime(s["path"]), x, y)
        sign = ">" if f["in_gap"] else r"\le"
        filled.append(
            rf"\mathrm{{{kind_label(s['path'])}}}:\ \min_i \lVert z - \mu_i \rVert = "
            rf"{f['code_distance']:.3f} {sign} {f['gap_distance']:.3f}"
        )
        where = (
            t("lesson_models.ae_vs_vae.gap")
            if f["in_gap"]
            else t("lesson_models.ae_vs_vae.near_data")
        )
        rows.append(
            {
                t("lesson_models.ae_vs_vae.col_model"): kind_label(s["path"]),
                t("lesson_models.ae_vs_vae.col_code"): f"{f['code_distance']:.3f}",
                t("lesson_models.ae_vs_vae.col_gap"): f"{f['gap_distance']:.3f}",
                t("lesson_models.ae_vs_vae.col_where"): where,
                t("lesson_models.ae_vs_vae.col_image"): t(
                    "lesson_models.ae_vs_vae.image_cell",
                    rms=f"{f['image_rms']:.3f}",
                    i=f["image"],
                    label=classes[f["image_label"]],
                ),
            }
        )
    st.table(pd.DataFrame(rows).set_index(t("lesson_models.ae_vs_vae.col_model")))
    # the gap test, with this z's numbers: a line per model (side by side, wider than a phone)
    st.latex(r"\begin{gathered}" + r"\\ ".join(filled) + r"\end{gathered}")
    st.caption(t("lesson_models.ae_vs_vae.caption"))


# ---- (6) β ------------------------------------------------------------------------------------
def step_beta(ctx: Ctx) -> None:
    frame.text(t("lesson_models.beta.text"))
    frame.formula(FORMULA_BETA)
    paths = needed(ctx, BETA_FILES)
    if paths is not None:
        beta_live(tuple(paths))
    frame.try_this(t("lesson_models.beta.try"))


def on_beta_click(key: str, path: str) -> None:
    click = click_of(key)
    if click:
        st.session_state.lm_beta_digit = nearest_on_map(loaders.bundle_of(path, "latent"), click)


@st.fragment
def beta_live(paths: tuple[str, ...]) -> None:
    """A β picker, the chosen model's map, the three models' test figures and the clicked
    digit's own loss terms under the chosen β. The digit stays when β changes: the same
    image, weighed by another model."""
    st.session_state.setdefault("lm_beta_digit", None)
    if st.session_state.get("lm_beta") not in paths:
        st.session_state.lm_beta = paths[1] if len(paths) > 1 else paths[0]  # β = 1
    path = st.radio(
        t("lesson_models.beta.pick"), paths, key="lm_beta", horizontal=True,
        format_func=model_label,
    )  # fmt: skip
    bundle = loaders.bundle_of(path, "latent")
    key = f"lm_beta_map_{paths.index(path)}"  # a map per model: it opens on its own points
    single_map(key, "beta", bundle, digit_pin(bundle, st.session_state.lm_beta_digit),
               lambda: on_beta_click(key, path))  # fmt: skip
    with frame.numbers():
        beta_numbers(paths, path)


def beta_numbers(paths: tuple[str, ...], chosen: str) -> None:
    rows = []
    for p in paths:
        f = loaders.facts_of(p)
        test = f["test"]
        rows.append(
            {
                "β": f"{f['beta']:g}" + (" ◀" if p == chosen else ""),
                t("lesson_models.beta.col_recon"): fmt(test.get("recon")),
                t("lesson_models.beta.col_kl"): fmt(test.get("kl"), 2),
                t("lesson_models.beta.col_loss"): fmt(
                    test["recon"] + f["beta"] * test["kl"]
                    if "recon" in test and "kl" in test
                    else None
                ),
            }
        )
    st.markdown(t("lesson_models.beta.table"))
    st.table(pd.DataFrame(rows).set_index("β"))
    index = st.session_state.lm_beta_digit
    if index is None:
        st.markdown(t("lesson_models.beta.click_first"))
        return
    f = loaders.facts_of(chosen)
    loss = digit_loss(chosen, mtime(chosen), int(index))
    label = loaders.splits(f["dataset"]).test.labels[int(index)].item()
    classes = loaders.splits(f["dataset"]).classes
    st.markdown(
        t(
            "lesson_models.beta.digit",
            i=int(index),
            label=classes[label],
            beta=f"{f['beta']:g}",
            bce=fmt(loss["recon"]),
            kl=fmt(loss["kl"], 2),
            weighted=fmt(f["beta"] * loss["kl"], 2),
            loss=fmt(loss["recon"] + f["beta"] * loss["kl"]),
        )
    )
    st.latex(
        rf"\mathcal{{L}}_{{\beta={f['beta']:g}}} = {loss['recon']:.1f} + {f['beta']:g}"
        rf"\times {loss['kl']:.2f} = {loss['recon'] + f['beta'] * loss['kl']:.1f}"
    )


# ---- (7) more dimensions ----------------------------------------------------------------------
def step_dimensions(ctx: Ctx) -> None:
    frame.text(t("lesson_models.dims.text"))
    frame.formula(FORMULA_DIMS)
    rows = size_rows(ctx.models)
    if len(rows) >= 2:
        table = pd.DataFrame(
            {
                t("lesson_models.dims.col_size"): [r["latent size"] for r in rows],
                t("lesson_models.dims.col_recon"): [f"{r['test recon']:.1f}" for r in rows],
                t("lesson_models.dims.col_kl"): [f"{r['test KL']:.1f}" for r in rows],
                t("lesson_models.dims.col_active"): [r["active dims"] for r in rows],
            }
        ).set_index(t("lesson_models.dims.col_size"))
        left, right = st.columns([1, 2], gap="medium")
        left.table(table)
        with right:
            size_tab.charts(rows)  # the Latent size tab's two charts
    paths = needed(ctx, DIMS_FILES)
    if paths is not None:
        dims_live(tuple(paths))
    frame.try_this(t("lesson_models.dims.try"))


def size_rows(models: list[str]) -> list[dict]:
    """The Latent size tab's rows of MNIST's shipped β = 1 series, with active dimensions."""
    summaries = []
    for p in models:
        f = loaders.facts_of(p)
        if not f["broken"]:
            summaries.append({**f, "active": None})
    rows = sizes.latent_size_rows(summaries, "mnist")
    paths = {Path(p).stem: p for p in models}
    for row in rows:
        row["active dims"] = size_tab.active_dims(paths[row["model"]])
    return rows


def on_dims_click(key: str, path: str, method: str) -> None:
    click = click_of(key)
    if click:
        st.session_state.lm_dims_digit = nearest_on_map(loaders.bundle_of(path, method), click)


@st.fragment
def dims_live(paths: tuple[str, ...]) -> None:
    """The 8-D or 16-D model on a PCA, t-SNE or UMAP plane; a clicked test digit's KL per
    dimension (how many dimensions it uses)."""
    st.session_state.setdefault("lm_dims_digit", None)
    if st.session_state.get("lm_dims_model") not in paths:
        st.session_state.lm_dims_model = paths[0]
    left, right = st.columns(2)
    path = left.radio(
        t("lesson_models.dims.pick_model"), paths, key="lm_dims_model", horizontal=True,
        format_func={
            p: t("lesson_models.dims.model", d=loaders.facts_of(p)["latent_dim"]) for p in paths
        }.get,
    )  # fmt: skip
    method = right.radio(
        t("lesson_models.dims.pick_plane"), METHODS, key="lm_dims_plane", horizontal=True,
        format_func=TITLES.get,
    )  # fmt: skip
    if not plane_status.ready(path, method):
        plane_status.pending(path, method)  # computed off the page; drawn when ready
        return
    bundle = loaders.bundle_of(path, method)
    key = f"lm_dims_map_{paths.index(path)}_{method}"  # a map per model and plane
    single_map(key, "dims", bundle, digit_pin(bundle, st.session_state.lm_dims_digit),
               lambda: on_dims_click(key, path, method))  # fmt: skip
    st.caption(
        t("lesson_models.dims.pca_caption")
        if method == "pca"
        else t("lesson_models.dims.nonlinear_caption")
    )
    with frame.numbers():
        dims_numbers(path)


def dims_numbers(path: str) -> None:
    index = st.session_state.lm_dims_digit
    f = loaders.facts_of(path)
    if index is None:
        st.markdown(t("lesson_models.dims.click_first"))
        return
    loss = digit_loss(path, mtime(path), int(index))
    splits = loaders.splits(f["dataset"])
    label = splits.classes[splits.test.labels[int(index)].item()]
    kl_dims = np.asarray(loss["kl_dims"])
    st.markdown(
        t(
            "lesson_models.dims.digit",
            i=int(index),
            label=label,
            d=f["latent_dim"],
            active=loss["active"],
            threshold=f"{sizes.ACTIVE_KL_NATS:g}",
            kl=fmt(loss["kl"], 2),
            bce=fmt(loss["recon"]),
        )
    )
    st.latex(
        rf"\begin{{gathered}} \mathrm{{KL}} = \sum_{{j=1}}^{{{f['latent_dim']}}} \mathrm{{KL}}_j"
        rf" = {loss['kl']:.2f} \\ \#\{{j : \mathrm{{KL}}_j > {sizes.ACTIVE_KL_NATS:g}\}}"
        rf" = {loss['active']} \end{{gathered}}"
    )
    dim_col, kl_col = t("lesson_models.dims.col_dim"), t("lesson_models.dims.col_dim_kl")
    table = pd.DataFrame(
        {
            dim_col: [f"z{j + 1}" for j in range(len(kl_dims))],
            kl_col: kl_dims,
            "active": kl_dims > sizes.ACTIVE_KL_NATS,
        }  # fmt: skip
    )
    chart = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X(f"{dim_col}:N", sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{kl_col}:Q", title=t("lesson_models.dims.axis_kl")),
            color=alt.Color(
                "active:N",
                legend=None,
                scale=alt.Scale(domain=[True, False], range=["#d62728", "#bbbbbb"]),
            ),
            tooltip=[dim_col, alt.Tooltip(f"{kl_col}:Q", format=".3f")],
        )  # fmt: skip
        .properties(height=200)
    )
    st.altair_chart(chart, width="stretch")
    st.caption(t("lesson_models.dims.per_dim", values=", ".join(f"{v:.2f}" for v in kl_dims)))
