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


def test_gate_pack_lets_a_gate_judge_as_the_server(client, token, admin, make_event, issue):
    """Time zone for messages, the other events' keys (wrong_event) and barcodes that moved on (revoked)."""
    make_event()
    make_event("other")
    gate = Api(client, token("gate", "ev"))
    issue(barcode="EXT-KEPT")
    moved = issue(barcode="EXT-MOVED")[0]
    r = admin.post(f"/api/v1/events/ev/tickets/{moved['id']}/transfer", {"holder": {"name": "Nadia New"},
                                                                      "reason": "sold to a friend"})
    assert r.status_code == 200, r.json
    pack = gate.get("/api/v1/events/ev/gate-pack?gate=north").json
    assert pack["gate"]["timezone"] == "Europe/Berlin"
    own, other = {k["kid"] for k in pack["keys"]}, {k["kid"] for k in pack["other_keys"]}
    assert codes.peek(issue("other")[0]["code"]).kid in other and not own & other
    plain = issue()[0]
    pack = gate.get("/api/v1/events/ev/gate-pack?gate=north").json  # again, with a ticket without a barcode
    tickets = {t.get("foreign_barcode", {}).get("code"): t for t in pack["tickets"]}
    assert tickets["EXT-KEPT"]["barcode"] == "EXT-KEPT"
    assert tickets["EXT-KEPT"]["foreign_barcode"]["generation"] == tickets["EXT-KEPT"]["generation"]
    assert tickets["EXT-MOVED"]["barcode"] is None, "older gates must not take it as current"
    assert tickets["EXT-MOVED"]["foreign_barcode"]["generation"] < tickets["EXT-MOVED"]["generation"]
    assert tickets[None]["serial"] == codes.peek(plain["code"]).serial, "no barcode, no foreign_barcode key"
