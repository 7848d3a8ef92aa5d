"""Stored alerts: raised once per condition, shown until acknowledged, posted to a webhook.

Rules (alert_rules.py) say which conditions hold now; reconcile() raises
the new ones and re-arms those that cleared. A condition can only have one
latched alert (a unique constraint), so nodes and threads noticing it at the
same time raise it once. Alerts carry no personal data: viewers see them.
"""
from datetime import datetime

from sqlalchemy import bindparam, select, update

from .. import driver
from ..errors import Conflict, NotFound
from ..extensions import db
from ..models import Alert, AlertSettings, Event, utcnow

DEFAULT_SETTINGS = {
    "low_stock": {},  # {type code: {"*" or channel code: seats}}; a type's own low_stock_at applies too
    "oversell_margin": 5,  # held seats exist and no more than this many are left
    "duplicate_spike": {"count": 10, "minutes": 5},  # more than `count` duplicates in `minutes`
    "device_silent_minutes": 15,
    "zone_capacity": {},  # {zone: people}
    "zone_warn_percent": 90,
    "disabled": [],  # alert kinds not to raise
}
# One statement per database, built once: a storm of passbacks raises many alerts at a time.
_COLUMNS = ("event_id", "kind", "level", "key", "latch", "message", "data", "raised_at", "webhook_state",
            "webhook_attempts", "webhook_next_at")
RAISE = driver.per_database(
    lambda dialect_insert: dialect_insert(Alert).values({c: bindparam(c) for c in _COLUMNS})
    .on_conflict_do_nothing(index_elements=["event_id", "latch"]).returning(Alert.id))


def settings_for(event_id: int) -> dict:
    """The event's alert settings with defaults filled in, and its webhook URL."""
    row = db.session.get(AlertSettings, event_id)
    stored = row.settings if row else {}
    return {**DEFAULT_SETTINGS, **stored, "webhook_url": row.webhook_url if row else None}


def save_settings(event: Event, data: dict, actor: str) -> dict:
    """Replace the event's alert settings (what is left out falls back to the defaults)."""
    data = dict(data)
    webhook_url = data.pop("webhook_url", None)
    row = db.session.get(AlertSettings, event.id)
    if row is None:
        row = AlertSettings(event_id=event.id, updated_by=actor)
        db.session.add(row)
    row.settings, row.webhook_url, row.updated_at, row.updated_by = data, webhook_url, utcnow(), actor
    db.session.commit()
    return settings_for(event.id)


def view(alert: Alert) -> dict:
    """An alert as the API and the live screens show it."""
    return {"id": alert.id, "kind": alert.kind, "level": alert.level, "message": alert.message,
            "data": alert.data or {}, "raised_at": alert.raised_at.isoformat(),
            "acked_at": alert.acked_at.isoformat() if alert.acked_at else None,
            "acked_by": alert.acked_by, "ack_note": alert.ack_note}


def candidate(kind: str, level: str, key: str, message: str, data: dict | None = None,
              latch: bool = True) -> dict:
    """A condition that holds now; `latch=False` for one-off happenings that never repeat."""
    return {"kind": kind, "level": level, "key": key, "message": message[:500], "data": data or {},
            "latch": latch}


def raise_alerts(event_id: int, candidates: list[dict], settings: dict, now: datetime | None = None) -> list[dict]:
    """Store the candidates that are not latched already; returns the new alerts' views.

    Runs in the caller's transaction; the new alerts are shown after it commits.
    """
    now = now or utcnow()
    disabled = set(settings.get("disabled") or ())
    webhook = "pending" if settings.get("webhook_url") else None
    insert = driver.this_database(RAISE)
    raised = []
    for c in candidates:
        if c["kind"] in disabled:
            continue
        stored = driver.run(insert, event_id=event_id, kind=c["kind"], level=c["level"], key=c["key"],
                            latch=c["key"] if c["latch"] else None, message=c["message"], data=c["data"],
                            raised_at=now, webhook_state=webhook, webhook_attempts=0,
                            webhook_next_at=now if webhook else None).first()
        if stored is not None:
            raised.append({"id": stored.id, "kind": c["kind"], "level": c["level"], "message": c["message"],
                           "data": c["data"], "raised_at": now.isoformat(), "acked_at": None,
                           "acked_by": None, "ack_note": None})
    db.session().outbox.raised(event_id, raised)
    return raised


def reconcile(event_id: int, prefixes: tuple[str, ...], wanted: dict[str, dict], settings: dict) -> list[dict]:
    """Make the latched alerts of one family match the conditions that hold now.

    New conditions are raised; latched ones that no longer hold are re-armed
    (they stay listed until acknowledged, but can fire again).
    """
    latched = {key for (key,) in db.session.execute(select(Alert.latch).where(
        Alert.event_id == event_id, Alert.latch.is_not(None))) if key.startswith(prefixes)}
    gone = latched - wanted.keys()
    if gone:
        db.session.execute(update(Alert).where(Alert.event_id == event_id, Alert.latch.in_(gone))
                           .values(latch=None))
    fresh = [c for key, c in wanted.items() if key not in latched]
    return raise_alerts(event_id, fresh, settings) if fresh else []


def acknowledge(event: Event, alert_id: int, actor: str, note: str | None) -> dict:
    """Mark an alert seen; only the first acknowledgement counts (compare-and-set)."""
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.event_id != event.id:
        raise NotFound(f"no alert {alert_id} in this event")
    done = db.session.execute(update(Alert).where(Alert.id == alert_id, Alert.acked_at.is_(None))
                              .values(acked_at=utcnow(), acked_by=actor, ack_note=note))
    if done.rowcount != 1:
        db.session.rollback()
        raise Conflict("this alert was already acknowledged", {"alert": ["already acknowledged"]})
    db.session.refresh(alert)
    shown = view(alert)
    db.session().outbox.raised(event.id, [shown])
    db.session.commit()
    return shown


def list_alerts(event: Event, state: str, before: int | None, limit: int) -> dict:
    """Alerts newest first: `open` (not yet acknowledged) or `all`; page on with `before`."""
    query = select(Alert).where(Alert.event_id == event.id)
    if state == "open":
        query = query.where(Alert.acked_at.is_(None))
    if before:
        query = query.where(Alert.id < before)
    alerts = list(db.session.scalars(query.order_by(Alert.id.desc()).limit(limit)))
    return {"alerts": [view(a) for a in alerts],
            "next_before": alerts[-1].id if len(alerts) == limit else None}
