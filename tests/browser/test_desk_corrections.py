"""Correcting a guest's details at the badge desk in a real browser: before and after, a reason, the
badge out of date and reprinted, a supervisor's approval for more than a correction; phones to laptops,
with touch, over plain HTTP on a LAN name, and with the server gone."""
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpers import NOW, Api, iso

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
EV = "/api/v1/events/ev"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 768, "height": 1024},
             "landscape": {"width": 1024, "height": 768}, "laptop": {"width": 1280, "height": 800}}
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def guests(live_app, live_token):
    admin = Api(live_app.test_client(), live_token("admin"))
    assert admin.post("/api/v1/events", {"slug": "ev", "name": "Expo", "timezone": "Europe/Berlin",
                                         "starts_at": iso(NOW - timedelta(hours=1)),
                                         "ends_at": iso(NOW + timedelta(days=1))}).status_code == 201
    assert admin.post(f"{EV}/ticket-types", {"code": "GA", "name": "General", "capacity": 50,
                                             "badge_type": "general", "zones": ["hall"]}).status_code == 201
    assert admin.post(f"{EV}/gates", {"code": "north", "name": "North Gate", "zone": "hall",
                                      "admits": ["GA"]}).status_code == 201
    rows = [{"type": "GA", "holder": {"name": n, "company": c}} for n, c in (
        ("Anna Müler", "Acme Widgets"), ("Jon Smith", None), ("Lena Park", "Initech"))]
    tickets = admin.post(f"{EV}/tickets", {"tickets": rows}).json["tickets"]
    return admin, {t["holder"]["name"]: t for t in tickets}


@pytest.fixture
def open_desk(live_app, live_token, browser, lan):
    made, errors = [], []

    def make(role="badge_desk", size="laptop", touch=False, on_lan=False):
        via = lan.browser if on_lan else browser
        ctx = via.new_context(viewport=VIEWPORTS[size], has_touch=touch, is_mobile=size == "phone")
        made.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.add_init_script("localStorage.setItem('gate.desk.after', 'files')")
        port = live_app.config["LIVE_URL"].rsplit(":", 1)[1]
        base = lan.origin(port) if on_lan else live_app.config["LIVE_URL"]
        page.goto(f"{base}/desk?token={live_token(role, 'ev')}&event=ev")
        page.wait_for_selector("body[data-ready]")
        return page

    yield make
    for ctx in made:
        ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"corrections-{name}.png"), full_page=True)


def pick(page, name: str) -> None:
    page.fill("#find", name)
    page.locator("#find").press("Enter")
    expect(page.locator("#t-name")).to_have_text(name)


def press(page, selector: str, touch: bool) -> None:
    page.tap(selector) if touch else page.click(selector)


def test_desk_corrects_a_name_keeps_the_code_and_reprints_the_badge(open_desk, guests):
    admin, tickets = guests
    page = open_desk()
    pick(page, "Anna Müler")
    page.click("#print")
    expect(page.locator("#t-state")).to_have_text("✔ Printed 1×")

    page.click("#correct-open")
    expect(page.locator("#correct-name")).to_have_value("Anna Müler")
    expect(page.locator("#correct-save")).to_be_disabled()  # nothing changed yet
    page.fill("#correct-name", "Anna Müller")
    expect(page.locator("#correct-changes tr")).to_have_count(1)
    expect(page.locator("#correct-changes .before")).to_have_text("Anna Müler")
    expect(page.locator("#correct-changes .after")).to_have_text("Anna Müller")
    page.click("#correct-save")
    expect(page.locator("#correct-status")).to_contain_text("choose a reason")
    page.select_option("#correct-reason", "Name misspelt")
    shot(page, "laptop-form")
    page.click("#correct-save")
    expect(page.locator("#print-status")).to_contain_text("Corrected; the ticket's code still works.")
    expect(page.locator("#t-name")).to_have_text("Anna Müller")
    expect(page.locator("#t-state")).to_have_text("⚠ Badge out of date")
    expect(page.locator("#correct-form")).to_be_hidden()
    expect(page.locator("#queue li", has_text="Anna Müller")).to_contain_text("corrected")
    shot(page, "laptop-corrected")

    ticket = admin.get(f"{EV}/tickets/{tickets['Anna Müler']['id']}").json
    assert ticket["code"] == tickets["Anna Müler"]["code"] and ticket["generation"] == 1
    entry = ticket["history"][-1]
    assert (entry["action"], entry["reason"], entry["before"]) == ("ticket.correct", "Name misspelt",
                                                                   {"name": "Anna Müler"})
    assert entry["actor"].endswith(":badge_desk")

    page.click("#print")  # the updated badge needs no typed reason
    expect(page.locator("#t-state")).to_have_text("✔ Printed 2×")
    prints = admin.get(f"{EV}/tickets/{tickets['Anna Müler']['id']}/badge").json["prints"]
    assert prints[-1]["reason"] == "details corrected"


