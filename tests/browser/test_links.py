"""A link restores the whole view (in a real Chromium): the plane, the morph's frames and
slider, the zoom; and the address bar follows the user's zoom, frames and slider.

The t-SNE link opens a small 3-D model trained on nothing, over 300 real MNIST test
digits in an .npz of its own (vae/custom_data.py): its t-SNE takes about a second, so the
test does not wait minutes for the 10,000 points of a shipped model.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlparse

import numpy as np
import pytest

from tests.browser.conftest import ARTIFACTS, PAGE_BUILT, READY, wait_idle

pytestmark = pytest.mark.browser

LINK_NOTICE = '[data-testid="stAlert"]'


def query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def open_link(page, app_url: str, params: dict, timeout: float = 60_000) -> None:
    page.goto(f"{app_url}/?{urlencode(params)}")
    page.wait_for_selector(READY, timeout=timeout)
    page.wait_for_selector(PAGE_BUILT, timeout=timeout)
    wait_idle(page)


def shown_range(page) -> list[float]:
    """The map's visible range as Plotly draws it: [x0, x1, y0, y1]."""
    return page.evaluate(
        "() => { const v = latentExplorer.snapshot().view; return [...v.x, ...v.y]; }"
    )


def plot_aspect(page) -> float:
    """Height over width of the map's plotting area, in pixels."""
    return page.evaluate(
        "() => { const s = latentExplorer.snapshot().view.plot; return s.h / s.w; }"
    )


def assert_shows(shown: list[float], wanted: list[float]) -> None:
    """The equal-aspect map shows the wanted range: all of it, centred, and exactly along
    the axis that fills the plot (the other widens to keep one unit one unit)."""
    x0, x1, y0, y1 = shown
    w0, w1, v0, v1 = wanted
    span = max(w1 - w0, v1 - v0)
    assert x0 <= w0 + 1e-6 * span and x1 >= w1 - 1e-6 * span, (shown, wanted)
    assert y0 <= v0 + 1e-6 * span and y1 >= v1 - 1e-6 * span, (shown, wanted)
    assert (x0 + x1) / 2 == pytest.approx((w0 + w1) / 2, abs=1e-3 * span)
    assert (y0 + y1) / 2 == pytest.approx((v0 + v1) / 2, abs=1e-3 * span)
    exact_x = x1 - x0 == pytest.approx(w1 - w0, rel=1e-3)
    exact_y = y1 - y0 == pytest.approx(v1 - v0, rel=1e-3)
    assert exact_x or exact_y, (shown, wanted)


def small_3d_model(folder) -> str:
    """An untrained 3-D VAE over an .npz of 300 MNIST test digits (t-SNE in ~1 s)."""
    import torch

    from vae.checkpoint import save_checkpoint
    from vae.data import load_splits
    from vae.model import VAE, VAEConfig

    name = "tiny-npz-3d.pt"
    data = ARTIFACTS / "data" / "mnist-300.npz"
    if not data.is_file():
        test = load_splits("mnist").test
        data.parent.mkdir(parents=True, exist_ok=True)
        images, labels = test.images[:300].numpy(), test.labels[:300].numpy()
        np.savez(data, x=images, y=labels, x_test=images, y_test=labels)
    if not (folder / name).is_file():
        torch.manual_seed(0)
        model = VAE(VAEConfig(latent_dim=3, hidden=(32,)))
        save_checkpoint(folder / name, model, {"dataset": f"npz:{data}", "epochs": 0})
    return name


@pytest.fixture
def small_model():
    """small_3d_model's file name, in the server's model folder for this test only (other
    tests see the folder they expect)."""
    folder = ARTIFACTS / "models"
    name = small_3d_model(folder)
    yield name
    (folder / name).unlink(missing_ok=True)


def test_a_tsne_link_opens_on_tsne_with_its_zoom(page, app_url, small_model):
    name = small_model
    wanted = [-3.0, 4.0, -1.5, 2.5]
    open_link(page, app_url, {"model": name, "plane": "tsne", "zoom": ",".join(map(str, wanted))},
              timeout=180_000)  # fmt: skip
    assert page.evaluate("latentExplorer.snapshot().data.method") == "tsne"
    assert page.evaluate("latentExplorer.snapshot().n") == 300
    titles = page.evaluate("latentExplorer.snapshot().view.titles")
    assert titles == ["t-SNE 1", "t-SNE 2"]
    radio = page.locator(".st-key-projection")
    assert radio.get_by_role("radio", name="t-SNE").is_checked()
    assert_shows(shown_range(page), wanted)
    assert page.locator(LINK_NOTICE).filter(has_text="this link").count() == 0
    q = query(page)
    assert q["plane"] == "tsne" and q["model"] == name
    assert_shows(shown_range(page), [float(v) for v in q["zoom"].split(",")])
    page.screenshot(path=str(ARTIFACTS / "link_tsne_zoom.png"))


