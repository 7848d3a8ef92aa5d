"""The API docs page works at a venue with no internet: every asset comes from the service."""
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def test_docs_page_renders_with_nothing_but_the_service(live_app, page, screenshot):
    base = live_app.config["LIVE_URL"]
    outside: list[str] = []

    def only_the_service(route):
        url = route.request.url
        if urlsplit(url).netloc == urlsplit(base).netloc:
            return route.continue_()
        outside.append(url)
        return route.abort()

    page.route("**/*", only_the_service)
    page.goto(base + "/api/v1/docs")
    page.locator(".opblock-summary-path", has_text="/events/{slug}/scans").first.wait_for(timeout=15_000)
    assert page.locator(".opblock").count() > 20
    assert outside == []
    screenshot("docs")
