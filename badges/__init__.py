"""Badge layouts and PDF rendering: ticket data + layout -> PDF bytes.

A pure library (no web framework): ``render`` turns one or many tickets into
one PDF; ``render_png`` turns one ticket into a 1-bit PNG for label printers.
"""

from .branding import brand
from .catalog import get_layout, layout_for, layout_names, needs_badge, resolve_layout, type_map
from .data import BadgeData, as_badge_data
from .errors import (
    BadgeError,
    FontNotFoundError,
    LayoutError,
    MissingGlyphError,
    NoBadgeError,
    TicketDataError,
    UnknownLayoutError,
    UnknownPageError,
)
from .fonts import missing_glyphs
from .layout import Layout, load_layout, parse_layout, schema
from .pages import PAGES, PageProfile, page_profile
from .png import render_png
from .render import render, warm_up

__all__ = [
    "PAGES",
    "BadgeData",
    "BadgeError",
    "FontNotFoundError",
    "Layout",
    "LayoutError",
    "MissingGlyphError",
    "NoBadgeError",
    "PageProfile",
    "TicketDataError",
    "UnknownLayoutError",
    "UnknownPageError",
    "as_badge_data",
    "brand",
    "get_layout",
    "layout_for",
    "layout_names",
    "load_layout",
    "missing_glyphs",
    "needs_badge",
    "page_profile",
    "parse_layout",
    "render",
    "render_png",
    "resolve_layout",
    "schema",
    "type_map",
    "warm_up",
]
