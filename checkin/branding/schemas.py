"""Request schemas for an event's branding and layouts."""
from apiflask import Schema
from apiflask.fields import Boolean, Dict, File, Integer, String
from apiflask.validators import Length, Range, Regexp

from ..schemas import text

COLOUR = Regexp(r"^#[0-9A-Fa-f]{6}$", error="a colour like '#1A2B3C'")


class LogoIn(Schema):
    logo = File(required=True, metadata={"description": "PNG or JPEG, at most 1 MB, 16 to 4000 pixels a side"})


class ColoursIn(Schema):
    colours = Dict(keys=text(32), values=String(validate=COLOUR), required=True, validate=Length(max=100),
                   metadata={"description": "badge type -> '#RRGGBB' for its band; the whole map is replaced"})


class LayoutIn(Schema):
    layout = Dict(required=True, metadata={"description": "a layout document (badges/layout.schema.json)"})
    note = text(200, allow_none=True)
    activate = Boolean(load_default=True, metadata={"description": "print with it from now on (default)"})


class ActivateIn(Schema):
    version = Integer(strict=True, required=True, allow_none=True, validate=Range(1, 2**31 - 1),
                      metadata={"description": "the version to print with; null: the next layout down"})
    reprint = Boolean(load_default=False,
                      metadata={"description": "mark badges printed before for reprint (default: none are)"})


class PreviewIn(Schema):
    ticket_id = Integer(strict=True, required=True, validate=Range(1, 2**31 - 1))
    layout = Dict(allow_none=True, metadata={"description": "a draft to preview; none: the layout that prints"})
    dpi = Integer(strict=True, load_default=110, validate=Range(48, 300))
