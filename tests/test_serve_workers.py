"""`gate serve --workers 2` on PostgreSQL and Redis: two processes that behave as one server."""
import http.client
import json
import os
import re
import signal
import threading
import time
from pathlib import Path

import click
import pytest
import socketio
from conftest import fresh_database

from checkin import create_app
from checkin.commands.serve import _workers
from live_servers import REDIS_URL, Node, Screen, new_channel, node_env, prepare

POSTGRES = os.environ.get("GATE_TEST_POSTGRES_URL")
needs_services = pytest.mark.skipif(not (REDIS_URL and POSTGRES),
                                    reason="needs GATE_TEST_REDIS_URL and a PostgreSQL URL")
EVENT = {"slug": "ev", "name": "Ev", "timezone": "UTC", "starts_at": "2020-01-01T00:00:00+00:00",
         "ends_at": "2199-01-01T00:00:00+00:00"}
TICKETS = 40
TASKS_LINE = re.compile(r"Background tasks run in worker (\d+)")


class WorkersNode(Node):
    """A `gate serve --workers 2` whose standard error is kept, line by line, as it is written."""

    def __init__(self, env: dict, cwd: Path, *args: str):
        super().__init__(env, cwd, "--workers", "2", *args)
        self.said: list[str] = []
        threading.Thread(target=self._keep_stderr, daemon=True).start()

    def _keep_stderr(self) -> None:
        try:
            for line in self.process.stderr:
                self.said.append(line.decode(errors="replace"))
        except ValueError:  # closed by wait_stopped
            pass

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return sorted(int(pid) for pid in children)

    def task_runners(self) -> list[int]:
        return [int(m.group(1)) for line in list(self.said) for m in [TASKS_LINE.search(line)] if m]

    def worker_of(self, client_port: int) -> int | None:
        """The worker process holding the server side of the loopback connection from `client_port`."""
        inode = _server_socket_inode(self.port, client_port)
        for pid in self.workers():
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
                except OSError:
                    continue
        return None


def _server_socket_inode(server_port: int, client_port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = int(fields[1].rsplit(":", 1)[1], 16), int(fields[2].rsplit(":", 1)[1], 16)
            if local == server_port and remote == client_port:
                return fields[9]
    return None


def connections_to_each_worker(node: WorkersNode) -> dict[int, http.client.HTTPConnection]:
    """Keep-alive connections until each worker holds one (the kernel hands each to whichever accepts)."""
    kept: dict[int, http.client.HTTPConnection] = {}
    for _ in range(200):
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=30)
        conn.request("GET", "/api/v1/openapi.json")
        conn.getresponse().read()  # answered: the connection now belongs to one worker
        pid = node.worker_of(conn.sock.getsockname()[1])
        if pid is not None and pid not in kept:
            kept[pid] = conn
        else:
            conn.close()
        if len(kept) == 2:
            return kept
    raise AssertionError(f"could not reach both workers; reached {sorted(kept)}")


