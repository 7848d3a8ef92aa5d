"""Tokens as devices: listed, named, expiring, revoked at once (on every node sharing the database)."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from checkin import create_app
from checkin.auth import create_token
from checkin.extensions import db, socketio
from checkin.models import ApiToken, utcnow
from helpers import Api


@pytest.fixture
def ev(make_event):
    return make_event()


@pytest.fixture
def supervisor(client, token, ev):
    return Api(client, token("supervisor", "ev"))


def device(app, client, role="gate", event="ev", gate="north", name="North gate tablet", **kw) -> tuple[Api, int]:
    with app.app_context():
        bearer = create_token(role, event, gate, name, **kw)
        token_id = db.session.scalar(select(ApiToken.id).order_by(ApiToken.id.desc()))
    return Api(client, bearer), token_id


def test_the_event_lists_its_tokens_and_marks_the_callers_own(app, client, supervisor, make_event):
    make_event("other")
    _, tablet_id = device(app, client)
    device(app, client, event="other", gate=None, role="viewer", name="Elsewhere")
    listed = supervisor.get("/api/v1/events/ev/tokens").json["tokens"]
    names = [t["name"] for t in listed]
    assert "North gate tablet" in names and "Elsewhere" not in names
    row = next(t for t in listed if t["id"] == tablet_id)
    assert {k: row[k] for k in ("role", "event", "gate", "state", "current", "revoked_at", "expires_at")} == {
        "role": "gate", "event": "ev", "gate": "north", "state": "active", "current": False,
        "revoked_at": None, "expires_at": None}
    assert [t["current"] for t in listed].count(True) == 1  # the supervisor's own token


def test_a_revoked_token_stops_at_once_and_lists_as_revoked(app, client, supervisor, issue):
    tablet, tablet_id = device(app, client)
    code = issue()[0]["code"]
    assert tablet.get("/api/v1/me").status_code == 200
    r = supervisor.post(f"/api/v1/events/ev/tokens/{tablet_id}/revoke")
    assert r.status_code == 200 and r.json["state"] == "revoked" and r.json["revoked_at"]
    refused = tablet.post("/api/v1/events/ev/scans", {"code": code, "gate": "north"})
    assert refused.status_code == 401 and refused.json["reason"] == "revoked"
    assert "revoked" in refused.json["detail"]
    assert tablet_id not in [t["id"] for t in supervisor.get("/api/v1/events/ev/tokens").json["tokens"]]
    every = supervisor.get("/api/v1/events/ev/tokens?state=all").json["tokens"]
    assert next(t for t in every if t["id"] == tablet_id)["state"] == "revoked"
    again = supervisor.post(f"/api/v1/events/ev/tokens/{tablet_id}/revoke")  # a second click is no error
    assert again.status_code == 200 and again.json["revoked_at"] == r.json["revoked_at"]


def test_revoking_is_limited_to_the_event_and_the_roles_one_may_pair(app, client, supervisor, make_event):
    make_event("other")
    _, admin_id = device(app, client, role="admin", gate=None, name="Organiser")
    _, elsewhere_id = device(app, client, role="viewer", event="other", gate=None)
    assert supervisor.post(f"/api/v1/events/ev/tokens/{admin_id}/revoke").status_code == 403
    assert supervisor.post(f"/api/v1/events/ev/tokens/{elsewhere_id}/revoke").status_code == 404
    assert supervisor.post("/api/v1/events/ev/tokens/999999/revoke").status_code == 404
    desk, _ = device(app, client, role="badge_desk", gate=None)
    assert desk.get("/api/v1/events/ev/tokens").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == admin_id)) is None


def test_an_expired_token_stops_working(app, client, ev):
    tablet, tablet_id = device(app, client, expires_at=utcnow() + timedelta(hours=1))
    assert tablet.get("/api/v1/me").json["expires_at"]
    with app.app_context():
        db.session.execute(update(ApiToken).where(ApiToken.id == tablet_id)
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    refused = tablet.get("/api/v1/me")
    assert refused.status_code == 401 and refused.json["reason"] == "expired"


def test_a_device_can_sign_itself_out_for_good(app, client, ev):
    tablet, _ = device(app, client)
    assert tablet.post("/api/v1/me/revoke").json["state"] == "revoked"
    assert tablet.get("/api/v1/me").status_code == 401


def test_401_says_why(client, ev):
    assert client.get("/api/v1/me").json["reason"] == "missing"
    unknown = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert unknown.status_code == 401 and unknown.json["reason"] == "unknown"
    assert unknown.headers["WWW-Authenticate"].startswith("Bearer")


def test_last_use_is_kept_to_the_minute(app, client, ev):
    tablet, tablet_id = device(app, client)

    def last_used():
        with app.app_context():
            return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == tablet_id))

    assert last_used() is None
    assert tablet.get("/api/v1/me").status_code == 200
    first = last_used()
    assert first is not None and utcnow() - first < timedelta(seconds=10)
    tablet.get("/api/v1/me")
    assert last_used() == first  # within the minute: no second write
    with app.app_context():
        db.session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    tablet.get("/api/v1/events/ev")
    assert utcnow() - last_used() < timedelta(seconds=10)


def test_revoking_on_one_node_stops_the_token_on_another_at_once(database_url, tmp_path, issue, ev):
    """Two app instances (two nodes) on one database: each checks the token on every request."""
    nodes = []
    for name in ("a", "b"):
        node = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test"})
        node.instance_path = str(tmp_path / name)
        nodes.append(node)
    a, b = nodes
    with a.app_context():
        supervisor = create_token("supervisor", "ev")
        tablet = create_token("gate", "ev", "north", "Tablet")
        tablet_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "Tablet"))
    on_b = Api(b.test_client(), tablet)
    codes = [t["code"] for t in issue(n=2)]
    for _ in range(3):  # used on B first, so whatever B may keep about the token is warm
        assert on_b.get("/api/v1/me").status_code == 200
    assert on_b.post("/api/v1/events/ev/scans", {"code": codes[0], "gate": "north"}).json["status"] == "ok"
    assert Api(a.test_client(), supervisor).post(f"/api/v1/events/ev/tokens/{tablet_id}/revoke").status_code == 200
    refused = on_b.post("/api/v1/events/ev/scans", {"code": codes[1], "gate": "north"})
    assert refused.status_code == 401 and refused.json["reason"] == "revoked"
    for node in nodes:
        with node.app_context():
            db.engine.dispose()


def test_a_revoked_token_no_longer_opens_a_live_connection(app, client, admin, ev):
    tablet, tablet_id = device(app, client, role="viewer", gate=None)
    bearer = tablet.headers["Authorization"].split()[1]
    live = socketio.test_client(app, namespace="/live", auth={"token": bearer})
    assert live.is_connected("/live")
    live.disconnect("/live")
    assert admin.post(f"/api/v1/events/ev/tokens/{tablet_id}/revoke").status_code == 200
    refused = socketio.test_client(app, namespace="/live", auth={"token": bearer})
    assert not refused.is_connected("/live")
