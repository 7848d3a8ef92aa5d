"""Judging a scan at the gate itself, from the gate pack, while the server is away.

The rules are the server's (checkin/gate/admissions.py), in the same order, with
the same statuses, reasons and messages: a code that does not parse, names an
unknown key or ticket, or fails its Ed25519 signature is `invalid`; an older
generation is `revoked`; then `void`, `blocked`, `unpaid`, `not_admitted`
(type or zone), `invalid_time` (gate hours, type validity); an entry this
gate already let in is a `duplicate`. Exits are always allowed. What this
gate cannot know (an entry at another gate meanwhile) the server flags as a
conflict when the queue is uploaded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.gate_pack import GatePack
from scanner.ticket_codes import parse, signed_by

__all__ = ["WrongDirection", "direction_at", "judge_here", "ticket_for"]

_FIXED = {
    "invalid": "Not a valid ticket",
    "void": "Ticket cancelled - send to the box office",
    "blocked": "Ticket blocked - call a supervisor",
    "unpaid": "Payment pending - send to the box office",
}


class WrongDirection(ValueError):
    """This gate does not take scans in that direction (the server would refuse it too)."""


def direction_at(gate: dict[str, Any], asked: str | None) -> str:
    """The scan's direction: the one asked for, else the gate's; WrongDirection if the gate forbids it."""
    allowed = gate.get("direction") or "in"
    direction = asked or ("out" if allowed == "out" else "in")
    if allowed != "both" and direction != allowed:
        raise WrongDirection(f"gate {gate.get('code')} only takes {allowed!r} scans")
    return direction


def ticket_for(pack: GatePack, code: str) -> tuple[dict[str, Any] | None, str | None]:
    """The ticket a code names and why it cannot be used as is: (None, 'invalid') or (ticket, 'revoked')."""
    claim = parse(code)
    if claim is None:
        found = pack.by_barcode(code)
        if found is None:
            return None, "invalid"
        return found[0], (None if found[1] else "revoked")
    key = pack.key(claim.kid)
    if key is None or not signed_by(claim, key):
        return None, "invalid"
    ticket = pack.ticket(claim.serial)
    if ticket is None or claim.generation > int(ticket["generation"]):
        return None, "invalid"
    return ticket, ("revoked" if claim.generation < int(ticket["generation"]) else None)


def judge_here(pack: GatePack, code: str, direction: str, now: datetime) -> dict[str, Any]:
    """The answer for a scan, judged from the pack; records the entry or exit it allows."""
    gate = pack.gate
    ticket, reason = ticket_for(pack, code)
    if ticket is not None and reason is None:
        reason = _refusal(pack, gate, ticket, direction, now)
    if ticket is not None and reason is None:
        seen = pack.presence(int(ticket["serial"]))
        if direction == "in" and seen and (seen[0] == "in" or not gate.get("reentry")):
            reason = "duplicate"
            message = _duplicate_message(gate, seen)
        else:
            pack.record(int(ticket["serial"]), direction)
    if reason != "duplicate":
        message = _message(reason, direction, gate, ticket)
    return {
        "status": "refused" if reason else "ok",
        "reason": reason,
        "message": message,
        "repeat": False,
        "offline": True,
        "ticket": _ticket_part(pack, ticket) if ticket else None,
    }


def _refusal(pack: GatePack, gate: dict[str, Any], ticket: dict[str, Any], direction: str,
             now: datetime) -> str | None:
    if direction == "out":
        return None  # whoever is leaving may leave
    if ticket.get("state") == "void":
        return "void"
    if ticket.get("blocked"):
        return "blocked"
    if ticket.get("state") == "pending":
        return "unpaid"
    kind = pack.ticket_type(ticket.get("type") or "")
    if ticket.get("type") not in (gate.get("admits") or []) or (kind.get("zones") and
                                                                 gate.get("zone") not in kind["zones"]):
        return "not_admitted"
    if not _within(now, gate.get("opens_at"), gate.get("closes_at")) or \
            not _within(now, kind.get("valid_from"), kind.get("valid_until")):
        return "invalid_time"
    return None


def _within(now: datetime, start: str | None, end: str | None) -> bool:
    return (start is None or now >= datetime.fromisoformat(start)) and \
        (end is None or now <= datetime.fromisoformat(end))


def _message(reason: str | None, direction: str, gate: dict[str, Any], ticket: dict[str, Any] | None) -> str:
    if reason in _FIXED or ticket is None:
        return _FIXED[reason or "invalid"]
    name, kind, where = ticket.get("name") or "-", ticket.get("type_name") or ticket.get("type"), _gate_name(gate)
    if reason == "revoked":
        return f"Old code - this ticket now belongs to {name}"
    if reason == "not_admitted":
        return f"{kind} is not admitted at {where}"
    if reason == "invalid_time":
        return f"Not valid now at {where}"
    return f"Goodbye {name}" if direction == "out" else f"Welcome {name} - {kind}"


def _duplicate_message(gate: dict[str, Any], seen: tuple[str, float]) -> str:
    when = datetime.fromtimestamp(seen[1]).strftime("%H:%M")
    if seen[0] == "in":
        return f"Already entered {when} at {_gate_name(gate)}"
    return f"No re-entry at {_gate_name(gate)} - left {when}"


def _gate_name(gate: dict[str, Any]) -> str:
    return str(gate.get("name") or gate.get("code") or "this gate")


def _ticket_part(pack: GatePack, ticket: dict[str, Any]) -> dict[str, Any]:
    """The ticket as the server's answer shows it, as far as the pack knows it."""
    kind = ticket.get("type")
    return {"type": {"code": kind, "name": ticket.get("type_name") or pack.ticket_type(kind or "").get("name")},
            "holder": {"name": ticket.get("name"), "company": None}, "serial": ticket.get("serial")}
