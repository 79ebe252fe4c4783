"""Lesson steps 1-4, on the shipped 2-D VAE: the generative model, the encoder's posterior,
reparameterization and the loss of one digit.

Each draws its text, formula, live view (the explorer's map, live.py), numbers and one
thing to try (frame.py). The live view and the numbers are a fragment: a click on the map,
a button or a slider reruns the step alone. The science is vae/lesson.py and vae/latent.py;
torch work is cached per model file version (path, mtime), as views/compare.py does.

Steps 2-4 share one test digit (session state `lesson_digit`, a test-set index): the one
clicked last in any of them, test image #0 until then, so each step opens with numbers.
"""

from __future__ import annotations

import base64
import html

import numpy as np
import streamlit as st

from vae import lesson, render
from vae.files import mtime

from .. import loaders
from ..i18n import t
from . import frame, live
from .context import Ctx

MODEL = "mnist-vae-2d.pt"  # the shipped 2-D VAE every step of this file shows
DEFAULT_DIGIT = 0  # the test image steps 2-4 open on
PRIOR_MASS = 0.99
SCALE = 5  # a 28x28 image drawn at 140 px
ZOOM_MIN = 0.6  # the zoomed map shows at least μ ± this


def _num(v: float) -> str:
    """A number for a formula: 3 decimals."""
    return f"{v:.3f}"


def _sq(v: float) -> str:
    """v² in a formula: a negative v in parentheses, (−2.368)², not −2.368²."""
    return f"({_num(v)})^2" if _num(v).startswith("-") else f"{_num(v)}^2"


# ---- the torch work, cached per model file version
@st.cache_data(show_spinner=False, max_entries=512)
def decoded_png(path: str, mtime: float, x: float, y: float) -> bytes:
    """decode(z) of z = (x, y), as a PNG."""
    from vae import latent

    model = loaders.checkpoint(path, mtime).model
    return render.png_bytes(latent.decode(model, np.float32([x, y]))[0], SCALE)


@st.cache_data(show_spinner=False, max_entries=256)
def posterior(path: str, mtime: float, index: int) -> tuple[list[float], list[float]]:
    """(μ, log σ²) of test image `index`, from the encoder (loaders.encoded)."""
    enc = loaders.encoded(path, mtime)
    if enc["logvar"] is None:
        raise ValueError(f"{path} is not a VAE")
    return enc["mu"][index].tolist(), enc["logvar"][index].tolist()


def test_image(path: str, index: int) -> np.ndarray:
    """Test image `index` of the model's dataset, (28, 28) in [0, 1]."""
    ckpt = loaders.checkpoint_of(path)
    splits = loaders.splits(ckpt.meta.get("dataset", "mnist"))
    return splits.test.images[index].numpy() / 255.0


@st.cache_data(show_spinner=False, max_entries=256)
def loss_of(path: str, mtime: float, index: int) -> lesson.DigitLoss:
    """vae.lesson.digit_loss of test image `index` (z = μ)."""
    mu, logvar = posterior(path, mtime, index)
    model = loaders.checkpoint(path, mtime).model
    return lesson.digit_loss(model, test_image(path, index), mu, logvar)


def class_of(path: str, index: int) -> str:
    enc = loaders.encoded_of(path)
    return live.bundle_of(path).classes[int(enc["labels"][index])]


# ---- shared by the steps ------------------------------------------------------------------------
def model_or_message(ctx: Ctx) -> str | None:
    path = ctx.model(MODEL)
    if path is None:
        frame.missing(MODEL)
    return path


def digit() -> int:
    return st.session_state.setdefault("lesson_digit", DEFAULT_DIGIT)


def on_digit_click(click: dict | None) -> None:
    """A click in steps 2-4: a test image becomes the lesson's digit; empty space is
    answered with a hint (st.session_state.lesson_missed)."""
    if click is None:
        return
    if click["index"] is None:
        st.session_state.lesson_missed = True
        return
    st.session_state.lesson_missed = False
    st.session_state.lesson_digit = click["index"]


def zoom_around(mu, logvar) -> list[float]:
    """A view centred on μ, wide enough for q(z|x)'s 2σ ellipse several times over."""
    half = max(ZOOM_MIN, 6 * float(lesson.sigma_of(logvar).max()))
    return [mu[0] - half, mu[0] + half, mu[1] - half, mu[1] + half]


def digit_map(
    path: str,
    key: str,
    index: int,
    marks: list[dict] | None = None,
    samples: bool = False,
    zoom_first: bool = False,
) -> None:
    """The map with the lesson's digit pinned: the map draws its q(z|x) ellipses itself.
    A toggle above it (on at first if zoom_first) opens the map zoomed in around the digit."""
    mu, logvar = posterior(path, mtime(path), index)
    zoomed = st.toggle(
        t("lesson.common.zoom"),
        value=zoom_first,
        key=f"{key}_zoomed",
        help=t("lesson.common.zoom_help"),
    )
    live.lesson_map(
        path,
        key,
        pin=live.pin_at(mu, index, class_of(path, index)),
        marks=marks,
        zoom=zoom_around(mu, logvar) if zoomed else None,
        show_samples=samples,
        on_click=on_digit_click,
    )
    if st.session_state.get("lesson_missed"):
        st.caption(t("lesson.common.missed"))


