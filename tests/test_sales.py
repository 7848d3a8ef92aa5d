"""Walk-in sales at the box office: cash, card/UPI holds, expiry, confirm and cancel."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from checkin.extensions import db
from checkin.models import Hold, Sale, utcnow
from helpers import NOW, Api, iso

EV = "/api/v1/events/ev"


@pytest.fixture
def box(client, token, make_event):
    make_event(types=[{"code": "GA", "name": "General", "capacity": 10, "badge_type": "General", "price": "25.00"},
                      {"code": "VIP", "name": "VIP", "capacity": 5, "badge_type": "VIP", "price": "120.00",
                       "zones": ["hall", "lounge"]}])
    return Api(client, token("box_office", "ev"))


def sell(box, type="GA", method="cash", **fields):
    return box.post(f"{EV}/sales", {"type": type, "payment": {"method": method}, **fields})


def stock(admin, code="GA"):
    return next(t for t in admin.get(f"{EV}/inventory").json["types"] if t["code"] == code)


def expire(app, sale_id):
    """Move a hold's expiry into the past, as if its minutes had run out."""
    with app.app_context():
        past = utcnow() - timedelta(seconds=1)
        db.session.execute(update(Sale).where(Sale.id == sale_id).values(expires_at=past))
        db.session.execute(update(Hold).where(Hold.sale_id == sale_id).values(expires_at=past))
        db.session.commit()


def test_cash_sales_issue_tickets_named_or_anonymous_and_can_admit_at_once(box, admin, token, client):
    r = sell(box, quantity=2, holders=[{"name": "Ana Ruiz"}, {"name": "Bo Chen", "company": "Acme"}],
             payment={"method": "cash", "reference": "till-3"})
    assert r.status_code == 201, r.json
    assert r.json["sale"]["state"] == "confirmed" and r.json["sale"]["total"] == "50.00"
    assert [t["holder"]["name"] for t in r.json["tickets"]] == ["Ana Ruiz", "Bo Chen"]
    assert stock(admin)["sold"] == 2 and stock(admin)["available"] == 8
    gate = Api(client, token("gate", "ev"))
    answer = gate.post(f"{EV}/scans", {"code": r.json["tickets"][0]["code"], "gate": "north"}).json
    assert answer["status"] == "ok" and answer["ticket"]["holder"]["name"] == "Ana Ruiz"
    walk_ins = sell(box, quantity=3, admit_at="north")
    assert walk_ins.status_code == 201, walk_ins.json
    assert {t["holder"]["name"] for t in walk_ins.json["tickets"]} == {"Walk-in"}
    assert [a["status"] for a in walk_ins.json["admitted"]] == ["ok"] * 3
    assert admin.get(f"{EV}/counts").json["zones"]["hall"]["inside"] == 4
    r = sell(box, quantity=2, holders=[{"name": "Only One"}])
    assert r.status_code == 422 and "holders" in r.json["errors"]
    r = sell(box, admit_at="nowhere")
    assert r.status_code == 422 and "admit_at" in r.json["errors"]
    assert stock(admin)["sold"] == 5


def test_refusals_say_why_and_what_is_left(box, admin):
    assert sell(box, quantity=8).status_code == 201
    r = sell(box, quantity=3)
    assert r.status_code == 409 and r.headers["Content-Type"] == "application/problem+json"
    assert r.json["reason"] == "sold_out" and r.json["available"] == 2 and "2 left" in r.json["detail"]
    admin.patch(f"{EV}/ticket-types/GA", {"frozen": True})
    r = sell(box)
    assert r.status_code == 409 and r.json["reason"] == "frozen" and "frozen" in r.json["detail"]
    assert r.json["available"] == 2
    admin.patch(f"{EV}/ticket-types/GA", {"frozen": False, "sale_ends_at": iso(NOW - timedelta(minutes=1))})
    r = sell(box)
    assert r.status_code == 409 and r.json["reason"] == "off_sale" and "closed" in r.json["detail"]
    admin.patch(f"{EV}/ticket-types/GA", {"sale_ends_at": None, "sale_starts_at": iso(NOW + timedelta(hours=1))})
    assert sell(box).json["reason"] == "off_sale"
    assert stock(admin)["sold"] == 8


