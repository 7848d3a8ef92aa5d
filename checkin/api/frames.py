"""Tablets send camera frames; the server finds the code and judges it."""
from apiflask import Schema
from apiflask.fields import Boolean, File, String
from apiflask.validators import FileSize, Length, OneOf

import scanner

from .. import admissions
from ..auth import current
from ..errors import Invalid
from . import bp
from .common import allowed
from .schemas import CODE, ScanAnswerOut, printable

MAX_FRAME = "8 MiB"


class FrameIn(Schema):
    image = File(required=True, validate=FileSize(max=MAX_FRAME))
    gate = String(required=True, validate=CODE)
    direction = String(validate=OneOf(["in", "out"]))
    nonce = String(validate=[Length(1, 64), printable])
    device = String(validate=[Length(1, 64), printable])
    offline = Boolean()


@bp.post("/events/<slug>/scans/frame")
@bp.auth_required(**allowed("scan"))
@bp.input(FrameIn, location="form_and_files")
@bp.doc(responses={200: {"description": "The judged scan, or {\"status\": \"no_code\"}",
                         "content": {"application/json": {"schema": ScanAnswerOut}}}})
def scan_frame(slug, form_and_files_data):
    """Decode a camera frame (PNG or JPEG) and judge the first code in it."""
    data = form_and_files_data
    try:
        # Decoding is the expensive part; it runs before any database work.
        texts = scanner.decode_bytes(data.pop("image").read())
    except ValueError as error:
        raise Invalid(f"image: {error}", {"image": [str(error)]}) from None
    caller = current()
    gate = admissions.gate_for(slug, data.pop("gate"))
    admissions.check_gate_binding(gate, caller.event_id, caller.gate_id)
    if not texts:
        return {"status": "no_code"}
    device = data.get("device") or f"token:{caller.token_id}"
    return admissions.judge(gate, admissions.ScanRequest(code=texts[0][:512], **data), device)