def test_a_link_restores_frames_slider_and_zoom(page, app_url):
    aspect = plot_aspect(page)  # a range of the plot's own shape is shown exactly
    wanted = [-1.5, 2.5, 0.0, round(4.0 * aspect, 4)]
    open_link(page, app_url, {"model": "mnist-vae-2d.pt", "frames": "12", "t": "0.3",
                              "zoom": ",".join(map(str, wanted))})  # fmt: skip
    page.wait_for_function("() => latentExplorer.snapshot().morph?.frames === 12")
    assert page.locator(".lx-frames").input_value() == "12"
    assert page.locator(".lx-slider").input_value() == "300"
    assert page.evaluate("latentExplorer.snapshot().morph.t") == pytest.approx(0.3)
    assert page.locator(".lx-morph-t").inner_text().startswith("t = 0.30")
    cell = 28 * 2  # the strip: 12 frames of 56 px, 4 px apart
    assert page.evaluate("latentExplorer.snapshot().morph.stripWidth") == 12 * cell + 11 * 4
    assert_shows(shown_range(page), wanted)
    assert page.locator(LINK_NOTICE).filter(has_text="this link").count() == 0
    q = query(page)
    assert (q["frames"], q["t"]) == ("12", "0.3")
    page.screenshot(path=str(ARTIFACTS / "link_frames_t_zoom.png"))


def test_the_address_bar_follows_zoom_frames_and_slider_without_a_report_per_move(page):
    assert not {"zoom", "frames", "t"} & set(query(page))  # the defaults stay out of the link
    # count what the map tells Python: a drag must not be a report per pointer move
    page.evaluate("latentExplorer.clearReports()")
    slider = page.locator(".lx-slider")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.5, y)
    page.mouse.down()
    for k in range(30):
        page.mouse.move(box["x"] + box["width"] * (0.5 - k * 0.01), y)
    page.mouse.up()
    t = page.evaluate("latentExplorer.snapshot().morph.t")
    assert t == pytest.approx(0.21, abs=0.03)
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('t') === '{t:g}'")
    # one report for the whole drag (a resize of the page may report the map's own view)
    reports = page.evaluate("latentExplorer.snapshot().reports")
    assert [r for r in reports if r != "view"] == ["morph"]
    wait_idle(page)

    page.locator(".lx-frames").fill("12")
    page.locator(".lx-frames").press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).get('frames') === '12'")
    wait_idle(page)
    assert query(page)["t"] == f"{t:g}"  # the frames change kept the slider where it was
    assert page.locator(".lx-slider").input_value() == str(round(t * 1000))

    page.evaluate("latentExplorer.clearReports()")
    plot = page.locator(".lx-root .lx-plot")
    plot.scroll_into_view_if_needed()
    pbox = plot.bounding_box()
    at = (pbox["x"] + pbox["width"] * 0.4, pbox["y"] + pbox["height"] * 0.5)
    page.mouse.move(*at)
    # five wheel steps 30 ms apart, as a wheel turns (sent in the page: no round trips)
    page.evaluate(
        """([x, y]) => new Promise((done) => { let k = 0;
             const step = () => {
               document.elementFromPoint(x, y).dispatchEvent(new WheelEvent("wheel",
                 { deltaY: -120, clientX: x, clientY: y, bubbles: true, cancelable: true }));
               if (++k < 5) setTimeout(step, 30); else done(); };
             step(); })""",
        list(at),
    )
    page.wait_for_function("() => new URLSearchParams(location.search).has('zoom')")
    wait_idle(page)
    # the page writes the zoom into the link itself (link.js): nothing told to Python
    assert page.evaluate("latentExplorer.snapshot().reports") == []
    zoom = [float(v) for v in query(page)["zoom"].split(",")]
    np.testing.assert_allclose(zoom, shown_range(page), atol=2e-5)
    link = page.url
    # the link it wrote restores all of it in a new session
    page.goto("about:blank")
    page.goto(link)
    page.wait_for_selector(READY, timeout=60_000)
    wait_idle(page)
    page.wait_for_function("() => latentExplorer.snapshot().morph?.frames === 12")
    assert page.evaluate("latentExplorer.snapshot().morph.t") == pytest.approx(t, abs=1e-3)
    np.testing.assert_allclose(shown_range(page), zoom, atol=1e-4)


@pytest.mark.parametrize(
    "params, notice",
    [
        ({"frames": "40"}, "frames = “40” is not a whole number 3–16"),
        ({"t": "1.5"}, "t = “1.5” is not a number from 0 to 1"),
        ({"zoom": "3,1,0,1"}, "zoom: “3,1,0,1” is an empty range"),
        ({"plane": "isomap"}, "plane “isomap” is not one of pca, tsne, umap"),
        ({"plane": "tsne"}, "plane tsne is for models of more than 2 dimensions; "
                            "mnist-vae-2d.pt has 2"),
    ],
)  # fmt: skip
def test_a_bad_value_gets_a_precise_notice_and_the_rest_is_used(page, app_url, params, notice):
    open_link(page, app_url, {"x": "1", "y": "-1", **params})
    page.locator(LINK_NOTICE).filter(has_text=notice).wait_for()
    assert page.evaluate("latentExplorer.snapshot().pin.z") == [1, -1]
    assert page.evaluate("latentExplorer.snapshot().data.method") == "latent"


