"""Latent arithmetic in Chromium (components/latent_map/arith.js): A, B and C filled from
clicks and class means, z_A - z_B + z_C and the walk along an attribute decoded by the page
as torch decodes them, on the 2-D model and in the 8-D model's full latent space."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest

from tests.browser.conftest import ARTIFACTS, ROOT, past_double_click, wait_idle
from tests.browser.test_explorer import client_point, empty_corner, plot_box
from tests.browser.test_projection import TSNE_TIMEOUT_MS, pick_model, pick_projection

pytestmark = pytest.mark.browser

DECODER_TOLERANCE = 1e-4  # the page's float32 decoder against torch (test_explorer.py)
ARITH = "latentExplorer.snapshot().arith"
ERRORS: dict[str, float] = {}  # the largest decoding errors seen, for test-artifacts/


def note_error(what: str, error: float) -> None:
    ERRORS[what] = max(ERRORS.get(what, 0.0), float(error))
    (ARTIFACTS / "arith_errors.json").write_text(json.dumps(ERRORS, indent=1))


@functools.cache
def encoded_set(name: str):
    """(model, mu (N, d), labels (N,), images (N, 28, 28) in [0, 1]) as the app encodes them."""
    from vae import latent
    from vae.checkpoint import load_checkpoint
    from vae.data import load_splits

    model = load_checkpoint(ROOT / "checkpoints" / f"{name}.pt").model
    test = load_splits().test
    mu = latent.encode_images(model, test.float_images()).mu
    return model, mu, test.labels.numpy(), test.images.numpy() / 255.0


def torch_decode(model, z) -> np.ndarray:
    from vae.web import decode_reference

    return decode_reference(model, np.asarray(z, np.float32)[None])[0]


def arith(page) -> dict:
    return page.evaluate(ARITH)


def click_index(page, index: int) -> None:
    """Click test image `index` where the map shows it (the pin is that image)."""
    plot_box(page)
    at = client_point(page, page.evaluate("i => latentExplorer.point(i)", index))
    past_double_click(page)
    page.mouse.click(at["x"], at["y"])
    page.wait_for_function(f"() => latentExplorer.snapshot().pin?.index === {index}")
    page.locator(".lx-arith-use-a").wait_for()


def click_empty(page) -> list[float]:
    corner = empty_corner(page)
    past_double_click(page)
    page.mouse.click(corner["x"], corner["y"])
    page.wait_for_function("() => latentExplorer.snapshot().pin?.index === -1")
    page.locator(".lx-arith-use-a").wait_for()
    return page.evaluate("latentExplorer.snapshot().pin.z")


def use_as(page, slot: str) -> None:
    before = page.evaluate(f"JSON.stringify({ARITH}.slots.{slot})")
    page.locator(f".lx-arith-use-{slot}").click()
    page.wait_for_function(f"() => JSON.stringify({ARITH}.slots.{slot}) !== {before!r}")


def class_mean(page, slot: str, cls: int) -> None:
    page.locator(f".lx-arith-mean-{slot}").select_option(str(cls))
    page.wait_for_function(f"() => {ARITH}.slots.{slot}?.cls === {cls}")


def fill_slots(page, index: int, cls: int) -> list[float]:
    """A the test image `index`, B an empty place of the map (returned), C the mean code of
    class `cls`, each as a user fills it."""
    click_index(page, index)
    use_as(page, "a")
    place = click_empty(page)
    use_as(page, "b")
    class_mean(page, "c", cls)
    return place


def typical(labels: np.ndarray, mu: np.ndarray, cls: int) -> int:
    """A test image of class cls whose code is nearest its class's mean (easy to click)."""
    members = np.flatnonzero(labels == cls)
    centre = mu[members].mean(0)
    return int(members[np.argmin(((mu[members] - centre) ** 2).sum(1))])


