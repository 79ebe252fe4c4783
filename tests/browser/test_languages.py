"""The page in Simplified Chinese and in English (in a real Chromium): `?lang=zh` leaves no
English UI text, a first visit follows the browser's language, the sidebar's switch turns
the page and its link to Chinese, and a link's `lang=en` wins over a Chinese browser.

What may stay in Latin letters on a Chinese page: model and file names, numbers and units,
and the names the lecture keeps (VAE, AE, KL, BCE, ELBO, PCA, t-SNE, UMAP, MNIST...).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import ARTIFACTS, IDLE, PAGE_BUILT, READY, open_app, wait_idle

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1366, "height": 900}  # a laptop's screen
SIDEBAR = '[data-testid="stSidebar"]'
MAIN = '[data-testid="stMainBlockContainer"]'
TITLE = f"{MAIN} h1"
TAB = '[data-testid="stTabs"] [role="tab"]'
# Latin words a Chinese page may show (lower case): the names the lecture keeps, the
# datasets, formats and units, the other language's own name on the language switch, the
# names of symbols (morph ends A/B, arithmetic slots A/B/C, the walk's step s), slerp (after
# its Chinese name, as the lecture names methods) and the README a caption points to.
ALLOWED = {
    "vae", "ae", "kl", "bce", "elbo", "pca", "t-sne", "umap", "mnist", "fashion-mnist",
    "mlp", "cnn", "conv", "csv", "html", "png", "gif", "python", "nats", "mb", "kb", "px",
    "english", "μ", "σ", "β", "x", "y", "z", "p", "q", "d", "n", "i", "t", "a", "b", "c", "s",
    "ok", "slerp", "readme",
    "vae-train", "cc", "by-sa", "mit", "zalando", "mlxtend", "idx", "torchvision", "utc",
}  # fmt: skip
# Model and file names (mnist-vae-2d.pt, mnist-vae-2d-beta4, checkpoints/): as they are
NAME = re.compile(r"\b[\w.+-]*(?:vae|ae|untrained)[\w.+-]*\b|\b\w+\.(?:pt|csv|html|npz)\b|\w+/")
# Streamlit's own words, not the app's: the skip link for screen readers and the names of
# the Material icons it draws as ligatures (keyboard_arrow_right)
CHROME = re.compile(r"Skip to main content|\b[a-z]+(?:_[a-z]+)+\b")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")


def english_words(text: str) -> list[str]:
    """The Latin words of text that are not names, units or allowed terms, each once."""
    plain = NAME.sub(" ", CHROME.sub(" ", text))
    found = {w for w in WORD.findall(plain) if w.lower() not in ALLOWED}
    return sorted(found, key=str.lower)


# Streamlit's Material icons are a font's ligatures: the element's text is the icon's
# name ("draw"), which is drawn as a picture, never read as a word
ICONS = "[data-testid='stIconMaterial'], [data-testid$='DynamicIcon']"


def visible_text(page, selector: str = "body") -> str:
    """The text a reader sees in `selector`'s first element, icons left out."""
    return page.locator(selector).first.evaluate(
        """(el, icons) => {
          const hidden = [...el.querySelectorAll(icons)];
          const before = hidden.map((i) => i.style.display);
          hidden.forEach((i) => { i.style.display = "none"; });
          const text = el.innerText;
          hidden.forEach((i, k) => { i.style.display = before[k]; });
          return text;
        }""",
        ICONS,
    )


def open_page(browser, url: str, **options):
    """(context, page) on url once the map is drawn and the script idle."""
    errors: list[str] = []
    context, page = open_app(browser, url, errors, viewport=VIEWPORT, **options)
    page.wait_for_function("window.latentExplorer && window.latentExplorer.snapshot().n > 0")
    page.errors = errors
    return context, page


