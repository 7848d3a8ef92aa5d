"""Counts and inventory, read straight from the ledger's tables."""
from sqlalchemy import case, distinct, func, select

from ..extensions import db
from ..models import (
    Admission,
    Allocation,
    BadgePrint,
    Channel,
    Event,
    Gate,
    Hold,
    Sale,
    Scan,
    Ticket,
    TicketType,
    utcnow,
)
from ..stock.holds import release_expired_now
from ..stock.ledger import available


def counts(event: Event) -> dict:
    """Per event, gate, zone and type: entries, exits, inside, refusals, duplicates; walk-ins
    sold and badges printed. A recount from the tables (the live counts must equal it)."""
    gates = _gates(event)
    zones = _zones(event)
    for gate in gates.values():
        zones[gate["zone"]]["entries"] += gate["entries"]
        zones[gate["zone"]]["exits"] += gate["exits"]
    prints = db.session.execute(select(func.count(), func.sum(case((BadgePrint.print_no > 1, 1), else_=0)))
                                .where(BadgePrint.event_id == event.id)).one()
    return {
        "event": event.slug,
        "tickets": db.session.scalar(select(func.count()).where(Ticket.event_id == event.id,
                                                                Ticket.state != "void")),
        "checked_in": db.session.scalar(select(func.count(distinct(Admission.ticket_id)))
                                        .where(Admission.event_id == event.id)),
        "walk_ins": int(db.session.scalar(select(func.sum(Sale.quantity)).where(
            Sale.event_id == event.id, Sale.state == "confirmed")) or 0),
        "badges_printed": prints[0], "reprints": int(prints[1] or 0),
        "zones": zones,
        "gates": gates,
        "types": _types(event),
    }


def _zones(event: Event) -> dict:
    rows = db.session.execute(select(
        Admission.zone, func.count(), func.sum(case((Admission.inside, 1), else_=0)),
    ).where(Admission.event_id == event.id).group_by(Admission.zone))
    zones = {g.zone: _no_one() for g in _event_gates(event)}
    for zone, checked_in, inside in rows:  # a zone no gate names any more still has people in it
        zones.setdefault(zone, _no_one()).update(checked_in=checked_in, inside=int(inside or 0))
    return zones


def _no_one() -> dict:
    return {"entries": 0, "exits": 0, "checked_in": 0, "inside": 0}


def _gates(event: Event) -> dict:
    live = Scan.annulled_at.is_(None)
    rows = db.session.execute(select(Scan.gate_id, Scan.status, Scan.direction, Scan.reason, func.count())
                              .where(Scan.event_id == event.id, live)
                              .group_by(Scan.gate_id, Scan.status, Scan.direction, Scan.reason))
    gates = {g.id: {"code": g.code, "zone": g.zone, **_no_scans()} for g in _event_gates(event)}
    for gate_id, status, direction, reason, n in rows:
        _add_scans(gates[gate_id], status, direction, reason, n)
    return {g.pop("code"): g for g in gates.values()}


def _no_scans() -> dict:
    return {"entries": 0, "exits": 0, "refused": {}, "duplicates": 0}


def _add_scans(into: dict, status: str, direction: str, reason: str | None, n: int) -> None:
    if status == "ok":
        into["entries" if direction == "in" else "exits"] += n
    else:
        into["refused"][reason] = into["refused"].get(reason, 0) + n
        into["duplicates"] += n if reason == "duplicate" else 0


def _types(event: Event) -> dict:
    types = {t.id: t.code for t in db.session.scalars(select(TicketType).where(TicketType.event_id == event.id))}
    out = {code: {"tickets": 0, "checked_in": 0, "inside": 0, **_no_scans()} for code in types.values()}
    for type_id, status, direction, reason, n in db.session.execute(
            select(Ticket.type_id, Scan.status, Scan.direction, Scan.reason, func.count())
            .join(Ticket, Ticket.id == Scan.ticket_id)
            .where(Scan.event_id == event.id, Scan.annulled_at.is_(None))
            .group_by(Ticket.type_id, Scan.status, Scan.direction, Scan.reason)):
        _add_scans(out[types[type_id]], status, direction, reason, n)
    for type_id, n in db.session.execute(select(Ticket.type_id, func.count()).where(
            Ticket.event_id == event.id, Ticket.state != "void").group_by(Ticket.type_id)):
        out[types[type_id]]["tickets"] = n
    for type_id, checked_in, inside in db.session.execute(select(
            Ticket.type_id, func.count(distinct(Admission.ticket_id)),
            func.count(distinct(case((Admission.inside, Admission.ticket_id))))).join(
            Ticket, Ticket.id == Admission.ticket_id).where(Admission.event_id == event.id)
            .group_by(Ticket.type_id)):
        out[types[type_id]].update(checked_in=checked_in, inside=inside)
    return out


