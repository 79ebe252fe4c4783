"""The session's language (vae/i18n.py holds the catalogs): `t(key, **params)` for a text,
`shown(error)` for an error raised with a key, and the sidebar's language choice.

The first run picks the language from the link (`lang=zh|en`), else the browser's
(st.context.locale), else English; the sidebar switches it, and the link keeps it.
"""

from __future__ import annotations

import streamlit as st

from vae import i18n


def init() -> None:
    """On a session's first run: the language the link or the browser asks for."""
    if st.session_state.get("lang") not in i18n.LANGS:
        asked = st.query_params.get("lang")
        st.session_state.lang = i18n.pick(asked, st.context.locale)


def lang() -> str:
    value = st.session_state.get("lang")
    return value if value in i18n.LANGS else i18n.DEFAULT


def in_link() -> str | None:
    """The language for the link: None for English (a link without `lang=` opens in the
    reader's browser language)."""
    return None if lang() == i18n.DEFAULT else lang()


def t(key: str, /, **params) -> str:
    """The text of key in the session's language (vae/i18n.py: keys and templates).

    Call it while the page runs: a widget's format_func gets a dict of texts made now
    (`{v: t(...) for v in options}.get`), not a lambda calling t, since Streamlit (and its
    AppTest) may call format_func later, outside the session, where the language is unknown.
    """
    return i18n.text(key, lang(), **params)


def shown(error: object) -> str:
    """An error (or a Msg) in the session's language: its key's text if it was raised with
    one (vae.i18n.msg), else its own words."""
    return i18n.localize(error, lang())


def browser_texts(*prefixes: str) -> dict[str, str]:
    """The catalog entries a component needs, in the session's language."""
    return i18n.texts(lang(), *prefixes)


def choose() -> None:
    """The sidebar's language switch; the whole page is drawn again in the other language."""
    st.radio(
        t("app.sidebar.language"),
        i18n.LANGS,
        format_func=i18n.NAMES.get,
        key="lang",
        horizontal=True,
        label_visibility="collapsed",
    )
