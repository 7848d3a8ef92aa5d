"""Two `gate serve` processes on one database: a device paired on one node, revoked on the other,
is refused at once by both (no process keeps a token it was not told about)."""
import os
import subprocess

import pytest

from live_servers import GATE, Screen, prepare, two_nodes

pytestmark = pytest.mark.slow
EVENT = {"slug": "ev", "name": "Ev", "timezone": "UTC", "starts_at": "2020-01-01T00:00:00+00:00",
         "ends_at": "2199-01-01T00:00:00+00:00"}


@pytest.fixture
def nodes(tmp_path, database_url):
    tokens = prepare(database_url, tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "GATE_REDIS_URL"}  # no Redis: nothing to tell nodes
    env.update({"GATE_DATABASE_URL": database_url, "GATE_SECRET_KEY": "test"})
    with two_nodes(env, tmp_path) as (a, b):
        a.env = b.env = env
        yield a, b, tokens


def test_a_token_revoked_on_one_node_is_refused_by_the_other_at_once(nodes):
    a, b, tokens = nodes
    assert a.call("POST", "/api/v1/events", tokens["admin"], EVENT)[0] == 201
    status, made = a.call("POST", "/api/v1/events/ev/pairing-codes", tokens["supervisor"],
                          {"role": "viewer", "name": "Wall screen"})
    assert status == 201, made
    status, paired = b.call("POST", "/api/v1/pair", "", {"code": made["code"]})
    assert status == 201, paired
    for node in (a, b, a, b):  # both nodes have served the device
        assert node.call("GET", "/api/v1/me", paired["token"])[1]["name"] == "Wall screen"
    status, revoked = b.call("POST", f"/api/v1/events/ev/tokens/{paired['id']}/revoke", tokens["supervisor"])
    assert status == 200 and revoked["state"] == "revoked"
    for node in (a, b):
        status, refused = node.call("GET", "/api/v1/events/ev/counts", paired["token"])
        assert (status, refused["reason"]) == (401, "revoked")
    assert a.call("POST", "/api/v1/pair", "", {"code": made["code"]})[0] == 403  # and the code stays used


def test_a_token_revoked_from_the_command_line_closes_its_live_sockets_on_both_nodes(nodes, tmp_path):
    """No Redis: no node hears of the revocation, so each finds it in its next look at its sockets' tokens."""
    a, b, tokens = nodes
    assert a.call("POST", "/api/v1/events", tokens["admin"], EVENT)[0] == 201
    status, made = a.call("POST", "/api/v1/events/ev/pairing-codes", tokens["supervisor"],
                          {"role": "viewer", "name": "Wall screen"})
    assert status == 201, made
    status, paired = a.call("POST", "/api/v1/pair", "", {"code": made["code"]})
    assert status == 201, paired
    screens = [Screen(node.url, paired["token"]) for node in (a, b)]
    assert all(s.join(event="ev")["ok"] for s in screens)
    revoke = subprocess.run([GATE, "token", "revoke", str(paired["id"])], env=a.env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert revoke.returncode == 0, revoke.stderr
    for screen in screens:  # LIVE_TOKEN_CHECK_SECONDS is 2 by default
        assert screen.closed.wait(4), "a node kept the revoked token's socket open"
        assert screen.wait("signed_out", timeout=0.1)["reason"] == "revoked"
