"""Setting up an event: the event itself, ticket types, channels and gates.

Every change is a ledger entry with before/after. Caps and quotas change
through guarded UPDATEs, so a cap can never drop below what is already sold.
"""
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update

from ..errors import Conflict, Invalid, NotFound, SoldOut
from ..extensions import db
from ..models import Allocation, Channel, Event, Gate, SigningKey, TicketType
from ..stock.ledger import journal
from ..tickets import codes


def create_event(data: dict, actor: str) -> Event:
    """A new event with its own signing key."""
    try:
        ZoneInfo(data["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown time zone {data['timezone']!r}", {"timezone": ["unknown time zone"]})
    if data["ends_at"] <= data["starts_at"]:
        raise Invalid("ends_at must be after starts_at", {"ends_at": ["must be after starts_at"]})
    if db.session.scalar(select(Event.id).where(Event.slug == data["slug"])):
        raise Conflict(f"an event {data['slug']!r} already exists", {"slug": ["already taken"]})
    event = Event(**data)
    db.session.add(event)
    db.session.flush()
    kid, private, public = codes.new_key_pair()
    db.session.add(SigningKey(event_id=event.id, kid=kid, private_key=private, public_key=public))
    journal(event.id, actor, "event.create", after=_public(data))
    db.session.commit()
    return event


def update_event(event: Event, data: dict, actor: str) -> Event:
    """Change an event's name, gate-pack setting or kiosk languages; journaled, so gates fetch their pack anew."""
    before = {k: getattr(event, k) for k in data}
    for key, value in data.items():
        setattr(event, key, value)
    journal(event.id, actor, "event.update", before=_public(before), after=_public(data))
    db.session.commit()
    return event


def create_ticket_type(event: Event, data: dict, actor: str) -> TicketType:
    """A new ticket type; `parent` names the pool a bundle also draws from."""
    _unique(TicketType, event, data["code"], "ticket type")
    parent_code = data.pop("parent", None)
    if parent_code:
        data["parent_id"] = type_by_code(event, parent_code, field="parent").id
    if data.get("buffer", 0) > data["capacity"]:
        raise Invalid("buffer cannot exceed capacity", {"buffer": ["cannot exceed capacity"]})
    ttype = TicketType(event_id=event.id, **data)
    db.session.add(ttype)
    db.session.flush()
    journal(event.id, actor, "type.create", type_id=ttype.id, after=_public(data))
    db.session.commit()
    return ttype


def update_ticket_type(event: Event, code: str, data: dict, actor: str) -> TicketType:
    """Change caps, buffer, frozen flag and the rest; refused if it would strand sold seats."""
    ttype = type_by_code(event, code)
    before = {k: getattr(ttype, k) for k in data}
    capacity = data.get("capacity", ttype.capacity)
    buffer = data.get("buffer", ttype.buffer)
    done = db.session.execute(update(TicketType).where(
        TicketType.id == ttype.id,
        TicketType.sold + TicketType.held <= capacity - buffer,
        TicketType.shared_used + TicketType.quota_total <= capacity - buffer,
    ).values(**data))
    if done.rowcount != 1:
        db.session.rollback()
        raise SoldOut("capacity less buffer would fall below the seats already sold, held or allocated",
                      {"capacity": ["below seats already taken"]})
    journal(event.id, actor, "type.update", type_id=ttype.id, before=_public(before), after=_public(data))
    db.session.commit()
    db.session.refresh(ttype)
    return ttype


def create_channel(event: Event, data: dict, actor: str) -> Channel:
    """A sales channel with quotas carved out of each type's pool."""
    _unique(Channel, event, data["code"], "channel")
    allocations = data.pop("allocations", None) or {}
    channel = Channel(event_id=event.id, **data)
    db.session.add(channel)
    db.session.flush()
    for type_code, quota in allocations.items():
        _set_quota(event, channel, type_code, quota)
    journal(event.id, actor, "channel.create", channel_id=channel.id,
            after={**_public(data), "allocations": allocations})
    db.session.commit()
    return channel


def update_channel(event: Event, code: str, data: dict, actor: str) -> Channel:
    """Rename a channel or move quota; quota can never drop below what it has sold."""
    channel = channel_by_code(event, code)
    allocations = data.pop("allocations", None) or {}
    for key, value in data.items():
        setattr(channel, key, value)
    for type_code, quota in allocations.items():
        _set_quota(event, channel, type_code, quota)
    journal(event.id, actor, "channel.update", channel_id=channel.id,
            after={**_public(data), "allocations": allocations})
    db.session.commit()
    return channel


def _set_quota(event: Event, channel: Channel, type_code: str, quota: int) -> None:
    ttype = type_by_code(event, type_code, field=f"allocations.{type_code}")
    alloc = db.session.scalar(select(Allocation).where(
        Allocation.channel_id == channel.id, Allocation.type_id == ttype.id))
    if alloc is None:
        alloc = Allocation(channel_id=channel.id, type_id=ttype.id, quota=0, used=0)
        db.session.add(alloc)
        db.session.flush()
    delta = quota - alloc.quota
    grown = db.session.execute(update(TicketType).where(
        TicketType.id == ttype.id,
        TicketType.shared_used + TicketType.quota_total + delta <= TicketType.capacity - TicketType.buffer,
    ).values(quota_total=TicketType.quota_total + delta))
    shrunk = db.session.execute(update(Allocation).where(
        Allocation.id == alloc.id, Allocation.used <= quota).values(quota=quota))
    if grown.rowcount != 1 or shrunk.rowcount != 1:
        db.session.rollback()
        raise SoldOut(f"quota {quota} for {type_code} does not fit: the type's free seats or this "
                      f"channel's sales stand in the way", {f"allocations.{type_code}": ["does not fit"]})


def create_gate(event: Event, data: dict, actor: str) -> Gate:
    """A check-in point; every admitted type must exist."""
    _unique(Gate, event, data["code"], "gate")
    _check_gate(event, data)
    gate = Gate(event_id=event.id, **data)
    db.session.add(gate)
    db.session.flush()
    journal(event.id, actor, "gate.create", after=_public(data))
    db.session.commit()
    return gate


def update_gate(event: Event, code: str, data: dict, actor: str) -> Gate:
    """Change a gate's hours, admitted types, direction or re-entry policy."""
    gate = gate_by_code(event, code)
    _check_gate(event, {"opens_at": gate.opens_at, "closes_at": gate.closes_at, **data})
    before = {k: getattr(gate, k) for k in data}
    for key, value in data.items():
        setattr(gate, key, value)
    journal(event.id, actor, "gate.update", before=_public(before), after=_public(data))
    db.session.commit()
    return gate


def _check_gate(event: Event, data: dict) -> None:
    for i, type_code in enumerate(data.get("admits") or []):
        type_by_code(event, type_code, field=f"admits.{i}")
    if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
        raise Invalid("closes_at must be after opens_at", {"closes_at": ["must be after opens_at"]})


def event_by_slug(slug: str) -> Event:
    """The event, or a 404 naming it."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise NotFound(f"no event {slug!r}")
    return event


def type_by_code(event: Event, code: str, field: str = "type") -> TicketType:
    ttype = db.session.scalar(select(TicketType).where(TicketType.event_id == event.id,
                                                       TicketType.code == code))
    if ttype is None:
        raise Invalid(f"{field}: no ticket type {code!r} in this event", {field: ["unknown ticket type"]})
    return ttype


def channel_by_code(event: Event, code: str, field: str = "channel") -> Channel:
    channel = db.session.scalar(select(Channel).where(Channel.event_id == event.id, Channel.code == code))
    if channel is None:
        raise Invalid(f"{field}: no channel {code!r} in this event", {field: ["unknown channel"]})
    return channel


def gate_by_code(event: Event, code: str, field: str = "gate") -> Gate:
    gate = db.session.scalar(select(Gate).where(Gate.event_id == event.id, Gate.code == code))
    if gate is None:
        raise NotFound(f"no gate {code!r} in this event", {field: ["unknown gate"]})
    return gate


def _unique(model, event: Event, code: str, what: str) -> None:
    if db.session.scalar(select(model.id).where(model.event_id == event.id, model.code == code)):
        raise Conflict(f"a {what} {code!r} already exists", {"code": ["already taken"]})


def _public(data: dict) -> dict:
    """JSON-safe copy for the ledger."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else str(v) if k == "price" else v)
            for k, v in data.items()}
