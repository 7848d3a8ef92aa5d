"""An event's branding on a layout: its logo and its colour for the badge type."""

from __future__ import annotations

import dataclasses
import re

from .errors import LayoutError
from .layout import LOGO_SRC, BandElement, Element, ImageElement, Layout, TextElement

COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
TYPE_BAND = "type-band"  # the id of the band that shows the badge type's colour
HEADER = "event"  # the id of the text the logo sits beside when a layout has no logo slot
_GAP = 1.5  # mm between the logo and the header text


def brand(layout: Layout, logo: bytes | None = None, colour: str | None = None) -> Layout:
    """The layout with the event's logo and the badge type's colour; unchanged when both are None.

    ``colour`` fills every band with id ``type-band``. The logo fills every
    image element whose ``src`` is ``event-logo``; a layout without one gets
    the logo at the left of its ``event`` header text, which moves over.
    """
    if colour is not None and not COLOUR.match(colour):
        raise LayoutError(layout.name, "colour", f"{colour!r} is not a colour like '#1A2B3C'")
    elements = list(layout.elements)
    if colour is not None:
        elements = [_coloured(e, colour) for e in elements]
    if logo is not None and not any(isinstance(e, ImageElement) and e.src == LOGO_SRC for e in elements):
        elements = _logo_beside_header(elements)
    if colour is None and logo is None:
        return layout
    images = {**layout.images, LOGO_SRC: logo} if logo is not None else layout.images
    return dataclasses.replace(layout, elements=tuple(elements), images=images)


def _coloured(element: Element, colour: str) -> Element:
    if isinstance(element, BandElement) and element.id == TYPE_BAND:
        return dataclasses.replace(element, color=colour)
    return element


def _logo_beside_header(elements: list[Element]) -> list[Element]:
    out: list[Element] = []
    for element in elements:
        if isinstance(element, TextElement) and element.id == HEADER:
            # At most three times as wide as high, and a third of the header.
            width = min(3 * element.height, element.width / 3)
            out.append(ImageElement(x=element.x, y=element.y, width=width, height=element.height,
                                    src=LOGO_SRC, id="logo"))
            moved = width + _GAP
            element = dataclasses.replace(element, x=element.x + moved, width=element.width - moved)
        out.append(element)
    return out
