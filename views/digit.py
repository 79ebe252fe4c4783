"""Your digit: draw or upload a picture, see where the model puts it and how it rebuilds it.

Encoding needs Python (and torch), so this view is a fragment: a stroke or an upload
reruns it alone. The star and ellipses it puts on the map travel through a tiny marker
component (components/latent_map/marker.js) straight to the map in the page, so the map's
fragment does not rerun for them either.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from vae import image, render
from vae.bundle import MapBundle
from vae.datasets import ItemWords, class_names, item_words

from . import i18n, loaders, morph, state
from .i18n import t

POSTERIOR_SAMPLES = 8
NEIGHBOURS = 8
# How the ★ finds its place on a plane without an inverse (vae/planes.py), said on the page
PLACED = {"tsne": "digit.placed.tsne", "umap": "digit.placed.umap"}
MODES = {"draw": "digit.mode.draw", "upload": "digit.mode.upload"}  # the input's id -> its text


def words_of(path: str) -> ItemWords:
    """What this model's images are called ("digit", "item", ...): vae.datasets owns the words."""
    return item_words(loaders.facts_of(path)["dataset"], i18n.lang())


def blank_message(words: ItemWords) -> str:
    """vae.image's "nothing found" refusal, in the words of the model's dataset."""
    return t("digit.upload.blank", item=words.one, picture=words.picture)


def marker(path: str, bundle: MapBundle) -> dict | None:
    """The user's digit on this map: {mu (plane point), ellipses}, or None."""
    digit = st.session_state.digit
    if not digit or digit["model"] != path or digit["method"] != bundle.method:
        return None
    return {"mu": digit["place"], "ellipses": digit["place_ellipses"]}


def encode(path: str, bundle: MapBundle, x28: np.ndarray, source: str, notes: list[str]) -> None:
    """Encode the user's 28x28 image and keep all the page shows about it."""
    from vae import latent, projection

    result = latent.analyse_digit(loaders.checkpoint_of(path).model, x28)
    place, ellipses = result["mu"][:2], result["ellipses"]
    if bundle.method in PLACED:  # no inverse, but an out-of-sample map: an estimate
        place = loaders.placer_of(path, bundle).place(result["mu"])[0].tolist()
        ellipses = []
    elif bundle.method != "latent":
        plane = loaders.plane_of(path, bundle.method)
        place = plane.place(result["mu"]).tolist()
        ellipses = []
        if plane.pca is not None and result["logvar"]:
            ellipses = [
                {"k": k, "xs": e[:, 0].tolist(), "ys": e[:, 1].tolist()}
                for k in (1, 2)
                for e in [
                    projection.projected_ellipse(plane.pca, result["mu"], result["logvar"], k)
                ]
            ]
    st.session_state.digit = {
        **result,
        "source": source,
        "x28": x28,
        "model": path,
        "method": bundle.method,
        "place": place,
        "place_ellipses": ellipses,
        "notes": notes,
    }
    st.session_state.digit_error = None


def clear(error: object = None) -> None:
    """Forget the digit; error: what to say instead (a text, a vae.i18n msg or an error raised
    with one, shown in the session's language then)."""
    st.session_state.digit = None
    st.session_state.digit_error = error


def from_drawing(path: str, bundle: MapBundle) -> None:
    """The drawing pad (components/draw_pad): each finished stroke sends the picture here."""
    item = words_of(path).one
    st.caption(t("digit.draw.caption", item=item))
    loaders.draw_component()(
        key="draw_pad",
        data={
            "label": t("digit.draw.label", item=item),
            "texts": i18n.browser_texts("digit.pad"),
        },
        on_drawing_change=lambda: None,
    )
    value = st.session_state.get("draw_pad")
    drawing = value.get("drawing") if hasattr(value, "get") else None
    if not drawing or drawing.get("seq") == st.session_state.get("canvas_seq"):
        return
    st.session_state.canvas_seq = drawing.get("seq")
    if not drawing.get("strokes") or not drawing.get("png"):  # undone or cleared
        if st.session_state.digit and st.session_state.digit["source"] == "drawing":
            clear()
        return
    try:
        prepared = image.from_canvas_report(image.data_url_pixels(drawing["png"]))
    except image.BlankImageError:
        clear()
        return
    except image.ImageError as e:
        clear(e)
        return
    encode(path, bundle, prepared.image, "drawing", list(prepared.notes))


def upload_help() -> str:
    """The formats and size limit, said the same way everywhere (vae/image.py owns them)."""
    formats = i18n.shown(image.upload_formats_text())
    return t("digit.upload.help", formats=formats, size=image.upload_size_text())


def from_upload(path: str, bundle: MapBundle) -> None:
    upload = st.file_uploader(
        t("digit.upload.label", item=words_of(path).one, help=upload_help()),
        type=list(image.UPLOAD_EXTENSIONS),
        key="digit_upload",
    )
    if upload is None or upload.file_id == st.session_state.get("upload_id"):
        return
    st.session_state.upload_id = upload.file_id
    if upload.size > image.MAX_UPLOAD_BYTES:
        clear(
            t(
                "digit.upload.too_large",
                name=upload.name,
                size=f"{upload.size / 2**20:.1f}",
                help=upload_help(),
            )
        )
        return
    try:
        x28, notes = image.preprocess_upload_report(upload.getvalue())
    except image.BlankImageError:
        clear(blank_message(words_of(path)))
        return
    except image.ImageError as e:
        clear(e)
        return
    except Exception as e:  # noqa: BLE001 - a bad file must never take the page down
        clear(
            t(
                "digit.upload.unreadable",
                name=upload.name,
                kind=type(e).__name__,
                help=upload_help(),
            )
        )
        return
    encode(path, bundle, x28, f"upload: {upload.name}", list(notes))


