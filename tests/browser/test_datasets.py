"""The dataset selector in a real Chromium: Fashion-MNIST gets its own shipped model and map."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, wait_idle

pytestmark = pytest.mark.browser


def test_fashion_mnist_shows_its_own_map_with_class_names(page):
    before = page.evaluate("latentExplorer.snapshot().data.points_url")
    page.locator(".st-key-dataset").get_by_text("Fashion-MNIST").click()
    page.wait_for_function(f"latentExplorer.snapshot().data.points_url !== '{before}'")
    page.wait_for_selector('.lx-root[data-ready="1"]')
    wait_idle(page)
    assert page.evaluate("latentExplorer.snapshot().n") == 10_000
    names = page.evaluate("latentExplorer.snapshot().traces.map(t => t.name)")
    assert names[:3] == ["T-shirt/top", "Trouser", "Pullover"] and len(names) == 10
    assert page.evaluate("latentExplorer.snapshot().data.legend_title") == "item:"
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("60,000 images").wait_for()  # the model trained on all of it
    assert "model=fashion-mnist-vae-2d.pt" in page.url  # picked, and the link says so
    # the Fashion decoder runs in the page: a click in the map decodes with it
    plot = page.locator(".lx-root .lx-plot")
    plot.evaluate("el => el.scrollIntoView({block: 'center'})")
    box = plot.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => latentExplorer.snapshot().pin !== null")
    page.get_by_text("Zalando").first.wait_for()
    # the morph's pickers name this dataset's classes, not the last model's
    options = page.eval_on_selector_all(".lx-pick-a option", "os => os.map(o => o.textContent)")
    assert options[1:4] == ["T-shirt/top", "Trouser", "Pullover"]


def test_a_fashion_model_speaks_of_items_everywhere(page, app_url):
    import io
    import re

    from PIL import Image

    from tests.browser.test_compare import wait_for_maps
    from tests.browser.test_explorer import upload
    from tests.browser.test_lessons import open_link

    open_link(page, app_url, {"model": "fashion-mnist-vae-2d.pt"})
    page.get_by_role("tab", name="Your item").click()
    page.get_by_text("Draw or upload an item:").wait_for()
    assert page.get_by_role("tab", name="Your digit").count() == 0
    # a blank picture: refused in the words of this dataset
    page.get_by_text("Upload a picture").click()
    wait_idle(page)
    buf = io.BytesIO()
    Image.new("RGB", (200, 150), (236, 236, 236)).save(buf, "PNG")
    upload(page, "blank.png", buf.getvalue(), "image/png")
    error = page.locator('[data-testid="stAlert"]').filter(has_text="No item found")
    error.wait_for()
    assert "piece of clothing" in error.inner_text() and "digit" not in error.inner_text()
    page.screenshot(path=str(ARTIFACTS / "fashion_blank_upload.png"), full_page=True)
    # Compare: the one Fashion-MNIST model cannot be compared; the tab says it shows MNIST's
    page.get_by_role("tab", name="Compare").click()
    note = page.get_by_text(re.compile("trained on Fashion-MNIST, which has only one"))
    note.wait_for()
    assert "MNIST models" in note.inner_text()
    wait_for_maps(page)
    page.screenshot(path=str(ARTIFACTS / "fashion_compare.png"))
    # Latent size: the same, for the series of latent sizes
    page.get_by_role("tab", name="Latent size").click()
    page.get_by_text(re.compile("too few to compare latent sizes")).wait_for()
    page.get_by_text("The shipped MNIST VAEs").wait_for()
