"""The admission rules: from plain facts about a code, a ticket, a gate and a scan to a verdict.

The one statement of the rules. The server (checkin/gate/admissions.py) calls it
for each scan and keeps only the database's say on who is inside; the gate
client judges with it while the server is away (scanner/local_judge.py); the
browser gate's copy (static/js/gate-rules.js) is held to it by the shared judge
vectors in tests/vectors/judge.json. Pure: no web app, database or image library.

The rules, in order:
  1. the code: unreadable, unknown or forged -> invalid; signed with another
     event's key -> wrong_event; no such ticket -> invalid; made for an older
     generation (transfer, upgrade, reissue) -> revoked (a foreign barcode too);
  2. a gate takes scans only in its own direction (WrongDirection, before judging);
  3. whoever is leaving may leave: an exit is never refused past the code;
  4. an entry: void, blocked, unpaid, not_admitted (type or zone), invalid_time
     (gate hours, then the ticket's validity);
  5. the ticket's admission in the gate's zone: inside already -> duplicate;
     left earlier -> duplicate unless the gate allows re-entry.

Facts are read by attribute, so anything with the fields of GateFacts,
TicketFacts or AdmissionFacts will do: the server passes its result rows,
whose columns carry these names, and its scan path builds nothing extra.
Times are aware datetimes; messages show them on the event's clock, with the
date when it is not the scan's day there (scanner/clock.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from scanner.clock import event_time

__all__ = [
    "BLOCKED", "DUPLICATE", "INVALID", "INVALID_TIME", "NOT_ADMITTED", "OK", "REFUSED", "REVOKED", "UNPAID", "VOID",
    "WRONG_EVENT", "AdmissionFacts", "GateFacts", "TicketFacts", "Verdict", "WrongDirection", "admission_after",
    "admission_refusal", "code_reason", "direction_at", "judge", "message_for", "refusal", "verdict",
]

OK, REFUSED = "ok", "refused"
INVALID, WRONG_EVENT, REVOKED = "invalid", "wrong_event", "revoked"
VOID, BLOCKED, UNPAID, NOT_ADMITTED, INVALID_TIME = "void", "blocked", "unpaid", "not_admitted", "invalid_time"
DUPLICATE = "duplicate"

# What a gate person reads aloud; the answers that need names or times are built in message_for.
_FIXED = {
    INVALID: "Not a valid ticket",
    WRONG_EVENT: "Ticket is for another event",
    VOID: "Ticket cancelled - send to the box office",
    BLOCKED: "Ticket blocked - call a supervisor",
    UNPAID: "Payment pending - send to the box office",
}


@dataclass(frozen=True, slots=True)
class GateFacts:
    """A gate's rules: its zone, the types it admits, its direction, re-entry and hours."""

    code: str
    name: str
    zone: str
    admits: Sequence[str]
    direction: str = "in"  # in | out | both
    reentry: bool = True
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    timezone: str | None = None  # the event's, for times in messages; None: this machine's


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """A ticket as it is now: state, flags, type (with its zones and validity) and holder."""

    holder_name: str
    type_code: str
    type_name: str
    state: str = "valid"  # valid | pending | void
    blocked: bool = False
    zones: Sequence[str] = ()  # the zones its type admits to; empty: any
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AdmissionFacts:
    """The ticket's presence in one zone: inside or left, and its first entry."""

    inside: bool
    first_at: datetime
    first_gate_name: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judgement a gate shows: ok or refused, why, and one line to read aloud."""

    status: str
    reason: str | None
    message: str


class WrongDirection(ValueError):
    """The gate takes scans only the other way; the server answers 400, a gate client says so."""

    def __init__(self, gate_name: str, allowed: str) -> None:
        super().__init__(f"{gate_name} only takes {allowed!r} scans")
        self.allowed = allowed


def direction_at(gate: GateFacts, asked: str | None) -> str:
    """The scan's direction: the one asked for, else the gate's own; WrongDirection if the gate forbids it."""
    allowed = gate.direction or "in"
    direction = asked or ("out" if allowed == "out" else "in")
    if allowed != "both" and direction != allowed:
        raise WrongDirection(gate.name, allowed)
    return direction


def code_reason(known: bool, own_event: bool = True, generation: int | None = None,
                current: int | None = None) -> str | None:
    """Why a read code cannot be used as is (invalid, wrong_event, revoked), or None.

    `known`: one of our codes, signed by a key on file, or a foreign barcode on
    file; `own_event`: signed with this event's key; `generation`: the ticket
    generation the code was made for; `current`: the ticket's generation now
    (None: the event has no such ticket).
    """
    if not known:
        return INVALID
    if not own_event:
        return WRONG_EVENT
    if current is None or generation is None or generation > current:
        return INVALID  # no such ticket, or a generation never issued
    return REVOKED if generation < current else None


def refusal(gate: GateFacts, ticket: TicketFacts, direction: str, when: datetime) -> str | None:
    """Why this ticket may not pass this gate now, before anyone's presence is considered; None if it may."""
    if direction == "out":
        return None  # whoever is leaving may leave
    if ticket.state == "void":
        return VOID
    if ticket.blocked:
        return BLOCKED
    if ticket.state == "pending":
        return UNPAID
    if ticket.type_code not in gate.admits or (ticket.zones and gate.zone not in ticket.zones):
        return NOT_ADMITTED
    if not _open(gate, when) or not _within(when, ticket.valid_from, ticket.valid_until):
        return INVALID_TIME
    return None


