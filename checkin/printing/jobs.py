"""Printing badges: print jobs, the print log and badge versions.

Printing is not admitting: this module writes print jobs, the print log and
the ticket's badge counters, never a scan or an admission.

A badge is printed for one ticket generation (its badge version). A print
moves the ticket's `badge_prints` and `badge_generation` with a
compare-and-set on what was read (generation and print count), so two desks
printing one ticket at once cannot both count, and a badge rendered just
before a transfer or upgrade committed is refused rather than logged as
current. The PDF is rendered between two short transactions (read, then
write): no transaction, and on SQLite no write lock, is held while it renders.

Auto-print at check-in is left to the desk: it listens to its gate's `scan`
events and posts a print job when `badge.needs_print` is true. Posting twice
is harmless; the second is refused as already printed unless it has a reason.
"""
import io
import math
import threading
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import insert, select, update

import badges
from badges.png import rasterise

from ..branding.reprints import CORRECTED, clear_marks, marked
from ..branding.selection import Chosen, EventLayouts, event_layouts
from ..errors import Conflict, DomainError, Invalid, NotFound
from ..extensions import db
from ..models import BadgePrint, Event, PrintJob, Ticket, utcnow
from ..stock.ledger import journal_many
from ..tickets.records import current_code
from . import queue
from .log import prints_where

MAX_BADGES = 1000
STALE_REASON = "badge out of date"
LAYOUT_REASON = "layout changed"


class BadgesUnavailable(DomainError):
    status, title = 503, "Badges unavailable"


@dataclass(frozen=True)
class PrintRequest:
    """What a desk asks for: tickets, and optionally a layout, page profile, reason and desk name."""

    ticket_ids: list[int]
    layout: str | None = None
    page: str | None = None
    start_at: int = 0
    reason: str | None = None
    desk: str | None = None
    printer: str | None = None  # None: the desk's printer that holds the page, if the desk has printers


@dataclass(frozen=True)
class _Seen:
    """A ticket as read before rendering; the write only succeeds if it is still so."""

    id: int
    serial: int
    generation: int
    prints: int
    printed_generation: int | None
    layout: str
    reason: str | None
    name: str  # the holder's details as printed: a correction committing meanwhile refuses the print
    company: str | None
    marked: bool = False  # a layout change or a correction asked for this reprint


def print_badges(event: Event, req: PrintRequest, actor: str, within: Callable[[PrintJob], None] | None = None) -> dict:
    """Render the tickets' badges into one PDF, log each print, and return the job.

    `within(job)` runs in the transaction that logs the prints, just before it commits (it may refuse).
    """
    _check_request(req)
    tickets = _load(event, req.ticket_ids)
    layouts, marks = event_layouts(event), marked(req.ticket_ids)
    seen, data, chosen = [], [], []
    for i, ticket in enumerate(tickets):
        pick = _layout(layouts, ticket, req, f"ticket_ids.{i}")
        seen.append(_seen(ticket, req, f"ticket_ids.{i}", pick, marks.get(ticket.id)))
        data.append(badge_data(event, ticket))
        chosen.append(pick.layout)
    event_id = event.id
    db.session.commit()  # end the read before rendering (no lock held meanwhile)
    pdf = render_badges(data, chosen, req.page, req.start_at)
    printer = queue.choose_printer(event_id, req.desk, req.printer, pdf)  # a wrong media is refused here

    def logged(job: PrintJob) -> None:
        if within is not None:
            within(job)
        if printer is not None:
            queue.enqueue(job, printer)

    job = _record(event_id, req, seen, pdf, actor, logged)
    if printer is not None:
        queue.wake_agents()
    return job_view(event, job)


def _check_request(req: PrintRequest) -> None:
    if not req.ticket_ids or len(req.ticket_ids) > MAX_BADGES:
        raise Invalid(f"print 1 to {MAX_BADGES} badges per job", {"ticket_ids": ["1 to 1000 tickets"]})
    first: dict[int, int] = {}
    for i, ticket_id in enumerate(req.ticket_ids):
        if ticket_id in first:
            raise Invalid(f"ticket {ticket_id} is listed twice",
                          {f"ticket_ids.{i}": [f"repeats ticket_ids.{first[ticket_id]}"]})
        first[ticket_id] = i
    per_page = badges.PAGES[req.page].per_page if req.page else 1
    if not 0 <= req.start_at < per_page:
        raise Invalid(f"start_at must be 0 to {per_page - 1} on this page", {"start_at": [f"0 to {per_page - 1}"]})


