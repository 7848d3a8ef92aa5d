"""Badges marked for reprint after a layout change that asked for it, or a correction of the holder's details.

A mark never touches the ticket's generation (its QR code stays valid); it
puts the printed badge in the desk's out-of-date queue until it prints again.
"""
from sqlalchemy import delete, insert, literal, select

from ..extensions import db
from ..models import Event, LayoutOverride, ReprintMark, Ticket, TicketType, utcnow
from .selection import EVENT_TARGET

# The reason a correction's mark carries (and its reprint logs); a layout change's marks carry "layout changed".
CORRECTED = "details corrected"


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


def mark_ticket(ticket: Ticket, reason: str) -> None:
    """Mark one ticket's printed badge for reprint (replacing an earlier mark: one per ticket)."""
    db.session.execute(delete(ReprintMark).where(ReprintMark.ticket_id == ticket.id))
    db.session.execute(insert(ReprintMark).values(ticket_id=ticket.id, event_id=ticket.event_id, reason=reason,
                                                  marked_at=utcnow()))


def clear_marks(ticket_ids: list[int]) -> None:
    """A print of these tickets is logged: their marks are done."""
    if ticket_ids:
        db.session.execute(delete(ReprintMark).where(ReprintMark.ticket_id.in_(ticket_ids)))


def marked(ticket_ids: list[int]) -> dict[int, str]:
    """Which of these tickets are marked for reprint, each with the mark's reason."""
    found: dict[int, str] = {}
    for start in range(0, len(ticket_ids), 500):
        found.update(db.session.execute(select(ReprintMark.ticket_id, ReprintMark.reason).where(
            ReprintMark.ticket_id.in_(ticket_ids[start:start + 500]))).all())
    return found
