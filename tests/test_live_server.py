"""Real python-socketio clients against `gate serve` with Redis as the message queue."""
import subprocess

import pytest
import socketio

from live_servers import GATE, REDIS_URL, Node, Screen, new_channel, node_env, prepare

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="GATE_TEST_REDIS_URL is not set")
EVENT = {"slug": "ev", "name": "Ev", "timezone": "UTC", "starts_at": "2020-01-01T00:00:00+00:00",
         "ends_at": "2199-01-01T00:00:00+00:00"}


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """One node on a SQLite file, with an event of 50 General tickets and two gates."""
    tmp = tmp_path_factory.mktemp("live-node")
    url = f"sqlite:///{tmp / 'gate.db'}"
    tokens = prepare(url, tmp)
    env = node_env(url, new_channel())
    server = Node(env, tmp)
    admin = tokens["admin"]
    assert server.call("POST", "/api/v1/events", admin, EVENT)[0] == 201
    server.call("POST", "/api/v1/events/ev/ticket-types", admin,
                {"code": "GA", "name": "General", "capacity": 60, "badge_type": "General"})
    for code in ("north", "south"):
        server.call("POST", "/api/v1/events/ev/gates", admin,
                    {"code": code, "name": code.title(), "zone": "hall", "admits": ["GA"], "direction": "both"})
    status, issued = server.call("POST", "/api/v1/events/ev/tickets", admin, {"tickets": [
        {"type": "GA", "holder": {"name": f"Guest {i}", "company": "Acme"}} for i in range(50)]})
    assert status == 201
    server.tokens, server.env, server.tmp = tokens, env, tmp
    server.codes = [t["code"] for t in issued["tickets"]]
    yield server
    server.stop()


@pytest.fixture
def screen(node):
    screens = []

    def open_screen(role: str = "viewer", **join) -> Screen:
        s = Screen(node.url, node.tokens[role])
        screens.append(s)
        ack = s.join(event="ev", **join)
        assert ack["ok"], ack
        return s
    yield open_screen
    for s in screens:
        s.close()


def test_a_bad_token_is_refused(node):
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(node.url, namespaces=["/live"], auth={"token": "nope"}, transports=["websocket"],
                       wait_timeout=5)


def test_a_scan_reaches_a_connected_screen_within_a_moment(node, screen):
    viewer, supervisor = screen("viewer"), screen("supervisor")
    before = viewer.wait("counts")["zones"]["hall"]["inside"]
    status, answer = node.call("POST", "/api/v1/events/ev/scans", node.tokens["gate"],
                               {"code": node.codes[0], "gate": "north"})
    assert status == 200 and answer["status"] == "ok"
    scan = viewer.wait("scan", lambda s: s["id"] == answer["scan"]["id"], timeout=3)
    assert "holder" not in scan and scan["gate"] == "north"
    full = supervisor.wait("scan", lambda s: s["id"] == answer["scan"]["id"], timeout=3)
    assert full["holder"]["name"] == "Guest 0"
    viewer.wait("counts", lambda c: c["zones"]["hall"]["inside"] == before + 1, timeout=3)


def test_the_command_line_emits_through_the_queue(node, screen):
    viewer = screen("viewer", scans="none")
    sold = viewer.wait("inventory")["types"][0]["sold"]
    csv = node.tmp / "more.csv"
    csv.write_text("type,name\nGA,Late Arrival\nGA,Later Arrival\n")
    done = subprocess.run([GATE, "import", str(csv), "--event", "ev"], env=node.env, cwd=node.tmp,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    viewer.wait("inventory", lambda inv: inv["types"][0]["sold"] == sold + 2, timeout=5)
