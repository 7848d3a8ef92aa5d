"""Print at check-in through the desk's print agent, in real Chromium: a scan at the gate, the badge on a
CUPS queue with no dialog, the job's state on the desk; a paused queue shown on the desk and recovered."""
import shutil
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from printer_servers import HAVE_CUPS, Cups

from checkin.printing.agent import PrintAgent
from helpers import NOW, Api, iso

pytestmark = pytest.mark.browser
EV = "/api/v1/events/ev"


@pytest.fixture
def desk_event(live_app, live_token):
    admin = Api(live_app.test_client(), live_token("admin"))
    admin.post("/api/v1/events", {"slug": "ev", "name": "Example Conf", "timezone": "Asia/Kolkata",
                                  "starts_at": iso(NOW - timedelta(hours=1)), "ends_at": iso(NOW + timedelta(days=1))})
    admin.post(f"{EV}/ticket-types", {"code": "GA", "name": "General", "capacity": 50, "badge_type": "general"})
    admin.post(f"{EV}/gates", {"code": "north", "name": "North Gate", "zone": "Main hall", "admits": ["GA"]})
    tickets = admin.post(f"{EV}/tickets", {"tickets": [{"type": "GA", "holder": {"name": "Anna Müller"}}]})
    return admin, {t["holder"]["name"]: t for t in tickets.json["tickets"]}


def open_desk(page, live_app, live_token):
    page.add_init_script("localStorage.setItem('gate.desk.after', 'files')")  # headless: no PDF viewer
    page.goto(f"{live_app.config['LIVE_URL']}/desk?token={live_token('badge_desk', 'ev')}&event=ev")
    expect(page.locator("#layout option")).not_to_have_count(1)  # layouts loaded


@pytest.fixture
def cups():
    if not HAVE_CUPS:
        pytest.skip("CUPS with cups-pdf is not installed")
    root = Path(tempfile.mkdtemp(prefix="gate-cups-"))
    server = Cups(root)
    yield server
    server.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)])
def test_a_gate_scan_prints_through_the_agent_and_the_desk_follows_the_job(live_app, live_token, desk_event,
                                                                          page, screenshot, cups, size):
    admin, tickets = desk_event
    page.set_viewport_size({"width": size[0], "height": size[1]})
    admin.post(f"{EV}/printers", {"name": "Card printer", "desk": "Door desk", "connection": f"cups:{cups.queue}",
                                  "language": "pdf", "media": "label-4x3"})
    agent = PrintAgent(live_app.config["LIVE_URL"], live_token("badge_desk", "ev"), "ev", "Door desk",
                       cups.server, wait=2)
    runner = threading.Thread(target=agent.run, daemon=True)
    runner.start()
    try:
        open_desk(page, live_app, live_token)
        page.fill("#desk-name", "Door desk")
        page.locator("#desk-name").dispatch_event("change")
        page.select_option("#autoprint-gate", "north")
        expect(page.locator("#autoprint-status")).to_have_text("Waiting for check-ins…")
        expect(page.locator("#printer-list")).to_contain_text("Card printer ready", timeout=15_000)

        gate = Api(live_app.test_client(), live_token("gate", "ev"))
        scan = gate.post(f"{EV}/scans", {"code": tickets["Anna Müller"]["code"], "gate": "north"}).json
        assert scan["status"] == "ok", scan
        expect(page.locator("#autoprint-status")).to_have_text("Anna Müller entered: badge printed.")
        expect(page.locator("#printer-jobs li").first).to_contain_text("printed", timeout=20_000)
        screenshot(f"printed-{size[0]}")

        cups.run("cupsdisable", cups.queue)
        expect(page.locator("#printer-list li.down")).to_contain_text("stopped", timeout=20_000)
        screenshot(f"paused-{size[0]}")
        cups.run("cupsenable", cups.queue)
        expect(page.locator("#printer-list li.up")).to_be_visible(timeout=20_000)
    finally:
        agent.stop()
        runner.join(30)
