"""`gate token create | list | revoke`: bearer tokens for screens, devices and scripts."""
from datetime import datetime

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..auth import ROLES, create_token
from ..devices import tokens as service
from ..extensions import db
from ..models import Event, utcnow
from . import call_service, ensure_schema


class Duration(click.ParamType):
    """A span such as 30m, 12h, 7d or 1d12h."""

    name = "duration"

    def convert(self, value, param, ctx):
        try:
            return service.parse_duration(value)
        except ValueError as error:
            self.fail(f"{value!r}: {error}", param, ctx)


@click.group("token")
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--event", "event_slug", help="Bind the token to one event.")
@click.option("--gate", "gate_code", help="Bind a gate token to one gate (needs --event).")
@click.option("--name", "--label", "name", help='Who or what holds the token, e.g. "North gate tablet".')
@click.option("--expires-in", type=Duration(), help="Stop working after this long: 30m, 12h, 7d, 1d12h.")
@with_appcontext
def create(role, event_slug, gate_code, name, expires_in) -> None:
    """Create a token; it is printed once and only its hash is kept."""
    ensure_schema()
    expires_at = utcnow() + expires_in if expires_in else None
    click.echo(call_service(create_token, role, event_slug, gate_code, name, expires_at, "cli"))


COLUMNS = [("id", "id"), ("name", "name"), ("role", "role"), ("event", "event"), ("gate", "gate"),
           ("created", "created_at"), ("expires", "expires_at"), ("last used", "last_used_at"),
           ("revoked", "revoked_at")]


@token.command("list")
@click.option("--event", "event_slug", help="Only the tokens bound to this event.")
@click.option("--active", is_flag=True, help="Only tokens that still work (not revoked, not expired).")
@with_appcontext
def list_(event_slug, active) -> None:
    """List tokens, newest first, as a table (times in UTC)."""
    ensure_schema()
    event_id = None
    if event_slug:
        event_id = db.session.scalar(select(Event.id).where(Event.slug == event_slug))
        if event_id is None:
            raise click.ClickException(f"no event {event_slug!r}")
    rows = service.list_tokens(event_id, "active" if active else "all")
    table = [[label for label, _ in COLUMNS]] + [[_cell(t, key) for _, key in COLUMNS] for t in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    if not rows:
        click.echo("(no tokens)")


def _cell(token: dict, key: str) -> str:
    value = token[key]
    if key.endswith("_at"):
        if key == "expires_at" and token["state"] == "expired":
            return f"{_minute(value)} (expired)"
        return _minute(value) if value else "-"
    return "-" if value is None else str(value)


def _minute(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")


@token.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
@with_appcontext
def revoke(token_id) -> None:
    """Revoke a token by its id (see `gate token list`): it stops working at once, on every node."""
    ensure_schema()
    token = call_service(service.revoke, token_id)
    click.echo(f"Token {token['id']} ({token['name'] or token['role']}) revoked at {_minute(token['revoked_at'])} UTC.")


def register(group: click.Group) -> None:
    group.add_command(token)
