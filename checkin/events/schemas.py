"""Set-up request schemas: events, ticket types, channels and gates."""
from apiflask import Schema
from apiflask.fields import Boolean, Decimal, Dict, List, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError

from ..schemas import CODE, PRICE_DOC, SLUG, Patch, count, text, when
from .languages import LANGUAGES


def languages(**kwargs) -> List:
    """The languages kiosks offer guests, the first the default: codes of LANGUAGES, each once."""
    return List(String(validate=OneOf(list(LANGUAGES))), validate=[Length(1, len(LANGUAGES)), _each_once],
                metadata={"description": f"kiosk languages, first the default: any of {', '.join(LANGUAGES)} "
                          "(default [\"en\"])"}, **kwargs)


def _each_once(codes: list) -> None:
    if len(set(codes)) != len(codes):
        raise ValidationError("each language once")


class EventIn(Schema):
    slug = String(required=True, validate=SLUG)
    name = text(200, required=True)
    timezone = text(64, required=True)
    starts_at = when(required=True)
    ends_at = when(required=True)
    capacity = count(allow_none=True)
    gate_pack_names = Boolean(metadata={"description": "put holders' names in the gate pack (default false)"})
    languages = languages()


class EventPatch(Patch):
    name = text(200)
    gate_pack_names = Boolean()
    languages = languages()


class TicketTypeIn(Schema):
    code = String(required=True, validate=CODE)
    name = text(120, required=True)
    price = Decimal(places=2, as_string=True, validate=Range(0, 1_000_000), metadata=PRICE_DOC)
    capacity = count(required=True)
    buffer = count()
    badge_type = text(32, required=True)
    zones = List(text(64), validate=Length(max=50))
    low_stock_at = count(allow_none=True)
    parent = String(validate=CODE, allow_none=True)
    frozen = Boolean()
    sale_starts_at = when(allow_none=True)
    sale_ends_at = when(allow_none=True)
    valid_from = when(allow_none=True)
    valid_until = when(allow_none=True)


class TicketTypePatch(TicketTypeIn, Patch):
    class Meta:
        exclude = ("code", "parent")


class ChannelIn(Schema):
    code = String(required=True, validate=CODE)
    name = text(120, required=True)
    uses_shared = Boolean()
    allocations = Dict(keys=String(validate=CODE), values=count(), validate=Length(max=200))


class ChannelPatch(ChannelIn, Patch):
    class Meta:
        exclude = ("code",)


class GateIn(Schema):
    code = String(required=True, validate=CODE)
    name = text(120, required=True)
    zone = text(64, required=True)
    admits = List(String(validate=CODE), required=True, validate=Length(1, 200))
    direction = String(validate=OneOf(["in", "out", "both"]))
    reentry = Boolean()
    opens_at = when(allow_none=True)
    closes_at = when(allow_none=True)


class GatePatch(GateIn, Patch):
    class Meta:
        exclude = ("code",)
