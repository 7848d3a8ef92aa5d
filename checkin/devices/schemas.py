"""Request schemas for pairing and token management."""
from apiflask import Schema
from apiflask.fields import File, Integer, String
from apiflask.validators import FileSize, Length, OneOf, Range
from marshmallow import ValidationError

from ..auth import ROLES
from ..schemas import CODE, printable, text
from .pairing import well_formed
from .tokens import DURATION_HELP, STATES, parse_duration

MAX_FRAME = "2 MiB"  # a camera frame scaled to 1280 px is far less; this endpoint answers anyone


def pairing_code(value: str) -> None:
    """Refuse what cannot be a pairing code, before it counts as a wrong try."""
    printable(value)
    if not well_formed(value):
        raise ValidationError("eight letters and digits, such as ABCD-EFGH")


def duration(value: str) -> None:
    """Refuse a duration parse_duration cannot read."""
    try:
        parse_duration(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None


class PairingCodeIn(Schema):
    role = String(required=True, validate=OneOf(ROLES))
    gate = String(validate=CODE, allow_none=True, metadata={"description": "required for the gate role"})
    name = text(100, allow_none=True, metadata={"description": "the name the device's token will carry"})
    minutes = Integer(strict=True, validate=Range(1, 120), metadata={"description": "how long the code works"})
    token_expires_in = String(validate=[Length(1, 16), duration], allow_none=True,
                              metadata={"description": f"how long the device's token works: {DURATION_HELP}"})


class PairIn(Schema):
    code = String(required=True, validate=[Length(1, 32), pairing_code])


class PairFrameIn(Schema):
    image = File(required=True, validate=FileSize(max=MAX_FRAME))


class TokenQuery(Schema):
    state = String(load_default="active", validate=OneOf(STATES))
