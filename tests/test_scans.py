"""The gate's scenarios, each through the HTTP API."""
from datetime import timedelta

import pytest

from checkin.tickets import codes
from helpers import NOW, Api, iso

SCAN = "/api/v1/events/ev/scans"


@pytest.fixture
def gate(client, token, make_event):
    make_event()
    return Api(client, token("gate", "ev"))


def scan(gate, code, at="north", **kw):
    r = gate.post(SCAN, {"code": code, "gate": at, **kw})
    assert r.status_code == 200, r.json
    return r.json


def test_first_scan_ok(gate, issue):
    t = issue()[0]
    answer = scan(gate, t["code"])
    assert answer["status"] == "ok" and answer["reason"] is None and answer["repeat"] is False
    assert answer["ticket"]["holder"]["name"] == t["holder"]["name"]
    assert answer["ticket"]["type"] == {"code": "GA", "name": "General"}
    assert answer["scan"]["gate"] == "north" and answer["scan"]["direction"] == "in"
    assert answer["message"].startswith("Welcome ")


def test_second_scan_is_duplicate_with_first_entry(gate, issue):
    t = issue()[0]
    first = scan(gate, t["code"], device="tablet-1")
    second = scan(gate, t["code"], at="south", device="tablet-2")
    assert second["status"] == "refused" and second["reason"] == "duplicate"
    assert second["first_entry"]["gate"] == "north"
    assert second["first_entry"]["at"] == first["scan"]["at"]
    assert "Already entered" in second["message"] and "North Gate" in second["message"]


def test_unknown_and_forged_codes_are_invalid(gate, issue):
    t = issue()[0]
    code = t["code"]
    flipped = code[:40] + ("B" if code[40] != "B" else "C") + code[41:]
    for bad in ["HELLO-WORLD", code[:-1], flipped, "A" * 120, code[:60]]:
        answer = scan(gate, bad)
        assert answer["status"] == "refused" and answer["reason"] == "invalid", bad
        assert answer["ticket"] is None


def test_code_signed_by_another_key_is_invalid(gate, issue):
    t = issue()[0]
    claim = codes.peek(t["code"])
    kid, private, _ = codes.new_key_pair()
    forged = codes.Signer(claim.kid, private).code(claim.serial, claim.generation)
    assert scan(gate, forged)["reason"] == "invalid"


def test_code_of_another_event_is_wrong_event(gate, make_event, issue):
    make_event("other")
    other = issue("other")[0]
    assert scan(gate, other["code"])["reason"] == "wrong_event"


def test_reissued_ticket_old_code_revoked_new_code_ok(gate, admin, issue):
    t = issue()[0]
    r = admin.post(f"/api/v1/events/ev/tickets/{t['id']}/transfer",
                   {"holder": {"name": "Nadia New"}, "reason": "sold to a friend"})
    assert r.status_code == 200, r.json
    old = scan(gate, t["code"])
    assert old["reason"] == "revoked" and "Nadia New" in old["message"]
    assert old["ticket"]["holder"]["name"] == "Nadia New"
    assert scan(gate, r.json["code"])["status"] == "ok"


def test_reissue_revokes_old_code(gate, admin, issue):
    t = issue()[0]
    r = admin.post(f"/api/v1/events/ev/tickets/{t['id']}/reissue", {"reason": "phone lost"})
    assert r.status_code == 200 and r.json["code"] != t["code"]
    assert scan(gate, t["code"])["reason"] == "revoked"
    assert scan(gate, r.json["code"])["status"] == "ok"


def test_voided_ticket_is_void(gate, admin, issue):
    t = issue()[0]
    assert admin.post(f"/api/v1/events/ev/tickets/{t['id']}/void", {"reason": "refund"}).status_code == 200
    assert scan(gate, t["code"])["reason"] == "void"


def test_blocked_ticket_is_blocked_until_unblocked(gate, client, token, issue):
    supervisor = Api(client, token("supervisor", "ev"))
    t = issue()[0]
    assert supervisor.post(f"/api/v1/events/ev/tickets/{t['id']}/block", {"reason": "fraud check"}).status_code == 200
    assert scan(gate, t["code"], device="a")["reason"] == "blocked"
    assert supervisor.post(f"/api/v1/events/ev/tickets/{t['id']}/block", {"reason": "again"}).status_code == 409
    assert supervisor.post(f"/api/v1/events/ev/tickets/{t['id']}/unblock", {"reason": "cleared"}).status_code == 200
    assert scan(gate, t["code"], device="b")["status"] == "ok"


