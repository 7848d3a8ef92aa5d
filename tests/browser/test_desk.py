"""The badge desk in a real browser: find by name or scan, preview, print, reprint with a reason,
and the out-of-date badges queue."""
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from helpers import Api

pytestmark = pytest.mark.browser

NOW = datetime.now(timezone.utc)
EV = "/api/v1/events/ev"


@pytest.fixture
def desk_event(live_app, live_token):
    """An event with a few attendees; returns (admin Api, tickets by holder name)."""
    admin = Api(live_app.test_client(), live_token("admin"))
    admin.post("/api/v1/events", {"slug": "ev", "name": "Example Conf", "timezone": "Asia/Kolkata",
                                  "starts_at": (NOW - timedelta(hours=1)).isoformat(),
                                  "ends_at": (NOW + timedelta(days=1)).isoformat()})
    for code, name, badge in (("GA", "General", "general"), ("VIP", "VIP", "vip"), ("SPK", "Speaker", "speaker")):
        assert admin.post(f"{EV}/ticket-types", {"code": code, "name": name, "capacity": 50,
                                                 "badge_type": badge, "zones": ["Main hall"]}).status_code == 201
    for code in ("north", "south"):
        assert admin.post(f"{EV}/gates", {"code": code, "name": f"{code.title()} Gate", "zone": "Main hall",
                                          "admits": ["GA", "VIP", "SPK"], "direction": "both"}).status_code == 201
    rows = [("VIP", "प्रिया शर्मा", "Infosys"), ("GA", "Anna Müller", "Acme Widgets"),
            ("SPK", "محمد بن سلمان", "شركة المثال"), ("GA", "Anna Schmidt", None)]
    tickets = admin.post(f"{EV}/tickets", {"tickets": [
        {"type": t, "holder": {"name": n, "company": c}} for t, n, c in rows]}).json["tickets"]
    return admin, {t["holder"]["name"]: t for t in tickets}


def open_desk(page, live_app, live_token):
    # Headless Chromium has no PDF viewer to print from, so the desk only offers the files.
    page.add_init_script("localStorage.setItem('gate.desk.after', 'files')")
    page.goto(f"{live_app.config['LIVE_URL']}/desk?token={live_token('badge_desk', 'ev')}&event=ev")
    expect(page.locator("#layout option")).not_to_have_count(1)  # layouts loaded


def preview_loaded(page) -> None:
    expect(page.locator("#preview-note")).to_contain_text("Preview of the next print")
    page.wait_for_function("document.getElementById('preview').naturalWidth > 0")


def test_desk_finds_previews_prints_and_reprints_with_a_reason(live_app, live_token, desk_event, page,
                                                               screenshot):
    open_desk(page, live_app, live_token)
    page.fill("#desk-name", "Desk 2")
    page.locator("#desk-name").dispatch_event("change")
    page.fill("#find", "Anna")
    page.keyboard.press("Enter")
    expect(page.locator("#results .guest-pick")).to_have_count(2)
    page.locator("#results .guest-pick", has_text="Anna Müller").click()
    expect(page.locator("#t-name")).to_have_text("Anna Müller")
    expect(page.locator("#t-state")).to_have_text("● Needs a badge")
    preview_loaded(page)
    screenshot("found")

    page.click("#print")
    expect(page.locator("#print-status")).to_have_text("Printed Anna Müller: job 1.")
    expect(page.locator("#t-state")).to_have_text("✔ Printed 1×")
    expect(page.locator("#print")).to_have_text("Reprint badge (R1)")
    expect(page.locator("#print-files a")).to_have_count(3)

    page.click("#print")  # printed before: a reason is needed first
    expect(page.locator("#print-status")).to_contain_text("choose a reason")
    page.select_option("#reason", "Lost badge")
    page.click("#print")
    expect(page.locator("#print-status")).to_have_text("Printed Anna Müller (R1): job 2.")
    expect(page.locator("#t-state")).to_have_text("✔ Printed 2×")
    page.click("#history-title")
    expect(page.locator("#history tr")).to_have_count(2)
    expect(page.locator("#history tr").nth(1)).to_contain_text("Lost badge")
    expect(page.locator("#history tr").nth(1)).to_contain_text("Desk 2")
    preview_loaded(page)
    screenshot("reprinted")


