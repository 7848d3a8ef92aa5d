"""Tickets, the keys that sign their codes, and the append-only ledger."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .events import Channel, TicketType
from .types import UTCDateTime, utcnow

TICKET_STATES = ("pending", "valid", "void")


class SigningKey(db.Model):
    """An event's Ed25519 key pair; `kid` travels in every code it signs."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    kid: Mapped[int] = mapped_column(unique=True)
    private_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ticket(db.Model):
    """One admission right. `generation` grows with each transfer, upgrade or reissue;
    a code signed for an older generation is revoked. `barcode` is a code printed
    by another system, valid while the generation is still `barcode_generation`."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("event_id", "serial"),
        UniqueConstraint("event_id", "external_id"),
        UniqueConstraint("event_id", "barcode"),
        Index("ix_tickets_code", "code"),
        Index("ix_tickets_holder_name", "event_id", "holder_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    serial: Mapped[int]
    generation: Mapped[int] = mapped_column(default=1)
    code: Mapped[str] = mapped_column(String(160))
    type_id: Mapped[int] = mapped_column(ForeignKey("ticket_types.id"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    stock_source: Mapped[str] = mapped_column(String(8), default="shared")  # quota | shared
    state: Mapped[str] = mapped_column(String(16), default="valid")
    blocked: Mapped[bool] = mapped_column(default=False)
    external_id: Mapped[str | None] = mapped_column(String(128))
    barcode: Mapped[str | None] = mapped_column(String(512))
    barcode_generation: Mapped[int | None]
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_email: Mapped[str | None] = mapped_column(String(254))
    holder_company: Mapped[str | None] = mapped_column(String(200))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    notes: Mapped[str | None] = mapped_column(Text)
    require_attention: Mapped[bool] = mapped_column(default=False)
    badge_prints: Mapped[int] = mapped_column(default=0)
    badge_generation: Mapped[int | None]  # generation of the last printed badge
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    type: Mapped[TicketType] = relationship(lazy="joined")
    channel: Mapped[Channel | None] = relationship(lazy="joined")


class LedgerEntry(db.Model):
    """Append-only journal: every stock movement and every ticket change.

    `quantity` is the change in seats taken (+ when sold or held, - when
    returned), so stock per type and channel can be rebuilt by summing it.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_event_at", "event_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(48))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    type_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_types.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    quantity: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
