"""Migrations build the same schema as the models; the OpenAPI document is served."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from checkin import create_app
from checkin.auth import create_token
from checkin.commands.demo import _seed
from checkin.extensions import db


def test_migrations_match_the_models(database_url, tmp_path):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test"})
    app.instance_path = str(tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        db.engine.dispose()
    assert diff == []


def test_openapi_document_lists_the_contract(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in ["/api/v1/events", "/api/v1/events/{slug}/scans", "/api/v1/events/{slug}/tickets",
                 "/api/v1/events/{slug}/counts", "/api/v1/events/{slug}/gates"]:
        assert path in paths, path
    scan_body = paths["/api/v1/events/{slug}/scans"]["post"]["requestBody"]["content"]["application/json"]
    assert scan_body["schema"]["$ref"].endswith("/ScanIn")
    assert "BearerAuth" in spec["components"]["securitySchemes"]


def test_openapi_bounds_are_numbers(client):
    """Validators and client generators reject a schema whose minimum or maximum is a string."""
    bad = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
                           "maxLength", "minItems", "maxItems") and not isinstance(value, (int, float)):
                    bad.append(f"{where}/{key}={value!r}")
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(client.get("/api/v1/openapi.json").json, "")
    assert bad == []


def test_a_database_in_use_migrates_down_to_the_first_revision_and_back(database_url, tmp_path):
    """Every migration runs on a database with rows in it, both ways: on SQLite a batch
    migration rebuilds tables that other rows refer to."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test"})
    app.instance_path = str(tmp_path)
    with app.app_context():
        upgrade()
        _seed("demo", 40)
        token = create_token("admin")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    ticket = client.get("/api/v1/events/demo/tickets?q=%231", headers=headers).json["tickets"][0]
    scan = {"code": ticket["code"], "gate": "north", "nonce": "migrate-1"}
    assert client.post("/api/v1/events/demo/scans", json=scan, headers=headers).json["status"] == "ok"
    before = _counts(app)
    with app.app_context():
        downgrade(revision=FIRST_REVISION)
        upgrade()
        db.engine.dispose()
    assert _counts(app) == before and before["tickets"] == 40 and before["scans"] == 1


FIRST_REVISION = "f75db7fbd02e"


def _counts(app) -> dict:
    with app.app_context():
        tables = ("events", "ticket_types", "gates", "tickets", "scans", "ledger_entries")
        return {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables}
