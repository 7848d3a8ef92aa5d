"""Signing in devices in a real browser: pairing by code, one sign-in per screen, sign out, revoked tokens,
and the pairing page on a plain-HTTP address that is not a secure context."""
from datetime import timedelta
from pathlib import Path

import pytest

from helpers import NOW, Api, iso, write_y4m

SCREENSHOTS = Path(__file__).parent / "screenshots"

pytestmark = pytest.mark.browser
SIZES = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 1024, "height": 768}}


@pytest.fixture
def seeded(live_app, live_token):
    admin = Api(live_app.test_client(), live_token("admin"))
    assert admin.post("/api/v1/events", {"slug": "ev", "name": "Expo", "timezone": "UTC",
                                         "starts_at": iso(NOW - timedelta(hours=1)),
                                         "ends_at": iso(NOW + timedelta(days=1))}).status_code == 201
    assert admin.post("/api/v1/events/ev/ticket-types", {"code": "GA", "name": "General", "capacity": 50,
                                                         "badge_type": "General", "zones": ["hall"]}).status_code == 201
    for code, name in (("north", "North Gate"), ("south", "South Gate")):
        assert admin.post("/api/v1/events/ev/gates", {"code": code, "name": name, "zone": "hall",
                                                      "admits": ["GA"]}).status_code == 201
    rows = [{"type": "GA", "holder": {"name": n}} for n in ("Aarav Sharma", "Lena Müller", "Yuki Tanaka")]
    tickets = admin.post("/api/v1/events/ev/tickets", {"tickets": rows}).json["tickets"]
    supervisor = Api(live_app.test_client(), live_token("supervisor", "ev"))
    return {"admin": admin, "supervisor": supervisor, "tickets": tickets, "url": live_app.config["LIVE_URL"]}


@pytest.fixture
def context(browser):
    """context(size) -> a fresh browser profile at that viewport; JavaScript errors fail the test."""
    made, errors = [], []

    def make(size: str = "tablet", browser_=None):
        ctx = (browser_ or browser).new_context(viewport=SIZES[size])
        ctx.on("page", lambda page: page.on("pageerror", lambda exc: errors.append(str(exc))))
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"devices-{name}.png"), full_page=True)


def code_for(seeded, **body) -> dict:
    r = seeded["supervisor"].post("/api/v1/events/ev/pairing-codes", {"role": "gate", "gate": "north", **body})
    assert r.status_code == 201, r.json
    return r.json


def scan(page, code: str) -> None:
    page.locator("#wedge").fill(code)
    page.locator("#wedge").press("Enter")


def stored(page, screen: str) -> dict:
    return page.evaluate(f"({{token: localStorage.getItem('gate.{screen}.token'), "
                         f"event: localStorage.getItem('gate.{screen}.event')}})")


@pytest.mark.parametrize("size", SIZES)
def test_a_typed_pairing_code_opens_the_gate_with_its_own_token(context, seeded, size):
    made = code_for(seeded, name="North gate tablet")
    page = context(size).new_page()
    page.goto(f"{seeded['url']}/pair")
    page.wait_for_selector("body[data-ready]")
    page.locator("#code").fill("WXYZ-2345")  # a wrong code first: said plainly, nothing else happens
    page.locator("#pair-button").click()
    page.wait_for_selector("#pair-status.error")
    assert "not valid" in page.locator("#pair-status").inner_text()
    shot(page, f"pair-wrong-{size}")
    page.locator("#code").fill(made["code"].lower())
    page.locator("#pair-button").click()
    page.wait_for_url("**/gate?gate=north")
    page.wait_for_selector("body[data-ready]")
    assert "token" not in page.url
    assert page.locator("#session-name").inner_text() == "North gate tablet"
    assert page.locator("#title").inner_text().startswith("North Gate")
    scan(page, seeded["tickets"][0]["code"])
    page.wait_for_selector("#result[data-status=ok]")
    assert stored(page, "gate")["event"] == "ev" and stored(page, "desk")["token"] is None
    shot(page, f"gate-paired-{size}")


def test_the_gate_and_the_desk_in_one_browser_keep_their_own_tokens(context, seeded, live_token):
    ctx = context("tablet")
    gate = ctx.new_page()
    gate.goto(f"{seeded['url']}/gate?token={live_token('gate', 'ev')}&event=ev&gate=north")
    gate.wait_for_selector("body[data-ready]")
    assert gate.url.endswith("/gate?event=ev&gate=north")  # the token left the address bar
    desk = ctx.new_page()
    desk.goto(f"{seeded['url']}/desk?token={live_token('badge_desk', 'ev')}&event=ev")
    desk.wait_for_selector("#session-name:not(:empty)")
    desk.locator("#find").fill("Lena")
    desk.locator("#find").press("Enter")
    desk.get_by_text("Lena Müller").first.wait_for()  # the desk found it with its own token
    assert desk.url.endswith("/desk?event=ev")
    gate.reload()  # the desk's link did not change what the gate tab is signed in as
    gate.wait_for_selector("body[data-ready]")
    scan(gate, seeded["tickets"][1]["code"])
    gate.wait_for_selector("#result[data-status=ok]")
    tokens = stored(gate, "gate")["token"], stored(gate, "desk")["token"]
    assert all(tokens) and tokens[0] != tokens[1]
    assert not gate.locator("#signed-out").count() and not desk.locator("#signed-out").count()


