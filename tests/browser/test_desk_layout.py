"""The badge desk's layout page in a real browser: previews of real tickets in every script,
a draft's errors named by field, saving a version, and how it fits a laptop, a tablet and a phone."""
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpers import Api

pytestmark = pytest.mark.browser

NOW = datetime.now(timezone.utc)
EV = "/api/v1/events/ev"
NAMES = ["Anna Müller", "Maximilian Alexander von Hohenberg-Wittelsbach", "محمد بن سلمان", "שרה לוי",
         "प्रिया शर्मा", "王小明", "Bob Ray"]
SCREENSHOTS = Path(os.environ.get("GATE_SCREENSHOTS", Path(__file__).parent / "screenshots"))
SIZES = {"laptop": (1280, 800), "tablet": (768, 1024), "phone": (390, 844)}


@pytest.fixture
def layout_event(live_app, live_token):
    admin = Api(live_app.test_client(), live_token("admin"))
    admin.post("/api/v1/events", {"slug": "ev", "name": "Example Conf", "timezone": "Asia/Kolkata",
                                  "starts_at": (NOW - timedelta(hours=1)).isoformat(),
                                  "ends_at": (NOW + timedelta(days=1)).isoformat()})
    for code, name, badge in (("GA", "General", "general"), ("VIP", "VIP", "vip")):
        assert admin.post(f"{EV}/ticket-types", {"code": code, "name": name, "capacity": 50,
                                                 "badge_type": badge}).status_code == 201
    rows = [{"type": "VIP" if i % 2 else "GA", "holder": {"name": n, "company": "Acme"}} for i, n in enumerate(NAMES)]
    assert admin.post(f"{EV}/tickets", {"tickets": rows}).status_code == 201
    return admin


def open_page(page, live_app, token):
    page.goto(f"{live_app.config['LIVE_URL']}/desk/layout?token={token}&event=ev")
    expect(page.locator("#samples figure")).to_have_count(5)
    page.wait_for_function("() => [...document.querySelectorAll('#samples img')].every((i) => i.naturalWidth > 0)")


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"


@pytest.mark.parametrize("size", SIZES)
def test_layout_page_previews_real_tickets_and_fits(browser, live_app, live_token, layout_event, size, request):
    width, height = SIZES[size]
    phone = size == "phone"
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=size != "laptop",
                                  is_mobile=phone)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        open_page(page, live_app, live_token("supervisor", "ev"))
        captions = page.locator("#samples figcaption .why").all_inner_texts()
        assert captions == ["longest name · Latin", "Arabic", "Hebrew", "Devanagari", "CJK"]
        expect(page.locator("#samples figure").first).to_contain_text(NAMES[1])
        expect(page.locator("#prints-with")).to_contain_text("General: general · VIP: vip")
        no_sideways_scroll(page)
        widths = page.evaluate("[...document.querySelectorAll('#samples img')].map((i) => i.clientWidth)")
        assert min(widths) >= 150, widths  # a badge preview large enough to read its name
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"desk-layout-{size}.png"), full_page=True)
    finally:
        context.close()
    assert not errors, errors


