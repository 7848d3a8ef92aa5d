"""Request schemas: they validate input and generate the OpenAPI document.

Unknown fields are refused (marshmallow's default), integers are strict,
times must carry an offset, and every string has a length limit.
"""
import re
from datetime import datetime, timezone

from apiflask import Schema
from apiflask.fields import AwareDateTime, Boolean, Decimal, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range, Regexp
from marshmallow import ValidationError, validates_schema

CODE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", error="letters, digits, . _ - (at most 32)")
SLUG = Regexp(r"^[a-z0-9][a-z0-9-]{0,63}$", error="lower-case letters, digits and - (at most 64)")

# A price is a number or a decimal string ("25.00"); the bounds are numbers in the schema, not strings.
PRICE_DOC = {"minimum": 0, "maximum": 1_000_000, "description": "0 to 1,000,000, two decimal places"}


def storable(value: str) -> None:
    """Refuse what no database stores as text: NUL and unpaired surrogates."""
    if "\x00" in value:
        raise ValidationError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("is not valid Unicode text") from None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(value: str) -> None:
    """Refuse control characters: no scanner or keyboard sends them in a code or name."""
    storable(value)
    if _CONTROL.search(value):
        raise ValidationError("contains control characters")


EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


def text(max_len: int, required: bool = False, **kw) -> String:
    return String(required=required, validate=[Length(1, max_len), printable], **kw)


def when(**kw) -> AwareDateTime:
    return AwareDateTime(format="iso", validate=Range(EARLIEST, LATEST), **kw)


def count(**kw) -> Integer:
    return Integer(strict=True, validate=Range(0, 10_000_000), **kw)


class Patch(Schema):
    """A PATCH body: every field optional, but at least one."""

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("nothing to change", "body")


class EventIn(Schema):
    slug = String(required=True, validate=SLUG)
    name = text(200, required=True)
    timezone = text(64, required=True)
    starts_at = when(required=True)
    ends_at = when(required=True)
    capacity = count(allow_none=True)


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


class HolderIn(Schema):
    name = text(200, required=True)
    email = String(validate=[Length(max=254), printable], allow_none=True)
    company = String(validate=[Length(max=200), printable], allow_none=True)


class TicketIn(Schema):
    external_id = String(validate=[Length(1, 128), printable], allow_none=True)
    type = String(required=True, validate=CODE)
    channel = String(validate=CODE, allow_none=True)
    holder = Nested(HolderIn, required=True)
    state = String(validate=OneOf(["valid", "pending"]))
    price = Decimal(places=2, as_string=True, validate=Range(0, 1_000_000), allow_none=True, metadata=PRICE_DOC)
    barcode = String(validate=[Length(1, 512), printable], allow_none=True)
    notes = String(validate=[Length(max=2000), storable], allow_none=True)
    require_attention = Boolean()


class ImportIn(Schema):
    tickets = List(Nested(TicketIn), required=True, validate=Length(1, 100_000))


class SearchQuery(Schema):
    q = String(required=True, validate=[Length(1, 200), printable])


class LedgerQuery(Schema):
    after = Integer(load_default=0, validate=Range(0, 2**62))
    limit = Integer(load_default=500, validate=Range(1, 5000))


class ScanIn(Schema):
    code = text(512, required=True)
    gate = String(required=True, validate=CODE)
    direction = String(validate=OneOf(["in", "out"]))
    nonce = String(validate=[Length(1, 64), printable])
    scanned_at = when()
    offline = Boolean()
    device = String(validate=[Length(1, 64), printable])


class ReasonIn(Schema):
    reason = text(500, required=True)


class TransferIn(Schema):
    holder = Nested(HolderIn, required=True)
    reason = text(500, required=True)


class TicketTypeOut(Schema):
    code = String()
    name = String()


class HolderOut(Schema):
    name = String()
    company = String(allow_none=True)


class GateTicketOut(Schema):
    id = Integer()
    type = Nested(TicketTypeOut)
    holder = Nested(HolderOut)
    badge_type = String()
    zones = List(String())
    channel = String(allow_none=True)
    require_attention = Boolean()
    notes = String(allow_none=True)


class FirstEntryOut(Schema):
    at = AwareDateTime()
    gate = String()
    gate_name = String()


class ScanPartOut(Schema):
    id = Integer()
    at = AwareDateTime()
    gate = String()
    direction = String()
    offline = Boolean()
    forced = Boolean()


class BadgeStateOut(Schema):
    needs_print = Boolean()
    prints = Integer()


class ScanAnswerOut(Schema):
    status = String(metadata={"enum": ["ok", "refused"]})
    reason = String(allow_none=True, metadata={"enum": [
        "invalid", "revoked", "void", "unpaid", "blocked", "not_admitted", "invalid_time",
        "duplicate", "wrong_event"]})
    message = String()
    repeat = Boolean()
    ticket = Nested(GateTicketOut, allow_none=True)
    first_entry = Nested(FirstEntryOut, allow_none=True)
    scan = Nested(ScanPartOut)
    badge = Nested(BadgeStateOut)
