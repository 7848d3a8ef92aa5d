"""What a scan claims is checked before it counts: a batch is refused whole, a nonce names one request,
and a device's clock is believed only within bounds."""
from datetime import datetime, timedelta, timezone

import pytest

from helpers import Api, iso, run_together

EV = "/api/v1/events/ev"


def now():
    return datetime.now(timezone.utc)


@pytest.fixture
def gate(client, token, make_event):
    make_event(gates=[{"code": "north", "name": "North Gate", "zone": "hall", "admits": ["GA", "VIP"],
                       "direction": "both"},
                      {"code": "south", "name": "South Gate", "zone": "hall", "admits": ["GA", "VIP"],
                       "direction": "both"},
                      {"code": "exit", "name": "Exit", "zone": "hall", "admits": ["GA", "VIP"], "direction": "out"}])
    return Api(client, token("gate", "ev"))


def stored_scans(admin) -> int:
    gates = admin.get(f"{EV}/counts").json["gates"].values()
    return sum(g["entries"] + g["exits"] + g.get("duplicates", 0) + sum(g["refused"].values()) for g in gates)


def item(code, gate="north", **kw):
    return {"code": code, "gate": gate, "offline": True, "scanned_at": iso(now()), **kw}


# A refused batch changes nothing, and names the item that failed.

def test_a_batch_with_an_item_for_another_gate_is_refused_whole(client, token, gate, admin, issue):
    a, b = issue(n=2)
    north = Api(client, token("gate", "ev", "north"))
    r = north.post(f"{EV}/scans/batch", {"scans": [item(a["code"], nonce="a"), item(b["code"], "south", nonce="b")]})
    assert r.status_code == 403 and r.mimetype == "application/problem+json", r.json
    assert r.json["item"] == 1 and list(r.json["errors"]) == ["scans.1.gate"], r.json
    assert stored_scans(admin) == 0 and admin.get(f"{EV}/counts").json["zones"]["hall"]["inside"] == 0
    again = north.post(f"{EV}/scans/batch", {"scans": [item(a["code"], nonce="a")]})
    assert again.json["scans"][0]["repeat"] is False, "the refused batch stored nothing under that nonce"


@pytest.mark.parametrize("bad, status, field", [
    ({"gate": "nope"}, 404, "gate"),
    ({"gate": "exit", "direction": "in"}, 422, "direction"),
    ({"scanned_at": "2000-01-01T10:00:00+00:00"}, 422, "scanned_at"),
    ({"scanned_at": "2199-12-31T10:00:00+00:00"}, 422, "scanned_at"),
])
def test_a_batch_with_one_bad_item_stores_none_and_names_it(gate, admin, issue, bad, status, field):
    a, b, c = issue(n=3)
    items = [item(a["code"], nonce="a"), item(b["code"], nonce="b"), {**item(c["code"], nonce="c"), **bad}]
    r = gate.post(f"{EV}/scans/batch", {"scans": items})
    assert r.status_code == status and r.json["item"] == 2, r.json
    assert list(r.json["errors"]) == [f"scans.2.{field}"], r.json
    assert stored_scans(admin) == 0 and admin.get(f"{EV}/counts").json["zones"]["hall"]["inside"] == 0


def test_judged_conflicts_are_verdicts_not_refusals(gate, admin, issue):
    a, b = issue(n=2)
    assert gate.post(f"{EV}/scans", {"code": a["code"], "gate": "south"}).json["status"] == "ok"
    r = gate.post(f"{EV}/scans/batch", {"scans": [item(a["code"], nonce="a"), item(b["code"], nonce="b"),
                                                   item("NOT-A-CODE", nonce="c")]})
    assert r.status_code == 200, r.json
    assert [s["reason"] for s in r.json["scans"]] == ["duplicate", None, "invalid"] and r.json["conflicts"] == 1


# A nonce names one request.

@pytest.mark.parametrize("change", [
    {"code": "B"}, {"gate": "south"}, {"direction": "out"}, {"ticket_id": "B"},
])
def test_a_nonce_sent_again_with_another_request_is_a_409(gate, admin, issue, change):
    a, b = issue(n=2)
    first = gate.post(f"{EV}/scans", {"code": a["code"], "gate": "north", "nonce": "n-1"}).json
    assert first["status"] == "ok"
    body = {"code": a["code"], "gate": "north", "nonce": "n-1", **change}
    if body.get("code") == "B":
        body["code"] = b["code"]
    if body.get("ticket_id") == "B":
        body.pop("code")
        body["ticket_id"] = b["id"]
    r = gate.post(f"{EV}/scans", body)
    assert r.status_code == 409 and r.mimetype == "application/problem+json", r.json
    assert "nonce" in r.json["errors"] and a["holder"]["name"] not in r.text
    same = gate.post(f"{EV}/scans", {"code": a["code"], "gate": "north", "nonce": "n-1", "direction": "in"})
    assert same.json == {**first, "repeat": True}, "the same request again is still its first answer"
    assert stored_scans(admin) == 1
    assert admin.get(f"{EV}/counts").json["zones"]["hall"]["inside"] == 1


