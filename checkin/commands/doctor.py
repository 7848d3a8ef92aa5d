"""`gate doctor`: what the service needs on this machine, each with how to fix it."""
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from ..extensions import db

# A few letters of each script a badge must print, and the Debian package that brings its font.
SCRIPTS = {
    "Latin": ("Zoë Åsa", "fonts-noto-core"),
    "Devanagari": ("प्रिया", "fonts-noto-core"),
    "Arabic": ("محمد", "fonts-noto-core"),
    "Hebrew": ("שרה", "fonts-noto-core"),
    "Chinese": ("王伟", "fonts-droid-fallback"),
    "Japanese": ("さくら", "fonts-droid-fallback"),
    "Korean": ("김민준", "fonts-droid-fallback"),
}


@dataclass(frozen=True)
class Finding:
    """One check's outcome: what was checked, whether it holds, and how to fix it if not."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def qr_decoding() -> Finding:
    """Decode a QR image made here with the decoder GATE_DECODER chooses (zbar by default)."""
    import numpy as np
    import segno

    import scanner

    try:
        matrix = np.array(segno.make_qr("GATE-DOCTOR").matrix, dtype=np.uint8)
        image = np.kron(np.pad(1 - matrix, 4, constant_values=1), np.ones((8, 8), np.uint8)) * 255
        found = scanner.decode(image)
    except Exception as error:  # a missing shared library surfaces as ImportError or OSError
        return Finding("QR decoding", False, f"{type(error).__name__}: {error}",
                       "apt-get install libzbar0 (or pip install '.[zxing]' and set GATE_DECODER=zxing)")
    if found != ["GATE-DOCTOR"]:
        return Finding("QR decoding", False, f"a test code read as {found!r}", "apt-get install libzbar0")
    return Finding("QR decoding", True, f"decoder {scanner.get_decoder().name}")


def badge_fonts() -> list[Finding]:
    """One finding per script: can a badge print its letters?"""
    import badges

    findings = []
    for script, (sample, package) in SCRIPTS.items():
        try:
            missing = badges.missing_glyphs(sample)
        except badges.FontNotFoundError as none:
            return [Finding("badge fonts", False, str(none), "apt-get install fonts-noto-core fonts-dejavu-core")]
        detail = "found" if not missing else "no font has " + " ".join(missing)
        findings.append(Finding(f"font: {script}", not missing, detail, "" if not missing else
                                f"apt-get install {package} (fonts installed while serving are found at once)"))
    return findings


def instance_folder(app: Flask) -> Finding:
    """The instance folder (SQLite file, secret key, demo images) must be writable."""
    folder = Path(app.instance_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as error:
        return Finding("instance folder", False, f"{folder}: {error.strerror or error}",
                       f"make {folder} writable by this user, or run from a folder you own")
    return Finding("instance folder", True, str(folder))


def database() -> Finding:
    """The database answers, and its schema is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    url = db.engine.url.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as error:
        return Finding("database", False, f"{url}: {str(error).splitlines()[0]}",
                       "check GATE_DATABASE_URL and that the server is running")
    migrate: Migrate = current_app.extensions["migrate"]
    head = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory)).get_current_head()
    if current is None:
        return Finding("database", True, f"{url}: empty; gate serve creates the tables when it starts")
    if current != head:
        return Finding("database", False, f"{url}: schema at {current or 'nothing'}, newest is {head}",
                       "gate db upgrade (gate serve also does it when it starts)")
    return Finding("database", True, url)


def redis_queue(app: Flask) -> Finding | None:
    """With GATE_REDIS_URL set, Socket.IO needs that Redis to answer."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as error:
        return Finding("Redis", False, f"{url}: {error}", "start Redis, or unset GATE_REDIS_URL for one node")
    return Finding("Redis", True, url)


@click.command("doctor")
@with_appcontext
def doctor() -> None:
    """Check what the service needs on this machine and say how to fix what is missing."""
    app = current_app._get_current_object()
    findings = [qr_decoding(), *badge_fonts(), instance_folder(app), database(), redis_queue(app)]
    failed = 0
    for finding in filter(None, findings):
        mark = click.style(" ok ", fg="green") if finding.ok else click.style("FAIL", fg="red", bold=True)
        click.echo(f"{mark}  {finding.name}: {finding.detail}")
        if not finding.ok:
            failed += 1
            click.echo(f"      fix: {finding.fix}")
    if failed:
        raise click.ClickException(f"{failed} problem(s) found")
    click.echo("Everything the service needs is here.")


def register(group: click.Group) -> None:
    group.add_command(doctor)
