"""The lesson's steps 5-7 in a real Chromium, in English and Chinese: each opens from its
link (`?lesson=N&lang=..`), renders its formula, and answers a click on its map with new
numbers in its panel (the container keyed "lesson_numbers")."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.harness import WATCH_DOM, settle
from tests.browser.test_compare import gap_point
from vae import i18n

pytestmark = pytest.mark.browser

SNAP = "latentExplorer.snapshot"
NUMBERS = ".st-key-lesson_numbers"
MAP = {5: "a", 6: "beta", 7: "dims"}  # the step's map by its name in the page's test API
FIRST = {  # what the panel says before any click
    5: "lesson_models.ae_vs_vae.click_first",
    6: "lesson_models.beta.click_first",
    7: "lesson_models.dims.click_first",
}


def plain(markdown: str) -> str:
    """A catalog text as the page shows it: no Markdown's ** marks."""
    return markdown.replace("**", "")


def open_step(browser, url: str, step: int, lang: str, errors: list[str]):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(WATCH_DOM)  # what settle() tells "no DOM change" from
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{url}/?lesson={step}&lang={lang}")
    wait_map(page, MAP[step])
    return context, page


def wait_map(page, name: str) -> None:
    page.wait_for_function(
        f"() => window.latentExplorer && {SNAP}('{name}')?.ready", timeout=120_000
    )
    settle(page, page.evaluate("performance.now()"))
    no_exception(page)


def no_exception(page) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.text_content()


def numbers(page) -> str:
    return " ".join(page.locator(NUMBERS).inner_text().split())


def click_digit(page, name: str, which: int = 123) -> int:
    """Click test image `which` on map `name`; returns the test image the map pinned."""
    page.wait_for_function(f"() => {SNAP}('{name}')?.ready && {SNAP}('{name}').connected")
    page.evaluate(
        f"latentExplorer.element('{name}').querySelector('.lx-plot')"
        ".scrollIntoView({block: 'center'})"
    )
    at = page.evaluate(
        f"latentExplorer.clientPoint(latentExplorer.point({which}, '{name}'), '{name}')"
    )
    page.mouse.click(at["x"], at["y"])
    index = page.evaluate(f"{SNAP}('{name}').pin.index")
    assert index is not None and index >= 0, "the click did not land on a test image"
    return index


def changed(page, before: str) -> str:
    """Wait until the numbers panel says something else than `before`; return it."""
    page.wait_for_function(
        """b => { const el = document.querySelector('.st-key-lesson_numbers');
                  return el && el.innerText.split(/\\s+/).join(' ').trim() !== b; }""",
        arg=before,
        timeout=60_000,
    )
    settle(page, page.evaluate("performance.now()"))  # the rerun drew all of the panel
    no_exception(page)
    assert page.locator(f"{NUMBERS} .katex").count() >= 1, "no formula filled in"
    return numbers(page)


def per_dimension(text: str, lang: str) -> list[float]:
    """The clicked digit's KL per dimension, as the panel's last line lists them."""
    head = plain(i18n.text("lesson_models.dims.per_dim", lang).split("{values}")[0]).strip()
    found = re.search(re.escape(head) + r"\s*([0-9., ]+)", text)
    assert found, text
    return [float(v) for v in found.group(1).split(",")]


