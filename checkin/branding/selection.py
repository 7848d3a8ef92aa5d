"""Which layout a ticket's badge prints with, branded with the event's logo and colours.

Precedence: a built-in layout chosen at print time, then the ticket type's
own active layout, then the event's (target "*"), then the built-in layout
of the type's badge type. A type whose badge type gets no badge gets none
unless a layout is chosen for it or for that ticket type.

A parsed and branded layout is cached by what it is made of: the digest of
the layout document, the logo's SHA-256 and the colour.
"""
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import select

import badges
from badges.catalog import layout_name_for, normalise_badge_type

from ..extensions import db
from ..models import Event, EventBranding, LayoutOverride, LayoutVersion, TicketType

EVENT_TARGET = "*"


@dataclass(frozen=True)
class Chosen:
    """A layout ready to draw, and the label the print log keeps ("vip", "event v2", "type VIP1 v3")."""

    layout: badges.Layout
    label: str


@dataclass
class EventLayouts:
    """What one event prints with, read once per print job or preview."""

    event_id: int
    active: dict[str, tuple[int, str, dict]]  # target -> (version, digest of the document, document)
    colours: dict[str, str]
    logo_sha256: str | None
    _logo: bytes | None = field(default=None, repr=False)

    def choose(self, ticket_type: TicketType, requested: str | None = None) -> Chosen | None:
        """The layout for a ticket of this type (None: no badge); `requested` is a built-in name."""
        if requested is not None:
            base, label, key = badges.get_layout(requested), requested, f"builtin:{requested}"
        else:
            found = self._override(ticket_type.code)
            if found is None:
                name = layout_name_for(ticket_type.badge_type, badges.type_map())
                if name is None:
                    return None
                base, label, key = badges.get_layout(name), name, f"builtin:{name}"
            else:
                base, label, key = found
        colour = self.colours.get(normalise_badge_type(ticket_type.badge_type or ""))
        return Chosen(self._branded(base, key, colour), label)

    def _override(self, type_code: str) -> tuple[badges.Layout, str, str] | None:
        for target, label in ((type_code, f"type {type_code}"), (EVENT_TARGET, "event")):
            if target in self.active:
                version, digest, document = self.active[target]
                return _parsed(digest, document), f"{label} v{version}", f"document:{digest}"
        return None

    def _branded(self, base: badges.Layout, key: str, colour: str | None) -> badges.Layout:
        cache_key = (key, self.logo_sha256, colour)
        with _lock:
            hit = _branded_cache.get(cache_key)
        if hit is not None:
            return hit
        layout = badges.brand(base, logo=self.logo(), colour=colour)
        _remember(_branded_cache, cache_key, layout)
        return layout

    def logo(self) -> bytes | None:
        """The logo's bytes (read from the database the first time this process needs them)."""
        if self.logo_sha256 is None:
            return None
        with _lock:
            cached = _logos.get(self.logo_sha256)
        if cached is None:
            cached = db.session.scalar(select(EventBranding.logo).where(EventBranding.event_id == self.event_id))
            if cached is None:
                return None
            _remember(_logos, self.logo_sha256, cached)
        return cached


def event_layouts(event: Event) -> EventLayouts:
    """Read the event's active layouts and its branding (two small queries)."""
    rows = db.session.execute(
        select(LayoutOverride.target, LayoutVersion.version, LayoutVersion.document)
        .join(LayoutVersion, (LayoutVersion.override_id == LayoutOverride.id)
              & (LayoutVersion.version == LayoutOverride.active))
        .where(LayoutOverride.event_id == event.id)).all()
    active = {target: (version, _digest(document), document) for target, version, document in rows}
    brand = db.session.execute(select(EventBranding.colours, EventBranding.logo_sha256)
                               .where(EventBranding.event_id == event.id)).first()
    return EventLayouts(event.id, active, dict(brand.colours or {}) if brand else {},
                        brand.logo_sha256 if brand else None)


_lock = threading.Lock()
_CACHE_SIZE = 256
_parsed_cache: OrderedDict = OrderedDict()
_branded_cache: OrderedDict = OrderedDict()
_logos: OrderedDict = OrderedDict()


def _remember(cache: OrderedDict, key, value) -> None:
    with _lock:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)


def _digest(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _parsed(digest: str, document: dict) -> badges.Layout:
    with _lock:
        layout = _parsed_cache.get(digest)
    if layout is None:
        layout = badges.parse_layout(document)  # checked when saved; cannot fail here
        _remember(_parsed_cache, digest, layout)
    return layout
