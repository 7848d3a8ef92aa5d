"""Request schemas of the box office: sales, upgrades, capacity moves, emergency pools, review.

Same rules as schemas.py: unknown fields refused, strict integers, times
with an offset, every string limited and printable.
"""
from apiflask import Schema
from apiflask.fields import Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from ..models import SALE_STATES
from ..schemas import CODE, HolderIn, calendar_day, printable, text, when

MAX_PER_SALE = 100


class PaymentIn(Schema):
    method = String(required=True, validate=OneOf(["cash", "card", "upi"]))
    reference = String(validate=[Length(1, 128), printable], allow_none=True)


class SaleIn(Schema):
    type = String(required=True, validate=CODE)
    quantity = Integer(strict=True, validate=Range(1, MAX_PER_SALE))
    channel = String(validate=CODE, allow_none=True)
    holders = List(Nested(HolderIn), validate=Length(max=MAX_PER_SALE))
    payment = Nested(PaymentIn, required=True)
    admit_at = String(validate=CODE, allow_none=True, metadata={"description": "admit the buyers at this gate now"})
    nonce = String(validate=[Length(1, 64), printable], metadata={"description": "a retry with it sells nothing twice"})


class ConfirmIn(Schema):
    reference = String(validate=[Length(1, 128), printable], allow_none=True)


class CancelIn(Schema):
    reason = String(validate=[Length(1, 500), printable], allow_none=True)


class SalesQuery(Schema):
    state = String(validate=OneOf(SALE_STATES))


class UpgradeIn(Schema):
    to_type = String(required=True, validate=CODE)
    payment = Nested(PaymentIn, allow_none=True)
    reason = String(validate=[Length(1, 500), printable], allow_none=True)


class BufferReleaseIn(Schema):
    quantity = Integer(strict=True, required=True, validate=Range(1, 10_000_000))
    reason = text(500, required=True)


class QuotaMoveIn(Schema):
    type = String(required=True, validate=CODE)
    from_channel = String(required=True, validate=CODE, data_key="from")
    to_channel = String(required=True, validate=CODE, data_key="to")
    quantity = Integer(strict=True, required=True, validate=Range(1, 10_000_000))
    reason = text(500, required=True)


class PoolIn(Schema):
    device = text(64, required=True)
    type = String(required=True, validate=CODE)
    channel = String(validate=CODE, allow_none=True)
    quantity = Integer(strict=True, required=True, validate=Range(1, 200))


class PoolSaleIn(Schema):
    nonce = text(64, required=True)
    type = String(required=True, validate=CODE)
    quantity = Integer(strict=True, validate=Range(1, MAX_PER_SALE))
    holders = List(Nested(HolderIn), validate=Length(max=MAX_PER_SALE))
    payment = Nested(PaymentIn, required=True)
    sold_at = when(required=True)


class PoolSalesIn(Schema):
    device = text(64, required=True)
    sales = List(Nested(PoolSaleIn), required=True, validate=Length(1, 500))


class ReviewQuery(Schema):
    day = calendar_day(metadata={"description": "the event's local day, YYYY-MM-DD; default today"})
