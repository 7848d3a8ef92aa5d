"""`gate token create`: print a new bearer token (and nothing else)."""
import click
from flask.cli import with_appcontext

from ..auth import ROLES, create_token
from . import call_service, ensure_schema


@click.group("token")
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--event", "event_slug", help="Bind the token to one event.")
@click.option("--gate", "gate_code", help="Bind a gate token to one gate (needs --event).")
@click.option("--label", help="A note on who holds the token.")
@with_appcontext
def create(role, event_slug, gate_code, label) -> None:
    """Create a token; it is printed once and only its hash is kept."""
    ensure_schema()
    click.echo(call_service(create_token, role, event_slug, gate_code, label))


def register(group: click.Group) -> None:
    group.add_command(token)