def test_a_scanned_code_selects_the_ticket_at_once(live_app, live_token, desk_event, page, screenshot):
    _, tickets = desk_event
    priya = tickets["प्रिया शर्मा"]
    open_desk(page, live_app, live_token)
    page.locator("#find").press_sequentially(priya["code"] + "\n", delay=2)  # a keyboard-wedge scanner
    expect(page.locator("#t-name")).to_have_text("प्रिया शर्मा")
    expect(page.locator("#t-type")).to_have_text("VIP")
    expect(page.locator("#find")).to_have_value("")
    expect(page.locator("#find")).to_be_focused()
    preview_loaded(page)
    screenshot("scanned")


def test_out_of_date_badges_queue_reprints_the_changed_ticket(live_app, live_token, desk_event, page,
                                                             screenshot):
    admin, tickets = desk_event
    speaker = tickets["محمد بن سلمان"]
    desk_api = Api(live_app.test_client(), live_token("badge_desk", "ev"))
    assert desk_api.post(f"{EV}/print-jobs", {"ticket_ids": [speaker["id"]]}).status_code == 201
    assert admin.post(f"{EV}/tickets/{speaker['id']}/transfer",
                      {"holder": {"name": "שרה לוי", "company": "Example Ltd"},
                       "reason": "speaker replaced"}).status_code == 200

    open_desk(page, live_app, live_token)
    expect(page.locator("#queue-count")).to_have_text("1")
    expect(page.locator("#queue li")).to_contain_text("שרה לוי")
    expect(page.locator("#queue li")).to_contain_text("transferred")
    screenshot("queue")
    page.locator("#queue li button", has_text="Reprint").click()
    expect(page.locator("#print-status")).to_have_text("Printed שרה לוי (R1): job 2.")
    expect(page.locator("#queue-count")).to_have_text("0")
    expect(page.locator("#t-state")).to_have_text("✔ Printed 2×")
    preview_loaded(page)
    screenshot("queue-done")


def test_print_at_check_in_prints_each_arrival_at_the_chosen_gate_once(live_app, live_token, desk_event, page,
                                                                        screenshot):
    admin, tickets = desk_event
    gate = Api(live_app.test_client(), live_token("gate", "ev"))
    open_desk(page, live_app, live_token)
    page.fill("#desk-name", "Door desk")
    page.locator("#desk-name").dispatch_event("change")
    expect(page.locator("#autoprint-gate option")).to_have_count(3)  # off, north, south
    page.select_option("#autoprint-gate", "north")
    expect(page.locator("#autoprint-status")).to_have_text("Waiting for check-ins…")

    def enter(name, at):
        answer = gate.post(f"{EV}/scans", {"code": tickets[name]["code"], "gate": at}).json
        assert answer["status"] == "ok", answer

    enter("Anna Müller", "north")
    expect(page.locator("#autoprint-status")).to_have_text("Anna Müller entered: badge printed.")
    expect(page.locator("#t-name")).to_have_text("Anna Müller")
    expect(page.locator("#t-state")).to_have_text("✔ Printed 1×")
    screenshot("printed")

    enter("Anna Schmidt", "south")  # another desk's gate: not printed here
    page.wait_for_timeout(500)
    assert admin.get(f"{EV}/tickets/{tickets['Anna Schmidt']['id']}/badge").json["badge"]["prints"] == 0

    out = admin.post(f"{EV}/scans", {"code": tickets["Anna Müller"]["code"], "gate": "north", "direction": "out"})
    assert out.json["status"] == "ok", out.json  # she steps out
    enter("Anna Müller", "north")  # back in: her badge is printed already
    expect(page.locator("#autoprint-status")).to_have_text("Anna Müller entered: badge already printed.")
    prints = admin.get(f"{EV}/tickets/{tickets['Anna Müller']['id']}/badge").json["prints"]
    assert [(p["desk"], p["reprint"]) for p in prints] == [("Door desk", "")]  # one print, no reprint mark

    page.select_option("#autoprint-gate", "")
    enter("प्रिया शर्मा", "north")  # switched off
    page.wait_for_timeout(500)
    assert admin.get(f"{EV}/tickets/{tickets['प्रिया शर्मा']['id']}/badge").json["badge"]["prints"] == 0
