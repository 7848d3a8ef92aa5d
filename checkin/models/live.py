"""Counts kept as they happen, and the gate devices last heard from."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class Counter(db.Model):
    """One number of the live picture, changed by the transaction that changes what it counts.

    A scan adds to its gate's, zone's and type's rows in the same transaction
    that stores it, so a snapshot is a small sum over this table instead of a
    count over every scan. `minute` is 0 for running totals, else the minute
    (since the Unix epoch) a per-minute row belongs to. Writers spread over
    `shard` rows so concurrent transactions rarely wait on one row; readers
    add the shards up.
    """

    __tablename__ = "counters"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(8), primary_key=True)  # event | gate | zone | type
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # gate code, zone, type code, or ""
    metric: Mapped[str] = mapped_column(String(48), primary_key=True)
    minute: Mapped[int] = mapped_column(primary_key=True, default=0)
    shard: Mapped[int] = mapped_column(primary_key=True, default=0)
    value: Mapped[int] = mapped_column(default=0)


class GateDevice(db.Model):
    """A scanning device and when any node last heard from it (a scan or a heartbeat)."""

    __tablename__ = "gate_devices"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    device: Mapped[str] = mapped_column(String(64), primary_key=True)
    gate_code: Mapped[str] = mapped_column(String(32))
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
