"""Stock moves and the journal. Every seat is taken by a guarded UPDATE.

A take touches, in one transaction: the event cap, the type cap (less its
buffer), then the channel's quota or the type's shared remainder, then the
parent pool for bundles. Each UPDATE carries its own limit in the WHERE
clause, so concurrent takes can never overshoot; a refused guard raises and
the caller's transaction rolls back whatever the earlier guards took.

Every stock move locks the event's row before its types' rows, so two moves
never wait on each other in opposite orders (a deadlock on PostgreSQL).
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from ..errors import SoldOut
from ..extensions import db
from ..live import counters
from ..live.outbox import INVENTORY
from ..models import Allocation, Channel, Event, LedgerEntry, TicketType, utcnow
from . import queries as q

# Journaled actions that move stock or change what is sold (with any action that has a quantity):
# each makes the event's inventory stale on the live screens.
STOCK_ACTIONS = ("type", "channel", "quota", "pool", "hold", "sale", "stock")


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


def take_stock(ttype: TicketType, channel: Channel | None, n: int, held: bool = False,
               on_sale_at: datetime | None = None) -> Take:
    """Take n seats of a type for a channel, or raise SoldOut and take nothing.

    With `on_sale_at`, the type (and a bundle's parent) must also be on sale at
    that moment: not frozen and inside its sale window, checked in the same
    guarded UPDATE so a freeze that commits first always wins.
    """
    savepoint = db.session.begin_nested()
    try:
        from_quota = _take(ttype, channel, n, held, on_sale_at)
    except _Refused as refused:
        savepoint.rollback()
        left = available(ttype, channel)
        raise SoldOut(f"{refused}; {left} left", type=ttype.code, available=left,
                      channel=channel.code if channel else None) from None
    savepoint.commit()
    return Take(n, from_quota)


def _take(ttype: TicketType, channel: Channel | None, n: int, held: bool,
          on_sale_at: datetime | None = None, count_event: bool = True) -> int:
    if count_event:  # a bundle's seat is one person: the event counts it once, not per pool
        _guard(q.EVENT_TAKE, "the event is at capacity", event_id=ttype.event_id, n=n)
    on_sale = {"at": on_sale_at} if on_sale_at is not None else {}
    _guard(q.TYPE_TAKE[held, on_sale_at is not None],
           f"{ttype.name} is sold out" if on_sale_at is None else f"{ttype.name} is sold out or not on sale",
           type_id=ttype.id, n=n, **on_sale)
    from_quota = _take_quota_or_shared(ttype, channel, n)
    if ttype.parent_id is not None:
        parent = db.session.get(TicketType, ttype.parent_id)
        _take(parent, None, n, held, on_sale_at, count_event=False)
    return from_quota


def _take_quota_or_shared(ttype: TicketType, channel: Channel | None, n: int) -> int:
    """Take from the channel's quota first, the rest from the shared remainder; returns the quota part."""
    from_quota = 0
    if channel is not None:
        alloc = db.session.execute(q.ALLOCATION, {"channel_id": channel.id, "type_id": ttype.id}).first()
        if alloc is not None:
            from_quota = min(n, alloc.quota - alloc.used)
            _guard(q.QUOTA_TAKE, f"{channel.name}'s {ttype.name} quota changed", alloc_id=alloc.id, n=from_quota)
        if from_quota < n and not channel.uses_shared:
            raise _Refused(f"{channel.name} has no {ttype.name} quota left")
    rest = n - from_quota
    if rest:
        _guard(q.SHARED_TAKE, f"{ttype.name} has no seats left outside channel quotas", type_id=ttype.id, n=rest)
    return from_quota


def return_stock(ttype: TicketType, channel_id: int | None, n: int, source: str, held: bool = False,
                 count_event: bool = True) -> None:
    """Give n seats back to the places take_stock took them from."""
    if count_event:
        db.session.execute(q.EVENT_RETURN, {"event_id": ttype.event_id, "n": n})
    db.session.execute(q.TYPE_RETURN[held], {"type_id": ttype.id, "n": n})
    if source == "quota":
        db.session.execute(q.QUOTA_RETURN, {"key_channel": channel_id, "key_type": ttype.id, "n": n})
    else:
        db.session.execute(q.SHARED_RETURN, {"type_id": ttype.id, "n": n})
    if ttype.parent_id is not None:
        return_stock(db.session.get(TicketType, ttype.parent_id), None, n, "shared", held, count_event=False)


def return_held(ttype: TicketType, channel_id: int | None, n: int, from_quota: int) -> None:
    """Give back n held seats of which the first `from_quota` came from the channel's quota."""
    if from_quota:
        return_stock(ttype, channel_id, from_quota, "quota", held=True)
    if n - from_quota:
        return_stock(ttype, channel_id, n - from_quota, "shared", held=True)


def convert_held(ttype: TicketType, n: int) -> None:
    """Turn n held seats into sold ones (a hold became tickets); quotas and the event count stay."""
    # The event's row first, as a take does: its tickets' serials come from that row next. The lock an
    # UPDATE takes (NO KEY UPDATE), not FOR UPDATE: that one would also wait on every transaction that
    # merely inserted a row referring to the event (its foreign key check), a deadlock of its own.
    db.session.execute(select(Event.id).where(Event.id == ttype.event_id).with_for_update(key_share=True))
    _convert_held(ttype, n)


def _convert_held(ttype: TicketType, n: int) -> None:
    db.session.execute(q.TYPE_CONVERT_HELD, {"type_id": ttype.id, "n": n})
    if ttype.parent_id is not None:
        _convert_held(db.session.get(TicketType, ttype.parent_id), n)


def release_buffer(ttype: TicketType, n: int) -> None:
    """Make n seats of the hidden buffer sellable, or raise SoldOut if the buffer is smaller."""
    done = db.session.execute(update(TicketType).where(TicketType.id == ttype.id, TicketType.buffer >= n)
                              .values(buffer=TicketType.buffer - n))
    if done.rowcount != 1:
        left = db.session.scalar(select(TicketType.buffer).where(TicketType.id == ttype.id))
        raise SoldOut(f"{ttype.name} has only {left} buffer seat(s) to release",
                      {"quantity": [f"at most {left}"]}, type=ttype.code, buffer=left)


def move_quota(ttype: TicketType, source: Channel, target: Channel, n: int) -> None:
    """Move n seats of unsold quota from one channel to another; the pool's total stays the same."""
    taken = db.session.execute(update(Allocation).where(
        Allocation.channel_id == source.id, Allocation.type_id == ttype.id, Allocation.quota - n >= Allocation.used,
    ).values(quota=Allocation.quota - n))
    if taken.rowcount != 1:
        alloc = db.session.scalar(select(Allocation).where(Allocation.channel_id == source.id,
                                                           Allocation.type_id == ttype.id))
        free = alloc.quota - alloc.used if alloc else 0
        raise SoldOut(f"{source.name} has only {free} unsold {ttype.name} seat(s) of quota",
                      {"quantity": [f"at most {free}"]}, type=ttype.code, available=free)
    grown = db.session.execute(update(Allocation).where(
        Allocation.channel_id == target.id, Allocation.type_id == ttype.id).values(quota=Allocation.quota + n))
    if grown.rowcount != 1:
        db.session.add(Allocation(channel_id=target.id, type_id=ttype.id, quota=n, used=0))
        db.session.flush()


def _guard(stmt, why: str, **params) -> None:
    if db.session.execute(stmt, params).rowcount != 1:
        raise _Refused(why)


def available(ttype: TicketType, channel: Channel | None = None, whole_pool: bool = False) -> int:
    """Seats a take can still get of this type: through a channel, its quota left plus the shared
    remainder; through no channel, the shared remainder; `whole_pool`: every seat not sold or held.

    Capped by the event's capacity and, for a bundle, by what its parent pool can still give.
    """
    t = db.session.get(TicketType, ttype.id, populate_existing=True)
    e = db.session.get(Event, ttype.event_id, populate_existing=True)
    left = t.capacity - t.buffer - t.sold - t.held
    if e.capacity is not None:
        left = min(left, e.capacity - e.taken)
    shared = t.capacity - t.buffer - t.quota_total - t.shared_used
    if channel is not None:
        alloc = db.session.scalar(select(Allocation).where(
            Allocation.channel_id == channel.id, Allocation.type_id == t.id).execution_options(populate_existing=True))
        quota = alloc.quota - alloc.used if alloc else 0
        left = min(left, quota + (shared if channel.uses_shared else 0))
    elif not whole_pool:
        left = min(left, shared)
    if t.parent_id is not None:  # a bundle sells no more than its parent pool has left
        left = min(left, available(db.session.get(TicketType, t.parent_id)))
    return max(0, left)


def journal(event_id: int, actor: str, action: str, **fields) -> None:
    """Append one ledger entry to the current transaction, with what follows from it."""
    db.session.add(LedgerEntry(event_id=event_id, actor=actor, action=action, at=utcnow(), **fields))
    _journaled([{"event_id": event_id, "action": action, **fields}])


def journal_many(rows: list[dict]) -> None:
    """Append many ledger entries at once (bulk import, sales), with what follows; rows share their keys."""
    if rows:
        db.session.execute(q.JOURNAL, rows)
        _journaled(rows)


def _journaled(rows: list[dict]) -> None:
    """What journaled entries change on the live screens: counted prints and walk-ins, stale inventory."""
    counters.count_journaled(rows)
    outbox = db.session().outbox
    for row in rows:
        if row.get("quantity") or row["action"].split(".")[0] in STOCK_ACTIONS:
            outbox.changed(row["event_id"], INVENTORY)
