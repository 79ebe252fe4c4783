"""The Compare tab: two models' latent spaces side by side (UI only).

Autoencoder vs VAE, or one β against another. Two linked instances of the latent map
component: the pointer over either one decodes the same z through both decoders in the
browser, and a click pins that z on both. Under them: both decodings of the clicked z,
samples from N(0, I) through both decoders with the same seed, and the same test digits
reconstructed by each. The science is in `vae/latent.py`; the maps' payload comes from
views/map.py like the explorer's. It needs torch: page.py imports it when the tab opens.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from vae import latent, render
from vae.bundle import MapBundle
from vae.checkpoint import CheckpointError
from vae.data import DatasetError, Splits
from vae.datasets import ItemWords, class_names, dataset_title, item_words
from vae.files import mtime

from . import i18n, loaders
from .i18n import t
from .map import payload

# Presets name files of the dataset shown ({d}), as scripts/train_shipped.sh names MNIST's;
# None means "pick any two". Keyed by an id (the radio's value); PRESET_TEXTS names them.
PRESETS: dict[str, tuple[str, str] | None] = {
    "ae_vae": ("{d}-ae-2d.pt", "{d}-vae-2d.pt"),
    "beta_025_4": ("{d}-vae-2d-beta0.25.pt", "{d}-vae-2d-beta4.pt"),
    "beta_1_4": ("{d}-vae-2d.pt", "{d}-vae-2d-beta4.pt"),
    "any": None,
}
PRESET_TEXTS = {
    "ae_vae": "compare.preset.ae_vae",
    "beta_025_4": "compare.preset.beta_025_4",
    "beta_1_4": "compare.preset.beta_1_4",
    "any": "compare.preset.any",
}
ANY = "any"
SYNC_GROUP = "compare"
MAP_HEIGHT = 430
PRIOR_GRID = 8  # an 8 x 8 grid of samples per model
PRIOR_MASS = 0.99  # the dashed disc on each map holds this much of N(0, I)
COVERAGE_SAMPLES = 500  # prior samples labelled to measure which digits a model generates
RECON_DIGITS = 10
MNIST_WORDS = item_words("mnist")


def short(facts: dict) -> str:
    """A few characters naming the model, for a chart's legend: "AE" or "β = 4"."""
    return "AE" if facts["kind"] == "ae" else f"β = {facts['beta']:g}"


def describe(facts: dict) -> str:
    """One short line naming the model: "plain autoencoder (no KL)" or "VAE, β = 4"."""
    if facts["kind"] == "ae":
        return t("compare.describe.ae")
    return t("compare.describe.vae", beta=f"{facts['beta']:g}")


# ---- choosing the two models ----------------------------------------------------------------
def shown_dataset(dataset: str, two_d: list[str], facts: dict[str, dict]) -> str:
    """Whose models the tab compares: the open model's dataset if it has two 2-D models
    here, else MNIST's (or another's) if it has, else the open one's (which then says why)."""
    count = {}
    for p in two_d:
        count[facts[p]["dataset"]] = count.get(facts[p]["dataset"], 0) + 1
    for candidate in (dataset, "mnist", *count):
        if count.get(candidate, 0) >= 2:
            return candidate
    return dataset


def say_dataset(dataset: str, shown: str, two_d: list[str], facts: dict[str, dict]) -> None:
    """Which dataset the tab shows, and why when it is not the open model's."""
    if shown == dataset:
        st.caption(t("compare.dataset.own", title=dataset_title(shown)))
        return
    own = [facts[p]["name"] for p in two_d if facts[p]["dataset"] == dataset]
    has = t("compare.dataset.only_one", name=own[0]) if own else t("compare.dataset.none")
    st.info(
        t(
            "compare.dataset.elsewhere",
            title=dataset_title(dataset),
            has=has,
            shown=dataset_title(shown),
        ),
        icon=":material/info:",
    )


def first_preset(shown: str, models: list[str], folder: Path) -> str:
    """The first preset whose files are all here, else (MNIST: the shipped series, which
    scripts/train_shipped.sh makes) the first one with a note on what is missing, else any two."""
    for preset, names in PRESETS.items():
        if names and all(str(folder / n.format(d=shown)) in models for n in names):
            return preset
    return next(iter(PRESETS)) if shown == "mnist" else ANY


