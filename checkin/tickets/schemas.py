"""Ticket request schemas: bulk import, search and transfers."""
from apiflask import Schema
from apiflask.fields import Boolean, Decimal, List, Nested, String
from apiflask.validators import Length, OneOf, Range

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
