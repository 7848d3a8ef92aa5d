"""The public renderers: badges to one PDF, or one badge to a monochrome PNG."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .catalog import LayoutChoice, get_layout, layout_name_for, layout_names, resolve_layout, type_map
from .data import BadgeData, TicketLike, as_badge_data
from .draw import Painter, cut_marks, is_shared
from .errors import BadgeError, MissingGlyphError, NoBadgeError
from .fonts import missing_glyphs
from .layout import Layout
from .pages import PageChoice, PageProfile, Slot, page_profile, place


def _badge_list(tickets: TicketLike | Iterable[TicketLike]) -> list[BadgeData]:
    if isinstance(tickets, (BadgeData, Mapping)):
        return [as_badge_data(tickets)]
    if isinstance(tickets, (str, bytes)):
        raise TypeError("tickets must be BadgeData, a mapping, or a list of them")
    return [as_badge_data(t) for t in tickets]


def _layouts(
    badges: list[BadgeData], layout: LayoutChoice | Sequence[LayoutChoice], types: Mapping[str, str | None] | None
) -> list[Layout]:
    if isinstance(layout, (list, tuple)):
        # One layout per ticket: the caller chose each (an event's own layouts, say).
        if len(layout) != len(badges):
            raise BadgeError(f"{len(layout)} layouts given for {len(badges)} tickets")
        return [_one_layout(choice, badge, types) for choice, badge in zip(layout, badges, strict=True)]
    chosen = resolve_layout(layout)
    if chosen is not None:
        # A layout chosen at print time overrides the mapping, "no badge" included.
        return [chosen] * len(badges)
    table = type_map(types)
    names = [layout_name_for(b.badge_type, table) for b in badges]
    refused = [b.serial or b.name for b, name in zip(badges, names, strict=True) if name is None]
    if refused:
        raise NoBadgeError(refused)
    return [get_layout(name) for name in names if name is not None]


def _one_layout(choice: LayoutChoice, badge: BadgeData, types: Mapping[str, str | None] | None) -> Layout:
    return resolve_layout(choice) or _layouts([badge], None, types)[0]


_streams_lock = threading.Lock()
_streams_users = 0
_streams_saved: Any = None


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Write compressed streams as binary rather than ASCII85 while badges are saved.

    ReportLab reads this switch from its global settings at save time; ASCII85
    adds a quarter to every stream and costs time. The previous value comes
    back once no badge job is saving, so other PDF writers are left as found.
    """
    global _streams_users, _streams_saved
    with _streams_lock:
        if _streams_users == 0:
            _streams_saved = rl_config.useA85
            rl_config.useA85 = 0
        _streams_users += 1
    try:
        yield
    finally:
        with _streams_lock:
            _streams_users -= 1
            if _streams_users == 0:
                rl_config.useA85 = _streams_saved


class _Job:
    """One PDF being written: one canvas, fonts embedded once, shared artwork as forms."""

    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.canvas = Canvas(self.out, pageCompression=1, invariant=1)
        self.canvas.setTitle("Badges")
        self.canvas.setCreator("gate-checkin badges")
        self.forms: dict[tuple[Any, ...], str] = {}

    def shared_form(self, layout: Layout, data: BadgeData) -> str:
        """Name of the form holding the layout's artwork and type-wide text, drawn once."""
        key = (id(layout), data.type_name, data.type_code, data.badge_type, data.event_name)
        name = self.forms.get(key)
        if name is None:
            name = self.forms[key] = f"Badge{len(self.forms)}"
            c = self.canvas
            c.beginForm(name, 0, 0, layout.width * mm, layout.height * mm)
            painter = Painter(c, layout)
            if layout.background.upper() != "#FFFFFF":
                painter.fill_background(layout.background)
            for element in layout.elements:
                if is_shared(element):
                    painter.draw(element, data)
            c.endForm()
        return name

    def badge(self, layout: Layout, data: BadgeData, slot: Slot) -> None:
        """Draw one badge, scaled and turned to fit ``slot``."""
        form = self.shared_form(layout, data)
        c = self.canvas
        spot = place(layout.width * mm, layout.height * mm, slot)
        c.saveState()
        if spot.rotate:
            c.translate(spot.x + layout.height * mm * spot.scale, spot.y)
            c.rotate(90)
        else:
            c.translate(spot.x, spot.y)
        if spot.scale != 1.0:
            c.scale(spot.scale, spot.scale)
        c.doForm(form)
        painter = Painter(c, layout)
        for element in layout.elements:
            if not is_shared(element):
                painter.draw(element, data)
        c.restoreState()

    def finish(self) -> bytes:
        """Close the last page and return the PDF."""
        self.canvas.showPage()
        with _binary_streams():
            self.canvas.save()
        return self.out.getvalue()


def render(
    tickets: TicketLike | Iterable[TicketLike],
    layout: LayoutChoice | Sequence[LayoutChoice] = None,
    page: PageChoice = None,
    *,
    start_at: int = 0,
    types: Mapping[str, str | None] | None = None,
) -> bytes:
    """Render one or many badges into one PDF and return its bytes.

    ``layout``: a Layout, a built-in layout name, a JSON file or a layout
    document; None picks each ticket's layout from its badge type (``types``
    overrides entries of the built-in mapping); a list gives one per ticket. ``page``: a PageProfile or its
    name; None prints one badge per page at the layout's own size.
    ``start_at``: the first free slot (0 = top-left) on a partly used sheet.
    """
    items = _badge_list(tickets)
    if not items:
        raise BadgeError("no tickets to print")
    layouts = _layouts(items, layout, types)
    _refuse_missing_glyphs(items)
    profile = page_profile(page)
    per_page = profile.per_page if profile else 1
    if not 0 <= start_at < per_page:
        raise BadgeError(f"start_at must be between 0 and {per_page - 1} for this page, got {start_at}")
    job = _Job()
    for index, (data, chosen) in enumerate(zip(items, layouts, strict=True)):
        position = index + start_at
        slot_index = position % per_page
        if index == 0 or slot_index == 0:
            _new_page(job.canvas, profile, chosen, first=index == 0)
        slot = profile.slot(slot_index) if profile else Slot(0, 0, chosen.width * mm, chosen.height * mm)
        job.badge(chosen, data, slot)
    return job.finish()


# Every text a layout can draw; a box printed in place of a letter must never reach a lanyard.
_DRAWN = ("name", "company", "type_code", "type_name", "badge_type", "event_name", "serial", "zones_text")


def _refuse_missing_glyphs(items: list[BadgeData]) -> None:
    for data in items:
        for field in _DRAWN:
            missing = missing_glyphs(getattr(data, field))
            if missing:
                raise MissingGlyphError(data.serial or data.name, field, missing)


def warm_up() -> None:
    """Load fonts and built-in layouts now, so the first badge of the day prints at full speed."""
    sample = "Anna प्रिया محمد שרה 王さ김"
    tickets = [BadgeData(name=sample, badge_type=name, company=sample, code="WARMUP") for name in layout_names()]
    render(tickets, page="a4-9")


def _new_page(canvas: Canvas, profile: PageProfile | None, layout: Layout, first: bool) -> None:
    if not first:
        canvas.showPage()
    if profile is None:
        canvas.setPageSize((layout.width * mm, layout.height * mm))
        return
    canvas.setPageSize(profile.size_pt)
    if profile.cut_marks:
        cut_marks(canvas, profile.cut_mark_segments())
