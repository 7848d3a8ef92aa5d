"""Badge desks and the badges asked of them: "print badge now" from the box office.

A desk screen names itself (the Desk field on /desk) and asks for its queue
every few seconds; the first time makes the desk known in its event. Whoever
may send badges (the box office, after a walk-in sale) asks a known desk for
a ticket's badge: a BadgeRequest, `queued`. The desk prints it as any print
job, and the request becomes `printed` in the transaction that logs the
print, or `failed` with the reason the desk was given (printed before, no
badge for the type, a character no font draws). The box office reads the
state as the desk reports it.

Asking again for the same ticket at the same desk finds the same request (a
failed one is queued again). Two screens with one desk name cannot both print
it: the print is a compare-and-set (jobs.py), and a request leaves `queued`
only by a guarded update.
"""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..branding.selection import event_layouts
from ..driver import INSERT
from ..errors import Conflict, DomainError, Invalid, NotFound
from ..extensions import db
from ..models import BadgeRequest, Desk, Event, PrintJob, Ticket, TicketType, utcnow
from . import jobs, printers, queue

SEEN_EVERY = timedelta(seconds=10)  # a desk's last_seen is written at most this often
OPEN_FOR = timedelta(seconds=45)  # a desk seen this recently has its screen open
QUEUE_LIMIT = 50


def desk_here(event: Event, name: str) -> dict:
    """A desk asks for its queue: it becomes known (or is seen again) and gets what is queued, oldest first."""
    now = utcnow()
    insert = INSERT[db.session.get_bind().dialect.name]
    db.session.execute(insert(Desk).values(event_id=event.id, name=name, last_seen=now)
                       .on_conflict_do_nothing(index_elements=["event_id", "name"]))
    db.session.execute(update(Desk).where(Desk.event_id == event.id, Desk.name == name,
                                          Desk.last_seen <= now - SEEN_EVERY).values(last_seen=now))
    desk = db.session.scalar(select(Desk).where(Desk.event_id == event.id, Desk.name == name))
    queued = _views(BadgeRequest.desk_id == desk.id, BadgeRequest.state == "queued", limit=QUEUE_LIMIT)
    shown = {"desk": desk_view(desk, now), "requests": queued, "printers": printers.list_printers(event, desk.id),
             "printer_jobs": queue.desk_jobs(desk)}
    db.session.commit()
    return shown


def list_desks(event: Event) -> dict:
    """The event's desks by name, each marked open if its screen asked for its queue just now."""
    now = utcnow()
    desks = db.session.scalars(select(Desk).where(Desk.event_id == event.id).order_by(Desk.name)).all()
    db.session.commit()
    return {"desks": [desk_view(d, now) for d in desks]}


def desk_view(desk: Desk, now: datetime) -> dict:
    agent = desk.agent_seen is not None and desk.agent_seen > now - OPEN_FOR
    return {"name": desk.name, "last_seen": desk.last_seen.isoformat(), "open": desk.last_seen > now - OPEN_FOR,
            "agent": agent}


