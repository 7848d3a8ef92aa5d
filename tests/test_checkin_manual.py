"""Checking in without a code: finding a guest, and admitting the ticket as a manual scan,
judged by the same rules as a scanned code."""
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from checkin import create_app
from checkin.extensions import db, socketio
from checkin.live.hub import hub_of
from checkin.models import Scan
from helpers import NOW, Api, iso, run_together, scanned_now
from live_helpers import by_name, received

EV = "/api/v1/events/ev"
SEARCH = f"{EV}/checkin/search"
SCAN = f"{EV}/scans"


@pytest.fixture
def gate(client, token, make_event):
    make_event()
    return Api(client, token("gate", "ev"))


@pytest.fixture
def desk(client, token, gate):
    return Api(client, token("badge_desk", "ev"))


def guest(name: str, email: str | None = None, **fields) -> dict:
    return {"holder": {"name": name, "email": email, "company": "Acme"}, **fields}


def search(api, q: str) -> dict:
    r = api.get(SEARCH, query_string={"q": q})
    assert r.status_code == 200, r.json
    return r.json


def admit(api, ticket_id: int, at: str = "north", **kw) -> dict:
    r = api.post(SCAN, {"ticket_id": ticket_id, "gate": at, **kw})
    assert r.status_code == 200, r.json
    return r.json


# Finding a guest

def test_search_finds_by_name_email_serial_external_id_barcode_and_code(desk, issue):
    jane = issue(**guest("Jane Doe", "jane.doe@example.org"), external_id="shop-77")[0]
    foreign = issue(**guest("Ravi Kumar"), barcode="PARTNER-0042-XYZ")[0]
    serial = desk.get(f"{EV}/tickets/{jane['id']}").json["serial"]
    for q in ["Jane", "jane doe", "doe@exam", "shop-77", f"#{serial}", str(serial), f"# {serial}",
              jane["code"], jane["code"][:12].lower()]:
        assert [g["id"] for g in search(desk, q)["guests"]][:1] == [jane["id"]], q
    for q in ["PARTNER-0042-XYZ", "PARTNER-00"]:
        assert [g["id"] for g in search(desk, q)["guests"]] == [foreign["id"]], q
    found = search(desk, f"#{serial}")["guests"][0]
    assert found["serial"] == serial and found["holder"] == {"name": "Jane Doe", "company": "Acme",
                                                              "email": "jane.doe@example.org"}
    assert found["type"] == {"code": "GA", "name": "General"} and found["external_id"] == "shop-77"
    assert found["status"] == "valid" and found["badge"] == {"needs_print": True, "prints": 0, "printed": False}
    assert found["zones"] == [{"zone": "hall", "inside": False, "entries": 0, "last_entry": None},
                              {"zone": "lounge", "inside": False, "entries": 0, "last_entry": None}]
    assert search(desk, "nobody-like-this")["guests"] == []


def test_an_exact_serial_comes_first(desk, issue):
    tickets = issue(n=12)  # "Guest 1" ... "Guest 12", serials 1 to 12
    second = tickets[1]
    assert desk.get(f"{EV}/tickets/{second['id']}").json["serial"] == 2
    found = [g["holder"]["name"] for g in search(desk, "2")["guests"]]
    assert found == ["Guest 2", "Guest 12"]  # by name alone, "Guest 12" would come first


def test_entry_state_per_zone_badge_printed_and_status(gate, desk, client, token, admin, issue):
    vip = issue(type="VIP", **guest("Vera VIP"))[0]
    left, void, blocked = (issue(**guest(name))[0] for name in ("Lou Left", "Vic Void", "Bo Blocked"))
    issue(state="pending", **guest("Una Unpaid"))
    first = gate.post(SCAN, {"code": vip["code"], "gate": "north"}).json
    admit(gate, vip["id"], at="lounge", note="wristband checked")
    assert desk.post(f"{EV}/print-jobs", {"ticket_ids": [vip["id"]]}).status_code == 201
    gate.post(SCAN, {"code": left["code"], "gate": "north", "device": "a"})
    gate.post(SCAN, {"code": left["code"], "gate": "south", "direction": "out", "device": "b"})
    admin.post(f"{EV}/tickets/{void['id']}/void", {"reason": "refund"})
    Api(client, token("supervisor", "ev")).post(f"{EV}/tickets/{blocked['id']}/block", {"reason": "check"})

    vera = search(desk, "Vera")["guests"][0]
    hall, lounge = vera["zones"]
    assert hall == {"zone": "hall", "inside": True, "entries": 1, "last_entry": {
        "at": first["scan"]["at"], "gate": "north", "gate_name": "North Gate", "manual": False,
        "actor": hall["last_entry"]["actor"], "note": None}}
    assert hall["last_entry"]["actor"].endswith(":gate")
    assert lounge["inside"] is True and lounge["last_entry"]["manual"] is True
    assert lounge["last_entry"]["note"] == "wristband checked" and lounge["last_entry"]["gate"] == "lounge"
    assert vera["badge"]["printed"] is True and vera["badge"]["prints"] == 1
    lou = search(desk, "Lou Left")["guests"][0]
    assert lou["zones"][0]["inside"] is False and lou["zones"][0]["entries"] == 1
    assert lou["zones"][0]["last_entry"]["gate"] == "north"
    assert [search(desk, name)["guests"][0]["status"] for name in ("Vic Void", "Bo Blocked", "Una Unpaid")] \
        == ["void", "blocked", "unpaid"]


