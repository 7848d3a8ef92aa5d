"""Nobody waits unbounded for SQLite's writer: a token check never waits for it at all, and a
request that needs it past SQLITE_WRITER_WAIT_SECONDS gets a 503 with Retry-After, never a hang."""
import threading
import time
from contextlib import contextmanager

import pytest
from conftest import ready_app
from sqlalchemy import select, text

from checkin.auth import create_token
from checkin.extensions import db
from checkin.models import ApiToken
from helpers import Api

EVENT = {"slug": "ev", "name": "Ev", "timezone": "UTC", "starts_at": "2020-01-01T00:00:00+00:00",
         "ends_at": "2199-01-01T00:00:00+00:00"}


@pytest.fixture
def app(tmp_path):
    with ready_app(f"sqlite:///{tmp_path / 'gate.db'}", tmp_path, SQLITE_WRITER_WAIT_SECONDS=0.5) as app:
        yield app


@pytest.fixture
def gate(app):
    client = app.test_client()
    with app.app_context():
        admin = Api(client, create_token("admin"))
    assert admin.post("/api/v1/events", EVENT).status_code == 201
    admin.post("/api/v1/events/ev/ticket-types", {"code": "GA", "name": "General", "capacity": 10,
                                                  "badge_type": "General"})
    admin.post("/api/v1/events/ev/gates", {"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]})
    code = admin.post("/api/v1/events/ev/tickets", {"tickets": [{"type": "GA", "holder": {"name": "Ann"}}]}
                      ).json["tickets"][0]["code"]
    with app.app_context():
        bearer = create_token("gate", "ev")
    api = Api(client, bearer)
    api.code = code
    return api


@contextmanager
def writer_held(app, seconds: float):
    """Another thread of the process holds SQLite's writer (an open write transaction) for `seconds`."""
    taken = threading.Event()

    def hold():
        with app.app_context():
            db.session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the writer is this thread's now
            taken.set()
            time.sleep(seconds)
            db.session.rollback()

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(5)
    try:
        yield
    finally:
        holder.join()


def test_a_token_check_does_not_wait_for_the_writer(app, gate):
    with writer_held(app, 3):
        began = time.monotonic()
        r = gate.client.post("/api/v1/events/ev/scans/frame", headers=gate.headers,
                             data={"gate": "north", "image": (b"not an image", "f.jpg")},
                             content_type="multipart/form-data")
        took = time.monotonic() - began
    assert r.status_code == 422 and "image" in r.json["errors"]  # checked, refused, answered at once
    assert took < 0.3


def test_a_writer_waited_for_too_long_is_a_503_with_retry_after(app, gate):
    with writer_held(app, 3):
        began = time.monotonic()
        r = gate.post("/api/v1/events/ev/scans", {"code": gate.code, "gate": "north"})
        took = time.monotonic() - began
    assert r.status_code == 503 and r.content_type == "application/problem+json"
    assert r.headers["Retry-After"] == "1"
    assert 0.4 < took < 1.5
    again = gate.post("/api/v1/events/ev/scans", {"code": gate.code, "gate": "north"})
    assert again.status_code == 200 and again.json["status"] == "ok"  # nothing was half done


def test_last_use_is_recorded_when_the_writer_is_free(app, gate):
    assert gate.post("/api/v1/events/ev/scans", {"code": gate.code, "gate": "north"}).status_code == 200
    with app.app_context():
        used = db.session.scalars(select(ApiToken.last_used_at).where(ApiToken.role == "gate")).one()
    assert used is not None
