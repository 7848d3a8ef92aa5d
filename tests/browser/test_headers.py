"""Every page works under the service's Content-Security-Policy: no violation, no console error,
Socket.IO connected, the API docs rendered; and every page and answer carries the headers."""
from pathlib import Path

import pytest

from helpers import Api, small_event

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"

WATCH = """document.addEventListener("securitypolicyviolation",
  (e) => (window.__violations = window.__violations || []).push(`${e.violatedDirective} ${e.blockedURI}`));"""


@pytest.fixture
def venue(live_app, live_token):
    admin = Api(live_app.test_client(), live_token("admin"))
    ticket = small_event(admin)[0]
    assert admin.put("/api/v1/events/ev/alert-settings", {"zone_capacity": {"hall": 10}}).status_code == 200
    assert admin.post("/api/v1/events/ev/scans", {"code": ticket["code"],
                                                  "gate": "north"}).json["status"] == "ok"
    return {"base": live_app.config["LIVE_URL"], "token": live_token}


# Each page, with what shows it did its work.
PAGES = [
    ("index", "/", None, "body"),
    ("gate", "/gate?token={gate}&event=ev&gate=north", None, "body[data-ready]"),
    ("desk", "/desk?token={badge_desk}&event=ev", None, "#session-name:not(:empty)"),
    ("box", "/box?token={box_office}&event=ev", None, "#event-name:text('Expo')"),
    ("dashboard", "/dashboard?token={supervisor}&event=ev", None, ".link.up"),  # Socket.IO connected
    ("pair", "/pair", None, "body[data-ready]"),
    ("docs", "/api/v1/docs", None, ".opblock-summary-path"),
]


@pytest.mark.parametrize("name,path,_,ready", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_works_under_the_content_security_policy(browser, venue, name, path, _, ready):
    tokens = {role: venue["token"](role, "ev") for role in ("gate", "badge_desk", "box_office", "supervisor")}
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(WATCH)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"{msg.text} {msg.location['url']}")
            if msg.type == "error" and not msg.location["url"].endswith("/favicon.ico") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    requests = []  # a page opened with ?token=… must not pass it on to what it loads
    page.on("request", lambda request: requests.append(request))
    answer = page.goto(venue["base"] + path.format(**tokens))
    headers = answer.headers
    assert headers["content-security-policy"].startswith(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval';")  # the gate's in-page QR reader
    assert (headers["referrer-policy"], headers["x-frame-options"]) == ("no-referrer", "DENY")
    page.locator(ready).first.wait_for(timeout=15_000)
    if name == "dashboard":
        page.locator(".zone .meter span").wait_for(timeout=5_000)  # a zone near capacity: its meter drawn
        width = page.eval_on_selector(".zone .meter span", "el => getComputedStyle(el).width")
        assert width != "0px" and width != "auto", width
    if name == "docs":  # open a call and try it: Swagger UI's own scripts and styles at work
        page.locator(".opblock-summary", has_text="/events/{slug}/counts").first.click()
        page.locator("button.try-out__btn").first.click()
        page.locator("button.execute").first.wait_for(timeout=5_000)
    page.wait_for_timeout(300)  # a late fetch or style would show by now
    violations = page.evaluate("window.__violations || []")
    referers = {request.url: request.all_headers().get("referer") for request in requests}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"csp-{name}.png"), full_page=True)
    context.close()
    assert violations == [] and problems == [], (violations, problems)
    assert len(referers) > 1 and not any(referers.values()), referers


def test_api_answers_and_static_files_carry_the_headers_too(live_app):
    client = live_app.test_client()
    for path in ("/api/v1/events/nope", "/api/v1/openapi.json", "/static/js/api.js", "/no-such-page"):
        r = client.get(path)
        r.close()
        assert r.headers["Referrer-Policy"] == "no-referrer", path
        assert r.headers["X-Frame-Options"] == "DENY", path
        assert "script-src 'self'" in r.headers["Content-Security-Policy"], path