def set_walk(page, attr: str, s: float) -> None:
    page.locator(".lx-arith-attr").select_option(attr)
    page.locator(".lx-arith-s").evaluate(
        "(el, v) => { el.value = String(v);"
        " el.dispatchEvent(new Event('input', {bubbles: true})); }",
        round(100 * s),
    )
    page.wait_for_function(
        f"() => {ARITH}.walk?.attr === '{attr}' && Math.abs({ARITH}.walk.s - {s}) < 1e-9"
    )


def check_result(page, model, want_z) -> dict:
    """The page's z_A - z_B + z_C is want_z and it decodes as torch does; returns it."""
    shown = arith(page)
    z = np.array(shown["z"])
    np.testing.assert_allclose(z, want_z, atol=1e-4)
    error = np.abs(np.array(shown["pixels"]) - torch_decode(model, z)).max()
    note_error(f"{len(z)}-D z_A - z_B + z_C", error)
    assert error < DECODER_TOLERANCE, f"z_A - z_B + z_C decoded {error:.2e} off torch"
    return shown


def check_walk(page, model, start, step, s: float, attr: str) -> dict:
    """The walked point is start + s * step, decoded as torch does, with the attribute the
    page shows measured as Python measures it."""
    from vae import attributes

    walk = arith(page)["walk"]
    z = np.array(walk["z"])
    np.testing.assert_allclose(z, np.asarray(start) + s * np.asarray(step), atol=1e-4)
    pixels = np.array(walk["pixels"])
    reference = torch_decode(model, z)
    error = np.abs(pixels - reference).max()
    note_error(f"{len(z)}-D z + s w", error)
    assert error < DECODER_TOLERANCE, f"the walk at s = {s} decoded {error:.2e} off torch"
    for name in attributes.ATTRIBUTES:
        assert walk["measured"][name] == pytest.approx(attributes.MEASURES[name](pixels)[0], 1e-9)
    assert walk["measured"][attr] == pytest.approx(
        attributes.MEASURES[attr](reference)[0], rel=1e-3, abs=1e-3
    )
    return walk


def direction_of(name: str, attr: str) -> np.ndarray:
    from vae import attributes

    _, mu, labels, images = encoded_set(name)
    fit = attributes.direction(mu, attributes.MEASURES[attr](images), labels)
    return np.array(fit["direction"])


