"""A server killed outright (kill -9) during concurrent scans and sales loses nothing it answered:
after a restart every `ok` scan and every 201 sale is in the database, and the live counts equal
the recount. A real `gate serve` on a file SQLite database (and PostgreSQL when configured)."""
import http.client
import os
import signal
import threading
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from sqlalchemy import func, select

from checkin import create_app
from checkin.auth import create_token
from checkin.extensions import db
from checkin.models import Sale, Scan, Ticket
from live_helpers import assert_counts_match_database
from live_servers import Node, prepare

SCANNERS, SELLERS, TICKETS = 6, 3, 240
EV = "/api/v1/events/ev"


class Http:
    """The live node's API as the count checks read it (`.get(path).json`)."""

    def __init__(self, node: Node, token: str):
        self.node, self.token = node, token

    def get(self, path: str):
        status, body = self.node.call("GET", path, self.token)
        return SimpleNamespace(status_code=status, json=body)


def set_up(node: Node, admin: str) -> list[str]:
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    assert node.call("POST", "/api/v1/events", admin, {
        "slug": "ev", "name": "Ev", "timezone": "UTC", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(days=1)).isoformat()})[0] == 201
    node.call("POST", f"{EV}/ticket-types", admin, {"code": "GA", "name": "General", "capacity": 5000,
                                                    "badge_type": "General"})
    for code in ("north", "south"):
        node.call("POST", f"{EV}/gates", admin, {"code": code, "name": code.title(), "zone": "hall",
                                                 "admits": ["GA"], "direction": "both"})
    status, issued = node.call("POST", f"{EV}/tickets", admin, {"tickets": [
        {"type": "GA", "holder": {"name": f"Guest {i}"}} for i in range(TICKETS)]})
    assert status == 201
    return [t["code"] for t in issued["tickets"]]


def test_kill_9_during_scans_and_sales_loses_nothing_answered(database_url, tmp_path):
    tokens = prepare(database_url, tmp_path)
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "LIVE_BACKGROUND": False})
    with app.app_context():
        box = create_token("box_office")
    env = {key: value for key, value in os.environ.items() if not key.startswith("GATE_")}
    env.update(GATE_DATABASE_URL=database_url, GATE_SECRET_KEY="test", GATE_INSTANCE_PATH=str(tmp_path / "instance"))
    node = Node(env, tmp_path)
    try:
        codes = set_up(node, tokens["admin"])
        answered = {"scans": [], "sales": []}
        lock, stop = threading.Lock(), threading.Event()

        def keep(kind, value):
            with lock:
                answered[kind].append(value)

        def scanner(n):
            for i, code in enumerate(codes[n::SCANNERS]):
                if stop.is_set():
                    return
                try:
                    status, body = node.call("POST", f"{EV}/scans", tokens["gate"], {
                        "code": code, "gate": ("north", "south")[i % 2], "nonce": f"s-{n}-{i}", "device": f"t{n}"})
                except (OSError, http.client.HTTPException):
                    return  # the server is gone, or went mid-answer: not answered
                assert status == 200, body
                if body["status"] == "ok":
                    keep("scans", body["scan"]["id"])

        def seller(n):
            for i in range(10**6):
                if stop.is_set():
                    return
                try:
                    status, body = node.call("POST", f"{EV}/sales", box, {
                        "type": "GA", "quantity": 2, "nonce": f"sale-{n}-{i}", "payment": {"method": "cash"}})
                except (OSError, http.client.HTTPException):
                    return
                assert status == 201, body
                keep("sales", (body["sale"]["id"], [t["id"] for t in body["tickets"]]))

        threads = [threading.Thread(target=scanner, args=(n,)) for n in range(SCANNERS)]
        threads += [threading.Thread(target=seller, args=(n,)) for n in range(SELLERS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(answered["scans"]) < TICKETS // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(node.process.pid, signal.SIGKILL)  # mid-flight: requests are being judged and written
        node.process.wait(10)
        stop.set()
        for t in threads:
            t.join(30)
        assert answered["scans"] and answered["sales"], "the kill came before any work was answered"
    finally:
        if node.process.poll() is None:
            os.killpg(node.process.pid, signal.SIGKILL)
        node.process.wait(10)
        node.process.stderr.close()

    node = Node(env, tmp_path)  # the same database, after the crash
    try:
        with app.app_context():
            stored = set(db.session.scalars(select(Scan.id).where(Scan.id.in_(answered["scans"]),
                                                                  Scan.status == "ok")))
            assert stored == set(answered["scans"]), "an ok answered before the kill is missing"
            for sale_id, ticket_ids in answered["sales"]:
                assert db.session.get(Sale, sale_id).state == "confirmed"
                assert db.session.scalar(select(func.count()).where(Ticket.id.in_(ticket_ids))) == len(ticket_ids)
            db.session.rollback()
        assert_counts_match_database(app, Http(node, tokens["admin"]))
        status, counts = node.call("GET", f"{EV}/counts", tokens["admin"])
        assert status == 200 and counts["zones"]["hall"]["inside"] >= len(answered["scans"])
    finally:
        node.stop()
        with app.app_context():
            db.engine.dispose()
