"""A guest at a kiosk: scan your ticket, see your badge, correct a spelling, print it.

Every call names the ticket by the code the guest scanned, never by an id:
a kiosk can only act on a ticket whose code is in front of it. A ticket the
kiosk cannot serve (unknown, another event's, replaced, void, unpaid,
blocked, no badge for its type, or a badge printed before) is refused with
a short reason and a sentence that sends the guest to the desk, and no one
else's data: a replaced code's ticket belongs to its new holder now.

The kiosk prints only a first badge; a second one needs staff. Printing
admits the guest too when the event chose that for this kiosk, at its gate,
as a manual scan judged by the gate's own rules.
"""
from datetime import timedelta
from types import SimpleNamespace

from ..branding.selection import event_layouts
from ..errors import Conflict
from ..extensions import db
from ..gate import throttle
from ..gate.admissions import ScanRequest, gate_for, judge
from ..gate.lookup import resolve
from ..models import Event, Gate, Ticket, utcnow
from ..printing import jobs, printers
from ..tickets import corrections
from .fleet import kiosk_named

SEE_DESK = "Please see the desk."
PRINTER_DOWN = ("stopped", "offline", "silent")  # printer states in which a kiosk sends guests to the desk
# Why a kiosk sends a guest to the desk, in the few words its screen shows.
REFUSALS = {
    "invalid": "We could not recognise this ticket.",
    "wrong_event": "This ticket is for another event.",
    "revoked": "This code has been replaced by a newer one.",
    "void": "This ticket has been cancelled.",
    "unpaid": "This ticket has not been paid yet.",
    "blocked": "This ticket needs a word with our staff.",
    "no_badge": "This ticket type has no badge to print here.",
    "printed": "Your badge has been printed already; staff can print another.",
    "no_printer": "This kiosk cannot print right now.",
    "taken_over": "This kiosk is paused; our staff will help you.",
}


class Refused(Exception):
    """The kiosk cannot serve this ticket; `reason` is one of REFUSALS."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def refusal(reason: str) -> dict:
    """What the kiosk shows: the reason in words and where to go, and no ticket."""
    return {"ok": False, "reason": reason, "message": f"{REFUSALS[reason]} {SEE_DESK}"}


def check(event: Event, kiosk_name: str, code: str) -> dict:
    """Is this you? The ticket's name, company and type for the guest to confirm, or a refusal."""
    try:
        ticket = _servable(event, kiosk_name, code)
    except Refused as refused:
        return refusal(refused.reason)
    shown = {"ok": True, **_guest(ticket)}
    db.session.commit()
    return shown


def preview(event: Event, kiosk_name: str, code: str) -> bytes | None:
    """The badge the guest would get, as a PNG; None when the ticket is refused."""
    try:
        ticket = _servable(event, kiosk_name, code)
    except Refused:
        return None
    return jobs.preview(event, ticket, None, None, 150)


def correct(event: Event, kiosk_name: str, code: str, holder: dict, actor: str) -> dict:
    """The guest corrects their own name or company, within a correction's bounds only."""
    try:
        ticket = _servable(event, kiosk_name, code)
    except Refused as refused:
        return refusal(refused.reason)
    corrections.correct(event, ticket.id, holder, f"corrected by the guest at {kiosk_name}", actor)
    ticket = db.session.get(Ticket, ticket.id, populate_existing=True)
    shown = {"ok": True, **_guest(ticket)}
    db.session.commit()
    return shown


def print_badge(event: Event, kiosk_name: str, code: str, actor: str) -> dict:
    """Print the guest's first badge at this kiosk's printer, and admit them if the kiosk does."""
    try:
        ticket = _servable(event, kiosk_name, code)
    except Refused as refused:
        return refusal(refused.reason)
    kiosk, ticket_id = kiosk_named(event, kiosk_name), ticket.id
    gate = db.session.get(Gate, kiosk.admit_gate_id) if kiosk.admit_gate_id else None
    gate_code, gate_name = (gate.code, gate.name) if gate else (None, None)
    try:
        job = jobs.print_badges(event, jobs.PrintRequest([ticket_id], desk=kiosk_name), actor)
    except Conflict as refused:  # printed by another kiosk or desk meanwhile, or changed
        db.session.rollback()
        return refusal("printed" if "ticket_ids.0" in (refused.errors or {}) else "no_badge")
    admitted = None
    if gate_code is not None:
        answer = judge(gate_for(event.slug, gate_code), ScanRequest(
            ticket_id=ticket_id, device=f"kiosk:{kiosk_name}", actor=actor, note=f"badge printed at {kiosk_name}"),
            f"kiosk:{kiosk_name}")
        admitted = {"status": answer["status"], "reason": answer["reason"], "message": answer["message"],
                    "gate": gate_code, "gate_name": gate_name}
    return {"ok": True, "job": {"id": job["id"], "printer_job": job["printer_job"]}, "admitted": admitted}


def _servable(event: Event, kiosk_name: str, code: str) -> Ticket:
    """The ticket behind a scanned code, if this kiosk may serve it now; else Refused."""
    kiosk = kiosk_named(event, kiosk_name)
    if kiosk.taken_over:
        raise Refused("taken_over")
    # Guessing codes here is throttled as at a gate: a short foreign barcode could else be tried until a
    # name shows. Past the limit the kiosk's calls answer 429 until the burst has passed.
    device = f"kiosk:{kiosk_name}"
    throttle.check(event.id, device)
    row, reason = resolve(event.id, code, utcnow() - timedelta(seconds=1))
    if reason is not None:
        if reason == "invalid":
            throttle.noted(SimpleNamespace(event_id=event.id, code=device, name=kiosk_name), device,
                           [{"reason": reason}])
        raise Refused(reason)
    ticket = db.session.get(Ticket, row.id)
    why = ("void" if ticket.state == "void" else "unpaid" if ticket.state == "pending"
           else "blocked" if ticket.blocked else None)
    if why is None and event_layouts(event).choose(ticket.type) is None:
        why = "no_badge"
    if why is None and ticket.badge_prints > 0:
        why = "printed"
    if why is None and not any(p["state"] not in PRINTER_DOWN for p in printers.list_printers(event, kiosk.desk_id)):
        why = "no_printer"  # none, or none that can print now: the guest would wait for nothing
    if why is not None:
        db.session.rollback()
        raise Refused(why)
    return ticket


def _guest(ticket: Ticket) -> dict:
    """What the guest sees of their own ticket: enough to recognise it, nothing more."""
    return {"ticket": {"name": ticket.holder_name, "company": ticket.holder_company,
                       "type": ticket.type.name, "serial": ticket.serial}}
