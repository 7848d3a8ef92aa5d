"""Alerts raised for an event, and each event's alert settings."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

ALERT_KINDS = ("low_stock", "sold_out", "oversell_risk", "duplicate_spike", "passback", "offline_conflict",
               "device_silent", "zone_capacity", "invalid_burst", "printer_down")
ALERT_LEVELS = ("info", "warning", "critical")


class Alert(db.Model):
    """Something a supervisor should look at, shown until acknowledged.

    `key` names the condition (e.g. "low_stock:GA:onsite"). While the
    condition holds, `latch` equals `key`; the unique constraint on
    (event_id, latch) lets only one alert per condition exist, however many
    threads or nodes notice it at once. When the condition clears, `latch`
    goes back to NULL (NULLs never collide), so it can fire again later.
    Webhook delivery moves pending -> sent | failed by compare-and-set on
    `webhook_attempts`, so two workers never post one alert twice.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("event_id", "latch"),
        Index("ix_alerts_event_acked", "event_id", "acked_at"),
        Index("ix_alerts_webhook_due", "webhook_state", "webhook_next_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(200))
    latch: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acked_by: Mapped[str | None] = mapped_column(String(120))
    ack_note: Mapped[str | None] = mapped_column(Text)
    webhook_state: Mapped[str | None] = mapped_column(String(8))  # pending | sent | failed
    webhook_attempts: Mapped[int] = mapped_column(default=0)
    webhook_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    webhook_error: Mapped[str | None] = mapped_column(String(300))


class AlertSettings(db.Model):
    """Per event: thresholds, zone capacities, kinds switched off, and the webhook to post to."""

    __tablename__ = "alert_settings"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120))
