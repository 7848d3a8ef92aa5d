"""The scan path's SQL, built once.

A gate waits on every scan, so the judgement reads plain rows through
prebuilt Core statements run straight on the driver (checkin/driver.py)
instead of loading ORM objects: the same tables and guards, at a fraction
of the cost per statement.
"""
from sqlalchemy import bindparam, func, insert, select, update

from ..driver import per_database, run, this_database
from ..models import Admission, Channel, Event, Gate, Scan, Ticket, TicketType

GATE = select(
    Event.id.label("event_id"), Event.timezone, Event.created_at.label("event_created_at"), Gate.id, Gate.code,
    Gate.name, Gate.zone, Gate.admits, Gate.direction, Gate.reentry, Gate.opens_at, Gate.closes_at,
).join(Event, Event.id == Gate.event_id).where(Event.slug == bindparam("slug"), Gate.code == bindparam("code"))

def _ticket(*where):
    """The ticket a scan judges, share-locked until the scan commits (PostgreSQL; SQLite's
    single writer already orders them): a transfer, upgrade or void of the same ticket
    then commits wholly before the scan reads it or after the scan is stored. The lock
    sits in a CTE so a ticket changed meanwhile is read as it is now, new type included;
    FOR SHARE on the join itself would drop a row whose type changed.
    It also names the ticket's latest scan since `since` (a possible re-read), saving
    the scan path a round trip of its own."""
    locked = select(
        Ticket.id, Ticket.serial, Ticket.generation, Ticket.state, Ticket.blocked, Ticket.holder_name,
        Ticket.holder_company, Ticket.notes, Ticket.require_attention, Ticket.badge_prints,
        Ticket.badge_generation, Ticket.barcode_generation, Ticket.type_id, Ticket.channel_id,
    ).where(*where).with_for_update(read=True).cte("locked_ticket")
    return select(
        *(c for c in locked.c if c.name not in ("type_id", "channel_id")), TicketType.code.label("type_code"),
        TicketType.name.label("type_name"), TicketType.badge_type, TicketType.zones, TicketType.valid_from,
        TicketType.valid_until, Channel.code.label("channel_code"),
        select(func.max(Scan.id)).where(Scan.ticket_id == locked.c.id, Scan.at >= bindparam("since"))
        .scalar_subquery().label("recent_scan_id"),
    ).join(TicketType, TicketType.id == locked.c.type_id).outerjoin(Channel, Channel.id == locked.c.channel_id)


TICKET_BY_SERIAL = _ticket(Ticket.event_id == bindparam("event_id"), Ticket.serial == bindparam("serial"))
TICKET_BY_BARCODE = _ticket(Ticket.event_id == bindparam("event_id"), Ticket.barcode == bindparam("code"))
TICKET_BY_ID = _ticket(Ticket.event_id == bindparam("event_id"), Ticket.id == bindparam("ticket_id"))

_SCAN = select(Scan.id, Scan.at, Scan.ticket_id, Scan.nonce, Scan.code, Scan.device, Scan.gate_id, Scan.direction,
               Scan.offline, Scan.forced, Scan.manual, Scan.note, Scan.annulled_at, Scan.answer,
               Gate.code.label("gate_code")).join(Gate, Gate.id == Scan.gate_id)
SCAN_BY_ID = _SCAN.where(Scan.id == bindparam("scan_id"))
SCAN_BY_NONCE = _SCAN.where(Scan.event_id == bindparam("event_id"), Scan.nonce == bindparam("nonce"))
SCAN_BY_NONCES = _SCAN.where(Scan.event_id == bindparam("event_id"),  # a batch's (db.session.execute)
                             Scan.nonce.in_(bindparam("nonces", expanding=True)))
INSERT_SCAN = insert(Scan).values({c: bindparam(c) for c in (
    "event_id", "gate_id", "ticket_id", "code", "device", "direction", "nonce", "scanned_at", "at", "status",
    "reason", "offline", "forced", "manual", "actor", "note", "answer")}).returning(Scan.id)

_ADMISSION_KEY = (Admission.ticket_id == bindparam("key_ticket"), Admission.zone == bindparam("key_zone"))
_ADMIT_ROW = {c: bindparam(c) for c in ("ticket_id", "zone", "event_id", "first_at", "first_gate_id", "last_at")}
ADMIT_FIRST = per_database(
    lambda dialect_insert: dialect_insert(Admission).values(inside=True, entries=1, **_ADMIT_ROW)
    .on_conflict_do_nothing(index_elements=["ticket_id", "zone"]).returning(Admission.ticket_id))
ADMIT_AGAIN = update(Admission).where(*_ADMISSION_KEY, Admission.inside.is_(False)).values(
    inside=True, entries=Admission.entries + 1, last_at=bindparam("now"))
LEAVE = update(Admission).where(*_ADMISSION_KEY, Admission.inside.is_(True)).values(
    inside=False, last_at=bindparam("now"))
ADMISSION = select(Admission.inside, Admission.first_at, Gate.code.label("gate_code"),
                   Gate.name.label("first_gate_name")).join(Gate, Gate.id == Admission.first_gate_id
                                                       ).where(*_ADMISSION_KEY)


def admit_first(**params):
    """The INSERT ... ON CONFLICT DO NOTHING for this database."""
    return run(this_database(ADMIT_FIRST), **params)

