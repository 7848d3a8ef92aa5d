"""Changes to issued tickets: void, reissue, transfer.

A change that alters who may use a ticket bumps its generation with a
compare-and-set, so two clerks changing one ticket at once cannot both win,
and the old code answers `revoked` from the moment the change commits.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from ..errors import Conflict, Forbidden
from ..extensions import db
from ..models import Admission, Event, SigningKey, Ticket, utcnow
from ..stock.ledger import journal, return_stock
from ..tickets.codes import Signer
from ..tickets.records import detail, get_ticket


def void(event: Event, ticket_id: int, reason: str, actor: str, supervisor: bool = False) -> dict:
    """Cancel a ticket and give its seat back to the pool it came from.

    A ticket that was ever used to enter (inside now, or in and out again)
    is voided only by a supervisor, as a transfer after entry is: the person
    was let in on it, so cancelling it is a decision, not a refund at the
    counter. The entry is looked for after the compare-and-set has locked the
    ticket, so a scan committing meanwhile is seen.
    """
    ticket = get_ticket(event, ticket_id)
    # The generation guard: an upgrade committing first moved the seat to another type.
    done = db.session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.state != "void",
                                                   Ticket.generation == ticket.generation)
                              .values(state="void"))
    if done.rowcount != 1:
        db.session.rollback()
        raise Conflict("this ticket is already void or changed meanwhile; reload and try again",
                       {"ticket": ["already void or changed meanwhile"]})
    approval = {}
    if _entered(ticket):
        if not supervisor:
            db.session.rollback()
            raise Forbidden("this ticket has already been used to enter: a supervisor must void it",
                            {"ticket": ["already entered: supervisor needed"]}, reason="entered")
        approval = {"approved_by": actor, "approved": ["after entry"]}
    return_stock(ticket.type, ticket.channel_id, 1, ticket.stock_source)
    journal(event.id, actor, "ticket.void", ticket_id=ticket.id, type_id=ticket.type_id,
            channel_id=ticket.channel_id, quantity=-1, reason=reason,
            before={"state": ticket.state}, after={"state": "void", **approval})
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


def transfer(event: Event, ticket_id: int, holder: dict, reason: str, actor: str,
             supervisor: bool = False) -> dict:
    """Give the ticket to a new holder with a new code.

    Refused once the ticket was used to enter, or inside the freeze window
    before the event (TRANSFER_FREEZE_MINUTES), unless a supervisor does it
    (the journal names the approval). The entry check is repeated after the
    compare-and-set has locked the ticket, so a scan committing meanwhile is
    seen: a clerk never transfers a ticket that was just used.
    """
    ticket = get_ticket(event, ticket_id)
    if ticket.state == "void":
        raise Conflict("a void ticket cannot be transferred", {"ticket": ["void"]})
    approval = []
    if in_freeze_window(event, current_app.config["TRANSFER_FREEZE_MINUTES"]):
        _need_supervisor(supervisor, "transfers are frozen this close to the event: a supervisor must approve",
                         "transfer freeze window: supervisor approval needed", "frozen")
        approval.append("freeze window")
    if _entered(ticket):
        _need_supervisor(supervisor, "this ticket has already been used to enter", "already entered", "entered")
        approval.append("after entry")
    changes = {"holder_name": holder["name"], "holder_email": holder.get("email"),
               "holder_company": holder.get("company")}
    _bump(event, ticket, actor, "ticket.transfer", reason, changes,
          {"approved_by": actor, "approved": approval} if approval else None)
    if not supervisor and _entered(ticket):
        db.session.rollback()
        raise Conflict("this ticket has just been used to enter", {"ticket": ["already entered"]}, reason="entered")
    db.session.commit()
    db.session.refresh(ticket)
    return detail(ticket)


def _entered(ticket: Ticket) -> bool:
    return db.session.scalar(select(Admission.ticket_id).where(Admission.ticket_id == ticket.id).limit(1)) is not None


def _need_supervisor(supervisor: bool, detail_text: str, field_message: str, reason: str) -> None:
    if not supervisor:
        db.session.rollback()
        raise Conflict(detail_text, {"ticket": [field_message]}, reason=reason)


def in_freeze_window(event: Event, minutes: float) -> bool:
    """From `minutes` before the start until the end of the event."""
    now = utcnow()
    return event.starts_at - timedelta(minutes=float(minutes)) <= now <= event.ends_at


def _bump(event: Event, ticket: Ticket, actor: str, action: str, reason: str, changes: dict,
          note: dict | None = None) -> None:
    key = db.session.scalar(select(SigningKey).where(SigningKey.event_id == event.id)
                            .order_by(SigningKey.id.desc()))
    generation = ticket.generation + 1
    code = Signer(key.kid, key.private_key).code(ticket.serial, generation)
    # Read before the UPDATE: the ORM writes the new values into `ticket` as it runs.
    before = {"generation": ticket.generation, **{k: getattr(ticket, k) for k in changes}}
    done = db.session.execute(update(Ticket).where(
        Ticket.id == ticket.id, Ticket.generation == ticket.generation,
    ).values(generation=generation, code=code, **changes))
    if done.rowcount != 1:
        db.session.rollback()
        raise Conflict("the ticket changed meanwhile; reload and try again", {"ticket": ["changed meanwhile"]})
    journal(event.id, actor, action, ticket_id=ticket.id, reason=reason,
            before=before, after={"generation": generation, **changes, **(note or {})})
