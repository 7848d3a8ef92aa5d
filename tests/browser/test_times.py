"""One time format on every screen: the event's clock, whatever zone the device is set to, with the
date when it is not today there (static/js/clock.js, scanner/clock.py)."""
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import checkin.gate.admissions
from helpers import NOW, Api, iso

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
EVENT_ZONE = ZoneInfo("Asia/Kolkata")
DEVICE_ZONE = "America/Los_Angeles"  # 12.5 or 13.5 hours away: its clock never reads like the event's


def on_event_clock(moment: datetime, now: datetime) -> str:
    """What a screen must show: '03:48' on the same day in the event's zone, else 'Tue 2 Dec 03:48'."""
    local, today = moment.astimezone(EVENT_ZONE), now.astimezone(EVENT_ZONE)
    clock = f"{local:%H:%M}"
    return clock if local.date() == today.date() else f"{local:%a} {local.day} {local:%b} {clock}"


def device_clock(moment: datetime) -> str:
    return f"{moment.astimezone(ZoneInfo(DEVICE_ZONE)):%H:%M}"


@pytest.fixture
def event(live_app, live_token, monkeypatch):
    """Two tickets, let in at North Gate: one yesterday, one a few minutes ago; (admin, tickets, first entries)."""
    admin = Api(live_app.test_client(), live_token("admin"))
    assert admin.post("/api/v1/events", {"slug": "ev", "name": "Three-day Expo", "timezone": "Asia/Kolkata",
                                         "starts_at": iso(NOW - timedelta(days=2)),
                                         "ends_at": iso(NOW + timedelta(days=1))}).status_code == 201
    assert admin.post("/api/v1/events/ev/ticket-types", {"code": "GA", "name": "General", "capacity": 50,
                                                         "badge_type": "General"}).status_code == 201
    assert admin.post("/api/v1/events/ev/gates", {"code": "north", "name": "North Gate", "zone": "hall",
                                                  "admits": ["GA"]}).status_code == 201
    rows = [{"type": "GA", "holder": {"name": n}} for n in ("Ravi Iyer", "Meera Nair", "Dev Kapoor")]
    tickets = admin.post("/api/v1/events/ev/tickets", {"tickets": rows}).json["tickets"]
    gate = admin.as_role(live_token("gate", "ev"))
    firsts = []
    for ticket, ago in zip(tickets, (timedelta(days=1), timedelta(minutes=3))):
        at = datetime.now(timezone.utc) - ago
        monkeypatch.setattr(checkin.gate.admissions, "utcnow", lambda at=at: at)
        r = gate.post("/api/v1/events/ev/scans", {"code": ticket["code"], "gate": "north", "device": "desk-1"})
        assert r.json["status"] == "ok", r.json
        firsts.append(datetime.fromisoformat(r.json["scan"]["at"]))
    monkeypatch.undo()
    return admin, tickets, firsts


@pytest.fixture
def device(browser):
    """A tablet set to another time zone than the event's."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, timezone_id=DEVICE_ZONE)
    errors: list[str] = []
    context.on("page", lambda page: page.on("pageerror", lambda exc: errors.append(str(exc))))
    yield context
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_the_gate_shows_the_events_clock_and_the_date_of_an_entry_yesterday(live_app, live_token, event, device):
    _, tickets, (yesterday, today) = event
    page = device.new_page()
    page.goto(f"{live_app.config['LIVE_URL']}/gate?token={live_token('gate', 'ev')}&event=ev&gate=north")
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == DEVICE_ZONE

    for ticket, first in ((tickets[0], yesterday), (tickets[1], today)):
        page.locator("#wedge").fill(ticket["code"])
        page.locator("#wedge").press("Enter")
        page.wait_for_function(f"document.getElementById('holder').textContent === {ticket['holder']['name']!r}")
        shown = on_event_clock(first, datetime.now(timezone.utc))
        assert page.locator("#message").inner_text() == f"Already entered {shown} at North Gate"
        assert f"first in {shown} at North Gate" in page.locator("#details").inner_text()
        assert device_clock(first) not in page.locator("#result").inner_text()
        if first is yesterday:
            assert shown[:3] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), "dated: it was not today"
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "times-gate-entered-yesterday.png"))


def test_dashboard_desk_and_box_write_times_on_the_events_clock(live_app, live_token, event, device):
    admin, tickets, (yesterday, _) = event
    board = device.new_page()
    board.goto(f"{live_app.config['LIVE_URL']}/dashboard?token={live_token('supervisor', 'ev')}&event=ev")
    board.wait_for_function("document.getElementById('link').textContent === 'Live'")
    again = admin.as_role(live_token("gate", "ev")).post("/api/v1/events/ev/scans",
                                                         {"code": tickets[0]["code"], "gate": "north"}).json
    assert again["reason"] == "duplicate"
    board.wait_for_selector("#dupes li")
    now = datetime.now(timezone.utc)
    line = board.locator("#dupes li").first.inner_text()
    assert line.startswith(on_event_clock(datetime.fromisoformat(again["scan"]["at"]), now))
    assert line.endswith(f"at North Gate {on_event_clock(yesterday, now)}"), line

    desk_api = admin.as_role(live_token("badge_desk", "ev"))
    before = datetime.now(timezone.utc)
    assert desk_api.post("/api/v1/events/ev/print-jobs", {"ticket_ids": [tickets[2]["id"]]}).status_code == 201
    after = datetime.now(timezone.utc)
    desk = device.new_page()
    desk.add_init_script("localStorage.setItem('gate.desk.after', 'files')")
    desk.goto(f"{live_app.config['LIVE_URL']}/desk?token={live_token('badge_desk', 'ev')}&event=ev")
    desk.wait_for_selector("body[data-ready]")
    desk.locator("#find").fill("Dev Kapoor")
    desk.locator("#find").press("Enter")
    desk.wait_for_selector("#history tr", state="attached")
    when = desk.locator("#history tr td").nth(1).text_content()
    assert when in {on_event_clock(before, after), on_event_clock(after, after)}

    box = device.new_page()
    before = datetime.now(timezone.utc)
    box.goto(f"{live_app.config['LIVE_URL']}/box?token={live_token('box_office', 'ev')}&event=ev")
    box.wait_for_selector("body[data-ready]")
    box.wait_for_function("document.getElementById('clock').textContent !== ''")
    shown = box.locator("#clock").inner_text()
    assert shown in {on_event_clock(before, before), on_event_clock(datetime.now(timezone.utc), before)}