def pick_pair(models: list[str], folder: Path, dataset: str = "mnist") -> tuple[str, str] | None:
    """The two checkpoint paths to compare, or None (with a message saying why).

    dataset: the open model's; its models are offered where it has two with a 2-D latent
    space, else MNIST's, and the tab says which.
    """
    facts = {p: loaders.facts_of(p) for p in models}
    two_d = [p for p in models if not facts[p]["broken"] and facts[p]["latent_dim"] == 2]
    shown = shown_dataset(dataset, two_d, facts)
    say_dataset(dataset, shown, two_d, facts)
    if st.session_state.get("cmp_dataset") != shown:  # first visit, or another dataset
        st.session_state.cmp_dataset = shown
        st.session_state.cmp_preset = first_preset(shown, models, folder)
        for key in ("cmp_a", "cmp_b"):
            st.session_state.pop(key, None)
    if st.session_state.get("cmp_preset") not in PRESETS:  # a session from before the ids
        st.session_state.cmp_preset = first_preset(shown, models, folder)
    preset = st.radio(
        t("compare.pick.label"),
        list(PRESETS),
        key="cmp_preset",
        horizontal=True,
        format_func={p: t(PRESET_TEXTS[p]) for p in PRESETS}.get,  # bound now (see i18n)
    )
    names = PRESETS[preset]
    if names is not None:
        names = tuple(n.format(d=shown) for n in names)
        paths = [str(folder / n) for n in names]
        missing = [n for n, p in zip(names, paths, strict=True) if p not in models]
        if missing:
            files = t("compare.pick.file_sep").join(f"`{n}`" for n in missing)
            key = "compare.pick.missing_one" if len(missing) == 1 else "compare.pick.missing_many"
            st.warning(t(key, files=files, folder=folder, any=t(PRESET_TEXTS[ANY])))
            return None
        return paths[0], paths[1]
    if len(two_d) < 2:
        st.warning(t("compare.pick.too_few"))
        return None
    label = {p: f"{facts[p]['name']} · {describe(facts[p])}" for p in two_d}
    if st.session_state.get("cmp_a") not in two_d or st.session_state.get("cmp_b") not in two_d:
        # open on a pair it accepts: two models of one dataset, the one shown
        st.session_state.cmp_a, st.session_state.cmp_b = first_pair(two_d, facts, shown)
    left, right = st.columns(2)
    left.selectbox(t("compare.pick.model_a"), two_d, key="cmp_a", format_func=label.get)
    right.selectbox(t("compare.pick.model_b"), two_d, key="cmp_b", format_func=label.get)
    a, b = st.session_state.cmp_a, st.session_state.cmp_b
    if facts[a]["dataset"] != facts[b]["dataset"]:
        st.warning(
            t(
                "compare.pick.mixed",
                a=facts[a]["name"],
                a_data=dataset_title(facts[a]["dataset"]),
                b=facts[b]["name"],
                b_data=dataset_title(facts[b]["dataset"]),
            )
        )
        return None
    return a, b


def first_pair(
    two_d: list[str], facts: dict[str, dict], dataset: str | None = None
) -> tuple[str, str]:
    """The first two models of `dataset`, else the first two trained on the same dataset
    (else simply the first two)."""
    same = [(a, b) for i, a in enumerate(two_d) for b in two_d[i + 1 :]
            if facts[a]["dataset"] == facts[b]["dataset"]]  # fmt: skip
    for a, b in same:
        if facts[a]["dataset"] == dataset:
            return a, b
    return same[0] if same else (two_d[0], two_d[1])


def lesson(
    facts_a: dict, facts_b: dict, enc_a: dict, enc_b: dict, words: ItemWords = MNIST_WORDS
) -> str:
    """What to look for, for this pair (the ranges are read from the encoded test sets);
    words: what the pair's images are (vae.datasets.item_words)."""

    def spread(enc: dict) -> str:
        lo, hi = np.percentile(enc["mu"], [0.5, 99.5], axis=0)
        return f"z₁ ∈ [{lo[0]:.0f}, {hi[0]:.0f}], z₂ ∈ [{lo[1]:.0f}, {hi[1]:.0f}]"

    kinds = {facts_a["kind"], facts_b["kind"]}
    if kinds == {"ae", "vae"}:
        ae, vae = (enc_a, enc_b) if facts_a["kind"] == "ae" else (enc_b, enc_a)
        return t(
            "compare.lesson.ae_vae",
            items=words.many,
            a_item=words.a,
            ae_spread=spread(ae),
            vae_spread=spread(vae),
        )
    if kinds == {"vae"} and facts_a["beta"] != facts_b["beta"]:
        lo, hi = sorted((facts_a, facts_b), key=lambda f: f["beta"])
        return t("compare.lesson.beta", hi=f"{hi['beta']:g}", lo=f"{lo['beta']:g}")
    return t("compare.lesson.other")


