"""Checking in without a code, in a real browser: find a guest on /gate and /desk by serial or email,
admit by hand, see the verdict; on phones and tablets with touch, and over plain HTTP on a LAN name."""
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpers import NOW, Api, iso

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
EV = "/api/v1/events/ev"
# viewport, touch, phone
DEVICES = {"phone": ({"width": 390, "height": 844}, True, True),
           "tablet": ({"width": 1024, "height": 768}, True, False),
           "laptop": ({"width": 1280, "height": 800}, False, False)}
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# What sticks out on the right, to say why a page scrolls sideways.
WIDE = """() => [...document.querySelectorAll('*')]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map((e) => `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`).slice(0, 15)"""


@pytest.fixture
def event(live_app, live_token):
    """Two hall gates, a few guests with emails, and the admin's Api; returns what the tests need."""
    live_app.config["REREAD_SECONDS"] = 0  # the same screen admitting again in a moment: a duplicate, not a re-read
    admin = Api(live_app.test_client(), live_token("admin"))
    assert admin.post("/api/v1/events", {"slug": "ev", "name": "Expo", "timezone": "Asia/Kolkata",
                                         "starts_at": iso(NOW - timedelta(hours=1)),
                                         "ends_at": iso(NOW + timedelta(days=1))}).status_code == 201
    for code, name in (("GA", "General"), ("VIP", "VIP")):
        assert admin.post(f"{EV}/ticket-types", {"code": code, "name": name, "capacity": 50, "badge_type": "general",
                                                 "zones": ["hall"]}).status_code == 201
    for code in ("north", "south"):
        assert admin.post(f"{EV}/gates", {"code": code, "name": f"{code.title()} Gate", "zone": "hall",
                                          "admits": ["GA", "VIP"]}).status_code == 201
    rows = [{"type": t, "holder": {"name": n, "email": e, "company": "Acme"}} for t, n, e in (
        ("GA", "Aarav Sharma", "aarav.sharma@example.org"), ("VIP", "Lena Müller", "lena@example.de"),
        ("GA", "Yuki Tanaka", "yuki@example.jp"))]
    tickets = admin.post(f"{EV}/tickets", {"tickets": rows}).json["tickets"]
    for t in tickets:
        t["serial"] = admin.get(f"{EV}/tickets/{t['id']}").json["serial"]
    return {"admin": admin, "tickets": {t["holder"]["name"]: t for t in tickets}}


@pytest.fixture
def open_page(live_app, live_token, browser):
    """open_page(screen, device="laptop", via=browser, origin=None) -> a signed-in page of /gate or /desk."""
    made, errors = [], []

    def make(screen: str, device: str = "laptop", via=None, origin: str | None = None):
        viewport, touch, phone = DEVICES[device]
        ctx = (via or browser).new_context(viewport=viewport, has_touch=touch, is_mobile=phone)
        made.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        role = "gate" if screen == "gate" else "badge_desk"
        if screen == "desk":  # headless Chromium has no PDF viewer to print from
            page.add_init_script("localStorage.setItem('gate.desk.after', 'files')")
        base = origin or live_app.config["LIVE_URL"]
        gate = "&gate=north" if screen == "gate" else ""
        page.goto(f"{base}/{screen}?token={live_token(role, 'ev')}&event=ev{gate}")
        if screen == "gate":
            page.wait_for_selector("body[data-ready]")
        else:
            expect(page.locator("#admit-gate option")).to_have_count(2)
        return page

    yield make
    for ctx in made:
        ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"guests-{name}.png"), full_page=False)


def press(page, selector: str, touch: bool) -> None:
    page.locator(selector).tap() if touch else page.locator(selector).click()


def gate_search(page, text: str, touch: bool = False) -> None:
    if page.locator("#guest-panel").is_hidden():
        press(page, "#guest-open", touch)
    expect(page.locator("#guest-q")).to_be_focused()
    page.locator("#guest-q").fill(text)
    page.locator("#guest-q").press("Enter")


def admit_first(page, note: str, touch: bool = False, within: str = "#guest-results") -> None:
    guest = page.locator(f"{within} .guest").first
    (guest.locator(".guest-admit").tap if touch else guest.locator(".guest-admit").click)()
    expect(guest.locator("input[name=note]")).to_be_focused()
    if note:
        guest.locator("input[name=note]").fill(note)
    (guest.locator(".guest-admit-now").tap if touch else guest.locator(".guest-admit-now").click)()


def fits(page, where: str) -> None:
    """No sideways scroll (test_layout.py checks every control at every size with the panel open)."""
    assert page.evaluate(OVERFLOW) <= 0, f"{where}: scrolls sideways: {page.evaluate(WIDE)}"


def manual_scans(event, name: str) -> list[tuple]:
    scans = event["admin"].get(f"{EV}/tickets/{event['tickets'][name]['id']}").json["scans"]
    return [(s["manual"], s["note"], s["gate"], s["status"], s["reason"], s["actor"].split(":")[-1]) for s in scans]


