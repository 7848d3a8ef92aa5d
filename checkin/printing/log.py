"""The badge print log as answers show it (kept apart so ticket answers can include it)."""
from sqlalchemy import select

from ..extensions import db
from ..models import BadgePrint, Ticket


def print_row(p: BadgePrint, serial: int) -> dict:
    """One logged print: which print of the ticket, for which generation, who, where, when and why."""
    return {"ticket_id": p.ticket_id, "serial": serial, "print_no": p.print_no,
            "reprint": f"R{p.print_no - 1}" if p.print_no > 1 else "", "generation": p.generation,
            "layout": p.layout, "at": p.at.isoformat(), "actor": p.actor, "desk": p.desk, "reason": p.reason,
            "job_id": p.job_id}


def prints_where(*criteria, order=BadgePrint.id) -> list[dict]:
    """Logged prints matching `criteria`, as print rows."""
    rows = db.session.execute(select(BadgePrint, Ticket.serial).join(Ticket, Ticket.id == BadgePrint.ticket_id)
                              .where(*criteria).order_by(order)).all()
    return [print_row(p, serial) for p, serial in rows]


def prints_of_ticket(ticket_id: int) -> list[dict]:
    """Every print of one ticket, first print first."""
    return prints_where(BadgePrint.ticket_id == ticket_id, order=BadgePrint.print_no)