# ---- the maps -------------------------------------------------------------------------------
def on_click(which: str) -> None:
    """A click on map `which` pins the same z on both (both decodings appear below)."""
    value = st.session_state.get(f"cmp_map_{which}")
    click = value.get("click") if hasattr(value, "get") else None
    if click and click.get("clear"):  # a double-click took back the only pin there was
        st.session_state.cmp_pin = None
    elif click:
        st.session_state.cmp_pin = {
            **{k: click.get(k) for k in ("x", "y", "index", "label", "nonce")},
            "source": which,
        }


def map_data(which: str, path: str, bundle: MapBundle) -> dict:
    """The latent map component's data for one side, linked to the other by SYNC_GROUP."""
    pin = st.session_state.cmp_pin
    if pin and pin["source"] != which:  # the same z, but no test digit of this map
        pin = {**pin, "index": None, "label": None, "peer": True}
    pin_pixels = None
    if pin and not bundle.decoder:
        model = loaders.checkpoint_of(path).model
        pin_pixels = latent.decode(model, [pin["x"], pin["y"]])[0].ravel().tolist()
    return payload(
        bundle,
        height=MAP_HEIGHT,
        pin=pin,
        pin_pixels=pin_pixels,
        sync={"group": SYNC_GROUP, "name": which},
        prior_ring={
            "r": latent.prior_radius(2, PRIOR_MASS),
            "label": t("compare.map.prior_ring", share=f"{PRIOR_MASS:.0%}"),
        },
    )


def clicked(side: dict[str, dict], splits: Splits, words: ItemWords = MNIST_WORDS) -> None:
    """Both decodings of the pinned z, large (and the clicked test digit, if one was hit)."""
    pin = st.session_state.cmp_pin
    if not pin:
        st.info(t("compare.clicked.hint", a_item=words.a))
        return
    z = (float(pin["x"]), float(pin["y"]))
    cols = st.columns([1, 1, 1, 1.2], gap="medium")
    for col, which in zip(cols[:2], "ab", strict=True):
        s = side[which]
        col.image(
            decoded_png(s["path"], mtime(s["path"]), float(z[0]), float(z[1])),
            caption=f"{which.upper()}: {s['facts']['name']}, decode(z)",
            width=196,  # 28 x 7: every model pixel a crisp square, as in the explorer
            alt=t("compare.clicked.decoded_alt", name=s["facts"]["name"]),
        )
    where = t("compare.clicked.where", side=pin["source"].upper())
    text = cols[3]
    if pin.get("index") is not None:
        i = int(pin["index"])
        cols[2].image(
            render.png_bytes(splits.test.images[i].numpy() / 255.0, 7),
            caption=t("compare.clicked.test_caption", i=i, where=where),
            width=196,
            alt=t("compare.clicked.test_alt", i=i),
        )
    else:
        text = cols[2]
    text.markdown(t("compare.clicked.z", x=f"{pin['x']:.3f}", y=f"{pin['y']:.3f}", where=where))


# ---- samples and reconstructions --------------------------------------------------------------
def next_seed() -> None:
    """Resample: the next seed (a callback, so the rerun it causes draws with it)."""
    st.session_state.cmp_seed += 1


def prior_panel(side: dict[str, dict], classes: list[str], words: ItemWords = MNIST_WORDS) -> None:
    st.subheader(t("compare.prior.title"))
    seed = st.session_state.cmp_seed
    top = st.columns([3, 1])
    kinds = {side[w]["facts"]["kind"] for w in "ab"}
    top[0].caption(
        t("compare.prior.intro", n=PRIOR_GRID * PRIOR_GRID, seed=seed, items=words.many)
        + (t("compare.prior.ae") if "ae" in kinds else t("compare.prior.beta"))
    )
    top[1].button(
        t("compare.prior.resample"),
        key="cmp_resample",
        help=t("compare.prior.resample_help"),
        on_click=next_seed,
    )
    cols = st.columns(2)
    for col, which in zip(cols, "ab", strict=True):
        s = side[which]
        with col.container(key=f"cmp_prior_{which}"):
            st.image(
                prior_mosaic(s["path"], mtime(s["path"]), seed),
                caption=t(
                    "compare.prior.caption", side=which.upper(), name=s["facts"]["name"], seed=seed
                ),
                width="content",  # its own 2x size, narrower only where the column is
                alt=t("compare.prior.alt", name=s["facts"]["name"]),
            )
    coverage(side, classes, words)


