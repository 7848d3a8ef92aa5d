"""Print jobs and the log of every badge printed."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class PrintJob(db.Model):
    """One press of "print": one or many badges on one PDF, kept as it was printed.

    `layout` is the layout chosen at print time (None: each ticket's badge
    type picks its own); `page` the page profile (None: one badge per page).
    """

    __tablename__ = "print_jobs"
    __table_args__ = (Index("ix_print_jobs_event", "event_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    desk: Mapped[str | None] = mapped_column(String(64))
    layout: Mapped[str | None] = mapped_column(String(64))
    page: Mapped[str | None] = mapped_column(String(32))
    start_at: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    badges: Mapped[int]
    pages: Mapped[int]
    # The PDF exactly as sent to the printer; loaded only when asked for.
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))


class BadgePrint(db.Model):
    """One badge printed for one ticket: who, at which desk, when, why, and for
    which ticket generation (the badge version; a later generation makes it stale).

    `print_no` counts this ticket's prints from 1; the unique constraint means
    two desks can never both record the same print of one ticket.
    """

    __tablename__ = "badge_prints"
    __table_args__ = (
        UniqueConstraint("ticket_id", "print_no"),
        CheckConstraint("print_no >= 1", name="badge_print_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("print_jobs.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    position: Mapped[int]  # the badge's place in its job's PDF, from 0
    print_no: Mapped[int]
    generation: Mapped[int]
    layout: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    desk: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)


class Desk(db.Model):
    """A badge desk screen, by the name it gave itself; known from the first time it asks for its queue.

    `last_seen` is when it last asked (kept to a few seconds): the box office
    offers the desks that are open now.
    """

    __tablename__ = "desks"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    name: Mapped[str] = mapped_column(String(64))
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agent_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when its print agent last asked for work


class BadgeRequest(db.Model):
    """A badge asked of one desk now (say, by the box office after a walk-in sale), until it prints or fails.

    One per ticket and desk: asking again finds the same request. It moves
    from `queued` only by a guarded update, to `printed` in the same
    transaction as its print job, or to `failed` with the reason the desk got.
    """

    __tablename__ = "badge_requests"
    __table_args__ = (
        UniqueConstraint("ticket_id", "desk_id"),
        CheckConstraint("state IN ('queued', 'printed', 'failed')", name="badge_request_state"),
        Index("ix_badge_requests_desk_state", "desk_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id"))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("print_jobs.id"))
    detail: Mapped[str | None] = mapped_column(Text)  # why it failed, as the desk was told


PRINTER_LANGUAGES = ("pdf", "zpl", "brother_ql")
PRINTER_JOB_STATES = ("queued", "sending", "sent", "printed", "failed")


class Printer(db.Model):
    """A printer of the event, attached to one desk, reached by that desk's print agent.

    `connection` says how the agent reaches it: `cups:QUEUE`, an `ipp://` or
    `ipps://` URL, or `tcp://HOST:PORT` (raw, port 9100 on label printers).
    `media` is the page profile loaded in it; a job whose page differs is
    refused before anything prints. `state` is what the agent last saw.
    """

    __tablename__ = "printers"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        CheckConstraint("language IN ('pdf', 'zpl', 'brother_ql')", name="printer_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    name: Mapped[str] = mapped_column(String(64))
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id"), index=True)
    connection: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(16))
    media: Mapped[str] = mapped_column(String(32))
    dpi: Mapped[int]
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # brother_ql: model and label
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="unknown")  # unknown | ready | busy | stopped | offline
    state_detail: Mapped[str | None] = mapped_column(String(300))
    state_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PrinterJob(db.Model):
    """A logged print job on its way to a printer through the desk's print agent.

    queued -> sending (an agent holds the lease) -> sent (the printer took it,
    `printer_ref` is its job there) -> printed | failed (with the printer's
    reason). An agent claims a job with a guarded update that only succeeds
    while nobody else holds an unexpired lease; a job whose agent vanished is
    claimed again after `lease_until`, and the agent first looks on the printer
    for a job named by `key` before sending, so a badge is never printed twice.
    """

    __tablename__ = "printer_jobs"
    __table_args__ = (
        UniqueConstraint("key"),
        CheckConstraint("state IN ('queued', 'sending', 'sent', 'printed', 'failed')", name="printer_job_state"),
        Index("ix_printer_jobs_desk_state", "desk_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id"))
    printer_id: Mapped[int | None] = mapped_column(ForeignKey("printers.id", ondelete="SET NULL"))
    print_job_id: Mapped[int] = mapped_column(ForeignKey("print_jobs.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    lease: Mapped[str | None] = mapped_column(String(36))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    printer_ref: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
