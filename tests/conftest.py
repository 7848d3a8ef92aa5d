"""Fixtures: an app per test on a temp-file SQLite database, and on PostgreSQL
when GATE_TEST_POSTGRES_URL is set (each test in a schema of its own)."""
import os
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask_migrate import stamp
from sqlalchemy import create_engine, text

from checkin import create_app
from checkin.auth import create_token
from checkin.extensions import db
from helpers import NOW, Api, iso

POSTGRES_URL = os.environ.get("GATE_TEST_POSTGRES_URL")
ENGINES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
if os.environ.get("GATE_TEST_REQUIRE_POSTGRES") and not POSTGRES_URL:
    raise RuntimeError("GATE_TEST_REQUIRE_POSTGRES is set but GATE_TEST_POSTGRES_URL is not")


def _postgres_schema_url(schema: str) -> str:
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def fresh_database(engine: str, folder):
    """A fresh, empty database URL: a SQLite file in `folder`, or a new PostgreSQL schema."""
    if engine == "sqlite":
        yield f"sqlite:///{folder / 'gate.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _postgres_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        yield url


@contextmanager
def ready_app(database_url: str, tmp_path, **config):
    """An app on `database_url` with the schema made and stamped, disposed after."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test", **config})
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        db.create_all()
        stamp()  # the schema is current: commands that migrate find nothing to do
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    with ready_app(database_url, tmp_path) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def token(app):
    """token(role, event=None, gate=None) -> a new bearer token."""
    def make(role: str, event: str | None = None, gate: str | None = None) -> str:
        with app.app_context():
            return create_token(role, event, gate)
    return make


@pytest.fixture
def admin(client, token):
    return Api(client, token("admin"))


@pytest.fixture
def make_event(admin):
    """make_event(slug="ev", types=..., gates=...) -> slug; a small event ready to scan."""
    def make(slug: str = "ev", capacity: int | None = None, types=None, gates=None, channels=None) -> str:
        body = {"slug": slug, "name": f"Event {slug}", "timezone": "Europe/Berlin",
                "starts_at": iso(NOW - timedelta(hours=2)), "ends_at": iso(NOW + timedelta(days=1))}
        if capacity is not None:
            body["capacity"] = capacity
        assert admin.post("/api/v1/events", body).status_code == 201
        for t in types or [{"code": "GA", "name": "General", "capacity": 100, "badge_type": "General"},
                           {"code": "VIP", "name": "VIP", "capacity": 20, "badge_type": "VIP",
                            "zones": ["hall", "lounge"]}]:
            r = admin.post(f"/api/v1/events/{slug}/ticket-types", t)
            assert r.status_code == 201, r.json
        for c in channels or []:
            r = admin.post(f"/api/v1/events/{slug}/channels", c)
            assert r.status_code == 201, r.json
        for g in gates or [{"code": "north", "name": "North Gate", "zone": "hall", "admits": ["GA", "VIP"],
                            "direction": "both"},
                           {"code": "south", "name": "South Gate", "zone": "hall", "admits": ["GA", "VIP"],
                            "direction": "both"},
                           {"code": "lounge", "name": "VIP Lounge", "zone": "lounge", "admits": ["VIP"]}]:
            r = admin.post(f"/api/v1/events/{slug}/gates", g)
            assert r.status_code == 201, r.json
        return slug
    return make


@pytest.fixture
def issue(admin):
    """issue(slug, n=1, type="GA", **fields) -> list of issued tickets (with their codes)."""
    counter = iter(range(1, 10**9))

    def make(slug: str = "ev", n: int = 1, type: str = "GA", **fields) -> list[dict]:
        rows = []
        for _ in range(n):
            i = next(counter)
            rows.append({"type": type, "holder": {"name": f"Guest {i}", "company": "Acme"}, **fields})
        r = admin.post(f"/api/v1/events/{slug}/tickets", {"tickets": rows})
        assert r.status_code == 201, r.json
        return r.json["tickets"]
    return make
