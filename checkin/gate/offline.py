"""What gates need to keep working offline, and taking their scans back in.

The gate pack lets a gate judge codes without the server: the event's public
keys, and per ticket its current generation (older codes are revoked), state,
type and holder's name, and per ticket type its zones and validity window
(sent whole every time: a type change is not a ticket change). Its cursor
is the ledger position it reflects; asking again with `since=cursor`
returns only the tickets changed after it.
"""
import base64

from sqlalchemy import select

from ..driver import Row
from ..extensions import db
from ..models import LedgerEntry, SigningKey, Ticket, TicketType
from .admissions import ScanRequest, gate_for, judge


def gate_pack(gate: Row, since: int = 0) -> dict:
    """Keys, tickets (all, or changed after `since`) and the cursor for next time."""
    event_id = gate.event_id
    cursor = db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.event_id == event_id)
                               .order_by(LedgerEntry.id.desc()).limit(1)) or 0
    query = select(Ticket.serial, Ticket.generation, Ticket.state, Ticket.blocked, Ticket.holder_name,
                   Ticket.barcode, Ticket.barcode_generation, TicketType.code, TicketType.name.label("type_name")).join(TicketType).where(
        Ticket.event_id == event_id)
    if since:
        changed = select(LedgerEntry.ticket_id).where(LedgerEntry.event_id == event_id, LedgerEntry.id > since,
                                                      LedgerEntry.ticket_id.is_not(None))
        query = query.where(Ticket.id.in_(changed))
    keys = db.session.execute(select(SigningKey.kid, SigningKey.public_key)
                              .where(SigningKey.event_id == event_id)).all()
    types = db.session.execute(select(TicketType.code, TicketType.name, TicketType.zones, TicketType.valid_from,
                                      TicketType.valid_until).where(TicketType.event_id == event_id)).all()
    return {
        "gate": {"code": gate.code, "name": gate.name, "zone": gate.zone, "admits": gate.admits,
                 "direction": gate.direction, "reentry": gate.reentry, "opens_at": _iso(gate.opens_at),
                 "closes_at": _iso(gate.closes_at)},
        "keys": [{"kid": kid, "public_key": base64.b64encode(pub).decode()} for kid, pub in keys],
        "types": {t.code: {"name": t.name, "zones": list(t.zones or []), "valid_from": _iso(t.valid_from),
                           "valid_until": _iso(t.valid_until)} for t in types},
        "tickets": [{"serial": t.serial, "generation": t.generation, "state": t.state, "blocked": t.blocked,
                     "name": t.holder_name, "type": t.code, "type_name": t.type_name,
                     "barcode": t.barcode if t.barcode_generation == t.generation else None}
                    for t in db.session.execute(query)],
        "cursor": cursor,
        "incremental": bool(since),
    }


def _iso(moment):
    return moment.isoformat() if moment else None


def take_batch(slug: str, items: list[dict], device_default: str, binding) -> list[dict]:
    """Judge uploaded scans one by one, each exactly once (by nonce).

    An entry a gate allowed offline that the server judges a duplicate is a
    conflict: the person is already in, so it is flagged for a supervisor.
    """
    answers = []
    for item in items:
        item = dict(item)
        gate = gate_for(slug, item.pop("gate"))
        binding(gate)
        answer = judge(gate, ScanRequest(**item), item.get("device") or device_default)
        answer["conflict"] = bool(item.get("offline") and answer["reason"] == "duplicate")
        answers.append(answer)
    return answers