def _load(event: Event, ids: list[int]) -> list[Ticket]:
    found: dict[int, Ticket] = {}
    for start in range(0, len(ids), 500):
        found.update((t.id, t) for t in db.session.scalars(select(Ticket).where(
            Ticket.event_id == event.id, Ticket.id.in_(ids[start:start + 500]))))
    missing = {f"ticket_ids.{i}": ["no such ticket in this event"] for i, t in enumerate(ids) if t not in found}
    if missing:
        db.session.rollback()
        raise Invalid(f"{len(missing)} ticket(s) not found in this event", missing)
    return [found[t] for t in ids]


def check_printable(ticket: Ticket, field: str = "ticket") -> None:
    """Refuse a badge for a ticket that may not be used: void, unpaid or blocked."""
    why = {"void": "this ticket is void", "pending": "this ticket is not paid yet"}.get(ticket.state)
    if why is None and ticket.blocked:
        why = "this ticket is blocked; see a supervisor"
    if why:
        db.session.rollback()
        raise Conflict(f"no badge for ticket {ticket.id}: {why}", {field: [why]})


def _layout(layouts: EventLayouts, ticket: Ticket, req: PrintRequest, field: str) -> Chosen:
    """The ticket's layout (the event's own, branded), or the refusal for a type that gets no badge."""
    check_printable(ticket, field)
    chosen = layouts.choose(ticket.type, req.layout)
    if chosen is None:
        db.session.rollback()
        raise Conflict(f"{ticket.type.name} tickets get no badge; choose a layout to print one anyway",
                       {field: ["this ticket type gets no badge"]})
    return chosen


def _seen(ticket: Ticket, req: PrintRequest, field: str, chosen: Chosen, mark: str | None) -> _Seen:
    check_printable(ticket, field)
    stale = ticket.badge_generation is not None and ticket.badge_generation < ticket.generation
    reason = req.reason or (STALE_REASON if stale else _mark_reason(mark) if mark else None)
    if ticket.badge_prints and reason is None:
        db.session.rollback()
        raise Conflict(f"ticket {ticket.id}'s badge was already printed; give a reason to print it again",
                       {"reason": ["required: a badge was already printed"], field: ["already printed"]},
                       prints=ticket.badge_prints)
    return _Seen(ticket.id, ticket.serial, ticket.generation, ticket.badge_prints, ticket.badge_generation,
                 chosen.label, reason, ticket.holder_name, ticket.holder_company, mark is not None)


def _mark_reason(mark: str) -> str:
    """What a marked badge's reprint logs: the correction, or that the layout changed."""
    return CORRECTED if mark == CORRECTED else LAYOUT_REASON


def badge_data(event: Event, ticket: Ticket) -> badges.BadgeData:
    """What the ticket's next badge shows: current holder, type and code, and its reprint mark."""
    return badges.BadgeData(
        name=ticket.holder_name, company=ticket.holder_company or "", type_code=ticket.type.code,
        type_name=ticket.type.name, badge_type=ticket.type.badge_type, zones=tuple(ticket.type.zones or ()),
        event_name=event.name, serial=f"{ticket.serial:06d}", code=current_code(ticket),
        reprint=ticket.badge_prints)


def render_badges(data: list[badges.BadgeData], layout, page: str | None, start_at: int = 0) -> bytes:
    """The PDF, or the refusal the desk reads: fonts missing, a character no font draws, a bad layout."""
    try:
        return badges.render(data, layout, page, start_at=start_at)
    except badges.FontNotFoundError as missing:
        raise BadgesUnavailable(str(missing)) from None
    except badges.MissingGlyphError as boxes:  # the desk is told, instead of a badge with empty boxes
        raise Conflict(str(boxes), {boxes.field: [f"no installed font can draw {''.join(boxes.characters)}"]},
                       badge=boxes.badge) from None
    except badges.BadgeError as refused:
        raise Invalid(f"the badge cannot be rendered: {refused}", {"layout": [str(refused)]}) from None