def admission_refusal(gate: GateFacts, admission: AdmissionFacts | None) -> str | None:
    """Why an entry is refused given the ticket's admission in the gate's zone: duplicate, or None."""
    if admission is None or (not admission.inside and gate.reentry):
        return None
    return DUPLICATE


def admission_after(gate: GateFacts, admission: AdmissionFacts | None, direction: str,
                    when: datetime) -> AdmissionFacts | None:
    """The ticket's admission in the gate's zone after this gate let it through."""
    if direction == "out":
        return None if admission is None else AdmissionFacts(False, admission.first_at, admission.first_gate_name)
    if admission is None:
        return AdmissionFacts(True, when, gate.name)
    return AdmissionFacts(True, admission.first_at, admission.first_gate_name)


def judge(gate: GateFacts, ticket: TicketFacts | None, reason: str | None, direction: str, when: datetime,
          admission: AdmissionFacts | None = None) -> Verdict:
    """The verdict from plain facts: the code's reason and ticket, the direction, the time, the admission so far."""
    if reason is None:
        reason = refusal(gate, ticket, direction, when)
    if reason is None and direction == "in":
        reason = admission_refusal(gate, admission)
    return verdict(reason, direction, gate, ticket, admission, when)


def verdict(reason: str | None, direction: str, gate: GateFacts, ticket: TicketFacts | None,
            admission: AdmissionFacts | None, when: datetime) -> Verdict:
    """The verdict for a scan judged `reason` (None: let through)."""
    return Verdict(REFUSED if reason else OK, reason, message_for(reason, direction, gate, ticket, admission, when))


def message_for(reason: str | None, direction: str, gate: GateFacts, ticket: TicketFacts | None,
                admission: AdmissionFacts | None, when: datetime) -> str:
    """The one line a gate person reads aloud for this verdict."""
    if reason in _FIXED or ticket is None:
        return _FIXED.get(reason, _FIXED[INVALID])
    if reason == REVOKED:
        return f"Old code - this ticket now belongs to {ticket.holder_name}"
    if reason == NOT_ADMITTED:
        return f"{ticket.type_name} is not admitted at {gate.name}"
    if reason == INVALID_TIME:
        return _not_now(gate, ticket, when)
    if reason == DUPLICATE:
        first = event_time(admission.first_at, gate.timezone, when)
        if admission.inside:
            return f"Already entered {first} at {admission.first_gate_name}"
        return f"No re-entry at {gate.name} - first entered {first} at {admission.first_gate_name}"
    if direction == "out":
        return f"Goodbye {ticket.holder_name}"
    return f"Welcome {ticket.holder_name} - {ticket.type_name}"


def _within(when: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or when >= start) and (end is None or when <= end)


def _open(gate: GateFacts, when: datetime) -> bool:
    return _within(when, gate.opens_at, gate.closes_at)


def _not_now(gate: GateFacts, ticket: TicketFacts, when: datetime) -> str:
    # Name the gate's hours only when they are what stops the ticket: a closed gate is
    # something the holder can wait for, a ticket for another day is not.
    if _open(gate, when):
        return f"{ticket.type_name} is not valid at this time"
    return f"Not valid now at {gate.name} (open {_hours(gate, when)})"


def _hours(gate: GateFacts, when: datetime) -> str:
    """The gate's hours; the closing time's date only when it is not the opening's day."""
    opens, closes, zone = gate.opens_at, gate.closes_at, gate.timezone
    if opens and closes:
        return f"{event_time(opens, zone, when)} to {event_time(closes, zone, opens)}"
    return event_time(opens or closes, zone, when)
