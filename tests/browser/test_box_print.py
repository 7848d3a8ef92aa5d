"""Print badge now, in real Chromium: a walk-in sold on /box, its badge sent to a desk, printed by that desk's
screen, the box following it to "printed"; and /box with all of that on screen still fits phone and tablet."""
import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpers import NOW, Api, iso

pytestmark = pytest.mark.browser
EV = "/api/v1/events/ev"
SIZES = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 1024, "height": 768}}
SCREENSHOTS = Path(__file__).parent / "screenshots"


def layout_checks():
    """The checks every page passes (test_layout.py): nothing scrolls sideways, no control lies under another."""
    spec = importlib.util.spec_from_file_location("layout_checks", Path(__file__).with_name("test_layout.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.OVERFLOW, module.COVERED


@pytest.fixture
def event(live_app, live_token):
    admin = Api(live_app.test_client(), live_token("admin"))
    assert admin.post("/api/v1/events", {"slug": "ev", "name": "Riverside Jazz", "timezone": "Asia/Kolkata",
                                         "starts_at": iso(NOW - timedelta(hours=1)),
                                         "ends_at": iso(NOW + timedelta(days=1))}).status_code == 201
    assert admin.post(f"{EV}/ticket-types", {"code": "GA", "name": "General", "capacity": 10,
                                             "badge_type": "General", "price": "25.00"}).status_code == 201
    assert admin.post(f"{EV}/gates", {"code": "north", "name": "North Gate", "zone": "hall",
                                      "admits": ["GA"]}).status_code == 201
    return admin


def open_screen(browser, size: str, errors: list):
    context = browser.new_context(viewport=SIZES[size], has_touch=size == "phone", is_mobile=size == "phone")
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page


@pytest.mark.parametrize("size", SIZES)
def test_a_walk_ins_badge_sent_from_the_box_prints_at_the_chosen_desk(live_app, live_token, event, browser, size):
    errors: list[str] = []
    url = live_app.config["LIVE_URL"]
    desk_context, desk = open_screen(browser, "tablet", errors)
    box_context, box = open_screen(browser, size, errors)
    try:
        desk.add_init_script("localStorage.setItem('gate.desk.after', 'files')")  # headless: no PDF viewer
        desk.goto(f"{url}/desk?token={live_token('badge_desk', 'ev')}&event=ev")
        expect(desk.locator("#sent-status")).to_contain_text("Name this desk")
        desk.fill("#desk-name", "Desk X")
        desk.locator("#desk-name").dispatch_event("change")
        expect(desk.locator("#sent-status")).to_have_text("Badges the box office sends to Desk X print here.")

        box.goto(f"{url}/box?token={live_token('box_office', 'ev')}&event=ev")
        box.click('.type[data-type="GA"]')
        box.click("#sell")
        expect(box.locator(".sold li")).to_have_count(1)
        ticket_id = int(box.locator(".sold li").get_attribute("data-ticket"))
        expect(box.locator("#print-to")).to_be_visible()
        box.get_by_role("button", name="Print badge now").click()  # no desk chosen yet: says so, sends nothing
        expect(box.locator(".sold li .status")).to_contain_text("Choose the badge desk")
        box.select_option("#print-desk", "Desk X")
        box.get_by_role("button", name="Print badge now").click()
        status = box.locator(".sold li .status")
        expect(status).to_have_attribute("data-badge", "printed", timeout=15_000)
        expect(status).to_have_text("Badge: Printed at Desk X.")

        expect(desk.locator("#print-status")).to_contain_text("(sent by the box office): job 1.")
        expect(desk.locator("#print-files a")).to_have_count(3)  # the PDF and label PNGs went to its printer
        expect(desk.locator("#t-state")).to_have_text("✔ Printed 1×")
        job = event.get(f"{EV}/print-jobs/1").json
        assert job["desk"] == "Desk X" and [p["ticket_id"] for p in job["prints"]] == [ticket_id]

        overflow, covered = layout_checks()
        assert box.evaluate(overflow) <= 0, f"/box scrolls sideways at {size}"
        assert box.evaluate(covered) == [], f"/box at {size}"
        box.locator(".sold li").scroll_into_view_if_needed()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        box.screenshot(path=str(SCREENSHOTS / f"box-print-badge-now-{size}.png"))
        desk.screenshot(path=str(SCREENSHOTS / f"desk-sent-badge-{size}.png"))

        box.reload()  # the chosen desk stays chosen on this screen
        expect(box.locator('#print-desk option[value="Desk X"]')).to_have_count(1)
        assert box.locator("#print-desk").input_value() == "Desk X"
    finally:
        desk_context.close()
        box_context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"


def test_a_badge_the_desk_cannot_print_shows_as_failed_with_why_on_the_box(live_app, live_token, event, browser):
    errors: list[str] = []
    url = live_app.config["LIVE_URL"]
    desk_token = live_token("badge_desk", "ev")
    assert Api(live_app.test_client(), desk_token).post(f"{EV}/desks/queue", {"desk": "Desk Y"}).status_code == 200
    box_context, box = open_screen(browser, "tablet", errors)
    try:
        box.add_init_script("localStorage.setItem('gate.box.print-desk', 'Desk Y')")
        box.goto(f"{url}/box?token={live_token('box_office', 'ev')}&event=ev")
        box.click('.type[data-type="GA"]')
        box.fill("#names", "Ana Ruiz")
        box.click("#sell")
        expect(box.locator(".sold li")).to_have_count(1)
        ticket_id = int(box.locator(".sold li").get_attribute("data-ticket"))
        expect(box.locator('#print-desk option[value="Desk Y"]')).to_have_count(1)
        assert box.locator("#print-desk").input_value() == "Desk Y"
        box.get_by_role("button", name="Print badge now").click()
        status = box.locator(".sold li .status")
        expect(status).to_have_attribute("data-badge", "queued")
        desk = Api(live_app.test_client(), desk_token)  # the badge was printed by hand before the desk got to it
        assert desk.post(f"{EV}/print-jobs", {"ticket_ids": [ticket_id]}).status_code == 201
        [sent] = desk.post(f"{EV}/desks/queue", {"desk": "Desk Y"}).json["requests"]
        assert desk.post(f"{EV}/badge-requests/{sent['id']}/print").status_code == 409
        expect(status).to_have_attribute("data-badge", "failed", timeout=10_000)
        expect(status).to_contain_text("Not printed at Desk Y: ")
        expect(status).to_contain_text("already printed")
    finally:
        box_context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
