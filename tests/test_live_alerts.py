"""Alerts: raised once per condition, re-armed when it clears, acknowledged once, configured per event."""
import threading
from datetime import timedelta

from sqlalchemy import select

from checkin.auth import create_token
from checkin.extensions import db
from checkin.live.alerts import candidate, raise_alerts, settings_for
from checkin.live.hub import hub_of
from checkin.live.tasks import check_devices
from checkin.models import Event, GateDevice, utcnow
from helpers import NOW, Api, iso, scanned_now
from live_helpers import threaded_app, wait_for

ALERTS = "/api/v1/events/ev/alerts"
SCAN = "/api/v1/events/ev/scans"


def open_alerts(app, api) -> list[dict]:
    hub_of(app).settle()
    r = api.get(ALERTS)
    assert r.status_code == 200, r.json
    return r.json["alerts"]


def kinds(app, api) -> list[tuple[str, str]]:
    return sorted((a["kind"], a["message"]) for a in open_alerts(app, api))


def test_low_stock_then_sold_out_then_re_armed(app, admin, make_event, issue):
    make_event(types=[{"code": "GA", "name": "General", "capacity": 5, "badge_type": "General", "low_stock_at": 2}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]}])
    issue(n=2)
    assert kinds(app, admin) == []
    issue()
    assert kinds(app, admin) == [("low_stock", "General: only 2 left")]
    issue()  # still low: no second alert
    issue()
    assert kinds(app, admin) == [("low_stock", "General: only 2 left"), ("sold_out", "General is sold out")]
    assert admin.patch("/api/v1/events/ev/ticket-types/GA", {"capacity": 10}).status_code == 200
    hub_of(app).settle()  # both conditions cleared: they stay listed but can fire again
    issue(n=4)
    assert [k for k, _ in kinds(app, admin)] == ["low_stock", "low_stock", "sold_out"]


def test_channel_thresholds_and_oversell_risk_from_held_sales(app, admin, make_event):
    make_event(types=[{"code": "GA", "name": "General", "capacity": 10, "badge_type": "General", "price": "5.00"}],
               channels=[{"code": "onsite", "name": "Box office", "allocations": {"GA": 4}}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]}])
    r = admin.put("/api/v1/events/ev/alert-settings", {"low_stock": {"GA": {"onsite": 1}}, "oversell_margin": 3})
    assert r.status_code == 200, r.json
    sale = {"type": "GA", "channel": "onsite", "quantity": 3, "payment": {"method": "cash"}}
    assert admin.post("/api/v1/events/ev/sales", sale).status_code == 201
    assert kinds(app, admin) == [("low_stock", "General: only 1 left in the onsite quota")]
    held = {"type": "GA", "quantity": 5, "payment": {"method": "card"}}
    assert admin.post("/api/v1/events/ev/sales", held).status_code == 202
    found = dict(kinds(app, admin))
    assert found["oversell_risk"] == "General: 5 held in pending sales and only 2 left"


def test_one_condition_noticed_by_many_at_once_raises_one_alert(app, make_event):
    make_event()
    with app.app_context():
        event_id = db.session.query(Event.id).scalar()
    barrier = threading.Barrier(16)
    raised = []

    def work():
        with app.app_context():
            barrier.wait()
            found = raise_alerts(event_id, [candidate("device_silent", "warning", "device_silent:t1", "quiet")],
                                 settings_for(event_id))
            db.session.commit()
            raised.extend(found)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(raised) == 1


