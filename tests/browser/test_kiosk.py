"""The self-service kiosk in real Chromium, printing through a print agent to a private CUPS queue: scan,
"Is this you?", fix a spelling, print, "Take your badge"; refusals with no one else's data; a reset that
wipes the guest; the desk watching and taking the kiosk over; portrait 1080x1920 and 1280x800."""
import shutil
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from printer_servers import HAVE_CUPS, Cups

from checkin.auth import create_token
from checkin.printing.agent import PrintAgent
from helpers import NOW, Api, iso, write_y4m

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
EV = "/api/v1/events/ev"
SIZES = {"portrait": {"width": 1080, "height": 1920}, "laptop": {"width": 1280, "height": 800}}
RESET_SECONDS = 4


@pytest.fixture
def cups():
    if not HAVE_CUPS:
        pytest.skip("CUPS with cups-pdf is not installed")
    root = Path(tempfile.mkdtemp(prefix="gate-cups-"))
    server = Cups(root)
    yield server
    server.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def kiosk(live_app, live_token, cups):
    """Event ev with guests, Kiosk 1's token, its CUPS printer and its print agent running."""
    admin = Api(live_app.test_client(), live_token("admin"))
    admin.post("/api/v1/events", {"slug": "ev", "name": "Example Conf", "timezone": "Europe/Berlin",
                                  "starts_at": iso(NOW - timedelta(hours=1)), "ends_at": iso(NOW + timedelta(days=1))})
    admin.post(f"{EV}/ticket-types", {"code": "GA", "name": "General", "capacity": 50, "badge_type": "general"})
    admin.post(f"{EV}/gates", {"code": "north", "name": "North Gate", "zone": "Main hall", "admits": ["GA"]})
    rows = [{"type": "GA", "holder": {"name": n, "company": c}} for n, c in
            (("Priya Sharma", "Infosys"), ("Lena Park", None), ("Omar Haddad", "Globex"))]
    tickets = {t["holder"]["name"]: t for t in admin.post(f"{EV}/tickets", {"tickets": rows}).json["tickets"]}
    admin.post(f"{EV}/printers", {"name": "Kiosk printer", "desk": "Kiosk 1", "connection": f"cups:{cups.queue}",
                                  "language": "pdf", "media": "label-4x3"})
    with live_app.app_context():
        token = create_token("kiosk", "ev", name="Kiosk 1")
    # The kiosk's print agent runs with a badge desk's token, as every desk's: the kiosk's own token reads no job.
    agent = PrintAgent(live_app.config["LIVE_URL"], live_token("badge_desk", "ev"), "ev", "Kiosk 1", cups.server,
                       wait=2)
    threading.Thread(target=agent.run, daemon=True).start()
    yield {"admin": admin, "tickets": tickets, "token": token, "url": live_app.config["LIVE_URL"]}
    agent.stop()


@pytest.fixture
def open_screen(live_app, browser):
    made, errors = [], []

    def make(path: str, size="portrait"):
        ctx = browser.new_context(viewport=SIZES[size], has_touch=True)
        made.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.add_init_script(f"localStorage.setItem('gate.kiosk.reset', '{RESET_SECONDS}');"
                             "localStorage.setItem('gate.desk.after', 'files')")
        page.goto(f"{live_app.config['LIVE_URL']}{path}")
        page.wait_for_selector("body[data-ready]")
        return page

    yield make
    for ctx in made:
        ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"kiosk-{name}.png"))


