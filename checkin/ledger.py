"""Stock moves and the journal. Every seat is taken by a guarded UPDATE.

A take touches, in one transaction: the event cap, the type cap (less its
buffer), then the channel's quota or the type's shared remainder, then the
parent pool for bundles. Each UPDATE carries its own limit in the WHERE
clause, so concurrent takes can never overshoot; a refused guard raises and
the caller's transaction rolls back whatever the earlier guards took.
"""
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from .errors import SoldOut
from .extensions import db
from .models import Allocation, Channel, Event, LedgerEntry, TicketType, utcnow


@dataclass(frozen=True)
class Take:
    """Where a take's seats came from: the first `from_quota` from the channel's quota."""

    n: int
    from_quota: int

    def source(self, i: int) -> str:
        """Where the i-th seat of this take came from, so it returns to the same place."""
        return "quota" if i < self.from_quota else "shared"


class _Refused(Exception):
    """A guard found no room; carries the words for the clerk."""


def take_stock(ttype: TicketType, channel: Channel | None, n: int, held: bool = False) -> Take:
    """Take n seats of a type for a channel, or raise SoldOut and take nothing."""
    savepoint = db.session.begin_nested()
    try:
        from_quota = _take(ttype, channel, n, held)
    except _Refused as refused:
        savepoint.rollback()
        left = available(ttype, channel)
        raise SoldOut(f"{refused}; {left} left", type=ttype.code, available=left,
                      channel=channel.code if channel else None) from None
    savepoint.commit()
    return Take(n, from_quota)


def _take(ttype: TicketType, channel: Channel | None, n: int, held: bool) -> int:
    counter = TicketType.held if held else TicketType.sold
    _guard(update(Event).where(
        Event.id == ttype.event_id, Event.capacity.is_(None) | (Event.taken + n <= Event.capacity),
    ).values(taken=Event.taken + n), "the event is at capacity")
    _guard(update(TicketType).where(
        TicketType.id == ttype.id,
        TicketType.sold + TicketType.held + n <= TicketType.capacity - TicketType.buffer,
    ).values({counter: counter + n}), f"{ttype.name} is sold out")
    from_quota = _take_quota_or_shared(ttype, channel, n)
    if ttype.parent_id is not None:
        parent = db.session.get(TicketType, ttype.parent_id)
        _take(parent, None, n, held)
    return from_quota


def _take_quota_or_shared(ttype: TicketType, channel: Channel | None, n: int) -> int:
    """Take from the channel's quota first, the rest from the shared remainder; returns the quota part."""
    from_quota = 0
    if channel is not None:
        alloc = db.session.scalar(select(Allocation).where(
            Allocation.channel_id == channel.id, Allocation.type_id == ttype.id).with_for_update())
        if alloc is not None:
            db.session.refresh(alloc)
            from_quota = min(n, alloc.quota - alloc.used)
            _guard(update(Allocation).where(
                Allocation.id == alloc.id, Allocation.used + from_quota <= Allocation.quota,
            ).values(used=Allocation.used + from_quota), f"{channel.name}'s {ttype.name} quota changed")
        if from_quota < n and not channel.uses_shared:
            raise _Refused(f"{channel.name} has no {ttype.name} quota left")
    rest = n - from_quota
    if rest:
        _guard(update(TicketType).where(
            TicketType.id == ttype.id,
            TicketType.shared_used + TicketType.quota_total + rest <= TicketType.capacity - TicketType.buffer,
        ).values(shared_used=TicketType.shared_used + rest),
            f"{ttype.name} has no seats left outside channel quotas")
    return from_quota


def return_stock(ttype: TicketType, channel_id: int | None, n: int, source: str, held: bool = False) -> None:
    """Give n seats back to the places take_stock took them from."""
    counter = TicketType.held if held else TicketType.sold
    db.session.execute(update(Event).where(Event.id == ttype.event_id).values(taken=Event.taken - n))
    db.session.execute(update(TicketType).where(TicketType.id == ttype.id).values({counter: counter - n}))
    if source == "quota":
        db.session.execute(update(Allocation).where(
            Allocation.channel_id == channel_id, Allocation.type_id == ttype.id,
        ).values(used=Allocation.used - n))
    else:
        db.session.execute(update(TicketType).where(TicketType.id == ttype.id)
                           .values(shared_used=TicketType.shared_used - n))
    if ttype.parent_id is not None:
        return_stock(db.session.get(TicketType, ttype.parent_id), None, n, "shared", held)


def _guard(stmt, why: str) -> None:
    if db.session.execute(stmt).rowcount != 1:
        raise _Refused(why)


def available(ttype: TicketType, channel: Channel | None = None) -> int:
    """Seats a channel can still take of this type (quota left plus shared remainder)."""
    t = db.session.get(TicketType, ttype.id, populate_existing=True)
    e = db.session.get(Event, ttype.event_id, populate_existing=True)
    left = t.capacity - t.buffer - t.sold - t.held
    if e.capacity is not None:
        left = min(left, e.capacity - e.taken)
    shared = t.capacity - t.buffer - t.quota_total - t.shared_used
    quota = 0
    if channel is not None:
        alloc = db.session.scalar(select(Allocation).where(
            Allocation.channel_id == channel.id, Allocation.type_id == t.id))
        quota = alloc.quota - alloc.used if alloc else 0
        if not channel.uses_shared:
            shared = 0
    return max(0, min(left, quota + shared if channel else left))


def journal(event_id: int, actor: str, action: str, **fields) -> None:
    """Append one ledger entry to the current transaction."""
    db.session.add(LedgerEntry(event_id=event_id, actor=actor, action=action, at=utcnow(), **fields))


def journal_many(rows: list[dict]) -> None:
    """Append many ledger entries at once (bulk import)."""
    if rows:
        db.session.execute(insert(LedgerEntry), rows)
