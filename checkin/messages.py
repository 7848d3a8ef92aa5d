"""One line a gate person can read aloud, for every answer."""
from zoneinfo import ZoneInfo

from .models import Admission, Gate, Ticket

_FIXED = {
    "invalid": "Not a valid ticket",
    "wrong_event": "Ticket is for another event",
    "void": "Ticket cancelled - send to the box office",
    "blocked": "Ticket blocked - call a supervisor",
    "unpaid": "Payment pending - send to the box office",
}


def message_for(reason: str | None, direction: str, gate: Gate, ticket: Ticket | None,
                admission: Admission | None, tz: ZoneInfo) -> str:
    """The message for a judged scan."""
    if reason in _FIXED:
        return _FIXED[reason]
    if reason == "revoked":
        return f"Old code - this ticket now belongs to {ticket.holder_name}"
    if reason == "not_admitted":
        return f"{ticket.type.name} is not admitted at {gate.name}"
    if reason == "invalid_time":
        return _closed(gate, ticket, tz)
    if reason == "duplicate":
        return _duplicate(gate, admission, tz)
    if direction == "out":
        return f"Goodbye {ticket.holder_name}"
    return f"Welcome {ticket.holder_name} - {ticket.type.name}"


def _duplicate(gate: Gate, admission: Admission, tz: ZoneInfo) -> str:
    from .extensions import db

    first_gate = db.session.get(Gate, admission.first_gate_id)
    when = admission.first_at.astimezone(tz).strftime("%H:%M")
    if admission.inside:
        return f"Already entered {when} at {first_gate.name}"
    return f"No re-entry at {gate.name} - first entered {when} at {first_gate.name}"


def _closed(gate: Gate, ticket: Ticket, tz: ZoneInfo) -> str:
    def local(t):
        return t.astimezone(tz).strftime("%d %b %H:%M")

    if gate.opens_at and gate.closes_at:
        return f"{gate.name} is closed - open {local(gate.opens_at)} to {local(gate.closes_at)}"
    if gate.opens_at:
        return f"{gate.name} opens {local(gate.opens_at)}"
    if gate.closes_at:
        return f"{gate.name} closed {local(gate.closes_at)}"
    return f"{ticket.type.name} is not valid at this time"
