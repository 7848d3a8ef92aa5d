"""Two `gate serve` nodes sharing PostgreSQL and Redis behave as one service."""
import os
import time

import pytest
import socketio

from live_servers import (
    REDIS_URL,
    Screen,
    new_channel,
    node_env,
    prepare,
    two_nodes,
)

POSTGRES = os.environ.get("GATE_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not (REDIS_URL and POSTGRES), reason="needs GATE_TEST_REDIS_URL and a PostgreSQL URL")
EVENT = {"slug": "ev", "name": "Ev", "timezone": "UTC", "starts_at": "2020-01-01T00:00:00+00:00",
         "ends_at": "2199-01-01T00:00:00+00:00"}


@pytest.fixture
def nodes(tmp_path, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the nodes share a PostgreSQL database")
    tokens = prepare(database_url, tmp_path)
    env = node_env(database_url, new_channel())
    with two_nodes(env, tmp_path) as (a, b):
        a.tokens = b.tokens = tokens
        yield a, b


def test_a_scan_on_one_node_reaches_a_screen_on_the_other_and_the_last_seat_is_sold_once(nodes):
    a, b = nodes
    admin = a.tokens["admin"]
    assert a.call("POST", "/api/v1/events", admin, EVENT)[0] == 201
    assert a.call("POST", "/api/v1/events/ev/ticket-types", admin, {
        "code": "GA", "name": "General", "capacity": 3, "badge_type": "General", "price": "10.00"})[0] == 201
    assert a.call("POST", "/api/v1/events/ev/channels", admin, {"code": "onsite", "name": "Box office"})[0] == 201
    assert a.call("POST", "/api/v1/events/ev/gates", admin,
                  {"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]})[0] == 201
    status, issued = a.call("POST", "/api/v1/events/ev/tickets", admin,
                            {"tickets": [{"type": "GA", "holder": {"name": "Ada"}}]})
    assert status == 201
    screen = Screen(b.url, b.tokens["supervisor"])  # the dashboard is connected to node B
    try:
        assert screen.join(event="ev")["ok"]
        screen.wait("counts")
        status, answer = a.call("POST", "/api/v1/events/ev/scans", a.tokens["gate"],
                                {"code": issued["tickets"][0]["code"], "gate": "north"})  # scanned on node A
        assert status == 200 and answer["status"] == "ok"
        seen = screen.wait("scan", lambda s: s["id"] == answer["scan"]["id"], timeout=5)
        assert seen["holder"]["name"] == "Ada"
        screen.wait("counts", lambda c: c["zones"]["hall"]["inside"] == 1, timeout=5)

        sale = {"type": "GA", "channel": "onsite", "quantity": 2, "payment": {"method": "cash"}}
        assert b.call("POST", "/api/v1/events/ev/sales", b.tokens["admin"], sale)[0] == 201  # the last two seats
        status, refused = a.call("POST", "/api/v1/events/ev/sales", a.tokens["admin"],
                                 {**sale, "quantity": 1})
        assert status == 409, refused
        screen.wait("inventory", lambda inv: inv["types"][0]["available"] == 0, timeout=5)
        screen.wait("alert", lambda alert: alert["kind"] == "sold_out", timeout=5)
    finally:
        screen.close()


def test_a_token_revoked_on_one_node_closes_its_live_socket_on_the_other_within_a_second(tmp_path, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the nodes share a PostgreSQL database")
    tokens = prepare(database_url, tmp_path)
    env = {**node_env(database_url, new_channel()), "GATE_LIVE_TOKEN_CHECK_SECONDS": "600"}  # Redis alone tells
    with two_nodes(env, tmp_path) as (a, b):
        assert a.call("POST", "/api/v1/events", tokens["admin"], EVENT)[0] == 201
        status, made = a.call("POST", "/api/v1/events/ev/pairing-codes", tokens["supervisor"],
                              {"role": "viewer", "name": "Wall screen"})
        assert status == 201, made
        status, paired = b.call("POST", "/api/v1/pair", "", {"code": made["code"]})
        assert status == 201, paired
        wall, bystander = Screen(b.url, paired["token"]), Screen(b.url, tokens["viewer"])  # both on node B
        try:
            assert wall.join(event="ev")["ok"] and bystander.join(event="ev")["ok"]
            started = time.monotonic()
            status, _ = a.call("POST", f"/api/v1/events/ev/tokens/{paired['id']}/revoke", tokens["supervisor"])
            assert status == 200
            assert wall.closed.wait(1.0), "node B kept the revoked token's socket open"
            took = time.monotonic() - started
            assert wall.wait("signed_out", timeout=0.1)["reason"] == "revoked"
            assert not bystander.closed.is_set() and bystander.client.connected
            with pytest.raises(socketio.exceptions.ConnectionError):
                Screen(b.url, paired["token"])  # and it cannot connect again, on either node
            with pytest.raises(socketio.exceptions.ConnectionError):
                Screen(a.url, paired["token"])
            print(f"revoked on node A, socket on node B closed after {took * 1000:.0f} ms")
        finally:
            bystander.close()
