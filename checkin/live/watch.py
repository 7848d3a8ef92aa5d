"""What a serving node checks on a clock: devices heard from, silent devices, old minute rows, webhooks.

Devices are heard from through scans (noted by the hub in memory) and
heartbeats; every LIVE_WATCH_SECONDS the node writes the newest sightings
(keeping the latest time any node saw) and raises `device_silent` for
devices quiet longer than the event allows. Every node runs this; the alert
latch makes the alert appear once.
"""
import time
from datetime import datetime, timedelta

from sqlalchemy import case, select

from ..driver import INSERT
from ..extensions import db
from ..models import Event, GateDevice, utcnow
from . import alert_rules, alerts, counters, webhooks

KEEP_MINUTES = 120  # per-minute counter rows older than this are dropped (charts show the last hour)


def save_devices(seen: dict[tuple[int, str], tuple[str, datetime]]) -> None:
    """Write device sightings, keeping for each device the latest time any node saw it."""
    if not seen:
        return
    dialect = db.session.connection().engine.dialect.name
    stmt = INSERT[dialect](GateDevice)
    stmt = stmt.on_conflict_do_update(index_elements=["event_id", "device"], set_={
        "gate_code": case((stmt.excluded.last_seen > GateDevice.last_seen, stmt.excluded.gate_code),
                          else_=GateDevice.gate_code),
        "last_seen": case((stmt.excluded.last_seen > GateDevice.last_seen, stmt.excluded.last_seen),
                          else_=GateDevice.last_seen)})
    rows = [{"event_id": e, "device": d, "gate_code": g, "last_seen": at} for (e, d), (g, at) in sorted(seen.items())]
    db.session.execute(stmt, rows)
    db.session.commit()


def check_devices(now: datetime | None = None) -> list[dict]:
    """Raise (and re-arm) device_silent alerts for events running now; returns the new alerts."""
    now = now or utcnow()
    raised = []
    event_ids = db.session.scalars(select(GateDevice.event_id).where(
        GateDevice.last_seen > now - timedelta(days=1)).distinct()).all()
    for event_id in event_ids:
        event = db.session.get(Event, event_id)
        if event is None or not event.starts_at - timedelta(hours=12) <= now <= event.ends_at:
            continue
        settings = alerts.settings_for(event_id)
        raised += alerts.reconcile(event_id, alert_rules.DEVICES, alert_rules.devices(event_id, settings, now),
                                   settings)
    db.session.commit()
    return raised


class Watch:
    """The clock of a serving node's hub: called from the hub's thread, in an app context."""

    def __init__(self, hub, every: float):
        self.hub, self.every = hub, every
        self.next_at = 0.0
        self.next_purge = 0.0
        self.webhooks = webhooks.Sender(hub._app)

    def tick(self) -> None:
        """Do the periodic work if its time has come."""
        now = time.monotonic()
        if now < self.next_at:
            return
        self.next_at = now + self.every
        self.hub.save_devices()
        check_devices()
        if now >= self.next_purge:
            self.next_purge = now + 600
            counters.forget_minutes_before(counters.minute_of(utcnow()) - KEEP_MINUTES)
        self.webhooks.wake()

    def stop(self) -> None:
        self.webhooks.stop()