def query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_the_sidebar_title_intro_and_tabs_speak_chinese(browser, app_url):
    """The page around the views (this branch's part of the catalogs) holds no English."""
    context, page = open_page(browser, f"{app_url}/?lang=zh")
    try:
        page.screenshot(path=str(ARTIFACTS / "languages-zh.png"))
        assert visible_text(page, TITLE) == "隐空间探索器"
        parts = {
            "sidebar": visible_text(page, SIDEBAR),
            "title": visible_text(page, TITLE),
            "intro": visible_text(page, f"{MAIN} [data-testid='stCaptionContainer']"),
            "tabs": "\n".join(page.locator(TAB).all_inner_texts()),
        }
        assert "你的数字" in parts["tabs"] and "流形" in parts["tabs"]
        left = {name: english_words(text) for name, text in parts.items()}
        assert not any(left.values()), f"English words on the ?lang=zh page: {left}"
        assert "lang" not in query(page) or query(page)["lang"] == "zh"
        assert not page.errors, page.errors
    finally:
        context.close()


def test_a_chinese_page_has_no_english_ui_text(browser, app_url):
    """`?lang=zh`: the whole visible page, each tab opened in turn, has no English word
    beyond names, numbers and the kept terms. (Fails, listing the words, while a view's
    texts are not in the catalogs yet.)"""
    context, page = open_page(browser, f"{app_url}/?lang=zh")
    try:
        found: dict[str, list[str]] = {}
        tabs = page.locator(TAB)
        for i in range(tabs.count()):
            tab = tabs.nth(i)
            label = tab.inner_text()
            tab.click()
            page.wait_for_timeout(500)  # the rerun starts, a tab's component draws after it
            page.wait_for_selector(IDLE, state="attached", timeout=300_000)  # Compare: slow
            words = english_words(visible_text(page))
            if words:
                found[label] = words
        page.screenshot(path=str(ARTIFACTS / "languages-zh-last-tab.png"))
        print("English words on the ?lang=zh page, by open tab:", found)
        assert not found, f"English words on the ?lang=zh page, by open tab: {found}"
    finally:
        context.close()


@pytest.mark.parametrize(
    ("locale", "title", "model", "lang"),
    [("zh-CN", "隐空间探索器", "模型", "zh"), ("en-US", "Latent Explorer", "Model", None)],
)
def test_a_first_visit_speaks_the_browsers_language(browser, app_url, locale, title, model, lang):
    """No lang= in the link: the browser's language; the link then carries it (lang=zh), so
    whoever opens a shared link sees the page as it was shared. English is the default."""
    context, page = open_page(browser, app_url, locale=locale)
    try:
        assert visible_text(page, TITLE) == title
        assert page.locator(SIDEBAR).get_by_text(model, exact=True).count() == 1
        assert query(page).get("lang") == lang
    finally:
        context.close()


def test_the_sidebar_switch_turns_the_page_and_its_link_chinese(browser, app_url):
    context, page = open_page(browser, app_url, locale="en-US")
    try:
        assert visible_text(page, TITLE) == "Latent Explorer"
        page.locator(SIDEBAR).get_by_text("中文", exact=True).click()
        page.wait_for_function(
            f"document.querySelector('{TITLE}')?.innerText === '隐空间探索器'", timeout=60_000
        )
        page.wait_for_selector(READY)
        page.wait_for_selector(PAGE_BUILT)
        wait_idle(page)
        page.wait_for_function("location.search.includes('lang=zh')", timeout=30_000)
        assert query(page)["lang"] == "zh"
        sidebar = visible_text(page, SIDEBAR)
        assert "模型" in sidebar and "数据集" in sidebar, sidebar
        assert "你的数字" in "\n".join(page.locator(TAB).all_inner_texts())
        assert not page.errors, page.errors
    finally:
        context.close()


def test_a_link_in_english_stays_english_on_a_chinese_browser(browser, app_url):
    context, page = open_page(browser, f"{app_url}/?lang=en", locale="zh-CN")
    try:
        assert visible_text(page, TITLE) == "Latent Explorer"
        assert page.locator(SIDEBAR).get_by_text("Model", exact=True).count() == 1
        assert "Your digit" in "\n".join(page.locator(TAB).all_inner_texts())
        assert query(page).get("lang") in (None, "en")
    finally:
        context.close()
