"""Drawing layout elements onto a ReportLab canvas, in the badge's own coordinates."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from .data import BadgeData
from .fitting import LINE_PITCH, Fit, fit_text
from .layout import (
    LOGO_SRC,
    BandElement,
    BorderElement,
    Element,
    ImageElement,
    Layout,
    LineElement,
    QrElement,
    RectElement,
    TextElement,
    resolve_src,
)
from .patterns import pattern_operators
from .pdftext import line_operators, pdf_number
from .qr import qr_operators

# Fields that are the same for every holder of a ticket type: elements bound to
# them are drawn once per job into a reusable form, with the layout's artwork.
SHARED_FIELDS = frozenset(("type_name", "type_code", "badge_type", "event_name"))


@lru_cache(maxsize=256)
def rgb(color: str) -> tuple[float, float, float]:
    """'#RRGGBB' as three floats in 0..1."""
    return tuple(int(color[i : i + 2], 16) / 255.0 for i in (1, 3, 5))  # type: ignore[return-value]


def is_shared(element: Element) -> bool:
    """True for elements that do not depend on the badge holder."""
    if isinstance(element, QrElement):
        return False
    if isinstance(element, TextElement):
        return element.bind is None or element.bind in SHARED_FIELDS
    return True


def field_value(element: TextElement, data: BadgeData, layout: Layout) -> str:
    """The text a text element shows for this badge."""
    if element.bind is None:
        return element.text or ""
    if element.bind == "zones":
        return data.zones_text
    if element.bind == "reprint":
        return data.reprint_mark
    value = str(getattr(data, element.bind))
    if not value and element.bind == "type_name":
        return layout.title
    return value


@dataclass
class Painter:
    """Draws the elements of one layout; y in layouts grows downwards, in PDF upwards."""

    canvas: Canvas
    layout: Layout

    @property
    def doc(self) -> Any:
        """The canvas's document: ReportLab keeps font subsets per document."""
        return self.canvas._doc

    def box(self, x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
        """A layout box (mm, top-left origin) in points from the badge's bottom-left."""
        return x * mm, (self.layout.height - y - h) * mm, w * mm, h * mm

    def fill_background(self, color: str) -> None:
        """Paint the whole badge in ``color``."""
        self.canvas.setFillColorRGB(*rgb(color))
        self.canvas.rect(0, 0, self.layout.width * mm, self.layout.height * mm, stroke=0, fill=1)

    def draw(self, element: Element, data: BadgeData) -> None:
        """Draw one element."""
        if isinstance(element, TextElement):
            self.text(element, field_value(element, data, self.layout))
        elif isinstance(element, QrElement):
            self.qr(element, data.code)
        elif isinstance(element, BandElement):
            self.band(element)
        elif isinstance(element, RectElement):
            self.rect(element)
        elif isinstance(element, LineElement):
            self.line(element)
        elif isinstance(element, BorderElement):
            self.border(element)
        elif isinstance(element, ImageElement):
            self.image(element)

    def text(self, element: TextElement, value: str) -> Fit | None:
        """Fit and draw a text element; returns the fit (None when there is no text)."""
        x, y, w, h = self.box(element.x, element.y, element.width, element.height)
        if element.background:
            self.canvas.setFillColorRGB(*rgb(element.background))
            self.canvas.rect(x, y, w, h, stroke=0, fill=1)
        if element.upper:
            value = value.upper()
        if not value.strip():
            return None
        fit = fit_text(value, w, h, element.max_size, element.min_size, element.lines, element.bold)
        color = rgb(element.color)
        self.canvas.setFillColorRGB(*color)
        self.canvas.setStrokeColorRGB(*color)
        size = fit.size
        top = {"top": y + h, "bottom": y + fit.height}.get(element.valign, y + (h + fit.height) / 2)
        baseline = top - fit.lines[0].ascent * size
        pitch = max(line.height for line in fit.lines) * LINE_PITCH * size
        # Marks stacked past the font's line metrics (a pasted "Zalgo" name) stay inside the box.
        self.canvas.saveState()
        clip = self.canvas.beginPath()
        clip.rect(x, y, w, h)
        self.canvas.clipPath(clip, stroke=0, fill=0)
        for line in fit.lines:
            align = element.align
            if align in ("start", "end"):
                align = ("right" if line.rtl else "left") if align == "start" else ("left" if line.rtl else "right")
            slack = w - line.width * size
            left = x + {"left": 0.0, "right": slack}.get(align, slack / 2)
            self.canvas.addLiteral(line_operators(line, left, baseline, size, self.doc))
            baseline -= pitch
        self.canvas.restoreState()
        return fit

    def qr(self, element: QrElement, code: str) -> None:
        """Draw the ticket's code as a QR (nothing when the ticket has no code)."""
        if not code:
            return
        x, y, size, _ = self.box(element.x, element.y, element.size, element.size)
        ops = qr_operators(code, x, y, size, element.quiet, element.error, element.mask, rgb(element.color))
        self.canvas.addLiteral(ops)

    def band(self, element: BandElement) -> None:
        """A filled band with its pattern clipped to it."""
        x, y, w, h = self.box(element.x, element.y, element.width, element.height)
        self.canvas.setFillColorRGB(*rgb(element.color))
        self.canvas.rect(x, y, w, h, stroke=0, fill=1)
        if element.pattern != "solid":
            ops = pattern_operators(element.pattern, x, y, w, h, element.pitch * mm, rgb(element.pattern_color))
            self.canvas.addLiteral(ops)

    def rect(self, element: RectElement) -> None:
        """A plain, rounded or dashed rectangle."""
        x, y, w, h = self.box(element.x, element.y, element.width, element.height)
        c = self.canvas
        c.saveState()
        if element.fill:
            c.setFillColorRGB(*rgb(element.fill))
        if element.stroke:
            c.setStrokeColorRGB(*rgb(element.stroke))
            c.setLineWidth(element.line_width * mm)
            if element.dash:
                c.setDash(element.dash[0] * mm, element.dash[1] * mm)
        stroke, fill = int(bool(element.stroke)), int(bool(element.fill))
        if element.radius:
            c.roundRect(x, y, w, h, element.radius * mm, stroke=stroke, fill=fill)
        else:
            c.rect(x, y, w, h, stroke=stroke, fill=fill)
        c.restoreState()

    def line(self, element: LineElement) -> None:
        """A straight line."""
        c = self.canvas
        c.saveState()
        c.setStrokeColorRGB(*rgb(element.color))
        c.setLineWidth(element.line_width * mm)
        if element.dash:
            c.setDash(element.dash[0] * mm, element.dash[1] * mm)
        top = self.layout.height
        c.line(element.x1 * mm, (top - element.y1) * mm, element.x2 * mm, (top - element.y2) * mm)
        c.restoreState()

    def border(self, element: BorderElement) -> None:
        """A frame around the badge in one of several styles."""
        c = self.canvas
        inset, width = element.inset * mm, element.line_width * mm
        if element.style == "thick":
            width *= 2.5
        full_w, full_h = self.layout.width * mm, self.layout.height * mm
        c.saveState()
        c.setStrokeColorRGB(*rgb(element.color))
        c.setLineWidth(width)
        if element.style == "dashed":
            c.setDash(4 * width, 2 * width)
        elif element.style == "dotted":
            c.setLineCap(1)
            c.setDash(0, 2.2 * width)
        rings = (0.0, 2.5 * width) if element.style == "double" else (0.0,)
        for ring in rings:
            pad = inset + width / 2 + ring
            radius = max(element.radius * mm - ring, 0)
            c.roundRect(pad, pad, full_w - 2 * pad, full_h - 2 * pad, radius, stroke=1, fill=0)
        c.restoreState()

    def image(self, element: ImageElement) -> None:
        """A raster image, kept in proportion unless the layout asks to stretch it."""
        x, y, w, h = self.box(element.x, element.y, element.width, element.height)
        given = self.layout.images.get(element.src)
        if given is not None:
            source: Any = ImageReader(io.BytesIO(given))
        elif element.src == LOGO_SRC:
            return  # the event has no logo: the slot stays empty
        else:
            source = str(resolve_src(self.layout, element.src))
        keep = element.fit == "contain"
        self.canvas.drawImage(source, x, y, w, h, mask="auto", preserveAspectRatio=keep, anchor="c")


def cut_marks(canvas: Canvas, segments: list[tuple[float, float, float, float]]) -> None:
    """Thin black cut marks, drawn as one stroked path."""
    parts = ["q 0 G 0.25 w"]
    parts.extend(f"{pdf_number(a)} {pdf_number(b)} m {pdf_number(c)} {pdf_number(d)} l" for a, b, c, d in segments)
    parts.append("S Q")
    canvas.addLiteral("\n".join(parts))
