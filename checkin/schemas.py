"""What every request schema is built from: field rules, limits and the shared parts.

Each feature keeps its own schemas beside its views; they validate input and
generate the OpenAPI document.

Unknown fields are refused (marshmallow's default), integers are strict,
times must carry an offset, and every string has a length limit; every
integer, day and time has bounds.
"""
import re
from datetime import datetime, timezone

from apiflask import Schema
from apiflask.fields import AwareDateTime, Date, Integer, String
from apiflask.validators import Length, Range, Regexp
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


def calendar_day(**kw) -> Date:
    """A calendar day (YYYY-MM-DD) within the years the service keeps."""
    return Date(validate=Range(EARLIEST.date(), LATEST.date()), **kw)


def count(**kw) -> Integer:
    return Integer(strict=True, validate=Range(0, 10_000_000), **kw)


class Patch(Schema):
    """A PATCH body: every field optional, but at least one."""

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("nothing to change", "body")


class HolderIn(Schema):
    name = text(200, required=True)
    email = String(validate=[Length(max=254), printable], allow_none=True)
    company = String(validate=[Length(max=200), printable], allow_none=True)


class ReasonIn(Schema):
    reason = text(500, required=True)
