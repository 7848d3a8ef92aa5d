"""Defaults and the order settings are read in: defaults, instance file, GATE_* env."""
import os
import secrets
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

from scanner.files import owner_only

DEFAULTS = {
    "DATABASE_URL": None,  # None: a SQLite file in the instance folder
    "REDIS_URL": None,  # None: Socket.IO stays in-process
    "REREAD_SECONDS": 5,  # same device, same code within this many seconds is a re-read
    "SCAN_CLOCK_SKEW_SECONDS": 120,  # a device's scan time may be this far off the server's (scanned_at bounds)
    "HOLD_MINUTES": 5,  # a card/UPI sale's seats stay held this long
    # Background tasks (scheduler.py): `gate serve` runs them unless TASKS is false or it is given
    # --no-tasks; `gate worker` runs them alone. Each period is in seconds.
    "TASKS": True,
    "HOLD_SWEEP_SECONDS": 5,  # how often expired holds are released
    "LIVE_WATCH_SECONDS": 15,  # how often silent devices are looked for, and each node writes the devices it heard
    "PRINT_LEASE_SECONDS": 30,  # a print agent holds a job this long between reports before another may take it
    "COUNTER_PURGE_SECONDS": 600,  # how often per-minute counter rows the charts no longer show are dropped
    "WEBHOOK_SECONDS": 2,  # how often alerts due for the webhook are posted
    "WEBHOOK_TIMEOUT": 5,  # seconds to wait for the webhook to answer
    "BOX_OFFICE_CHANNELS": ["onsite", "box"],  # a sale without a channel sells through the first that exists
    "TRANSFER_FREEZE_MINUTES": 60,  # from this long before the start, transfers need a supervisor
    "QUOTA_FREEZE_MINUTES": 120,  # from this long before the start, quota moves need a supervisor
    "SQLITE_BUSY_TIMEOUT_MS": 15000,
    "SQLITE_WRITER_WAIT_SECONDS": 5,  # a request waits this long for its turn to write, then gets a 503
    "PAIRING_MINUTES": 5,  # a pairing code works this long unless its maker says otherwise
    "PAIRING_CODE_TRIES": 5,  # wrong tries that end a pairing code
    "PAIRING_WINDOW_MINUTES": 15,  # refused pairing attempts are counted over this window...
    "PAIRING_CLIENT_FAILURES": 10,  # ...and a client (address) with this many is turned away until they age
    "PAIRING_GLOBAL_FAILURES": 200,  # ...and so is everyone, past this many from all clients together
    "SCAN_INVALID_LIMIT": 20,  # invalid codes one device may send within the window before it must wait...
    "SCAN_INVALID_ADDRESS_LIMIT": 60,  # ...and one client address, whatever devices it names (0: no limit)
    "SCAN_INVALID_WINDOW_SECONDS": 60,
    "PUBLIC_URL": None,  # the address devices reach the service at, for pairing links; None: as called
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # no body is larger; most endpoints take at most BODY_LIMIT
    "BODY_LIMIT": 1024 * 1024,  # request body size for endpoints that do not set their own (bodies.py)
    "BODY_READ_TIMEOUT": 10,  # seconds each read of a request body may wait for the next bytes, then a 408
    "FRAME_DECODES": 2,  # camera frames decoded at once per process (frames.py)...
    "FRAME_WAIT_SECONDS": 2,  # ...a gate's frame waits this long for its turn, then gets a 503
    "FRAME_MAX_PIXELS": 3840 * 2160,  # larger frames are refused before decoding
    # OpenAPI document served from the validating schemas.
    "VALIDATION_ERROR_STATUS_CODE": 422,
    "AUTO_404_RESPONSE": False,
    "INFO": {"description": "Gate check-in and badge service: one ledger for every scan, sale and badge."},
    # The docs page (/api/v1/docs) loads Swagger UI from the service itself: venues are often offline.
    "SWAGGER_UI_CSS": "/static/vendor/swagger-ui/swagger-ui.css",
    "SWAGGER_UI_BUNDLE_JS": "/static/vendor/swagger-ui/swagger-ui-bundle.js",
    "SWAGGER_UI_STANDALONE_PRESET_JS": "/static/vendor/swagger-ui/swagger-ui-standalone-preset.js",
    "DOCS_FAVICON": "/static/vendor/swagger-ui/favicon-32x32.png",
}


def load(app: Flask, test_config: dict | None) -> None:
    """Fill app.config from defaults, instance/config.py, GATE_* variables and test_config."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("GATE")
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)  # keys, data, demo codes: ours
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or _instance_secret(app)
    url = app.config["DATABASE_URL"] or f"sqlite:///{os.path.join(app.instance_path, 'gate.db')}"
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_url(url)
    _sqlite_file_owner_only(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))


def _instance_secret(app: Flask) -> str:
    """A secret kept in the instance folder, so restarts keep the same key without set-up."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        owner_only(path).write_text(secrets.token_hex(32))  # 0600 before the secret is in it
    return owner_only(path).read_text().strip()


def _sqlite_file_owner_only(url: str) -> None:
    """The SQLite file holds the signing keys and personal data: create it 0600 (its -wal and -shm follow)."""
    if not url.startswith("sqlite"):
        return
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:") and Path(database).parent.is_dir():
        owner_only(database)
        for extra in ("-wal", "-shm", "-journal"):
            if Path(database + extra).exists():
                owner_only(database + extra)


def _normalise_url(url: str) -> str:
    """Let users write postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"check_same_thread": False}}
    return {"pool_size": 20, "max_overflow": 80, "pool_pre_ping": True}
