"""API tokens (who may call what) and the pairing codes that hand a device its own token."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is kept. It works until revoked or past `expires_at`."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    gate_id: Mapped[int | None] = mapped_column(ForeignKey("gates.id"))
    name: Mapped[str | None] = mapped_column(Text)  # who or what holds it: "North gate tablet"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))  # an actor ("token:3:supervisor") or "cli"
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # to the minute, see auth.py
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PairingCode(db.Model):
    """A short-lived, single-use code a device trades for a token of its own.

    The code is a public locator (to count wrong tries against the code they
    aim at) followed by a secret; only a keyed hash of the whole code is kept.
    """

    __tablename__ = "pairing_codes"
    __table_args__ = (
        CheckConstraint("failures >= 0", name="pairing_failures_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    locator: Mapped[str] = mapped_column(String(8), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    gate_id: Mapped[int | None] = mapped_column(ForeignKey("gates.id"))
    name: Mapped[str | None] = mapped_column(Text)  # the name the device's token will carry
    token_lifetime_minutes: Mapped[int | None] = mapped_column(Integer)  # None: the token never expires
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))


class PairingFailure(db.Model):
    """One refused pairing attempt: what the per-client and global limits count."""

    __tablename__ = "pairing_failures"
    __table_args__ = (Index("ix_pairing_failures_client_at", "client", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
