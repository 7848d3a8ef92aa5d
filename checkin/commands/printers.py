"""`gate printer add|list|remove` and `gate print-agent`: an event's printers, and the agent beside them."""
import logging
import signal

import click
from flask.cli import with_appcontext

import badges

from ..events.setup import event_by_slug
from ..models import PRINTER_LANGUAGES
from ..printing import printers as service
from . import call_service, ensure_schema, validated


@click.group("printer")
def printer() -> None:
    """Attach printers to badge desks."""


@printer.command("add")
@click.option("--event", "event_slug", required=True)
@click.option("--name", required=True, help='e.g. "Zebra 1"')
@click.option("--desk", required=True, help="The desk it hangs off; that desk's print agent prints to it.")
@click.option("--connection", required=True, help="cups:QUEUE, ipp://HOST:PORT/PATH, or tcp://HOST:9100")
@click.option("--language", required=True, type=click.Choice(PRINTER_LANGUAGES))
@click.option("--media", required=True, type=click.Choice(list(badges.PAGES)), help="The page profile loaded.")
@click.option("--dpi", type=int, default=300, show_default=True)
@click.option("--option", "options", multiple=True, help="brother_ql: model=QL-820NWB, label=62")
@with_appcontext
def add(event_slug, name, desk, connection, language, media, dpi, options) -> None:
    """Attach a printer to a desk."""
    from ..printing.printer_views import PrinterIn

    ensure_schema()
    pairs = dict(o.split("=", 1) for o in options if "=" in o)
    data = validated(PrinterIn(), {"name": name, "desk": desk, "connection": connection, "language": language,
                                   "media": media, "dpi": dpi, "options": pairs})
    made = call_service(service.add_printer, call_service(event_by_slug, event_slug), data)
    click.echo(f"Printer {made['name']} at desk {made['desk']}: {made['connection']} ({made['language']}, "
               f"{made['media']}, {made['dpi']} dpi)")


@printer.command("list")
@click.option("--event", "event_slug", required=True)
@with_appcontext
def list_(event_slug) -> None:
    """The event's printers and the state their agents last reported."""
    ensure_schema()
    for p in service.list_printers(call_service(event_by_slug, event_slug)):
        click.echo(f"{p['name']}\t{p['desk']}\t{p['connection']}\t{p['language']}\t{p['media']}\t{p['dpi']}\t"
                   f"{p['state']}{' (' + p['detail'] + ')' if p['detail'] else ''}")


@printer.command("remove")
@click.option("--event", "event_slug", required=True)
@click.option("--name", required=True)
@with_appcontext
def remove(event_slug, name) -> None:
    """Remove a printer with no jobs on their way to it."""
    ensure_schema()
    call_service(service.remove_printer, call_service(event_by_slug, event_slug), name)
    click.echo(f"Printer {name} removed.")


@click.command("print-agent")
@click.option("--server", required=True, help="The service's address, e.g. http://10.0.0.2:5000")
@click.option("--token", envvar="GATE_AGENT_TOKEN", required=True, help="A badge_desk token (or GATE_AGENT_TOKEN).")
@click.option("--event", "event_slug", required=True)
@click.option("--desk", required=True, help="The desk whose printers hang off this machine.")
@click.option("--cups-server", default="localhost:631", show_default=True, help="Where cups: queues live.")
@click.option("--wait", type=click.FloatRange(1, 30), default=20.0, show_default=True, help="Long-poll seconds.")
def print_agent(server, token, event_slug, desk, cups_server, wait) -> None:
    """Print the desk's badges on its printers, with no dialog, until stopped (Ctrl-C)."""
    from ..printing.agent import PrintAgent

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    agent = PrintAgent(server, token, event_slug, desk, cups_server, wait)
    signal.signal(signal.SIGTERM, lambda *_: agent.stop())
    click.echo(f"Print agent for desk {desk} of {event_slug} at {server}; printers at this desk print here.")
    try:
        agent.run()
    except KeyboardInterrupt:
        pass


def register(group: click.Group) -> None:
    group.add_command(printer)
    group.add_command(print_agent)