def test_acknowledged_once_by_a_supervisor(app, admin, token, make_event, issue):
    make_event(types=[{"code": "GA", "name": "General", "capacity": 1, "badge_type": "General"}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]}])
    issue()
    [alert] = open_alerts(app, admin)
    viewer, supervisor = admin.as_role(token("viewer")), admin.as_role(token("supervisor"))
    assert viewer.get(ALERTS).json["alerts"][0]["id"] == alert["id"]  # viewers see alerts...
    assert viewer.post(f"{ALERTS}/{alert['id']}/ack", {}).status_code == 403  # ...but do not acknowledge
    barrier = threading.Barrier(8)
    answers = []

    def ack(i):
        api = Api(app.test_client(), supervisor.headers["Authorization"].split()[1])
        barrier.wait()
        answers.append(api.post(f"{ALERTS}/{alert['id']}/ack", {"note": f"on it {i}"}).status_code)

    threads = [threading.Thread(target=ack, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers) == [200] + [409] * 7
    assert open_alerts(app, admin) == []
    shown = admin.get(ALERTS, query_string={"state": "all"}).json["alerts"][0]
    assert shown["acked_at"] and shown["acked_by"].endswith(":supervisor") and shown["ack_note"].startswith("on it")
    assert admin.post(f"{ALERTS}/999999/ack", {}).status_code == 404


def test_settings_are_validated_and_nothing_bad_is_stored(app, admin, token, make_event):
    make_event()
    url = "/api/v1/events/ev/alert-settings"
    defaults = admin.get(url).json
    assert defaults["duplicate_spike"] == {"count": 10, "minutes": 5} and defaults["webhook_url"] is None
    for body, field in [({"webhook_url": "ftp://x"}, "webhook_url"), ({"webhook_url": "not a url"}, "webhook_url"),
                        ({"low_stock": {"NOPE": {"*": 3}}}, "low_stock.NOPE"),
                        ({"low_stock": {"GA": {"nochannel": 3}}}, "low_stock.GA.nochannel"),
                        ({"zone_capacity": {"hall": 0}}, "zone_capacity.hall.value"),
                        ({"zone_warn_percent": 150}, "zone_warn_percent"), ({"disabled": ["bogus"]}, "disabled.0"),
                        ({"duplicate_spike": {"count": 3}}, "duplicate_spike.minutes"), ({"extra": 1}, "extra"),
                        ({"device_silent_minutes": "5"}, "device_silent_minutes")]:
        r = admin.put(url, body)
        assert r.status_code == 422 and r.mimetype == "application/problem+json", (body, r.json)
        assert any(k.startswith(field) for k in r.json["errors"]), (field, r.json["errors"])
    assert admin.get(url).json == defaults
    assert admin.as_role(token("viewer")).get(url).status_code == 403
    good = {"webhook_url": "http://127.0.0.1:9/hook", "zone_capacity": {"hall": 500}, "disabled": ["passback"]}
    saved = admin.put(url, good).json
    assert saved["zone_capacity"] == {"hall": 500} and saved["webhook_url"] == good["webhook_url"]
    assert saved["oversell_margin"] == 5  # left out: the default


def test_crowd_alerts_zone_capacity_and_duplicate_spike(app, admin, make_event, issue):
    make_event()
    admin.put("/api/v1/events/ev/alert-settings", {"zone_capacity": {"hall": 4}, "zone_warn_percent": 75,
                                                   "duplicate_spike": {"count": 2, "minutes": 5}})
    tickets = issue(n=4)
    for t in tickets[:3]:
        admin.post(SCAN, {"code": t["code"], "gate": "north"})
    assert kinds(app, admin) == [("zone_capacity", "hall is near capacity: 3 inside of 4")]
    admin.post(SCAN, {"code": tickets[3]["code"], "gate": "north"})
    for i in range(3):
        admin.post(SCAN, {"code": tickets[0]["code"], "gate": "north", "device": f"again-{i}"})
    found = kinds(app, admin)
    assert ("zone_capacity", "hall is full: 4 inside, capacity 4") in found
    assert ("duplicate_spike", "3 duplicate scans in the last 5 min") in found
    counts = admin.get("/api/v1/events/ev/counts/live").json
    assert counts["zones"]["hall"]["capacity"] == 4


def test_a_ticket_tried_at_a_second_gate_and_offline_conflicts(app, admin, make_event, issue):
    make_event()
    a, b = issue(n=2)
    admin.post(SCAN, {"code": a["code"], "gate": "north"})
    admin.post(SCAN, {"code": a["code"], "gate": "south", "device": "t2"})
    admin.post(SCAN, {"code": a["code"], "gate": "south", "device": "t3"})  # the same passback: one alert
    admin.post(SCAN, {"code": b["code"], "gate": "north"})
    r = admin.post(f"{SCAN}/batch", {"scans": [{"code": b["code"], "gate": "south", "offline": True, "nonce": "o-1",
                                                "scanned_at": scanned_now(), "device": "offline-tab"}]})
    assert r.status_code == 200 and r.json["conflicts"] == 1
    found = open_alerts(app, admin)
    assert sorted(a["kind"] for a in found) == ["offline_conflict", "passback"]
    passback = next(x for x in found if x["kind"] == "passback")
    assert passback["data"]["ticket_id"] == a["id"] and passback["data"]["first_gate"] == "north"
    assert "Guest" not in str(found)


def test_a_device_silent_too_long(app, admin, token, make_event):
    make_event()
    gate = admin.as_role(token("gate", "ev"))
    assert gate.post("/api/v1/events/ev/devices/heartbeat", {"gate": "north", "device": "tab-1"}).status_code == 204
    bad = gate.post("/api/v1/events/ev/devices/heartbeat", {"gate": "nowhere", "device": "tab-1"})
    assert bad.status_code == 404
    hub_of(app).settle()
    with app.app_context():
        assert check_devices() == []
        [silent] = check_devices(utcnow() + timedelta(minutes=20))
        assert silent["kind"] == "device_silent" and silent["data"]["device"] == "tab-1"
        assert check_devices(utcnow() + timedelta(minutes=25)) == []  # latched: raised once
        db.session.remove()


def test_a_serving_hub_writes_the_devices_it_heard_from_on_its_own_clock(tmp_path):
    with threaded_app(tmp_path, LIVE_WATCH_SECONDS=0.2) as app:
        with app.app_context():
            admin = Api(app.test_client(), create_token("admin"))
        admin.post("/api/v1/events", {"slug": "ev", "name": "Ev", "timezone": "UTC", "starts_at": iso(NOW),
                                      "ends_at": iso(NOW + timedelta(days=1))})
        admin.post("/api/v1/events/ev/ticket-types", {"code": "GA", "name": "General", "capacity": 5,
                                                      "badge_type": "General"})
        admin.post("/api/v1/events/ev/gates", {"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]})
        [ticket] = admin.post("/api/v1/events/ev/tickets", {"tickets": [{"type": "GA", "holder": {"name": "A"}}]}
                              ).json["tickets"]

        def devices():
            with app.app_context():
                seen = dict(db.session.execute(select(GateDevice.device, GateDevice.gate_code)).all())
                db.session.remove()
            return seen

        beat = admin.post("/api/v1/events/ev/devices/heartbeat", {"gate": "north", "device": "tab-1"})
        assert beat.status_code == 204
        wait_for(lambda: devices() == {"tab-1": "north"})  # no task needed: each node writes its own sightings
        admin.post(SCAN, {"code": ticket["code"], "gate": "north", "device": "tab-2"})
        wait_for(lambda: devices() == {"tab-1": "north", "tab-2": "north"})
