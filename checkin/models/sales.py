"""Box-office sales and the holds that reserve their stock."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .events import Channel, TicketType
from .types import UTCDateTime, utcnow

SALE_STATES = ("held", "confirmed", "cancelled", "expired")
HOLD_STATES = ("active", "converted", "released", "expired", "closed")


class Sale(db.Model):
    """One purchase at the desk: `quantity` tickets of one type, paid one way.

    State moves only by compare-and-set: held -> confirmed | cancelled | expired,
    and expired -> confirmed when a late payment still finds stock (`late`).
    `nonce` makes a retried request return the first answer instead of selling twice.
    """

    __tablename__ = "sales"
    __table_args__ = (
        UniqueConstraint("event_id", "nonce"),
        CheckConstraint("quantity > 0", name="sale_quantity"),
        Index("ix_sales_event_state", "event_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    type_id: Mapped[int] = mapped_column(ForeignKey("ticket_types.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    quantity: Mapped[int]
    method: Mapped[str] = mapped_column(String(8))  # cash | card | upi
    reference: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    holders: Mapped[list] = mapped_column(JSON, default=list)  # names to issue, empty for anonymous walk-ins
    ticket_ids: Mapped[list] = mapped_column(JSON, default=list)  # filled when confirmed
    admit_gate: Mapped[str | None] = mapped_column(String(32))  # admit at this gate once issued
    nonce: Mapped[str | None] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(64))  # set for sales made offline from a pool
    late: Mapped[bool] = mapped_column(default=False)  # confirmed after its hold had expired
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # confirmed, cancelled or expired

    type: Mapped[TicketType] = relationship(lazy="joined")
    channel: Mapped[Channel | None] = relationship(lazy="joined")


class Hold(db.Model):
    """Seats taken as `held` until they become tickets or go back to the pool.

    A sale's hold has an expiry; a device's emergency pool has none and is
    used seat by seat (`used`). The first `from_quota` seats came from the
    channel's quota, the rest from the shared remainder, so every seat goes
    back where it came from. Only the request that flips `state` away from
    active moves stock, so a sweeper and a clerk can never return a hold twice.
    """

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint("used >= 0 AND used <= quantity", name="hold_used"),
        CheckConstraint("from_quota >= 0 AND from_quota <= quantity", name="hold_from_quota"),
        Index("ix_holds_state_expires", "state", "expires_at"),
        Index("ix_holds_event_device", "event_id", "device"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("ticket_types.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    device: Mapped[str | None] = mapped_column(String(64))  # an emergency pool's device
    quantity: Mapped[int]
    used: Mapped[int] = mapped_column(default=0)
    from_quota: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16), default="active")
    actor: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