def test_signing_out_forgets_only_this_screen_and_ends_a_paired_token(context, seeded, live_token, live_app):
    made = code_for(seeded, name="North gate tablet")
    ctx = context("phone")
    page = ctx.new_page()
    page.goto(f"{seeded['url']}/pair?code={made['code']}")  # the QR's link: pairs at once
    page.wait_for_url("**/gate?gate=north")
    page.wait_for_selector("body[data-ready]")
    desk = ctx.new_page()
    desk.goto(f"{seeded['url']}/desk?token={live_token('badge_desk', 'ev')}&event=ev")
    desk.wait_for_selector("#session-name:not(:empty)")
    gate_token = stored(page, "gate")["token"]
    page.locator("#sign-out").click()
    page.wait_for_selector("#sign-out-yes")
    shot(page, "sign-out-ask-phone")
    page.locator("#sign-out-yes").click()
    page.wait_for_url("**/pair?screen=gate")
    page.wait_for_selector("body[data-ready]")
    assert stored(page, "gate")["token"] is None and stored(page, "desk")["token"]
    assert "Gate screen" in page.locator("#pair-title").inner_text()
    refused = Api(live_app.test_client(), gate_token).get("/api/v1/me")
    assert refused.status_code == 401 and refused.json["reason"] == "revoked"


def test_a_revoked_token_shows_how_to_sign_in_again(context, seeded, live_app):
    made = code_for(seeded, role="badge_desk", gate=None, name="Desk 2 laptop")
    page = context("tablet").new_page()
    page.goto(f"{seeded['url']}/pair?screen=desk")
    page.wait_for_selector("body[data-ready]")
    page.locator("#code").fill(made["code"])
    page.locator("#code").press("Enter")
    page.wait_for_url("**/desk")
    page.wait_for_selector("#session-name:not(:empty)")
    token_id = page.evaluate("fetch('/api/v1/me', {headers: {Authorization: "
                             "'Bearer ' + localStorage.getItem('gate.desk.token')}}).then(r => r.json())")["id"]
    assert seeded["supervisor"].post(f"/api/v1/events/ev/tokens/{token_id}/revoke").status_code == 200
    page.locator("#find").fill("Yuki")
    page.locator("#find").press("Enter")
    page.wait_for_selector("#signed-out")
    assert "signed out" in page.locator("#signed-out-title").inner_text()
    assert "revoked" in page.locator("#signed-out p").inner_text()
    shot(page, "revoked-tablet")
    page.locator("#signed-out a").click()
    page.wait_for_url("**/pair?screen=desk")


def test_a_watching_dashboard_is_signed_out_the_moment_its_token_is_revoked(context, seeded):
    """No call of its own needed: the server closes its live connection and says why."""
    made = code_for(seeded, role="viewer", gate=None, name="Wall screen")
    page = context("tablet").new_page()
    page.goto(f"{seeded['url']}/pair?screen=dashboard")
    page.wait_for_selector("body[data-ready]")
    page.locator("#code").fill(made["code"])
    page.locator("#code").press("Enter")
    page.wait_for_url("**/dashboard")
    page.wait_for_selector("#link.up")
    token_id = page.evaluate("fetch('/api/v1/me', {headers: {Authorization: "
                             "'Bearer ' + localStorage.getItem('gate.dashboard.token')}}).then(r => r.json())")["id"]
    page.wait_for_timeout(300)  # the page's own checks are done; from here on only the live connection can tell
    assert seeded["supervisor"].post(f"/api/v1/events/ev/tokens/{token_id}/revoke").status_code == 200
    page.wait_for_selector("#signed-out", timeout=3000)
    assert "revoked" in page.locator("#signed-out p").inner_text()
    shot(page, "revoked-dashboard")


def test_a_screen_without_a_sign_in_goes_to_pairing_and_a_wrong_role_is_named(context, seeded, live_token):
    page = context("phone").new_page()
    page.goto(f"{seeded['url']}/box")
    page.wait_for_url("**/pair?screen=box")
    page.goto(f"{seeded['url']}/box?token={live_token('gate', 'ev')}&event=ev")
    page.wait_for_selector("#signed-out")
    assert "cannot run the Box office screen" in page.locator("#signed-out p").inner_text()
    shot(page, "wrong-role-phone")


