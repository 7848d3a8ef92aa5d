"""Walk-in sales at the box office.

Cash is confirmed at once: the seats are taken and the tickets issued in one
transaction (shared with the sales made at the same moment, see sales/batch.py).
Card and UPI sales take their seats as a hold with an expiry
(HOLD_MINUTES): confirm turns the hold into tickets, cancel or expiry gives
the seats back (holds.py). A payment that arrives after its hold expired is
confirmed only if stock is still there, through the same guarded take as a
new sale. Every seat moves through ledger.take_stock, so no race oversells;
a sale's `nonce` is unique, so a retried request answers the first sale.
"""
from datetime import datetime
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, Invalid, NotFound, SoldOut
from ..extensions import db
from ..models import Event, Hold, Sale, Ticket, utcnow
from ..stock import holds
from ..stock.ledger import convert_held, journal_many, take_stock
from ..tickets import issuing
from ..tickets.records import summary
from .batch import Job, batcher, sale_entry
from .rules import admit_gate, admit_sold

PENDING_METHODS = ("card", "upi")


def sell(slug: str, data: dict, actor: str, bound_event_id: int | None = None) -> dict:
    """Sell walk-in tickets: cash is confirmed with tickets, card/UPI held until confirmed or expired.

    The sale runs in a batch with the sales made at the same moment
    (sales/batch.py), by the same rules and guards as a lone sale; a token
    bound to another event (`bound_event_id`) is refused there.
    """
    method = data["payment"]["method"]
    job = Job(slug=slug, type_code=data["type"], channel_code=data.get("channel"),
              box_office_channels=list(current_app.config["BOX_OFFICE_CHANNELS"]), bound_event_id=bound_event_id,
              holders=_holders(data), named=data.get("holders") or [], method=method,
              reference=data["payment"].get("reference"), held=method in PENDING_METHODS,
              hold_minutes=float(current_app.config["HOLD_MINUTES"]), admit_gate=data.get("admit_at"),
              nonce=data.get("nonce"), actor=actor)
    if db.session().in_transaction():
        db.session.commit()  # nobody waits for a batch inside a transaction
    batcher().submit(job)
    if isinstance(job.error, IntegrityError) and job.nonce:  # the same nonce sold at the same moment elsewhere
        job.repeat_of = db.session.scalar(select(Sale.id).where(Sale.event_id == job.event_id,
                                                                Sale.nonce == job.nonce))
    if job.repeat_of is not None:
        return {**answer(db.session.get(Sale, job.repeat_of)), "repeat": True}
    if job.error is not None:
        raise job.error
    # The row as written, read by attribute like a loaded sale (no ORM object is needed to answer).
    return {**answer(SimpleNamespace(**job.sale), job.tickets, (job.type_code, job.sold_through)),
            "admitted": admit_sold(job.gate, job.tickets)}


def _holders(data: dict) -> list[dict]:
    named = data.get("holders") or []
    quantity = data.get("quantity") or len(named) or 1
    if named and len(named) != quantity:
        raise Invalid("give one holder per ticket, or none for anonymous walk-ins",
                      {"holders": [f"{len(named)} holder(s) for {quantity} ticket(s)"]})
    return named or issuing.anonymous(quantity)


def _record_confirmed(event: Event, sale: Sale, tickets: list[dict], now: datetime, actor: str,
                      action: str) -> None:
    sale.state, sale.closed_at = "confirmed", now
    sale.ticket_ids = [t["id"] for t in tickets]
    db.session.flush()
    cause = {"sale": sale.id, "method": sale.method}
    journal_many([_entry(sale, now, actor, action, 0)] + issuing.issued_entries(
        event.id, tickets, sale.type_id, sale.channel_id, actor, now, cause))


def _entry(sale: Sale, now: datetime, actor: str, action: str, quantity: int) -> dict:
    values = {c.key: getattr(sale, c.key) for c in Sale.__table__.columns}
    return sale_entry({**values, "actor": actor}, action, quantity, now)


def confirm(event: Event, sale_id: int, reference: str | None, actor: str) -> dict:
    """Payment arrived: issue the tickets from the hold, or, if it expired, from stock still there."""
    now = utcnow()
    sale = get_sale(event, sale_id)
    if sale.state in ("confirmed", "cancelled"):
        return _settled(sale, "confirm")
    moved = db.session.execute(update(Sale).where(Sale.id == sale.id, Sale.state.in_(("held", "expired")))
                               .values(state="confirmed", closed_at=now))
    if moved.rowcount != 1:  # a cancel or another confirm committed first
        db.session.rollback()
        return _settled(get_sale(event, sale_id), "confirm")
    hold = db.session.scalar(select(Hold).where(Hold.sale_id == sale.id))
    sale.reference = reference or sale.reference
    try:
        sources = _seats_for_confirm(sale, hold, now, actor)
    except SoldOut as refused:
        db.session.rollback()
        holds.release(db.session.get(Hold, hold.id), now, "system:expiry", "expired", "the hold expired")
        db.session.commit()
        raise Conflict(f"The payment came after the hold expired and the seats are gone: refund it. "
                       f"{refused.extra.get('available', 0)} left.", {"sale": ["expired, no stock left"]},
                       reason="expired_sold_out", available=refused.extra.get("available", 0)) from None
    holders = sale.holders or issuing.anonymous(sale.quantity)
    tickets = issuing.issue(event.id, sale.type, sale.channel, holders, sources, sale.unit_price, now)
    _record_confirmed(event, sale, tickets, now, actor, "sale.confirm")
    db.session.commit()
    gate = admit_gate(event, sale.admit_gate, quiet=True)
    return {**answer(sale, tickets), "admitted": admit_sold(gate, tickets)}