def coverage(side: dict[str, dict], classes: list[str], words: ItemWords = MNIST_WORDS) -> None:
    """The measured figures under the samples: codes inside the prior's disc, and which
    classes the prior samples look like (a bar per class and model)."""
    figures = {which: side[which]["figures"] for which in "ab"}
    names = {w: f"{w.upper()} ({short(side[w]['facts'])})" for w in "ab"}
    inside = [f"{names[w]} **{figures[w]['inside']:.1%}**" for w in "ab"]
    st.markdown(
        t(
            "compare.coverage.measured",
            items=words.many,
            mass=f"{PRIOR_MASS:.0%}",
            shares=t("compare.coverage.share_sep").join(inside),
            n=COVERAGE_SAMPLES,
        )
    )
    shares = pd.DataFrame(
        [
            {"model": names[w], "class": name, "share": figures[w]["shares"][c]}
            for w in "ab"
            for c, name in enumerate(classes)
        ]
    )
    model, share = t("compare.coverage.model"), t("compare.coverage.share")
    # Altair rather than st.bar_chart: its bottom legend overlapped long series names.
    chart = (
        alt.Chart(shares)
        .mark_bar()
        .encode(
            x=alt.X("class:N", title=words.one, sort=list(classes), axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("model:N"),
            y=alt.Y("share:Q", title=t("compare.coverage.y_title"), axis=alt.Axis(format="%")),
            color=alt.Color("model:N", legend=alt.Legend(orient="top", title=None)),
            tooltip=[
                alt.Tooltip("model:N", title=model),
                alt.Tooltip("class:N", title=words.one),
                alt.Tooltip("share:Q", title=share, format=".1%"),
            ],
        )
        .properties(height=220)
    )
    st.altair_chart(chart, width="stretch")


def recon_panel(side: dict[str, dict], splits: Splits, words: ItemWords = MNIST_WORDS) -> None:
    st.subheader(t("compare.recon.title", items=words.many))
    labels = splits.test.labels.numpy()
    # the first test digit of each class, so every digit is in the row
    index = [
        int(np.flatnonzero(labels == c)[0])
        for c in range(len(splits.classes))
        if (labels == c).any()
    ]
    index = tuple(index[:RECON_DIGITS])
    originals = splits.test.images[list(index)].numpy() / 255.0
    rows = [(t("compare.recon.originals"), render.strip_png(originals, scale=3))]
    for which in "ab":
        s = side[which]
        strip = reconstructions(s["path"], mtime(s["path"]), index)
        rows.append((f"{which.upper()}: {s['facts']['name']}", strip))
    for name, png in rows:
        left, right = st.columns([1, 5])
        left.markdown(f"**{name}**")
        right.image(
            png,
            width=min(900, 90 * len(index)),
            alt=t("compare.recon.alt", name=name, n=len(index), items=words.many),
        )
    table = {}
    for which in "ab":
        f = side[which]["facts"]
        test = f["test"]
        table[f"{which.upper()}: {f['name']}"] = {
            t("compare.recon.row_model"): describe(f),
            t("compare.recon.row_recon"): f"{test['recon']:.1f}" if "recon" in test else "?",
            t("compare.recon.row_kl"): f"{test['kl']:.2f}"
            if f["kind"] == "vae" and "kl" in test
            else "—",
            t("compare.recon.row_nelbo"): f"{test['nelbo']:.1f}"
            if f["kind"] == "vae" and "nelbo" in test
            else t("compare.recon.no_bound"),
        }
    st.table(pd.DataFrame(table))
    st.caption(t("compare.recon.caption", n=f"{len(splits.test.labels):,}", items=words.many))


# ---- the torch work, cached per model file version (path, mtime) like views/loaders.py ----------
@st.cache_data(show_spinner=False, max_entries=512)
def decoded_png(path: str, mtime: float, x: float, y: float) -> bytes:
    """decode(z) of z = (x, y) by the model at `path`, as a 7x PNG (a clicked point)."""
    model = loaders.checkpoint(path, mtime).model
    return render.png_bytes(latent.decode(model, np.float32([x, y]))[0], 7)


@st.cache_data(show_spinner=False, max_entries=64)
def prior_mosaic(path: str, mtime: float, seed: int) -> bytes:
    """PRIOR_GRID x PRIOR_GRID prior samples z ~ N(0, I) (seeded) decoded, as one 2x PNG."""
    model = loaders.checkpoint(path, mtime).model
    z = latent.prior_samples(2, PRIOR_GRID * PRIOR_GRID, seed=seed)
    mosaic = latent.tile(latent.decode(model, z), PRIOR_GRID, gap=1, fill=0.35)
    return render.png_bytes(mosaic, 2)


@st.cache_data(show_spinner=False, max_entries=16)
def reconstructions(path: str, mtime: float, index: tuple[int, ...]) -> bytes:
    """The test images `index` encoded and decoded by the model, as one 3x PNG strip."""
    ckpt = loaders.checkpoint(path, mtime)
    splits = loaders.splits(ckpt.meta.get("dataset", "mnist"))
    x = splits.test.float_images()[list(index)]
    mu = latent.encode_images(ckpt.model, x).mu
    return render.strip_png(latent.decode(ckpt.model, mu), scale=3)


# ---- the tab --------------------------------------------------------------------------------
def load_side(path: str) -> dict | None:
    """One side of the comparison: {path, ckpt, enc, bundle, facts, splits}, or None with a
    message saying why it cannot be shown."""
    try:
        ckpt = loaders.checkpoint_of(path)
        splits = loaders.splits(ckpt.meta.get("dataset", "mnist"))
    except CheckpointError as e:
        st.error(i18n.shown(e).replace(f"{path}: ", f"{Path(path).name}: "))
        return None
    except DatasetError as e:
        st.error(t("compare.load.no_data", name=Path(path).name, error=i18n.shown(e)))
        return None
    if ckpt.config.latent_dim != 2:
        st.warning(t("compare.load.not_2d", name=Path(path).name, dims=ckpt.config.latent_dim))
        return None
    return {
        "path": path,
        "ckpt": ckpt,
        "enc": loaders.encoded_of(path),
        "bundle": loaders.bundle_of(path, "latent"),
        "facts": loaders.facts_of(path),
        "splits": splits,
    }


@st.fragment
def render_compare(models: list[str], folder: Path, dataset: str = "mnist") -> None:
    """The whole Compare tab; every missing piece is a message, never an exception.

    A fragment: a click on either map, a preset or Resample reruns this tab alone, and its
    torch work (encoding, decoding) is cached per model file version, so a rerun that
    changes nothing of it costs no torch at all. dataset: the open model's (see pick_pair)."""
    st.session_state.setdefault("cmp_pin", None)
    st.session_state.setdefault("cmp_seed", 0)
    pair = pick_pair(models, folder, dataset)
    if pair is None:
        return
    words = item_words(loaders.facts_of(pair[0])["dataset"], i18n.lang())
    if st.session_state.get("cmp_pair") != pair:
        st.session_state.cmp_pair = pair  # another pair: a z pinned in the old one is stale
        st.session_state.cmp_pin = None
    side: dict[str, dict] = {}
    for which, path in zip("ab", pair, strict=True):
        found = load_side(path)
        if found is None:
            return
        side[which] = found
    a, b = side["a"], side["b"]
    st.markdown(lesson(a["facts"], b["facts"], a["enc"], b["enc"], words))
    cols = st.columns(2, gap="medium")
    for col, which in zip(cols, "ab", strict=True):
        s = side[which]
        with col:
            st.markdown(f"**{which.upper()}: {s['facts']['name']}** · {describe(s['facts'])}")
            loaders.map_component()(
                key=f"cmp_map_{which}",
                data=map_data(which, s["path"], s["bundle"]),
                on_click_change=lambda w=which: on_click(w),
                on_view_change=lambda: None,
                on_morph_change=lambda: None,
            )
    clicked(side, side["a"]["splits"], words)
    for s in side.values():
        s["figures"] = loaders.prior_figures(s["path"], PRIOR_MASS, COVERAGE_SAMPLES)
    prior_panel(side, class_names(side["a"]["splits"].classes, i18n.lang()), words)
    recon_panel(side, side["a"]["splits"], words)