def test_upi_hold_is_confirmed_once_and_a_card_hold_cancelled(box, admin):
    r = sell(box, method="upi", quantity=2)
    assert r.status_code == 202, r.json
    sale = r.json["sale"]
    assert sale["state"] == "held" and sale["expires_at"] and 250 <= sale["expires_in"] <= 300
    assert r.json["tickets"] == []
    assert (stock(admin)["held"], stock(admin)["sold"], stock(admin)["available"]) == (2, 0, 8)
    assert [s["id"] for s in box.get(f"{EV}/sales?state=held").json["sales"]] == [sale["id"]]
    done = box.post(f"{EV}/sales/{sale['id']}/confirm", {"reference": "UPI-778"})
    assert done.status_code == 201, done.json
    assert done.json["sale"]["state"] == "confirmed" and len(done.json["tickets"]) == 2
    assert done.json["sale"]["reference"] == "UPI-778" and done.json["sale"]["late"] is False
    assert (stock(admin)["held"], stock(admin)["sold"]) == (0, 2)
    again = box.post(f"{EV}/sales/{sale['id']}/confirm", {})
    assert again.status_code == 201 and again.json["repeat"] is True
    assert [t["id"] for t in again.json["tickets"]] == [t["id"] for t in done.json["tickets"]]
    card = sell(box, method="card", quantity=4).json["sale"]
    r = box.post(f"{EV}/sales/{card['id']}/cancel", {"reason": "card declined"})
    assert r.status_code == 200 and r.json["sale"]["state"] == "cancelled"
    assert (stock(admin)["held"], stock(admin)["available"]) == (0, 8)
    r = box.post(f"{EV}/sales/{card['id']}/confirm", {})
    assert r.status_code == 409 and r.json["reason"] == "cancelled"
    assert box.post(f"{EV}/sales/{card['id']}/cancel", {}).json["repeat"] is True
    r = box.post(f"{EV}/sales/{done.json['sale']['id']}/cancel", {})
    assert r.status_code == 409 and "void" in r.json["detail"]
    assert stock(admin)["available"] == 8


def test_expired_hold_gives_its_seats_back_and_a_late_payment_needs_stock(app, box, admin):
    first = sell(box, method="upi", quantity=3).json["sale"]
    expire(app, first["id"])
    assert (stock(admin)["held"], stock(admin)["available"]) == (0, 10)  # released by the read itself
    assert box.get(f"{EV}/sales/{first['id']}").json["sale"]["state"] == "expired"
    r = box.post(f"{EV}/sales/{first['id']}/confirm", {})  # stock is still there: confirmed late
    assert r.status_code == 201 and r.json["sale"]["late"] is True and len(r.json["tickets"]) == 3
    second = sell(box, method="upi", quantity=2).json["sale"]
    expire(app, second["id"])
    assert sell(box, quantity=6).status_code == 201  # the expired hold's seats went to walk-ins
    r = box.post(f"{EV}/sales/{second['id']}/confirm", {})
    assert r.status_code == 409 and r.json["reason"] == "expired_sold_out"
    assert "refund" in r.json["detail"] and r.json["available"] == 1
    assert box.get(f"{EV}/sales/{second['id']}").json["sale"]["state"] == "expired"
    assert (stock(admin)["held"], stock(admin)["sold"]) == (0, 9)
    actions = [e["action"] for e in admin.get(f"{EV}/ledger").json["entries"] if e["action"].startswith("hold.")]
    assert actions == ["hold.create", "hold.expire", "hold.create", "hold.expire"]


def test_a_sold_out_type_sells_again_once_a_hold_expires(app, box, admin):
    sale = sell(box, method="card", quantity=10).json["sale"]
    assert sell(box).status_code == 409
    expire(app, sale["id"])
    assert sell(box).status_code == 201  # the sale itself released the expired hold first
    assert (stock(admin)["held"], stock(admin)["sold"]) == (0, 1)


def test_nonce_roles_and_other_events(box, admin, client, token, make_event):
    first = sell(box, quantity=2, nonce="desk1-0001")
    again = sell(box, quantity=2, nonce="desk1-0001")
    assert first.status_code == again.status_code == 201
    assert again.json["repeat"] is True and again.json["sale"]["id"] == first.json["sale"]["id"]
    assert stock(admin)["sold"] == 2
    assert sell(Api(client, token("viewer", "ev"))).status_code == 403
    make_event("other")
    assert sell(Api(client, token("box_office", "other"))).status_code == 403
    assert box.post(f"{EV}/sales/999/confirm", {}).status_code == 404
