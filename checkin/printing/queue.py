"""Print jobs on their way to a desk's printers, taken by the desk's print agent.

A print job for a desk with printers gets a PrinterJob in the transaction
that logs it (so a logged badge is always on its way to paper), after its
pages were checked against the printer's media. The agent asks for work
with a long poll and claims one job at a time by a guarded update that
holds a lease: two agents cannot both hold a job, and a job whose agent
died is claimed again once its lease ran out. The agent reports
sent -> printed | failed with the printer's reason; every report must carry
its lease, so an agent that lost its lease cannot move the job.
"""
import threading
import time
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, case, or_, select, update

from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import Desk, Event, Printer, PrinterJob, PrintJob, utcnow
from . import outputs

SHOWN = 20  # the desk shows its latest jobs
NEXT = {"sending": ("sending", "sent", "failed", "queued"), "sent": ("sent", "printed", "failed")}
_wake = threading.Condition()  # agents waiting in this process are woken by a new job at once


def lease_time() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("PRINT_LEASE_SECONDS", 30)))


def choose_printer(event_id: int, desk: str | None, printer: str | None, pdf: bytes) -> Printer | None:
    """The printer a job goes to (None: the desk has none; the browser prints); refused if its media differ."""
    query = select(Printer).join(Desk, Desk.id == Printer.desk_id).where(Printer.event_id == event_id)
    if printer is not None:
        found = db.session.scalar(query.where(Printer.name == printer))
        if found is None:
            db.session.rollback()
            raise Invalid(f"no printer named {printer!r} in this event", {"printer": ["no such printer"]})
        why = outputs.fits_media(pdf, found.media)
        if why:
            db.session.rollback()
            raise Conflict(f"not printed: {why}", {"page": [why], "printer": [f"holds {found.media}"]})
        return found
    if desk is None:
        return None
    candidates = db.session.scalars(query.where(Desk.name == desk).order_by(Printer.name)).all()
    reasons = []
    for found in candidates:
        why = outputs.fits_media(pdf, found.media)
        if why is None:
            return found
        reasons.append(f"{found.name}: {why}")
    if candidates:
        db.session.rollback()
        raise Conflict(f"no printer at desk {desk!r} holds this page; nothing was printed",
                       {"page": reasons})
    return None


def enqueue(job: PrintJob, printer: Printer) -> None:
    """Put a just-logged job on its way to `printer` (in the caller's transaction)."""
    now = utcnow()
    db.session.add(PrinterJob(key=str(uuid.uuid4()), event_id=job.event_id, desk_id=printer.desk_id,
                              printer_id=printer.id, print_job_id=job.id, state="queued", attempts=0,
                              created_at=now, updated_at=now))


def wake_agents() -> None:
    """After a job was committed: agents waiting in this process ask again now."""
    with _wake:
        _wake.notify_all()


def next_job(event: Event, desk_name: str, ready: list[str] | None, wait: float) -> dict | None:
    """Claim the desk's oldest job for a ready printer, waiting up to `wait` seconds for one to come."""
    deadline = time.monotonic() + wait
    while True:
        claimed = _claim(event, desk_name, ready)
        left = deadline - time.monotonic()
        if claimed is not None or left <= 0:
            return claimed
        with _wake:  # other nodes' jobs are found on the next turn
            _wake.wait(min(left, 0.5))


def _claim(event: Event, desk_name: str, ready: list[str] | None) -> dict | None:
    now = utcnow()
    desk = db.session.scalar(select(Desk).where(Desk.event_id == event.id, Desk.name == desk_name))
    if desk is None:
        db.session.rollback()
        raise Invalid(f"no desk named {desk_name!r} in this event", {"desk": ["no such desk"]})
    db.session.execute(update(Desk).where(Desk.id == desk.id).values(agent_seen=now))
    takeable = or_(PrinterJob.state == "queued",
                   and_(PrinterJob.state.in_(("sending", "sent")), PrinterJob.lease_until < now))
    query = select(PrinterJob.id).where(PrinterJob.desk_id == desk.id, takeable)
    if ready is not None:
        query = query.join(Printer, Printer.id == PrinterJob.printer_id).where(Printer.name.in_(ready))
    lease = str(uuid.uuid4())
    for job_id, was in db.session.execute(query.add_columns(PrinterJob.state).order_by(PrinterJob.id).limit(5)).all():
        won = db.session.execute(update(PrinterJob).where(PrinterJob.id == job_id, PrinterJob.state == was, takeable)
                                 .values(state=case((PrinterJob.state == "queued", "sending"), else_=PrinterJob.state),
                                         lease=lease, lease_until=now + lease_time(),
                                         attempts=PrinterJob.attempts + 1, updated_at=now))
        if won.rowcount == 1:
            # Taken over from an agent that stopped while sending: it may have reached the printer.
            shown = {**_agent_view(event, db.session.get(PrinterJob, job_id)), "taken_over": was == "sending"}
            db.session.commit()
            return shown
    db.session.commit()
    return None


def report(event: Event, job_id: int, lease: str, state: str, detail: str | None, printer_ref: str | None) -> dict:
    """The agent moves its job on (or renews its lease by reporting the same state); only its lease may."""
    now = utcnow()
    before = [s for s, after in NEXT.items() if state in after]
    terminal = state in ("printed", "failed", "queued")
    values = {"state": state, "updated_at": now, "detail": detail,
              "lease": None if terminal else lease, "lease_until": None if terminal else now + lease_time()}
    if printer_ref is not None:
        values["printer_ref"] = printer_ref
    done = db.session.execute(update(PrinterJob).where(
        PrinterJob.id == job_id, PrinterJob.event_id == event.id, PrinterJob.lease == lease,
        PrinterJob.state.in_(before)).values(**values))
    if done.rowcount != 1:
        db.session.rollback()
        raise Conflict(f"printer job {job_id} is not held with this lease (it expired or the job moved on)",
                       {"lease": ["not held"]})
    shown = job_view(db.session.get(PrinterJob, job_id))
    db.session.commit()
    return shown


def _agent_view(event: Event, job: PrinterJob) -> dict:
    printer = db.session.get(Printer, job.printer_id)
    return {**job_view(job), "lease": job.lease, "lease_until": job.lease_until.isoformat(),
            "lease_seconds": lease_time().total_seconds(),
            "pdf": f"/api/v1/events/{event.slug}/print-jobs/{job.print_job_id}.pdf",
            "printer": {"name": printer.name, "connection": printer.connection, "language": printer.language,
                        "media": printer.media, "dpi": printer.dpi, "options": printer.options or {}}}


def job_view(job: PrinterJob) -> dict:
    """A printer job as the desk and the agent see it."""
    printer = db.session.get(Printer, job.printer_id) if job.printer_id else None
    return {"id": job.id, "key": job.key, "print_job_id": job.print_job_id, "state": job.state,
            "printer_name": printer.name if printer else None, "attempts": job.attempts,
            "printer_ref": job.printer_ref, "detail": job.detail,
            "created_at": job.created_at.isoformat(), "updated_at": job.updated_at.isoformat()}


def for_print_job(print_job_id: int) -> dict | None:
    """The printer job a logged print job went to, if any."""
    job = db.session.scalar(select(PrinterJob).where(PrinterJob.print_job_id == print_job_id))
    return job_view(job) if job else None


def desk_jobs(desk: Desk) -> list[dict]:
    """The desk's latest printer jobs, newest first."""
    jobs = db.session.scalars(select(PrinterJob).where(PrinterJob.desk_id == desk.id)
                              .order_by(PrinterJob.id.desc()).limit(SHOWN)).all()
    return [job_view(j) for j in jobs]
