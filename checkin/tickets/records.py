"""Issuing tickets (bulk import), finding them, and how a ticket reads in answers."""
import re
from collections import defaultdict
from typing import Callable

from sqlalchemy import ColumnElement, and_, case, insert, or_, select, update

from ..errors import Invalid, NotFound, SoldOut
from ..extensions import db
from ..gate.admissions import badge_state
from ..models import Channel, Event, LedgerEntry, Scan, SigningKey, Ticket, TicketType, utcnow
from ..printing.log import prints_of_ticket
from ..stock.ledger import journal_many, take_stock
from .codes import Signer

CHUNK = 2000
Progress = Callable[[int], None]


def import_tickets(event: Event, rows: list[dict], actor: str, progress: Progress | None = None) -> list[dict]:
    """Issue tickets all or nothing; rows whose external_id exists come back unchanged."""
    types = {t.code: t for t in db.session.scalars(select(TicketType).where(TicketType.event_id == event.id))}
    channels = {c.code: c for c in db.session.scalars(select(Channel).where(Channel.event_id == event.id))}
    existing = _existing_by_external_id(event, rows)
    fresh = [i for i, row in enumerate(rows) if row.get("external_id") not in existing]
    _refuse_if(Invalid, _row_errors(event, rows, fresh, types, channels))
    seat_errors: dict[str, list[str]] = {}
    sources = _take_seats(rows, fresh, types, channels, seat_errors)
    _refuse_if(SoldOut, seat_errors)
    issued = _insert(event, rows, fresh, types, channels, sources, actor, progress)
    db.session.commit()
    return [existing.get(row.get("external_id")) or issued[i] for i, row in enumerate(rows)]


def _refuse_if(error_class, errors: dict[str, list[str]]) -> None:
    if errors:
        db.session.rollback()
        first = next(iter(errors.values()))[0]
        raise error_class(f"{len(errors)} row(s) refused, nothing imported; first: {first}", errors)


def _existing_by_external_id(event: Event, rows: list[dict]) -> dict[str, dict]:
    ids = sorted({r["external_id"] for r in rows if r.get("external_id")})
    found: dict[str, dict] = {}
    for start in range(0, len(ids), 500):
        for ticket in db.session.scalars(select(Ticket).where(
                Ticket.event_id == event.id, Ticket.external_id.in_(ids[start:start + 500]))):
            found[ticket.external_id] = summary(ticket)
    return found


def _row_errors(event, rows, fresh, types, channels) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    seen_ext: dict[str, int] = {}
    seen_barcode: dict[str, int] = {}
    for i in fresh:
        row = rows[i]
        if row["type"] not in types:
            errors[f"tickets.{i}.type"] = [f"no ticket type {row['type']!r}"]
        if row.get("channel") and row["channel"] not in channels:
            errors[f"tickets.{i}.channel"] = [f"no channel {row['channel']!r}"]
        for key, seen in (("external_id", seen_ext), ("barcode", seen_barcode)):
            value = row.get(key)
            if value and value in seen:
                errors[f"tickets.{i}.{key}"] = [f"repeats row {seen[value]}"]
            elif value:
                seen[value] = i
    taken = _barcodes_in_use(event, list(seen_barcode))
    for barcode in taken:
        errors[f"tickets.{seen_barcode[barcode]}.barcode"] = ["already used by another ticket"]
    return errors


def _barcodes_in_use(event: Event, barcodes: list[str]) -> set[str]:
    used: set[str] = set()
    for start in range(0, len(barcodes), 500):
        used.update(db.session.scalars(select(Ticket.barcode).where(
            Ticket.event_id == event.id, Ticket.barcode.in_(barcodes[start:start + 500]))))
    return used


