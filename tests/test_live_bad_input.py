"""Bad input to the live endpoints: a 4xx problem naming the field, and nothing written."""
import pytest
from sqlalchemy import select

from checkin.extensions import db

SETTINGS = {"webhook_url": "http://127.0.0.1:9/hook", "low_stock": {"GA": {"*": 5}}, "oversell_margin": 3,
            "duplicate_spike": {"count": 5, "minutes": 2}, "device_silent_minutes": 10,
            "zone_capacity": {"hall": 100}, "zone_warn_percent": 80, "disabled": ["passback"]}
BODIES = [
    ("PUT", "/api/v1/events/ev/alert-settings", SETTINGS),
    ("POST", "/api/v1/events/ev/alerts/{alert}/ack", {"note": "on it"}),
    ("POST", "/api/v1/events/ev/devices/heartbeat", {"gate": "north", "device": "tab-1"}),
]
JUNK = [b"{bad json", b"\x00\xff\xfe\x80binary", b"[1, 2, 3]", b'"a string"', b"12"]


def wrong_values(value):
    if isinstance(value, bool):
        return ["maybe", [], {"a": 1}]
    if isinstance(value, int):
        return ["ten", -1, 10**30, 1.5, True]
    if isinstance(value, str):
        return [123, ["x"], {"x": 1}, "x" * 100_000, "\x00\x01junk", "\ud800", "\x1b[31m"]
    if isinstance(value, list):
        return ["x", {"a": 1}, [None], [123], ["x" * 5000]]
    return ["x", [1], {"": 1}, {"x" * 300: 1}, {k: None for k in value}, {k: "x" for k in value}]


def everything() -> dict:
    return {t.name: sorted(map(repr, db.session.execute(select(t)).all())) for t in db.metadata.sorted_tables}


@pytest.fixture
def seeded(app, admin, make_event, issue):
    make_event(types=[{"code": "GA", "name": "General", "capacity": 1, "badge_type": "General"}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]}])
    issue()  # sold out: one alert to acknowledge
    from checkin.live.hub import hub_of

    hub_of(app).settle()
    return {"alert": admin.get("/api/v1/events/ev/alerts").json["alerts"][0]["id"]}


def refused(r, what) -> dict:
    assert 400 <= r.status_code < 500, (what, r.status_code, r.get_data()[:300])
    assert r.content_type == "application/problem+json", what
    return r.get_json(force=True)


@pytest.mark.parametrize("method,path,body", BODIES, ids=[p for _, p, _ in BODIES])
def test_bad_bodies_are_refused_and_change_nothing(app, admin, seeded, method, path, body):
    path = path.format(**seeded)
    send = {"POST": admin.client.post, "PUT": admin.client.put}[method]
    with app.app_context():
        before = everything()
    for raw in JUNK:
        refused(send(path, data=raw, headers={**admin.headers, "Content-Type": "application/json"}), raw)
    for key, value in body.items():
        for bad in wrong_values(value):
            answer = refused(send(path, json={**body, key: bad}, headers=admin.headers), (key, str(bad)[:50]))
            assert any(k.startswith(key) for k in answer.get("errors", {})), (key, answer)
    refused(send(path, json={**body, "unexpected": 1}, headers=admin.headers), "unknown field")
    with app.app_context():
        assert everything() == before


@pytest.mark.parametrize("query", ["state=bogus", "limit=0", "limit=100000", "before=-1", "before=x",
                                   "limit=" + "9" * 50, "state=%00"])
def test_bad_alert_queries_are_refused(admin, seeded, query):
    refused(admin.get(f"/api/v1/events/ev/alerts?{query}"), query)


def test_unknown_things_are_404_and_roles_are_enforced(admin, token, seeded):
    assert admin.get("/api/v1/events/nope/alerts").status_code == 404
    assert admin.get("/api/v1/events/nope/counts/live").status_code == 404
    assert admin.post("/api/v1/events/ev/alerts/99999999999/ack", {}).status_code == 404
    gate = admin.as_role(token("gate", "ev"))
    assert gate.put("/api/v1/events/ev/alert-settings", SETTINGS).status_code == 403
    assert gate.post(f"/api/v1/events/ev/alerts/{seeded['alert']}/ack", {}).status_code == 403
    viewer = admin.as_role(token("viewer", "ev"))
    assert viewer.post("/api/v1/events/ev/devices/heartbeat", {"gate": "north", "device": "x"}).status_code == 403
    assert viewer.get("/api/v1/events/ev/counts/live").status_code == 200
