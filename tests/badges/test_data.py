"""Ticket data accepted by the renderer."""

from __future__ import annotations

import dataclasses
import unicodedata

import pytest

import badges
from badges import BadgeData, TicketDataError, as_badge_data


def test_mappings_are_accepted_and_extra_keys_ignored(page_count) -> None:
    data = as_badge_data({"name": "Anna", "zones": ["Hall", "Expo"], "email": "anna@example.org", "reprint": 1})
    assert data == BadgeData(name="Anna", zones=("Hall", "Expo"), reprint=1)
    assert data.zones_text == "Hall · Expo" and data.reprint_mark == "R1"
    assert page_count(badges.render([{"name": "Anna"}, data])) == 2


def test_text_is_nfc_normalised_and_trimmed() -> None:
    data = BadgeData(name=" Zoe\u0308 ", company=unicodedata.normalize("NFD", "Café"), zones=("Sa\u0301la",))
    assert data.name == "Zoë" and data.company == "Café" and data.zones == ("Sála",)


def test_badge_data_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        BadgeData(name="Anna").name = "Bob"  # type: ignore[misc]


@pytest.mark.parametrize(
    "values",
    [{}, {"name": 5}, {"name": "A", "zones": "Hall"}, {"name": "A", "reprint": -1}, {"name": "A", "reprint": True}],
)
def test_bad_ticket_data_is_refused(values) -> None:
    with pytest.raises(TicketDataError):
        as_badge_data(values)


def test_empty_job_is_refused() -> None:
    with pytest.raises(badges.BadgeError):
        badges.render([])