def test_pending_ticket_is_unpaid(gate, issue):
    t = issue(state="pending")[0]
    assert scan(gate, t["code"])["reason"] == "unpaid"


def test_type_not_admitted_at_gate(gate, issue):
    t = issue()[0]
    answer = scan(gate, t["code"], at="lounge")
    assert answer["reason"] == "not_admitted" and "VIP Lounge" in answer["message"]


def test_before_gate_opens_is_invalid_time(gate, admin, issue):
    opens = NOW + timedelta(hours=1)
    hours = {"opens_at": iso(opens), "closes_at": iso(opens + timedelta(hours=8))}
    r = admin.patch("/api/v1/events/ev/gates/north", hours)
    assert r.status_code == 200, r.json
    t = issue()[0]
    assert scan(gate, t["code"])["reason"] == "invalid_time"
    assert scan(gate, t["code"], at="south")["status"] == "ok"


def test_entry_exit_entry_then_duplicate(gate, issue):
    code = issue()[0]["code"]
    assert scan(gate, code, device="a")["status"] == "ok"
    assert scan(gate, code, direction="out", device="b")["status"] == "ok"
    assert scan(gate, code, device="c")["status"] == "ok"
    assert scan(gate, code, device="d")["reason"] == "duplicate"


def test_gate_without_reentry_refuses_second_entry(gate, admin, issue):
    assert admin.patch("/api/v1/events/ev/gates/north", {"reentry": False}).status_code == 200
    code = issue()[0]["code"]
    assert scan(gate, code, device="a")["status"] == "ok"
    assert scan(gate, code, direction="out", device="b")["status"] == "ok"
    again = scan(gate, code, device="c")
    assert again["reason"] == "duplicate" and "No re-entry" in again["message"]


def test_exit_without_entry_is_ok_and_exits_are_never_duplicates(gate, issue):
    code = issue()[0]["code"]
    assert scan(gate, code, direction="out", device="a")["status"] == "ok"
    assert scan(gate, code, direction="out", device="b")["status"] == "ok"


def test_nonce_replay_returns_original_and_writes_nothing(gate, admin, issue):
    code = issue()[0]["code"]
    first = scan(gate, code, nonce="n-1")
    again = scan(gate, code, nonce="n-1")
    assert again["repeat"] is True
    assert {**again, "repeat": False} == first
    refused = scan(gate, "NOT-A-TICKET", nonce="n-2")
    assert scan(gate, "NOT-A-TICKET", nonce="n-2") == {**refused, "repeat": True}
    detail = admin.get(f"/api/v1/events/ev/tickets/{first['ticket']['id']}").json
    assert len(detail["scans"]) == 1
    counts = admin.get("/api/v1/events/ev/counts").json
    assert counts["gates"]["north"]["entries"] == 1
    assert counts["gates"]["north"]["refused"] == {"invalid": 1}


def test_same_device_reread_is_a_repeat_not_a_duplicate(gate, issue):
    code = issue()[0]["code"]
    first = scan(gate, code, device="tablet-7")
    again = scan(gate, code, device="tablet-7")
    assert again["status"] == "ok" and again["repeat"] is True
    assert again["scan"]["id"] == first["scan"]["id"]
    assert scan(gate, code, device="tablet-8")["reason"] == "duplicate"


def test_reread_window_is_only_a_few_seconds(app, gate, issue):
    app.config["REREAD_SECONDS"] = 0
    code = issue()[0]["code"]
    scan(gate, code, device="tablet-7")
    assert scan(gate, code, device="tablet-7")["reason"] == "duplicate"


def test_annul_then_reentry_ok(gate, client, token, issue):
    supervisor = Api(client, token("supervisor", "ev"))
    code = issue()[0]["code"]
    first = scan(gate, code, device="a")
    r = supervisor.post(f"/api/v1/events/ev/scans/{first['scan']['id']}/annul", {"reason": "scanned by mistake"})
    assert r.status_code == 200 and r.json["annulled"] is True
    assert scan(gate, code, device="b")["status"] == "ok"
    assert supervisor.post(f"/api/v1/events/ev/scans/{first['scan']['id']}/annul",
                           {"reason": "again"}).status_code == 409


