"""Gate pack for offline judging, and batch uploads of offline scans."""
import base64

from checkin.tickets import codes
from helpers import NOW, Api, iso
from scanner.ticket_codes import load_key, signed_by


def test_gate_pack_has_keys_tickets_and_an_incremental_cursor(client, token, admin, make_event, issue):
    make_event()
    gate = Api(client, token("gate", "ev"))
    tickets = issue(n=3)
    pack = gate.get("/api/v1/events/ev/gate-pack?gate=north").json
    assert pack["gate"]["zone"] == "hall" and len(pack["tickets"]) == 3
    assert pack["gate"]["name"] and all("zones" in kind for kind in pack["types"].values())
    claim = codes.peek(tickets[0]["code"])
    key = next(k for k in pack["keys"] if k["kid"] == claim.kid)
    assert signed_by(claim, load_key(base64.b64decode(key["public_key"])))
    assert admin.post(f"/api/v1/events/ev/tickets/{tickets[1]['id']}/void", {"reason": "refund"}).status_code == 200
    delta = gate.get(f"/api/v1/events/ev/gate-pack?gate=north&since={pack['cursor']}").json
    assert delta["incremental"] and [t["state"] for t in delta["tickets"]] == ["void"]
    assert delta["cursor"] > pack["cursor"]


def test_batch_upload_is_judged_once_and_flags_cross_gate_conflicts(client, token, admin, make_event, issue):
    make_event()
    gate = Api(client, token("gate", "ev"))
    a, b = issue(n=2)
    offline_north = [{"code": a["code"], "gate": "north", "nonce": "n-1", "offline": True,
                      "scanned_at": iso(NOW), "device": "north-1"},
                     {"code": b["code"], "gate": "north", "nonce": "n-2", "offline": True,
                      "scanned_at": iso(NOW), "device": "north-1"}]
    offline_south = [{"code": a["code"], "gate": "south", "nonce": "s-1", "offline": True,
                      "scanned_at": iso(NOW), "device": "south-1"}]
    first = gate.post("/api/v1/events/ev/scans/batch", {"scans": offline_north}).json
    assert [s["status"] for s in first["scans"]] == ["ok", "ok"] and first["conflicts"] == 0
    again = gate.post("/api/v1/events/ev/scans/batch", {"scans": offline_north}).json
    assert all(s["repeat"] for s in again["scans"])
    other = gate.post("/api/v1/events/ev/scans/batch", {"scans": offline_south}).json
    assert other["conflicts"] == 1 and other["scans"][0]["conflict"] is True
    counts = admin.get("/api/v1/events/ev/counts").json
    assert counts["zones"]["hall"]["checked_in"] == 2 and counts["zones"]["hall"]["inside"] == 2
    assert counts["gates"]["north"]["entries"] == 2
    assert counts["gates"]["south"]["duplicates"] == 1