def test_more_says_there_are_more_than_shown(desk, issue):
    issue(n=21)
    many = search(desk, "Guest")
    assert len(many["guests"]) == 20 and many["more"] is True
    assert many["timezone"] == "Europe/Berlin"
    few = search(desk, "Guest 2")  # Guest 2, Guest 20, Guest 21
    assert len(few["guests"]) == 3 and few["more"] is False


def test_gate_role_sees_masked_emails_and_desk_and_supervisor_see_them_whole(gate, desk, client, token, issue):
    issue(**guest("Jane Doe", "jane.doe@example.org"))
    issue(**guest("Jo Noemail"))
    supervisor = Api(client, token("supervisor", "ev"))
    assert search(gate, "Jane")["guests"][0]["holder"]["email"] == "j***@example.org"
    assert search(gate, "jane.doe@example.org")["guests"][0]["holder"]["email"] == "j***@example.org"
    assert search(gate, "Jo Noemail")["guests"][0]["holder"]["email"] is None
    for api in (desk, supervisor):
        assert search(api, "Jane")["guests"][0]["holder"]["email"] == "jane.doe@example.org"


def test_a_gate_searches_only_its_own_event(client, token, gate, make_event, issue):
    make_event("other")
    issue("other", **guest("Olga Other"))
    assert gate.get("/api/v1/events/other/checkin/search?q=Olga").status_code == 403
    unbound = Api(client, token("gate"))
    r = unbound.get(f"{SEARCH}?q=Guest")
    assert r.status_code == 403 and r.content_type == "application/problem+json"
    assert Api(client, token("gate", "other")).get("/api/v1/events/other/checkin/search?q=Olga").status_code == 200
    assert gate.get("/api/v1/events/nope/checkin/search?q=Olga").status_code in (403, 404)
    assert Api(client, token("viewer", "ev")).get(f"{SEARCH}?q=Guest").status_code == 403


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "ab"}, {"q": "  a "}, {"q": "#"}, {"q": "\x00\x01x"},
                                   {"q": "x" * 201}, {"q": "Guest\n1"}])
def test_short_or_bad_queries_are_refused_naming_q(app, desk, issue, query):
    issue()
    with app.app_context():
        before = db.session.execute(select(Scan.id)).all()
    r = desk.get(SEARCH, query_string=query)
    assert 400 <= r.status_code < 500 and r.content_type == "application/problem+json"
    assert set(r.json["errors"]) == {"q"}, r.json
    with app.app_context():
        assert db.session.execute(select(Scan.id)).all() == before


def test_a_short_serial_is_a_query(desk, issue):
    t = issue()[0]
    serial = desk.get(f"{EV}/tickets/{t['id']}").json["serial"]
    assert serial < 10
    assert search(desk, f"#{serial}")["guests"][0]["id"] == t["id"]
    assert search(desk, str(serial))["guests"][0]["id"] == t["id"]


# Admitting by hand: the same judge as a scan

def _same(manual: dict, scanned: dict) -> None:
    """Two answers alike but for what names the scan and the ticket (and the instant of a first entry)."""
    def plain(answer):
        first = answer["first_entry"] and {k: v for k, v in answer["first_entry"].items() if k != "at"}
        return {**{k: v for k, v in answer.items() if k not in ("scan", "ticket")}, "first_entry": first}
    assert plain(manual) == plain(scanned)
    assert (manual["ticket"] is None) == (scanned["ticket"] is None)
    assert manual["scan"]["manual"] is True and scanned["scan"]["manual"] is False


