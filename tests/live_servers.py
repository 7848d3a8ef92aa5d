"""Real `gate serve` processes for the live tests, and python-socketio clients that watch them."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import socketio
from flask_migrate import stamp

from checkin import create_app
from checkin.auth import create_token
from checkin.extensions import db

GATE = str(Path(sys.executable).with_name("gate"))
REDIS_URL = os.environ.get("GATE_TEST_REDIS_URL")


def prepare(database_url: str, tmp_path: Path) -> dict:
    """Create the schema, an event with two gates, and a token per role; returns the tokens."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "LIVE_BACKGROUND": False})
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        db.create_all()
        stamp()  # the schema is current: `gate serve` finds nothing to migrate
        tokens = {role: create_token(role) for role in ("admin", "supervisor", "viewer", "gate")}
        db.engine.dispose()
    return tokens


def node_env(database_url: str, channel: str) -> dict:
    return {**os.environ, "GATE_DATABASE_URL": database_url, "GATE_REDIS_URL": REDIS_URL,
            "GATE_SOCKETIO_CHANNEL": channel, "GATE_SECRET_KEY": "test"}


class Node:
    """One `gate serve` process on a free port."""

    def __init__(self, env: dict, cwd: Path, *args: str):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([GATE, "serve", "--port", str(self.port), "--threads", "40", *args], env=env,
                                        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        start_new_session=True)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                with self.process.stderr:
                    raise RuntimeError(f"gate serve exited: {self.process.stderr.read().decode()}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", "/api/v1/openapi.json")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
            finally:
                conn.close()
        raise RuntimeError("gate serve did not start")

    def call(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None,
                         {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            answer = conn.getresponse()
            data = answer.read()
        finally:
            conn.close()
        return answer.status, json.loads(data) if data else {}

    def stop(self) -> None:
        self.signal_stop()
        self.wait_stopped()

    def signal_stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)

    def wait_stopped(self) -> None:
        self.process.wait(30)
        self.process.stderr.close()



@contextmanager
def two_nodes(env: dict, tmp_path: Path):
    """Two `gate serve` processes on the same settings, stopped together afterwards."""
    a = Node(env, tmp_path)
    try:
        b = Node(env, tmp_path)
    except Exception:
        a.stop()
        raise
    try:
        yield a, b
    finally:
        for node in (a, b):
            node.signal_stop()
        for node in (a, b):
            node.wait_stopped()


class Screen:
    """A python-socketio client on /live that records every message it gets."""

    def __init__(self, url: str, token: str):
        self.messages: list[tuple[str, dict]] = []
        self.arrived = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.closed = threading.Event()  # set when the server closes the connection
        for name in ("counts", "inventory", "scan", "alert", "signed_out"):
            self.client.on(name, self._keeper(name), namespace="/live")
        self.client.on("disconnect", lambda *reason: self.closed.set(), namespace="/live")
        self.client.connect(url, namespaces=["/live"], auth={"token": token}, transports=["websocket"],
                            wait_timeout=10)

    def _keeper(self, name: str):
        def keep(payload):
            with self.arrived:
                self.messages.append((name, payload))
                self.arrived.notify_all()
        return keep

    def join(self, **payload) -> dict:
        return self.client.call("join", payload, namespace="/live", timeout=10)

    def wait(self, name: str, check=lambda payload: True, timeout: float = 10.0) -> dict:
        """The first message of this name (received so far or later) for which check() holds."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for got, payload in self.messages:
                    if got == name and check(payload):
                        return payload
                left = deadline - time.monotonic()
                if left <= 0:
                    names = [n for n, _ in self.messages]
                    raise AssertionError(f"no matching {name!r} within {timeout} s; got {names}")
                self.arrived.wait(left)

    def close(self) -> None:
        self.client.disconnect()


def new_channel() -> str:
    """A Socket.IO channel of its own, so tests sharing one Redis never hear each other."""
    return f"gate-test-{uuid.uuid4().hex[:12]}"
