"""Page profiles: cards, labels and sheets with a grid of badge slots."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm

from .errors import BadgeError, UnknownPageError

CUT_MARK_LENGTH = 4.0  # mm
CUT_MARK_OFFSET = 1.0  # mm between a slot's edge and its marks


@dataclass(frozen=True)
class Slot:
    """Where one badge goes on a page, in points from the page's bottom-left corner."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class PageProfile:
    """A page size (mm) with a grid of ``columns`` x ``rows`` badge slots."""

    name: str
    width: float
    height: float
    columns: int = 1
    rows: int = 1
    margin: float = 0.0
    gap: float = 0.0
    cut_marks: bool = False

    def __post_init__(self) -> None:
        if self.columns < 1 or self.rows < 1:
            raise BadgeError(f"page {self.name!r}: columns and rows must be at least 1")
        if self.slot_width <= 0 or self.slot_height <= 0:
            raise BadgeError(f"page {self.name!r}: margins and gaps leave no room for badges")

    @property
    def per_page(self) -> int:
        """Badges per page."""
        return self.columns * self.rows

    @property
    def is_sheet(self) -> bool:
        """True for pages holding more than one badge."""
        return self.per_page > 1

    @property
    def slot_width(self) -> float:
        """Width of one slot in mm."""
        return (self.width - 2 * self.margin - (self.columns - 1) * self.gap) / self.columns

    @property
    def slot_height(self) -> float:
        """Height of one slot in mm."""
        return (self.height - 2 * self.margin - (self.rows - 1) * self.gap) / self.rows

    @property
    def size_pt(self) -> tuple[float, float]:
        """Page size in points."""
        return self.width * mm, self.height * mm

    def slot(self, index: int) -> Slot:
        """Slot ``index`` on a page, counted row by row from the top-left."""
        row, column = divmod(index, self.columns)
        x = self.margin + column * (self.slot_width + self.gap)
        top = self.margin + row * (self.slot_height + self.gap)
        y = self.height - top - self.slot_height
        return Slot(x * mm, y * mm, self.slot_width * mm, self.slot_height * mm)

    def cut_mark_segments(self) -> list[tuple[float, float, float, float]]:
        """Short lines (x1, y1, x2, y2 in points) marking every slot corner, outside the slots."""
        segments: list[tuple[float, float, float, float]] = []
        off, length = CUT_MARK_OFFSET * mm, CUT_MARK_LENGTH * mm
        for index in range(self.per_page):
            s = self.slot(index)
            for cx, dx in ((s.x, -1), (s.x + s.width, 1)):
                for cy, dy in ((s.y, -1), (s.y + s.height, 1)):
                    segments.append((cx + dx * off, cy, cx + dx * (off + length), cy))
                    segments.append((cx, cy + dy * off, cx, cy + dy * (off + length)))
        return segments


_A4 = (210.0, 297.0)
_LETTER = (215.9, 279.4)

PAGES: dict[str, PageProfile] = {
    p.name: p
    for p in (
        PageProfile("cr80", 53.98, 85.6),
        PageProfile("label-4x3", 101.6, 76.2),
        PageProfile("label-4x6", 101.6, 152.4),
        PageProfile("a6", 105.0, 148.0),
        PageProfile("a7", 74.0, 105.0),
        PageProfile("a4-4", *_A4, columns=2, rows=2, margin=10.0, gap=8.0, cut_marks=True),
        PageProfile("a4-9", *_A4, columns=3, rows=3, margin=10.0, gap=6.0, cut_marks=True),
        PageProfile("letter-4", *_LETTER, columns=2, rows=2, margin=10.0, gap=8.0, cut_marks=True),
        PageProfile("letter-9", *_LETTER, columns=3, rows=3, margin=10.0, gap=6.0, cut_marks=True),
    )
}

PageChoice = PageProfile | str | None


def page_profile(choice: PageChoice) -> PageProfile | None:
    """Resolve a page profile by name; None means one badge per page at the layout's size."""
    if choice is None or isinstance(choice, PageProfile):
        return choice
    try:
        return PAGES[choice]
    except KeyError:
        raise UnknownPageError(choice, tuple(PAGES)) from None


@dataclass(frozen=True)
class Placement:
    """How a layout sits in a slot: scale, quarter turn, and the offset of its origin."""

    scale: float
    rotate: bool
    x: float
    y: float


def place(layout_w: float, layout_h: float, slot: Slot) -> Placement:
    """Fit a layout (points) into a slot, centred, turned a quarter when that fits larger."""
    straight = min(slot.width / layout_w, slot.height / layout_h)
    turned = min(slot.width / layout_h, slot.height / layout_w)
    rotate = turned > straight * 1.001
    scale = turned if rotate else straight
    drawn_w, drawn_h = (layout_h, layout_w) if rotate else (layout_w, layout_h)
    x = slot.x + (slot.width - drawn_w * scale) / 2
    y = slot.y + (slot.height - drawn_h * scale) / 2
    return Placement(scale, rotate, x, y)
