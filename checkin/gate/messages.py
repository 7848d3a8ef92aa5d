"""One line a gate person can read aloud, for every answer."""
from zoneinfo import ZoneInfo

from ..driver import Row

_FIXED = {
    "invalid": "Not a valid ticket",
    "wrong_event": "Ticket is for another event",
    "void": "Ticket cancelled - send to the box office",
    "blocked": "Ticket blocked - call a supervisor",
    "unpaid": "Payment pending - send to the box office",
}


def message_for(reason: str | None, direction: str, gate: Row, ticket: Row | None, admission: Row | None) -> str:
    """The message for a judged scan."""
    if reason in _FIXED:
        return _FIXED[reason]
    if reason == "revoked":
        return f"Old code - this ticket now belongs to {ticket.holder_name}"
    if reason == "not_admitted":
        return f"{ticket.type_name} is not admitted at {gate.name}"
    if reason == "invalid_time":
        return _closed(gate, ticket)
    if reason == "duplicate":
        when = _local(admission.first_at, gate, "%H:%M")
        if admission.inside:
            return f"Already entered {when} at {admission.gate_name}"
        return f"No re-entry at {gate.name} - first entered {when} at {admission.gate_name}"
    if direction == "out":
        return f"Goodbye {ticket.holder_name}"
    return f"Welcome {ticket.holder_name} - {ticket.type_name}"


def _local(moment, gate: Row, fmt: str) -> str:
    return moment.astimezone(ZoneInfo(gate.timezone)).strftime(fmt)


def _closed(gate: Row, ticket: Row) -> str:
    if gate.opens_at or gate.closes_at:
        hours = " to ".join(_local(t, gate, "%d %b %H:%M") for t in (gate.opens_at, gate.closes_at) if t)
        return f"Not valid now at {gate.name} (open {hours})"
    return f"{ticket.type_name} is not valid at this time"
