"""Live counts over HTTP, alerts (list, acknowledge, settings) and device heartbeats."""
from apiflask import Schema
from apiflask.fields import Dict, Integer, List, Nested, String
from apiflask.validators import URL, Length, OneOf, Range, Regexp
from flask import current_app
from sqlalchemy import select

from ..api import actor, allowed, bp, load_event
from ..auth import current
from ..errors import Invalid
from ..extensions import db
from ..gate import admissions
from ..models import ALERT_KINDS, Channel, TicketType, utcnow
from ..schemas import CODE, count, printable
from . import alerts
from .hub import hub_of, note_device

CHANNEL_OR_ALL = Regexp(r"^(\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,31})$", error="a channel code, or * for the whole type")


class AlertQuery(Schema):
    state = String(load_default="open", validate=OneOf(["open", "all"]))
    before = Integer(validate=Range(1, 2**62))
    limit = Integer(load_default=100, validate=Range(1, 500))


class AckIn(Schema):
    note = String(validate=[Length(max=500), printable], allow_none=True)


class SpikeIn(Schema):
    count = count(required=True)
    minutes = Integer(strict=True, required=True, validate=Range(1, 60))


class AlertSettingsIn(Schema):
    webhook_url = String(validate=[Length(max=500), printable,
                                   URL(schemes={"http", "https"}, require_tld=False)], allow_none=True)
    low_stock = Dict(keys=String(validate=CODE),
                     values=Dict(keys=String(validate=CHANNEL_OR_ALL), values=count(), validate=Length(max=50)),
                     validate=Length(max=200))
    oversell_margin = count(allow_none=True)
    duplicate_spike = Nested(SpikeIn, allow_none=True)
    device_silent_minutes = Integer(strict=True, validate=Range(1, 24 * 60), allow_none=True)
    zone_capacity = Dict(keys=String(validate=[Length(1, 64), printable]),
                         values=Integer(strict=True, validate=Range(1, 10_000_000)), validate=Length(max=200))
    zone_warn_percent = Integer(strict=True, validate=Range(1, 100))
    disabled = List(String(validate=OneOf(ALERT_KINDS)), validate=Length(max=len(ALERT_KINDS)))


class HeartbeatIn(Schema):
    gate = String(required=True, validate=CODE)
    device = String(required=True, validate=[Length(1, 64), printable])


@bp.get("/events/<slug>/counts/live")
@bp.auth_required(**allowed("counts.read"))
def live_counts(slug):
    """The live counts exactly as the Socket.IO `counts` event carries them (kept incrementally)."""
    event = load_event(slug)
    counts, _ = hub_of(current_app).read_snapshots(event)
    return counts


@bp.get("/events/<slug>/alerts")
@bp.auth_required(**allowed("alerts.read"))
@bp.input(AlertQuery, location="query")
def list_alerts(slug, query_data):
    """Alerts newest first: open ones (the default) or all; page on with `before`."""
    return alerts.list_alerts(load_event(slug), query_data["state"], query_data.get("before"),
                              query_data["limit"])


@bp.post("/events/<slug>/alerts/<int(max=2147483647):alert_id>/ack")
@bp.auth_required(**allowed("alerts.ack"))
@bp.input(AckIn)
def ack_alert(slug, alert_id, json_data):
    """Acknowledge an alert; every screen drops it from the open list."""
    return alerts.acknowledge(load_event(slug), alert_id, actor(), json_data.get("note"))


@bp.get("/events/<slug>/alert-settings")
@bp.auth_required(**allowed("alerts.settings"))
def get_alert_settings(slug):
    """Thresholds, zone capacities, kinds switched off, and the webhook URL (defaults filled in)."""
    return alerts.settings_for(load_event(slug).id)


@bp.put("/events/<slug>/alert-settings")
@bp.auth_required(**allowed("alerts.settings"))
@bp.input(AlertSettingsIn)
def put_alert_settings(slug, json_data):
    """Replace the alert settings; what is left out falls back to the defaults."""
    event = load_event(slug)
    _check_codes(event, json_data.get("low_stock") or {})
    return alerts.save_settings(event, json_data, actor())


@bp.post("/events/<slug>/devices/heartbeat")
@bp.auth_required(**allowed("scan"))
@bp.input(HeartbeatIn)
def heartbeat(slug, json_data):
    """A gate device says it is alive (so a quiet gate is not reported silent)."""
    gate = admissions.gate_for(slug, json_data["gate"])
    caller = current()
    admissions.check_gate_binding(gate, caller.event_id, caller.gate_id)
    db.session.commit()
    note_device(current_app, gate.event_id, json_data["device"], gate.code, utcnow())
    return "", 204


def _check_codes(event, low_stock: dict) -> None:
    """Every type and channel named in the thresholds exists in this event."""
    types = set(db.session.scalars(select(TicketType.code).where(TicketType.event_id == event.id)))
    channels = set(db.session.scalars(select(Channel.code).where(Channel.event_id == event.id)))
    errors = {}
    for type_code, per_channel in low_stock.items():
        if type_code not in types:
            errors[f"low_stock.{type_code}"] = [f"no ticket type {type_code!r} in this event"]
        for channel in per_channel:
            if channel != "*" and channel not in channels:
                errors[f"low_stock.{type_code}.{channel}"] = [f"no channel {channel!r} in this event"]
    if errors:
        raise Invalid(f"{len(errors)} unknown code(s) in low_stock", errors)

