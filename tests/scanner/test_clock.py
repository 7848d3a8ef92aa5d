"""One time format everywhere: the event's clock, 24-hour, dated when not the same day there."""
from datetime import datetime, timedelta, timezone

import pytest

from scanner.clock import answer_time, event_time

NOW = datetime(2025, 12, 2, 20, 30, tzinfo=timezone.utc)  # Tue 2 Dec 21:30 in Berlin, Wed 3 Dec 02:00 in Kolkata


@pytest.mark.parametrize(("moment", "zone", "text"), [
    (datetime(2025, 12, 2, 2, 48, tzinfo=timezone.utc), "Europe/Berlin", "03:48"),
    (datetime(2025, 12, 1, 22, 48, tzinfo=timezone.utc), "Europe/Berlin", "Mon 1 Dec 23:48"),
    (datetime(2025, 12, 1, 23, 5, tzinfo=timezone.utc), "Europe/Berlin", "00:05"),  # yesterday in UTC, today there
    (datetime(2025, 12, 2, 2, 48, tzinfo=timezone.utc), "Asia/Kolkata", "Tue 2 Dec 08:18"),  # today in UTC, not there
    (datetime(2025, 12, 9, 13, 0, tzinfo=timezone.utc), "UTC", "Tue 9 Dec 13:00"),  # a later day too
])
def test_a_time_is_dated_only_when_it_is_not_today_in_the_events_zone(moment, zone, text) -> None:
    assert event_time(moment, zone, NOW) == text


def test_seconds_and_a_clock_change_day() -> None:
    assert event_time(NOW - timedelta(seconds=5), "Europe/Berlin", NOW, seconds=True) == "21:29:55"
    spring = datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)  # Berlin moves from +1 to +2 at 01:00 UTC
    assert event_time(spring, "Europe/Berlin", spring) == "03:30"


def test_a_time_from_an_answer_says_utc_while_the_zone_is_unknown() -> None:
    assert answer_time("2025-12-02T02:48:07+00:00", "Asia/Kolkata", NOW) == "Tue 2 Dec 08:18"
    assert answer_time("2025-12-02T20:00:00Z", None, NOW) == "20:00 UTC"