def test_arithmetic_and_attribute_walk_on_the_2d_model(page):
    from vae import attributes

    model, mu, labels, _ = encoded_set("mnist-vae-2d")
    means = attributes.class_means(mu, labels, 10)
    page.locator(".lx-arith").wait_for()
    assert page.locator(".lx-arith-eq").get_by_text("A: empty").is_visible()

    seven = typical(labels, mu, 7)
    place = fill_slots(page, seven, 1)
    shown = check_result(page, model, mu[seven] - np.array(place) + np.array(means[1]))
    assert shown["slots"]["a"]["kind"] == "point" and shown["slots"]["b"]["kind"] == "place"
    assert shown["plane"] == pytest.approx(shown["z"])  # a 2-D map shows the point itself
    page.locator(".lx-arith-where").get_by_text("marked ◆ on the map").wait_for()

    # another C: another result
    class_mean(page, "c", 0)
    again = check_result(page, model, mu[seven] - np.array(place) + np.array(means[0]))
    assert np.abs(np.array(again["pixels"]) - np.array(shown["pixels"])).max() > 0.05

    # the walk starts at the clicked point (the empty place), then at a clicked "7"'s mu
    click_index(page, seven)
    step = direction_of("mnist-vae-2d", "slant")
    set_walk(page, "slant", 2.0)
    high = check_walk(page, model, mu[seven], step, 2.0, "slant")
    set_walk(page, "slant", -2.0)
    low = check_walk(page, model, mu[seven], step, -2.0, "slant")
    assert high["measured"]["slant"] > low["measured"]["slant"] + 0.05, (high, low)
    page.locator(".lx-arith-s").focus()
    page.keyboard.press("ArrowRight")  # one step of 0.1
    page.wait_for_function(f"() => Math.abs({ARITH}.walk.s + 1.9) < 1e-9")
    check_walk(page, model, mu[seven], step, -1.9, "slant")
    assert page.locator(".lx-arith-strip canvas").count() == 7
    page.locator(".lx-arith").screenshot(path=str(ARTIFACTS / "arith_2d.png"))

    # a phone's width: the section fits, and A - B + C = result stays on screen
    page.set_viewport_size({"width": 390, "height": 844})
    wait_idle(page)
    page.wait_for_function(
        "() => { const s = document.querySelector('.lx-arith');"
        " return s.getBoundingClientRect().width < 390 && s.scrollWidth <= s.clientWidth + 1; }"
    )
    for which in ("a", "b", "c", "result"):
        box = page.locator(f".lx-arith-slot-{which}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (which, box)
    page.locator(".lx-arith").screenshot(path=str(ARTIFACTS / "arith_phone.png"))


def test_arithmetic_in_the_8d_models_full_latent_space(page):
    from vae import attributes
    from vae.projection import fit_pca

    pick_model(page, "mnist-vae-8d")
    model, mu, labels, _ = encoded_set("mnist-vae-8d")
    means = attributes.class_means(mu, labels, 10)
    pca = fit_pca(mu)

    two = typical(labels, mu, 2)
    place = fill_slots(page, two, 6)  # B a point of the PCA plane: its latent point by the inverse
    z_b = pca.inverse_transform(np.array(place))[0]
    shown = check_result(page, model, mu[two] - z_b + np.array(means[6]))
    assert len(shown["z"]) == 8
    np.testing.assert_allclose(shown["plane"], pca.transform(np.array(shown["z"]))[0], atol=1e-4)
    page.locator(".lx-arith-where").get_by_text("projection onto the PCA plane").wait_for()

    # B a class mean instead of the place: the result follows
    class_mean(page, "b", 3)
    again = check_result(page, model, mu[two] - np.array(means[3]) + np.array(means[6]))
    assert np.abs(np.array(again["pixels"]) - np.array(shown["pixels"])).max() > 0.05

    # the walk from the clicked "2"'s own 8-D mu along thickness
    click_index(page, two)
    step = direction_of("mnist-vae-8d", "thickness")
    set_walk(page, "thickness", 2.5)
    high = check_walk(page, model, mu[two], step, 2.5, "thickness")
    set_walk(page, "thickness", -2.5)
    low = check_walk(page, model, mu[two], step, -2.5, "thickness")
    assert high["measured"]["thickness"] > low["measured"]["thickness"] + 0.3, (high, low)
    page.locator(".lx-arith").screenshot(path=str(ARTIFACTS / "arith_8d.png"))

    # t-SNE, another plane of the same model: the slots that are codes stay (A the "2", C the
    # mean of 6) and a place clicked on the PCA plane does not, in the page and in the link
    click_empty(page)
    use_as(page, "b")
    pick_projection(page, "t-SNE", timeout=TSNE_TIMEOUT_MS)
    page.wait_for_function(
        f"() => new URLSearchParams(location.search).get('arith') === 'i{two}__m6'"
    )
    kept = arith(page)
    assert kept["slots"]["b"] is None
    assert (kept["slots"]["a"]["kind"], kept["slots"]["a"]["index"]) == ("point", two)
    assert (kept["slots"]["c"]["kind"], kept["slots"]["c"]["cls"]) == ("mean", 6)
    np.testing.assert_allclose(kept["slots"]["a"]["z"], mu[two], atol=1e-5)
    caps = page.locator(".lx-arith-slot .lx-arith-cap").all_text_contents()
    assert f"#{two} “2”" in caps[0] and "empty" in caps[1], caps
    page.locator(".lx-arith").screenshot(path=str(ARTIFACTS / "arith_8d_tsne_kept.png"))
    # the same arithmetic, but no place on the map for its result
    for slot, cls in (("a", 2), ("b", 3), ("c", 6)):
        class_mean(page, slot, cls)
    shown = check_result(page, model, np.array(means[2]) - np.array(means[3]) + np.array(means[6]))
    assert shown["plane"] is None
    where = page.locator(".lx-arith-where")
    where.get_by_text("t-SNE has no place for a new latent point").wait_for()


def test_the_arithmetic_is_in_the_link_and_a_link_fills_it(page, app_url):
    from urllib.parse import parse_qs, urlparse

    from tests.browser.test_lessons import open_link

    model, mu, labels, _ = encoded_set("mnist-vae-8d")
    pick_model(page, "mnist-vae-8d")
    two = typical(labels, mu, 2)
    place = fill_slots(page, two, 6)
    shown = arith(page)
    wait_idle(page)
    query = parse_qs(urlparse(page.url).query)
    x, y = (f"{v:.5f}".rstrip("0").rstrip(".") for v in place)
    assert query["arith"] == [f"i{two}_{x},{y}_m6"]
    link = {k: v[-1] for k, v in query.items()}

    # the link opens the same three slots, in a new session: the same result, as torch has it
    open_link(page, app_url, link)
    page.wait_for_function(f"() => {ARITH}.slots.c?.cls === 6")
    again = check_result(page, model, np.array(shown["z"]))
    assert {w: (s["kind"], s["index"], s["cls"]) for w, s in again["slots"].items()} == {
        "a": ("point", two, 2), "b": ("place", None, None), "c": ("mean", None, 6)}
    np.testing.assert_allclose(again["slots"]["a"]["z"], mu[two], atol=1e-5)
    np.testing.assert_allclose(again["slots"]["b"]["z"], shown["slots"]["b"]["z"], atol=1e-4)
    np.testing.assert_allclose(again["pixels"], shown["pixels"], atol=1e-4)

    # a link typed wrong: what reads is taken, the rest is an empty slot, and the link says so
    open_link(page, app_url, {**link, "arith": "m99_bogus_i3"})
    page.wait_for_function(f"() => {ARITH}.slots.c?.index === 3")
    assert arith(page)["slots"]["a"] is None and arith(page)["slots"]["b"] is None
    page.wait_for_function("() => new URLSearchParams(location.search).get('arith') === '__i3'")
    # another model: its codes mean nothing there, and they leave the link
    pick_model(page, "mnist-vae-2d")
    wait_idle(page)
    assert arith(page)["slots"] == {"a": None, "b": None, "c": None}
    assert "arith" not in parse_qs(urlparse(page.url).query)


def test_the_arithmetic_speaks_chinese(page, app_url):
    from tests.browser.test_lessons import open_link

    open_link(page, app_url, {"lang": "zh"})
    section = page.locator(".lx-arith")
    section.get_by_text("隐空间算术").wait_for()
    class_mean(page, "a", 8)
    assert section.locator(".lx-arith-slot-a .lx-arith-cap").text_content() == "A: “8”的均值"
    names = page.locator(".lx-arith-attr option").all_text_contents()
    assert names == ["墨量", "笔画粗细", "倾斜度"]
    click_index(page, 0)
    assert page.locator(".lx-arith-use-b").text_content() == "用作 B"
    section.get_by_text("从测试图像 #0 的 μ 出发").wait_for()
    section.screenshot(path=str(ARTIFACTS / "arith_zh.png"))


def test_the_walk_is_drawn_once_its_section_is_on_screen(page):
    """A click far above the walk leaves its nine decodings for later (the click's details
    are drawn without them); scrolling the walk into view draws them, with no test API
    call in between (the test API would draw them itself)."""
    click_index(page, 0)
    walk = page.locator(".lx-arith-walk")
    assert not walk.evaluate("el => el.getBoundingClientRect().top < innerHeight")
    assert page.locator(".lx-arith-strip canvas").count() == 0
    walk.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('.lx-arith-strip canvas').length === 7")
