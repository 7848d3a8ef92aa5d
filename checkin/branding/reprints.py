"""Badges marked for reprint after a layout change, when the change asked for it.

A mark never touches the ticket's generation (its QR code stays valid); it
puts the printed badge in the desk's out-of-date queue until it prints again.
"""
from sqlalchemy import delete, insert, literal, select

from ..extensions import db
from ..models import Event, LayoutOverride, ReprintMark, Ticket, TicketType, utcnow
from .selection import EVENT_TARGET


def mark_for_reprint(event: Event, ttype: TicketType | None, reason: str) -> int:
    """Mark the printed badges the change reaches: the type's, or (for "*") those of types without their own."""
    chosen = select(Ticket.id).where(Ticket.event_id == event.id, Ticket.state == "valid", Ticket.badge_prints > 0)
    if ttype is not None:
        chosen = chosen.where(Ticket.type_id == ttype.id)
    else:
        own = select(TicketType.id).join(LayoutOverride, (LayoutOverride.event_id == TicketType.event_id)
                                         & (LayoutOverride.target == TicketType.code)).where(
            TicketType.event_id == event.id, LayoutOverride.target != EVENT_TARGET, LayoutOverride.active.is_not(None))
        chosen = chosen.where(Ticket.type_id.not_in(own))
    ids = chosen.subquery()
    db.session.execute(delete(ReprintMark).where(ReprintMark.ticket_id.in_(select(ids.c.id))))
    done = db.session.execute(insert(ReprintMark).from_select(
        ["ticket_id", "event_id", "reason", "marked_at"],
        select(ids.c.id, literal(event.id), literal(reason[:120]), literal(utcnow(), ReprintMark.marked_at.type)))
        .returning(ReprintMark.ticket_id))
    return len(done.all())  # counted from what came back: not every driver gives a row count here


def clear_marks(ticket_ids: list[int]) -> None:
    """A print of these tickets is logged: their marks are done."""
    if ticket_ids:
        db.session.execute(delete(ReprintMark).where(ReprintMark.ticket_id.in_(ticket_ids)))


def marked(ticket_ids: list[int]) -> set[int]:
    """Which of these tickets are marked for reprint."""
    found: set[int] = set()
    for start in range(0, len(ticket_ids), 500):
        found.update(db.session.scalars(select(ReprintMark.ticket_id).where(
            ReprintMark.ticket_id.in_(ticket_ids[start:start + 500]))))
    return found
