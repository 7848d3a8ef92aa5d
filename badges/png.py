"""One badge as a 1-bit PNG for thermal label printers."""

from __future__ import annotations

import io
from collections.abc import Mapping

from .catalog import LayoutChoice
from .data import TicketLike
from .errors import BadgeError
from .pages import PageChoice
from .render import render


def render_png(
    ticket: TicketLike,
    layout: LayoutChoice = None,
    dpi: int = 203,
    *,
    page: PageChoice = None,
    types: Mapping[str, str | None] | None = None,
) -> bytes:
    """Render one badge as a 1-bit monochrome PNG at ``dpi`` (203 or 300 for label printers).

    The badge is rendered to PDF first and rasterised by PDFium without
    anti-aliasing, so text and QR edges stay crisp; colour areas are then
    dithered the way a thermal printer would.
    """
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 72 <= dpi <= 1200:
        raise BadgeError(f"dpi must be a whole number between 72 and 1200 (label printers use 203 or 300), got {dpi!r}")
    if not isinstance(ticket, Mapping) and not hasattr(ticket, "code"):
        raise TypeError("render_png takes one ticket")
    pdf = render(ticket, layout, page, types=types)
    return rasterise(pdf, dpi)


def rasterise(pdf: bytes, dpi: int) -> bytes:
    """The first page of ``pdf`` as a 1-bit PNG at ``dpi``."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover - depends on the installation
        raise BadgeError("PNG output needs the pypdfium2 package") from None
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width, height = (round(v * dpi / 72.0) for v in page.get_size())
        bitmap = page.render(
            scale=dpi / 72.0, grayscale=True, no_smoothtext=True, no_smoothpath=True, no_smoothimage=True
        )
        # Millimetre sizes are not exact in points; PDFium rounds the pixel size
        # up, so trim the sliver to the size the label really has.
        image = bitmap.to_pil().convert("L").crop((0, 0, width, height))
    finally:
        document.close()
    mono = image.convert("1")
    out = io.BytesIO()
    mono.save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()


def rasterise_colour(pdf: bytes, dpi: int) -> bytes:
    """The first page of ``pdf`` as an anti-aliased colour PNG, as a screen shows it (previews)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72.0).to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
