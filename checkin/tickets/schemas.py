"""Ticket request schemas: bulk import, search, transfers and corrections."""
from apiflask import Schema
from apiflask.fields import Boolean, Decimal, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError, validates_schema

from ..schemas import CODE, PRICE_DOC, HolderIn, printable, storable, text


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


class TransferIn(Schema):
    holder = Nested(HolderIn, required=True)
    reason = text(500, required=True)


class CorrectedHolderIn(Schema):
    """The details to correct; a field left out stays as it is."""

    name = text(200, metadata={"description": "the holder's name as it should be spelt"})
    company = String(validate=[Length(max=200), printable], allow_none=True,
                     metadata={"description": "the company as it should be written; null or empty: none"})

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("name or company to correct", "name")
        if "name" in data and not data["name"].strip():
            raise ValidationError("must not be blank", "name")


class SeenHolderIn(Schema):
    name = text(200)
    company = String(validate=[Length(max=200), printable], allow_none=True)


class CorrectionIn(Schema):
    holder = Nested(CorrectedHolderIn, required=True)
    reason = text(500, required=True)
    before = Nested(SeenHolderIn, metadata={
        "description": "the details as the clerk saw them; if they changed since, 409 and nothing changes"})
    # Only JSON true or false: an approval is never read from "yes" or 1.
    approve = Boolean(truthy={True}, falsy={False},
                      metadata={"description": "a supervisor approves a change larger than a correction"})
