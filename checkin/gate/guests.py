"""Finding a guest to check in without a code: who they are, where they are, whether their badge is printed.

The gate and the desk search here when a guest's phone died or their code will
not read, then admit the ticket they found as a manual scan (POST .../scans
with `ticket_id`), judged like any other scan.
"""
from sqlalchemy import func, select

from ..extensions import db
from ..models import Admission, Event, Gate, Scan, Ticket
from ..tickets.records import search_terms
from .admissions import badge_state

LIMIT = 20  # a screenful; the answer says when there are more


def find(event: Event, q: str, masked: bool) -> dict:
    """The guests a search text finds (at most LIMIT, exact hits first); `masked` hides most of each email."""
    where, exact_first = search_terms(event.id, q)
    rows = db.session.scalars(select(Ticket).where(where).order_by(exact_first, Ticket.holder_name, Ticket.id)
                              .limit(LIMIT + 1)).all()
    tickets = rows[:LIMIT]
    event_zones = sorted(set(db.session.scalars(select(Gate.zone).where(Gate.event_id == event.id))))
    places = _places([t.id for t in tickets])
    return {"guests": [_guest(t, places.get(t.id, {}), event_zones, masked) for t in tickets],
            "more": len(rows) > LIMIT, "timezone": event.timezone}


def mask_email(email: str | None) -> str | None:
    """"jane@example.org" -> "j***@example.org": enough to confirm with the guest, not to collect."""
    if not email:
        return email
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}"


def status_of(ticket: Ticket) -> str:
    """One word for what a gate would say first: void, blocked, unpaid, or valid (scanner.rules' order)."""
    if ticket.state == "void":
        return "void"
    if ticket.blocked:
        return "blocked"
    return "unpaid" if ticket.state == "pending" else "valid"


def _guest(ticket: Ticket, places: dict[str, dict], event_zones: list[str], masked: bool) -> dict:
    # The zones the ticket's type opens (any zone of the event when it names none), and any it was seen in.
    zones = list(ticket.type.zones or event_zones)
    zones += sorted(z for z in places if z not in zones)
    badge = badge_state(ticket.type.badge_type, ticket.generation, ticket.badge_generation, ticket.badge_prints)
    email = mask_email(ticket.holder_email) if masked else ticket.holder_email
    return {
        "id": ticket.id, "serial": ticket.serial, "external_id": ticket.external_id,
        "holder": {"name": ticket.holder_name, "company": ticket.holder_company, "email": email},
        "type": {"code": ticket.type.code, "name": ticket.type.name},
        "status": status_of(ticket), "state": ticket.state, "blocked": ticket.blocked,
        "require_attention": ticket.require_attention, "notes": ticket.notes,
        "zones": [places.get(z) or {"zone": z, "inside": False, "entries": 0, "last_entry": None} for z in zones],
        "badge": {**badge, "printed": ticket.badge_prints > 0},
    }


def _places(ticket_ids: list[int]) -> dict[int, dict[str, dict]]:
    """Per ticket and zone: inside or not, entries, and the last entry that stands (gate, time, manual, note)."""
    if not ticket_ids:
        return {}
    last_ids = (select(func.max(Scan.id)).join(Gate, Gate.id == Scan.gate_id)
                .where(Scan.ticket_id.in_(ticket_ids), Scan.status == "ok", Scan.direction == "in",
                       Scan.annulled_at.is_(None))
                .group_by(Scan.ticket_id, Gate.zone))
    last = {(s.ticket_id, s.gate.zone): s for s in db.session.scalars(select(Scan).where(Scan.id.in_(last_ids)))}
    places: dict[int, dict[str, dict]] = {}
    for a in db.session.scalars(select(Admission).where(Admission.ticket_id.in_(ticket_ids))):
        scan = last.get((a.ticket_id, a.zone))
        places.setdefault(a.ticket_id, {})[a.zone] = {
            "zone": a.zone, "inside": a.inside, "entries": a.entries,
            "last_entry": scan and {"at": scan.at.isoformat(), "gate": scan.gate.code, "gate_name": scan.gate.name,
                                    "manual": scan.manual, "actor": scan.actor, "note": scan.note},
        }
    return places
