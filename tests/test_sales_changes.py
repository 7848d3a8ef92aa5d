"""Upgrades, transfers and voids at the box office, and their races with a gate scan."""
import itertools
import threading
from datetime import timedelta

import pytest

from checkin.extensions import db
from checkin.gate.queries import TICKET_BY_SERIAL, run
from checkin.models import Event
from helpers import NOW, Api, run_together

EV = "/api/v1/events/ev"
TYPES = [{"code": "GA", "name": "General", "capacity": 10, "badge_type": "General", "price": "25.00"},
         {"code": "VIP", "name": "VIP", "capacity": 2, "badge_type": "VIP", "price": "100.00",
          "zones": ["hall", "lounge"]}]
CHANNELS = [{"code": "web", "name": "Web", "allocations": {"GA": 4, "VIP": 1}}]
DEVICES = itertools.count()


@pytest.fixture
def ev(app, client, token, make_event):
    make_event(types=TYPES, channels=CHANNELS)
    # Transfers close to the event need a supervisor; these tests move the event a day out first.
    return {"box": Api(client, token("box_office", "ev")), "gate": Api(client, token("gate", "ev")),
            "supervisor": Api(client, token("supervisor", "ev"))}


def stock(admin):
    return {t["code"]: t for t in admin.get(f"{EV}/inventory").json["types"]}


def scan(gate, code, at="north", device=None):
    # A distinct device each time: the same device re-reading a code within seconds gets its first answer.
    r = gate.post(f"{EV}/scans", {"code": code, "gate": at, "device": device or f"tablet-{next(DEVICES)}"})
    assert r.status_code == 200, r.json
    return r.json


def move_event(app, starts_in: timedelta):
    with app.app_context():
        event = db.session.query(Event).filter_by(slug="ev").one()
        event.starts_at, event.ends_at = NOW + starts_in, NOW + starts_in + timedelta(days=1)
        db.session.commit()


def test_upgrade_moves_the_seat_revokes_the_old_code_and_admits_by_the_new_type(ev, admin, issue):
    t = issue(channel="web")[0]
    assert scan(ev["gate"], t["code"], "lounge")["reason"] == "not_admitted"
    r = ev["box"].post(f"{EV}/tickets/{t['id']}/upgrade",
                       {"to_type": "VIP", "payment": {"method": "card", "reference": "POS-9"},
                        "reason": "wants lounge"})
    assert r.status_code == 200, r.json
    assert r.json["type"]["code"] == "VIP" and r.json["price"] == "100.00"
    assert r.json["price_difference"] == "75.00" and r.json["badge"]["needs_print"] is True
    assert r.json["code"] != t["code"] and r.json["generation"] == 2
    inv = stock(admin)
    assert (inv["GA"]["sold"], inv["VIP"]["sold"]) == (0, 1)
    assert [c["used"] for c in inv["GA"]["channels"]] == [0] and [c["used"] for c in inv["VIP"]["channels"]] == [1]
    old = scan(ev["gate"], t["code"], "lounge")
    assert old["reason"] == "revoked" and old["ticket"]["type"]["code"] == "VIP"
    assert scan(ev["gate"], r.json["code"], "lounge")["status"] == "ok"
    history = [h["action"] for h in r.json["history"]]
    assert history[-2:] == ["ticket.upgrade", "stock.return"]


def test_downgrade_and_void_return_seats_where_they_came_from(ev, admin, issue):
    t = issue(type="VIP")[0]
    r = ev["box"].post(f"{EV}/tickets/{t['id']}/upgrade", {"to_type": "GA"})
    assert r.status_code == 200 and r.json["price_difference"] == "-75.00"
    assert (stock(admin)["GA"]["sold"], stock(admin)["VIP"]["sold"]) == (1, 0)
    web = issue(channel="web")[0]
    assert stock(admin)["GA"]["channels"][0]["used"] == 1
    assert ev["box"].post(f"{EV}/tickets/{web['id']}/void", {"reason": "refund"}).status_code == 200
    inv = stock(admin)["GA"]
    assert (inv["sold"], inv["channels"][0]["used"], inv["shared"]["used"]) == (1, 0, 1)


