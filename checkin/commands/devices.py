"""`gate device pair`: a pairing code, its /pair link and the link's QR code in the terminal."""
import click
from flask import current_app
from flask.cli import with_appcontext

from ..auth import ROLES
from ..devices import pairing
from ..devices.links import lan_base_url, pair_url, qr
from ..events.setup import event_by_slug
from . import call_service, ensure_schema
from .tokens import Duration


@click.group("device")
def device() -> None:
    """Pair devices (tablets, laptops) with a short code."""


@device.command("pair")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--event", "event_slug", required=True, help="The event the device works for.")
@click.option("--gate", "gate_code", help="The gate a gate device scans at (required for --role gate).")
@click.option("--name", help='The name the device\'s token carries, e.g. "North gate tablet".')
@click.option("--minutes", type=click.IntRange(1, 120), help="How long the code works (default: PAIRING_MINUTES).")
@click.option("--token-expires-in", type=Duration(), help="How long the device's token works: 12h, 3d...")
@click.option("--url", "base_url", help="The address devices reach the service at (default: GATE_PUBLIC_URL, "
                                        "else this machine's network address on port 5000).")
@with_appcontext
def pair(role, event_slug, gate_code, name, minutes, token_expires_in, base_url) -> None:
    """Make a single-use pairing code; the device opens /pair and scans the QR or types the code."""
    ensure_schema()
    event = call_service(event_by_slug, event_slug)
    made = call_service(pairing.create_code, event, role, gate_code, name, minutes, token_expires_in, None, "cli")
    url = pair_url(base_url or current_app.config["PUBLIC_URL"] or lan_base_url(), made.code)
    expires = made.row.expires_at.astimezone().strftime("%H:%M")
    minutes = round((made.row.expires_at - made.row.created_at).total_seconds() / 60)
    click.echo(f"Pairing code: {made.code}")
    click.echo(f"For: {made.row.name} ({role}, {event.slug}{', gate ' + gate_code if gate_code else ''})")
    click.echo(f"Works once, for {minutes} minutes (until {expires}). On the device, open: {url}")
    click.echo("Or scan this QR code with the device:")
    qr(url).terminal(compact=True)


def register(group: click.Group) -> None:
    group.add_command(device)