def _ready(name, gate, admin, client, token, issue, twin):
    """Bring a ticket into the state a scenario needs; returns (gate to use, extra scan fields)."""
    if name == "duplicate":
        gate.post(SCAN, {"code": twin["code"], "gate": "north", "device": "earlier"})
        return "south", {}
    if name == "no_reentry":
        assert admin.patch(f"{EV}/gates/north", {"reentry": False}).status_code == 200
        gate.post(SCAN, {"code": twin["code"], "gate": "north", "device": "earlier"})
        gate.post(SCAN, {"code": twin["code"], "gate": "north", "direction": "out", "device": "earlier"})
        return "north", {}
    if name == "void":
        admin.post(f"{EV}/tickets/{twin['id']}/void", {"reason": "refund"})
    if name == "blocked":
        Api(client, token("supervisor", "ev")).post(f"{EV}/tickets/{twin['id']}/block", {"reason": "check"})
    if name == "invalid_time":
        opens = NOW + timedelta(hours=1)
        admin.patch(f"{EV}/gates/north", {"opens_at": iso(opens), "closes_at": iso(opens + timedelta(hours=8))})
    if name == "out":
        return "north", {"direction": "out"}
    return ("lounge" if name == "not_admitted" else "north"), {}


@pytest.mark.parametrize("name,status,reason", [
    ("ok", "ok", None), ("out", "ok", None), ("duplicate", "refused", "duplicate"),
    ("no_reentry", "refused", "duplicate"), ("void", "refused", "void"), ("blocked", "refused", "blocked"),
    ("unpaid", "refused", "unpaid"), ("not_admitted", "refused", "not_admitted"),
    ("invalid_time", "refused", "invalid_time"),
])
def test_a_manual_scan_is_judged_as_a_scanned_code(gate, admin, client, token, issue, name, status, reason):
    """Twin tickets (same holder, same type) in the same state: one scanned, one admitted by hand."""
    fields = guest("Tamar Twin", state="pending" if name == "unpaid" else "valid")
    scanned, manual = issue(**fields)[0], issue(**fields)[0]
    answers = []
    for ticket, send in ((scanned, {"code": scanned["code"]}), (manual, {"ticket_id": manual["id"]})):
        at, extra = _ready(name, gate, admin, client, token, issue, ticket)
        answers.append(gate.post(SCAN, {**send, "gate": at, "device": "now", **extra}).json)
    by_code, by_hand = answers
    assert (by_hand["status"], by_hand["reason"]) == (status, reason), by_hand
    _same(by_hand, by_code)


def test_an_unknown_ticket_or_one_of_another_event_is_invalid(gate, make_event, issue):
    make_event("other")
    elsewhere = issue("other")[0]
    for ticket_id in (elsewhere["id"], 999_999):
        answer = admit(gate, ticket_id)
        assert (answer["status"], answer["reason"], answer["ticket"]) == ("refused", "invalid", None)
        assert answer["message"] == "Not a valid ticket" and answer["scan"]["manual"] is True


def test_manual_scan_keeps_who_and_why_and_shows_in_the_ticket_history(gate, admin, token, issue):
    t = issue()[0]
    answer = admit(gate, t["id"], note="Phone died; ID checked")
    assert answer["status"] == "ok" and answer["ticket"]["id"] == t["id"]
    assert answer["scan"]["manual"] is True and answer["scan"]["note"] == "Phone died; ID checked"
    gate.post(SCAN, {"code": t["code"], "gate": "north", "direction": "out", "device": "x"})
    scans = admin.get(f"{EV}/tickets/{t['id']}").json["scans"]
    assert [(s["manual"], s["note"], s["direction"]) for s in scans] == [
        (True, "Phone died; ID checked", "in"), (False, None, "out")]
    assert scans[0]["actor"] == scans[1]["actor"] and scans[0]["actor"].startswith("token:")
    assert scans[0]["actor"].endswith(":gate")


def test_the_desk_admits_by_hand_at_a_chosen_gate_but_does_not_scan_codes(app, desk, admin, issue):
    a, b = issue(n=2)
    answer = admit(desk, a["id"], at="south")
    assert answer["status"] == "ok" and answer["scan"]["gate"] == "south"
    with app.app_context():
        before = db.session.execute(select(Scan.id)).all()
    r = desk.post(SCAN, {"code": b["code"], "gate": "north"})
    assert r.status_code == 403 and r.content_type == "application/problem+json"
    with app.app_context():
        assert db.session.execute(select(Scan.id)).all() == before
    assert admin.get(f"{EV}/tickets/{a['id']}").json["scans"][0]["actor"].endswith(":badge_desk")


