"""The supervisor dashboard in real headless Chromium: it updates live, without a reload."""
import pytest

from checkin.live.hub import hub_of
from helpers import Api

pytestmark = pytest.mark.browser
EVENT = {"slug": "ev", "name": "Spring Summit", "timezone": "UTC", "starts_at": "2020-01-01T00:00:00+00:00",
         "ends_at": "2199-01-01T00:00:00+00:00"}


@pytest.fixture
def summit(live_app, live_token):
    """An event with a hall of 10 and a lounge, three gates and a nearly sold-out VIP type."""
    admin = Api(live_app.test_client(), live_token("admin"))
    assert admin.post("/api/v1/events", EVENT).status_code == 201
    admin.post("/api/v1/events/ev/ticket-types", {"code": "GA", "name": "General", "capacity": 40,
                                                  "badge_type": "General", "low_stock_at": 5})
    admin.post("/api/v1/events/ev/ticket-types", {"code": "VIP", "name": "VIP", "capacity": 3,
                                                  "badge_type": "VIP", "zones": ["hall", "lounge"]})
    admin.post("/api/v1/events/ev/channels", {"code": "onsite", "name": "Box office", "allocations": {"GA": 10}})
    for gate in [{"code": "north", "name": "North Gate", "zone": "hall", "admits": ["GA", "VIP"]},
                 {"code": "south", "name": "South Gate", "zone": "hall", "admits": ["GA", "VIP"]},
                 {"code": "lounge", "name": "VIP Lounge", "zone": "lounge", "admits": ["VIP"]}]:
        assert admin.post("/api/v1/events/ev/gates", gate).status_code == 201
    admin.put("/api/v1/events/ev/alert-settings", {"zone_capacity": {"hall": 10, "lounge": 3}})
    tickets = admin.post("/api/v1/events/ev/tickets", {"tickets": [
        {"type": "GA", "holder": {"name": f"Guest {i}"}} for i in range(30)]}).json["tickets"]
    tickets += admin.post("/api/v1/events/ev/tickets", {"tickets": [
        {"type": "VIP", "holder": {"name": f"Star {i}"}} for i in range(3)]}).json["tickets"]
    yield admin, tickets
    hub_of(live_app).close()


def test_dashboard_updates_without_reload_as_scans_arrive(live_app, live_token, summit, page, screenshot):
    admin, tickets = summit
    gate = admin.as_role(live_token("gate", "ev"))
    page.goto(f"{live_app.config['LIVE_URL']}/dashboard?token={live_token('supervisor')}&event=ev")
    page.wait_for_function("document.getElementById('link').textContent === 'Live'")
    page.wait_for_selector("[data-zone=hall]")
    page.wait_for_selector("[data-alert]")  # VIP sold out: an alert from before the screen opened
    page.evaluate("window.stillTheSamePage = true")
    screenshot("before")

    for t in tickets[:9]:
        assert gate.post("/api/v1/events/ev/scans", {"code": t["code"], "gate": "north"}).json["status"] == "ok"
    gate.post("/api/v1/events/ev/scans", {"code": tickets[30]["code"], "gate": "lounge"})
    gate.post("/api/v1/events/ev/scans", {"code": tickets[0]["code"], "gate": "south", "device": "tablet-2"})
    page.wait_for_function("document.querySelector('[data-zone=hall] .inside').textContent === '9'", timeout=5000)
    page.wait_for_selector("[data-zone=hall].near")
    page.wait_for_selector("#dupes li")
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.locator("[data-gate=north] .entries").text_content() == "9"
    assert "South Gate" in page.locator("#dupes li").first.text_content()
    assert page.locator("#totals [data-k=duplicates]").text_content() == "1"
    page.wait_for_function("document.querySelectorAll('[data-alert]').length >= 3")  # near capacity, passback
    screenshot("wall")

    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    before = page.locator("[data-alert]").count()
    page.locator("[data-alert] button").first.click()
    page.wait_for_function(f"document.querySelectorAll('[data-alert]').length === {before - 1}")


def test_dashboard_says_when_the_token_is_refused(live_app, page):
    page.goto(f"{live_app.config['LIVE_URL']}/dashboard?token=wrong&event=ev")
    page.wait_for_selector("#signed-out")  # how to sign in again, over a page that says it cannot work
    assert "NOT READY" in page.locator("#not-ready").inner_text()
    assert "token" in page.locator("#not-ready").inner_text().lower()
    assert page.locator("#link").inner_text() != "Live"
