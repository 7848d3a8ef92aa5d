"""A supervisor blocks or unblocks a ticket (suspected fraud, banned guest)."""
from sqlalchemy import update

from ..errors import Conflict
from ..extensions import db
from ..models import Event, Ticket
from ..stock.ledger import journal
from .records import detail, get_ticket


def set_blocked(event: Event, ticket_id: int, blocked: bool, reason: str, actor: str) -> dict:
    """Block or unblock; a blocked ticket is refused at every gate with reason `blocked`."""
    ticket = get_ticket(event, ticket_id)
    done = db.session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.blocked.is_(not blocked))
                              .values(blocked=blocked))
    if done.rowcount != 1:
        db.session.rollback()
        state = "blocked" if blocked else "not blocked"
        raise Conflict(f"this ticket is already {state}", {"ticket": [f"already {state}"]})
    journal(event.id, actor, "ticket.block" if blocked else "ticket.unblock", ticket_id=ticket.id,
            reason=reason, before={"blocked": not blocked}, after={"blocked": blocked})
    db.session.commit()
    db.session.refresh(ticket)
    return detail(ticket)
