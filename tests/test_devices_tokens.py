"""Tokens as devices: revoked at once, on every node sharing the database."""
import pytest
from helpers import Api
from sqlalchemy import select, update

from checkin import create_app
from checkin.auth import create_token
from checkin.extensions import db
from checkin.models import ApiToken, utcnow


@pytest.fixture
def ev(make_event):
    return make_event()


def test_401_says_why(client, ev):
    assert client.get("/api/v1/events/ev").json["reason"] == "missing"
    unknown = client.get("/api/v1/events/ev", headers={"Authorization": "Bearer not-a-token"})
    assert unknown.status_code == 401 and unknown.json["reason"] == "unknown"
    assert unknown.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoking_on_one_node_stops_the_token_on_another_at_once(database_url, tmp_path, issue, ev):
    """Two app instances (two nodes) on one database: each checks the token on every request."""
    nodes = []
    for name in ("a", "b"):
        node = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test"})
        node.instance_path = str(tmp_path / name)
        nodes.append(node)
    a, b = nodes
    with a.app_context():
        tablet = create_token("gate", "ev", "north", "Tablet")
        tablet_id = db.session.scalar(select(ApiToken.id).where(ApiToken.label == "Tablet"))
    on_b = Api(b.test_client(), tablet)
    codes = [t["code"] for t in issue(n=2)]
    for _ in range(3):  # used on B first, so whatever B may keep about the token is warm
        assert on_b.get("/api/v1/events/ev").status_code == 200
    assert on_b.post("/api/v1/events/ev/scans", {"code": codes[0], "gate": "north"}).json["status"] == "ok"
    with a.app_context():
        db.session.execute(update(ApiToken).where(ApiToken.id == tablet_id).values(revoked_at=utcnow()))
        db.session.commit()
    refused = on_b.post("/api/v1/events/ev/scans", {"code": codes[1], "gate": "north"})
    assert refused.status_code == 401 and refused.json["reason"] == "revoked"
    for node in nodes:
        with node.app_context():
            db.engine.dispose()