def test_a_gate_bound_token_admits_by_hand_only_at_its_gate(client, token, gate, issue):
    bound = Api(client, token("gate", "ev", "north"))
    t = issue()[0]
    assert bound.post(SCAN, {"ticket_id": t["id"], "gate": "south"}).status_code == 403
    assert admit(bound, t["id"])["status"] == "ok"
    assert Api(client, token("viewer", "ev")).post(SCAN, {"ticket_id": t["id"], "gate": "north"}).status_code == 403


def test_a_nonce_makes_a_manual_scan_safe_to_retry(gate, admin, issue):
    t = issue()[0]
    first = admit(gate, t["id"], nonce="tap-1", note="first")
    again = admit(gate, t["id"], nonce="tap-1", note="first")
    assert again["repeat"] is True and {**again, "repeat": False} == first
    assert len(admin.get(f"{EV}/tickets/{t['id']}").json["scans"]) == 1
    assert admin.get(f"{EV}/counts").json["gates"]["north"]["entries"] == 1


def test_the_same_screen_admitting_twice_in_a_moment_is_a_repeat(gate, issue):
    t = issue()[0]
    first = admit(gate, t["id"], device="desk-1")
    again = admit(gate, t["id"], device="desk-1")  # a double tap: a new nonce, the same screen
    assert again["status"] == "ok" and again["repeat"] is True and again["scan"]["id"] == first["scan"]["id"]
    assert admit(gate, t["id"], device="desk-2")["reason"] == "duplicate"


def test_manual_scans_count_like_any_scan(gate, admin, issue):
    a, b, c = issue(n=3)
    admit(gate, a["id"])
    gate.post(SCAN, {"code": b["code"], "gate": "north"})
    admit(gate, b["id"], device="other")  # inside already
    admit(gate, c["id"], at="lounge")  # GA is not admitted in the lounge
    counts = admin.get(f"{EV}/counts").json
    assert counts["gates"]["north"]["entries"] == 2 and counts["gates"]["north"]["duplicates"] == 1
    assert counts["gates"]["lounge"]["refused"] == {"not_admitted": 1}
    assert counts["zones"]["hall"]["inside"] == 2 and counts["checked_in"] == 2


def test_offline_batches_take_manual_scans(gate, admin, issue):
    a, b = issue(n=2)
    gate.post(SCAN, {"code": b["code"], "gate": "south"})
    items = [{"ticket_id": a["id"], "gate": "north", "nonce": "m-1", "offline": True, "scanned_at": scanned_now(),
              "note": "admitted while offline"},
             {"ticket_id": b["id"], "gate": "north", "nonce": "m-2", "offline": True, "scanned_at": scanned_now()}]
    answers = gate.post(f"{SCAN}/batch", {"scans": items}).json
    assert [(s["status"], s["conflict"], s["scan"]["manual"]) for s in answers["scans"]] == [
        ("ok", False, True), ("refused", True, True)]
    again = gate.post(f"{SCAN}/batch", {"scans": items}).json
    assert all(s["repeat"] for s in again["scans"])
    scans = admin.get(f"{EV}/tickets/{a['id']}").json["scans"]
    assert [(s["manual"], s["offline"], s["note"]) for s in scans] == [(True, True, "admitted while offline")]


@pytest.mark.parametrize("body,field", [
    ({}, "code"),
    ({"code": "X-1", "ticket_id": "ID"}, "code"),
    ({"code": "X-1", "note": "why"}, "note"),
    ({"ticket_id": 0}, "ticket_id"), ({"ticket_id": -4}, "ticket_id"), ({"ticket_id": "1"}, "ticket_id"),
    ({"ticket_id": 1.5}, "ticket_id"), ({"ticket_id": True}, "ticket_id"), ({"ticket_id": 2**31}, "ticket_id"),
    ({"ticket_id": None}, "ticket_id"),
    ({"ticket_id": "ID", "note": ""}, "note"), ({"ticket_id": "ID", "note": "x" * 501}, "note"),
    ({"ticket_id": "ID", "note": "line\nbreak"}, "note"), ({"ticket_id": "ID", "note": "\x00"}, "note"),
    ({"ticket_id": "ID", "note": 12}, "note"), ({"ticket_id": "ID", "manual": True}, "manual"),
])
def test_bad_manual_scans_are_refused_naming_the_field_and_write_nothing(app, gate, issue, body, field):
    t = issue()[0]
    body = {"gate": "north", **{k: (t["id"] if v == "ID" else v) for k, v in body.items()}}
    with app.app_context():
        before = db.session.execute(select(Scan.id)).all()
    r = gate.post(SCAN, body)
    assert r.status_code == 422 and r.content_type == "application/problem+json", r.json
    assert field in r.json["errors"], r.json
    with app.app_context():
        assert db.session.execute(select(Scan.id)).all() == before


