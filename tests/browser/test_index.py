"""The start page loads and links every screen."""
import pytest

pytestmark = pytest.mark.browser


def test_index_links_every_screen(live_app, page, screenshot):
    page.goto(live_app.config["LIVE_URL"] + "/")
    links = page.locator("a.card").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert {"/gate", "/desk", "/box", "/dashboard"} <= set(links)
    screenshot("index")
