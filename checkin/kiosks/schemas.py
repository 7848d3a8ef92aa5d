"""Kiosk request schemas: the scanned code, the guest's own correction, the screen's state, staff's settings."""
from apiflask import Schema
from apiflask.fields import Boolean, Nested, String
from apiflask.validators import Length, OneOf

from ..models import KIOSK_STATES
from ..schemas import CODE, printable
from ..tickets.schemas import CorrectedHolderIn

SCANNED = {"description": "the code the guest scanned (ours or a foreign barcode)"}


class ScannedIn(Schema):
    code = String(required=True, validate=[Length(1, 512), printable], metadata=SCANNED)


class KioskCorrectionIn(Schema):
    code = String(required=True, validate=[Length(1, 512), printable], metadata=SCANNED)
    holder = Nested(CorrectedHolderIn, required=True)


class KioskHereIn(Schema):
    state = String(required=True, validate=OneOf(KIOSK_STATES))


class KioskSettingsIn(Schema):
    admit_at = String(required=True, validate=CODE, allow_none=True,
                      metadata={"description": "printing here also admits at this entry gate; null: only prints"})


class TakeOverIn(Schema):
    taken = Boolean(required=True, truthy={True}, falsy={False},
                    metadata={"description": "true: staff take the kiosk over; false: hand it back"})