def scan(page, code: str) -> None:
    """A keyboard-wedge scanner: the code's keys and Enter, wherever the focus is."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


@pytest.mark.parametrize("size", list(SIZES))
def test_a_guest_scans_fixes_a_spelling_prints_and_the_kiosk_forgets_them(kiosk, open_screen, cups, size):
    page = open_screen(f"/kiosk?token={kiosk['token']}&event=ev", size)
    expect(page.locator("#idle-title")).to_be_visible()
    expect(page.locator("#session")).to_be_hidden()  # no "Sign out" for guests
    shot(page, f"{size}-idle")
    scan(page, kiosk["tickets"]["Priya Sharma"]["code"])
    expect(page.locator("#confirm-title")).to_have_text("Is this you?")
    expect(page.locator("#you-name")).to_have_text("Priya Sharma")
    expect(page.locator("#you-company")).to_have_text("Infosys")
    page.wait_for_function("() => document.getElementById('preview').naturalWidth > 0")
    shot(page, f"{size}-confirm")

    page.tap("#fix")
    expect(page.locator("#fix-name")).to_have_value("Priya Sharma")
    page.fill("#fix-name", "Someone Else Entirely")
    page.tap("#fix-save")
    expect(page.locator("#fix-note")).to_contain_text("more than a spelling fix")
    page.fill("#fix-name", "Priya Sharmaa")
    shot(page, f"{size}-correct")
    page.tap("#fix-save")
    expect(page.locator("#you-name")).to_have_text("Priya Sharmaa")

    page.tap("#yes")
    expect(page.locator("#done-title")).to_have_text("Take your badge", timeout=20_000)
    expect(page.locator("#done-verdict")).to_contain_text("Show your ticket at the entrance")
    shot(page, f"{size}-done")
    prints = kiosk["admin"].get(f"{EV}/tickets/{kiosk['tickets']['Priya Sharma']['id']}/badge").json["prints"]
    assert [(p["desk"], p["actor"].split(":")[-1]) for p in prints] == [("Kiosk 1", "kiosk")]

    expect(page.locator("#idle-title")).to_be_visible(timeout=(RESET_SECONDS + 3) * 1000)
    assert "Priya" not in page.locator("body").inner_text()
    assert page.locator("#preview").get_attribute("src") is None
    assert page.evaluate("() => [...document.querySelectorAll('.step [id]')].map((e) => e.textContent + "
                         "(e.value || '')).join(' ')").find("Priya") == -1

    scan(page, kiosk["tickets"]["Priya Sharma"]["code"])  # a second badge needs staff
    expect(page.locator("#refused-title")).to_have_text("Please see the desk")
    expect(page.locator("#refused-why")).to_contain_text("printed already")
    assert "Priya" not in page.locator("body").inner_text()
    shot(page, f"{size}-refused")
    scan(page, kiosk["tickets"]["Lena Park"]["code"])  # the next guest scans while the verdict shows
    expect(page.locator("#you-name")).to_have_text("Lena Park")


def test_refusals_show_no_one_elses_data_and_the_kiosk_can_admit(kiosk, open_screen):
    admin, tickets = kiosk["admin"], kiosk["tickets"]
    admin.post(f"{EV}/tickets/{tickets['Lena Park']['id']}/transfer", {"holder": {"name": "Nadia New"},
                                                                       "reason": "gift"})
    page = open_screen(f"/kiosk?token={kiosk['token']}&event=ev", "portrait")
    scan(page, tickets["Lena Park"]["code"])
    expect(page.locator("#refused-why")).to_contain_text("replaced")
    assert "Nadia" not in page.locator("body").inner_text() and "Lena" not in page.locator("body").inner_text()
    expect(page.locator("#idle-title")).to_be_visible(timeout=(RESET_SECONDS + 3) * 1000)

    assert admin.put(f"{EV}/kiosks/Kiosk 1", {"admit_at": "north"}).status_code == 200
    scan(page, tickets["Omar Haddad"]["code"])
    page.tap("#yes")
    expect(page.locator("#done-verdict")).to_contain_text("You are checked in at North Gate", timeout=20_000)
    [entry] = admin.get(f"{EV}/tickets/{tickets['Omar Haddad']['id']}").json["scans"]
    assert entry["status"] == "ok" and entry["device"] == "kiosk:Kiosk 1"


def test_the_desk_watches_the_kiosk_and_takes_it_over(kiosk, open_screen, live_token):
    screen = open_screen(f"/kiosk?token={kiosk['token']}&event=ev", "portrait")
    scan(screen, kiosk["tickets"]["Omar Haddad"]["code"])
    screen.tap("#yes")
    expect(screen.locator("#done-title")).to_be_visible(timeout=20_000)
    desk = open_screen(f"/desk?token={live_token('badge_desk', 'ev')}&event=ev", "laptop")
    row = desk.locator("#kiosk-list li[data-kiosk='Kiosk 1']")
    expect(row).to_contain_text("Ready", timeout=10_000)
    expect(row).to_contain_text("Omar Haddad")
    expect(row).to_contain_text("Prints only")
    desk.locator("#kiosks").scroll_into_view_if_needed()
    shot(desk, "desk-watching")
    row.get_by_role("button", name="Take over").click()
    expect(row).to_contain_text("Taken over by staff")
    expect(screen.locator("#paused-title")).to_have_text("This kiosk is paused", timeout=10_000)
    shot(screen, "paused")
    row.get_by_role("button", name="Hand back").click()
    expect(screen.locator("#idle-title")).to_be_visible(timeout=10_000)


def test_with_the_server_gone_the_kiosk_sends_guests_to_the_desk(kiosk, open_screen):
    page = open_screen(f"/kiosk?token={kiosk['token']}&event=ev", "laptop")
    page.context.set_offline(True)
    expect(page.locator("#paused-title")).to_have_text("This kiosk is offline", timeout=10_000)
    shot(page, "offline")
    page.context.set_offline(False)
    expect(page.locator("#idle-title")).to_be_visible(timeout=10_000)
    scan(page, kiosk["tickets"]["Lena Park"]["code"])
    expect(page.locator("#you-name")).to_have_text("Lena Park")


def test_the_kiosk_works_by_touch_over_plain_http_on_the_venue_network(kiosk, live_app, lan):
    port = live_app.config["LIVE_URL"].rsplit(":", 1)[1]
    ctx = lan.browser.new_context(viewport=SIZES["portrait"], has_touch=True)
    errors = []
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{lan.origin(port)}/kiosk?token={kiosk['token']}&event=ev")
        page.wait_for_selector("body[data-ready]")
        assert page.evaluate("isSecureContext") is False
        page.tap("#code")  # the code typed on the screen's keyboard
        page.fill("#code", kiosk["tickets"]["Lena Park"]["code"])
        page.locator("#code").press("Enter")
        expect(page.locator("#you-name")).to_have_text("Lena Park")
        page.tap("#yes")
        expect(page.locator("#done-title")).to_be_visible(timeout=20_000)
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    finally:
        ctx.close()
    assert not errors, errors


@pytest.mark.parametrize("size", list(SIZES))
def test_the_kiosk_speaks_the_events_languages_and_the_next_guest_starts_in_the_first(kiosk, open_screen, size):
    assert kiosk["admin"].patch(EV, {"languages": ["de", "en", "fr"]}).status_code == 200
    page = open_screen(f"/kiosk?token={kiosk['token']}&event=ev", size)
    expect(page.locator("#idle-title")).to_have_text("Ticket scannen")  # the event's first language
    expect(page.locator("#languages button")).to_have_text(["Deutsch", "English", "Français"])
    assert page.evaluate("document.documentElement.lang") == "de"
    page.tap("#languages button[lang=fr]")
    expect(page.locator("#idle-title")).to_have_text("Scannez votre billet")
    expect(page.locator("#languages button[lang=fr]")).to_have_attribute("aria-pressed", "true")
    scan(page, kiosk["tickets"]["Lena Park"]["code"])
    expect(page.locator("#confirm-title")).to_be_visible()
    expect(page.locator("#confirm-title")).to_have_text("Est-ce bien vous ?")
    page.wait_for_function("() => document.getElementById('preview').naturalWidth > 0")
    expect(page.locator("#yes")).to_have_text("Oui, imprimer mon badge")
    shot(page, f"{size}-confirm-fr")
    page.tap("#yes")
    expect(page.locator("#done-title")).to_be_visible(timeout=20_000)
    expect(page.locator("#done-title")).to_have_text("Prenez votre badge")
    expect(page.locator("#languages")).to_be_hidden()  # not under the verdict
    # The next guest is greeted in the event's first language, whatever the last one chose.
    expect(page.locator("#idle-title")).to_be_visible(timeout=(RESET_SECONDS + 5) * 1000)
    expect(page.locator("#idle-title")).to_have_text("Ticket scannen")
    scan(page, "NOT-A-TICKET")
    expect(page.locator("#refused-title")).to_be_visible()
    expect(page.locator("#refused-title")).to_have_text("Bitte wenden Sie sich an den Empfang")
    expect(page.locator("#refused-why")).to_have_text(
        "Wir konnten dieses Ticket nicht erkennen. Bitte wenden Sie sich an den Empfang.")
    shot(page, f"{size}-refused-de")


def test_every_language_an_event_may_choose_has_every_kiosk_text(live_app, open_screen, kiosk):
    from checkin.events.languages import LANGUAGES

    page = open_screen(f"/kiosk?token={kiosk['token']}&event=ev", "laptop")
    texts = page.evaluate("""async () => {
        const { NAMES, TEXTS } = await import('/static/js/kiosk-texts.js');
        return { names: NAMES, keys: Object.fromEntries(Object.entries(TEXTS).map(([k, v]) => [k, Object.keys(v)])) };
    }""")
    assert texts["names"] == LANGUAGES
    for code, keys in texts["keys"].items():
        assert sorted(keys) == sorted(texts["keys"]["en"]), code
    used = set(page.evaluate("() => [...document.querySelectorAll('[data-text],[data-alt]')]"
                             ".map((el) => el.dataset.text || el.dataset.alt)"))
    assert used <= set(texts["keys"]["en"])


def test_a_kiosk_with_a_camera_reads_the_guests_phone_in_the_page(kiosk, camera_page, tmp_path):
    """A tablet kiosk without a scanner: the guest holds their phone up to its camera; the page reads the
    code itself (no frame goes to the server), once, even while the phone stays up after the badge prints."""
    video = tmp_path / "phone.y4m"
    write_y4m(video, kiosk["tickets"]["Omar Haddad"]["code"])
    page = camera_page(video, size=(1280, 800), touch=True, no_detector=True)
    page.add_init_script(f"localStorage.setItem('gate.kiosk.reset', '{RESET_SECONDS}')")
    frames = []
    page.on("request", lambda r: frames.append(r.url) if "/scans/frame" in r.url else None)
    page.goto(f"{kiosk['url']}/kiosk?token={kiosk['token']}&event=ev")
    page.wait_for_selector("body[data-camera]")
    expect(page.locator("#you-name")).to_have_text("Omar Haddad", timeout=15_000)
    expect(page.locator("#confirm-title")).to_be_visible()
    shot(page, "camera-confirm")
    page.tap("#yes")
    expect(page.locator("#done-title")).to_be_visible(timeout=20_000)
    expect(page.locator("#idle-title")).to_be_visible(timeout=(RESET_SECONDS + 5) * 1000)
    page.wait_for_timeout(2000)  # the phone is still in view: no second check, no "printed already"
    expect(page.locator("#idle-title")).to_be_visible()
    assert frames == []
