"""One way to write a time on every screen: the event's wall clock, 24-hour, and the
date as well when that is not the same day as `now` (both in the event's time zone).

"03:48" today, "Tue 2 Dec 03:48" on another day: a three-day event never leaves a
gate guessing which morning "03:48" was. The pages write times the same way
(static/js/clock.js), and the admission rules' messages use it, so the gate's
words and its details never mix an event-zone time with the device's own.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = ["answer_time", "event_time"]

# English names whatever the machine's locale, as every screen shows them.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def event_time(moment: datetime, zone: str | None, now: datetime, seconds: bool = False) -> str:
    """`moment` on the event's clock ("03:48"), with its date if not `now`'s day ("Tue 2 Dec 03:48").

    Both are aware datetimes; `zone` None means this machine's own zone.
    """
    tz = ZoneInfo(zone) if zone else None
    local, today = moment.astimezone(tz), now.astimezone(tz)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    if local.date() == today.date():
        return clock
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {clock}"


def answer_time(text: str, zone: str | None, now: datetime) -> str:
    """A time of a server's answer (ISO 8601) as `event_time` writes it; UTC, and saying so, while the
    event's zone is unknown (no gate pack yet), rather than this machine's zone beside the event's."""
    moment = datetime.fromisoformat(text)
    return event_time(moment, zone, now) if zone else f"{event_time(moment, 'UTC', now)} UTC"
