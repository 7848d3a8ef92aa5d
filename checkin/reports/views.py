"""Counts, inventory, the audit journal, the reconciliation export and the daily review."""
from apiflask import Schema
from apiflask.fields import Integer
from apiflask.validators import Range
from flask import Response
from sqlalchemy import select

from ..api import allowed, bp, load_event
from ..extensions import db
from ..models import LedgerEntry
from ..sales.schemas import ReviewQuery
from ..tickets import export
from ..tickets.records import ledger_row
from . import recount, review


class LedgerQuery(Schema):
    after = Integer(load_default=0, validate=Range(0, 2**62))
    limit = Integer(load_default=500, validate=Range(1, 5000))


@bp.get("/events/<slug>/counts")
@bp.auth_required(**allowed("counts.read"))
def counts(slug):
    """Per gate, zone and type: entries, exits, inside, refusals by reason, duplicates;
    walk-ins sold and badges printed. Recounted from the tables on each call; screens
    get the same numbers kept live over Socket.IO (`counts`)."""
    return recount.counts(load_event(slug))


@bp.get("/events/<slug>/inventory")
@bp.auth_required(**allowed("counts.read"))
def inventory(slug):
    """Per type and channel: capacity, buffer, sold, held, available, checked in, inside."""
    return recount.inventory(load_event(slug))


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


@bp.get("/events/<slug>/export.csv")
@bp.auth_required(**allowed("review.read"))
@bp.doc(responses={200: {"description": "CSV: ticket rows, then totals", "content": {"text/csv": {}}}})
def export_csv(slug):
    """Every ticket with channel, price, state, first entry, badge prints and changes; totals match the inventory."""
    event = load_event(slug)
    return Response(export.export_csv(event), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{event.slug}-reconciliation.csv"'})


@bp.get("/events/<slug>/review")
@bp.auth_required(**allowed("review.read"))
@bp.input(ReviewQuery, location="query")
def daily_review(slug, query_data):
    """One local day: on-site sales vs plan, upgrades, transfers, unused tickets, expired holds."""
    return review.review(load_event(slug), query_data.get("day"))
