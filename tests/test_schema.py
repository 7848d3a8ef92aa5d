"""Migrations build the same schema as the models; the OpenAPI document is served."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from checkin import create_app
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
