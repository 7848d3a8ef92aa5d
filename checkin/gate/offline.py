"""What gates need to keep working offline, and taking their scans back in.

The gate pack (`GET .../gate-pack?gate=CODE[&since=CURSOR]`) lets a gate judge
codes without the server, by the same rules (scanner/rules.py). Its JSON:

    gate        the gate's rules: code, name, zone, admits, direction, reentry,
                opens_at, closes_at, and timezone (the event's, for the times
                in messages; added later: a gate without it uses its own clock's zone)
    keys        [{kid, public_key}] this event's Ed25519 public keys (base64)
    other_keys  [{kid, public_key}] the other events' keys: a code one of them
                signed reads wrong_event, not invalid (added later; optional)
    types       {code: {name, zones, valid_from, valid_until}}, sent whole every
                time: a type change is not a ticket change
    tickets     [{serial, generation, state, blocked, name, type, type_name,
                  barcode, foreign_barcode?}]: `barcode` is the foreign barcode
                while it still names the ticket as it is, else null (what older
                gates read); `foreign_barcode` {code, generation}, present when
                the ticket has one, says which generation it names, so a gate
                also knows a barcode whose ticket moved on is revoked
    cursor      the ledger position the pack reflects; asking again with
                `since=cursor` returns only the tickets changed after it
    incremental true when only changed tickets are listed
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
                   Ticket.barcode, Ticket.barcode_generation, TicketType.code, TicketType.name.label("type_name")
                   ).join(TicketType).where(Ticket.event_id == event_id)
    if since:
        changed = select(LedgerEntry.ticket_id).where(LedgerEntry.event_id == event_id, LedgerEntry.id > since,
                                                      LedgerEntry.ticket_id.is_not(None))
        query = query.where(Ticket.id.in_(changed))
    keys = db.session.execute(select(SigningKey.event_id, SigningKey.kid, SigningKey.public_key)).all()
    types = db.session.execute(select(TicketType.code, TicketType.name, TicketType.zones, TicketType.valid_from,
                                      TicketType.valid_until).where(TicketType.event_id == event_id)).all()
    return {
        "gate": {"code": gate.code, "name": gate.name, "zone": gate.zone, "admits": gate.admits,
                 "direction": gate.direction, "reentry": gate.reentry, "opens_at": _iso(gate.opens_at),
                 "closes_at": _iso(gate.closes_at), "timezone": gate.timezone},
        "keys": [_key(k) for k in keys if k.event_id == event_id],
        "other_keys": [_key(k) for k in keys if k.event_id != event_id],
        "types": {t.code: {"name": t.name, "zones": list(t.zones or []), "valid_from": _iso(t.valid_from),
                           "valid_until": _iso(t.valid_until)} for t in types},
        "tickets": [_ticket(t) for t in db.session.execute(query)],
        "cursor": cursor,
        "incremental": bool(since),
    }


def _key(key) -> dict:
    return {"kid": key.kid, "public_key": base64.b64encode(key.public_key).decode()}


def _ticket(t) -> dict:
    entry = {"serial": t.serial, "generation": t.generation, "state": t.state, "blocked": t.blocked,
             "name": t.holder_name, "type": t.code, "type_name": t.type_name,
             "barcode": t.barcode if t.barcode_generation == t.generation else None}
    if t.barcode:  # only then: most tickets have none, and the pack stays small
        entry["foreign_barcode"] = {"code": t.barcode, "generation": t.barcode_generation}
    return entry


def _iso(moment):
    return moment.isoformat() if moment else None


def take_batch(slug: str, items: list[dict], device_default: str, binding, actor: str | None = None) -> list[dict]:
    """Judge uploaded scans (manual ones too) one by one, each exactly once (by nonce).

    An entry a gate allowed offline that the server judges a duplicate is a
    conflict: the person is already in, so it is flagged for a supervisor.
    """
    answers = []
    for item in items:
        item = dict(item)
        gate = gate_for(slug, item.pop("gate"))
        binding(gate)
        answer = judge(gate, ScanRequest(**item, actor=actor), item.get("device") or device_default)
        answer["conflict"] = bool(item.get("offline") and answer["reason"] == "duplicate")
        answers.append(answer)
    return answers
