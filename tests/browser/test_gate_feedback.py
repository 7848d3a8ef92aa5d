"""What the gate sounds and buzzes per verdict (static/js/gate-feedback.js), heard through a spy on
Web Audio's oscillators and on navigator.vibrate in real Chromium, and the sound on/off switch."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpers import Api, small_event

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"

# Every oscillator started (its wave and pitch) and every vibration asked for, with the verdict on screen.
SPY = """
window.heard = [];
window.buzzed = [];
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.heard.push({ wave: this.type, hz: Math.round(this.frequency.value), context: this.context.state });
  return start.apply(this, args);
};
Object.defineProperty(Navigator.prototype, "vibrate", { configurable: true,
  value(pattern) { window.buzzed.push(Array.isArray(pattern) ? pattern : [pattern]); return true; } });
"""


@pytest.fixture
def gate_page(live_app, live_token, browser):
    admin = Api(live_app.test_client(), live_token("admin"))
    tickets = small_event(admin, ("Aarav Sharma", "Lena Müller"))
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    context.add_init_script(SPY)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_app.config['LIVE_URL']}/gate?token={live_token('gate', 'ev')}&event=ev&gate=north")
    page.wait_for_selector("body[data-ready]")
    yield page, tickets
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def scan(page, code: str, selector: str) -> tuple[list, list]:
    """Scan as a wedge scanner does (keys, then Enter); the tones and vibrations of the verdict."""
    page.evaluate("heard.length = 0; buzzed.length = 0")
    page.locator("#wedge").fill(code)
    page.locator("#wedge").press("Enter")
    page.wait_for_selector(selector)
    return page.evaluate("heard.map(t => [t.wave, t.hz])"), page.evaluate("buzzed")


def test_each_outcome_sounds_and_buzzes_its_own_way(live_app, gate_page):
    page, tickets = gate_page
    # No tap or key yet: the browser lets no page play sound, and the switch says what to do.
    assert page.locator("#sound-toggle").inner_text() == "Sound: tap to allow"
    assert page.evaluate("heard.length") == 0
    ok = scan(page, tickets[0]["code"], "#result[data-status=ok]")
    # The keys let it.
    page.wait_for_function("() => document.getElementById('sound-toggle').textContent === 'Sound on'")
    live_app.config["REREAD_SECONDS"] = 0
    warn = scan(page, tickets[0]["code"], "#result[data-reason=duplicate]")
    refused = scan(page, "NOT-A-TICKET", "#result[data-reason=invalid]")

    assert ok == ([["sine", 1320]], [[60]]), "ok: one short high beep"
    assert warn == ([["square", 660], ["square", 660]], [[90, 80, 90]]), "already used: two mid beeps"
    assert refused == ([["sawtooth", 140]], [[400]]), "refused: a low buzz"
    assert page.evaluate("heard.every(t => t.context === 'running')"), "played, not queued in a silent context"


def test_the_switch_silences_the_sound_and_is_remembered(gate_page):
    page, tickets = gate_page
    toggle = page.locator("#sound-toggle")
    toggle.click()  # the first tap only lets the browser play sound: it does not mute it
    expect(toggle).to_have_text("Sound on")
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    expect(toggle).to_have_text("Silent")
    assert toggle.get_attribute("aria-pressed") == "false"
    page.screenshot(path=str(SCREENSHOTS / "gate-sound-off-phone.png"))
    tones, buzz = scan(page, "NOT-A-TICKET", "#result[data-reason=invalid]")
    assert tones == [] and buzz == [], "silent: no sound and no vibration"

    page.reload()
    page.wait_for_selector("body[data-ready]")
    expect(toggle).to_have_text("Silent")  # remembered on this device
    page.evaluate("heard.length = 0")
    toggle.click()  # on again: a sample of the ok beep
    expect(toggle).to_have_text("Sound on")
    page.wait_for_function("() => heard.length === 1")
    assert page.evaluate("heard[0].hz") == 1320


def test_going_offline_and_back_have_sounds_of_their_own(gate_page):
    page, tickets = gate_page
    page.locator("#sound-toggle").click()  # a tap: sound allowed
    page.context.set_offline(True)
    tones, buzz = scan(page, tickets[1]["code"], "#offline-banner:not([hidden])")
    page.wait_for_selector("#result[data-status=ok]")
    assert tones[0] == ["triangle", 900] and buzz[0] == [200, 100, 200, 100, 200], "offline: a falling sweep"
    assert tones[1:] == [["sine", 1320]], "then the verdict judged here"
    page.evaluate("heard.length = 0")
    page.context.set_offline(False)
    page.wait_for_selector("#offline-banner[hidden]", state="attached", timeout=15_000)
    assert page.evaluate("heard.map(t => [t.wave, t.hz])") == [["triangle", 400]], "back online: a rising sweep"
