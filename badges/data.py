"""The ticket data a badge is printed from."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import TicketDataError

_TEXT_FIELDS = ("name", "company", "type_code", "type_name", "badge_type", "event_name", "serial", "code")


@dataclasses.dataclass(frozen=True, slots=True)
class BadgeData:
    """One badge's worth of ticket data; text is NFC-normalised on creation."""

    name: str
    company: str = ""
    type_code: str = ""
    type_name: str = ""
    badge_type: str = "general"
    zones: tuple[str, ...] = ()
    event_name: str = ""
    serial: str = ""
    code: str = ""
    reprint: int = 0

    def __post_init__(self) -> None:
        for field in _TEXT_FIELDS:
            value = getattr(self, field)
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise TicketDataError(f"badge field {field!r} must be text, got {type(value).__name__}")
            # Names arrive from web forms, spreadsheets and foreign systems in any
            # normalisation form; NFC makes shaping and font coverage predictable.
            object.__setattr__(self, field, unicodedata.normalize("NFC", value.strip()))
        object.__setattr__(self, "zones", _zones(self.zones))
        if isinstance(self.reprint, bool) or not isinstance(self.reprint, int) or self.reprint < 0:
            raise TicketDataError(f"badge field 'reprint' must be a whole number >= 0, got {self.reprint!r}")

    @property
    def reprint_mark(self) -> str:
        """The visible reprint counter ("R2"), or "" for a first print."""
        return f"R{self.reprint}" if self.reprint > 0 else ""

    @property
    def zones_text(self) -> str:
        """The zones joined for printing."""
        return " · ".join(self.zones)


TicketLike = BadgeData | Mapping[str, Any]


def _zones(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        raise TicketDataError("badge field 'zones' must be a list of zone names, not one string")
    if not isinstance(value, Iterable):
        raise TicketDataError(f"badge field 'zones' must be a list, got {type(value).__name__}")
    zones = []
    for zone in value:
        if not isinstance(zone, str):
            raise TicketDataError(f"badge field 'zones' must hold text, got {type(zone).__name__}")
        zones.append(unicodedata.normalize("NFC", zone.strip()))
    return tuple(zones)


def as_badge_data(ticket: TicketLike) -> BadgeData:
    """Return ``ticket`` as BadgeData, building it from a mapping when needed."""
    if isinstance(ticket, BadgeData):
        return ticket
    if not isinstance(ticket, Mapping):
        raise TicketDataError(f"a ticket must be BadgeData or a mapping, got {type(ticket).__name__}")
    known = {f.name for f in dataclasses.fields(BadgeData)}
    if "name" not in ticket:
        raise TicketDataError("badge field 'name' is missing")
    # Extra keys are ignored so that callers can pass a full ticket record.
    values = {key: ticket[key] for key in known if key in ticket}
    return BadgeData(**values)