def figure(png: bytes, caption: str, width: int) -> str:
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    text = html.escape(caption)
    return (
        f'<figure style="margin:0 0 .6rem 0;text-align:center;width:{width}px">'
        f'<img src="{src}" alt="{text}" width="{width}" style="image-rendering:pixelated">'
        f'<figcaption style="font-size:.8rem;color:#5c5f6b">{text}</figcaption></figure>'
    )


def image(png: bytes, caption: str) -> None:
    """A decoded image in the page itself (a data URL): a slider moved fast reruns the step
    many times, and st.image's media files of the runs in between are gone (404) by the
    time the browser asks for them."""
    st.html(figure(png, caption, 28 * SCALE))


# ---- (1) the generative model -------------------------------------------------------------------
def sample_z() -> None:
    """The button: the next seeded draw z ~ N(0, I) (vae.latent.prior_samples)."""
    from vae import latent

    seed = st.session_state.get("lesson_seed", -1) + 1
    st.session_state.lesson_seed = seed
    z = latent.prior_samples(2, 1, seed=seed)[0]
    st.session_state.lesson_z = {"z": [float(z[0]), float(z[1])], "seed": seed}


def on_z_click(click: dict | None) -> None:
    if click is not None:
        st.session_state.lesson_z = {"z": click["z"], "seed": None}


def step_generative(ctx: Ctx) -> None:
    path = model_or_message(ctx)
    if path is None:
        return
    frame.text(t("lesson.s1.text"))
    frame.formula(
        r"\begin{gathered} p(x) = \int p(x \mid z)\, p(z)\, dz \\"
        r" z \sim p(z) = \mathcal{N}(0, I), \quad x = \mathrm{decode}(z) \end{gathered}"
    )
    generative_live(path)
    frame.try_this(t("lesson.s1.try"))


@st.fragment
def generative_live(path: str) -> None:
    from vae import latent

    chosen = st.session_state.get("lesson_z")
    left, right = st.columns([3, 1])
    with right:
        st.button(
            t("lesson.s1.sample"),
            key="lesson_sample",
            on_click=sample_z,
            icon=":material/casino:",
            help=t("lesson.s1.sample_help"),
        )
        if chosen:
            z = chosen["z"]
            image(decoded_png(path, mtime(path), z[0], z[1]), t("lesson.s1.decoded"))
    with left:
        live.lesson_map(
            path,
            "lesson_map_1",
            pin=live.pin_at(chosen["z"]) if chosen else None,
            prior_ring={
                "r": latent.prior_radius(2, PRIOR_MASS),
                "label": t("lesson.s1.ring", mass=f"{PRIOR_MASS:.0%}"),
            },
            on_click=on_z_click,
        )
    with frame.numbers():
        if not chosen:
            st.markdown(t("lesson.s1.empty"))
            return
        z = chosen["z"]
        where = (
            t("lesson.s1.sampled", seed=chosen["seed"])
            if chosen["seed"] is not None
            else t("lesson.s1.clicked")
        )
        st.markdown(f"**z = ({_num(z[0])}, {_num(z[1])})** · {where}")
        logp = lesson.log_prior(z)
        st.latex(
            rf"\log p(z) = -\tfrac12\left({_sq(z[0])} + {_sq(z[1])}\right) - \log 2\pi"
            rf" = {_num(logp)}"
        )
        st.caption(t("lesson.s1.density", p=f"{np.exp(logp):.4f}"))


# ---- (2) the encoder's posterior ----------------------------------------------------------------
def step_posterior(ctx: Ctx) -> None:
    path = model_or_message(ctx)
    if path is None:
        return
    frame.text(t("lesson.s2.text"))
    frame.formula(
        r"\begin{gathered} q(z \mid x) = \mathcal{N}\!\left(\mu(x),\ \operatorname{diag}"
        r"\sigma^2(x)\right) \\ (\mu, \log\sigma^2) = \text{" + t("lesson.common.encoder")
        + r"}(x) \end{gathered}"
    )
    posterior_live(path)
    frame.try_this(t("lesson.s2.try"))


@st.fragment
def posterior_live(path: str) -> None:
    index, version = digit(), mtime(path)
    left, right = st.columns([3, 1])
    with left:
        digit_map(path, "lesson_map_2", index, samples=True)
    mu, logvar = posterior(path, version, index)
    sigma = lesson.sigma_of(logvar)
    with right:
        image(
            render.png_bytes(test_image(path, index), SCALE),
            t("lesson.common.original", i=index, label=class_of(path, index)),
        )
        image(decoded_png(path, version, mu[0], mu[1]), t("lesson.s2.mean"))
    with frame.numbers():
        st.markdown(t("lesson.s2.numbers", i=index, label=class_of(path, index)))
        st.latex(
            rf"\mu = ({_num(mu[0])},\ {_num(mu[1])}),\quad"
            rf"\sigma = ({_num(sigma[0])},\ {_num(sigma[1])})"
        )
        st.latex(
            rf"q(z \mid x) = \mathcal{{N}}\!\left(\begin{{pmatrix}}{_num(mu[0])}\\{_num(mu[1])}"
            rf"\end{{pmatrix}},\ \begin{{pmatrix}}{_num(sigma[0])}^2 & 0\\ 0 & {_num(sigma[1])}^2"
            rf"\end{{pmatrix}}\right)"
        )