def test_a_manual_scan_nonce_binds_to_its_ticket(gate, admin, issue):
    a, b = issue(n=2)
    assert gate.post(f"{EV}/scans", {"ticket_id": a["id"], "gate": "north", "nonce": "m-1"}).json["status"] == "ok"
    r = gate.post(f"{EV}/scans", {"ticket_id": b["id"], "gate": "north", "nonce": "m-1"})
    assert r.status_code == 409 and "nonce" in r.json["errors"], r.json
    r = gate.post(f"{EV}/scans", {"code": a["code"], "gate": "north", "nonce": "m-1"})
    assert r.status_code == 409, "a code is not the manual scan the nonce was used for"


def test_a_reused_nonce_in_a_batch_is_refused_whole(gate, admin, issue):
    a, b, c = issue(n=3)
    assert gate.post(f"{EV}/scans", {"code": a["code"], "gate": "north", "nonce": "n-1"}).json["status"] == "ok"
    r = gate.post(f"{EV}/scans/batch", {"scans": [item(c["code"], nonce="n-2"), item(b["code"], nonce="n-1")]})
    assert r.status_code == 409 and r.json["item"] == 1 and list(r.json["errors"]) == ["scans.1.nonce"], r.json
    twice = gate.post(f"{EV}/scans/batch", {"scans": [item(b["code"], nonce="n-3"), item(c["code"], nonce="n-3")]})
    assert twice.status_code == 409 and twice.json["item"] == 1, twice.json
    assert stored_scans(admin) == 1


def test_a_nonce_raced_for_two_tickets_answers_one_and_refuses_the_other(app, token, make_event, issue, admin):
    make_event()
    bearer = token("gate", "ev")
    for round in range(4):
        tickets = issue(n=2)

        def work(i, tickets=tickets, round=round):
            body = {"code": tickets[i]["code"], "gate": ["north", "south"][i], "nonce": f"race-{round}"}
            return Api(app.test_client(), bearer).post(f"{EV}/scans", body)

        answers = run_together(2, work)
        assert sorted(r.status_code for r in answers) == [200, 409], [r.json for r in answers]
        (ok,) = [r.json for r in answers if r.status_code == 200]
        (refused,) = [r.json for r in answers if r.status_code == 409]
        assert ok["status"] == "ok" and ok["ticket"]["holder"]["name"] not in str(refused)
    assert stored_scans(admin) == 4 and admin.get(f"{EV}/counts").json["zones"]["hall"]["inside"] == 4


# The device's clock is believed only within bounds.

def test_an_online_scan_cannot_claim_to_be_offline_to_pass_closed_hours(gate, admin, issue):
    closed = now() - timedelta(seconds=10)
    r = admin.patch(f"{EV}/gates/north", {"opens_at": iso(closed - timedelta(hours=8)), "closes_at": iso(closed)})
    assert r.status_code == 200, r.json
    a, b = issue(n=2)
    back_dated = iso(closed - timedelta(seconds=30))
    live = gate.post(f"{EV}/scans", {"code": a["code"], "gate": "north", "offline": True, "scanned_at": back_dated})
    assert live.status_code == 200 and live.json["reason"] == "invalid_time", live.json
    batch = gate.post(f"{EV}/scans/batch", {"scans": [item(b["code"], nonce="b", scanned_at=back_dated)]})
    assert batch.json["scans"][0]["status"] == "ok", "an offline upload is judged as of its (plausible) scan time"


@pytest.mark.parametrize("when", ["2000-01-01T10:00:00+00:00", "2199-12-31T10:00:00+00:00", "future", "before"])
def test_a_scan_time_out_of_bounds_is_refused_naming_scanned_at(app, gate, admin, issue, when):
    skew = app.config["SCAN_CLOCK_SKEW_SECONDS"]
    if when == "future":
        when = iso(now() + timedelta(seconds=skew + 60))
    elif when == "before":  # before the event existed here: no device had its pack, or any of its codes
        when = iso(now() - timedelta(seconds=skew + 60))
    a = issue()[0]
    for path, body in [("/scans", {"code": a["code"], "gate": "north", "offline": True, "scanned_at": when}),
                       ("/scans/batch", {"scans": [item(a["code"], scanned_at=when)]})]:
        r = gate.post(EV + path, body)
        assert r.status_code == 422 and any(k.endswith("scanned_at") for k in r.json["errors"]), (path, r.json)
    assert stored_scans(admin) == 0


def test_a_device_clock_a_little_ahead_is_taken(app, gate, issue):
    a = issue()[0]
    ahead = iso(now() + timedelta(seconds=app.config["SCAN_CLOCK_SKEW_SECONDS"] // 2))
    r = gate.post(f"{EV}/scans/batch", {"scans": [item(a["code"], scanned_at=ahead)]})
    assert r.status_code == 200 and r.json["scans"][0]["status"] == "ok", r.json


def test_a_re_read_under_another_scans_nonce_is_a_409(gate, issue):
    a, b = issue(n=2)
    scan = {"gate": "north", "device": "tab-1"}
    assert gate.post(f"{EV}/scans", {**scan, "code": a["code"], "nonce": "n-1"}).json["status"] == "ok"
    assert gate.post(f"{EV}/scans", {**scan, "code": b["code"], "nonce": "n-2"}).json["status"] == "ok"
    again = gate.post(f"{EV}/scans", {**scan, "code": a["code"], "nonce": "n-3"}).json
    assert again["repeat"] is True and again["ticket"]["id"] == a["id"], "a re-read a moment later"
    r = gate.post(f"{EV}/scans", {**scan, "code": a["code"], "nonce": "n-2"})
    assert r.status_code == 409 and "nonce" in r.json["errors"], r.json