def _seats_for_confirm(sale: Sale, hold: Hold, now: datetime, actor: str) -> list[str]:
    """Convert the live hold, or release an expired one and take the seats again (late payment)."""
    converted = db.session.execute(update(Hold).where(
        Hold.id == hold.id, Hold.state == "active", Hold.expires_at > now,
    ).values(state="converted", used=hold.quantity, closed_at=now))
    if converted.rowcount == 1:
        journal_many([_entry(sale, now, actor, "hold.convert", -sale.quantity)])
        convert_held(sale.type, sale.quantity)
        return [("quota" if i < hold.from_quota else "shared") for i in range(sale.quantity)]
    holds.release(hold, now, "system:expiry", "expired", "the hold expired", settle_sale=False)
    take = take_stock(sale.type, sale.channel, sale.quantity)
    sale.late = True
    return [take.source(i) for i in range(take.n)]


def cancel(event: Event, sale_id: int, reason: str | None, actor: str) -> dict:
    """The buyer walked away or the payment failed: the held seats go back at once."""
    sale = get_sale(event, sale_id)
    hold = db.session.scalar(select(Hold).where(Hold.sale_id == sale.id))
    if hold is None or not holds.release(hold, utcnow(), actor, "released", reason or "cancelled"):
        db.session.rollback()
        return _settled(get_sale(event, sale_id), "cancel")
    db.session.commit()
    return answer(get_sale(event, sale_id))


def _settled(sale: Sale, asked: str) -> dict:
    """The answer when a sale is already settled: a repeat of the same step, or a 409 saying why not."""
    if (asked, sale.state) in (("confirm", "confirmed"), ("cancel", "cancelled")):
        return {**answer(sale), "repeat": True}
    why = {"confirmed": "is confirmed: void its tickets instead", "cancelled": "was cancelled",
           "expired": "expired and its seats went back"}[sale.state]
    raise Conflict(f"sale {sale.id} {why}", {"sale": [sale.state]}, reason=sale.state)


def get_sale(event: Event, sale_id: int) -> Sale:
    """The sale, read fresh, or a 404."""
    sale = db.session.get(Sale, sale_id, populate_existing=True)
    if sale is None or sale.event_id != event.id:
        raise NotFound(f"no sale {sale_id} in this event")
    return sale


def read(event: Event, sale_id: int) -> dict:
    """One sale with its tickets, after releasing expired holds (so a held sale past its time reads expired)."""
    holds.release_expired_now(event.id)
    return answer(get_sale(event, sale_id))


def list_sales(event: Event, state: str | None = None, limit: int = 100) -> list[dict]:
    """The newest sales (open holds first when state is 'held'), after releasing expired holds."""
    holds.release_expired_now(event.id)
    query = select(Sale).where(Sale.event_id == event.id)
    if state:
        query = query.where(Sale.state == state)
    return [sale_view(s) for s in db.session.scalars(query.order_by(Sale.id.desc()).limit(limit))]


def answer(sale: Sale, tickets: list[dict] | None = None, codes: tuple[str, str | None] | None = None) -> dict:
    """A sale with its tickets, as sell, confirm and cancel answer it."""
    if tickets is None:
        tickets = [summary(t) for t in db.session.scalars(
            select(Ticket).where(Ticket.id.in_(sale.ticket_ids or [])).order_by(Ticket.id))]
    return {"sale": sale_view(sale, codes), "tickets": tickets, "repeat": False}


def sale_view(sale: Sale, codes: tuple[str, str | None] | None = None) -> dict:
    """One sale; `expires_in` counts down from the server's clock, so a skewed desk clock cannot mislead.

    `codes` (type, channel) for a sale just written, which is not loaded with its relations.
    """
    type_code, channel_code = codes or (sale.type.code, sale.channel.code if sale.channel else None)
    left = (sale.expires_at - utcnow()).total_seconds() if sale.state == "held" and sale.expires_at else None
    return {
        "id": sale.id, "state": sale.state, "type": type_code, "channel": channel_code, "quantity": sale.quantity,
        "method": sale.method, "reference": sale.reference, "unit_price": str(sale.unit_price),
        "total": str(sale.unit_price * sale.quantity), "late": sale.late,
        "holders": [h["name"] for h in sale.holders or []], "admit_at": sale.admit_gate,
        "created_at": sale.created_at.isoformat(),
        "expires_at": sale.expires_at.isoformat() if sale.expires_at else None,
        "expires_in": max(0, round(left)) if left is not None else None,
        "closed_at": sale.closed_at.isoformat() if sale.closed_at else None,
    }