def test_gate_cannot_annul(gate, issue):
    code = issue()[0]["code"]
    first = scan(gate, code)
    r = gate.post(f"/api/v1/events/ev/scans/{first['scan']['id']}/annul", {"reason": "x"})
    assert r.status_code == 403 and r.content_type == "application/problem+json"


def test_counts_after_three_entries_and_one_exit(gate, admin, issue):
    tickets = issue(n=5)
    for t in tickets[:3]:
        scan(gate, t["code"], device="a")
    scan(gate, tickets[0]["code"], direction="out", device="b")
    counts = admin.get("/api/v1/events/ev/counts").json
    assert counts["tickets"] == 5 and counts["checked_in"] == 3
    assert counts["zones"]["hall"] == {"entries": 3, "exits": 1, "checked_in": 3, "inside": 2}
    assert counts["gates"]["north"]["entries"] == 3 and counts["gates"]["north"]["exits"] == 1
    assert counts["types"]["GA"] == {"tickets": 5, "checked_in": 3, "inside": 2, "entries": 3, "exits": 1,
                                     "refused": {}, "duplicates": 0}
    assert (counts["walk_ins"], counts["badges_printed"]) == (0, 0)
    inventory = admin.get("/api/v1/events/ev/inventory").json
    ga = next(t for t in inventory["types"] if t["code"] == "GA")
    assert (ga["sold"], ga["checked_in"], ga["inside"], ga["available"]) == (5, 3, 2, 95)


def test_counts_keep_a_zone_after_its_only_gate_moves(gate, admin, issue):
    assert scan(gate, issue(type="VIP")[0]["code"], at="lounge")["status"] == "ok"
    assert admin.patch("/api/v1/events/ev/gates/lounge", {"zone": "terrace"}).status_code == 200
    counts = admin.get("/api/v1/events/ev/counts")
    assert counts.status_code == 200, counts.json
    assert counts.json["zones"]["lounge"]["inside"] == 1 and counts.json["zones"]["terrace"]["inside"] == 0


def test_zones_are_counted_once_across_gates(gate, issue):
    code = issue(type="VIP")[0]["code"]
    assert scan(gate, code, at="north", device="a")["status"] == "ok"
    assert scan(gate, code, at="south", device="b")["reason"] == "duplicate"
    assert scan(gate, code, at="lounge", device="c")["status"] == "ok"


def test_gate_token_bound_to_a_gate_scans_only_there(client, token, make_event, issue):
    make_event()
    bound = Api(client, token("gate", "ev", "north"))
    code = issue()[0]["code"]
    assert bound.post(SCAN, {"code": code, "gate": "south"}).status_code == 403
    assert bound.post(SCAN, {"code": code, "gate": "north"}).json["status"] == "ok"


def test_foreign_barcode_scans(gate, issue):
    t = issue(barcode="EXT-0001-ABC")[0]
    assert t["code"] == "EXT-0001-ABC"
    assert scan(gate, "EXT-0001-ABC")["status"] == "ok"


def test_search_and_detail_history(gate, admin, issue):
    t = issue(external_id="shop-42", holder={"name": "Zainab Quraishi", "email": "zq@example.org"})[0]
    scan(gate, t["code"])
    for q in ["Zainab", "zq@exa", "shop-42", t["code"][:8]]:
        found = admin.get(f"/api/v1/events/ev/tickets?q={q}").json["tickets"]
        assert [x["id"] for x in found] == [t["id"]], q
    assert admin.get("/api/v1/events/ev/tickets?q=ab").status_code == 422
    detail = admin.get(f"/api/v1/events/ev/tickets/{t['id']}").json
    assert [s["status"] for s in detail["scans"]] == ["ok"]
    assert [h["action"] for h in detail["history"]] == ["ticket.issue"]


def test_ledger_pages_in_order(gate, admin, issue):
    issue(n=3)
    first = admin.get("/api/v1/events/ev/ledger?limit=2").json
    assert len(first["entries"]) == 2 and first["next_after"] == first["entries"][-1]["id"]
    rest = admin.get(f"/api/v1/events/ev/ledger?after={first['next_after']}&limit=500").json
    ids = [e["id"] for e in first["entries"] + rest["entries"]]
    assert ids == sorted(ids) and rest["next_after"] is None
    actions = [e["action"] for e in first["entries"] + rest["entries"]]
    assert actions[0] == "event.create" and actions.count("ticket.issue") == 3
    assert admin.get("/api/v1/events/ev/ledger?limit=0").status_code == 422
