"""The stock path's SQL, built once (like gate/queries.py for the scan path).

A sale waits on these guarded UPDATEs, so they are prebuilt Core statements
run on the session's connection: no statement is rebuilt or re-keyed per
call, and no ORM bookkeeping runs for rows nobody holds in memory. Each
guard's limit is in its WHERE clause; a rowcount of 0 means "no room".
"""
from sqlalchemy import bindparam, false, insert, select, update

from ..extensions import db
from ..models import Allocation, Event, LedgerEntry, TicketType

_N = bindparam("n")

EVENT_TAKE = update(Event).where(
    Event.id == bindparam("event_id"), Event.capacity.is_(None) | (Event.taken + _N <= Event.capacity),
).values(taken=Event.taken + _N)
EVENT_RETURN = update(Event).where(Event.id == bindparam("event_id")).values(taken=Event.taken - _N)

_ON_SALE = (TicketType.frozen == false(),
            TicketType.sale_starts_at.is_(None) | (TicketType.sale_starts_at <= bindparam("at")),
            TicketType.sale_ends_at.is_(None) | (TicketType.sale_ends_at > bindparam("at")))


def _type_take(counter, on_sale: bool):
    return update(TicketType).where(
        TicketType.id == bindparam("type_id"),
        TicketType.sold + TicketType.held + _N <= TicketType.capacity - TicketType.buffer,
        *(_ON_SALE if on_sale else ()),
    ).values({counter: counter + _N})


# (held, on_sale) -> the type's guarded take
TYPE_TAKE = {(held, on_sale): _type_take(TicketType.held if held else TicketType.sold, on_sale)
             for held in (False, True) for on_sale in (False, True)}
TYPE_RETURN = {held: update(TicketType).where(TicketType.id == bindparam("type_id")).values(
    {counter: counter - _N}) for held, counter in ((False, TicketType.sold), (True, TicketType.held))}
TYPE_CONVERT_HELD = update(TicketType).where(TicketType.id == bindparam("type_id")).values(
    held=TicketType.held - _N, sold=TicketType.sold + _N)

SHARED_TAKE = update(TicketType).where(
    TicketType.id == bindparam("type_id"),
    TicketType.shared_used + TicketType.quota_total + _N <= TicketType.capacity - TicketType.buffer,
).values(shared_used=TicketType.shared_used + _N)
SHARED_RETURN = update(TicketType).where(TicketType.id == bindparam("type_id")).values(
    shared_used=TicketType.shared_used - _N)

ALLOCATION = select(Allocation.id, Allocation.quota, Allocation.used).where(
    Allocation.channel_id == bindparam("channel_id"), Allocation.type_id == bindparam("type_id")).with_for_update()
QUOTA_TAKE = update(Allocation).where(
    Allocation.id == bindparam("alloc_id"), Allocation.used + _N <= Allocation.quota,
).values(used=Allocation.used + _N)
QUOTA_RETURN = update(Allocation).where(  # key_*: an UPDATE reserves its own column names
    Allocation.channel_id == bindparam("key_channel"), Allocation.type_id == bindparam("key_type"),
).values(used=Allocation.used - _N)

PARENT = select(TicketType.parent_id).where(TicketType.id == bindparam("type_id"))
JOURNAL = insert(LedgerEntry)


def run(statement, **params):
    """Execute a prebuilt statement in the session's current transaction."""
    return db.session.connection().execute(statement, params)


def run_many(statement, rows: list[dict]):
    """Execute a prebuilt statement once per row (executemany)."""
    return db.session.connection().execute(statement, rows)
