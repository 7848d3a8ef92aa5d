"""Holds: seats reserved for a pending sale or a device's emergency pool, and their release.

Expiry needs nobody to remember it: a background task (stock/tasks.py, run
by `gate serve` or `gate worker`; `gate sweep` runs it once) and the reads
that depend on stock release holds whose time is up. A release first flips
the sale and then the hold away from their open state with compare-and-set
UPDATEs; only the request whose UPDATE changed the row gives the seats back,
so task runners on several nodes, a lazy reader and a clerk's cancel can
race and the seats still return exactly once. Rows are always locked sale
first, then hold, then stock, the same order confirm uses.
"""
from datetime import datetime

from sqlalchemy import select, update

from ..extensions import db
from ..models import Hold, Sale, TicketType, utcnow
from .ledger import journal, return_held

BATCH = 200
ACTIONS = {"expired": "hold.expire", "released": "hold.cancel", "closed": "pool.close"}


def release(hold: Hold, now: datetime, actor: str, how: str, reason: str | None = None,
            settle_sale: bool = True) -> bool:
    """Give a hold's unused seats back; `how` is expired, released (cancelled) or closed.

    Returns False, changing nothing, when someone else settled the hold first.
    `settle_sale=False` when the caller has already moved the sale (a late confirm).
    """
    if hold.sale_id is not None and settle_sale:
        sale_state = "expired" if how == "expired" else "cancelled"
        moved = db.session.execute(update(Sale).where(Sale.id == hold.sale_id, Sale.state == "held")
                                   .values(state=sale_state, closed_at=now, reason=reason))
        if moved.rowcount != 1:
            return False
    done = db.session.execute(update(Hold).where(Hold.id == hold.id, Hold.state == "active")
                              .values(state=how, closed_at=now))
    if done.rowcount != 1:
        return False
    ttype = db.session.get(TicketType, hold.type_id)
    left = hold.quantity - hold.used
    return_held(ttype, hold.channel_id, left, max(0, hold.from_quota - hold.used))
    journal(hold.event_id, actor, ACTIONS[how], type_id=hold.type_id, channel_id=hold.channel_id,
            quantity=-left, reason=reason, before={"hold": hold.id, "sale": hold.sale_id, "state": "active"},
            after={"state": how})
    return True


def release_expired(event_id: int | None = None, now: datetime | None = None) -> int:
    """Release holds whose expiry has passed (one event, or all); in the caller's transaction."""
    now = now or utcnow()
    query = select(Hold).where(Hold.state == "active", Hold.expires_at <= now)
    if event_id is not None:
        query = query.where(Hold.event_id == event_id)
    released = 0
    for hold in db.session.scalars(query.order_by(Hold.expires_at).limit(BATCH)).all():
        released += release(hold, now, "system:expiry", "expired", "the hold expired")
    return released


def release_expired_now(event_id: int) -> int:
    """Lazy release on read: release this event's expired holds and commit, before answering."""
    released = release_expired(event_id)
    db.session.commit()
    return released


def sweep(now: datetime | None = None) -> int:
    """Release every expired hold of every event; commits in batches; returns how many."""
    total = 0
    while True:
        released = release_expired(None, now)
        db.session.commit()
        total += released
        if released < BATCH:
            return total
