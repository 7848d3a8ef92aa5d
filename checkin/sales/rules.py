"""What a sale must pass before it takes stock, and admitting its buyers at once."""
from datetime import datetime

from sqlalchemy import and_, bindparam, select

from scanner.clock import event_time

from ..driver import Row
from ..errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ..events.setup import event_by_slug
from ..extensions import db
from ..gate.admissions import ScanRequest, gate_for, judge
from ..models import Channel, Event, TicketType
from ..stock.ledger import available

BOX_OFFICE_DEVICE = "box-office"

_GOODS = select(TicketType, Channel).outerjoin(Channel, and_(
    Channel.event_id == TicketType.event_id, Channel.code.in_(bindparam("channels", expanding=True)),
)).where(TicketType.event_id == bindparam("event_id"), TicketType.code == bindparam("type_code"))


def goods(event: Event, type_code: str, channel_code: str | None,
          box_office_channels: list[str]) -> tuple[TicketType, Channel | None]:
    """The type sold and the channel it sells through (the first box-office channel the event has,
    unless one is named), in one prebuilt query: a sale waits on it."""
    names = [channel_code] if channel_code else list(box_office_channels)
    rows = db.session.execute(_GOODS, {"event_id": event.id, "type_code": type_code, "channels": names}).all()
    if not rows:
        raise Invalid(f"type: no ticket type {type_code!r} in this event", {"type": ["unknown ticket type"]})
    found = {channel.code: channel for _, channel in rows if channel is not None}
    if channel_code and channel_code not in found:
        raise Invalid(f"channel: no channel {channel_code!r} in this event", {"channel": ["unknown channel"]})
    return rows[0][0], next((found[n] for n in names if n in found), None)


def refuse_if_off_sale(event: Event, ttype: TicketType, channel: Channel | None, now: datetime) -> None:
    """A 409 naming why the type cannot be sold now (frozen, outside its sale window) and what is left.

    A bundle is off sale when its parent pool is. The guarded take repeats
    these conditions, so a freeze committing meanwhile still wins.
    """
    pool: TicketType | None = ttype
    while pool is not None:
        reason, why = _off_sale(event, pool, now)
        if reason:
            if pool is not ttype:
                why = f"{why} (the pool {ttype.name} draws from)"
            left = available(ttype, channel)
            raise Conflict(f"{why}; {left} left", {"type": [why]}, reason=reason, type=ttype.code, available=left)
        pool = db.session.get(TicketType, pool.parent_id) if pool.parent_id else None


def _off_sale(event: Event, t: TicketType, now: datetime) -> tuple[str | None, str]:
    def local(moment: datetime) -> str:
        return event_time(moment, event.timezone, now)

    if t.frozen:
        return "frozen", f"{t.name} is frozen: sales are stopped"
    if t.sale_starts_at and now < t.sale_starts_at:
        return "off_sale", f"{t.name} goes on sale {local(t.sale_starts_at)}"
    if t.sale_ends_at and now >= t.sale_ends_at:
        return "off_sale", f"{t.name} sales closed {local(t.sale_ends_at)}"
    return None, ""


def admit_gate(event: Event, code: str | None, quiet: bool = False) -> Row | None:
    """The gate to admit buyers at ("admit now"), refused up front if unknown."""
    if not code:
        return None
    try:
        return gate_for(event.slug, code)
    except NotFound:
        if quiet:
            return None
        raise Invalid(f"admit_at: no gate {code!r} in this event", {"admit_at": ["unknown gate"]}) from None


def admit_sold(gate: Row | None, tickets: list[dict]) -> list[dict]:
    """Scan each new ticket in at the gate, as the gate would, for buyers standing there."""
    if gate is None:
        return []
    admitted = []
    for ticket in tickets:
        try:
            answer = judge(gate, ScanRequest(code=ticket["code"]), BOX_OFFICE_DEVICE)
        except DomainError as refused:  # e.g. an exit-only gate: the sale stands, the entry does not
            db.session.rollback()
            answer = {"status": "refused", "reason": "not_admitted", "message": refused.detail}
        admitted.append({"ticket_id": ticket["id"], "gate": gate.code, "status": answer["status"],
                         "reason": answer["reason"], "message": answer["message"]})
    return admitted


class Lookups:
    """What a batch's sales name (event, type, channel, gate), each looked up once per batch."""

    def __init__(self):
        self.events: dict[str, Event] = {}
        self.goods: dict[tuple, tuple[TicketType, Channel | None]] = {}
        self.gates: dict[tuple, Row | None] = {}

    def resolve(self, job, now: datetime) -> None:
        """Fill in a batch.Job's ids, or raise the refusal this sale gets on its own."""
        if job.slug not in self.events:
            self.events[job.slug] = event_by_slug(job.slug)
        event = self.events[job.slug]
        if job.bound_event_id is not None and job.bound_event_id != event.id:
            raise Forbidden("This token belongs to another event.")
        key = (event.id, job.type_code, job.channel_code)
        if key not in self.goods:
            self.goods[key] = goods(event, job.type_code, job.channel_code, job.box_office_channels)
        ttype, channel = self.goods[key]
        if (event.id, job.admit_gate) not in self.gates:
            self.gates[event.id, job.admit_gate] = admit_gate(event, job.admit_gate)
        refuse_if_off_sale(event, ttype, channel, now)
        job.event_id, job.type_id, job.gate = event.id, ttype.id, self.gates[event.id, job.admit_gate]
        job.channel_id, job.sold_through = (channel.id, channel.code) if channel else (None, None)