# Counts the messages the page sends to the server (every rerun is one).
COUNT_SENT = """
(() => { window.__lxSent = 0; const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) { window.__lxSent++; return send.call(this, data); };
})()
"""


def quiet_sends(page, quiet_ms: int = 800) -> int:
    """The count of messages sent, once none was sent for quiet_ms."""
    return page.evaluate(
        """quiet => new Promise(done => {
             let last = window.__lxSent, at = performance.now();
             const check = () => {
               if (window.__lxSent !== last) { last = window.__lxSent; at = performance.now(); }
               if (performance.now() - at >= quiet) done(last); else setTimeout(check, 50); };
             check(); })""",
        quiet_ms,
    )


def test_a_click_puts_its_pin_in_the_link_without_a_rerun_and_python_keeps_it(page, app_url):
    """The page writes a click's pin (x, y, i) and a zoom into the link itself: no message
    to the server; both stay when Python next writes the link (another frame count), the
    link restores the pin, and another model takes pin and zoom away."""
    from tests.browser.test_explorer import client_point, plot_box
    from tests.browser.test_projection import pick_model

    page.add_init_script(COUNT_SENT)
    open_link(page, app_url, {"model": "mnist-vae-2d.pt"})
    plot_box(page)
    assert page.evaluate("latentExplorer.snapshot().data.own_pin") is True
    sent = quiet_sends(page)  # the scroll's view report (after 300 ms) is not the click's
    page.evaluate("latentExplorer.clearReports()")
    x, y = page.evaluate("latentExplorer.point(5)")
    at = client_point(page, [x, y])
    page.mouse.click(at["x"], at["y"])
    page.wait_for_function("() => new URLSearchParams(location.search).get('i') === '5'")
    assert quiet_sends(page) == sent, page.evaluate("latentExplorer.snapshot().reports")
    assert page.evaluate("latentExplorer.snapshot().reports") == []
    q = query(page)
    assert float(q["x"]) == pytest.approx(x, abs=1e-5)
    assert float(q["y"]) == pytest.approx(y, abs=1e-5)
    # a wheel zoom: the page writes it into the link too, with no message
    box = page.locator(".lx-root .lx-plot").bounding_box()
    centre = [box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5]
    page.evaluate(
        """([x, y]) => document.elementFromPoint(x, y).dispatchEvent(new WheelEvent("wheel",
             { deltaY: -120, clientX: x, clientY: y, bubbles: true, cancelable: true }))""",
        centre,
    )
    page.wait_for_function("() => new URLSearchParams(location.search).has('zoom')")
    assert quiet_sends(page) == sent, page.evaluate("latentExplorer.snapshot().reports")
    zoom = query(page)["zoom"]
    np.testing.assert_allclose([float(v) for v in zoom.split(",")], shown_range(page), atol=2e-5)
    # Python writes the link (the frame count): the page's pin and zoom stay in it
    page.locator(".lx-frames").fill("12")
    page.locator(".lx-frames").press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).get('frames') === '12'")
    wait_idle(page)
    q = query(page)
    assert q["i"] == "5" and float(q["x"]) == pytest.approx(x, abs=1e-5), q
    assert q["zoom"] == zoom
    # an empty spot: no index in the link
    corner = page.evaluate(
        "() => { const v = latentExplorer.snapshot().view;"
        " return [v.x[0] + 0.02 * (v.x[1] - v.x[0]), v.y[1] - 0.02 * (v.y[1] - v.y[0])]; }"
    )
    at = client_point(page, corner)
    page.mouse.click(at["x"], at["y"])
    page.wait_for_function("() => !new URLSearchParams(location.search).has('i')")
    link = page.url
    assert float(query(page)["x"]) == pytest.approx(corner[0], abs=1e-3)
    # the link restores that pin in a new session
    page.goto("about:blank")
    page.goto(link)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_function("() => latentExplorer.snapshot().pin?.index === -1")
    pin = page.evaluate("latentExplorer.snapshot().pin.z")
    np.testing.assert_allclose(pin, [float(query(page)["x"]), float(query(page)["y"])], atol=1e-9)
    # another model: its map has no pin, and neither has the link
    x, y = page.evaluate("latentExplorer.point(9)")
    at = client_point(page, [x, y])
    page.mouse.click(at["x"], at["y"])
    page.wait_for_function("() => new URLSearchParams(location.search).get('i') === '9'")
    pick_model(page, "mnist-ae-2d")
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('model') === 'mnist-ae-2d.pt'"
    )
    wait_idle(page)
    assert not {"x", "y", "i", "zoom"} & set(query(page)), page.url
    assert page.evaluate("latentExplorer.snapshot().pin") is None
