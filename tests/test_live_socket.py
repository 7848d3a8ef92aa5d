"""The /live namespace through Flask-SocketIO's test client (no message queue)."""
import json
import time

import pytest

from checkin.auth import create_token
from checkin.extensions import socketio
from checkin.live.hub import hub_of
from helpers import Api
from live_helpers import by_name, received, threaded_app, wait_for

SCAN = "/api/v1/events/ev/scans"


def connect(app, bearer, **join):
    """A test client connected with a token; joined to the event when `join` is given."""
    settle(app)  # what was set up before is not news to this screen
    client = socketio.test_client(app, namespace="/live", auth={"token": bearer})
    assert client.is_connected("/live")
    if join:
        ack = client.emit("join", join, namespace="/live", callback=True)
        assert ack["ok"] is True, ack
    return client


def settle(app):
    hub_of(app).settle()


def test_a_connection_needs_a_valid_token(app, token):
    for auth in [None, {}, {"token": "nope"}, {"token": 12}, "token", {"token": "x" * 5000}]:
        client = socketio.test_client(app, namespace="/live", auth=auth)
        assert not client.is_connected("/live"), auth
    assert connect(app, token("viewer")).is_connected("/live")


def test_join_answers_problems_and_never_fails(app, token, make_event):
    make_event()
    make_event("other")
    client = connect(app, token("viewer", "ev"))
    for payload, status in [(None, 422), ("ev", 422), ([], 422), ({}, 422), ({"event": 5}, 422),
                            ({"event": "EV!"}, 422), ({"event": "x" * 300}, 422), ({"event": "ev", "x": 1}, 422),
                            ({"event": "ev", "scans": "some"}, 422), ({"event": "nope"}, 404),
                            ({"event": "other"}, 403), ({"event": "ev\u0000"}, 422)]:
        ack = client.emit("join", payload, namespace="/live", callback=True)
        assert ack["ok"] is False and ack["status"] == status, (payload, ack)
    assert received(client) == []  # a refused join sends nothing


def test_join_sends_counts_and_inventory_at_once(app, admin, token, make_event, issue):
    make_event()
    issue(n=2)
    client = connect(app, token("viewer"))
    ack = client.emit("join", {"event": "ev"}, namespace="/live", callback=True)
    assert ack == {"ok": True, "event": "ev", "role": "viewer", "personal": False, "scans": "all"}
    messages = client.get_received("/live")
    assert [m["name"] for m in messages] == ["counts", "inventory"]
    counts, inventory = messages[0]["args"][0], messages[1]["args"][0]
    assert set(counts["gates"]) == {"north", "south", "lounge"} and counts["zones"]["hall"]["inside"] == 0
    assert inventory["types"][0]["sold"] == 2


def test_a_scan_reaches_the_screens_with_personal_data_only_for_ticket_readers(app, admin, token, make_event,
                                                                               issue):
    make_event()
    t = issue()[0]
    viewer = connect(app, token("viewer"), event="ev")
    supervisor = connect(app, token("supervisor"), event="ev")
    received(viewer), received(supervisor)
    admin.post(SCAN, {"code": t["code"], "gate": "north"})
    settle(app)
    seen, seen_full = by_name(viewer), by_name(supervisor)
    [public], [full] = seen["scan"], seen_full["scan"]
    assert public["gate"] == "north" and public["status"] == "ok" and public["type"] == "GA"
    assert "holder" not in public and "ticket_id" not in public
    assert full["holder"] == {"name": t["holder"]["name"], "company": "Acme"} and full["ticket_id"] == t["id"]
    assert seen["counts"][-1]["zones"]["hall"]["inside"] == 1 == seen_full["counts"][-1]["zones"]["hall"]["inside"]


def test_viewers_never_receive_personal_data(app, admin, token, make_event, issue):
    make_event()
    tickets = issue(n=3)
    viewer = connect(app, token("viewer"), event="ev")
    supervisor = token("supervisor")
    admin.post(SCAN, {"code": tickets[0]["code"], "gate": "north"})
    admin.post(SCAN, {"code": tickets[0]["code"], "gate": "south", "device": "other"})  # duplicate elsewhere
    admin.post(SCAN, {"code": tickets[1]["code"], "gate": "lounge"})  # refused: not admitted
    admin.post("/api/v1/events/ev/tickets", {"tickets": [{"type": "GA", "holder": {"name": "Zed Newcomer",
                                                                                    "email": "zed@example.org"}}]})
    Api(admin.client, supervisor).post(f"/api/v1/events/ev/tickets/{tickets[2]['id']}/void", {"reason": "refund"})
    settle(app)
    everything = json.dumps(viewer.get_received("/live"))
    assert '"scan"' in everything and '"alert"' in everything and '"inventory"' in everything
    for personal in ["Guest", "Acme", "Zed", "example.org", "holder"]:
        assert personal not in everything