def call(conn: http.client.HTTPConnection, method: str, path: str, token: str, body: dict | None = None):
    conn.request(method, path, json.dumps(body) if body is not None else None,
                 {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    answer = conn.getresponse()
    data = answer.read()
    return answer.status, json.loads(data) if data else {}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Two workers on a PostgreSQL schema of their own, with an event of 40 tickets and two gates."""
    if not (REDIS_URL and POSTGRES):
        pytest.skip("needs GATE_TEST_REDIS_URL and a PostgreSQL URL")
    tmp = tmp_path_factory.mktemp("workers")
    with fresh_database("postgres", tmp) as url:
        tokens = prepare(url, tmp)
        node = WorkersNode(node_env(url, new_channel()), tmp)
        try:
            admin = tokens["admin"]
            assert node.call("POST", "/api/v1/events", admin, EVENT)[0] == 201
            assert node.call("POST", "/api/v1/events/ev/ticket-types", admin, {
                "code": "GA", "name": "General", "capacity": TICKETS, "badge_type": "General"})[0] == 201
            for code in ("north", "south"):
                assert node.call("POST", "/api/v1/events/ev/gates", admin, {
                    "code": code, "name": code.title(), "zone": "hall", "admits": ["GA"],
                    "direction": "both"})[0] == 201
            status, issued = node.call("POST", "/api/v1/events/ev/tickets", admin, {"tickets": [
                {"type": "GA", "holder": {"name": f"Guest {i}"}} for i in range(TICKETS)]})
            assert status == 201
            node.tokens, node.codes = tokens, [t["code"] for t in issued["tickets"]]
            yield node
        finally:
            node.stop()


@needs_services
def test_scans_on_both_workers_admit_each_ticket_once_and_reach_a_dashboard_on_either(served):
    node = served
    by_worker = connections_to_each_worker(node)
    screens = [Screen(node.url, node.tokens["supervisor"]) for _ in range(4)]  # on whichever worker took each
    try:
        for screen in screens:
            assert screen.join(event="ev")["ok"]
            screen.wait("counts")
        answers: list[dict] = []
        handled: dict[int, int] = {}
        lock = threading.Lock()

        def gate(conn: http.client.HTTPConnection, device: str) -> None:  # every ticket, from its own device
            for code in node.codes:
                status, answer = call(conn, "POST", "/api/v1/events/ev/scans", node.tokens["gate"],
                                      {"code": code, "gate": "north", "direction": "in", "device": device})
                owner = node.worker_of(conn.sock.getsockname()[1])
                with lock:
                    answers.append(answer if status == 200 else {"status": status, **answer})
                    handled[owner] = handled.get(owner, 0) + 1
            conn.close()

        connections = list(by_worker.values())  # one gate held on each worker, for certain...
        connections += [http.client.HTTPConnection("127.0.0.1", node.port, timeout=30) for _ in range(6)]  # ...any
        threads = [threading.Thread(target=gate, args=(conn, f"tablet-{i}")) for i, conn in enumerate(connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert len(answers) == TICKETS * 8
        assert set(handled) >= set(by_worker), handled  # both workers judged scans
        admitted = [a["ticket"]["id"] for a in answers if a["status"] == "ok"]
        assert len(admitted) == len(set(admitted)) == TICKETS  # one admission per ticket
        assert {a["reason"] for a in answers if a["status"] != "ok"} == {"duplicate"}
        for screen in screens:
            screen.wait("counts", lambda c: c["zones"]["hall"]["inside"] == TICKETS, timeout=10)
            ids = {a["scan"]["id"] for a in answers}
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                seen = {p["id"] for name, p in list(screen.messages) if name == "scan"}
                if ids <= seen:
                    break
                time.sleep(0.1)
            assert ids <= seen, f"{len(ids - seen)} scans never reached a screen; scans per worker: {handled}"
    finally:
        for screen in screens:
            screen.close()
        for conn in by_worker.values():
            conn.close()


@needs_services
def test_a_revoked_token_closes_its_socket_whichever_worker_holds_it(served):
    node = served
    by_worker = connections_to_each_worker(node)
    walls = []
    try:
        for _ in range(2):  # three sockets of each token: both workers very likely hold some
            status, made = node.call("POST", "/api/v1/events/ev/pairing-codes", node.tokens["supervisor"],
                                     {"role": "viewer", "name": "Wall screen"})
            assert status == 201, made
            status, paired = node.call("POST", "/api/v1/pair", "", {"code": made["code"]})
            assert status == 201, paired
            walls.append((paired, [Screen(node.url, paired["token"]) for _ in range(3)]))
        bystander = Screen(node.url, node.tokens["viewer"])
        for pid, conn in by_worker.items():  # each worker revokes in turn, so each tells the other
            paired, screens = walls.pop()
            status, _ = call(conn, "POST", f"/api/v1/events/ev/tokens/{paired['id']}/revoke",
                             node.tokens["supervisor"])
            assert status == 200
            for screen in screens:
                assert screen.closed.wait(3), f"a socket of a token revoked in worker {pid} stayed open"
                assert screen.wait("signed_out", timeout=1)["reason"] == "revoked"
        assert bystander.client.connected
        bystander.close()
    finally:
        for _, screens in walls:
            for screen in screens:
                screen.close()
        for conn in by_worker.values():
            conn.close()


@needs_services
def test_long_polling_is_refused_with_several_workers(served):
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        conn.request("GET", "/socket.io/?EIO=4&transport=polling")
        answer = conn.getresponse()
        assert answer.status == 400 and b"Invalid transport" in answer.read()
    finally:
        conn.close()
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio.Client(reconnection=False).connect(served.url, namespaces=["/live"],
                                                    auth={"token": served.tokens["viewer"]},
                                                    transports=["polling"], wait_timeout=5)


@needs_services
def test_the_background_tasks_run_in_one_worker_and_another_takes_them_when_it_ends(served):
    node = served
    deadline = time.monotonic() + 10
    while not node.task_runners() and time.monotonic() < deadline:
        time.sleep(0.1)
    runners = node.task_runners()
    assert len(runners) == 1 and runners[0] in node.workers(), (runners, node.workers())
    time.sleep(3)  # the other worker waits, and does not start them too
    assert node.task_runners() == runners
    survivor = next(pid for pid in node.workers() if pid != runners[0])
    os.kill(runners[0], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while len(node.task_runners()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert node.task_runners() == [runners[0], survivor]  # the surviving worker, not the replacement
    deadline = time.monotonic() + 10
    while len(node.workers()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2)
    assert node.task_runners() == [runners[0], survivor]  # gunicorn's new worker waits its turn


def _app(tmp_path, **config):
    return create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}",
                       **config})


def test_the_default_is_one_worker_per_core_only_on_postgresql_with_a_redis_url(tmp_path):
    cores = len(os.sched_getaffinity(0))
    postgres = "postgresql://nobody@127.0.0.1:1/none"
    assert _workers(_app(tmp_path), None) == 1  # the embedded default: no shared queue
    assert _workers(_app(tmp_path, DATABASE_URL=postgres), None) == 1
    assert _workers(_app(tmp_path, REDIS_URL="redis://127.0.0.1:1/0"), None) == 1  # SQLite: see README "Speed"
    assert _workers(_app(tmp_path, DATABASE_URL=postgres, REDIS_URL="redis://127.0.0.1:1/0"), None) == cores
    assert _workers(_app(tmp_path, DATABASE_URL=postgres, REDIS_URL="redis://127.0.0.1:1/0"), 1) == 1
    assert _workers(_app(tmp_path, REDIS_URL="redis://127.0.0.1:1/0"), 3) == 3


def test_several_workers_without_a_redis_url_are_refused(tmp_path):
    with pytest.raises(click.UsageError, match="Redis"):
        _workers(_app(tmp_path), 2)
    assert _workers(_app(tmp_path), 1) == 1
