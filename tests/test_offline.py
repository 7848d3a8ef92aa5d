"""Gate pack for offline judging, and batch uploads of offline scans."""
import base64
import hashlib
import hmac
import json
import random
from datetime import timedelta

from checkin.gate import throttle
from checkin.tickets import codes
from helpers import NOW, Api, iso, scanned_now
from scanner.ticket_codes import barcode_digest, load_key, signed_by


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
                      "scanned_at": scanned_now(), "device": "north-1"},
                     {"code": b["code"], "gate": "north", "nonce": "n-2", "offline": True,
                      "scanned_at": scanned_now(), "device": "north-1"}]
    offline_south = [{"code": a["code"], "gate": "south", "nonce": "s-1", "offline": True,
                      "scanned_at": scanned_now(), "device": "south-1"}]
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
    key = base64.b64decode(pack["barcode_key"])
    tickets = {t.get("barcode_hash", {}).get("hash"): t for t in pack["tickets"]}
    kept, moved = tickets[barcode_digest(key, "EXT-KEPT")], tickets[barcode_digest(key, "EXT-MOVED")]
    assert kept["barcode_hash"]["generation"] == kept["generation"]
    assert moved["barcode_hash"]["generation"] < moved["generation"], "a gate must take it as revoked"
    assert kept["barcode"] is moved["barcode"] is None, "older gates get no barcode to take as current"
    assert tickets[None]["serial"] == codes.peek(plain["code"]).serial, "no barcode, no barcode_hash key"


def test_the_gate_pack_holds_no_working_barcode_and_names_only_where_the_event_allows(
        client, token, admin, make_event, issue):
    make_event()
    make_event("other")
    gate = Api(client, token("gate", "ev"))
    sold_elsewhere = issue(barcode="48151623")[0]
    pack = gate.get("/api/v1/events/ev/gate-pack?gate=north").json
    assert "48151623" not in json.dumps(pack) and sold_elsewhere["holder"]["name"] not in json.dumps(pack)
    assert pack["names"] is False and all("name" not in t for t in pack["tickets"])
    (entry,) = pack["tickets"]
    assert (entry["type"], entry["type_name"], entry["serial"]) == ("GA", "General", 1), "what the gate shows instead"
    key = base64.b64decode(pack["barcode_key"])
    assert entry["barcode_hash"]["hash"] == hmac.new(key, b"48151623", hashlib.sha256).hexdigest()[:32]
    other = Api(client, token("gate", "other")).get("/api/v1/events/other/gate-pack?gate=north").json
    assert base64.b64decode(other["barcode_key"]) != key, "a key per event: one event's hashes say nothing of another's"

    box = Api(client, token("box_office", "ev"))
    assert box.patch("/api/v1/events/ev", {"gate_pack_names": True}).status_code == 403
    assert admin.patch("/api/v1/events/ev", {}).status_code == 422
    r = admin.patch("/api/v1/events/ev", {"gate_pack_names": True})
    assert r.status_code == 200 and r.json["gate_pack_names"] is True, r.json
    again = gate.get(f"/api/v1/events/ev/gate-pack?gate=north&since={pack['cursor']}").json
    assert again["incremental"] is False, "names now allowed: the whole pack again, so every ticket gets its name"
    assert again["names"] is True and again["tickets"][0]["name"] == sold_elsewhere["holder"]["name"]
    assert again["cursor"] > pack["cursor"]
    made = admin.post("/api/v1/events", {"slug": "named", "name": "Named", "timezone": "UTC",
                                         "starts_at": iso(NOW), "ends_at": iso(NOW + timedelta(days=1)),
                                         "gate_pack_names": True})
    assert made.status_code == 201 and made.json["gate_pack_names"] is True
    assert admin.get("/api/v1/events/ev").json["gate_pack_names"] is True


def test_a_burst_of_invalid_codes_is_throttled_and_raises_one_alert(app, client, token, admin, make_event, issue,
                                                                    monkeypatch):
    app.config.update(SCAN_INVALID_LIMIT=5, SCAN_INVALID_ADDRESS_LIMIT=8, SCAN_INVALID_WINDOW_SECONDS=60)
    clock = [1000.0]
    monkeypatch.setattr(throttle, "clock", lambda: clock[0])
    make_event()
    ticket = issue()[0]
    gate = Api(client, token("gate", "ev"))
    guess = random.Random(7)

    def scan(code, device="tab-1", address="192.0.2.1"):
        return gate.post("/api/v1/events/ev/scans", {"code": code, "gate": "north", "device": device},
                         environ_base={"REMOTE_ADDR": address})

    assert [scan(f"{guess.randrange(10**8):08d}").json["reason"] for _ in range(5)] == ["invalid"] * 5
    refused = scan(f"{guess.randrange(10**8):08d}")
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json", refused.json
    assert refused.headers["Retry-After"] == "60" and "invalid codes" in refused.json["detail"]
    clock[0] += 20
    assert scan(ticket["code"]).status_code == 429, "the device waits, whatever it sends"
    assert scan(ticket["code"], device="tab-2").json["status"] == "ok", "another device at the same address goes on"
    for i in range(3):  # other devices at that address: within its own, higher limit
        assert scan("NOPE", device=f"tab-{3 + i}").json["reason"] == "invalid"
    assert scan("NOPE", device="tab-9").status_code == 429, "the address: 8 invalid codes in the window"
    assert scan("NOPE", device="tab-9", address="192.0.2.2").json["reason"] == "invalid"
    counts = admin.get("/api/v1/events/ev/counts").json
    assert counts["gates"]["north"]["refused"] == {"invalid": 9}, "a throttled scan is not judged or stored"
    alerts = admin.get("/api/v1/events/ev/alerts").json["alerts"]
    bursts = [a for a in alerts if a["kind"] == "invalid_burst"]
    assert len(bursts) == 2, alerts  # the device, then the address: once each
    assert {a["data"].get("device") for a in bursts} == {"tab-1", None}
    assert all(a["data"]["gate"] == "north" and a["level"] == "critical" for a in bursts)
    assert scan(ticket["code"], device="tab-1").headers["Retry-After"] == "40"
    clock[0] += 40
    assert scan(ticket["code"], device="tab-1").status_code == 200, "the window has passed"
