"""A supervisor undoes an admitted scan; the ticket is back where it was."""
from sqlalchemy import delete, update

from ..errors import Conflict, NotFound
from ..extensions import db
from ..live import counters
from ..models import Admission, Event, Scan, utcnow
from ..stock.ledger import journal


def annul(event: Event, scan_id: int, reason: str, actor: str) -> dict:
    """Mark an admitted scan annulled, with a reason, and reverse its effect on presence."""
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
    inside_before = counters.presence(scan)
    _undo(scan)
    counters.scan_annulled(scan, inside_before)
    journal(event.id, actor, "scan.annul", ticket_id=scan.ticket_id, reason=reason,
            before={"scan": scan.id, "status": scan.status, "direction": scan.direction})
    db.session.commit()
    return {"id": scan.id, "at": scan.at.isoformat(), "gate": scan.gate.code, "direction": scan.direction,
            "offline": scan.offline, "forced": scan.forced, "annulled": True, "annul_reason": reason}


def _undo(scan: Scan) -> None:
    where = (Admission.ticket_id == scan.ticket_id, Admission.zone == scan.gate.zone)
    if scan.direction == "in":
        db.session.execute(update(Admission).where(*where).values(inside=False, entries=Admission.entries - 1))
        db.session.execute(delete(Admission).where(*where, Admission.entries <= 0))
    else:
        db.session.execute(update(Admission).where(*where, Admission.inside.is_(False)).values(inside=True))
