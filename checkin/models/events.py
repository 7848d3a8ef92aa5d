"""The event and the stock it sells: ticket types, channels and their allocations."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR taken <= capacity", name="event_cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None]
    taken: Mapped[int] = mapped_column(default=0)  # seats sold or held, all types
    next_serial: Mapped[int] = mapped_column(default=1)
    # Holders' names in the gate pack (offline judging): off, the gate shows type and serial instead.
    gate_pack_names: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The languages kiosks offer guests, the first shown until a guest picks another.
    languages: Mapped[list] = mapped_column(JSON, default=lambda: ["en"], server_default='["en"]')
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    types: Mapped[list["TicketType"]] = relationship(back_populates="event", order_by="TicketType.id")


class TicketType(db.Model):
    """A kind of ticket with a hard cap; `buffer` seats are kept back from sale.

    `sold` and `held` are seats taken from this type; `shared_used` is the part
    of them that came from the shared remainder rather than a channel quota;
    `quota_total` is the sum of the channels' quotas. The CHECKs repeat the
    guards of ledger.take_stock so no code path can break them.
    """

    __tablename__ = "ticket_types"
    __table_args__ = (
        UniqueConstraint("event_id", "code"),
        CheckConstraint("sold >= 0 AND held >= 0 AND buffer >= 0", name="type_counts"),
        CheckConstraint("sold + held <= capacity - buffer", name="type_cap"),
        CheckConstraint("shared_used + quota_total <= capacity - buffer", name="type_shared_cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    capacity: Mapped[int]
    buffer: Mapped[int] = mapped_column(default=0)
    sold: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    quota_total: Mapped[int] = mapped_column(default=0)
    shared_used: Mapped[int] = mapped_column(default=0)
    badge_type: Mapped[str] = mapped_column(String(32))
    zones: Mapped[list] = mapped_column(JSON, default=list)
    low_stock_at: Mapped[int | None]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_types.id"))
    frozen: Mapped[bool] = mapped_column(default=False)
    sale_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sale_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="types")
    parent: Mapped["TicketType | None"] = relationship(remote_side=[id])


class Channel(db.Model):
    """Where tickets are sold: web, box office, partner, sponsor, comps."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    uses_shared: Mapped[bool] = mapped_column(default=True)  # may sell past its quota


class Allocation(db.Model):
    """A channel's fixed quota of one ticket type, carved out of the type's pool."""

    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("channel_id", "type_id"),
        CheckConstraint("used >= 0 AND used <= quota", name="allocation_cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("ticket_types.id"), index=True)
    quota: Mapped[int]
    used: Mapped[int] = mapped_column(default=0)