@pytest.mark.parametrize("device", ["laptop", "tablet", "phone"])
def test_gate_finds_by_serial_and_email_admits_by_hand_and_shows_the_verdict(open_page, event, device):
    touch = DEVICES[device][1]
    page = open_page("gate", device)
    lena = event["tickets"]["Lena Müller"]
    gate_search(page, f"#{lena['serial']}", touch)
    guest = page.locator("#guest-results .guest")
    expect(guest).to_have_count(1)
    expect(guest).to_contain_text("Lena Müller")
    expect(guest).to_contain_text(f"#{lena['serial']}")
    expect(guest).to_contain_text("VIP")
    expect(guest).to_contain_text("l***@example.de")  # a gate sees emails masked
    expect(guest.locator(".guest-zones")).to_contain_text("hall: not in yet")
    expect(guest.locator(".guest-badge")).to_have_text("No badge printed yet")
    assert page.locator("#result").is_hidden() and page.locator("#wedge").is_hidden()
    fits(page, f"gate panel at {device}")
    shot(page, f"gate-found-{device}")

    admit_first(page, "Phone died, ID checked", touch)
    expect(page.locator("#result")).to_have_attribute("data-status", "ok")
    expect(page.locator("#verdict")).to_have_text("IN")
    expect(page.locator("#holder")).to_have_text("Lena Müller")
    assert page.locator("#guest-panel").is_hidden()
    expect(page.locator("#wedge")).to_be_focused()
    fits(page, f"gate verdict at {device}")
    shot(page, f"gate-admitted-{device}")
    assert manual_scans(event, "Lena Müller") == [(True, "Phone died, ID checked", "north", "ok", None, "gate")]

    gate_search(page, "lena@example.de", touch)  # the whole email finds her; she shows as inside now
    guest = page.locator("#guest-results .guest")
    expect(guest.locator(".guest-zones li.inside")).to_contain_text("inside since")
    expect(guest.locator(".guest-zones")).to_contain_text("North Gate (by hand)")
    shot(page, f"gate-inside-{device}")
    admit_first(page, "", touch)
    expect(page.locator("#result")).to_have_attribute("data-reason", "duplicate")
    expect(page.locator("#verdict")).to_contain_text("ALREADY IN")
    expect(page.locator("#message")).to_contain_text("Already entered")
    shot(page, f"gate-duplicate-{device}")


def test_gate_wedge_scans_still_judge_with_the_panel_open_and_after_it_closes(open_page, event):
    page = open_page("gate")
    aarav, yuki = event["tickets"]["Aarav Sharma"], event["tickets"]["Yuki Tanaka"]
    page.locator("#guest-open").click()
    expect(page.locator("#guest-q")).to_be_focused()
    page.keyboard.type("Ya")  # someone starts typing a name, then a guest holds out a readable code
    page.locator("#guest-q").fill("")
    page.keyboard.type(aarav["code"])  # the scanner types into the focused search field, then Enter
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_have_attribute("data-status", "ok")
    expect(page.locator("#holder")).to_have_text("Aarav Sharma")
    assert page.locator("#guest-panel").is_hidden()
    assert manual_scans(event, "Aarav Sharma") == [(False, None, "north", "ok", None, "gate")]

    page.locator("#guest-open").click()  # opened and closed again: the wedge takes scans as before
    page.locator("#guest-close").click()
    expect(page.locator("#wedge")).to_be_focused()
    page.keyboard.type(yuki["code"])
    page.keyboard.press("Enter")
    expect(page.locator("#holder")).to_have_text("Yuki Tanaka")

    gate_search(page, "Yuki")  # a scan typed into the note of an admit is a scan too
    guest = page.locator("#guest-results .guest").first
    guest.locator(".guest-admit").click()
    page.keyboard.type(yuki["code"])
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_have_attribute("data-reason", "duplicate")
    assert page.locator("#guest-panel").is_hidden()
    assert [s[0] for s in manual_scans(event, "Yuki Tanaka")] == [False, False]


def test_gate_says_when_more_guests_match_and_names_a_bad_query(open_page, event):
    event["admin"].post(f"{EV}/tickets", {"tickets": [
        {"type": "GA", "holder": {"name": f"Walk-in {i}"}} for i in range(22)]})
    page = open_page("gate")
    gate_search(page, "Walk-in")
    expect(page.locator("#guest-results .guest")).to_have_count(20)
    expect(page.locator("#guest-status")).to_contain_text("The first 20 shown; more match")
    gate_search(page, "ab")
    expect(page.locator("#guest-status")).to_contain_text("at least 3 characters")
    expect(page.locator("#guest-results .guest")).to_have_count(0)


