"""The map component and the exported page in Chinese (`?lang=zh`), and a switch of language
that relabels the map without drawing it again (issue 17: no English UI text in Chinese,
model names and numbers aside)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS, open_app, wait_idle
from tests.browser.test_explorer import client_point

pytestmark = pytest.mark.browser

ROOT_EL = ".lx-root"
# Latin words a Chinese map may show: names of models, methods, formats, keys, its name.
ALLOWED = {"vae", "kl", "pca", "mlp", "mnist", "png", "gif", "slerp", "shift", "esc", "elbo",
           "nats", "float", "pytorch", "latent", "explorer"}  # fmt: skip

# What the map shows in Chinese, once a test digit is clicked.
ZH_WORDS = ("指针下方", "点击的点", "插值变形", "逐维游走", "数字：", "重新采样", "测试数字 #5",
            "最近的测试图像", "解码(μ)", "放大", "隐空间地图")  # fmt: skip

# Every text a reader of the map meets: its text (Plotly's SVG too: legend, axes), and
# the aria-labels, titles, Plotly's tooltips (data-title) and aria-valuetext of its elements.
MAP_TEXTS = """(sel) => {
  const root = document.querySelector(sel), out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const style = n.parentElement && getComputedStyle(n.parentElement);
    if (n.textContent.trim() && style && style.display !== "none") out.push(n.textContent.trim());
  }
  for (const el of root.querySelectorAll("[aria-label], [title], [data-title], [aria-valuetext]")) {
    for (const a of ["aria-label", "title", "data-title", "aria-valuetext"]) {
      if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
  }
  return out;
}"""


def english_words(texts: list[str]) -> list[str]:
    """Latin words of three letters or more that are not names (ALLOWED)."""
    found = []
    for text in texts:
        for word in re.findall(r"[A-Za-z][A-Za-z\-]{2,}", text):
            if word.lower() not in ALLOWED:
                found.append(f"{word} (in “{text}”)")
    return found


def map_texts(page) -> list[str]:
    return page.evaluate(MAP_TEXTS, ROOT_EL)


def click_test_digit(page, index: int) -> None:
    """Click test image `index` and wait for its panel: posterior samples, neighbours, walk."""
    z = page.evaluate(f"latentExplorer.point({index})")
    page.locator(f"{ROOT_EL} .lx-plot").evaluate("el => el.scrollIntoView({block: 'center'})")
    at = client_point(page, z)
    page.mouse.move(at["x"], at["y"])
    page.mouse.click(at["x"], at["y"])
    page.wait_for_function(f"() => latentExplorer.snapshot().pin?.index === {index}")
    page.wait_for_function("() => latentExplorer.snapshot().samples !== null"
                           " && latentExplorer.snapshot().neighbours !== null")  # fmt: skip
    page.locator(f"{ROOT_EL} .lx-walk").scroll_into_view_if_needed()  # drawn once in view
    page.locator(f"{ROOT_EL} .lx-walk-row").first.wait_for()


def test_the_map_in_chinese_then_english_without_a_new_plot(browser, app_url):
    errors: list[str] = []
    context, page = open_app(browser, f"{app_url}/?lang=zh", errors,
                             viewport={"width": 1400, "height": 1000})  # fmt: skip
    try:
        page.wait_for_function("() => latentExplorer.snapshot()?.ready")
        assert page.evaluate("latentExplorer.snapshot().data.lang") == "zh"
        click_test_digit(page, 5)
        texts = map_texts(page)
        joined = " | ".join(texts)
        for words in ZH_WORDS:
            assert words in joined, f"{words} is not on the map: {joined}"
        assert english_words(texts) == [], joined
        assert page.evaluate("latentExplorer.snapshot().view.titles") == ["z₁", "z₂"]
        page.screenshot(path=str(ARTIFACTS / "map_zh.png"))

        # English from the sidebar: the same plot (Plotly draws no new one), every word anew
        page.evaluate("document.querySelector('.lx-root .plot-container').dataset.probe = 'kept'")
        page.locator(".st-key-lang").get_by_text("English").click()
        page.wait_for_function("() => latentExplorer.snapshot().data.lang === 'en'")
        wait_idle(page)
        hover_title = page.locator(f"{ROOT_EL} .lx-hover-title")
        assert hover_title.text_content() == "Under the pointer"
        assert (
            page.evaluate("document.querySelector('.lx-root .plot-container').dataset.probe")
            == "kept"
        )
        assert page.evaluate("latentExplorer.snapshot().pin.index") == 5  # the click stays
        page.locator(f"{ROOT_EL} .lx-details").get_by_text("test digit #5").first.wait_for()
        page.wait_for_function(
            "() => document.querySelector('.lx-root .legend .legendtitletext')"
            "?.textContent === 'digit:'"
        )
        english = " | ".join(map_texts(page))
        for words in ("Resample", "Walk every dimension", "Zoom in", "Arrow keys", "shown"):
            assert words in english, f"{words} is not on the map: {english}"
        assert not re.search(r"[\u4e00-\u9fff]", english), english
    finally:
        context.close()
    assert not errors, errors


def test_the_exported_page_from_a_chinese_session_is_chinese(browser, app_url, tmp_path):
    context, page = open_app(browser, f"{app_url}/?lang=zh",
                             viewport={"width": 1400, "height": 1000})  # fmt: skip
    try:
        button = page.locator(".st-key-dl_explorer button").first  # (the second: its help)
        button.scroll_into_view_if_needed()
        with page.expect_download(timeout=120_000) as info:
            button.click()
        path = tmp_path / "explorer.html"
        info.value.save_as(path)
        html = path.read_text(encoding="utf-8")
        assert html.startswith('<!doctype html>\n<html lang="zh">')

        page.goto(path.as_uri())
        page.wait_for_function("window.latentExplorer && window.latentExplorer.snapshot().ready")
        assert page.inner_text("#legend-title") == "类别："
        assert page.inner_text("#hover-title") == "指针下方"
        assert "个测试数字" in page.inner_text("#facts")
        data = page.evaluate("JSON.parse(document.getElementById('lx-data').textContent)")
        body = page.inner_text("body")
        for name in (data["credit"], data["model"]["name"]):  # the dataset's credit, the model's
            body = body.replace(name, "")
        attributes = page.evaluate(
            "() => [...document.querySelectorAll('[aria-label], [title]')]"
            ".flatMap((el) => [el.getAttribute('aria-label'), el.title].filter(Boolean))"
        )
        assert english_words([body, *attributes]) == [], body
        page.screenshot(path=str(ARTIFACTS / "export_zh.png"), full_page=True)
    finally:
        context.close()
