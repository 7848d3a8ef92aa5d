"""Judging a scan: the gate's one call.

The database decides who is inside: an entry inserts the ticket's admission
row for the zone or flips it from outside to inside with a guarded UPDATE;
of two simultaneous entries exactly one changes a row, the other is a
duplicate. Every attempt is stored with the answer it got, so a replayed
nonce returns the first answer without writing anything.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from .codes_lookup import resolve
from .errors import Conflict, Invalid, NotFound
from .extensions import db
from .ledger import journal
from .messages import message_for
from .models import Admission, Event, Gate, Scan, Ticket, utcnow
from .tickets import badge_state


@dataclass(frozen=True)
class ScanRequest:
    """What a gate sends."""

    code: str
    direction: str | None = None
    nonce: str | None = None
    scanned_at: datetime | None = None
    offline: bool = False
    device: str | None = None


def judge(event: Event, gate: Gate, req: ScanRequest, device: str) -> dict:
    """Judge one scan, store it, and return the answer the gate shows."""
    if req.nonce and (prior := _by_nonce(event, req.nonce)):
        return replay(prior)
    direction = _direction(gate, req.direction)
    now = utcnow()
    ticket, reason = resolve(event, req.code)
    if ticket is not None and (prior := _recent_read(ticket, req.code, gate, device, direction, now)):
        return replay(prior)
    when = req.scanned_at if req.offline and req.scanned_at else now
    if reason is None:
        reason = _refusal(gate, ticket, direction, when)
    admission = None
    if reason is None and direction == "in":
        admission = _enter(event, gate, ticket, now)
        reason = None if admission is None else "duplicate"
    elif reason is None:
        _leave(gate, ticket, now)
    answer = _answer(event, gate, ticket, direction, reason, admission)
    scan = Scan(event_id=event.id, gate_id=gate.id, ticket_id=ticket.id if ticket else None,
                code=req.code, device=device, direction=direction, nonce=req.nonce,
                scanned_at=req.scanned_at, at=now, status=answer["status"], reason=reason,
                offline=req.offline, answer=answer)
    db.session.add(scan)
    try:
        db.session.commit()
    except IntegrityError:  # the same nonce committed first on another thread or node
        db.session.rollback()
        prior = _by_nonce(event, req.nonce) if req.nonce else None
        if prior is None:
            raise
        return replay(prior)
    return {**answer, "scan": scan_part(scan, gate)}


def _direction(gate: Gate, asked: str | None) -> str:
    direction = asked or ("out" if gate.direction == "out" else "in")
    if gate.direction != "both" and direction != gate.direction:
        raise Invalid(f"{gate.name} is an {gate.direction} gate", {"direction": [f"gate only takes {gate.direction!r}"]})
    return direction


def _refusal(gate: Gate, ticket: Ticket, direction: str, when: datetime) -> str | None:
    if direction == "out":
        return None  # whoever is leaving may leave
    ttype = ticket.type
    if ticket.state == "void":
        return "void"
    if ticket.blocked:
        return "blocked"
    if ticket.state == "pending":
        return "unpaid"
    if ttype.code not in gate.admits or (ttype.zones and gate.zone not in ttype.zones):
        return "not_admitted"
    if not _within(when, gate.opens_at, gate.closes_at) or not _within(when, ttype.valid_from, ttype.valid_until):
        return "invalid_time"
    return None


def _within(when: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or when >= start) and (end is None or when <= end)


def _enter(event: Event, gate: Gate, ticket: Ticket, now: datetime) -> Admission | None:
    """Admit the ticket into the gate's zone; None when admitted, else the blocking admission."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    first = db.session.execute(insert(Admission).values(
        ticket_id=ticket.id, zone=gate.zone, event_id=event.id, inside=True, entries=1,
        first_at=now, first_gate_id=gate.id, last_at=now,
    ).on_conflict_do_nothing(index_elements=["ticket_id", "zone"]).returning(Admission.ticket_id))
    if first.first() is not None:  # rowcount is not reliable for INSERT on every driver
        return None
    if gate.reentry:
        again = db.session.execute(update(Admission).where(
            Admission.ticket_id == ticket.id, Admission.zone == gate.zone, Admission.inside.is_(False),
        ).values(inside=True, entries=Admission.entries + 1, last_at=now))
        if again.rowcount == 1:
            return None
    return db.session.get(Admission, (ticket.id, gate.zone), populate_existing=True)


