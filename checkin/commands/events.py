"""`gate event|type|channel|gate create`: set-up from the command line."""
import json

import click
from flask.cli import with_appcontext

from ..events import setup as service
from ..events.schemas import ChannelIn, EventIn, GateIn, TicketTypeIn
from . import call_service, ensure_schema, validated


@click.group("event")
def event() -> None:
    """Events."""


@event.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--timezone", required=True, help="e.g. Asia/Kolkata")
@click.option("--starts-at", required=True, help="ISO 8601 with offset")
@click.option("--ends-at", required=True, help="ISO 8601 with offset")
@click.option("--capacity", type=int)
@with_appcontext
def create_event(**fields) -> None:
    """Create an event and its signing key."""
    ensure_schema()
    created = call_service(service.create_event, validated(EventIn(), fields), "cli")
    click.echo(f"event {created.slug} created")


@click.group("type")
def ticket_type() -> None:
    """Ticket types."""


@ticket_type.command("create")
@click.option("--event", "slug", required=True)
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--price")
@click.option("--capacity", type=int, required=True)
@click.option("--buffer", type=int)
@click.option("--badge-type", required=True)
@click.option("--zone", "zones", multiple=True, help="A zone this type admits (repeat).")
@click.option("--parent", help="Parent type code for a bundle.")
@with_appcontext
def create_type(slug, zones, **fields) -> None:
    """Add a ticket type."""
    data = validated(TicketTypeIn(), {**fields, "zones": list(zones) or None})
    ttype = call_service(service.create_ticket_type, call_service(service.event_by_slug, slug), data, "cli")
    click.echo(f"type {ttype.code} created")


@click.group("channel")
def channel() -> None:
    """Sales channels."""


@channel.command("create")
@click.option("--event", "slug", required=True)
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--allocations", help='JSON, e.g. {"GA": 100}')
@with_appcontext
def create_channel(slug, allocations, **fields) -> None:
    """Add a channel with quotas."""
    try:
        quotas = json.loads(allocations) if allocations else None
    except json.JSONDecodeError as error:
        raise click.BadParameter(str(error), param_hint="--allocations") from None
    data = validated(ChannelIn(), {**fields, "allocations": quotas})
    made = call_service(service.create_channel, call_service(service.event_by_slug, slug), data, "cli")
    click.echo(f"channel {made.code} created")


@click.group("gate")
def gate() -> None:
    """Gates."""


@gate.command("create")
@click.option("--event", "slug", required=True)
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--zone", required=True)
@click.option("--admits", "admits", multiple=True, required=True, help="A type code (repeat).")
@click.option("--direction", type=click.Choice(["in", "out", "both"]))
@click.option("--reentry/--no-reentry", default=None)
@click.option("--opens-at")
@click.option("--closes-at")
@with_appcontext
def create_gate(slug, admits, **fields) -> None:
    """Add a gate."""
    data = validated(GateIn(), {**fields, "admits": list(admits)})
    made = call_service(service.create_gate, call_service(service.event_by_slug, slug), data, "cli")
    click.echo(f"gate {made.code} created")


def register(group: click.Group) -> None:
    for command in (event, ticket_type, channel, gate):
        group.add_command(command)
