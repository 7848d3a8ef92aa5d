"""Previews of an event's badges before anything prints: real tickets, drawn as colour PNGs.

The samples are the tickets most likely to break a layout: the longest
holder name, and one holder name in each script the event's tickets use.
"""
import unicodedata

from sqlalchemy import func, select

import badges
from badges.png import rasterise_colour

from ..errors import Conflict
from ..extensions import db
from ..models import Event, Ticket, TicketType
from ..printing.jobs import badge_data, render_badges
from .layouts import check_document
from .selection import Chosen, event_layouts

SCAN_LIMIT = 50_000  # names read to find each script; enough for any event's mix
SCRIPTS = ("Latin", "Arabic", "Hebrew", "Devanagari", "CJK", "Cyrillic", "Greek", "Thai")
_RANGES = (
    ("Arabic", 0x0600, 0x06FF), ("Arabic", 0x0750, 0x077F), ("Arabic", 0xFB50, 0xFDFF), ("Arabic", 0xFE70, 0xFEFF),
    ("Hebrew", 0x0590, 0x05FF), ("Devanagari", 0x0900, 0x097F), ("Thai", 0x0E00, 0x0E7F),
    ("Cyrillic", 0x0400, 0x04FF), ("Greek", 0x0370, 0x03FF),
    ("CJK", 0x3040, 0x30FF), ("CJK", 0x3400, 0x4DBF), ("CJK", 0x4E00, 0x9FFF), ("CJK", 0xAC00, 0xD7AF),
    ("CJK", 0x1100, 0x11FF), ("CJK", 0xF900, 0xFAFF),
)


def script_of(name: str) -> str | None:
    """The first script other than Latin a name uses, else Latin if it has Latin letters."""
    latin = False
    for char in name:
        point = ord(char)
        for script, low, high in _RANGES:
            if low <= point <= high:
                return script
        if not latin and char.isalpha() and unicodedata.name(char, "").startswith("LATIN"):
            latin = True
    return "Latin" if latin else None


def samples(event: Event, ttype: TicketType | None) -> dict:
    """The tickets to preview: the longest name first, then one per script found."""
    where = [Ticket.event_id == event.id, Ticket.state == "valid"]
    if ttype is not None:
        where.append(Ticket.type_id == ttype.id)
    columns = select(Ticket.id, Ticket.holder_name, TicketType.name.label("type")).join(
        TicketType, TicketType.id == Ticket.type_id).where(*where)
    longest = db.session.execute(columns.order_by(func.length(Ticket.holder_name).desc(), Ticket.id)
                                 .limit(1)).first()
    found = {}
    rows = db.session.execute(columns.order_by(Ticket.id).limit(SCAN_LIMIT).execution_options(yield_per=2000))
    for row in rows:
        script = script_of(row.holder_name)
        if script and script not in found:
            found[script] = row
            if len(found) == len(SCRIPTS):
                break
    db.session.commit()
    picked, covered = [], None
    if longest is not None:
        covered = script_of(longest.holder_name)
        why = f"longest name · {covered}" if covered else "longest name"
        picked.append(_sample(longest, why, covered))
    picked += [_sample(found[s], s, s) for s in SCRIPTS if s in found and s != covered]
    return {"tickets": picked}


def _sample(row, why: str, script: str | None) -> dict:
    return {"ticket_id": row.id, "name": row.holder_name, "type": row.type, "why": why, "script": script}


def preview_png(event: Event, ticket: Ticket, draft: dict | None, dpi: int) -> bytes:
    """The ticket's badge in colour: with the draft layout (branded like a saved one) or as it prints now."""
    layouts = event_layouts(event)
    if draft is not None:
        base = check_document(draft)
        chosen = Chosen(badges.brand(base, logo=layouts.logo(), colour=layouts.colours.get(
            badges.catalog.normalise_badge_type(ticket.type.badge_type or ""))), "draft")
    else:
        chosen = layouts.choose(ticket.type)
    if chosen is None:
        db.session.rollback()
        raise Conflict(f"{ticket.type.name} tickets get no badge", {"ticket_id": ["this ticket type gets no badge"]})
    data = badge_data(event, ticket)
    db.session.commit()
    return rasterise_colour(render_badges([data], chosen.layout, None), dpi)
