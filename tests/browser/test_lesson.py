"""The guided lesson in a real Chromium: each step opened by its link in both languages,
its title and formula drawn (KaTeX), and its live view answering: a click on the map (or a
slider) changes the step's numbers panel (`.st-key-lesson_numbers`).

Steps are parametrized: a step adds an entry to ACTIONS (what to do on its live view so
its numbers change). Steps 5-7 come from the lesson2 branch.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.browser.conftest import ARTIFACTS, IDLE, READY, wait_idle

pytestmark = pytest.mark.browser

NUMBERS = ".st-key-lesson_numbers"
HEADER = "[data-testid='stMain'] h2"  # the step's title
CJK = re.compile(r"[\u4e00-\u9fff]")
TITLES = {  # a word of each step's title in each language (locales/*/lesson.toml)
    "en": {1: "generative", 2: "encoder", 3: "Reparameterization", 4: "loss"},
    "zh": {1: "生成模型", 2: "编码器", 3: "重参数化", 4: "损失"},
}


def open_lesson(browser, url: str, query: str, errors: list[str]):
    """A new session on `url/?query` (a lesson link): (context, page), the step drawn."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{url}/?{query}")
    page.wait_for_selector(".st-key-lesson_prev", timeout=60_000)  # the lesson's page
    wait_drawn(page)
    return context, page


def wait_drawn(page, with_map: bool = True) -> None:
    """The step drawn: the script idle, its numbers panel there and (with_map) its map."""
    wait_idle(page)
    page.wait_for_selector(NUMBERS)
    if with_map:
        page.wait_for_selector(READY, timeout=60_000)


def numbers(page) -> str:
    return page.inner_text(NUMBERS)


def wait_numbers_change(page, before: str) -> str:
    page.wait_for_function(
        "([sel, before]) => { const e = document.querySelector(sel);"
        " return e && e.innerText !== before; }",
        arg=[NUMBERS, before],
        timeout=30_000,
    )
    page.wait_for_selector(IDLE, state="attached")
    return numbers(page)


def click_plane(page, z) -> None:
    """A click on the lesson's map at plane point z."""
    page.locator(".lx-root .lx-plot").scroll_into_view_if_needed()
    at = page.evaluate("z => latentExplorer.clientPoint(z)", z)
    page.mouse.click(at["x"], at["y"])


# Of the first 300 test images in the map's view (the map may open zoomed in), other than
# #0, the one farthest from its nearest neighbour: a click on it cannot land on another.
LONELY = """() => {
  const p = latentExplorer.points();
  const v = latentExplorer.snapshot().view;
  const inside = (i) =>
    p.xs[i] > v.x[0] && p.xs[i] < v.x[1] && p.ys[i] > v.y[0] && p.ys[i] < v.y[1];
  let best = -1, far = -1, seen = 0;
  for (let i = 1; i < p.xs.length && seen < 300; i++) {
    if (!inside(i)) continue;
    seen++;
    let near = Infinity;
    for (let j = 0; j < p.xs.length; j++) {
      if (j === i) continue;
      const d = (p.xs[i] - p.xs[j]) ** 2 + (p.ys[i] - p.ys[j]) ** 2;
      if (d < near) near = d;
    }
    if (near > far) { far = near; best = i; }
  }
  return best;
}"""


def click_test_image(page) -> int:
    """Click a test image on the lesson's map (not #0, the one steps 2-4 open on)."""
    page.locator(".lx-root .lx-plot").scroll_into_view_if_needed()
    i = page.evaluate(LONELY)
    assert i > 0, "no test image in the map's view"
    click_plane(page, page.evaluate("i => latentExplorer.point(i)", i))
    return i


def z_shown(text: str) -> list[float]:
    """z as the numbers panel writes it: "z = (x, y)"."""
    found = re.search(r"z = \((-?[\d.]+), (-?[\d.]+)\)", text)
    assert found, text
    return [float(found[1]), float(found[2])]


def act_generative(page) -> None:
    before = numbers(page)
    click_plane(page, [-4.5, 4.0])  # empty space, far outside the prior's 99% circle
    after = wait_numbers_change(page, before)
    assert z_shown(after) == pytest.approx([-4.5, 4.0], abs=0.05)
    pin = page.evaluate("latentExplorer.snapshot().pin")
    assert pin and pin["index"] == -1
    z = z_shown(after)
    log_p = -0.5 * (z[0] ** 2 + z[1] ** 2) - np.log(2 * np.pi)  # about -19.96
    figures = [float(v) for v in re.findall(r"\d+\.\d+", after)]  # KaTeX's minus is U+2212
    assert any(abs(v - abs(log_p)) < 0.01 for v in figures), (log_p, after)  # filled in
    page.locator(".st-key-lesson_sample button").first.click()  # z ~ N(0, I), seed 0
    sampled = wait_numbers_change(page, after)
    want = np.random.default_rng(0).standard_normal((1, 2)).astype(np.float32)[0]
    assert z_shown(sampled) == pytest.approx(want.tolist(), abs=1e-3)  # vae.latent.prior_samples
    page.wait_for_function(  # the map's pin is the sampled z
        "() => { const s = latentExplorer.snapshot();"
        " return s.data.pin && s.pin && Math.abs(s.pin.z[0] - s.data.pin.x) < 1e-9; }"
    )