# ---- (3) reparameterization ---------------------------------------------------------------------
def step_reparameterization(ctx: Ctx) -> None:
    path = model_or_message(ctx)
    if path is None:
        return
    frame.text(t("lesson.s3.text"))
    frame.formula(r"z = \mu + \sigma \odot \varepsilon, \qquad \varepsilon \sim \mathcal{N}(0, I)")
    reparameterization_live(path)
    frame.try_this(t("lesson.s3.try"))


@st.fragment
def reparameterization_live(path: str) -> None:
    index, version = digit(), mtime(path)
    mu, logvar = posterior(path, version, index)
    sigma = lesson.sigma_of(logvar)
    limit = lesson.EPS_LIMIT
    left, right = st.columns([3, 1])
    with right:
        eps = [
            st.slider("ε₁", -limit, limit, 0.0, 0.1, key="lesson_eps1", help=t("lesson.s3.eps")),
            st.slider("ε₂", -limit, limit, 0.0, 0.1, key="lesson_eps2", help=t("lesson.s3.eps")),
        ]
        z = lesson.reparameterize(mu, logvar, eps)
        image(decoded_png(path, version, float(z[0]), float(z[1])), t("lesson.s3.decoded"))
        image(decoded_png(path, version, mu[0], mu[1]), t("lesson.s2.mean"))
    with left:
        # zoomed in at first: z moves within σ of μ, a few pixels on the whole map
        digit_map(path, "lesson_map_3", index, [live.mark(z, "z", "#e07000")], zoom_first=True)
    with frame.numbers():
        st.markdown(t("lesson.s3.numbers", i=index, label=class_of(path, index)))
        rows = [
            rf"z_{j + 1} = {_num(mu[j])} + {_num(sigma[j])} \times ({eps[j]:.1f})"
            rf" = {_num(z[j])}"
            for j in range(2)
        ]
        st.latex(r"\begin{aligned}" + r"\\".join(rows) + r"\end{aligned}")


# ---- (4) the loss of one digit ------------------------------------------------------------------
def step_loss(ctx: Ctx) -> None:
    path = model_or_message(ctx)
    if path is None:
        return
    frame.text(t("lesson.s4.text"))
    frame.formula(
        r"\begin{aligned} \mathcal{L}(x) = {} & \underbrace{-\sum_{i=1}^{784} \left[x_i"
        r" \log \hat x_i + (1 - x_i) \log(1 - \hat x_i)\right]}_{\mathrm{BCE}} \\"
        r" & \underbrace{-\ \tfrac12 \sum_{j} \left(1 + \log\sigma_j^2 - \mu_j^2"
        r" - \sigma_j^2\right)}_{\mathrm{KL}} \end{aligned}"
    )
    loss_live(path)
    frame.try_this(t("lesson.s4.try"))


@st.fragment
def loss_live(path: str) -> None:
    index, version = digit(), mtime(path)
    mu, logvar = posterior(path, version, index)
    sigma = lesson.sigma_of(logvar)
    parts = loss_of(path, version, index)
    left, right = st.columns([3, 1])
    with left:
        digit_map(path, "lesson_map_4", index)
    with right:
        image(
            render.png_bytes(test_image(path, index), SCALE),
            t("lesson.common.original", i=index, label=class_of(path, index)),
        )
        image(decoded_png(path, version, mu[0], mu[1]), t("lesson.s4.recon"))
    test = loaders.facts_of(path).get("test") or {}
    with frame.numbers():
        st.markdown(t("lesson.s4.numbers", i=index, label=class_of(path, index)))
        st.caption(t("lesson.s4.which_z"))
        terms = [
            rf"-\tfrac12\left(1 + \log {_sq(sigma[j])} - {_sq(mu[j])} - {_sq(sigma[j])}"
            rf"\right) \\ &= {_num(parts.kl_terms[j])}"  # two lines: it fits a phone
            for j in range(len(mu))
        ]
        st.latex(
            r"\begin{aligned}"
            rf"\mathrm{{BCE}} &= {parts.bce:.2f}\\"
            + r"\\".join(rf"\mathrm{{KL}}_{j + 1} &= {term}" for j, term in enumerate(terms))
            + rf"\\ \mathrm{{KL}} &= {parts.kl:.2f}"
            rf"\\ \mathrm{{BCE}} + \mathrm{{KL}} &= {parts.total:.2f}"
            r"\end{aligned}"
        )
        if {"recon", "kl", "nelbo"} <= set(test):
            st.markdown(
                t(
                    "lesson.s4.average",
                    recon=f"{test['recon']:.1f}",
                    kl=f"{test['kl']:.2f}",
                    nelbo=f"{test['nelbo']:.1f}",
                )
            )
