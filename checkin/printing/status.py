"""What the badge desk reads: a ticket's badge state and print log, and the stale badges queue.

A printed badge is stale when the ticket's generation moved past the one it
was printed for (an upgrade, transfer or reissue): the badge shows an old
name, type or QR code, so a reprint of the ticket as it is now is due. A
correction of the holder's details or a layout change keeps the generation
and marks the badge instead (branding/reprints.py).
"""
from sqlalchemy import func, select

import badges

from ..branding.reprints import CORRECTED
from ..branding.selection import event_layouts
from ..extensions import db
from ..gate.admissions import badge_state
from ..models import Event, LedgerEntry, ReprintMark, Ticket
from ..tickets.records import get_ticket, summary
from .log import prints_of_ticket

STALE_LIMIT = 500
# Ledger actions that bump a ticket's generation (and so outdate its badge).
CHANGES = ("ticket.transfer", "ticket.upgrade", "ticket.reissue")


def badge_status(event: Event, ticket_id: int) -> dict:
    """A ticket with its badge state, the layout its type gets, and every print of it."""
    ticket = get_ticket(event, ticket_id)
    return {
        "ticket": {**summary(ticket), "serial": ticket.serial, "generation": ticket.generation,
                   "type": {"code": ticket.type.code, "name": ticket.type.name},
                   "badge_type": ticket.type.badge_type, "zones": list(ticket.type.zones or []),
                   "blocked": ticket.blocked},
        "badge": _badge(event, ticket),
        "prints": prints_of_ticket(ticket.id),
    }


def _badge(event: Event, ticket: Ticket) -> dict:
    state = badge_state(ticket.type.badge_type, ticket.generation, ticket.badge_generation, ticket.badge_prints)
    chosen = event_layouts(event).choose(ticket.type)
    mark = db.session.get(ReprintMark, ticket.id)
    stale = ticket.badge_generation is not None and ticket.badge_generation < ticket.generation
    return {**state, "needs_print": state["needs_print"] and chosen is not None,
            "printed_generation": ticket.badge_generation, "stale": stale or mark is not None,
            "layout": chosen.label if chosen else None, "reprint_asked": mark.reason if mark else None,
            "next_reprint": f"R{ticket.badge_prints}" if ticket.badge_prints else ""}


def stale(event: Event) -> dict:
    """Valid tickets whose printed badge is out of date, most recently changed first, with why."""
    last_change = (select(LedgerEntry.ticket_id, func.max(LedgerEntry.id).label("entry_id"))
                   .where(LedgerEntry.event_id == event.id, LedgerEntry.action.in_(CHANGES))
                   .group_by(LedgerEntry.ticket_id).subquery())
    rows = db.session.execute(
        select(Ticket, LedgerEntry)
        .outerjoin(last_change, last_change.c.ticket_id == Ticket.id)
        .outerjoin(LedgerEntry, LedgerEntry.id == last_change.c.entry_id)
        .where(Ticket.event_id == event.id, Ticket.state == "valid",
               Ticket.badge_generation.is_not(None), Ticket.badge_generation < Ticket.generation)
        .order_by(last_change.c.entry_id.desc().nulls_last(), Ticket.id).limit(STALE_LIMIT + 1)).all()
    queue = [_stale_row(t, change) for t, change in rows[:STALE_LIMIT]
             if badges.needs_badge(t.type.badge_type)]
    more = len(rows) > STALE_LIMIT
    if not more:  # then the badges a layout change asked to reprint, latest first
        queued = {row["id"] for row in queue}
        marks = db.session.execute(
            select(Ticket, ReprintMark).join(ReprintMark, ReprintMark.ticket_id == Ticket.id)
            .where(ReprintMark.event_id == event.id, Ticket.state == "valid")
            .order_by(ReprintMark.marked_at.desc(), Ticket.id).limit(STALE_LIMIT + 1)).all()
        fresh, room = [(t, m) for t, m in marks if t.id not in queued], STALE_LIMIT - len(queue)
        queue += [_marked_row(t, m) for t, m in fresh[:room]]
        more = len(fresh) > room
    return {"tickets": queue, "more": more}


def _marked_row(ticket: Ticket, mark: ReprintMark) -> dict:
    return {**_stale_row(ticket, None),
            "change": {"action": "ticket.correct" if mark.reason == CORRECTED else "layout.activate",
                       "at": mark.marked_at.isoformat(), "reason": mark.reason}}


def _stale_row(ticket: Ticket, change: LedgerEntry | None) -> dict:
    return {
        "id": ticket.id, "serial": ticket.serial,
        "holder": {"name": ticket.holder_name, "company": ticket.holder_company},
        "type": {"code": ticket.type.code, "name": ticket.type.name}, "badge_type": ticket.type.badge_type,
        "prints": ticket.badge_prints, "printed_generation": ticket.badge_generation,
        "generation": ticket.generation,
        "change": {"action": change.action, "at": change.at.isoformat(), "reason": change.reason}
        if change else None,
    }
