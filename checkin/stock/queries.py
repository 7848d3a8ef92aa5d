"""The stock path's SQL, built once and run with db.session.execute(statement, params).

A sale waits on these guarded UPDATEs, so they are prebuilt Core statements
on the tables: no statement is rebuilt or re-keyed per call, and the session
runs them as they are, with no ORM bookkeeping for rows nobody holds in
memory (who needs fresh numbers reads them with populate_existing). Each
guard's limit is in its WHERE clause; a rowcount of 0 means "no room".
"""
from sqlalchemy import bindparam, false, insert, select, update

from ..models import Allocation, Event, LedgerEntry, TicketType

_N = bindparam("n")
_event, _type, _alloc = Event.__table__, TicketType.__table__, Allocation.__table__

EVENT_TAKE = update(_event).where(
    _event.c.id == bindparam("event_id"), _event.c.capacity.is_(None) | (_event.c.taken + _N <= _event.c.capacity),
).values(taken=_event.c.taken + _N)
EVENT_RETURN = update(_event).where(_event.c.id == bindparam("event_id")).values(taken=_event.c.taken - _N)

_ON_SALE = (_type.c.frozen == false(),
            _type.c.sale_starts_at.is_(None) | (_type.c.sale_starts_at <= bindparam("at")),
            _type.c.sale_ends_at.is_(None) | (_type.c.sale_ends_at > bindparam("at")))


def _type_take(counter, on_sale: bool):
    return update(_type).where(
        _type.c.id == bindparam("type_id"),
        _type.c.sold + _type.c.held + _N <= _type.c.capacity - _type.c.buffer,
        *(_ON_SALE if on_sale else ()),
    ).values({counter: counter + _N})


# (held, on_sale) -> the type's guarded take
TYPE_TAKE = {(held, on_sale): _type_take(_type.c.held if held else _type.c.sold, on_sale)
             for held in (False, True) for on_sale in (False, True)}
TYPE_RETURN = {held: update(_type).where(_type.c.id == bindparam("type_id")).values(
    {counter: counter - _N}) for held, counter in ((False, _type.c.sold), (True, _type.c.held))}
TYPE_CONVERT_HELD = update(_type).where(_type.c.id == bindparam("type_id")).values(
    held=_type.c.held - _N, sold=_type.c.sold + _N)

SHARED_TAKE = update(_type).where(
    _type.c.id == bindparam("type_id"),
    _type.c.shared_used + _type.c.quota_total + _N <= _type.c.capacity - _type.c.buffer,
).values(shared_used=_type.c.shared_used + _N)
SHARED_RETURN = update(_type).where(_type.c.id == bindparam("type_id")).values(
    shared_used=_type.c.shared_used - _N)

ALLOCATION = select(_alloc.c.id, _alloc.c.quota, _alloc.c.used).where(
    _alloc.c.channel_id == bindparam("channel_id"), _alloc.c.type_id == bindparam("type_id")).with_for_update()
QUOTA_TAKE = update(_alloc).where(
    _alloc.c.id == bindparam("alloc_id"), _alloc.c.used + _N <= _alloc.c.quota,
).values(used=_alloc.c.used + _N)
QUOTA_RETURN = update(_alloc).where(  # key_*: an UPDATE reserves its own column names
    _alloc.c.channel_id == bindparam("key_channel"), _alloc.c.type_id == bindparam("key_type"),
).values(used=_alloc.c.used - _N)

JOURNAL = insert(LedgerEntry.__table__)  # run with a list of rows: one executemany
