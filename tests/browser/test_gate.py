"""The gate page in a real browser: wedge scanner, offline mode (the camera: test_gate_camera.py)."""
from datetime import timedelta
from pathlib import Path

import pytest

from helpers import NOW, Api, iso

SCREENSHOTS = Path(__file__).parent / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded(live_app, live_token):
    admin = Api(live_app.test_client(), live_token("admin"))
    assert admin.post("/api/v1/events", {"slug": "ev", "name": "Expo", "timezone": "UTC",
                                         "starts_at": iso(NOW - timedelta(hours=1)),
                                         "ends_at": iso(NOW + timedelta(days=1))}).status_code == 201
    assert admin.post("/api/v1/events/ev/ticket-types", {"code": "GA", "name": "General", "capacity": 50,
                                                         "badge_type": "General", "zones": ["hall"]}).status_code == 201
    assert admin.post("/api/v1/events/ev/gates", {"code": "north", "name": "North Gate", "zone": "hall",
                                                  "admits": ["GA"], "direction": "both"}).status_code == 201
    rows = [{"type": "GA", "holder": {"name": name, "company": "Acme"}}
            for name in ("Aarav Sharma", "Lena Müller", "Yuki Tanaka")]
    tickets = admin.post("/api/v1/events/ev/tickets", {"tickets": rows}).json["tickets"]
    url = f"{live_app.config['LIVE_URL']}/gate?token={live_token('gate', 'ev')}&event=ev&gate=north"
    return {"admin": admin, "tickets": tickets, "url": url}


def wedge_scan(page, code: str) -> None:
    page.locator("#wedge").fill(code)
    page.locator("#wedge").press("Enter")


def test_a_scan_typed_while_the_page_loads_is_judged_once_it_is_ready(page, seeded):
    held = []
    page.route("**/gate-pack*", lambda route: held.append(route))  # keep the page from getting ready
    page.goto(seeded["url"])
    page.wait_for_function("() => document.getElementById('wedge') !== null")
    page.wait_for_timeout(300)  # the page script has run and is waiting for the pack
    wedge_scan(page, seeded["tickets"][1]["code"])
    assert page.evaluate("document.body.dataset.ready") is None
    for route in held:
        route.continue_()
    page.unroute("**/gate-pack*")
    page.wait_for_selector("#result[data-status=ok]")
    assert page.locator("#holder").inner_text() == seeded["tickets"][1]["holder"]["name"]
    assert page.url.endswith("/gate?event=ev&gate=north")  # not reloaded by a native form submit


def test_wedge_scan_shows_green_then_duplicate(live_app, page, seeded, screenshot):
    page.goto(seeded["url"])
    page.wait_for_selector("body[data-ready]")
    ticket = seeded["tickets"][0]
    wedge_scan(page, ticket["code"])
    page.wait_for_selector("#result[data-status=ok]")
    assert page.locator("#verdict").inner_text().startswith("IN")
    assert page.locator("#holder").inner_text() == "Aarav Sharma"
    screenshot("ok")
    wedge_scan(page, ticket["code"])  # the same device a moment later: a re-read
    page.wait_for_selector("#verdict .repeat")
    live_app.config["REREAD_SECONDS"] = 0
    wedge_scan(page, ticket["code"])
    page.wait_for_selector("#result[data-reason=duplicate]")
    assert "Already entered" in page.locator("#message").inner_text()
    assert "ALREADY IN" in page.locator("#verdict").inner_text()
    screenshot("duplicate")
    wedge_scan(page, "NOT-A-TICKET")
    page.wait_for_selector("#result[data-reason=invalid]")
    assert page.evaluate("document.activeElement.id") == "wedge"
    screenshot("invalid")


