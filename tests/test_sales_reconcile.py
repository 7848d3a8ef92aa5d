"""Reconciliation: inventory, the ledger, export.csv, the daily review, and holds that expire unattended."""
import csv
import io
import time
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select, update

from checkin.extensions import db
from checkin.models import Hold, LedgerEntry, Sale, TicketType, utcnow
from checkin.scheduler import Scheduler, Task
from checkin.stock.tasks import release_expired_holds
from helpers import NOW, Api

EV = "/api/v1/events/ev"


def setup_day(make_event, admin, token, client, issue):
    """A small day at the box office: sales, a hold that expires, an upgrade, a transfer, a void, a scan."""
    make_event(types=[{"code": "GA", "name": "General", "capacity": 30, "buffer": 2, "badge_type": "General",
                       "price": "25.00"},
                      {"code": "VIP", "name": "VIP", "capacity": 5, "badge_type": "VIP", "price": "100.00",
                       "zones": ["hall", "lounge"]}],
               channels=[{"code": "web", "name": "Web", "allocations": {"GA": 10}},
                         {"code": "onsite", "name": "On-site", "allocations": {"GA": 6, "VIP": 2}},
                         {"code": "comps", "name": "Comps", "allocations": {"GA": 4}}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA", "VIP"]}])
    box, sup = Api(client, token("box_office", "ev")), Api(client, token("supervisor", "ev"))
    web = issue(n=3, channel="web")
    issue(n=2, channel="comps", holder={"name": "=HYPERLINK(\"x\")"})
    sold = box.post(f"{EV}/sales", {"type": "GA", "quantity": 2, "payment": {"method": "cash"}}).json
    box.post(f"{EV}/sales", {"type": "VIP", "payment": {"method": "card"}})
    held = box.post(f"{EV}/sales", {"type": "GA", "quantity": 3, "payment": {"method": "upi"}}).json["sale"]
    up = box.post(f"{EV}/tickets/{web[0]['id']}/upgrade", {"to_type": "VIP", "reason": "lounge"}).json
    sup.post(f"{EV}/tickets/{web[1]['id']}/transfer", {"holder": {"name": "Nadia"}, "reason": "gift"})
    box.post(f"{EV}/tickets/{web[2]['id']}/void", {"reason": "refund"})
    Api(client, token("gate", "ev")).post(f"{EV}/scans", {"code": sold["tickets"][0]["code"], "gate": "north"})
    return {"held": held, "upgraded": up, "sold": sold}


def expire_all(app):
    with app.app_context():
        past = utcnow() - timedelta(seconds=1)
        db.session.execute(update(Sale).where(Sale.state == "held").values(expires_at=past))
        db.session.execute(update(Hold).where(Hold.state == "active").values(expires_at=past))
        db.session.commit()


def test_export_totals_agree_with_the_inventory_to_the_ticket(app, admin, make_event, token, client, issue):
    day = setup_day(make_event, admin, token, client, issue)
    r = admin.get(f"{EV}/export.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    tickets = [row for row in rows if row["record"] == "ticket"]
    totals = {(row["type"], row["channel"]): row for row in rows if row["record"] == "total"}
    inventory = {t["code"]: t for t in admin.get(f"{EV}/inventory").json["types"]}
    assert len(tickets) == 3 + 2 + 2
    onsite = next(c for c in inventory["GA"]["channels"] if c["channel"] == "onsite")
    assert (onsite["issued"], onsite["held"], onsite["checked_in"], onsite["inside"]) == (2, 3, 1, 1)
    for code, stock in inventory.items():
        assert int(totals[code, "*"]["tickets"]) == stock["issued"]
        assert (int(totals[code, "*"]["sold"]), int(totals[code, "*"]["held"])) == (stock["sold"], stock["held"])
        for channel in stock["channels"]:
            if channel["issued"]:
                assert int(totals[code, channel["channel"]]["tickets"]) == channel["issued"]
    upgraded = next(t for t in tickets if int(t["ticket_id"]) == day["upgraded"]["id"])
    assert upgraded["type"] == "VIP" and "ticket.upgrade GA>VIP (75.00)" in upgraded["changes"]
    assert {t["state"] for t in tickets} == {"valid", "void"}
    entered = next(t for t in tickets if int(t["ticket_id"]) == day["sold"]["tickets"][0]["id"])
    assert entered["first_entry_gate"] == "north" and entered["payment"] == "cash" and entered["sale"]
    assert all(not t["holder"].startswith("=") for t in tickets)  # no formula runs in a spreadsheet
    money = sum(float(t["price"]) for t in tickets if t["state"] != "void")
    assert float(totals["*", "*"]["price"]) == money and int(totals["*", "*"]["tickets"]) == 6


def test_the_ledger_rebuilds_every_type_count(app, admin, make_event, token, client, issue):
    setup_day(make_event, admin, token, client, issue)
    expire_all(app)
    admin.get(f"{EV}/inventory")  # the read releases the expired holds
    with app.app_context():
        journal = defaultdict(int)
        for type_id, n in db.session.execute(select(LedgerEntry.type_id, func.sum(LedgerEntry.quantity))
                                             .where(LedgerEntry.type_id.is_not(None)).group_by(LedgerEntry.type_id)):
            journal[type_id] = n
        for t in db.session.scalars(select(TicketType)):
            assert journal[t.id] == t.sold + t.held, t.code


def test_daily_review_by_api_and_command(app, admin, make_event, token, client, issue, runner):
    setup_day(make_event, admin, token, client, issue)
    expire_all(app)
    review = admin.get(f"{EV}/review").json
    assert review["onsite"]["issued_today"] == 2 and review["onsite"]["planned"] == 8
    assert [u["to"] for u in review["upgrades"]] == ["VIP"] and review["upgrades"][0]["price_difference"] == "75.00"
    assert [t["to"] for t in review["transfers"]] == ["Nadia"] and review["transfers"][0]["approved_by"]
    assert review["expired_holds"]["count"] == 2 and review["expired_holds"]["seats"] == 4
    unused = {(u["type"], u["channel"]): u["tickets"] for u in review["could_release"]["unused_tickets"]}
    assert unused[("GA", "comps")] == 2 and unused[("GA", "onsite")] == 1
    assert {"type": "GA", "buffer": 2} in review["could_release"]["buffer"]
    other_day = admin.get(f"{EV}/review?day={(NOW - timedelta(days=3)).date().isoformat()}").json
    assert other_day["onsite"]["issued_today"] == 0 and other_day["upgrades"] == []
    out = runner.invoke(args=["review", "--event", "ev"])
    assert out.exit_code == 0, out.output
    assert "Upgrades: 1" in out.output and "Expired holds: 2 (4 seat(s))" in out.output
    assert "2 unused GA ticket(s) via comps" in out.output


def test_the_hold_task_and_sweep_command_release_expired_holds_unattended(app, admin, make_event, token, client, issue,
                                                                     runner):
    day = setup_day(make_event, admin, token, client, issue)
    expire_all(app)
    assert runner.invoke(args=["sweep"]).output.strip() == "released 2 expired hold(s)"
    box = Api(client, token("box_office", "ev"))
    held = box.post(f"{EV}/sales", {"type": "GA", "quantity": 2, "payment": {"method": "upi"}}).json["sale"]
    expire_all(app)
    scheduler = Scheduler(app, [Task("release expired holds", release_expired_holds, 0.05)]).start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with app.app_context():
                state = db.session.get(Sale, held["id"]).state
                db.session.rollback()
            if state == "expired":
                break
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert state == "expired"
    assert box.get(f"{EV}/sales/{day['held']['id']}").json["sale"]["state"] == "expired"
    assert next(t for t in admin.get(f"{EV}/inventory").json["types"] if t["code"] == "GA")["held"] == 0


def test_openapi_lists_the_box_office(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ["/sales", "/sales/{sale_id}/confirm", "/sales/{sale_id}/cancel", "/tickets/{ticket_id}/upgrade",
                 "/export.csv", "/review", "/quota-moves", "/emergency-pools", "/emergency-sales",
                 "/ticket-types/{code}/release-buffer"]:
        assert f"/api/v1/events/{{slug}}{path}" in paths, path
