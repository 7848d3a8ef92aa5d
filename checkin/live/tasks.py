"""Live work on a clock: device sightings written, silent devices found, old minute rows dropped.

Devices are heard from through scans and heartbeats, which each node's hub
collects in memory and writes every LIVE_WATCH_SECONDS with save_devices
(keeping the latest time any node saw a device). The device watch task
raises `device_silent` for devices quiet longer than the event allows, and
the counter purge drops per-minute rows the charts no longer show; the
scheduler runs both (scheduler.py). A second runner is harmless: the alert
latch makes an alert appear once, and a purge finds nothing left to drop.
"""
from datetime import datetime, timedelta

from sqlalchemy import case, select

from ..driver import INSERT
from ..extensions import db
from ..models import Event, GateDevice, utcnow
from . import alert_rules, alerts, counters

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
    """Raise (and re-arm) device_silent alerts for events running now (every LIVE_WATCH_SECONDS)."""
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


def purge_old_minutes() -> int:
    """Drop per-minute counter rows older than KEEP_MINUTES (every COUNTER_PURGE_SECONDS); returns how many."""
    return counters.forget_minutes_before(counters.minute_of(utcnow()) - KEEP_MINUTES)