def result_panel(path: str, bundle: MapBundle) -> None:
    if st.session_state.digit_error:
        st.error(i18n.shown(st.session_state.digit_error))
    digit = st.session_state.digit
    words = words_of(path)
    if not digit or digit["model"] != path:
        # an icon of its own: without one, Streamlit looks for a leading emoji in any text
        # that is not ASCII, and its emoji catalogue costs the first page ~0.1 s
        st.info(t("digit.result.empty", a_item=words.a), icon=":material/draw:")
        return
    for note in digit["notes"]:
        st.warning(i18n.shown(note))
    cols = st.columns(2)
    cols[0].image(render.png_bytes(digit["x28"], 6), caption=t("digit.result.seen"))
    cols[1].image(render.png_bytes(digit["recon"], 6), caption=t("digit.result.recon"))
    mu = digit["mu"]
    text = ", ".join(f"{v:.2f}" for v in mu[:8]) + (", …" if len(mu) > 8 else "")
    where = t("digit.result.star_ellipses" if digit["place_ellipses"] else "digit.result.star")
    st.markdown(f"**μ = ({text})**{where}")
    if bundle.method == "pca":
        st.caption(t("digit.result.pca"))
    elif bundle.method in PLACED:
        st.caption(t(PLACED[bundle.method]))
    if digit["elbo"]:
        score_panel(digit["elbo"], bundle, words)
    if bundle.invertible:
        b1, b2 = st.columns(2)
        yours = t("digit.result.yours", item=words.one)
        b1.button(
            t("digit.result.to_a"),
            key="digit_to_a",
            on_click=morph.set_endpoint,
            args=("a", digit["place"], yours),
        )
        b2.button(
            t("digit.result.to_b"),
            key="digit_to_b",
            on_click=morph.set_endpoint,
            args=("b", digit["place"], yours),
        )


def score_panel(elbo: tuple[float, float, float], bundle: MapBundle, words: ItemWords) -> None:
    """The ELBO, placed among the test images', and what it does (not) mean."""
    score, recon, kl = elbo
    test = np.asarray(bundle.test_elbo or [np.nan])
    share = float(np.mean(test < score)) * 100
    st.metric(
        t("digit.score.label"),
        f"{score:.1f} nats",
        help=t("digit.score.help", recon=f"{recon:.1f}", kl=f"{kl:.1f}"),
    )
    st.caption(
        t(
            "digit.score.caption",
            share=f"{share:.0f}",
            n=f"{len(test):,}",
            median=f"{np.median(test):.1f}",
            item=words.one,
        )
    )


def posterior_and_neighbours(path: str) -> None:
    """Below the two columns: the digit's q(z|x) as samples, and its nearest test images."""
    digit = st.session_state.digit
    if not digit or digit["model"] != path:
        return
    from vae import latent

    model = loaders.checkpoint_of(path).model
    if digit["logvar"]:
        seed = st.session_state.setdefault("digit_seed", 0)
        z = latent.posterior_samples(digit["mu"], digit["logvar"], POSTERIOR_SAMPLES, seed)
        pngs = [render.png_bytes(x, 2) for x in latent.decode(model, z)]
        st.markdown(t("digit.posterior.title", n=len(pngs), seed=seed))
        with st.container(key="digit_posterior"):
            st.image(pngs, caption=[f"z{k + 1}" for k in range(len(pngs))], width=56)
        if st.button(t("digit.posterior.resample"), key="digit_resample"):
            st.session_state.digit_seed += 1
            st.rerun(scope="fragment")
    else:
        st.info(t("digit.posterior.ae"))
    enc = loaders.encoded_of(path)
    data = loaders.splits(loaders.checkpoint_of(path).meta.get("dataset", "mnist"))
    z = np.asarray(digit["mu"], np.float32)
    near = latent.nearest(enc["mu"], z, NEIGHBOURS)
    distance = np.linalg.norm(enc["mu"][near] - z, axis=1)
    classes = class_names(data.classes, i18n.lang())
    st.markdown(t("digit.neighbours.title"))
    with st.container(key="digit_neighbours"):
        st.image(
            [render.png_bytes(data.test.images[j].numpy() / 255.0, 3) for j in near],
            caption=[
                f"“{classes[int(enc['labels'][j])]}” #{j}, {d:.2f}"
                for j, d in zip(near, distance, strict=True)
            ],
            width=84,
        )


@st.fragment
def your_digit(path: str, bundle: MapBundle) -> None:
    state.same_version(path)  # the file replaced on disk: the whole page anew
    left, right = st.columns([1, 1.3])
    with left:
        if st.session_state.get("digit_mode") not in MODES:  # a session from before the ids
            st.session_state.pop("digit_mode", None)
        mode = st.radio(
            t("digit.mode.label"),
            list(MODES),
            key="digit_mode",
            horizontal=True,
            label_visibility="collapsed",
            format_func={m: t(text) for m, text in MODES.items()}.get,  # bound now (see i18n)
        )
        (from_drawing if mode == "draw" else from_upload)(path, bundle)
    with right:
        result_panel(path, bundle)
    posterior_and_neighbours(path)
    # The star and a morph request go to the map in the page (see the module docstring).
    loaders.marker_component()(
        key="digit_marker",
        data={
            "points_url": bundle.points,
            "upload": marker(path, bundle),
            "request": st.session_state.get("morph_request"),  # views/morph.py set_endpoint
        },
    )
