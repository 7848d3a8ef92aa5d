"""The rules core on its own; tests/test_judge_vectors.py holds every implementation to it."""
from datetime import datetime, timedelta, timezone

import pytest

from scanner.rules import (
    AdmissionFacts,
    GateFacts,
    TicketFacts,
    WrongDirection,
    admission_after,
    code_reason,
    direction_at,
    judge,
)

AT = datetime(2030, 9, 1, 8, 42, tzinfo=timezone.utc)
GATE = GateFacts("north", "North Gate", "hall", ("GA",), "both", reentry=False, timezone="Europe/Berlin")
TICKET = TicketFacts("Lena Müller", "GA", "General")


def test_a_gate_takes_only_its_own_direction() -> None:
    assert direction_at(GATE, None) == "in" and direction_at(GATE, "out") == "out"
    exit_only = GateFacts("x", "Exit", "hall", ("GA",), "out")
    assert direction_at(exit_only, None) == "out"
    with pytest.raises(WrongDirection, match="Exit only takes 'out'"):
        direction_at(exit_only, "in")


@pytest.mark.parametrize(("facts", "reason"), [
    ({"known": False}, "invalid"),
    ({"known": True, "own_event": False}, "wrong_event"),
    ({"known": True, "generation": 1, "current": None}, "invalid"),
    ({"known": True, "generation": 3, "current": 2}, "invalid"),
    ({"known": True, "generation": 1, "current": 2}, "revoked"),
    ({"known": True, "generation": 2, "current": 2}, None),
])
def test_what_a_read_code_means(facts: dict, reason: str | None) -> None:
    assert code_reason(**facts) == reason


def test_an_admission_follows_entries_and_exits() -> None:
    first = admission_after(GATE, None, "in", AT)
    assert first == AdmissionFacts(True, AT, "North Gate")
    left = admission_after(GATE, first, "out", AT + timedelta(hours=1))
    assert left == AdmissionFacts(False, AT, "North Gate")
    assert admission_after(GATE, None, "out", AT) is None, "leaving without having entered leaves no trace"
    assert judge(GATE, TICKET, None, "in", AT, left).message == \
        "No re-entry at North Gate - first entered 10:42 at North Gate"


def test_times_in_messages_are_the_events() -> None:
    closed = GateFacts("north", "North Gate", "hall", ("GA",), opens_at=AT + timedelta(days=30),
                       timezone="Asia/Kolkata")
    assert judge(closed, TICKET, None, "in", AT).message == "Not valid now at North Gate (open Tue 1 Oct 14:12)"