def _record(event_id: int, req: PrintRequest, seen: list[_Seen], pdf: bytes, actor: str, within) -> PrintJob:
    now = utcnow()
    for i, t in enumerate(seen):
        done = db.session.execute(update(Ticket).where(
            Ticket.id == t.id, Ticket.generation == t.generation, Ticket.badge_prints == t.prints,
            Ticket.state == "valid", Ticket.blocked.is_(False),
            Ticket.holder_name == t.name, Ticket.holder_company.is_not_distinct_from(t.company),
        ).values(badge_prints=t.prints + 1, badge_generation=t.generation)
            .execution_options(synchronize_session=False))  # the loaded tickets are not used again
        if done.rowcount != 1:
            db.session.rollback()
            raise Conflict(f"ticket {t.id} changed or was printed meanwhile; nothing was logged, print again",
                           {f"ticket_ids.{i}": ["changed or printed meanwhile"]})
    job = PrintJob(event_id=event_id, created_at=now, actor=actor, desk=req.desk, layout=req.layout,
                   page=req.page, start_at=req.start_at, reason=req.reason, badges=len(seen),
                   pages=_pages(len(seen), req.page, req.start_at), pdf=pdf)
    db.session.add(job)
    db.session.flush()
    # Only the marks read before rendering: one made meanwhile asks for a layout this print did not use.
    clear_marks([t.id for t in seen if t.marked])
    db.session.execute(insert(BadgePrint), [
        {"job_id": job.id, "event_id": event_id, "ticket_id": t.id, "position": i, "print_no": t.prints + 1,
         "generation": t.generation, "layout": t.layout, "at": now, "actor": actor, "desk": req.desk,
         "reason": t.reason} for i, t in enumerate(seen)])
    journal_many([
        {"event_id": event_id, "at": now, "actor": actor, "ticket_id": t.id, "quantity": 0, "reason": t.reason,
         "action": "badge.print" if t.prints == 0 else "badge.reprint",
         "before": {"prints": t.prints, "badge_generation": t.printed_generation},
         "after": {"prints": t.prints + 1, "badge_generation": t.generation, "job": job.id, "desk": req.desk,
                   "layout": t.layout}} for t in seen])
    if within is not None:
        within(job)
    db.session.commit()
    return job


def _pages(n: int, page: str | None, start_at: int) -> int:
    return n if page is None else math.ceil((start_at + n) / badges.PAGES[page].per_page)


def job_view(event: Event, job: PrintJob) -> dict:
    """A print job as the API answers it."""
    base = f"/api/v1/events/{event.slug}/print-jobs/{job.id}"
    return {
        "id": job.id, "created_at": job.created_at.isoformat(), "actor": job.actor, "desk": job.desk,
        "layout": job.layout, "page": job.page, "start_at": job.start_at, "reason": job.reason,
        "badges": job.badges, "pages": job.pages, "pdf": f"{base}.pdf", "png": f"{base}.png",
        "prints": prints_where(BadgePrint.job_id == job.id, order=BadgePrint.position),
        "printer_job": queue.for_print_job(job.id),  # None: no printer at the desk, the browser prints it
    }


def get_job(event: Event, job_id: int) -> dict:
    """A print job with its prints."""
    return job_view(event, _job(event, job_id))


def _job(event: Event, job_id: int) -> PrintJob:
    job = db.session.get(PrintJob, job_id)
    if job is None or job.event_id != event.id:
        raise NotFound(f"no print job {job_id} in this event")
    return job


def job_pdf(event: Event, job_id: int) -> bytes:
    """The job's PDF as it was printed."""
    pdf = _job(event, job_id).pdf
    db.session.commit()
    return pdf


def job_png(event: Event, job_id: int, index: int, dpi: int) -> bytes:
    """Page `index` of the job's PDF (one badge, or one sheet) as a 1-bit PNG."""
    job = _job(event, job_id)
    if index >= job.pages:
        raise Invalid(f"this job has {job.pages} page(s)", {"index": [f"0 to {job.pages - 1}"]})
    pdf = job.pdf
    db.session.commit()
    return rasterise(_one_page(pdf, index), dpi)


def _one_page(pdf: bytes, index: int) -> bytes:
    if index == 0:
        return pdf
    import pypdfium2 as pdfium

    source, single = pdfium.PdfDocument(pdf), pdfium.PdfDocument.new()
    try:
        single.import_pages(source, [index])
        out = io.BytesIO()
        single.save(out)
        return out.getvalue()
    finally:
        single.close()
        source.close()


def preview(event: Event, ticket: Ticket, layout: str | None, page: str | None, dpi: int | None) -> bytes:
    """The badge the ticket's next print would give (PDF, or a 1-bit PNG at `dpi`); nothing is logged."""
    check_printable(ticket)
    chosen = event_layouts(event).choose(ticket.type, layout)
    data = badge_data(event, ticket)
    db.session.commit()
    if chosen is None:
        raise Conflict(f"{data.type_name} tickets get no badge; choose a layout to see one",
                       {"layout": ["this ticket type gets no badge"]})
    pdf = render_badges([data], chosen.layout, page)
    return pdf if dpi is None else rasterise(pdf, dpi)


_warm = threading.Lock()
_warmed = False


def warm_up() -> None:
    """Load the badge fonts and layouts once per process, so the first print is as fast as the rest."""
    # `gate serve` runs this once at start, on its scheduler's thread (scheduler.py).
    global _warmed
    with _warm:
        if not _warmed:
            badges.warm_up()
            rasterise(badges.render(badges.BadgeData(name="warm up", code="WARMUP")), 96)
            _warmed = True


def is_warm() -> bool:
    """True once warm_up has finished in this process."""
    return _warmed
