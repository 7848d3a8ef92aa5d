"""Counts, inventory and the audit journal."""
from sqlalchemy import select

from .. import reports
from ..extensions import db
from ..models import LedgerEntry
from ..tickets import ledger_row
from . import bp
from .common import allowed, load_event


@bp.get("/events/<slug>/counts")
@bp.auth_required(**allowed("counts.read"))
def counts(slug):
    """Per gate, zone and type: entries, exits, inside, refusals."""
    return reports.counts(load_event(slug))


@bp.get("/events/<slug>/inventory")
@bp.auth_required(**allowed("counts.read"))
def inventory(slug):
    """Per type and channel: capacity, buffer, sold, held, available, checked in, inside."""
    return reports.inventory(load_event(slug))


@bp.get("/events/<slug>/ledger")
@bp.auth_required(**allowed("ledger.read"))
def ledger(slug):
    """The audit journal, oldest first (the last 1,000 entries)."""
    event = load_event(slug)
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.event_id == event.id)
                                 .order_by(LedgerEntry.id.desc()).limit(1000))
    return {"entries": [ledger_row(e) for e in reversed(list(entries))]}
