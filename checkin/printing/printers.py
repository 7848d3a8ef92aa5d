"""An event's printers: set up, listed, removed, their state as the print agent sees it, and their alerts.

A printer hangs off one desk; the desk's print agent reaches it (outputs.py
says how) and reports its state every few seconds. A printer stopped or
offline, or whose agent has gone silent, raises `printer_down` on the
dashboard until it is back.
"""
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..driver import INSERT
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..live import alerts
from ..models import Desk, Event, Printer, PrinterJob, utcnow
from . import outputs

SILENT_AFTER = timedelta(seconds=60)  # an agent reports each printer every few seconds
DOWN_STATES = ("stopped", "offline")
ALERTS = ("printer_down:",)


def add_printer(event: Event, data: dict) -> dict:
    """Set up a printer at a desk (the desk becomes known if its screen never opened)."""
    errors = {}
    try:
        connection = outputs.parse_connection(data["connection"])
        outputs.check_language(connection, data["language"])
    except ValueError as wrong:
        errors["connection"] = [str(wrong)]
    options = data.get("options") or {}
    try:
        if data["language"] == "brother_ql":
            options = outputs.check_brother_options(options)
        elif options:
            raise ValueError("only brother_ql printers take options")
    except ValueError as wrong:
        errors["options"] = [str(wrong)]
    if errors:
        raise Invalid("this printer cannot be set up as given", errors)
    desk = _desk(event, data["desk"])
    if db.session.scalar(select(Printer.id).where(Printer.event_id == event.id, Printer.name == data["name"])):
        db.session.rollback()
        raise Conflict(f"a printer named {data['name']!r} exists in this event", {"name": ["already taken"]})
    printer = Printer(event_id=event.id, name=data["name"], desk_id=desk.id, connection=data["connection"],
                      language=data["language"], media=data["media"], dpi=data["dpi"], options=options,
                      created_at=utcnow())
    db.session.add(printer)
    try:
        db.session.commit()
    except IntegrityError:  # the same name added at the same moment: the unique constraint decides
        db.session.rollback()
        raise Conflict(f"a printer named {data['name']!r} exists in this event", {"name": ["already taken"]}) from None
    return view(printer, desk.name)


def _desk(event: Event, name: str) -> Desk:
    insert = INSERT[db.session.get_bind().dialect.name]
    db.session.execute(insert(Desk).values(event_id=event.id, name=name, last_seen=utcnow())
                       .on_conflict_do_nothing(index_elements=["event_id", "name"]))
    return db.session.scalar(select(Desk).where(Desk.event_id == event.id, Desk.name == name))


def desk_named(event: Event, name: str) -> Desk:
    """The event's desk of this name, made known now if it was not (a kiosk prints at its own desk)."""
    return _desk(event, name)


def list_printers(event: Event, desk_id: int | None = None) -> list[dict]:
    """The event's printers (or one desk's), by name."""
    query = select(Printer, Desk.name).join(Desk, Desk.id == Printer.desk_id).where(Printer.event_id == event.id)
    if desk_id is not None:
        query = query.where(Printer.desk_id == desk_id)
    return [view(p, desk) for p, desk in db.session.execute(query.order_by(Printer.name))]


def remove_printer(event: Event, name: str) -> None:
    """Remove a printer that has nothing on its way to it."""
    printer = _printer(event, name)
    busy = db.session.scalar(select(PrinterJob.id).where(
        PrinterJob.printer_id == printer.id, PrinterJob.state.in_(("queued", "sending", "sent"))).limit(1))
    if busy:
        db.session.rollback()
        raise Conflict(f"printer {name!r} has jobs on their way; wait until they print or fail",
                       {"name": ["jobs on their way"]})
    db.session.execute(update(PrinterJob).where(PrinterJob.printer_id == printer.id).values(printer_id=None))
    db.session.delete(printer)
    _reconcile(event.id, utcnow())
    db.session.commit()


def _printer(event: Event, name: str) -> Printer:
    printer = db.session.scalar(select(Printer).where(Printer.event_id == event.id, Printer.name == name))
    if printer is None:
        db.session.rollback()
        raise NotFound(f"no printer named {name!r} in this event")
    return printer


def report_state(event: Event, name: str, state: str, detail: str | None) -> dict:
    """The agent says what it sees at a printer; alerts follow the change."""
    printer = _printer(event, name)
    now = utcnow()
    printer.state, printer.state_detail, printer.state_at = state, (detail or None), now
    _reconcile(event.id, now)
    desk = db.session.get(Desk, printer.desk_id)
    shown = view(printer, desk.name)
    db.session.commit()
    return shown


def view(printer: Printer, desk: str) -> dict:
    """A printer as the API answers it; `state` is `silent` when its agent has not reported lately."""
    now = utcnow()
    silent = printer.state_at is not None and printer.state_at < now - SILENT_AFTER
    return {"name": printer.name, "desk": desk, "connection": printer.connection, "language": printer.language,
            "media": printer.media, "dpi": printer.dpi, "options": printer.options or {},
            "state": "silent" if silent else printer.state, "detail": printer.state_detail,
            "state_at": printer.state_at.isoformat() if printer.state_at else None}


def down(event_id: int, now: datetime) -> dict[str, dict]:
    """printer_down alerts that hold now: a printer stopped or offline, or not heard of for a minute."""
    wanted = {}
    for printer in db.session.scalars(select(Printer).where(Printer.event_id == event_id,
                                                            Printer.state_at.is_not(None))):
        silent = printer.state_at < now - SILENT_AFTER
        if printer.state not in DOWN_STATES and not silent:
            continue
        why = "its print agent is silent" if silent else f"{printer.state}: {printer.state_detail or 'no reason given'}"
        key = f"printer_down:{printer.name}"
        wanted[key] = alerts.candidate("printer_down", "warning", key, f"Printer {printer.name} is down ({why})",
                                       {"printer": printer.name, "state": "silent" if silent else printer.state})
    return wanted


def _reconcile(event_id: int, now: datetime) -> list[dict]:
    settings = alerts.settings_for(event_id)
    return alerts.reconcile(event_id, ALERTS, down(event_id, now), settings)


def watch_printers() -> list[dict]:
    """Raise printer_down for printers whose agent went silent, and re-arm those back (a scheduler task)."""
    now = utcnow()
    raised = []
    event_ids = db.session.scalars(select(Printer.event_id).where(
        Printer.state_at > now - timedelta(days=1)).distinct()).all()
    for event_id in event_ids:
        raised += _reconcile(event_id, now)
    db.session.commit()
    return raised