def test_a_draft_shows_its_errors_by_field_previews_and_saves(live_app, live_token, layout_event, page, screenshot):
    open_page(page, live_app, live_token("supervisor", "ev"))
    page.select_option("#target", "VIP")
    expect(page.locator("#samples figure")).to_have_count(3)  # longest VIP name, Hebrew, CJK
    doc = json.loads(page.input_value("#doc"))
    assert doc["name"] == "vip"
    doc["elements"][2]["max_size"] = 900
    page.fill("#doc", json.dumps(doc, indent=2))
    expect(page.locator("#errors")).to_contain_text("layout.elements[2].max_size")
    expect(page.locator("#preview-status")).to_have_text("Fix the layout to see it.")
    screenshot("draft-error")
    page.fill("#doc", "{ not json")
    expect(page.locator("#errors")).to_contain_text("JSON")
    doc["elements"][2]["max_size"] = 20
    doc["background"] = "#FFF4D6"
    page.fill("#doc", json.dumps(doc, indent=2))
    expect(page.locator("#errors li")).to_have_count(0)
    expect(page.locator("#preview-status")).to_contain_text("Preview of the layout in the editor")
    page.wait_for_function("() => [...document.querySelectorAll('#samples img')]"
                           ".every((i) => i.complete && i.naturalWidth)")
    corner = page.evaluate("""async () => {
        const img = document.querySelector('#samples img');
        const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        return [...g.getImageData(3, img.naturalHeight / 2, 1, 1).data].slice(0, 3);
    }""")
    assert corner == [0xFF, 0xF4, 0xD6]  # the draft's background, drawn before it was saved
    assert layout_event.get(f"{EV}/layouts/VIP/versions").json["versions"] == []
    page.fill("#note", "cream background")
    page.click("#save")
    expect(page.locator("#status")).to_have_text("Saved as version 1: badges print with it from now on.")
    expect(page.locator("#version option:checked")).to_contain_text("v1 · printing · cream background")
    expect(page.locator("#prints-with")).to_have_text("VIP prints with: type VIP v1")
    saved = layout_event.get(f"{EV}/layouts/VIP/versions/1").json
    assert saved["layout"]["background"] == "#FFF4D6"
    screenshot("saved")


def test_a_badge_desk_previews_but_does_not_edit(live_app, live_token, layout_event, page):
    open_page(page, live_app, live_token("badge_desk", "ev"))
    expect(page.locator("#save")).to_be_hidden()
    expect(page.locator("#activate")).to_be_hidden()
    expect(page.locator("#samples img").first).to_be_visible()


def test_logo_and_colour_show_in_the_previews(live_app, live_token, layout_event, page, screenshot, tmp_path):
    from PIL import Image

    Image.new("RGB", (90, 30), (0, 0, 255)).save(tmp_path / "logo.png")
    open_page(page, live_app, live_token("supervisor", "ev"))
    page.select_option("#target", "VIP")
    expect(page.locator("#samples figure")).to_have_count(3)
    page.click("#branding summary")
    page.set_input_files("#logo-file", str(tmp_path / "logo.png"))
    expect(page.locator("#brand-status")).to_have_text("Logo saved: badges print with it from now on.")
    expect(page.locator("#logo")).to_be_visible()
    page.check('#colours input[type=checkbox][data-kind="vip"]')
    page.fill('#colours input[type=color][data-kind="vip"]', "#e0115f")
    page.click("#save-colours")
    expect(page.locator("#brand-status")).to_have_text("Colours saved.")
    assert layout_event.get(f"{EV}/branding").json["colours"] == {"vip": "#E0115F"}
    page.wait_for_function("""() => {
        const img = document.querySelector('#samples img');
        if (!img.complete || !img.naturalWidth) return false;  // a new preview is on its way
        const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        const logo = g.getImageData(img.naturalWidth * 16.5 / 76.2, img.naturalHeight * 7.5 / 101.6, 1, 1).data;
        const band = g.getImageData(0, img.naturalHeight * 83.8 / 101.6, img.naturalWidth, 1).data;
        let ruby = 0;  // pixels of the band in the chosen colour, between the pattern's stripes
        for (let i = 0; i < band.length; i += 4) if (band[i] > 180 && band[i + 1] < 80 && band[i + 2] < 140) ruby++;
        return logo[2] > 200 && logo[0] < 60 && ruby > img.naturalWidth * 0.4;
    }""")
    expect(page.locator("#preview-status")).to_contain_text("Preview of the layout in the editor")
    screenshot("branded")
    page.click("#drop-logo")
    expect(page.locator("#no-logo")).to_be_visible()
    assert layout_event.get(f"{EV}/branding").json["logo"] is None


def test_a_bad_logo_is_named_on_the_page(live_app, live_token, layout_event, page, tmp_path):
    (tmp_path / "logo.png").write_bytes(b"GIF89a not really")
    open_page(page, live_app, live_token("supervisor", "ev"))
    page.click("#branding summary")
    page.set_input_files("#logo-file", str(tmp_path / "logo.png"))
    expect(page.locator("#brand-status")).to_contain_text("not a PNG or JPEG")
