"""An event's branding (logo, colours per badge type) and its own badge layouts, versioned."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class EventBranding(db.Model):
    """An event's logo (PNG or JPEG, checked on upload) and its colour per badge type."""

    __tablename__ = "event_branding"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # loaded only when drawn or asked for
    logo_type: Mapped[str | None] = mapped_column(String(16))  # image/png | image/jpeg
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    logo_width: Mapped[int | None]
    logo_height: Mapped[int | None]
    colours: Mapped[dict] = mapped_column(JSON, default=dict)  # folded badge type -> "#RRGGBB"
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LayoutOverride(db.Model):
    """Where an event's own layout applies: `target` is "*" (every ticket type) or a ticket type's code.

    `active` is the version that prints; None means the next layout down
    (the event's own for a type, else the built-in one).
    """

    __tablename__ = "layout_overrides"
    __table_args__ = (UniqueConstraint("event_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    target: Mapped[str] = mapped_column(String(32))
    active: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LayoutVersion(db.Model):
    """One saved layout document; never changed. Two saves at once cannot share a number."""

    __tablename__ = "layout_versions"
    __table_args__ = (UniqueConstraint("override_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    override_id: Mapped[int] = mapped_column(ForeignKey("layout_overrides.id"))
    version: Mapped[int]
    document: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))


class ReprintMark(db.Model):
    """A printed badge asked to be printed again because its layout changed (only when the change asked).

    One per ticket; the next print of the ticket removes it.
    """

    __tablename__ = "reprint_marks"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    reason: Mapped[str] = mapped_column(String(120))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
