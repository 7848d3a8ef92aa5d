"""The daily review: what the box office did on one day of the event, and what could be released.

The day is the event's local calendar day. On-site sales are compared with
the planned on-site capacity (the box-office channels' quotas, see
BOX_OFFICE_CHANNELS); unused tickets are valid tickets nobody has entered
with yet, grouped by type and channel, next to unsold quota and the hidden
buffer: the seats an organiser could release for the next day.
"""
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_, select

from ..errors import Invalid
from ..extensions import db
from ..models import Admission, Allocation, Channel, Event, LedgerEntry, Sale, Ticket, TicketType
from ..schemas import EARLIEST, LATEST
from ..stock.holds import release_expired_now


def review(event: Event, day: date | None = None) -> dict:
    """The review of one local day (default: today where the event is)."""
    release_expired_now(event.id)
    tz = ZoneInfo(event.timezone)
    day = day or datetime.now(tz).date()
    if not EARLIEST.date() <= day <= LATEST.date():
        raise Invalid(f"day: between {EARLIEST.date()} and {LATEST.date()}", {"day": ["outside the years kept"]})
    start = datetime.combine(day, time.min, tz)
    end = start + timedelta(days=1)
    types = {t.id: t for t in db.session.scalars(select(TicketType).where(TicketType.event_id == event.id)
                                                 .execution_options(populate_existing=True))}
    return {
        "event": event.slug, "day": day.isoformat(), "from": start.isoformat(), "to": end.isoformat(),
        "onsite": _onsite(event, types, start, end),
        "upgrades": _changes(event, "ticket.upgrade", start, end, _upgrade_row),
        "transfers": _changes(event, "ticket.transfer", start, end, _transfer_row),
        "could_release": _could_release(event, types),
        "expired_holds": _expired_holds(event, types, start, end),
    }


def _onsite(event: Event, types: dict, start: datetime, end: datetime) -> dict:
    names = list(current_app.config["BOX_OFFICE_CHANNELS"])
    planned: dict[int, int] = defaultdict(int)
    for type_id, quota in db.session.execute(select(Allocation.type_id, Allocation.quota).join(Channel).where(
            Channel.event_id == event.id, Channel.code.in_(names))):
        planned[type_id] += quota
    sold_today: dict[int, int] = defaultdict(int)
    sold_total: dict[int, int] = defaultdict(int)
    for type_id, quantity, closed_at in db.session.execute(select(Sale.type_id, Sale.quantity, Sale.closed_at)
                                                           .where(Sale.event_id == event.id,
                                                                  Sale.state == "confirmed")):
        sold_total[type_id] += quantity
        if start <= closed_at < end:
            sold_today[type_id] += quantity
    rows = [{"type": t.code, "planned": planned.get(t.id, 0), "issued_today": sold_today.get(t.id, 0),
             "issued_to_date": sold_total.get(t.id, 0)}
            for t in types.values() if t.id in planned or t.id in sold_total]
    return {"channels": names, "types": rows,
            "planned": sum(r["planned"] for r in rows), "issued_today": sum(r["issued_today"] for r in rows),
            "issued_to_date": sum(r["issued_to_date"] for r in rows)}


def _changes(event: Event, action: str, start: datetime, end: datetime, shape) -> list[dict]:
    entries = db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.event_id == event.id, LedgerEntry.action == action,
        LedgerEntry.at >= start, LedgerEntry.at < end).order_by(LedgerEntry.id))
    return [{"ticket_id": e.ticket_id, "at": e.at.isoformat(), "actor": e.actor, "reason": e.reason, **shape(e)}
            for e in entries]


def _upgrade_row(e: LedgerEntry) -> dict:
    before, after = e.before or {}, e.after or {}
    return {"from": before.get("type"), "to": after.get("type"), "price_difference": after.get("price_difference")}


def _transfer_row(e: LedgerEntry) -> dict:
    before, after = e.before or {}, e.after or {}
    return {"from": before.get("holder_name"), "to": after.get("holder_name"), "approved_by": after.get("approved_by")}


def _could_release(event: Event, types: dict) -> dict:
    entered = select(Admission.ticket_id).where(Admission.event_id == event.id)
    unused = [{"type": types[type_id].code, "channel": channel, "tickets": n}
              for type_id, channel, n in db.session.execute(select(
                  Ticket.type_id, Channel.code, func.count()).outerjoin(Channel, Channel.id == Ticket.channel_id)
                  .where(Ticket.event_id == event.id, Ticket.state == "valid", Ticket.id.not_in(entered))
                  .group_by(Ticket.type_id, Channel.code).order_by(Ticket.type_id, Channel.code))]
    quota = [{"type": types[type_id].code, "channel": channel, "unsold": free}
             for type_id, channel, free in db.session.execute(select(
                 Allocation.type_id, Channel.code, Allocation.quota - Allocation.used).join(Channel).where(
                 Channel.event_id == event.id, Allocation.quota > Allocation.used).order_by(Allocation.type_id))]
    buffer = [{"type": t.code, "buffer": t.buffer} for t in types.values() if t.buffer]
    return {"unused_tickets": unused, "unsold_quota": quota, "buffer": buffer}


def _expired_holds(event: Event, types: dict, start: datetime, end: datetime) -> dict:
    """Holds whose time ran out that day; a late payment that still found stock is listed as such."""
    sales = db.session.scalars(select(Sale).where(
        Sale.event_id == event.id, or_(Sale.state == "expired", Sale.late.is_(True)),
        Sale.expires_at >= start, Sale.expires_at < end,
    ).order_by(Sale.id)).all()
    return {"count": len(sales), "seats": sum(s.quantity for s in sales),
            "sales": [{"sale": s.id, "type": types[s.type_id].code, "quantity": s.quantity, "method": s.method,
                       "expired_at": s.expires_at.isoformat(), "confirmed_late": s.late} for s in sales]}