def test_a_pasted_token_signs_in_the_chosen_screen(context, seeded, live_token):
    page = context("tablet").new_page()
    page.goto(f"{seeded['url']}/pair?screen=dashboard")
    page.wait_for_selector("body[data-ready]")
    page.locator("#token-signin summary").click()
    page.locator("#token-value").fill("not-a-token")
    page.locator("#token-button").click()
    page.wait_for_selector("#token-status.error")
    page.locator("#token-value").fill(live_token("viewer", "ev"))
    page.locator("#token-button").click()
    page.wait_for_url("**/dashboard")
    page.wait_for_selector("#link.up")
    assert stored(page, "dashboard")["event"] == "ev"


@pytest.mark.parametrize("size", SIZES)
def test_pairing_works_on_plain_http_where_the_camera_cannot(context, lan, seeded, size):
    made = code_for(seeded, name="South gate tablet", gate="south")
    page = context(size, lan.browser).new_page()
    origin = lan.origin(seeded["url"].rsplit(":", 1)[1])
    page.goto(f"{origin}/pair")
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate("window.isSecureContext") is False
    assert page.locator("#scan-button").is_hidden()
    assert "HTTPS" in page.locator("#camera-note").inner_text()
    shot(page, f"pair-plain-http-{size}")
    page.locator("#code").fill(made["code"])
    page.locator("#pair-button").click()
    page.wait_for_url(f"{origin}/gate?gate=south")
    page.wait_for_selector("body[data-ready]")
    scan(page, seeded["tickets"][2]["code"])
    page.wait_for_selector("#result[data-status=ok]")
    shot(page, f"gate-plain-http-{size}")


def test_on_a_secure_origin_the_pairing_page_offers_the_camera(context, seeded):
    page = context("phone").new_page()
    page.goto(f"{seeded['url']}/pair")  # 127.0.0.1 counts as a secure context
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate("window.isSecureContext") is True
    assert page.locator("#scan-button").is_visible() and page.locator("#camera-note").is_hidden()
    shot(page, "pair-secure-phone")


@pytest.mark.parametrize("size", SIZES)
def test_the_dashboard_pairs_a_device_sees_it_and_revokes_it(context, seeded, live_token, size):
    board = context(size).new_page()
    board.goto(f"{seeded['url']}/dashboard?token={live_token('supervisor', 'ev')}&event=ev")
    board.wait_for_selector("body[data-devices]")
    assert "Admin" not in board.locator("#pair-role").inner_text()  # a supervisor pairs up to its own role
    board.locator("#pair-role").select_option("gate")
    board.locator("#pair-gate").select_option("south")
    board.locator("#pair-name").fill("South gate tablet")
    board.locator("#pair-valid").select_option("12h")
    board.locator("#pair-create").click()
    board.wait_for_selector("#pair-code[data-state=open]")
    code = board.locator("#pair-code-value").inner_text()
    assert board.evaluate("document.getElementById('pair-code-qr').naturalWidth") > 0
    board.locator("#pair-code").scroll_into_view_if_needed()
    shot(board, f"dashboard-code-{size}")

    tablet = context("tablet").new_page()  # another device
    tablet.goto(f"{seeded['url']}/pair")
    tablet.wait_for_selector("body[data-ready]")
    tablet.locator("#code").fill(code)
    tablet.locator("#code").press("Enter")
    tablet.wait_for_url("**/gate?gate=south")
    tablet.wait_for_selector("body[data-ready]")

    board.wait_for_selector("#pair-code[data-state=used]", timeout=10_000)
    assert "South gate tablet" in board.locator("#pair-code-left").inner_text()
    row = board.locator("#device-list li", has_text="South gate tablet")
    assert "gate south" in row.inner_text() and "until" in row.inner_text()
    shot(board, f"dashboard-paired-{size}")
    row.get_by_role("button", name="Revoke").click()
    row.get_by_role("button", name="Revoke now").click()
    board.wait_for_selector("#devices-status.ok")
    assert board.locator("#device-list li", has_text="South gate tablet").count() == 0
    scan(tablet, seeded["tickets"][0]["code"])
    tablet.wait_for_selector("#signed-out")
    assert "revoked" in tablet.locator("#signed-out p").inner_text()


def test_the_camera_reads_the_pairing_qr_where_the_browser_allows_it(camera_page, seeded, tmp_path):
    made = code_for(seeded, name="North gate laptop")
    video = tmp_path / "pair.y4m"
    write_y4m(video, made["url"], scale=5)
    page = camera_page(video)
    page.goto(f"{seeded['url']}/pair")
    page.wait_for_selector("body[data-ready]")
    page.locator("#scan-button").click()
    page.wait_for_url("**/gate?gate=north", timeout=30_000)
    page.wait_for_selector("body[data-ready]")
    assert page.locator("#session-name").inner_text() == "North gate laptop"
