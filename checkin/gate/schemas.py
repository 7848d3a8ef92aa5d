"""The scan call's schemas: what a gate sends, and the answer it gets (for the OpenAPI document)."""
from apiflask import Schema
from apiflask.fields import AwareDateTime, Boolean, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from ..schemas import CODE, printable, text, when


class ScanIn(Schema):
    code = text(512, required=True)
    gate = String(required=True, validate=CODE)
    direction = String(validate=OneOf(["in", "out"]))
    nonce = String(validate=[Length(1, 64), printable])
    scanned_at = when()
    offline = Boolean()
    device = String(validate=[Length(1, 64), printable])


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
