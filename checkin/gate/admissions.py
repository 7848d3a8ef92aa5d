"""Judging a scan: the gate's one call.

The database decides who is inside: an entry inserts the ticket's admission
row for the zone or flips it from outside to inside with a guarded UPDATE;
of two simultaneous entries exactly one changes a row, the other is a
duplicate. Every attempt is stored with the answer it got; a repeated nonce
hits the unique constraint when the scan is stored, the whole judgement
rolls back, and the first answer is returned if the nonce came with the same
request (code or ticket, gate, direction), else a 409: a nonce never answers
for another ticket.

A device's clock is believed only within bounds (check_claim): a scan time
ahead of the server's by more than SCAN_CLOCK_SKEW_SECONDS, or before the event
existed here (no device could have had its pack or any of its codes), is
refused. Only an offline upload (/scans/batch) is judged as of its scan time;
a single scan is judged now, whatever it says, so `offline` cannot reopen a
closed gate.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from scanner.rules import DUPLICATE, WrongDirection, direction_at, refusal, verdict

from ..driver import Row, read
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..events.setup import event_by_slug
from ..extensions import db
from ..live import counters
from ..live.outbox import ScanJudged
from ..models import utcnow
from . import queries as q
from .lookup import resolve, resolve_ticket


@dataclass(frozen=True)
class ScanRequest:
    """What a gate sends: the code it read, or, for a manual scan, the ticket staff found by search."""

    code: str | None = None
    direction: str | None = None
    nonce: str | None = None
    scanned_at: datetime | None = None
    offline: bool = False
    device: str | None = None
    ticket_id: int | None = None  # a manual scan: no code was read
    note: str | None = None  # why staff admitted by hand
    actor: str | None = None  # who sent it

    @property
    def manual(self) -> bool:
        return self.ticket_id is not None


def gate_for(slug: str, code: str) -> Row:
    """The gate (with its event's id and time zone), or a 404 naming what is unknown.

    Read outside the scan's transaction: on SQLite the writer lock is then taken
    only for the ticket's read and the writes, not for this lookup too."""
    gate = read(q.GATE, slug=slug, code=code).first()
    if gate is None:
        event_by_slug(slug)  # raises for an unknown event
        raise NotFound(f"no gate {code!r} in this event", {"gate": ["unknown gate"]})
    return gate


def check(gate: Row, req: ScanRequest, now: datetime) -> str:
    """What can be refused before judging, with nothing written: the direction (returned), the scan time."""
    direction = _direction(gate, req.direction)
    if req.scanned_at is not None:
        check_claim(gate, req.scanned_at, now)
    return direction


def check_claim(gate: Row, scanned_at: datetime, now: datetime) -> None:
    """Refuse a scan time ahead of the server beyond the skew, or before the event existed here."""
    skew = timedelta(seconds=current_app.config["SCAN_CLOCK_SKEW_SECONDS"])
    if scanned_at > now + skew:
        raise Invalid("scanned_at is in the future: check the device's clock",
                      {"scanned_at": [f"more than {int(skew.total_seconds())} s ahead of the server's clock"]})
    if scanned_at < gate.event_created_at - skew:
        raise Invalid("scanned_at is before this event existed: check the device's clock",
                      {"scanned_at": ["before the event (its gate pack and codes) existed"]})


def judge(gate: Row, req: ScanRequest, device: str, claimed: bool = False) -> dict:
    """Judge one scan at a gate, store it, and return the answer the gate shows.

    `claimed`: an offline upload, judged as of its scan time (already bounded by check_claim).
    """
    now = utcnow()
    direction = check(gate, req, now)
    since = now - timedelta(seconds=current_app.config["REREAD_SECONDS"])
    # A manual scan names its ticket instead of a code; from here on both are judged alike.
    ticket, reason = (resolve_ticket(gate.event_id, req.ticket_id, since) if req.manual
                      else resolve(gate.event_id, req.code, since))
    if ticket is not None and (prior := _reread(ticket, req.code, gate, device, direction)):
        # A re-read under another nonce: that nonce may already name another scan (409).
        return replay(prior if prior.nonce == req.nonce else _same_nonce(gate, req, direction) or prior)
    when = min(req.scanned_at, now) if claimed and req.offline and req.scanned_at else now
    if reason is None:
        reason = refusal(gate, ticket, direction, when)
    admission, left = None, False
    if reason is None and direction == "in":
        admission = _enter(gate, ticket.id, now)
        reason = None if admission is None else DUPLICATE
    elif reason is None:
        left = q.run(q.LEAVE, key_ticket=ticket.id, key_zone=gate.zone, now=now).rowcount == 1
    answer = _answer(gate, ticket, direction, reason, admission, when)
    try:
        scan_id = q.run(q.INSERT_SCAN, event_id=gate.event_id, gate_id=gate.id,
                        ticket_id=ticket.id if ticket else None, code=req.code, device=device,
                        direction=direction, nonce=req.nonce, scanned_at=req.scanned_at, at=now,
                        status=answer["status"], reason=reason, offline=req.offline, forced=False,
                        manual=req.manual, actor=req.actor, note=req.note, answer=answer).scalar_one()
        judged = ScanJudged(event_id=gate.event_id, scan_id=scan_id, gate=gate, ticket=ticket, answer=answer,
                            direction=direction, at=now, offline=req.offline, device=device, left=left,
                            manual=req.manual)
        counters.count_scan(judged)
        db.session().outbox.judged(judged)  # on the live screens once committed
        db.session.commit()
    except IntegrityError:  # this nonce was stored first, by another request or node
        db.session.rollback()
        prior = _same_nonce(gate, req, direction)
        if prior is None:
            raise
        return replay(prior)
    scan = {"id": scan_id, "at": now.isoformat(), "gate": gate.code, "direction": direction,
            "offline": req.offline, "forced": False, "manual": req.manual, "note": req.note}
    return {**answer, "scan": scan}


def check_gate_binding(gate: Row, bound_event_id: int | None, bound_gate_id: int | None) -> None:
    """Refuse a token bound to another event or another gate."""
    if bound_event_id is not None and bound_event_id != gate.event_id:
        raise Forbidden("This token belongs to another event.", {"gate": ["another event's gate"]})
    if bound_gate_id is not None and bound_gate_id != gate.id:
        raise Forbidden(f"This token may only scan at its own gate, not at {gate.code}.",
                        {"gate": ["not this token's gate"]})


def same_request(prior: Row, gate: Row, req: ScanRequest, direction: str) -> bool:
    """Whether a stored scan was made by this very request: its nonce may answer for it."""
    if prior.gate_id != gate.id or prior.direction != direction or prior.manual != req.manual:
        return False
    return prior.ticket_id == req.ticket_id if req.manual else prior.code == req.code


def nonce_conflict() -> Conflict:
    return Conflict("This nonce was sent with another scan (code, ticket, gate or direction): "
                    "send each scan with its own nonce.", {"nonce": ["already used for another scan"]})


def _same_nonce(gate: Row, req: ScanRequest, direction: str) -> Row | None:
    """The scan stored under this request's nonce, if any; 409 if it was another request's."""
    if not req.nonce:
        return None
    prior = q.run(q.SCAN_BY_NONCE, event_id=gate.event_id, nonce=req.nonce).first()
    if prior is not None and not same_request(prior, gate, req, direction):
        raise nonce_conflict()
    return prior


def _direction(gate: Row, asked: str | None) -> str:
    try:
        return direction_at(gate, asked)
    except WrongDirection as wrong:
        raise Invalid(f"{gate.name} is an {wrong.allowed} gate",
                      {"direction": [f"this gate only takes {wrong.allowed!r}"]}) from None


def _enter(gate: Row, ticket_id: int, now: datetime) -> Row | None:
    """Admit the ticket into the gate's zone: None when admitted, else the admission in the way."""
    if q.admit_first(ticket_id=ticket_id, zone=gate.zone, event_id=gate.event_id, first_at=now,
                     first_gate_id=gate.id, last_at=now).first() is not None:
        return None
    if gate.reentry and q.run(q.ADMIT_AGAIN, key_ticket=ticket_id, key_zone=gate.zone, now=now).rowcount == 1:
        return None
    return q.run(q.ADMISSION, key_ticket=ticket_id, key_zone=gate.zone).first()


def _answer(gate: Row, ticket: Row | None, direction: str, reason: str | None, admission: Row | None,
            when: datetime) -> dict:
    # The rows carry the columns scanner.rules reads its facts by, so they go in as they are.
    judged = verdict(reason, direction, gate, ticket, admission, when)
    return {
        "status": judged.status,
        "reason": judged.reason,
        "message": judged.message,
        "repeat": False,
        "ticket": ticket_part(ticket) if ticket else None,
        "first_entry": {"at": admission.first_at.isoformat(), "gate": admission.gate_code,
                        "gate_name": admission.first_gate_name} if admission else None,
        "badge": badge_state(ticket.badge_type, ticket.generation, ticket.badge_generation, ticket.badge_prints)
        if ticket else {"needs_print": False, "prints": 0},
    }


def ticket_part(ticket: Row) -> dict:
    """The ticket as a gate sees it."""
    return {
        "id": ticket.id, "type": {"code": ticket.type_code, "name": ticket.type_name},
        "holder": {"name": ticket.holder_name, "company": ticket.holder_company},
        "badge_type": ticket.badge_type, "zones": list(ticket.zones or []), "channel": ticket.channel_code,
        "require_attention": ticket.require_attention, "notes": ticket.notes,
    }


def badge_state(badge_type: str, generation: int, printed_generation: int | None, prints: int) -> dict:
    """Whether the desk must print: never printed, or printed for an older generation."""
    stale = printed_generation is None or printed_generation < generation
    return {"needs_print": badge_type != "none" and stale, "prints": prints}


def replay(scan: Row) -> dict:
    """The answer a scan got the first time, marked as a repeat."""
    return {**scan.answer, "repeat": True,
            "scan": {"id": scan.id, "at": scan.at.isoformat(), "gate": scan.gate_code,
                     "direction": scan.direction, "offline": scan.offline, "forced": scan.forced,
                     "manual": scan.manual, "note": scan.note}}


def _reread(ticket: Row, code: str, gate: Row, device: str, direction: str) -> Row | None:
    """The same device's scan of this very code a moment ago: a re-read, not a second visit.
    (Manual scans have no code: the same device admitting the same ticket again is a re-read too.)"""
    if ticket.recent_scan_id is None:  # not scanned within the re-read window: the usual case
        return None
    last = q.run(q.SCAN_BY_ID, scan_id=ticket.recent_scan_id).first()
    if last and last.code == code and last.device == device and last.gate_id == gate.id \
            and last.direction == direction and last.annulled_at is None:
        return last
    return None
