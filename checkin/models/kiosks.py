"""Self-service kiosks: a guest scans their ticket, checks their details and prints their own badge."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

KIOSK_STATES = ("ready", "checking", "printing", "done", "refused")


class Kiosk(db.Model):
    """A kiosk of the event, by its device's name; it prints at the desk of the same name.

    `admit_gate_id`: printing there also admits the guest at this gate (the
    event's choice per kiosk); None: the kiosk only prints. `state` is what the
    kiosk's screen last said; `taken_over` is set by staff at the desk, and the
    screen then sends guests to the desk until it is handed back.
    """

    __tablename__ = "kiosks"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        CheckConstraint("state IN ('ready', 'checking', 'printing', 'done', 'refused')", name="kiosk_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    name: Mapped[str] = mapped_column(String(64))
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id"))  # the desk of the same name: its printers
    admit_gate_id: Mapped[int | None] = mapped_column(ForeignKey("gates.id"))
    state: Mapped[str] = mapped_column(String(16), default="ready")
    state_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken_over: Mapped[str | None] = mapped_column(String(120))  # who took it over, while they hold it