def test_subscriptions_all_refused_or_no_scans(app, admin, token, make_event, issue):
    make_event()
    a, b = issue(n=2)
    everything = connect(app, token("viewer"), event="ev")
    refused_only = connect(app, token("viewer"), event="ev", scans="refused")
    no_scans = connect(app, token("viewer"), event="ev", scans="none")
    for c in (everything, refused_only, no_scans):
        c.get_received("/live")
    admin.post(SCAN, {"code": a["code"], "gate": "north"})
    admin.post(SCAN, {"code": b["code"], "gate": "lounge"})
    settle(app)
    assert [s["status"] for s in received(everything, "scan")] == ["ok", "refused"]
    assert [s["reason"] for s in received(refused_only, "scan")] == ["not_admitted"]
    assert received(no_scans, "scan") == []


def test_leave_and_rejoin_switch_events(app, admin, token, make_event, issue):
    make_event()
    make_event("other")
    t = issue()[0]
    client = connect(app, token("viewer"), event="ev")
    assert client.emit("join", {"event": "other"}, namespace="/live", callback=True)["ok"]
    settle(app)
    client.get_received("/live")
    admin.post(SCAN, {"code": t["code"], "gate": "north"})
    settle(app)
    assert received(client) == []  # the screen now shows the other event
    client.emit("join", {"event": "ev"}, namespace="/live", callback=True)
    assert client.emit("leave", {}, namespace="/live", callback=True) == {"ok": True}
    client.get_received("/live")
    admin.post(SCAN, {"code": t["code"], "gate": "north", "direction": "out"})
    settle(app)
    assert received(client) == []


def test_a_rolled_back_change_shows_nothing(app, admin, token, make_event, issue):
    make_event(types=[{"code": "GA", "name": "General", "capacity": 2, "badge_type": "General"}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]}])
    t = issue()[0]
    client = connect(app, token("viewer"), event="ev")
    client.get_received("/live")
    r = admin.post("/api/v1/events/ev/tickets", {"tickets": [{"type": "GA", "holder": {"name": f"N{i}"}}
                                                             for i in range(2)]})
    assert r.status_code == 409  # one seat left: nothing imported
    for _ in range(3):
        admin.post(SCAN, {"code": t["code"], "gate": "north", "nonce": "same"})
    settle(app)
    names = [m["name"] for m in client.get_received("/live")]
    assert names.count("scan") == 1 and "inventory" not in names


@pytest.fixture
def background_app(tmp_path):
    """The app with its hub on a thread, as `gate serve` runs it (counts coalesced)."""
    with threaded_app(tmp_path) as app:
        yield app


def test_a_burst_of_scans_sends_a_few_complete_snapshots(background_app):
    app = background_app
    with app.app_context():
        admin = Api(app.test_client(), create_token("admin"))
        viewer = create_token("viewer")
    admin.post("/api/v1/events", {"slug": "ev", "name": "Ev", "timezone": "UTC",
                                  "starts_at": "2020-01-01T00:00:00+00:00", "ends_at": "2199-01-01T00:00:00+00:00"})
    admin.post("/api/v1/events/ev/ticket-types", {"code": "GA", "name": "General", "capacity": 300,
                                                  "badge_type": "General"})
    admin.post("/api/v1/events/ev/gates", {"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]})
    codes = [t["code"] for t in admin.post("/api/v1/events/ev/tickets", {"tickets": [
        {"type": "GA", "holder": {"name": f"G{i}"}} for i in range(300)]}).json["tickets"]]
    client = connect(app, viewer, event="ev", scans="none")
    started = time.monotonic()
    for code in codes:
        admin.post(SCAN, {"code": code, "gate": "north"})
    elapsed = time.monotonic() - started
    snapshots: list[dict] = []

    def complete():
        snapshots.extend(received(client, "counts"))
        return snapshots and snapshots[-1]["totals"]["entries"] == 300

    wait_for(complete)
    versions = [c["version"] for c in snapshots]
    assert versions == sorted(versions) and snapshots[-1]["zones"]["hall"]["inside"] == 300
    # 300 scans sent at most a few snapshots a second (one per interval), never one per scan.
    interval = app.config["LIVE_COUNTS_INTERVAL"]
    assert interval >= 0.1 and len(snapshots) <= elapsed / interval + 3, (len(snapshots), elapsed)
