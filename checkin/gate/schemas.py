"""The scan call's schemas: what a gate sends, and the answer it gets (for the OpenAPI document)."""
from apiflask import Schema
from apiflask.fields import AwareDateTime, Boolean, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError, validates_schema

from ..schemas import CODE, printable, text, when

NOTE_MAX = 500


class ScanIn(Schema):
    """A code read at a gate, or a manual scan: `ticket_id` (found by search) instead of `code`, and a note."""

    code = text(512, metadata={"description": "The text read; exactly one of code and ticket_id"})
    ticket_id = Integer(strict=True, validate=Range(1, 2**31 - 1),
                        metadata={"description": "A manual scan: the ticket staff found by search"})
    note = text(NOTE_MAX, metadata={"description": "Why staff admitted by hand (manual scans only)"})
    gate = String(required=True, validate=CODE)
    direction = String(validate=OneOf(["in", "out"]))
    nonce = String(validate=[Length(1, 64), printable])
    scanned_at = when()
    offline = Boolean()
    device = String(validate=[Length(1, 64), printable])

    @validates_schema
    def _code_or_ticket(self, data, **kwargs):
        if ("code" in data) == ("ticket_id" in data):
            raise ValidationError("give exactly one of code (a scan) and ticket_id (a manual scan)", "code")
        if "note" in data and "ticket_id" not in data:
            raise ValidationError("a note goes with a manual scan (ticket_id)", "note")


class GuestQuery(Schema):
    q = String(required=True, validate=[Length(1, 200), printable],
               metadata={"description": "Name, email, serial (#3001), external id, code or barcode"})


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
    manual = Boolean()
    note = String(allow_none=True)


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
