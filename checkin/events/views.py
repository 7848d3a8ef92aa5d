"""Setting up events, ticket types, channels and gates (admin)."""
from sqlalchemy import select

from ..api import actor, allowed, bp, load_event
from ..auth import current
from ..errors import Forbidden
from ..extensions import db
from ..models import Channel, Gate
from . import setup as service
from .schemas import ChannelIn, ChannelPatch, EventIn, EventPatch, GateIn, GatePatch, TicketTypeIn, TicketTypePatch


def _event_view(e) -> dict:
    return {"id": e.id, "slug": e.slug, "name": e.name, "timezone": e.timezone,
            "starts_at": e.starts_at.isoformat(), "ends_at": e.ends_at.isoformat(), "capacity": e.capacity,
            "gate_pack_names": e.gate_pack_names, "languages": e.languages}


def _type_view(t) -> dict:
    return {"code": t.code, "name": t.name, "price": str(t.price), "capacity": t.capacity, "buffer": t.buffer,
            "badge_type": t.badge_type, "zones": t.zones or [], "low_stock_at": t.low_stock_at,
            "parent": t.parent.code if t.parent else None, "frozen": t.frozen, "sold": t.sold, "held": t.held}


def _channel_view(c) -> dict:
    return {"code": c.code, "name": c.name, "uses_shared": c.uses_shared}


def _gate_view(g) -> dict:
    return {"code": g.code, "name": g.name, "zone": g.zone, "admits": g.admits, "direction": g.direction,
            "reentry": g.reentry, "opens_at": g.opens_at.isoformat() if g.opens_at else None,
            "closes_at": g.closes_at.isoformat() if g.closes_at else None}


@bp.post("/events")
@bp.auth_required(**allowed("setup"))
@bp.input(EventIn)
def create_event(json_data):
    """Create an event (and its signing key); not with a token bound to one event."""
    if current().event_id is not None:
        raise Forbidden("This token belongs to one event: creating events takes a token bound to none.")
    return _event_view(service.create_event(json_data, actor())), 201


@bp.get("/events/<slug>")
@bp.auth_required(**allowed("counts.read"))
def get_event(slug):
    """An event with its types, channels and gates."""
    event = load_event(slug)
    return {**_event_view(event), "ticket_types": [_type_view(t) for t in event.types],
            "channels": [_channel_view(c)
                         for c in db.session.scalars(select(Channel).where(Channel.event_id == event.id))],
            "gates": [_gate_view(g) for g in db.session.scalars(select(Gate).where(Gate.event_id == event.id))]}


@bp.patch("/events/<slug>")
@bp.auth_required(**allowed("setup"))
@bp.input(EventPatch)
def update_event(slug, json_data):
    """Rename an event, or say whether gate packs carry holders' names."""
    return _event_view(service.update_event(load_event(slug), json_data, actor()))


@bp.post("/events/<slug>/ticket-types")
@bp.auth_required(**allowed("setup"))
@bp.input(TicketTypeIn)
def create_ticket_type(slug, json_data):
    """Add a ticket type with its hard cap and hidden buffer."""
    return _type_view(service.create_ticket_type(load_event(slug), json_data, actor())), 201


@bp.patch("/events/<slug>/ticket-types/<code>")
@bp.auth_required(**allowed("setup"))
@bp.input(TicketTypePatch(partial=True))
def update_ticket_type(slug, code, json_data):
    """Change a type's cap, buffer, frozen flag, price or windows."""
    return _type_view(service.update_ticket_type(load_event(slug), code, json_data, actor()))


@bp.post("/events/<slug>/channels")
@bp.auth_required(**allowed("setup"))
@bp.input(ChannelIn)
def create_channel(slug, json_data):
    """Add a sales channel with quotas per type."""
    return _channel_view(service.create_channel(load_event(slug), json_data, actor())), 201


@bp.patch("/events/<slug>/channels/<code>")
@bp.auth_required(**allowed("setup"))
@bp.input(ChannelPatch(partial=True))
def update_channel(slug, code, json_data):
    """Rename a channel or change its quotas."""
    return _channel_view(service.update_channel(load_event(slug), code, json_data, actor()))


@bp.post("/events/<slug>/gates")
@bp.auth_required(**allowed("setup"))
@bp.input(GateIn)
def create_gate(slug, json_data):
    """Add a gate: zone, admitted types, direction, re-entry, hours."""
    return _gate_view(service.create_gate(load_event(slug), json_data, actor())), 201


@bp.patch("/events/<slug>/gates/<code>")
@bp.auth_required(**allowed("setup"))
@bp.input(GatePatch(partial=True))
def update_gate(slug, code, json_data):
    """Change a gate's hours, types, direction or re-entry policy."""
    return _gate_view(service.update_gate(load_event(slug), code, json_data, actor()))