def ask_badge(event: Event, ticket_id: int, desk_name: str, actor: str) -> tuple[dict, bool]:
    """Queue a ticket's badge at a desk; (the request, whether it is new). Asking again finds the same one."""
    desk = db.session.scalar(select(Desk).where(Desk.event_id == event.id, Desk.name == desk_name))
    if desk is None:
        db.session.rollback()
        raise Invalid(f"no badge desk named {desk_name!r} in this event",
                      {"desk": ["no such desk: open /desk there and give it this name"]})
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.event_id != event.id:
        db.session.rollback()
        raise Invalid(f"no ticket {ticket_id} in this event", {"ticket_id": ["no such ticket in this event"]})
    jobs.check_printable(ticket, "ticket_id")
    if event_layouts(event).choose(ticket.type) is None:
        db.session.rollback()
        raise Conflict(f"{ticket.type.name} tickets get no badge", {"ticket_id": ["this ticket type gets no badge"]})
    now = utcnow()
    insert = INSERT[db.session.get_bind().dialect.name]
    added = db.session.execute(insert(BadgeRequest).values(
        event_id=event.id, ticket_id=ticket.id, desk_id=desk.id, state="queued", created_at=now, actor=actor,
        updated_at=now).on_conflict_do_nothing(index_elements=["ticket_id", "desk_id"]).returning(BadgeRequest.id))
    created = added.scalar_one_or_none() is not None  # nothing comes back when it was asked before
    if not created:  # asked before: a failed request is queued again, the others stay as they are
        db.session.execute(update(BadgeRequest).where(
            BadgeRequest.ticket_id == ticket.id, BadgeRequest.desk_id == desk.id, BadgeRequest.state == "failed",
        ).values(state="queued", detail=None, actor=actor, updated_at=now))
    [view] = _views(BadgeRequest.ticket_id == ticket.id, BadgeRequest.desk_id == desk.id)
    db.session.commit()
    return view, created


def get_request(event: Event, request_id: int) -> dict:
    """One badge request as the box office follows it."""
    found = _views(BadgeRequest.id == request_id, BadgeRequest.event_id == event.id)
    db.session.commit()
    if not found:
        raise NotFound(f"no badge request {request_id} in this event")
    return found[0]


def print_request(event: Event, request_id: int, actor: str) -> dict:
    """The desk prints a queued request: {request, job}; a refused print marks it failed and is raised."""
    found = db.session.execute(select(BadgeRequest, Desk.name).join(Desk, Desk.id == BadgeRequest.desk_id).where(
        BadgeRequest.id == request_id, BadgeRequest.event_id == event.id)).first()
    if found is None:
        db.session.rollback()
        raise NotFound(f"no badge request {request_id} in this event")
    request, desk_name = found
    if request.state != "queued":
        db.session.rollback()
        raise Conflict(f"badge request {request_id} is {request.state} already", {"state": [request.state]})

    def mark_printed(job: PrintJob) -> None:
        done = db.session.execute(update(BadgeRequest).where(
            BadgeRequest.id == request_id, BadgeRequest.state == "queued",
        ).values(state="printed", job_id=job.id, updated_at=utcnow()))
        if done.rowcount != 1:
            db.session.rollback()
            raise Conflict(f"badge request {request_id} was printed or failed meanwhile; nothing was logged")

    try:
        job = jobs.print_badges(event, jobs.PrintRequest([request.ticket_id], desk=desk_name), actor, mark_printed)
    except DomainError as refused:
        db.session.rollback()
        _failed(request_id, refused.detail)
        raise
    return {"request": get_request(event, request_id), "job": job}


def _failed(request_id: int, why: str) -> None:
    db.session.execute(update(BadgeRequest).where(BadgeRequest.id == request_id, BadgeRequest.state == "queued")
                       .values(state="failed", detail=why[:2000], updated_at=utcnow()))
    db.session.commit()


def _views(*criteria, limit: int | None = None) -> list[dict]:
    rows = db.session.execute(
        select(BadgeRequest, Desk.name, Ticket.serial, Ticket.holder_name, Ticket.holder_company, TicketType.code)
        .join(Desk, Desk.id == BadgeRequest.desk_id).join(Ticket, Ticket.id == BadgeRequest.ticket_id)
        .join(TicketType, TicketType.id == Ticket.type_id).where(*criteria).order_by(BadgeRequest.id).limit(limit))
    return [{"id": r.id, "ticket_id": r.ticket_id, "serial": serial, "holder": {"name": name, "company": company},
             "type": type_code, "desk": desk, "state": r.state, "detail": r.detail, "job_id": r.job_id,
             "actor": r.actor, "created_at": r.created_at.isoformat(), "updated_at": r.updated_at.isoformat()}
            for r, desk, serial, name, company, type_code in rows]
