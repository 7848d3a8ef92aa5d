"""Upgrades and downgrades: a ticket moves to another type, and its seat with it.

One transaction: a compare-and-set on the ticket's generation (and that it
is still not void and of the same type) changes its type, price and code,
which also locks the row, so a scan of the old code is ordered wholly
before or after the change; then the seat is taken in the target type
through the guarded take (409 when it has none or is off sale) and the old
seat goes back to the pool it came from. From the commit on the old code
answers `revoked`, gates admit by the new type, and the badge is due for a
reprint because it was printed for an older generation.
"""
from decimal import Decimal

from sqlalchemy import update

from ..errors import Conflict, Invalid, SoldOut
from ..events.setup import type_by_code
from ..extensions import db
from ..live import counters
from ..models import Event, Ticket, TicketType, utcnow
from ..stock.ledger import journal, return_stock, take_stock
from ..tickets.issuing import signer_for
from ..tickets.records import detail, get_ticket
from .rules import refuse_if_off_sale

# The ledger action for both directions: the badge desk's queue reads it as "reprint due".
ACTION = "ticket.upgrade"


def upgrade(event: Event, ticket_id: int, to_code: str, payment: dict | None, reason: str | None,
            actor: str) -> dict:
    """Move a ticket to another type (up or down), recording the price difference."""
    now = utcnow()
    ticket = get_ticket(event, ticket_id)
    target = type_by_code(event, to_code, field="to_type")
    source, old_price, old_source = ticket.type, ticket.price, ticket.stock_source
    if target.id == source.id:
        raise Invalid(f"the ticket is already {target.name}", {"to_type": ["same as the ticket's type"]})
    if ticket.state == "void":
        raise Conflict("a void ticket cannot be upgraded", {"ticket": ["void"]})
    refuse_if_off_sale(event, target, ticket.channel, now)
    generation = _bump(event, ticket, target)
    try:
        take = take_stock(target, ticket.channel, 1, on_sale_at=now)
    except SoldOut as refused:
        db.session.rollback()
        refused.extra["reason"] = "sold_out"
        raise
    db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(stock_source=take.source(0)))
    return_stock(source, ticket.channel_id, 1, old_source)
    counters.ticket_retyped(event.id, ticket.id, source.code, target.code)
    difference = target.price - old_price
    _journal(event, ticket, source, target, generation, old_price, difference, payment, reason, actor)
    db.session.commit()
    ticket = db.session.get(Ticket, ticket.id, populate_existing=True)
    return {**detail(ticket), "price_difference": str(difference)}


def _bump(event: Event, ticket: Ticket, target: TicketType) -> int:
    """Compare-and-set: new type, price, generation and code, only if nobody changed the ticket first."""
    generation = ticket.generation + 1
    code = signer_for(event.id).code(ticket.serial, generation)
    done = db.session.execute(update(Ticket).where(
        Ticket.id == ticket.id, Ticket.generation == ticket.generation, Ticket.type_id == ticket.type_id,
        Ticket.state != "void",
    ).values(generation=generation, code=code, type_id=target.id, price=target.price))
    if done.rowcount != 1:
        db.session.rollback()
        raise Conflict("the ticket changed meanwhile; reload and try again", {"ticket": ["changed meanwhile"]})
    return generation


def _journal(event: Event, ticket: Ticket, source: TicketType, target: TicketType, generation: int,
             old_price: Decimal, difference: Decimal, payment: dict | None, reason: str | None, actor: str) -> None:
    before = {"type": source.code, "generation": generation - 1, "price": str(old_price),
              "stock_source": ticket.stock_source}
    after = {"type": target.code, "generation": generation, "price": str(target.price),
             "price_difference": str(difference), "direction": "up" if difference >= 0 else "down",
             "payment": payment, "badge": "reprint due"}
    journal(event.id, actor, ACTION, ticket_id=ticket.id, type_id=target.id, channel_id=ticket.channel_id,
            quantity=1, reason=reason, before=before, after=after)
    journal(event.id, actor, "stock.return", ticket_id=ticket.id, type_id=source.id, channel_id=ticket.channel_id,
            quantity=-1, reason=f"upgraded to {target.code}", before={"type": source.code}, after={"type": target.code})
