"""Gates, every scan attempt, and the admissions that make a ticket "inside"."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class Gate(db.Model):
    """A check-in point in one zone, admitting some ticket types."""

    __tablename__ = "gates"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    zone: Mapped[str] = mapped_column(String(64))
    admits: Mapped[list] = mapped_column(JSON)  # ticket type codes
    direction: Mapped[str] = mapped_column(String(8), default="in")  # in | out | both
    reentry: Mapped[bool] = mapped_column(default=True)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Scan(db.Model):
    """One scan attempt, refused ones included, with the answer the gate got.

    `answer` is the judged answer without its `scan` part (rebuilt from the
    row), so a replayed nonce returns exactly what the gate saw first. A manual
    scan (staff admitting a ticket they found by search, no code read) has no
    `code`; it keeps who admitted and their note.
    """

    __tablename__ = "scans"
    __table_args__ = (
        UniqueConstraint("event_id", "nonce"),
        Index("ix_scans_ticket_at", "ticket_id", "at"),
        Index("ix_scans_event_gate", "event_id", "gate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    gate_id: Mapped[int] = mapped_column(ForeignKey("gates.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    code: Mapped[str | None] = mapped_column(String(512))  # None: a manual scan
    device: Mapped[str | None] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8))
    nonce: Mapped[str | None] = mapped_column(String(64))
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the device's clock
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # arrival at the server
    status: Mapped[str] = mapped_column(String(8))  # ok | refused
    reason: Mapped[str | None] = mapped_column(String(16))
    offline: Mapped[bool] = mapped_column(default=False)
    forced: Mapped[bool] = mapped_column(default=False)
    manual: Mapped[bool] = mapped_column(default=False, server_default=false())
    actor: Mapped[str | None] = mapped_column(String(120))  # the token that sent it, as the ledger names it
    note: Mapped[str | None] = mapped_column(Text)  # why, for a manual scan
    annulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    annul_reason: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[dict] = mapped_column(JSON)

    gate: Mapped[Gate] = relationship(lazy="joined")


class Admission(db.Model):
    """A ticket's presence in one zone; the primary key lets only one entry win.

    Entry inserts the row or flips `inside` from false to true with a guarded
    UPDATE; exit flips it back. Inside per zone is the count of inside rows.
    """

    __tablename__ = "admissions"
    __table_args__ = (Index("ix_admissions_event_zone", "event_id", "zone", "inside"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    inside: Mapped[bool] = mapped_column(default=True)
    entries: Mapped[int] = mapped_column(default=1)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_gate_id: Mapped[int] = mapped_column(ForeignKey("gates.id"))
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
