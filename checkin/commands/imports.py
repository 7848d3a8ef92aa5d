"""`gate import tickets.csv`: bulk import with a progress bar, all or nothing."""
import csv
import sys

import click
from flask.cli import with_appcontext
from tqdm import tqdm

from ..events.setup import event_by_slug
from ..tickets.records import import_tickets
from ..tickets.schemas import TicketIn
from . import call_service, ensure_schema, validated

HOLDER = {"name", "email", "company"}


def rows_from_csv(handle) -> list[dict]:
    """CSV columns: type, name (required); external_id, channel, email, company, state, price, barcode."""
    reader = csv.DictReader(handle)
    missing = {"type", "name"} - set(reader.fieldnames or [])
    if missing:
        raise click.UsageError(f"the CSV lacks column(s): {', '.join(sorted(missing))}")
    schema = TicketIn()
    rows = []
    for line, raw in enumerate(tqdm(reader, desc="checking", unit=" rows", file=sys.stderr), start=2):
        raw = {k: v for k, v in raw.items() if k and v not in (None, "")}
        holder = {k: raw.pop(k) for k in list(raw) if k in HOLDER}
        try:
            rows.append(validated(schema, {**raw, "holder": holder}))
        except click.UsageError as error:
            raise click.UsageError(f"line {line}: {error.message}") from None
    return rows


@click.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--event", "slug", required=True, help="The event to import into.")
@with_appcontext
def import_command(csv_file, slug: str) -> None:
    """Import tickets from a CSV file (idempotent on external_id)."""
    ensure_schema()
    rows = rows_from_csv(csv_file)
    event = call_service(event_by_slug, slug)
    with tqdm(total=len(rows), desc="importing", unit=" tickets", file=sys.stderr) as bar:
        result = call_service(import_tickets, event, rows, "cli", progress=bar.update)
    click.echo(f"{len(result)} tickets in the ledger for {slug} ({len(rows)} rows read)", err=True)


def register(group: click.Group) -> None:
    group.add_command(import_command)
