"""Changes to issued tickets: void, reissue, transfer.

A change that alters who may use a ticket bumps its generation with a
compare-and-set, so two clerks changing one ticket at once cannot both win,
and the old code answers `revoked` from the moment the change commits.
"""
from sqlalchemy import select, update

from .codes import Signer
from .errors import Conflict
from .extensions import db
from .ledger import journal, return_stock
from .models import Admission, Event, SigningKey, Ticket
from .tickets import detail, get_ticket


def void(event: Event, ticket_id: int, reason: str, actor: str) -> dict:
    """Cancel a ticket and give its seat back to the pool it came from."""
    ticket = get_ticket(event, ticket_id)
    done = db.session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.state != "void")
                              .values(state="void"))
    if done.rowcount != 1:
        db.session.rollback()
        raise Conflict("this ticket is already void", {"ticket": ["already void"]})
    return_stock(ticket.type, ticket.channel_id, 1, ticket.stock_source)
    journal(event.id, actor, "ticket.void", ticket_id=ticket.id, type_id=ticket.type_id,
            channel_id=ticket.channel_id, quantity=-1, reason=reason,
            before={"state": ticket.state}, after={"state": "void"})
    db.session.commit()
    db.session.refresh(ticket)
    return detail(ticket)


def reissue(event: Event, ticket_id: int, reason: str, actor: str) -> dict:
    """A new code for the same holder (lost phone, leaked QR); the old code is revoked."""
    ticket = get_ticket(event, ticket_id)
    _bump(event, ticket, actor, "ticket.reissue", reason, {})
    db.session.commit()
    db.session.refresh(ticket)
    return detail(ticket)


def transfer(event: Event, ticket_id: int, holder: dict, reason: str, actor: str) -> dict:
    """Give the ticket to a new holder with a new code; refused once the ticket was used."""
    ticket = get_ticket(event, ticket_id)
    if ticket.state == "void":
        raise Conflict("a void ticket cannot be transferred", {"ticket": ["void"]})
    if db.session.scalar(select(Admission.ticket_id).where(Admission.ticket_id == ticket.id).limit(1)):
        raise Conflict("this ticket has already been used to enter", {"ticket": ["already entered"]})
    changes = {"holder_name": holder["name"], "holder_email": holder.get("email"),
               "holder_company": holder.get("company")}
    _bump(event, ticket, actor, "ticket.transfer", reason, changes)
    db.session.commit()
    db.session.refresh(ticket)
    return detail(ticket)


def _bump(event: Event, ticket: Ticket, actor: str, action: str, reason: str, changes: dict) -> None:
    key = db.session.scalar(select(SigningKey).where(SigningKey.event_id == event.id)
                            .order_by(SigningKey.id.desc()))
    generation = ticket.generation + 1
    code = Signer(key.kid, key.private_key).code(ticket.serial, generation)
    done = db.session.execute(update(Ticket).where(
        Ticket.id == ticket.id, Ticket.generation == ticket.generation,
    ).values(generation=generation, code=code, **changes))
    if done.rowcount != 1:
        db.session.rollback()
        raise Conflict("the ticket changed meanwhile; reload and try again", {"ticket": ["changed meanwhile"]})
    before = {"generation": ticket.generation, **{k: getattr(ticket, k) for k in changes}}
    journal(event.id, actor, action, ticket_id=ticket.id, reason=reason,
            before=before, after={"generation": generation, **changes})