def test_gate_says_search_needs_the_server_when_offline_and_keeps_scanning(open_page, event):
    page = open_page("gate")
    page.context.set_offline(True)
    gate_search(page, "Lena")
    expect(page.locator("#guest-status")).to_contain_text("Offline: finding a guest needs the server")
    page.locator("#guest-close").click()
    page.keyboard.type(event["tickets"]["Lena Müller"]["code"])  # judged from the gate pack meanwhile
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_have_attribute("data-status", "ok")
    expect(page.locator("#message")).to_contain_text("(offline)")


def test_gate_finds_and_admits_over_plain_http_on_the_venue_network(live_app, open_page, event, lan):
    port = live_app.config["LIVE_URL"].rsplit(":", 1)[1]
    page = open_page("gate", "tablet", via=lan.browser, origin=lan.origin(port))
    assert page.evaluate("isSecureContext") is False
    gate_search(page, "yuki@example.jp", touch=True)
    admit_first(page, "no phone", touch=True)
    expect(page.locator("#result")).to_have_attribute("data-status", "ok")
    expect(page.locator("#holder")).to_have_text("Yuki Tanaka")
    assert manual_scans(event, "Yuki Tanaka") == [(True, "no phone", "north", "ok", None, "gate")]


@pytest.mark.parametrize("device", ["laptop", "tablet", "phone"])
def test_desk_finds_by_serial_and_email_and_admits_at_the_chosen_gate(open_page, event, device):
    touch = DEVICES[device][1]
    page = open_page("desk", device)
    aarav = event["tickets"]["Aarav Sharma"]
    page.select_option("#admit-gate", "south")
    page.fill("#find", str(aarav["serial"]))
    page.locator("#find").press("Enter")
    expect(page.locator("#t-name")).to_have_text("Aarav Sharma")  # one guest: its badge is shown too
    guest = page.locator("#results .guest")
    expect(guest).to_have_count(1)
    expect(guest).to_contain_text("aarav.sharma@example.org")  # the desk sees the whole email
    expect(guest.locator(".guest-zones")).to_contain_text("hall: not in yet")
    expect(guest.locator(".guest-badge")).to_have_text("No badge printed yet")
    admit_first(page, "Printed ticket left at home", touch, within="#results")
    expect(page.locator("#admit-verdict")).to_have_attribute("data-status", "ok")
    expect(page.locator("#admit-word")).to_have_text("IN")
    expect(page.locator("#admit-where")).to_contain_text("South Gate")
    expect(page.locator("#results .guest .guest-zones li.inside")).to_contain_text("South Gate (by hand)")
    fits(page, f"desk at {device}")
    shot(page, f"desk-admitted-{device}")
    assert manual_scans(event, "Aarav Sharma") == [(True, "Printed ticket left at home", "south", "ok", None,
                                                     "badge_desk")]

    press(page, "#print", touch)  # printing marks the badge printed in the list too
    expect(page.locator("#results .guest .guest-badge")).to_have_text("Badge printed")

    page.fill("#find", "aarav.sharma@example.org")
    page.locator("#find").press("Enter")
    admit_first(page, "", touch, within="#results")
    expect(page.locator("#admit-verdict")).to_have_attribute("data-reason", "duplicate")
    expect(page.locator("#admit-word")).to_have_text("ALREADY IN")
    expect(page.locator("#admit-message")).to_contain_text("Already entered")
    shot(page, f"desk-duplicate-{device}")
    page.reload()  # the gate chosen for admitting is kept on this screen
    expect(page.locator("#admit-gate")).to_have_value("south")


def test_desk_lists_many_and_says_there_are_more(open_page, event):
    event["admin"].post(f"{EV}/tickets", {"tickets": [
        {"type": "GA", "holder": {"name": f"Walk-in {i}"}} for i in range(22)]})
    page = open_page("desk")
    page.fill("#find", "Walk-in")
    page.locator("#find").press("Enter")
    expect(page.locator("#results .guest")).to_have_count(20)
    expect(page.locator("#find-status")).to_contain_text("The first 20 shown; more match")
    page.locator("#results .guest-pick").nth(3).click()
    expect(page.locator("#t-name")).to_have_text(page.locator("#results .guest-name").nth(3).inner_text())
    expect(page.locator("#results .guest.picked")).to_have_count(1)


def test_desk_admits_over_plain_http_on_the_venue_network(live_app, open_page, event, lan):
    port = live_app.config["LIVE_URL"].rsplit(":", 1)[1]
    page = open_page("desk", "tablet", via=lan.browser, origin=lan.origin(port))
    assert page.evaluate("isSecureContext") is False
    page.fill("#find", f"#{event['tickets']['Yuki Tanaka']['serial']}")
    page.locator("#find").press("Enter")
    admit_first(page, "", True, within="#results")
    expect(page.locator("#admit-verdict")).to_have_attribute("data-status", "ok")
    assert manual_scans(event, "Yuki Tanaka") == [(True, None, "north", "ok", None, "badge_desk")]