def _event_gates(event: Event) -> list[Gate]:
    return list(db.session.scalars(select(Gate).where(Gate.event_id == event.id).order_by(Gate.id)))


def inventory(event: Event) -> dict:
    """Per type and channel: capacity, buffer, sold, held, available, checked in, inside.

    Expired holds are released first (lazy release on read), so `held` never
    counts a hold whose time is up. `available` is what can still be sold,
    capped by the event and, for a bundle, by its parent pool. `issued` counts
    the type's own tickets (not void); `sold` also counts seats its bundles took.
    """
    release_expired_now(event.id)
    usage = _types(event)
    per_channel = _by_channel(event)
    now = utcnow()
    types = []
    fresh = {"populate_existing": True}  # the release above moved counters behind the ORM's back
    for t in db.session.scalars(select(TicketType).where(TicketType.event_id == event.id)
                                .order_by(TicketType.id).execution_options(**fresh)):
        channels = [
            {"channel": c.code, "quota": a.quota, "used": a.used, "available": a.quota - a.used,
             **per_channel.get((t.id, c.id), _NOTHING), "sellable": available(t, c)}
            for a, c in db.session.execute(select(Allocation, Channel).join(Channel).where(
                Allocation.type_id == t.id).order_by(Channel.id).execution_options(**fresh))
        ]
        left = available(t, whole_pool=True)
        types.append({
            "code": t.code, "name": t.name, "capacity": t.capacity, "buffer": t.buffer, "sold": t.sold,
            "held": t.held, "available": left,
            "shared": {"size": t.capacity - t.buffer - t.quota_total, "used": t.shared_used},
            "frozen": t.frozen, "checked_in": usage[t.code]["checked_in"], "inside": usage[t.code]["inside"],
            "channels": channels,
            "issued": usage[t.code]["tickets"], "price": str(t.price), "parent": t.parent.code if t.parent else None,
            "on_sale": not t.frozen and (t.sale_starts_at is None or t.sale_starts_at <= now)
            and (t.sale_ends_at is None or now < t.sale_ends_at),
            "low_stock": t.low_stock_at is not None and left <= t.low_stock_at,
        })
    taken = db.session.scalar(select(Event.taken).where(Event.id == event.id))
    return {"event": event.slug, "capacity": event.capacity, "taken": taken, "types": types}


_NOTHING = {"issued": 0, "held": 0, "checked_in": 0, "inside": 0}


def _by_channel(event: Event) -> dict[tuple[int, int | None], dict]:
    """Per (type, channel): tickets issued (not void), seats held, checked in and inside now."""
    out: dict[tuple[int, int | None], dict] = {}

    def add(key, field, n):
        out.setdefault(key, dict(_NOTHING))[field] = int(n or 0)

    for type_id, channel_id, n in db.session.execute(select(Ticket.type_id, Ticket.channel_id, func.count()).where(
            Ticket.event_id == event.id, Ticket.state != "void").group_by(Ticket.type_id, Ticket.channel_id)):
        add((type_id, channel_id), "issued", n)
    for type_id, channel_id, n in db.session.execute(select(
            Hold.type_id, Hold.channel_id, func.sum(Hold.quantity - Hold.used)).where(
            Hold.event_id == event.id, Hold.state == "active").group_by(Hold.type_id, Hold.channel_id)):
        add((type_id, channel_id), "held", n)
    for type_id, channel_id, checked_in, inside in db.session.execute(select(
            Ticket.type_id, Ticket.channel_id, func.count(distinct(Admission.ticket_id)),
            func.count(distinct(case((Admission.inside, Admission.ticket_id))))).join(
            Ticket, Ticket.id == Admission.ticket_id).where(Admission.event_id == event.id)
            .group_by(Ticket.type_id, Ticket.channel_id)):
        add((type_id, channel_id), "checked_in", checked_in)
        add((type_id, channel_id), "inside", inside)
    return out
