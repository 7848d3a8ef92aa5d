"""Posting alerts to the event's webhook (Slack-compatible JSON), with retries, off every request.

Delivery is driven by the alerts table, not by memory: an alert raised with
a webhook set is `pending` with a due time. A sender claims it by bumping
`webhook_attempts` with a compare-and-set (so of two nodes only one posts),
posts with no transaction open, then records `sent`, or a later due time,
or `failed` after the last attempt. A claim also pushes the due time a lease
ahead, so an alert whose sender died is retried by another node later.
The scheduler runs deliver_webhooks every WEBHOOK_SECONDS (scheduler.py).

Body: {"text": "[warning] Event name: message", "event": SLUG, "alert": alerts.view()}
"""
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models import Alert, Event, utcnow
from .alerts import settings_for, view

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = (5, 30, 120, 600)  # after the 1st, 2nd, 3rd and 4th failure; the 5th is final
LEASE_SECONDS = 60


def deliver_webhooks() -> int:
    """The scheduled task: post what is due, starting no post after WEBHOOK_TIMEOUT seconds."""
    # The other tasks share the scheduler's thread: a hanging webhook may hold it for
    # about two timeouts, and whatever is left waits, still due, for the next run.
    return deliver_due(budget=float(current_app.config["WEBHOOK_TIMEOUT"]))


def deliver_due(now: datetime | None = None, limit: int = 20, budget: float | None = None) -> int:
    """Post the alerts whose delivery is due, for at most `budget` seconds; returns how many were delivered."""
    now = now or utcnow()
    due = db.session.execute(select(Alert.id, Alert.webhook_attempts).where(
        Alert.webhook_state == "pending", Alert.webhook_next_at <= now).order_by(Alert.id).limit(limit)).all()
    db.session.commit()
    delivered, started = 0, time.monotonic()
    for alert_id, attempts in due:
        if budget is not None and time.monotonic() - started > budget:
            break
        if not _claim(alert_id, attempts, now):
            continue
        url, body = _message(alert_id)
        db.session.commit()  # nothing is held while the other side answers
        error = post(url, body) if url else "no webhook URL is set any more"
        _record(alert_id, attempts + 1, error)
        delivered += error is None
    return delivered


def _claim(alert_id: int, attempts: int, now: datetime) -> bool:
    done = db.session.execute(update(Alert).where(
        Alert.id == alert_id, Alert.webhook_state == "pending", Alert.webhook_attempts == attempts,
    ).values(webhook_attempts=attempts + 1, webhook_next_at=now + timedelta(seconds=LEASE_SECONDS)))
    db.session.commit()
    return done.rowcount == 1


def _message(alert_id: int) -> tuple[str | None, dict]:
    alert = db.session.get(Alert, alert_id)
    event = db.session.get(Event, alert.event_id)
    shown = view(alert)
    text = f"[{alert.level}] {event.name}: {alert.message}"
    return settings_for(event.id)["webhook_url"], {"text": text, "event": event.slug, "alert": shown}


def post(url: str, body: dict) -> str | None:
    """POST the JSON body; None when the other side took it (2xx), else what went wrong."""
    outgoing = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                      headers={"Content-Type": "application/json", "User-Agent": "gate-checkin"})
    try:
        with urllib.request.urlopen(outgoing, timeout=current_app.config["WEBHOOK_TIMEOUT"]) as answer:
            answer.read(1024)
        return None
    except urllib.error.HTTPError as refused:
        return f"HTTP {refused.code}"
    except (urllib.error.URLError, OSError, ValueError) as failed:
        return str(getattr(failed, "reason", failed))[:300]


def _record(alert_id: int, attempt: int, error: str | None) -> None:
    if error is None:
        values = {"webhook_state": "sent", "webhook_error": None}
    elif attempt > len(RETRY_AFTER_SECONDS):
        values = {"webhook_state": "failed", "webhook_error": error[:300]}
        log.warning("alert %s: webhook failed for good after %d attempts: %s", alert_id, attempt, error)
    else:
        values = {"webhook_error": error[:300],
                  "webhook_next_at": utcnow() + timedelta(seconds=RETRY_AFTER_SECONDS[attempt - 1])}
    db.session.execute(update(Alert).where(Alert.id == alert_id, Alert.webhook_attempts == attempt).values(**values))
    db.session.commit()
