"""The tabs under the map in Simplified Chinese (in a real Chromium): with `?lang=zh`, Your
digit (drawn and uploaded), Manifold, Watch it learn, Compare (with a click) and Latent size
show no English words beyond the names a Chinese page keeps. Each tab's words are printed.

What may stay in Latin letters: model and file names, numbers and units, the names the
lecture keeps (VAE, AE, KL, ELBO, PCA, t-SNE, UMAP, MNIST...), image formats, code, the
notation decode(z), and a cited author. Not checked here: Streamlit's own words in the file
uploader's drop zone ("Drag and drop file here", "Browse files"), which Streamlit does not
let an app change, and the page around the tabs (tests/browser/test_languages.py).
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageDraw

from tests.browser.conftest import ARTIFACTS, open_app, wait_idle

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1366, "height": 900}  # a laptop's screen
TAB = '[data-testid="stTabs"] [role="tab"]'
PANEL = '[data-testid="stTabs"] [role="tabpanel"]:not([hidden])'
DIGIT, MANIFOLD, LEARN, COMPARE, SIZE = range(5)  # the tabs in page.py's order
SNAP = "latentExplorer.snapshot"
# Latin words a Chinese tab may show (lower case)
ALLOWED = {
    "vae", "ae", "kl", "elbo", "pca", "pc", "t-sne", "umap", "umap-learn", "opentsne",
    "mnist", "fashion-mnist", "mlp", "readme", "nats", "mb", "png", "jpeg", "webp", "bmp",
    "gif", "heic", "decode", "nalisnick", "x", "y", "z", "p", "q", "i", "n", "a", "b",
}  # fmt: skip
# Model and file names (mnist-vae-2d, mnist-vae-2d-beta4.pt, checkpoints/): as they are
NAME = re.compile(r"\b[\w.+-]*(?:vae|ae|untrained)[\w.+-]*\b|\b\w+\.(?:pt|csv|html|npz)\b|\w+/")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
# Not the tabs' own words: code, and Streamlit's drop zone of the file uploader
# Streamlit's Material icons are a font's ligatures (their text is the icon's name, "draw"),
# drawn as pictures: not words
SKIP = (
    "code, [data-testid='stFileUploaderDropzone'], style, script, "
    "[data-testid='stIconMaterial'], [data-testid$='DynamicIcon']"
)

# The text a user sees in a part of the page: visible text nodes (inside components' shadow
# roots too), without the parts `skip` selects, and the aria-labels our components set.
SEEN_JS = """([selector, skip]) => {
  const out = [];
  const walk = (root) => {
    const nodes = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let n = nodes.nextNode(); n; n = nodes.nextNode()) {
      if (n.nodeType === Node.ELEMENT_NODE) {
        if (n.shadowRoot) walk(n.shadowRoot);
        continue;
      }
      const el = n.parentElement;
      if (!el || el.closest(skip) || !el.checkVisibility()) continue;
      out.push(n.textContent);
    }
    root.querySelectorAll(".rp-root [aria-label], .lx-pad [aria-label]").forEach((e) => {
      if (!e.closest(skip)) out.push(e.getAttribute("aria-label"));
    });
  };
  walk(document.querySelector(selector));
  return out.join("\\n");
}"""


def english_words(text: str, allowed: set[str]) -> list[str]:
    """The Latin words of text that are not names, units or allowed terms, each once."""
    plain = NAME.sub(" ", text)
    return sorted({w for w in WORD.findall(plain) if w.lower() not in allowed}, key=str.lower)


def seen(page) -> str:
    """The open tab's text, the maps' own labels included."""
    return page.evaluate(SEEN_JS, [PANEL, SKIP])


@pytest.fixture(scope="module")
def zh_page(browser, app_url):
    errors: list[str] = []
    context, page = open_app(browser, f"{app_url}/?lang=zh", errors, viewport=VIEWPORT)
    page.wait_for_function("window.latentExplorer && window.latentExplorer.snapshot().n > 0")
    page.errors = errors
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"


def open_tab(page, index: int) -> None:
    page.locator(TAB).nth(index).click()
    page.wait_for_selector(PANEL)
    wait_idle(page)


def check(page, name: str) -> None:
    """No English on the open tab (printed either way), and a screenshot of it."""
    wait_idle(page)
    text = seen(page)
    left = english_words(text, ALLOWED)
    print(f"\n[{name}] English words: {left or 'none'}\n{text}")
    page.screenshot(path=str(ARTIFACTS / f"languages-zh-{name}.png"))
    assert re.search(r"[\u4e00-\u9fff]", text), f"{name}: no Chinese at all"
    assert not left, f"English words on the {name} tab with ?lang=zh: {left}\n{text}"


def stroke_picture() -> bytes:
    """A photo-like 1: a thick dark stroke on light paper, as a JPEG."""
    image = Image.new("L", (240, 240), 225)
    ImageDraw.Draw(image).line([(125, 40), (115, 200)], fill=30, width=22)
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_your_digit_drawn_and_uploaded_speaks_chinese(zh_page):
    page = zh_page
    open_tab(page, DIGIT)
    page.locator(".lx-pad-undo").wait_for()
    assert page.locator(".lx-pad-undo").inner_text() == "撤销一笔"
    check(page, "digit-draw")
    page.locator(".st-key-digit_mode").get_by_text("上传图片").click()
    wait_idle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "one.jpg", "mimeType": "image/jpeg", "buffer": stroke_picture()}]
    )
    page.locator(".st-key-digit_neighbours img").first.wait_for(timeout=60_000)
    page.get_by_text("模型看到的（28×28）").wait_for()
    check(page, "digit-upload")


def test_manifold_speaks_chinese(zh_page):
    page = zh_page
    open_tab(page, MANIFOLD)
    page.locator(".st-key-grid_go button").click()
    page.locator(PANEL).locator('[data-testid="stImage"] img').first.wait_for(timeout=60_000)
    check(page, "manifold")


def test_watch_it_learn_speaks_chinese(zh_page):
    page = zh_page
    open_tab(page, LEARN)
    page.wait_for_function("() => window.__lxReplay && window.__lxReplay.epochs.length > 1")
    epoch = page.evaluate("window.__lxReplay.root.querySelector('.rp-epoch').textContent")
    assert re.fullmatch(r"第 \d+ / \d+ 轮", epoch), epoch
    assert page.locator(".rp-play").get_attribute("aria-label") == "播放"
    check(page, "learn")


def test_compare_with_a_click_speaks_chinese(zh_page):
    page = zh_page
    open_tab(page, COMPARE)
    page.wait_for_function(f"() => ['a', 'b'].every(k => {SNAP}(k)?.ready)", timeout=90_000)
    wait_idle(page)
    page.evaluate(
        "latentExplorer.element('a').querySelector('.lx-plot').scrollIntoView({block: 'center'})"
    )
    at = page.evaluate("latentExplorer.clientPoint(latentExplorer.point(0, 'a'), 'a')")
    page.mouse.click(at["x"], at["y"])
    page.locator('[data-testid="stImage"]').filter(has_text="decode(z)").nth(1).wait_for()
    page.locator(".st-key-cmp_prior_b img").wait_for()
    check(page, "compare")


def test_latent_size_speaks_chinese(zh_page):
    page = zh_page
    open_tab(page, SIZE)
    page.locator(".st-key-latent_size_chart").wait_for()
    check(page, "latent-size")
