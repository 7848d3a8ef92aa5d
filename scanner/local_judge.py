"""Judging a scan at the gate itself, from the gate pack, while the server is away.

The rules are the server's, from the same module (scanner/rules.py): this is
only the adapter from what the pack stores to the facts the rules read. A
code that does not parse, names an unknown key or ticket, or fails its
Ed25519 signature is `invalid`; one signed with another event's key is
`wrong_event` (when the pack lists the other events' keys); an older
generation, or a foreign barcode whose ticket moved on, is `revoked`. What
this gate cannot know (an entry at another gate meanwhile) the server flags
as a conflict when the queue is uploaded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner import rules
from scanner.gate_pack import GatePack
from scanner.rules import AdmissionFacts, GateFacts, TicketFacts, WrongDirection
from scanner.ticket_codes import parse, signed_by

__all__ = ["WrongDirection", "direction_at", "gate_facts", "judge_here", "remember_answer", "ticket_for"]


def direction_at(gate: dict[str, Any], asked: str | None) -> str:
    """The scan's direction: the one asked for, else the gate's; WrongDirection if the gate forbids it."""
    return rules.direction_at(gate_facts(gate), asked)


def ticket_for(pack: GatePack, code: str) -> tuple[dict[str, Any] | None, str | None]:
    """The ticket a code names and why it cannot be used as is (see scanner.rules.code_reason)."""
    claim = parse(code)
    if claim is None:
        found = pack.by_barcode(code)
        if found is None:
            return None, rules.code_reason(known=False)
        ticket, generation = found
        return ticket, rules.code_reason(known=True, generation=generation, current=int(ticket["generation"]))
    key = pack.key(claim.kid)
    if key is None or not signed_by(claim, key[0]):
        return None, rules.code_reason(known=False)
    if not key[1]:
        return None, rules.code_reason(known=True, own_event=False)
    ticket = pack.ticket(claim.serial)
    reason = rules.code_reason(known=True, generation=claim.generation,
                               current=int(ticket["generation"]) if ticket else None)
    return (None if reason == rules.INVALID else ticket), reason


def judge_here(pack: GatePack, code: str, direction: str, now: datetime) -> dict[str, Any]:
    """The answer for a scan, judged from the pack; remembers the entry or exit it allows."""
    gate = gate_facts(pack.gate)
    ticket, reason = ticket_for(pack, code)
    facts = ticket_facts(pack, ticket) if ticket else None
    serial = int(ticket["serial"]) if ticket else 0
    admission = pack.admission(serial) if ticket else None
    verdict = rules.judge(gate, facts, reason, direction, now, admission)
    if verdict.status == rules.OK and (after := rules.admission_after(gate, admission, direction, now)):
        pack.remember(serial, after)
    return {
        "status": verdict.status,
        "reason": verdict.reason,
        "message": verdict.message,
        "repeat": False,
        "offline": True,
        "ticket": _ticket_part(facts, serial) if facts else None,
        "first_entry": {"at": admission.first_at.isoformat(), "gate_name": admission.first_gate_name}
        if admission and verdict.reason == rules.DUPLICATE else None,
    }


def remember_answer(pack: GatePack, code: str, answer: dict[str, Any]) -> None:
    """Note who the server let in or out at this gate, or found inside already, for offline judging later."""
    ticket, _ = ticket_for(pack, code)
    if ticket is None or answer.get("repeat"):
        return
    serial, scan = int(ticket["serial"]), answer.get("scan") or {}
    first = answer.get("first_entry")
    if answer.get("reason") == rules.DUPLICATE and first:  # inside already, by whichever gate
        pack.remember(serial, AdmissionFacts(True, datetime.fromisoformat(first["at"]),
                                             first.get("gate_name") or first.get("gate") or "another gate"))
    elif answer.get("status") == rules.OK and scan.get("at"):
        gate, at = gate_facts(pack.gate), datetime.fromisoformat(scan["at"])
        after = rules.admission_after(gate, pack.admission(serial), scan.get("direction") or "in", at)
        if after:
            pack.remember(serial, after)


def gate_facts(gate: dict[str, Any]) -> GateFacts:
    """The pack's gate as the rules read it."""
    return GateFacts(
        code=str(gate.get("code") or ""), name=str(gate.get("name") or gate.get("code") or "this gate"),
        zone=str(gate.get("zone") or ""), admits=tuple(gate.get("admits") or ()),
        direction=gate.get("direction") or "in", reentry=bool(gate.get("reentry")),
        opens_at=_moment(gate.get("opens_at")), closes_at=_moment(gate.get("closes_at")),
        timezone=gate.get("timezone"))


def ticket_facts(pack: GatePack, ticket: dict[str, Any]) -> TicketFacts:
    """A pack ticket, with its type's zones and validity, as the rules read it."""
    code = str(ticket.get("type") or "")
    kind = pack.ticket_type(code)
    return TicketFacts(
        holder_name=ticket.get("name") or None, type_code=code,
        type_name=str(ticket.get("type_name") or kind.get("name") or code), state=ticket.get("state") or "valid",
        blocked=bool(ticket.get("blocked")), zones=tuple(kind.get("zones") or ()),
        valid_from=_moment(kind.get("valid_from")), valid_until=_moment(kind.get("valid_until")),
        serial=int(ticket["serial"]))


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _ticket_part(ticket: TicketFacts, serial: int) -> dict[str, Any]:
    """The ticket as the server's answer shows it, as far as the pack knows it."""
    return {"type": {"code": ticket.type_code, "name": ticket.type_name},
            "holder": {"name": rules.holder(ticket), "company": None}, "serial": serial,
            "zones": list(ticket.zones)}
