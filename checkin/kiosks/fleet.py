"""The event's kiosks as staff see them: state, printers, last guests; settings and taking one over.

A kiosk is known by its device token's name (`gate device pair --role kiosk
--name "Kiosk 1"`) and prints at the desk of the same name, so its printers
are attached as any desk's (`gate printer add --desk "Kiosk 1"`) and its
print agent runs with `--desk "Kiosk 1"`. Its screen reports its state every
few seconds; staff read each kiosk's state as one word: `ready`, `checking`
(a guest is on it), `printing`, `out_of_labels` (or another printer
trouble: `printer_down`), `offline` (not heard of lately) or `taken_over`.
"""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..driver import INSERT
from ..errors import Invalid, NotFound
from ..extensions import db
from ..models import BadgePrint, Event, Gate, Kiosk, PrinterJob, Ticket, utcnow
from ..models.tokens import ApiToken
from ..printing import printers

OFFLINE_AFTER = timedelta(seconds=20)  # the screen reports every few seconds
SEEN_EVERY = timedelta(seconds=2)
LAST_GUESTS = 5
# What a printer's state detail says when it is out of labels or paper (IPP's printer-state-reasons, CUPS).
OUT_OF_LABELS = ("media-empty", "media-needed", "out of paper", "out of labels", "media-jam")


def name_of(token_id: int) -> str:
    """A kiosk's name: its token's, else one made from the token's id."""
    name = db.session.scalar(select(ApiToken.name).where(ApiToken.id == token_id))
    return (name or f"Kiosk {token_id}").strip()[:64]


def kiosk_named(event: Event, name: str) -> Kiosk:
    """The event's kiosk of this name, made known (with its desk) the first time it asks."""
    found = db.session.scalar(select(Kiosk).where(Kiosk.event_id == event.id, Kiosk.name == name))
    if found is not None:  # the usual case: no write
        return found
    desk = printers.desk_named(event, name)
    insert = INSERT[db.session.get_bind().dialect.name]
    db.session.execute(insert(Kiosk).values(event_id=event.id, name=name, desk_id=desk.id, state="ready",
                                            state_at=utcnow()).on_conflict_do_nothing(
        index_elements=["event_id", "name"]))
    db.session.commit()  # known from now on, whatever the guest's call that made it known comes to
    return db.session.scalar(select(Kiosk).where(Kiosk.event_id == event.id, Kiosk.name == name))


def here(event: Event, name: str, state: str) -> dict:
    """The kiosk's screen says it is there and what it shows; it gets its settings and latest jobs back."""
    kiosk, now = kiosk_named(event, name), utcnow()
    if kiosk.state != state or kiosk.last_seen is None or kiosk.last_seen <= now - SEEN_EVERY:
        db.session.execute(update(Kiosk).where(Kiosk.id == kiosk.id).values(
            state=state, last_seen=now, **({"state_at": now} if kiosk.state != state else {})))
    shown = _settings(kiosk)
    db.session.commit()
    return shown


def _settings(kiosk: Kiosk) -> dict:
    gate = db.session.get(Gate, kiosk.admit_gate_id) if kiosk.admit_gate_id else None
    jobs = db.session.scalars(select(PrinterJob).where(PrinterJob.desk_id == kiosk.desk_id)
                              .order_by(PrinterJob.id.desc()).limit(3)).all()
    return {"name": kiosk.name, "admit_at": _gate_view(gate), "taken_over": kiosk.taken_over is not None,
            "languages": db.session.scalar(select(Event.languages).where(Event.id == kiosk.event_id)),
            "printer_jobs": [{"print_job_id": j.print_job_id, "state": j.state, "detail": j.detail} for j in jobs]}


def _gate_view(gate: Gate | None) -> dict | None:
    return {"code": gate.code, "name": gate.name, "zone": gate.zone} if gate else None


def configure(event: Event, name: str, admit_at: str | None) -> dict:
    """The event's choice for one kiosk: printing also admits at gate `admit_at`, or only prints (None)."""
    gate_id = None
    if admit_at is not None:
        gate = db.session.scalar(select(Gate).where(Gate.event_id == event.id, Gate.code == admit_at))
        if gate is None or gate.direction == "out":
            db.session.rollback()
            raise Invalid(f"no entry gate {admit_at!r} in this event", {"admit_at": ["unknown entry gate"]})
        gate_id = gate.id
    kiosk = kiosk_named(event, name)
    db.session.execute(update(Kiosk).where(Kiosk.id == kiosk.id).values(admit_gate_id=gate_id))
    db.session.commit()
    return view(event, db.session.get(Kiosk, kiosk.id, populate_existing=True), utcnow())


def take_over(event: Event, name: str, taken: bool, actor: str) -> dict:
    """Staff take a kiosk over (its screen sends guests to the desk) or hand it back."""
    kiosk = db.session.scalar(select(Kiosk).where(Kiosk.event_id == event.id, Kiosk.name == name))
    if kiosk is None:
        db.session.rollback()
        raise NotFound(f"no kiosk named {name!r} in this event")
    db.session.execute(update(Kiosk).where(Kiosk.id == kiosk.id).values(taken_over=actor if taken else None))
    db.session.commit()
    return view(event, db.session.get(Kiosk, kiosk.id, populate_existing=True), utcnow())


def list_kiosks(event: Event) -> dict:
    """Every kiosk of the event with its state in one word, its printers and its last guests."""
    now = utcnow()
    kiosks = db.session.scalars(select(Kiosk).where(Kiosk.event_id == event.id).order_by(Kiosk.name)).all()
    shown = {"kiosks": [view(event, k, now) for k in kiosks]}
    db.session.commit()
    return shown


def view(event: Event, kiosk: Kiosk, now: datetime) -> dict:
    """One kiosk as staff see it."""
    kiosk_printers = printers.list_printers(event, kiosk.desk_id)
    gate = db.session.get(Gate, kiosk.admit_gate_id) if kiosk.admit_gate_id else None
    last = db.session.execute(select(BadgePrint.at, Ticket.holder_name, Ticket.serial)
                              .join(Ticket, Ticket.id == BadgePrint.ticket_id)
                              .where(BadgePrint.event_id == event.id, BadgePrint.desk == kiosk.name)
                              .order_by(BadgePrint.id.desc()).limit(LAST_GUESTS)).all()
    return {"name": kiosk.name, "state": _state(kiosk, kiosk_printers, now), "screen": kiosk.state,
            "state_at": kiosk.state_at.isoformat(),
            "last_seen": kiosk.last_seen.isoformat() if kiosk.last_seen else None,
            "taken_over_by": kiosk.taken_over, "admit_at": _gate_view(gate), "printers": kiosk_printers,
            "last_guests": [{"name": n, "serial": s, "at": at.isoformat()} for at, n, s in last]}


def _state(kiosk: Kiosk, kiosk_printers: list[dict], now: datetime) -> str:
    if kiosk.last_seen is None or kiosk.last_seen < now - OFFLINE_AFTER:
        return "offline"
    if kiosk.taken_over:
        return "taken_over"
    troubled = [p for p in kiosk_printers if p["state"] in ("stopped", "offline", "silent")]
    if any(word in (p["detail"] or "").lower() for p in troubled for word in OUT_OF_LABELS):
        return "out_of_labels"
    if troubled or not kiosk_printers:
        return "printer_down"
    return "printing" if kiosk.state == "printing" else kiosk.state if kiosk.state == "checking" else "ready"