def test_two_manual_admits_of_one_ticket_at_once_let_one_in(app, token, make_event, issue):
    """Two screens admit the same guest at the same instant: the database lets exactly one in."""
    make_event()
    bearers = [token("gate", "ev"), token("badge_desk", "ev")]
    for t in issue(n=3):
        def work(i, t=t):
            body = {"ticket_id": t["id"], "gate": ["north", "south"][i], "device": f"screen-{i}"}
            return Api(app.test_client(), bearers[i]).post(SCAN, body)

        answers = run_together(2, work)
        assert [r.status_code for r in answers] == [200, 200], [r.json for r in answers]
        assert sorted((r.json["status"], r.json["reason"]) for r in answers) == [
            ("ok", None), ("refused", "duplicate")]
    counts = Api(app.test_client(), token("admin")).get(f"{EV}/counts").json
    assert counts["zones"]["hall"]["inside"] == 3 and counts["zones"]["hall"]["entries"] == 3


def test_one_manual_admit_sent_twice_at_once_is_stored_once(app, token, make_event, issue, admin):
    """A screen retrying its admit (same nonce) while the first is still on its way: one scan, one answer."""
    make_event()
    t = issue()[0]
    bearer = token("badge_desk", "ev")

    def work(i):
        body = {"ticket_id": t["id"], "gate": "north", "nonce": "tap-7", "device": f"path-{i}"}
        return Api(app.test_client(), bearer).post(SCAN, body)

    answers = [r.json for r in run_together(2, work)]
    assert sorted(a["repeat"] for a in answers) == [False, True]
    assert {(a["status"], a["scan"]["id"]) for a in answers} == {("ok", answers[0]["scan"]["id"])}
    assert len(admin.get(f"{EV}/tickets/{t['id']}").json["scans"]) == 1
    assert admin.get(f"{EV}/counts").json["zones"]["hall"]["entries"] == 1


def test_the_migration_keeps_earlier_scans_as_scanned(database_url, tmp_path):
    """Scans stored before manual scans existed read as not manual, with their code."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test"})
    app.instance_path = str(tmp_path)
    with app.app_context():
        upgrade(revision="9e5197466300")  # the revision before manual scans
        db.session.execute(text(
            "INSERT INTO events (id, slug, name, timezone, starts_at, ends_at, taken, next_serial, created_at) "
            "VALUES (1, 'ev', 'Ev', 'UTC', '2030-01-01 09:00:00', '2030-01-02 09:00:00', 0, 1, '2029-01-01 09:00:00')"))
        db.session.execute(text("INSERT INTO gates (id, event_id, code, name, zone, admits, direction, reentry) "
                                "VALUES (1, 1, 'north', 'North', 'hall', '[]', 'in', true)"))
        db.session.execute(text(
            "INSERT INTO scans (event_id, gate_id, code, direction, at, status, offline, forced, answer) "
            "VALUES (1, 1, 'OLD-CODE', 'in', '2030-01-01 10:00:00', 'refused', false, false, '{}')"))
        db.session.commit()
        upgrade()
        scan = db.session.scalars(select(Scan)).one()
        assert (scan.code, scan.manual, scan.actor, scan.note) == ("OLD-CODE", False, None, None)
        db.session.remove()
        db.engine.dispose()


def test_screens_hear_a_manual_scan_as_manual(app, gate, admin, token, issue):
    a, b = issue(n=2)
    hub_of(app).settle()
    screen = socketio.test_client(app, namespace="/live", auth={"token": token("supervisor", "ev")})
    assert screen.emit("join", {"event": "ev"}, namespace="/live", callback=True)["ok"] is True
    received(screen)
    admit(gate, a["id"], note="no phone")
    gate.post(SCAN, {"code": b["code"], "gate": "north"})
    hub_of(app).settle()
    heard = by_name(screen)
    assert [(s["ticket_id"], s["manual"], s["status"]) for s in heard["scan"]] == [
        (a["id"], True, "ok"), (b["id"], False, "ok")]
    assert heard["counts"][-1]["zones"]["hall"]["inside"] == 2
