"""Every screen fits the devices an event crew holds: phones, tablets both ways, laptops, wall screens.

At each size: nothing scrolls sideways, no control lies under another (the
element at a control's centre is that control), and on tablets and larger the
page's main action is on screen without scrolling.
"""
import os
from datetime import timedelta
from pathlib import Path

import pytest

from helpers import NOW, Api, iso

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("GATE_SCREENSHOTS", Path(__file__).parent / "screenshots"))

SIZES = {"phone": (390, 844), "tablet-portrait": (768, 1024), "tablet-landscape": (1024, 768),
         "laptop": (1280, 800), "wall": (1920, 1080)}
# page -> (role, a selector that shows the page has loaded, its main action)
PAGES = {
    "": (None, "a.card", "a.card"),
    "gate": ("gate", "#gate-select option", "#verdict"),
    "desk": ("badge_desk", "#layout option >> nth=1", "#find"),
    "box": ("box_office", '.type[data-type="GA"]', "#sell"),
    "dashboard": ("supervisor", "#gates tr", "#zones"),
}

# Interactive elements a person can see, checked one by one: scrolled into view, then the element
# at the centre of each must be the control itself (or inside it), never something lying over it.
COVERED = """() => {
  const picked = [...document.querySelectorAll('a[href], button, input, select, textarea, [role=button]')];
  const covered = [];
  for (const el of picked) {
    const style = getComputedStyle(el);
    if (el.closest('[hidden]') || style.visibility === 'hidden' || style.display === 'none') continue;
    if (el.type === 'hidden' || el.getClientRects().length === 0) continue;
    el.scrollIntoView({block: 'center', inline: 'center'});
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) continue;
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) { covered.push(`${describe(el)} off screen`); continue; }
    const hit = document.elementFromPoint(x, y);
    const mine = hit && (el === hit || el.contains(hit) || (el.labels && [...el.labels].some(l => l.contains(hit))));
    if (!mine) covered.push(`${describe(el)} under ${hit ? describe(hit) : 'nothing'}`);
  }
  window.scrollTo(0, 0);
  return covered;
  function describe(el) {
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
      (el.textContent ? ` "${el.textContent.trim().slice(0, 20)}"` : '');
  }
}"""

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def event(live_app, live_token):
    """An event with three types, two gates, a box-office channel and a few attendees."""
    admin = Api(live_app.test_client(), live_token("admin"))
    assert admin.post("/api/v1/events", {"slug": "ev", "name": "Riverside Jazz Festival", "timezone": "Asia/Kolkata",
                                         "starts_at": iso(NOW - timedelta(hours=1)),
                                         "ends_at": iso(NOW + timedelta(days=2))}).status_code == 201
    for code, name, badge in (("GA", "General admission", "general"), ("VIP", "VIP", "vip"),
                              ("STU", "Student", "student")):
        assert admin.post("/api/v1/events/ev/ticket-types", {
            "code": code, "name": name, "capacity": 100, "badge_type": badge, "price": "25.00",
            "zones": ["hall"]}).status_code == 201
    assert admin.post("/api/v1/events/ev/channels", {"code": "onsite", "name": "Box office",
                                                     "allocations": {"GA": 20}}).status_code == 201
    for code in ("north", "south"):  # the first gate takes both directions: its header has the most controls
        assert admin.post("/api/v1/events/ev/gates", {"code": code, "name": f"{code.title()} Gate", "zone": "hall",
                                                      "admits": ["GA", "VIP", "STU"],
                                                      "direction": "both" if code == "north" else "in"}
                          ).status_code == 201
    admin.post("/api/v1/events/ev/tickets", {"tickets": [
        {"type": "GA", "holder": {"name": f"Guest {i}", "company": "Acme"}} for i in range(5)]})
    return admin


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", PAGES)
def test_page_fits_the_screen(live_app, live_token, event, browser, name, size, tmp_path):
    role, loaded, action = PAGES[name]
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=width < 1100,
                                  is_mobile=width < 800)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    query = f"?token={live_token(role, 'ev')}&event=ev" if role else ""
    page.goto(f"{live_app.config['LIVE_URL']}/{name}{query}")
    page.locator(loaded).first.wait_for(state="attached", timeout=10_000)
    page.wait_for_timeout(300)  # late layout: fonts, live counts
    try:
        assert page.evaluate(OVERFLOW) <= 0, f"/{name} scrolls sideways at {width}x{height}"
        covered = page.evaluate(COVERED)
        assert covered == [], f"/{name} at {width}x{height}: {covered}"
        if action and width >= 768:
            box = page.locator(action).first.bounding_box()
            assert box and box["y"] + box["height"] <= height, f"/{name}: {action} is below the fold"
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"layout-{name or 'index'}-{size}.png"))
        context.close()
    assert not errors, f"JavaScript errors on /{name}: {errors}"


# Check in without a code: the gate's "Find guest" panel and the desk's results, each with guests
# listed, one guest's Admit asking for its note, and (desk) a manual admit's verdict shown.
GUEST_SEARCH = {
    "gate": ("gate", "body[data-ready]", "#guest-open", "#guest-q"),
    "desk": ("badge_desk", "#admit-gate option", None, "#find"),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", GUEST_SEARCH)
def test_guest_search_fits_the_screen(live_app, live_token, event, browser, name, size):
    role, loaded, opener, field = GUEST_SEARCH[name]
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=width < 1100,
                                  is_mobile=width < 800)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_app.config['LIVE_URL']}/{name}?token={live_token(role, 'ev')}&event=ev")
    page.locator(loaded).first.wait_for(state="attached", timeout=10_000)
    try:
        if opener:
            page.locator(opener).click()
        page.locator(field).fill("Guest")
        page.locator(field).press("Enter")
        page.locator(".guest").nth(4).wait_for()
        if name == "desk":
            page.locator(".guest .guest-admit").nth(1).click()
            page.locator(".guest .guest-admit-now").nth(1).click()
            page.locator("#admit-verdict[data-status=ok]").wait_for()
        page.locator(".guest .guest-admit").first.click()  # its note and confirm buttons show
        page.wait_for_timeout(200)
        assert page.evaluate(OVERFLOW) <= 0, f"/{name}'s guest search scrolls sideways at {width}x{height}"
        covered = page.evaluate(COVERED)
        assert covered == [], f"/{name}'s guest search at {width}x{height}: {covered}"
        if width >= 768:
            box = page.locator(field).bounding_box()
            assert box and box["y"] + box["height"] <= height, f"/{name}: {field} is below the fold"
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"layout-{name}-guests-{size}.png"))
        context.close()
    assert not errors, f"JavaScript errors on /{name}: {errors}"


def test_gate_keeps_the_keyboard_down_on_touch_and_still_takes_a_wedge_scan(live_app, live_token, event, browser):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_app.config['LIVE_URL']}/gate?token={live_token('gate', 'ev')}&event=ev&gate=north")
    page.locator("#gate-select option").first.wait_for(state="attached")
    wedge = page.locator("#wedge")
    assert wedge.get_attribute("inputmode") == "none"  # focus alone opens no on-screen keyboard
    page.wait_for_function("document.activeElement && document.activeElement.id === 'wedge'")
    page.keyboard.type("NOT-A-TICKET")  # what a USB scanner does: keys, then Enter, with no click first
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('verdict').textContent.trim() !== 'READY'")
    assert "Not a valid ticket" in page.inner_text("#message")
    context.close()
