"""Issuing tickets for seats already taken: serials, signed codes, rows and journal.

Used by box-office sales and emergency-pool sales; the caller has taken the
stock in the same transaction and commits.
"""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, insert, select, update

from ..extensions import db
from ..models import Channel, Event, SigningKey, Ticket, TicketType
from .codes import Signer

WALK_IN = "Walk-in"

_signers: dict[int, Signer] = {}

# Core statements on the tables: db.session.execute runs them as they are, with no ORM bookkeeping.
_key, _event, _ticket = SigningKey.__table__.c, Event.__table__, Ticket.__table__
_NEWEST_KEY = select(_key.kid, _key.private_key).where(_key.event_id == bindparam("event_id")).order_by(
    _key.id.desc()).limit(1)
_SERIALS = update(_event).where(_event.c.id == bindparam("event_id")).values(
    next_serial=_event.c.next_serial + bindparam("n")).returning(_event.c.next_serial)
_INSERT = insert(_ticket).returning(_ticket.c.id, sort_by_parameter_order=True)


def signer_for(event_id: int) -> Signer:
    """The event's newest signing key, loaded once per process (loading a key is not free)."""
    kid, private = db.session.execute(_NEWEST_KEY, {"event_id": event_id}).one()
    signer = _signers.get(kid)
    if signer is None:
        signer = _signers[kid] = Signer(kid, private)
    return signer


def issue(event_id: int, ttype: TicketType, channel: Channel | None, holders: list[dict], sources: list[str],
          price: Decimal, now: datetime) -> list[dict]:
    """Insert one valid ticket per holder (`sources[i]`: where seat i came from); journal with issued_entries."""
    n = len(holders)
    first = db.session.execute(_SERIALS, {"event_id": event_id, "n": n}).scalar_one() - n
    signer = signer_for(event_id)
    channel_id = channel.id if channel else None
    rows = [{
        "event_id": event_id, "serial": first + i, "generation": 1, "code": signer.code(first + i, 1),
        "type_id": ttype.id, "channel_id": channel_id, "stock_source": sources[i], "state": "valid",
        "blocked": False, "holder_name": h["name"], "holder_email": h.get("email"),
        "holder_company": h.get("company"), "price": price, "require_attention": False, "badge_prints": 0,
        "created_at": now,
    } for i, h in enumerate(holders)]
    ids = db.session.execute(_INSERT, rows).scalars().all()
    return [{"id": tid, "external_id": None, "type": ttype.code, "channel": channel.code if channel else None,
             "state": "valid", "code": r["code"],
             "holder": {"name": r["holder_name"], "email": r["holder_email"], "company": r["holder_company"]}}
            for tid, r in zip(ids, rows)]


def issued_entries(event_id: int, tickets: list[dict], type_id: int, channel_id: int | None, actor: str,
                   now: datetime, cause: dict) -> list[dict]:
    """Ledger rows for issued tickets: one seat each, with what caused them (e.g. the sale)."""
    return [{"event_id": event_id, "at": now, "actor": actor, "action": "ticket.issue", "ticket_id": t["id"],
             "type_id": type_id, "channel_id": channel_id, "quantity": 1,
             "after": {"state": "valid", "holder": t["holder"]["name"], **cause}}
            for t in tickets]


def anonymous(n: int) -> list[dict]:
    """Holders for walk-ins sold without names."""
    return [{"name": WALK_IN} for _ in range(n)]