def test_upgrade_refusals_change_nothing(ev, admin, issue):
    issue(type="VIP", channel="web")
    issue(type="VIP")
    t = issue()[0]
    r = ev["box"].post(f"{EV}/tickets/{t['id']}/upgrade", {"to_type": "VIP"})
    assert r.status_code == 409 and r.json["reason"] == "sold_out" and r.json["available"] == 0
    detail = admin.get(f"{EV}/tickets/{t['id']}").json
    assert detail["type"]["code"] == "GA" and detail["generation"] == 1 and detail["code"] == t["code"]
    assert ev["box"].post(f"{EV}/tickets/{t['id']}/upgrade", {"to_type": "GA"}).status_code == 422
    assert ev["box"].post(f"{EV}/tickets/{t['id']}/upgrade", {"to_type": "NOPE"}).json["errors"] == {
        "to_type": ["unknown ticket type"]}
    admin.post(f"{EV}/tickets/{t['id']}/void", {"reason": "refund"})
    assert ev["box"].post(f"{EV}/tickets/{t['id']}/upgrade", {"to_type": "VIP"}).status_code == 409
    admin.patch(f"{EV}/ticket-types/VIP", {"frozen": True, "capacity": 5})
    other = issue()[0]
    assert ev["box"].post(f"{EV}/tickets/{other['id']}/upgrade", {"to_type": "VIP"}).json["reason"] == "frozen"
    assert (stock(admin)["GA"]["sold"], stock(admin)["VIP"]["sold"]) == (1, 2)


def test_transfers_need_a_supervisor_in_the_freeze_window_or_after_entry(app, ev, issue):
    t = issue()[0]
    body = {"holder": {"name": "Nadia New"}, "reason": "sold to a friend"}
    r = ev["box"].post(f"{EV}/tickets/{t['id']}/transfer", body)
    assert r.status_code == 409 and r.json["reason"] == "frozen" and "supervisor" in r.json["detail"]
    r = ev["supervisor"].post(f"{EV}/tickets/{t['id']}/transfer", body)
    assert r.status_code == 200 and r.json["holder"]["name"] == "Nadia New"
    entry = r.json["history"][-1]
    assert entry["action"] == "ticket.transfer" and entry["after"]["approved"] == ["freeze window"]
    assert (entry["before"]["holder_name"], entry["after"]["holder_name"]) == (t["holder"]["name"], "Nadia New")
    move_event(app, timedelta(days=2))
    again = ev["box"].post(f"{EV}/tickets/{t['id']}/transfer", {"holder": {"name": "Omar"}, "reason": "gift"})
    assert again.status_code == 200 and "approved_by" not in again.json["history"][-1]["after"]
    assert scan(ev["gate"], again.json["code"])["status"] == "ok"  # the gate takes it even before the start
    body = {"holder": {"name": "Late Buyer"}, "reason": "resold"}
    r = ev["box"].post(f"{EV}/tickets/{t['id']}/transfer", body)
    assert r.status_code == 409 and r.json["reason"] == "entered"
    r = ev["supervisor"].post(f"{EV}/tickets/{t['id']}/transfer", body)
    assert r.status_code == 200 and r.json["history"][-1]["after"]["approved"] == ["after entry"]


def _race(first, second):
    """Run two calls at the same instant; return both results."""
    return run_together(2, lambda i: (first, second)[i](), timeout=30)


