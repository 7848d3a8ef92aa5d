"""Capacity rules at the box office: buffer release, quota moves, bundles, emergency pools."""
from datetime import timedelta

import pytest

from checkin.extensions import db
from checkin.models import Event
from helpers import NOW, Api

EV = "/api/v1/events/ev"


@pytest.fixture
def ev(client, token, make_event):
    make_event(types=[{"code": "GA", "name": "General", "capacity": 20, "buffer": 5, "badge_type": "General",
                       "price": "25.00"},
                      {"code": "PARK", "name": "GA + parking", "capacity": 50, "badge_type": "General",
                       "price": "35.00", "parent": "GA"}],
               channels=[{"code": "web", "name": "Web", "allocations": {"GA": 6}},
                         {"code": "onsite", "name": "On-site", "allocations": {"GA": 4}}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA", "PARK"]}])
    return {"box": Api(client, token("box_office", "ev")), "supervisor": Api(client, token("supervisor", "ev"))}


def stock(admin, code="GA"):
    return next(t for t in admin.get(f"{EV}/inventory").json["types"] if t["code"] == code)


def sell(box, n=1, type="GA", **fields):
    return box.post(f"{EV}/sales", {"type": type, "quantity": n, "payment": {"method": "cash"}, **fields})


def test_box_office_sells_its_quota_first_then_the_shared_remainder(ev, admin):
    r = sell(ev["box"], 6)
    assert r.status_code == 201 and r.json["sale"]["channel"] == "onsite"  # the default box-office channel
    ga = stock(admin)
    assert [(c["channel"], c["used"]) for c in ga["channels"]] == [("web", 0), ("onsite", 4)]
    assert ga["shared"] == {"size": 5, "used": 2} and ga["available"] == 9
    r = sell(ev["box"], 4)  # 3 shared seats left for on-site; the web quota is not theirs
    assert r.status_code == 409 and r.json["available"] == 3


def test_buffer_is_hidden_until_a_supervisor_releases_part_of_it(ev, admin):
    assert sell(ev["box"], 15).status_code == 409
    assert ev["box"].post(f"{EV}/ticket-types/GA/release-buffer", {"quantity": 2, "reason": "x"}).status_code == 403
    r = ev["supervisor"].post(f"{EV}/ticket-types/GA/release-buffer", {"quantity": 2, "reason": "fire marshal ok"})
    assert r.status_code == 200 and r.json["buffer"] == 3 and r.json["available"] == 17
    too_much = ev["supervisor"].post(f"{EV}/ticket-types/GA/release-buffer", {"quantity": 4, "reason": "more"})
    assert too_much.status_code == 409 and too_much.json["errors"] == {"quantity": ["at most 3"]}
    entry = [e for e in admin.get(f"{EV}/ledger").json["entries"] if e["action"] == "type.buffer_release"]
    assert len(entry) == 1 and entry[0]["reason"] == "fire marshal ok" and entry[0]["actor"].endswith(":supervisor")
    assert entry[0]["before"] == {"buffer": 5} and entry[0]["after"]["buffer"] == 3


def test_quota_moves_between_channels_and_near_the_event_need_a_supervisor(app, ev, admin):
    move = {"type": "GA", "from": "web", "to": "onsite", "quantity": 3, "reason": "web sales closed"}
    r = ev["box"].post(f"{EV}/quota-moves", move)
    assert r.status_code == 409 and r.json["reason"] == "frozen"  # the event started: inside the window
    r = ev["supervisor"].post(f"{EV}/quota-moves", move)
    assert r.status_code == 200
    assert [(c["channel"], c["quota"]) for c in r.json["channels"]] == [("web", 3), ("onsite", 7)]
    assert ev["supervisor"].post(f"{EV}/quota-moves", {**move, "quantity": 4}).status_code == 409
    with app.app_context():
        event = db.session.query(Event).filter_by(slug="ev").one()
        event.starts_at, event.ends_at = NOW + timedelta(days=3), NOW + timedelta(days=4)
        db.session.commit()
    back = {"type": "GA", "from": "onsite", "to": "web", "quantity": 1, "reason": "rebalance"}
    assert ev["box"].post(f"{EV}/quota-moves", back).status_code == 200
    moves = [e for e in admin.get(f"{EV}/ledger").json["entries"] if e["action"] == "quota.move"]
    assert [m["after"].get("approved_by") is not None for m in moves] == [True, False]


def test_a_bundle_draws_from_its_parent_pool(ev, admin):
    # GA: 20 less a buffer of 5, 10 in channel quotas: 5 shared seats, which the bundle draws on too.
    assert sell(ev["box"], 4, type="PARK").status_code == 201
    ga, park = stock(admin), stock(admin, "PARK")
    assert (ga["sold"], ga["issued"], park["sold"], park["issued"]) == (4, 0, 4, 4)
    assert ga["available"] == 11 and park["available"] == 1
    assert admin.get(f"{EV}/inventory").json["taken"] == 4  # one person, one seat of the event
    r = sell(ev["box"], 2, type="PARK")
    assert r.status_code == 409 and r.json["available"] == 1
    assert sell(ev["box"], 2, type="GA", channel="web").status_code == 201  # the web quota stays the web's


def test_emergency_pool_is_the_only_stock_a_device_sells_offline(ev, admin):
    sup, box = ev["supervisor"], ev["box"]
    assert box.post(f"{EV}/emergency-pools", {"device": "tab-2", "type": "GA", "quantity": 3}).status_code == 403
    pool = sup.post(f"{EV}/emergency-pools", {"device": "tab-2", "type": "GA", "channel": "onsite", "quantity": 3})
    assert pool.status_code == 201 and pool.json["left"] == 3
    assert (stock(admin)["held"], stock(admin)["available"]) == (3, 12)
    assert [(c["channel"], c["held"]) for c in stock(admin)["channels"]] == [("web", 0), ("onsite", 3)]
    sold_at = NOW.isoformat()
    upload = {"device": "tab-2", "sales": [
        {"nonce": "tab2-1", "type": "GA", "quantity": 2, "payment": {"method": "cash"}, "sold_at": sold_at},
        {"nonce": "tab2-2", "type": "GA", "quantity": 2, "payment": {"method": "cash"}, "sold_at": sold_at},
        {"nonce": "tab2-3", "type": "PARK", "payment": {"method": "cash"}, "sold_at": sold_at}]}
    results = box.post(f"{EV}/emergency-sales", upload).json["results"]
    assert [r["status"] for r in results] == ["ok", "refused", "refused"]
    assert "1 General seat(s) left" in results[1]["message"] and "no emergency pool" in results[2]["message"]
    assert len(results[0]["tickets"]) == 2 and results[0]["sale"]["state"] == "confirmed"
    again = box.post(f"{EV}/emergency-sales", {"device": "tab-2", "sales": upload["sales"][:1]}).json["results"]
    assert again[0]["repeat"] is True and again[0]["sale"]["id"] == results[0]["sale"]["id"]
    stranger = {"device": "tab-9", "sales": [{**upload["sales"][0], "nonce": "tab9-1"}, upload["sales"][0]]}
    assert [r["status"] for r in box.post(f"{EV}/emergency-sales", stranger).json["results"]] == ["refused"] * 2
    ga = stock(admin)
    assert (ga["sold"], ga["held"]) == (2, 1)
    closed = sup.post(f"{EV}/emergency-pools/{pool.json['id']}/close", {"reason": "back online"})
    assert closed.json["state"] == "closed" and closed.json["used"] == 2
    ga = stock(admin)
    assert (ga["sold"], ga["held"], ga["available"]) == (2, 0, 13)
    assert [(c["channel"], c["used"]) for c in ga["channels"]] == [("web", 0), ("onsite", 2)]
