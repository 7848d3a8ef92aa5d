"""The gate page fetches the compact gate pack compressed, is answered 304 while it is unchanged,
and judges from it once `gate serve` is gone (a real process, stopped: connections refused)."""
import base64
import os
from pathlib import Path

import pytest

from live_servers import Node, prepare

SCREENSHOTS = Path(__file__).parent / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture
def node(tmp_path):
    """`gate serve` on SQLite with event ev: General tickets, one with a foreign barcode, one void."""
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    tokens = prepare(url, tmp_path)
    env = {**os.environ, "GATE_DATABASE_URL": url, "GATE_SECRET_KEY": "test"}
    env.pop("GATE_REDIS_URL", None)
    served = Node(env, tmp_path)
    admin = tokens["admin"]
    calls = [("/api/v1/events", {"slug": "ev", "name": "Expo", "timezone": "UTC",
                                 "starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2199-01-01T00:00:00+00:00"}),
             ("/api/v1/events/ev/ticket-types", {"code": "GA", "name": "General", "capacity": 50,
                                                 "badge_type": "General", "zones": ["hall"]}),
             ("/api/v1/events/ev/gates", {"code": "north", "name": "North Gate", "zone": "hall", "admits": ["GA"]})]
    for path, body in calls:
        assert served.call("POST", path, admin, body)[0] == 201
    rows = [{"type": "GA", "holder": {"name": f"Guest {i}"}} for i in range(3)]
    rows.append({"type": "GA", "holder": {"name": "Printed Elsewhere"}, "barcode": "EXT-48151623"})
    status, made = served.call("POST", "/api/v1/events/ev/tickets", admin, {"tickets": rows})
    assert status == 201, made
    tickets = made["tickets"]
    assert served.call("POST", f"/api/v1/events/ev/tickets/{tickets[2]['id']}/void", admin,
                       {"reason": "refund"})[0] == 200
    served.tickets, served.gate_token = tickets, tokens["gate"]
    yield served
    if served.process.poll() is None:
        served.stop()


def forged(code: str) -> str:
    raw = bytearray(base64.b32decode(code))
    raw[-1] ^= 1
    return base64.b32encode(bytes(raw)).decode()


def wedge_scan(page, code: str) -> None:
    page.locator("#wedge").fill(code)
    page.locator("#wedge").press("Enter")


def verdict_after(page, code: str) -> tuple[str, str]:
    page.evaluate("() => { const r = document.getElementById('result'); r.dataset.status = ''; }")
    wedge_scan(page, code)
    page.wait_for_function("() => document.getElementById('result').dataset.status !== ''")
    result = page.locator("#result")
    return result.get_attribute("data-status"), result.get_attribute("data-reason")


@pytest.mark.parametrize("size", [(390, 844), (768, 1024), (1024, 768), (1280, 800)])
def test_the_gate_judges_from_the_compact_pack_with_the_server_gone(node, lan, size):
    """Over plain HTTP on a LAN name, with touch, as a venue tablet: the pack comes in format 2,
    compressed; then the server process stops and every verdict comes from that pack."""
    context = lan.browser.new_context(viewport={"width": size[0], "height": size[1]}, has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    packs = []
    page.on("response", lambda r: "/gate-pack" in r.url and packs.append(r))
    page.goto(f"{lan.origin(node.port)}/gate?token={node.gate_token}&event=ev&gate=north")
    page.wait_for_selector("body[data-ready]")
    first = packs[0]
    assert first.status == 200 and "format=2" in first.url
    assert first.header_value("content-encoding") in ("gzip", "br")
    assert first.header_value("vary") == "Accept-Encoding" and first.header_value("etag")

    node.stop()  # the server is gone, not just the network: nothing answers on its port
    good, other, void, _foreign = node.tickets
    page.wait_for_selector("#offline-banner:not([hidden])", timeout=15_000)
    assert verdict_after(page, good["code"]) == ("ok", "")
    assert "(offline)" in page.locator("#message").inner_text()
    assert verdict_after(page, good["code"]) == ("refused", "duplicate")
    assert verdict_after(page, void["code"]) == ("refused", "void")
    assert verdict_after(page, "EXT-48151623") == ("ok", "")
    assert page.locator("#holder").inner_text().startswith("Ticket #")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"test_gate_pack-foreign-ok-{size[0]}x{size[1]}.png"))
    assert verdict_after(page, forged(other["code"])) == ("refused", "invalid")
    page.screenshot(path=str(SCREENSHOTS / f"test_gate_pack-server-gone-{size[0]}x{size[1]}.png"))
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_the_gate_asks_again_with_its_etag_and_gets_304(node, browser):
    """Every heartbeat asks for what changed since its cursor, sending the last answer's ETag:
    an unchanged pack comes back as a 304 with no body, and the page stays READY."""
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    packs = []
    page.on("response", lambda r: "/gate-pack" in r.url and packs.append(r))
    page.goto(f"{node.url}/gate?token={node.gate_token}&event=ev&gate=north")
    page.wait_for_selector("body[data-ready]")
    page.wait_for_event("response", lambda r: "/gate-pack" in r.url and r.status == 304, timeout=25_000)
    sent = packs[-1].request.header_value("if-none-match")
    assert sent and sent == packs[-2].header_value("etag")
    assert packs[0].header_value("content-encoding") in ("gzip", "br")
    assert page.locator("#verdict").inner_text() == "READY"
    page.close()


MALFORMED = """async ({pack}) => {
  const { GatePack } = await import("/static/js/gate-offline.js");
  const gate = new GatePack("north");
  await gate.load(pack);
  const held = gate.tickets.size;
  const bad = [{ ...pack, tickets: { ...pack.tickets, generation: [] } },
               { ...pack, tickets: { ...pack.tickets, state: pack.tickets.state.map(() => 9) } },
               { ...pack, tickets: { ...pack.tickets, type: pack.tickets.type.map(() => -1) } }];
  const refused = [];
  for (const b of bad) {
    try { await gate.load(b); refused.push(false); } catch (err) { refused.push(true); }
  }
  return { held, after: gate.tickets.size, refused, states: [...gate.tickets.values()].map((t) => t.state) };
}"""


def test_a_malformed_compact_pack_is_refused_and_the_held_one_kept(node, browser):
    page = browser.new_page()
    page.goto(f"{node.url}/")
    status, pack = node.call("GET", "/api/v1/events/ev/gate-pack?gate=north&format=2", node.gate_token)
    assert status == 200 and pack["version"] == 2
    result = page.evaluate(MALFORMED, {"pack": pack})
    assert result["refused"] == [True, True, True]
    assert result["held"] == result["after"] == 4 and sorted(result["states"]) == ["valid", "valid", "valid", "void"]
    page.close()