def test_a_change_racing_a_scan_answers_by_the_committed_order(app, ev, token, issue):
    move_event(app, timedelta(days=2))  # outside the freeze window: the clerk may transfer
    box, gate = Api(app.test_client(), token("box_office", "ev")), Api(app.test_client(), token("gate", "ev"))
    for t in issue(n=4):  # a transfer is refused once the ticket was used: never both
        scanned, moved = _race(lambda: gate.post(f"{EV}/scans", {"code": t["code"], "gate": "north"}),
                               lambda: box.post(f"{EV}/tickets/{t['id']}/transfer",
                                                {"holder": {"name": "New"}, "reason": "race"}))
        outcome = (scanned.json["status"], moved.status_code)
        assert outcome in {("ok", 409), ("refused", 200)}, (scanned.json, moved.json)
        if outcome == ("refused", 200):
            assert scanned.json["reason"] == "revoked" and scanned.json["ticket"]["holder"]["name"] == "New"
    for t in issue(n=2, channel="web"):  # an upgrade stands either way; the scan shows which came first
        scanned, moved = _race(lambda: gate.post(f"{EV}/scans", {"code": t["code"], "gate": "south"}),
                               lambda: box.post(f"{EV}/tickets/{t['id']}/upgrade", {"to_type": "VIP"}))
        assert moved.status_code == 200, moved.json
        answer = scanned.json
        if answer["status"] == "ok":  # judged before the upgrade: as the old type
            assert answer["ticket"]["type"]["code"] == "GA"
        else:  # judged after it: the old code is revoked, and the gate sees the new type
            assert answer["reason"] == "revoked" and answer["ticket"]["type"]["code"] == "VIP"


def test_a_scan_in_progress_holds_the_ticket_until_it_commits(app, ev, token, issue):
    """The deterministic form of the race: a change waits for a scan that has read the ticket."""
    t = issue()[0]
    box = Api(app.test_client(), token("box_office", "ev"))
    done = []
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id).where(Event.slug == "ev"))
        from checkin.tickets.codes import peek
        run(TICKET_BY_SERIAL, event_id=event_id, serial=peek(t["code"]).serial, since=NOW).one()  # the scan's read
        worker = threading.Thread(target=lambda: done.append(
            box.post(f"{EV}/tickets/{t['id']}/upgrade", {"to_type": "VIP"}).status_code))
        worker.start()
        worker.join(0.5)
        assert done == []  # the upgrade waits for the scan's transaction
        db.session.commit()
    worker.join(10)
    assert done == [200]


def test_voiding_a_ticket_that_entered_needs_a_supervisor_and_a_reason(app, ev, admin, issue):
    inside, left, never = issue(n=3)
    assert scan(ev["gate"], inside["code"])["status"] == "ok"
    assert scan(ev["gate"], left["code"])["status"] == "ok"
    assert ev["gate"].post(f"{EV}/scans", {"code": left["code"], "gate": "north", "direction": "out",
                                           "device": "exit"}).json["status"] == "ok"
    before = stock(admin)["GA"]
    for t in (inside, left):  # inside now, or entered earlier and left: both were used
        r = ev["box"].post(f"{EV}/tickets/{t['id']}/void", {"reason": "refund"})
        assert r.status_code == 403 and r.json["reason"] == "entered" and "supervisor" in r.json["detail"], r.json
        assert admin.get(f"{EV}/tickets/{t['id']}").json["state"] == "valid"
    assert stock(admin)["GA"] == before
    assert ev["box"].post(f"{EV}/tickets/{never['id']}/void", {"reason": "refund"}).status_code == 200
    assert ev["supervisor"].post(f"{EV}/tickets/{inside['id']}/void", {}).status_code == 422  # a reason, always
    r = ev["supervisor"].post(f"{EV}/tickets/{inside['id']}/void", {"reason": "thrown out"})
    assert r.status_code == 200 and r.json["state"] == "void"
    entry = r.json["history"][-1]
    assert entry["action"] == "ticket.void" and entry["reason"] == "thrown out"
    assert entry["after"]["approved"] == ["after entry"] and entry["after"]["approved_by"].endswith("supervisor")
    assert stock(admin)["GA"]["sold"] == before["sold"] - 2