def _take_seats(rows, fresh, types, channels, errors) -> dict[int, str]:
    """One guarded take per (type, channel); every row of a group that does not fit is named."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i in fresh:
        groups[(rows[i]["type"], rows[i].get("channel"))].append(i)
    sources = {}
    for (type_code, channel_code), members in groups.items():
        try:
            take = take_stock(types[type_code], channels.get(channel_code), len(members))
            sources.update({i: take.source(k) for k, i in enumerate(members)})
        except SoldOut as refused:
            for i in members:
                errors[f"tickets.{i}"] = [f"{type_code}: {refused.detail} (group of {len(members)})"]
    return sources


def _insert(event, rows, fresh, types, channels, sources, actor, progress) -> dict[int, dict]:
    first = _reserve_serials(event, len(fresh))
    key = db.session.scalar(select(SigningKey).where(SigningKey.event_id == event.id)
                            .order_by(SigningKey.id.desc()))
    signer = Signer(key.kid, key.private_key)
    now = utcnow()
    records = []
    for n, i in enumerate(fresh):
        records.append(_record(event, rows[i], first + n, signer, types, channels, sources[i], now))
    for start in range(0, len(records), CHUNK):
        db.session.execute(insert(Ticket), records[start:start + CHUNK])
        if progress:
            progress(min(CHUNK, len(records) - start))
    ids = dict(db.session.execute(select(Ticket.serial, Ticket.id).where(
        Ticket.event_id == event.id, Ticket.serial >= first, Ticket.serial < first + len(fresh))).all())
    journal_many([{"event_id": event.id, "at": now, "actor": actor, "action": "ticket.issue",
                   "ticket_id": ids[r["serial"]], "type_id": r["type_id"], "channel_id": r["channel_id"],
                   "quantity": 1, "after": {"state": r["state"], "holder": r["holder_name"]}}
                  for r in records])
    out = {}
    for i, r in zip(fresh, records):
        out[i] = {"id": ids[r["serial"]], "external_id": r["external_id"], "type": rows[i]["type"],
                  "channel": rows[i].get("channel"), "state": r["state"], "code": r["barcode"] or r["code"],
                  "holder": {"name": r["holder_name"], "email": r["holder_email"],
                             "company": r["holder_company"]}}
    return out


def _record(event, row, serial, signer, types, channels, source, now) -> dict:
    ttype = types[row["type"]]
    channel = channels.get(row.get("channel"))
    holder = row["holder"]
    return {
        "event_id": event.id, "serial": serial, "generation": 1, "code": signer.code(serial, 1),
        "type_id": ttype.id, "channel_id": channel.id if channel else None,
        "stock_source": source,
        "state": row.get("state") or "valid", "blocked": False,
        "external_id": row.get("external_id"), "barcode": row.get("barcode"),
        "barcode_generation": 1 if row.get("barcode") else None,
        "holder_name": holder["name"], "holder_email": holder.get("email"),
        "holder_company": holder.get("company"),
        "price": row["price"] if row.get("price") is not None else ttype.price,
        "notes": row.get("notes"), "require_attention": bool(row.get("require_attention")),
        "badge_prints": 0, "created_at": now,
    }


def _reserve_serials(event: Event, n: int) -> int:
    """Claim a block of serials; the row lock (or SQLite's write lock) keeps blocks apart."""
    db.session.execute(update(Event).where(Event.id == event.id).values(next_serial=Event.next_serial + n))
    return db.session.scalar(select(Event.next_serial).where(Event.id == event.id)) - n


SERIAL = re.compile(r"#?\s*(\d{1,9})")  # a serial as screens show it: "#3001", or typed "3001"


def search_terms(event_id: int, q: str) -> tuple[ColumnElement, ColumnElement]:
    """What a search text finds in an event, as (WHERE clause, ORDER BY key that puts exact hits first).

    Holder name, email and company by part; the serial, external id and a whole
    code or barcode exactly; our codes and foreign barcodes by prefix too. A
    serial may be short ("#7"); any other text needs at least 3 characters.
    """
    q = q.strip()
    serial = SERIAL.fullmatch(q)
    if len(q) < 3 and not serial:
        raise Invalid("search needs at least 3 characters, or a ticket serial such as #3001",
                      {"q": ["at least 3 characters, or a serial"]})
    exact = [Ticket.external_id == q, Ticket.code == q.upper(), Ticket.barcode == q]
    if serial:
        exact.append(Ticket.serial == int(serial.group(1)))
    where = and_(Ticket.event_id == event_id, or_(
        *exact,
        Ticket.holder_name.icontains(q, autoescape=True),
        Ticket.holder_email.icontains(q, autoescape=True),
        Ticket.holder_company.icontains(q, autoescape=True),
        Ticket.code.startswith(q.upper(), autoescape=True),
        Ticket.barcode.startswith(q, autoescape=True),
    ))
    return where, case((or_(*exact), 0), else_=1)


def search(event: Event, q: str, limit: int = 50) -> list[dict]:
    """Tickets whose holder, email, company, serial, external id or code (prefix) matches."""
    where, exact_first = search_terms(event.id, q)
    found = db.session.scalars(select(Ticket).where(where).order_by(exact_first, Ticket.holder_name, Ticket.id)
                               .limit(limit))
    return [summary(t) for t in found]


def get_ticket(event: Event, ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.event_id != event.id:
        raise NotFound(f"no ticket {ticket_id} in this event")
    return ticket


def current_code(ticket: Ticket) -> str:
    """The text to put in the QR: the foreign barcode while it is still current, else ours."""
    if ticket.barcode and ticket.barcode_generation == ticket.generation:
        return ticket.barcode
    return ticket.code


def summary(ticket: Ticket) -> dict:
    """The ticket as import and search answer it."""
    return {
        "id": ticket.id, "external_id": ticket.external_id, "type": ticket.type.code,
        "channel": ticket.channel.code if ticket.channel else None, "state": ticket.state,
        "code": current_code(ticket),
        "holder": {"name": ticket.holder_name, "email": ticket.holder_email, "company": ticket.holder_company},
    }


def detail(ticket: Ticket) -> dict:
    """The ticket with its scans and ledger history."""
    scans = db.session.scalars(select(Scan).where(Scan.ticket_id == ticket.id).order_by(Scan.id))
    history = db.session.scalars(select(LedgerEntry).where(LedgerEntry.ticket_id == ticket.id)
                                 .order_by(LedgerEntry.id))
    return {
        **summary(ticket), "serial": ticket.serial, "generation": ticket.generation,
        "type": {"code": ticket.type.code, "name": ticket.type.name}, "blocked": ticket.blocked,
        "price": str(ticket.price), "notes": ticket.notes, "require_attention": ticket.require_attention,
        "badge": badge_state(ticket.type.badge_type, ticket.generation, ticket.badge_generation,
                             ticket.badge_prints),
        "created_at": ticket.created_at.isoformat(),
        "scans": [scan_row(s) for s in scans],
        "history": [ledger_row(e) for e in history],
        "badge_prints": prints_of_ticket(ticket.id),
    }


def scan_row(scan: Scan) -> dict:
    """A scan in a ticket's history; a manual one says who admitted and why."""
    return {"id": scan.id, "at": scan.at.isoformat(), "gate": scan.gate.code, "direction": scan.direction,
            "status": scan.status, "reason": scan.reason, "offline": scan.offline, "forced": scan.forced,
            "manual": scan.manual, "actor": scan.actor, "note": scan.note, "device": scan.device,
            "annulled": scan.annulled_at is not None, "annul_reason": scan.annul_reason}


def ledger_row(entry: LedgerEntry) -> dict:
    return {"id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor, "action": entry.action,
            "ticket_id": entry.ticket_id, "quantity": entry.quantity, "reason": entry.reason,
            "before": entry.before, "after": entry.after}
