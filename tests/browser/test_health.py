"""NOT READY, never READY: every page says so in red, in plain words, when a script fails to load or
parse, an error goes uncaught, its start fails, or it never finishes starting (static/js/health.js)."""
from pathlib import Path

import pytest

from helpers import Api, small_event

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
RED = "rgb(179, 18, 31)"  # --bad
# page -> (role of its token, its main module); "" is the index, which has no script of its own
PAGES = {"gate": ("gate", "gate.js"), "desk": ("badge_desk", "desk.js"), "box": ("box_office", "box.js"),
         "dashboard": ("supervisor", "dashboard.js"), "pair": (None, "pair.js"), "": (None, None)}
SCREENS = ["gate", "desk", "box", "dashboard"]


@pytest.fixture
def site(live_app, live_token):
    """url(page, event) -> the page's address, signed in with a token of its role for the event `ev`."""
    admin = Api(live_app.test_client(), live_token("admin"))
    tickets = small_event(admin, timezone="Europe/Berlin")

    def url(page: str, event: str = "ev") -> str:
        role = PAGES[page][0]
        query = f"?token={live_token(role, 'ev')}&event={event}" if role else ""
        return f"{live_app.config['LIVE_URL']}/{page}{query}"

    url.ticket = tickets[0]
    return url


@pytest.fixture
def tab(browser):
    """tab(width, height) -> a page in a fresh profile (errors are expected here: they are what is tested)."""
    contexts = []

    def make(width: int = 1024, height: int = 768):
        contexts.append(browser.new_context(viewport={"width": width, "height": height}))
        return contexts[-1].new_page()

    yield make
    for context in contexts:
        context.close()


def shows_not_ready(page, name: str) -> str:
    """Assert the page shows NOT READY in red (the gate in its verdict area); the reason it gives."""
    page.wait_for_selector("body[data-not-ready]", timeout=10_000)
    assert page.title().startswith("NOT READY")
    if name == "gate":
        assert page.locator("#verdict").inner_text() == "NOT READY"
        assert page.eval_on_selector("#result", "el => getComputedStyle(el).backgroundColor") == RED
        return page.locator("#message").inner_text()
    banner = page.locator("#not-ready")
    assert banner.is_visible() and banner.inner_text().startswith("NOT READY")
    assert banner.evaluate("el => getComputedStyle(el).backgroundColor") == RED
    assert banner.bounding_box()["y"] < 80, "the banner is at the top, above the page's own header"
    return page.locator("#not-ready-reason").inner_text()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"health-{name}.png"))


@pytest.mark.parametrize("name", [p for p in PAGES if PAGES[p][1]])
def test_a_main_script_that_cannot_load_makes_the_page_not_ready(site, tab, name):
    page = tab()
    page.route(f"**/static/js/{PAGES[name][1]}", lambda route: route.fulfill(status=500, body="server error"))
    page.goto(site(name))
    reason = shows_not_ready(page, name)
    assert "could not be loaded" in reason and PAGES[name][1] in reason
    assert page.evaluate("document.body.dataset.ready") is None


@pytest.mark.parametrize("name", [p for p in PAGES if PAGES[p][1]])
def test_a_module_that_does_not_parse_makes_the_page_not_ready(site, tab, name):
    """api.js, which every page's main module imports: the main module never runs at all."""
    page = tab()
    page.route("**/static/js/api.js", lambda route: route.fulfill(status=200, content_type="text/javascript",
                                                                  body="export const = ;"))
    page.goto(site(name))
    reason = shows_not_ready(page, name)
    assert "SyntaxError" in reason or "could not be loaded" in reason, reason
    if name == "gate":
        shot(page, "gate-syntax-error")


@pytest.mark.parametrize("name", SCREENS)
def test_a_failed_start_makes_the_page_not_ready(site, tab, name):
    page = tab(390, 844)
    page.goto(site(name, event="no-such-event"))
    reason = shows_not_ready(page, name)
    assert reason.startswith("Cannot start") and "no-such-event" in reason
    assert page.evaluate("document.body.dataset.ready") is None
    shot(page, f"{name}-failed-start-phone")


@pytest.mark.parametrize("name", PAGES)
def test_an_uncaught_error_after_the_start_makes_the_page_not_ready(site, tab, name):
    page = tab()
    page.goto(site(name))
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate("document.body.dataset.notReady") is None, "a page that started is well"
    page.evaluate("setTimeout(() => { throw new TypeError('printer.send is not a function') })")
    assert "printer.send is not a function" in shows_not_ready(page, name)


def test_an_unhandled_rejection_makes_the_page_not_ready(site, tab):
    page = tab()
    page.goto(site("desk"))
    page.wait_for_selector("body[data-ready]")
    page.evaluate("() => { Promise.reject(new Error('the label printer went away')); }")
    assert "the label printer went away" in shows_not_ready(page, "desk")


def test_after_an_error_the_gate_still_shows_verdicts_but_never_ready_again(site, tab):
    page = tab(390, 844)
    page.clock.install()
    page.goto(site("gate") + "&gate=north")
    page.wait_for_selector("body[data-ready]")
    assert page.locator("#verdict").inner_text() == "READY"
    # An uncaught script error, as the browser reports it (the pages' CSP runs no injected inline script).
    page.evaluate("window.dispatchEvent(new ErrorEvent('error', {message: 'Uncaught Error: lost the camera', "
                  "error: new Error('lost the camera')}))")
    shows_not_ready(page, "gate")
    shot(page, "gate-error-phone")
    page.locator("#wedge").fill(site.ticket["code"])
    page.locator("#wedge").press("Enter")
    page.wait_for_selector("#result[data-status=ok]")  # the server's verdict is still the truth
    page.clock.fast_forward(6_000)  # past the verdict's time on screen
    page.wait_for_selector("#result.not-ready")
    assert page.locator("#verdict").inner_text() == "NOT READY"


def test_a_page_that_does_not_finish_starting_is_not_ready_until_it_does(site, tab):
    page = tab()
    page.clock.install()
    held = []
    page.route("**/gate-pack*", lambda route: held.append(route))
    page.goto(site("gate") + "&gate=north")
    while not held:  # the page is waiting for its gate pack
        page.wait_for_timeout(50)
    assert page.locator("#verdict").inner_text() == "STARTING"
    page.clock.fast_forward(21_000)
    assert "did not finish starting" in shows_not_ready(page, "gate")
    shot(page, "gate-slow-start")
    for route in held:
        route.continue_()
    page.unroute("**/gate-pack*")
    page.wait_for_selector("body[data-ready]")
    page.wait_for_function("() => document.getElementById('verdict').textContent === 'READY'")
    assert page.evaluate("document.body.dataset.notReady") is None and not page.title().startswith("NOT READY")


def test_a_banner_page_that_does_not_finish_starting_is_not_ready(site, tab):
    page = tab()
    page.clock.install()
    page.route("**/api/v1/events/ev", lambda route: None)  # the event never answers
    page.goto(site("box"))
    page.wait_for_selector("#session")
    page.clock.fast_forward(21_000)
    assert "did not finish starting" in shows_not_ready(page, "box")