def act_digit(page) -> int:
    """Click a test image: the numbers are its own; returns its index."""
    before = numbers(page)
    assert "#0" in before, before
    i = click_test_image(page)
    after = wait_numbers_change(page, before)
    assert f"#{i}" in after, (i, after)
    ellipses = page.evaluate("latentExplorer.snapshot().pinEllipses")
    assert ellipses and len(ellipses) == 2  # q(z|x)'s 1σ and 2σ, drawn by the map
    return i


def act_posterior(page) -> None:
    i = act_digit(page)
    page.wait_for_function(  # its draws: decoded in the map's panel, dots on the map
        "i => { const s = latentExplorer.snapshot();"
        " return s.samples && s.samples.index === i; }",
        arg=i,
    )


def act_reparameterization(page) -> None:
    act_digit(page)
    before = numbers(page)
    mark = page.evaluate("latentExplorer.snapshot().data.marks")[0]["z"]
    page.locator(".st-key-lesson_eps1").scroll_into_view_if_needed()
    page.locator(".st-key-lesson_eps1 input[type='range']").focus()  # the slider's thumb
    for _ in range(10):
        page.keyboard.press("ArrowRight")  # ε₁ from 0 to 1.0
    wait_numbers_change(page, before)
    page.wait_for_function(  # the last of the reruns: ε₁ = 1.0 in the filled-in formula
        "sel => document.querySelector(sel).innerText.includes('1.0')", arg=NUMBERS
    )
    page.wait_for_function(
        "x => latentExplorer.snapshot().data.marks[0].z[0] !== x", arg=mark[0]
    )  # z moved on the map, along z₁ only
    moved = page.evaluate("latentExplorer.snapshot().data.marks")[0]["z"]
    assert moved[0] > mark[0] and moved[1] == pytest.approx(mark[1])


ACTIONS = {
    1: act_generative,
    2: act_posterior,
    3: act_reparameterization,
    4: act_digit,
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("step", sorted(ACTIONS))
def test_each_step_opens_from_its_link_and_answers_a_click(browser, app_url, step, lang):
    errors: list[str] = []
    context, page = open_lesson(browser, app_url, f"lesson={step}&lang={lang}", errors)
    try:
        header = page.inner_text(HEADER)
        assert header.startswith(f"{step}.") and TITLES[lang][step] in header, header
        assert page.locator(".katex").count() >= 1  # the step's formula
        assert f"{step}" in page.inner_text("[data-testid='stProgress']")
        if lang == "zh":
            assert CJK.search(page.inner_text("[data-testid='stMain']"))
        ACTIONS[step](page)
        assert page.locator(f"{NUMBERS} .katex").count() >= 1  # the formula, filled in
        assert f"lesson={step}" in page.url
    finally:
        page.screenshot(path=str(ARTIFACTS / f"lesson_{step}_{lang}.png"))
        context.close()
    assert not errors, errors


def test_next_and_prev_walk_the_steps_and_the_link_follows(browser, app_url):
    errors: list[str] = []
    context, page = open_lesson(browser, app_url, "lesson=1", errors)
    try:
        page.locator(".st-key-lesson_next button").click()
        page.wait_for_function("() => location.search.includes('lesson=2')")
        wait_drawn(page)
        assert page.inner_text(HEADER).startswith("2.")
        page.locator(".st-key-lesson_prev button").click()
        page.wait_for_function("() => location.search.includes('lesson=1')")
        wait_drawn(page)
        assert page.inner_text(HEADER).startswith("1.")
        # leaving the lesson: the explorer, and no lesson in the link
        page.locator("[data-testid='stSidebar'] label:has-text('Lesson')").click()
        page.wait_for_selector("[data-testid='stTabs']", timeout=60_000)
        page.wait_for_function("() => !location.search.includes('lesson=')")
    finally:
        context.close()
    assert not errors, errors


def test_a_link_to_no_step_says_so_and_opens_step_1(browser, app_url):
    errors: list[str] = []
    context, page = open_lesson(browser, app_url, "lesson=9", errors)
    try:
        notice = page.inner_text("[data-testid='stAlert']")
        assert "“9”" in notice and "1 to 7" in notice, notice
        assert page.inner_text(HEADER).startswith("1.")
        page.wait_for_function("() => location.search.includes('lesson=1')")
    finally:
        context.close()
    assert not errors, errors
