"""A token that stops working closes its open /live sockets (Flask-SocketIO's test client, no queue)."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from checkin.auth import create_token
from checkin.extensions import db, socketio
from checkin.live.hub import hub_of
from checkin.models import ApiToken, utcnow
from helpers import Api


@pytest.fixture
def ev(make_event):
    return make_event()


def new_token(app, role="viewer", name="Wall screen", **kw) -> tuple[str, int]:
    with app.app_context():
        bearer = create_token(role, "ev", None, name, **kw)
        return bearer, db.session.scalar(select(ApiToken.id).order_by(ApiToken.id.desc()))


def live(app, bearer):
    hub_of(app).settle()
    client = socketio.test_client(app, namespace="/live", auth={"token": bearer})
    assert client.is_connected("/live")
    ack = client.emit("join", {"event": "ev"}, namespace="/live", callback=True)
    assert ack["ok"] is True, ack
    client.get_received("/live")
    return client


def signed_out(client) -> list[dict]:
    """The signed_out messages a socket got (read from the test client's queue: it may be closed by now)."""
    return [m["args"][0] for m in client.queue if m["name"] == "signed_out" and m["namespace"] == "/live"]


def test_revoking_a_token_closes_its_sockets_at_once_and_no_other(app, client, token, ev):
    supervisor = Api(client, token("supervisor", "ev"))
    screen, screen_id = new_token(app)
    other, other_id = new_token(app, name="Other screen")
    first, second, bystander = live(app, screen), live(app, screen), live(app, other)

    assert supervisor.post(f"/api/v1/events/ev/tokens/{screen_id}/revoke").status_code == 200
    hub_of(app).settle()  # what follows the commit (the hub's thread does this on a server)

    for closed in (first, second):
        assert not closed.is_connected("/live")
    assert signed_out(first) == [{"reason": "revoked", "detail": "This token was revoked: sign in again."}]
    assert bystander.is_connected("/live") and signed_out(bystander) == []
    again = socketio.test_client(app, namespace="/live", auth={"token": screen})
    assert not again.is_connected("/live")
    assert list(hub_of(app).sockets.tokens.values()) == [other_id]  # nothing kept for a closed socket


def test_a_device_signing_itself_out_closes_its_live_connection(app, client, ev):
    screen, _ = new_token(app)
    socket = live(app, screen)
    assert Api(client, screen).post("/api/v1/me/revoke").status_code == 200
    hub_of(app).settle()
    assert not socket.is_connected("/live")


def test_the_check_closes_sockets_of_tokens_revoked_elsewhere_or_expired(app, ev):
    revoked_elsewhere, revoked_id = new_token(app)
    expiring, expiring_id = new_token(app, expires_at=utcnow() + timedelta(hours=1))
    fine, _ = new_token(app)
    a, b, c = live(app, revoked_elsewhere), live(app, expiring), live(app, fine)
    with app.app_context():  # as `gate token revoke` without Redis, or another node, would: only the row changes
        db.session.execute(update(ApiToken).where(ApiToken.id == revoked_id).values(revoked_at=utcnow()))
        db.session.execute(update(ApiToken).where(ApiToken.id == expiring_id)
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert a.is_connected("/live") and b.is_connected("/live")  # not told yet
        hub_of(app).sockets.check()
    assert not a.is_connected("/live") and [m["reason"] for m in signed_out(a)] == ["revoked"]
    assert not b.is_connected("/live") and [m["reason"] for m in signed_out(b)] == ["expired"]
    assert c.is_connected("/live")


def test_revoking_from_the_command_line_closes_the_sockets_too(app, runner, ev):
    screen, screen_id = new_token(app)
    socket = live(app, screen)
    result = runner.invoke(args=["token", "revoke", str(screen_id)])
    assert result.exit_code == 0, result.output
    hub_of(app).settle()
    assert not socket.is_connected("/live")