def opened(page, lang: str, step: int) -> str:
    """The step is drawn: its title, its formula, its panel before a click."""
    title = {5: "lesson.titles.s5", 6: "lesson.titles.s6", 7: "lesson.titles.s7"}[step]
    page.get_by_role("heading", name=i18n.text(title, lang)).first.wait_for()
    assert page.locator('[data-testid="stMain"] .katex').count() >= 1, "no formula rendered"
    before = numbers(page)
    assert plain(i18n.text(FIRST[step], lang)) in before
    return before


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_step5_a_click_measures_the_gap_in_both_models(browser, app_url, lang):
    errors: list[str] = []
    context, page = open_step(browser, app_url, 5, lang, errors)
    try:
        before = opened(page, lang, 5)
        assert "%" in before  # the share of test codes inside the prior's disc, per model
        click_digit(page, "a")  # a test digit of the autoencoder: z is its own code
        after = changed(page, before)
        z = page.evaluate(f"{SNAP}('a').pin.z")
        assert f"({z[0]:.3f}, {z[1]:.3f})" in after
        near, gap = (i18n.text(k, lang) for k in ("lesson_models.ae_vs_vae.near_data",
                                                   "lesson_models.ae_vs_vae.gap"))  # fmt: skip
        # on its own code, among the data (model, distance, gap distance, where)
        assert re.search(rf"AE 0\.000 [0-9.]+ {re.escape(near)}", after), after
        # the widest gap in the middle of the autoencoder's view is a gap for it
        point = gap_point(page, "a")
        assert point["px"] > 20, f"no gap found in the autoencoder's map ({point['px']:.0f} px)"
        page.mouse.click(point["x"], point["y"])
        again = changed(page, after)
        z = page.evaluate(f"{SNAP}('a').pin.z")
        assert f"({z[0]:.3f}, {z[1]:.3f})" in again
        assert re.search(rf"AE [0-9.]+ [0-9.]+ {re.escape(gap)}", again), again
        page.locator(NUMBERS).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"lesson5_{lang}.png"))
    finally:
        context.close()
    assert not errors, errors


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_step6_a_clicked_digit_keeps_its_numbers_under_each_beta(browser, app_url, lang):
    errors: list[str] = []
    context, page = open_step(browser, app_url, 6, lang, errors)
    try:
        before = opened(page, lang, 6)
        for beta in ("0.25", "1", "4"):  # the three models' test figures, as a table
            assert re.search(rf"{re.escape(beta)}(?: ◀)? [0-9.]+ [0-9.]+ [0-9.]+", before)
        index = click_digit(page, "beta")
        after = changed(page, before)
        assert f"#{index}" in after and "β = 1" in after
        # another β: the same digit, weighed by another model (its own map, its own figures)
        shown = page.evaluate(f"{SNAP}('beta').data.points_url")
        page.get_by_text("β = 4", exact=True).click()
        page.wait_for_function(  # the β = 4 model's own map, drawn
            f"u => {SNAP}('beta')?.ready && {SNAP}('beta').data.points_url !== u",
            arg=shown,
            timeout=120_000,
        )
        wait_map(page, "beta")
        beta4 = changed(page, after)
        assert f"#{index}" in beta4 and "β = 4" in beta4
        assert page.evaluate(f"{SNAP}('beta').pin.index") == index
        page.locator(NUMBERS).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"lesson6_{lang}.png"))
    finally:
        context.close()
    assert not errors, errors


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_step7_a_clicked_digit_shows_its_kl_per_dimension(browser, app_url, lang):
    errors: list[str] = []
    context, page = open_step(browser, app_url, 7, lang, errors)
    try:
        before = opened(page, lang, 7)
        page.locator(".st-key-latent_size_chart").wait_for()  # the Latent size tab's charts
        index = click_digit(page, "dims")
        after = changed(page, before)
        assert f"#{index}" in after
        kl = per_dimension(after, lang)
        assert len(kl) == 8 and all(v >= 0 for v in kl), after
        # the 16-D model on its t-SNE plane: a click there answers too
        page.get_by_text(i18n.text("lesson_models.dims.model", lang, d=16), exact=True).click()
        page.get_by_text("t-SNE", exact=True).click()
        page.wait_for_function(
            f"() => {SNAP}('dims')?.ready && {SNAP}('dims').data.method === 'tsne'"
            f" && {SNAP}('dims').data.latent_dim === 16",
            timeout=120_000,
        )
        wait_map(page, "dims")
        shown = numbers(page)  # the same digit, now in the 16-D model
        assert len(per_dimension(shown, lang)) == 16
        index = click_digit(page, "dims", 4321)
        tsne = changed(page, shown)
        assert f"#{index}" in tsne
        assert len(per_dimension(tsne, lang)) == 16, tsne
        page.locator(NUMBERS).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"lesson7_{lang}.png"))
    finally:
        context.close()
    assert not errors, errors
