"""What protects an installation: files only its owner reads, tokens kept to their event, and the
headers every page and answer carries."""
import os
import stat
from datetime import timedelta

import pytest
from flask import Flask
from flask_migrate import upgrade

from checkin import create_app
from checkin.extensions import db
from helpers import NOW, iso
from scanner.gate_pack import GatePack
from scanner.outbox import Outbox


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)  # the usual default: new files world-readable unless made otherwise
    yield
    os.umask(old)


def test_a_fresh_instance_folder_keeps_its_keys_and_data_to_its_owner(tmp_path, monkeypatch, loose_umask):
    folder = tmp_path / "instance"
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(folder))
    app = create_app({"TESTING": True})  # the defaults: SQLite file and secret key in the instance folder
    assert app.instance_path == str(folder)
    with app.app_context():
        upgrade()  # as `gate serve` does on first start: creates the tables, the WAL and its index
        db.session.execute(db.text("SELECT 1"))
        files = {p.name: _mode(p) for p in folder.iterdir()}
        db.session.remove()
        assert {"gate.db", "gate.db-wal", "gate.db-shm", "secret_key"} <= files.keys(), files
        assert all(mode == 0o600 for mode in files.values()), {n: oct(m) for n, m in files.items()}
        db.engine.dispose()
    assert _mode(folder) == 0o700


def test_an_instance_file_left_readable_by_an_older_version_is_closed_on_start(tmp_path, monkeypatch, loose_umask):
    folder = tmp_path / "instance"
    folder.mkdir()
    (folder / "gate.db").touch(mode=0o644)
    (folder / "secret_key").write_text("k" * 64)
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(folder))
    create_app({"TESTING": True})
    assert (_mode(folder / "gate.db"), _mode(folder / "secret_key")) == (0o600, 0o600)


def test_the_gate_clients_files_are_its_owners_alone(tmp_path, loose_umask):
    with GatePack(tmp_path / "q.pack.sqlite3"), Outbox(tmp_path / "q.sqlite3"):
        pass
    assert {p.name: _mode(p) for p in tmp_path.iterdir()} == {"q.pack.sqlite3": 0o600, "q.sqlite3": 0o600}


def test_a_token_bound_to_one_event_cannot_create_events(app, admin, token, make_event):
    make_event()
    bound = admin.as_role(token("admin", "ev"))
    body = {"slug": "other", "name": "Other", "timezone": "UTC", "starts_at": iso(NOW),
            "ends_at": iso(NOW + timedelta(days=1))}
    r = bound.post("/api/v1/events", body)
    assert r.status_code == 403 and "event" in r.json["detail"], r.json
    assert admin.get("/api/v1/events/other").status_code == 404
    assert admin.post("/api/v1/events", body).status_code == 201
