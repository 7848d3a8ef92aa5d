"""The `gate` command: tokens, set-up, CSV import and the demo."""
import csv
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from checkin.auth import hash_token
from checkin.extensions import db
from checkin.models import ApiToken, LedgerEntry, Ticket


def test_token_create_prints_only_the_token(app, runner, make_event):
    make_event()
    result = runner.invoke(args=["token", "create", "--role", "gate", "--event", "ev", "--gate", "north"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert len(token.splitlines()) == 1 and len(token) >= 40
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
        assert row.role == "gate" and row.gate_id is not None


def test_token_create_refuses_unknown_role_and_gate(runner, make_event):
    make_event()
    assert runner.invoke(args=["token", "create", "--role", "root"]).exit_code != 0
    bad_gate = runner.invoke(args=["token", "create", "--role", "gate", "--event", "ev", "--gate", "nope"])
    assert bad_gate.exit_code != 0 and "nope" in bad_gate.output


def test_setup_commands(runner, admin):
    assert runner.invoke(args=["event", "create", "--slug", "cli", "--name", "CLI Fest", "--timezone", "UTC",
                               "--starts-at", "2030-05-01T09:00:00+00:00",
                               "--ends-at", "2030-05-02T18:00:00+00:00"]).exit_code == 0
    r = runner.invoke(args=["type", "create", "--event", "cli", "--code", "GA", "--name", "General",
                            "--capacity", "10", "--badge-type", "General", "--zone", "hall"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["channel", "create", "--event", "cli", "--code", "web", "--name", "Web",
                            "--allocations", '{"GA": 4}'])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["gate", "create", "--event", "cli", "--code", "main", "--name", "Main",
                            "--zone", "hall", "--admits", "GA", "--no-reentry"])
    assert r.exit_code == 0, r.output
    event = admin.get("/api/v1/events/cli").json
    assert event["gates"][0]["reentry"] is False and event["ticket_types"][0]["capacity"] == 10
    bad = runner.invoke(args=["type", "create", "--event", "cli", "--code", "bad code!", "--name", "X",
                              "--capacity", "1", "--badge-type", "General"])
    assert bad.exit_code != 0 and "code" in bad.output


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["external_id", "type", "channel", "name", "email", "company"])
        writer.writeheader()
        writer.writerows(rows)


def test_import_csv_is_idempotent_with_progress(app, runner, make_event, tmp_path):
    make_event()
    path = tmp_path / "tickets.csv"
    _write_csv(path, [{"external_id": f"shop-{i}", "type": "GA", "name": f"Ясна {i}", "email": f"{i}@ex.org"}
                      for i in range(30)])
    first = runner.invoke(args=["import", str(path), "--event", "ev"])
    assert first.exit_code == 0, first.output
    assert "importing" in first.stderr and "100%" in first.stderr
    again = runner.invoke(args=["import", str(path), "--event", "ev"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 30
        assert db.session.scalar(select(Ticket.holder_name).where(Ticket.external_id == "shop-7")) == "Ясна 7"


def test_import_csv_all_or_nothing_names_bad_rows(app, runner, make_event, tmp_path):
    make_event()
    path = tmp_path / "tickets.csv"
    rows = [{"external_id": f"s-{i}", "type": "GA", "name": f"N {i}"} for i in range(5)]
    rows[3]["type"] = "NOPE"
    _write_csv(path, rows)
    result = runner.invoke(args=["import", str(path), "--event", "ev"])
    assert result.exit_code != 0 and "tickets.3.type" in result.output
    over = tmp_path / "over.csv"
    _write_csv(over, [{"external_id": f"o-{i}", "type": "VIP", "name": f"V {i}"} for i in range(25)])
    result = runner.invoke(args=["import", str(over), "--event", "ev"])
    assert result.exit_code != 0 and "sold out" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)
                                 .where(LedgerEntry.action == "ticket.issue")) == 0


def test_demo_seeds_event_tokens_and_qr_images(app, runner, tmp_path):
    result = runner.invoke(args=["demo", "--tickets", "300", "--qr-dir", str(tmp_path / "qr")])
    assert result.exit_code == 0, result.output
    for role in ("admin", "supervisor", "box_office", "badge_desk", "gate", "viewer"):
        assert role in result.stdout
    for page in ("gate", "desk", "box", "dashboard"):
        assert f"http://127.0.0.1:5000/{page}?event=demo&token=" in result.stdout
    images = list((tmp_path / "qr").glob("*.png"))
    assert len(images) == 8
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 300
    again = runner.invoke(args=["demo", "--qr-dir", str(tmp_path / "qr")])
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 300


def test_wsgi_module_serves_the_configured_database(tmp_path):
    """`gunicorn wsgi:app` gets the same app, configured from GATE_ variables, in a fresh interpreter."""
    root = Path(__file__).resolve().parent.parent
    probe = ("import wsgi; c = wsgi.app.test_client(); "
             "print(wsgi.app.config['SQLALCHEMY_DATABASE_URI'], c.get('/api/v1/openapi.json').status_code, "
             "c.get('/api/v1/events/x').status_code)")
    env = {"GATE_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}", "GATE_SECRET_KEY": "k", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [f"sqlite:///{tmp_path / 'w.db'}", "200", "401"]