def _leave(gate: Gate, ticket: Ticket, now: datetime) -> None:
    db.session.execute(update(Admission).where(
        Admission.ticket_id == ticket.id, Admission.zone == gate.zone, Admission.inside.is_(True),
    ).values(inside=False, last_at=now))


def _answer(event, gate, ticket, direction, reason, admission) -> dict:
    first_entry = None
    if admission is not None:
        first_gate = db.session.get(Gate, admission.first_gate_id)
        first_entry = {"at": admission.first_at.isoformat(), "gate": first_gate.code,
                       "gate_name": first_gate.name}
    return {
        "status": "refused" if reason else "ok",
        "reason": reason,
        "message": message_for(reason, direction, gate, ticket, admission, ZoneInfo(event.timezone)),
        "repeat": False,
        "ticket": ticket_part(ticket) if ticket else None,
        "first_entry": first_entry,
        "badge": badge_state(ticket) if ticket else {"needs_print": False, "prints": 0},
    }


def ticket_part(ticket: Ticket) -> dict:
    """The ticket as a gate sees it."""
    return {
        "id": ticket.id, "type": {"code": ticket.type.code, "name": ticket.type.name},
        "holder": {"name": ticket.holder_name, "company": ticket.holder_company},
        "badge_type": ticket.type.badge_type, "zones": list(ticket.type.zones or []),
        "channel": ticket.channel.code if ticket.channel else None,
        "require_attention": ticket.require_attention, "notes": ticket.notes,
    }


def scan_part(scan: Scan, gate: Gate) -> dict:
    return {"id": scan.id, "at": scan.at.isoformat(), "gate": gate.code, "direction": scan.direction,
            "offline": scan.offline, "forced": scan.forced}


def replay(scan: Scan) -> dict:
    """The answer a scan got the first time, marked as a repeat."""
    return {**scan.answer, "repeat": True, "scan": scan_part(scan, scan.gate)}


def _by_nonce(event: Event, nonce: str) -> Scan | None:
    return db.session.scalar(select(Scan).where(Scan.event_id == event.id, Scan.nonce == nonce))


def _recent_read(ticket: Ticket, code: str, gate: Gate, device: str, direction: str,
                 now: datetime) -> Scan | None:
    """The same device's scan of this very code a moment ago: a re-read, not a second visit."""
    window = timedelta(seconds=current_app.config["REREAD_SECONDS"])
    last = db.session.scalar(select(Scan).where(Scan.ticket_id == ticket.id, Scan.at >= now - window)
                             .order_by(Scan.id.desc()).limit(1))
    if last and last.code == code and last.device == device and last.gate_id == gate.id \
            and last.direction == direction and last.annulled_at is None:
        return last
    return None


def annul(event: Event, scan_id: int, reason: str, actor: str) -> dict:
    """Undo an admitted scan (a supervisor's call) and put the ticket back where it was."""
    scan = db.session.get(Scan, scan_id)
    if scan is None or scan.event_id != event.id:
        raise NotFound(f"no scan {scan_id} in this event")
    done = db.session.execute(update(Scan).where(
        Scan.id == scan.id, Scan.annulled_at.is_(None), Scan.status == "ok",
    ).values(annulled_at=utcnow(), annul_reason=reason))
    if done.rowcount != 1:
        db.session.rollback()
        raise Conflict("only an admitted scan that is not yet annulled can be annulled",
                       {"scan": ["refused or already annulled"]})
    _undo(scan)
    journal(event.id, actor, "scan.annul", ticket_id=scan.ticket_id, reason=reason,
            before={"scan": scan.id, "status": scan.status, "direction": scan.direction})
    db.session.commit()
    db.session.refresh(scan)
    return scan_part(scan, scan.gate) | {"annulled": True, "annul_reason": reason}


def _undo(scan: Scan) -> None:
    where = (Admission.ticket_id == scan.ticket_id, Admission.zone == scan.gate.zone)
    if scan.direction == "in":
        db.session.execute(update(Admission).where(*where).values(
            inside=False, entries=Admission.entries - 1))
        db.session.execute(delete(Admission).where(*where, Admission.entries <= 0))
    else:
        db.session.execute(update(Admission).where(*where, Admission.inside.is_(False)).values(inside=True))
