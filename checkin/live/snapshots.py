"""What the live screens show, read in a few small queries.

`counts` is built from the counters table (see counters.py), `inventory`
from the stock columns of types and allocations; neither counts scans or
tickets, so both stay cheap however big the event gets. Both are complete
pictures: a screen replaces what it has, and ignores a `counts` whose
`version` is lower than the one it shows (snapshots from two nodes can
arrive out of order).

counts:
  {"event", "version", "at", "series_start",
   "totals": {entries, exits, refused, duplicates, walkins, badges, reprints, scans_per_minute},
   "gates": {CODE: {name, zone, entries, exits, refused: {REASON: n}, duplicates, scans_per_minute,
                    last_hour: {entries: [60], duplicates: [60]}}},   # per minute, oldest first
   "zones": {ZONE: {entries, exits, inside, capacity, inside_by_type: {TYPE: n}}},
   "types": {CODE: {name, entries, exits, refused: {REASON: n}, duplicates, inside_by_zone: {ZONE: n}}}}
inventory:
  {"event", "capacity", "taken", "types": [{code, name, capacity, buffer, sold, held, available,
   low_stock_at, frozen, shared: {size, used}, channels: [{channel, quota, used, available}]}]}
"""
from datetime import datetime, timezone

from sqlalchemy import select

from ..extensions import db
from ..models import Allocation, Channel, Event, Gate, TicketType, utcnow
from . import counters

SERIES_MINUTES = 60


def counts(event: Event, zone_capacity: dict | None = None, now: datetime | None = None) -> dict:
    """The live counts of an event (the Socket.IO `counts` payload)."""
    now = now or utcnow()
    current = counters.minute_of(now)
    first = current - SERIES_MINUTES + 1
    gates = {g.code: _blank_gate(g.name, g.zone) for g in db.session.execute(
        select(Gate.code, Gate.name, Gate.zone).where(Gate.event_id == event.id).order_by(Gate.id))}
    zones = {zone: _blank_zone((zone_capacity or {}).get(zone)) for zone in
             [g["zone"] for g in gates.values()] + list(zone_capacity or {})}
    types = {t.code: _blank_type(t.name) for t in db.session.execute(
        select(TicketType.code, TicketType.name).where(TicketType.event_id == event.id).order_by(TicketType.id))}
    event_totals: dict[str, int] = {}
    scans_by_minute: dict[str, dict[int, int]] = {}
    for scope, key, metric, minute, value in counters.totals(event.id, first - 1):
        value = int(value or 0)
        if minute:
            _per_minute(gates, scans_by_minute.setdefault(key, {}), key, metric, minute, minute - first, value)
        elif scope == "event":
            event_totals[metric] = value
        elif scope == "gate":
            _add_metric(gates.setdefault(key, _blank_gate(key, None)), metric, value)
        elif scope == "zone":
            _zone_metric(zones.setdefault(key, _blank_zone(None)), types, key, metric, value)
        elif scope == "type":
            _add_metric(types.setdefault(key, _blank_type(key)), metric, value)
    fraction = (now.second + now.microsecond / 1e6) / 60
    for code, gate in gates.items():
        per = scans_by_minute.get(code, {})
        gate["scans_per_minute"] = round(per.get(current, 0) + per.get(current - 1, 0) * (1 - fraction), 1)
    return {
        "event": event.slug, "version": event_totals.get("changes", 0), "at": now.isoformat(),
        "series_start": datetime.fromtimestamp(first * 60, timezone.utc).isoformat(),
        "totals": {"entries": _sum(gates, "entries"), "exits": _sum(gates, "exits"),
                   "refused": sum(sum(g["refused"].values()) for g in gates.values()),
                   "duplicates": _sum(gates, "duplicates"), "walkins": event_totals.get("walkins", 0),
                   "badges": event_totals.get("badges", 0),
                   "reprints": event_totals.get("reprints", 0),
                   "scans_per_minute": round(_sum(gates, "scans_per_minute"), 1)},
        "gates": gates, "zones": zones, "types": types,
    }


def _blank_gate(name: str, zone: str | None) -> dict:
    return {"name": name, "zone": zone, "entries": 0, "exits": 0, "refused": {}, "duplicates": 0,
            "scans_per_minute": 0.0,
            "last_hour": {"entries": [0] * SERIES_MINUTES, "duplicates": [0] * SERIES_MINUTES}}


def _blank_zone(capacity: int | None) -> dict:
    return {"entries": 0, "exits": 0, "inside": 0, "capacity": capacity, "inside_by_type": {}}


def _blank_type(name: str) -> dict:
    return {"name": name, "entries": 0, "exits": 0, "refused": {}, "duplicates": 0, "inside_by_zone": {}}


def _add_metric(target: dict, metric: str, value: int) -> None:
    if metric.startswith("refused."):
        reason = metric.removeprefix("refused.")
        if value:
            target["refused"][reason] = value
        if reason == "duplicate":
            target["duplicates"] = value
    elif metric in ("entries", "exits"):
        target[metric] = value


def _zone_metric(zone: dict, types: dict, name: str, metric: str, value: int) -> None:
    if metric.startswith("inside."):
        code = metric.removeprefix("inside.")
        if value:
            zone["inside_by_type"][code] = value
            types.setdefault(code, _blank_type(code))["inside_by_zone"][name] = value
    elif metric in ("entries", "exits", "inside"):
        zone[metric] = value


def _per_minute(gates: dict, per: dict, code: str, metric: str, minute: int, index: int, value: int) -> None:
    if metric in ("entries", "exits", "refused"):
        per[minute] = per.get(minute, 0) + value
    gate = gates.get(code)
    if gate is not None and 0 <= index < SERIES_MINUTES and metric in ("entries", "duplicates"):
        gate["last_hour"][metric][index] += value


def _sum(gates: dict, field: str) -> float:
    return sum(g[field] for g in gates.values())


def inventory(event: Event) -> dict:
    """Stock per type and channel (the Socket.IO `inventory` payload)."""
    event = db.session.get(Event, event.id, populate_existing=True)
    types = list(db.session.scalars(select(TicketType).where(TicketType.event_id == event.id)
                                    .order_by(TicketType.id).execution_options(populate_existing=True)))
    allocations: dict[int, list] = {}
    for a, code in db.session.execute(select(Allocation, Channel.code).join(Channel)
                                      .where(Channel.event_id == event.id).order_by(Channel.id)
                                      .execution_options(populate_existing=True)):
        allocations.setdefault(a.type_id, []).append(
            {"channel": code, "quota": a.quota, "used": a.used, "available": a.quota - a.used})
    by_id = {t.id: t for t in types}
    event_left = None if event.capacity is None else event.capacity - event.taken
    return {"event": event.slug, "capacity": event.capacity, "taken": event.taken,
            "types": [_type_stock(t, by_id, event_left, allocations.get(t.id, [])) for t in types]}


def _type_stock(t: TicketType, by_id: dict, event_left: int | None, channels: list) -> dict:
    left = t.capacity - t.buffer - t.sold - t.held
    parent = by_id.get(t.parent_id)
    if parent is not None:  # a bundle sells no more than its parent pool has left
        left = min(left, parent.capacity - parent.buffer - parent.sold - parent.held)
    if event_left is not None:
        left = min(left, event_left)
    return {"code": t.code, "name": t.name, "capacity": t.capacity, "buffer": t.buffer, "sold": t.sold,
            "held": t.held, "available": max(0, left), "low_stock_at": t.low_stock_at, "frozen": t.frozen,
            "shared": {"size": t.capacity - t.buffer - t.quota_total, "used": t.shared_used},
            "channels": channels}
