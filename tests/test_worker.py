"""Where the background tasks run: `gate worker` alone, or `gate serve` unless told `--no-tasks`."""
import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from checkin.extensions import db
from checkin.models import Hold, Sale, utcnow
from helpers import Api
from live_helpers import wait_for
from live_servers import GATE, Node

pytestmark = pytest.mark.slow
SWEEP = "0.2"  # seconds between two hold releases in the processes started here


def expired_sale(app, make_event, client, token) -> int:
    """An event with a card sale whose hold has just expired; returns the sale's id."""
    make_event(channels=[{"code": "onsite", "name": "On-site"}])
    box = Api(client, token("box_office", "ev"))
    r = box.post("/api/v1/events/ev/sales", {"type": "GA", "quantity": 2, "payment": {"method": "card"}})
    assert r.status_code == 202, r.json
    with app.app_context():
        past = utcnow() - timedelta(seconds=1)
        db.session.execute(update(Sale).values(expires_at=past))
        db.session.execute(update(Hold).values(expires_at=past))
        db.session.commit()
    return r.json["sale"]["id"]


def sale_state(app, sale_id: int) -> str:
    with app.app_context():
        state = db.session.get(Sale, sale_id).state
        db.session.remove()
    return state


def task_env(database_url: str) -> dict:
    return {**os.environ, "GATE_DATABASE_URL": database_url, "GATE_SECRET_KEY": "test",
            "GATE_HOLD_SWEEP_SECONDS": SWEEP}


def test_gate_worker_releases_expired_holds_and_stops_on_sigterm(app, database_url, make_event, client, token,
                                                                 tmp_path):
    sale_id = expired_sale(app, make_event, client, token)
    worker = subprocess.Popen([GATE, "worker"], env=task_env(database_url), cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for(lambda: worker.poll() is not None or sale_state(app, sale_id) != "held", timeout=30)
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(15)
        with worker.stderr:
            output = worker.stderr.read().decode()
    assert sale_state(app, sale_id) == "expired", output
    assert code == 0 and "released 1 expired hold(s)" in output, output
    assert "Traceback" not in output, output


def test_gate_serve_releases_expired_holds_unless_told_not_to(app, database_url, make_event, client, token,
                                                              tmp_path):
    sale_id = expired_sale(app, make_event, client, token)
    quiet = Node(task_env(database_url), tmp_path, "--no-tasks")
    try:
        time.sleep(2.0)  # ten sweep periods
        assert sale_state(app, sale_id) == "held"
    finally:
        quiet.stop()
    serving = Node(task_env(database_url), tmp_path)
    try:
        wait_for(lambda: sale_state(app, sale_id) == "expired", timeout=30)
    finally:
        serving.stop()