def test_more_than_a_correction_is_refused_at_the_desk_and_approved_by_a_supervisor(open_desk, guests):
    admin, tickets = guests
    desk = open_desk()
    pick(desk, "Jon Smith")
    desk.click("#correct-open")
    desk.fill("#correct-name", "Maria Garcia")
    desk.select_option("#correct-reason", "Guest asked for another spelling")
    desk.click("#correct-save")
    expect(desk.locator("#correct-status")).to_contain_text("A supervisor must approve this")
    expect(desk.locator("#correct-approve-row")).to_be_hidden()
    expect(desk.locator("#t-name")).to_have_text("Jon Smith")
    shot(desk, "refused")
    assert admin.get(f"{EV}/tickets/{tickets['Jon Smith']['id']}").json["holder"]["name"] == "Jon Smith"

    boss = open_desk("supervisor")
    pick(boss, "Jon Smith")
    boss.click("#correct-open")
    boss.fill("#correct-name", "Maria Garcia")
    boss.fill("#correct-company", "Globex")
    expect(boss.locator("#correct-changes tr")).to_have_count(2)
    boss.select_option("#correct-reason", "other")
    boss.fill("#correct-other", "registered under her assistant's name")
    boss.click("#correct-save")
    expect(boss.locator("#correct-approve-row")).to_be_visible()
    expect(boss.locator("#correct-status")).to_contain_text("I approve")
    boss.check("#correct-approve")
    shot(boss, "approve")
    boss.click("#correct-save")
    expect(boss.locator("#t-name")).to_have_text("Maria Garcia")
    entry = admin.get(f"{EV}/tickets/{tickets['Jon Smith']['id']}").json["history"][-1]
    assert entry["after"]["approved_by"].endswith(":supervisor") and entry["reason"].startswith("registered")


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_form_fits_and_works_by_touch_over_plain_http(open_desk, guests, size):
    admin, tickets = guests
    page = open_desk(size=size, touch=True, on_lan=True)
    assert page.evaluate("isSecureContext") is False
    pick(page, "Lena Park")
    press(page, "#correct-open", True)
    page.fill("#correct-company", "Initech Ltd")
    page.select_option("#correct-reason", "Company wrong or missing")
    for field in ("#correct-name", "#correct-company", "#correct-reason", "#correct-save", "#correct-cancel"):
        box = page.locator(field).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (field, box)  # a finger's target
    assert page.evaluate(OVERFLOW) <= 0
    page.locator("#correct-form").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"corrections-{size}.png"))
    press(page, "#correct-save", True)
    expect(page.locator("#t-company")).to_have_text("Initech Ltd")
    assert admin.get(f"{EV}/tickets/{tickets['Lena Park']['id']}").json["holder"]["company"] == "Initech Ltd"


def test_with_the_server_gone_the_form_says_so_and_keeps_what_was_typed(open_desk, guests):
    page = open_desk(size="tablet", touch=True)
    pick(page, "Lena Park")
    page.tap("#correct-open")
    page.fill("#correct-name", "Lena Parker")
    page.select_option("#correct-reason", "Name misspelt")
    page.context.set_offline(True)
    page.tap("#correct-save")
    expect(page.locator("#correct-status")).to_contain_text("cannot be reached")
    expect(page.locator("#correct-name")).to_have_value("Lena Parker")
    expect(page.locator("#t-name")).to_have_text("Lena Park")
    shot(page, "offline")
    page.context.set_offline(False)
    page.tap("#correct-save")
    expect(page.locator("#t-name")).to_have_text("Lena Parker")
