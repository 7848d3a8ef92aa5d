"""Counts, inventory and the audit journal."""
from sqlalchemy import select

from .. import reports
from ..extensions import db
from ..models import LedgerEntry
from ..tickets import ledger_row
from . import bp
from .common import allowed, load_event
from .schemas import LedgerQuery


@bp.get("/events/<slug>/counts")
@bp.auth_required(**allowed("counts.read"))
def counts(slug):
    """Per gate, zone and type: entries, exits, inside, refusals by reason, duplicates;
    walk-ins sold and badges printed. Recounted from the tables on each call; screens
    get the same numbers kept live over Socket.IO (`counts`)."""
    return reports.counts(load_event(slug))


@bp.get("/events/<slug>/inventory")
@bp.auth_required(**allowed("counts.read"))
def inventory(slug):
    """Per type and channel: capacity, buffer, sold, held, available, checked in, inside."""
    return reports.inventory(load_event(slug))


@bp.get("/events/<slug>/ledger")
@bp.auth_required(**allowed("ledger.read"))
@bp.input(LedgerQuery, location="query")
def ledger(slug, query_data):
    """The audit journal, oldest first; page on with `after` = the last id you have."""
    event = load_event(slug)
    entries = list(db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.event_id == event.id, LedgerEntry.id > query_data["after"],
    ).order_by(LedgerEntry.id).limit(query_data["limit"])))
    return {"entries": [ledger_row(e) for e in entries],
            "next_after": entries[-1].id if len(entries) == query_data["limit"] else None}