def test_offline_scans_are_judged_locally_and_uploaded_once(page, seeded, screenshot):
    page.goto(seeded["url"])
    page.wait_for_selector("body[data-ready]")
    page.context.set_offline(True)
    wedge_scan(page, seeded["tickets"][1]["code"])
    page.wait_for_selector("#offline-banner:not([hidden])")
    page.wait_for_selector("#result[data-status=ok]")
    assert "offline" in page.locator("#message").inner_text()
    screenshot("offline")
    page.context.set_offline(False)
    page.wait_for_selector("#offline-banner[hidden]", state="attached", timeout=15_000)
    counts = seeded["admin"].get("/api/v1/events/ev/counts").json
    assert counts["gates"]["north"]["entries"] == 1 and counts["zones"]["hall"]["inside"] == 1


def test_an_offline_scan_the_server_refuses_is_dropped_and_the_rest_uploaded(page, seeded, screenshot):
    """A scan from a wrong clock refuses the whole batch, naming it: the gate drops that one, sends the rest."""
    page.goto(seeded["url"])
    page.wait_for_selector("body[data-ready]")
    page.context.set_offline(True)
    for ticket in seeded["tickets"][:2]:
        wedge_scan(page, ticket["code"])
        page.wait_for_selector("#offline-banner:not([hidden])")
        page.wait_for_selector("#result[data-status=ok]")
    page.evaluate("""() => {
        const queued = JSON.parse(localStorage.getItem("gate.queue./events/ev"));
        queued[0].scanned_at = "2199-12-31T10:00:00Z";
        localStorage.setItem("gate.queue./events/ev", JSON.stringify(queued));
    }""")
    page.context.set_offline(False)
    page.wait_for_selector("#offline-banner[hidden]", state="attached", timeout=15_000)
    page.wait_for_function("() => document.getElementById('message').textContent.includes('refused by the server')")
    screenshot("offline-refused")
    assert page.evaluate("localStorage.getItem('gate.queue./events/ev')") == "[]"
    counts = seeded["admin"].get("/api/v1/events/ev/counts").json
    assert counts["gates"]["north"]["entries"] == 1 and counts["zones"]["hall"]["inside"] == 1


@pytest.mark.parametrize("size", [(390, 844), (1024, 768)])
def test_the_gate_works_over_plain_http_on_the_venue_network(live_app, seeded, lan, size):
    """No secure context: no camera, crypto.randomUUID or crypto.subtle; the page says why there is no
    camera, still takes wedge scans, and judges offline."""
    port = live_app.config["LIVE_URL"].rsplit(":", 1)[1]
    context = lan.browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(seeded["url"].replace(live_app.config["LIVE_URL"], lan.origin(port)))
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate("isSecureContext") is False
    assert page.locator("#verdict").inner_text() == "READY"
    assert page.locator("#camera-toggle").inner_text() == "Camera needs HTTPS"
    page.locator("#camera-toggle").click()
    assert page.locator("#message").inner_text() == \
        "The camera needs HTTPS or localhost: ask for the https:// address, or use a scanner."
    page.screenshot(path=str(SCREENSHOTS / f"test_gate-plain-http-{size[0]}x{size[1]}.png"))
    assert page.evaluate("document.activeElement.id") == "wedge"  # the scanner still types into the page
    first, second = seeded["tickets"][:2]
    wedge_scan(page, first["code"])
    page.wait_for_selector("#result[data-status=ok]")
    context.set_offline(True)
    wedge_scan(page, second["code"])
    page.wait_for_selector("#offline-banner:not([hidden])")
    # The gate pack carries no names unless the event allows them: the ticket's serial and type instead.
    page.wait_for_function("() => document.getElementById('holder').textContent.startsWith('Ticket #')")
    assert page.locator("#result").get_attribute("data-status") == "ok"
    assert page.locator("#message").inner_text().startswith("Welcome Ticket #")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"test_gate-offline-no-names-{size[0]}x{size[1]}.png"))
    wedge_scan(page, first["code"])  # let in online a moment ago: the page remembers
    page.wait_for_selector("#result[data-reason=duplicate]")
    assert page.locator("#message").inner_text().startswith("Already entered ")
    assert "at North Gate (offline)" in page.locator("#message").inner_text()
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
