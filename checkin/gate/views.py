"""The gate's calls: judge a scan (typed, from a camera frame, or manual: a ticket found by search),
find a guest to admit by hand, the offline gate pack and batch uploads, and a supervisor's annulment."""
from apiflask import Schema
from apiflask.fields import Boolean, File, Integer, List, Nested, String
from apiflask.validators import FileSize, Length, OneOf, Range
from flask import current_app

from ..api import actor, allowed, bp, load_event, may
from ..auth import current
from ..bodies import body_limit
from ..db import reading_only
from ..errors import Forbidden, problem
from ..extensions import db
from ..frames import decode_frame
from ..schemas import CODE, ReasonIn, printable
from . import admissions, annulment, guests, offline, throttle, wire
from .schemas import GuestQuery, ScanAnswerOut, ScanIn

_ANSWER = {200: {"description": "The judged scan", "content": {"application/json": {"schema": ScanAnswerOut}}}}


@bp.post("/events/<slug>/scans")
@bp.auth_required(**allowed("scan", "checkin.admit"))
@bp.input(ScanIn)
@bp.doc(responses=_ANSWER)
def scan(slug, json_data):
    """Judge one scan, or a manual scan (`ticket_id` instead of `code`); refusals are answers too (200)."""
    caller = current()
    if "code" in json_data and not may("scan"):
        raise Forbidden("This token's role may admit a ticket found by search (ticket_id), not scan codes.")
    gate = admissions.gate_for(slug, json_data.pop("gate"))
    admissions.check_gate_binding(gate, caller.event_id, caller.gate_id)
    device = json_data.get("device") or f"token:{caller.token_id}"
    throttle.check(gate.event_id, device)
    answer = admissions.judge(gate, admissions.ScanRequest(**json_data, actor=caller.actor), device)
    throttle.noted(gate, device, [answer])
    return answer


@bp.app_errorhandler(throttle.TooManyInvalid)
def _throttled(error: throttle.TooManyInvalid):
    resp = problem(error.status, error.title, error.detail, retry_after=error.retry_after)
    resp.headers["Retry-After"] = str(error.retry_after)
    return resp


@bp.get("/events/<slug>/checkin/search")
@bp.auth_required(**allowed("checkin.search"))
@bp.input(GuestQuery, location="query")
def search_guests(slug, query_data):
    """Find guests to check in without a code: name, email, serial (#3001), external id, code or barcode."""
    if not may("tickets.read") and current().event_id is None:
        raise Forbidden("This token may search only its own event's guests: it needs one (--event).")
    return guests.find(load_event(slug), query_data["q"], masked=not may("tickets.read"))


@bp.post("/events/<slug>/scans/<int(max=2147483647):scan_id>/annul")
@bp.auth_required(**allowed("annul"))
@bp.input(ReasonIn)
def annul_scan(slug, scan_id, json_data):
    """Undo an admitted scan, with a reason; the ticket is outside again."""
    return annulment.annul(load_event(slug), scan_id, json_data["reason"], actor())


MAX_FRAME = "8 MiB"


class FrameIn(Schema):
    image = File(required=True, validate=FileSize(max=MAX_FRAME))
    gate = String(required=True, validate=CODE)
    direction = String(validate=OneOf(["in", "out"]))
    nonce = String(validate=[Length(1, 64), printable])
    device = String(validate=[Length(1, 64), printable])
    offline = Boolean()


@bp.post("/events/<slug>/scans/frame")
@body_limit(9 * 1024 * 1024)  # the frame and its form fields
@bp.auth_required(**allowed("scan"))
@bp.input(FrameIn, location="form_and_files")
@bp.doc(responses={200: {"description": "The judged scan, or {\"status\": \"no_code\"} (with a `hint` when a "
                                        "code showed but did not decode)",
                         "content": {"application/json": {"schema": ScanAnswerOut}}}})
def scan_frame(slug, form_and_files_data):
    """Decode a camera frame (PNG, JPEG, WebP or BMP) and judge the first code in it."""
    data = form_and_files_data
    # Decoding is the expensive part; it runs before any database work.
    reading = decode_frame(data.pop("image").read(), float(current_app.config["FRAME_WAIT_SECONDS"]))
    texts = reading.texts
    caller = current()
    gate = admissions.gate_for(slug, data.pop("gate"))
    admissions.check_gate_binding(gate, caller.event_id, caller.gate_id)
    if not texts:
        # A code seen but not read: what would help ("hold still", "move closer", ...; scanner.pipeline.Sighting).
        return {"status": "no_code", "hint": reading.hint} if reading.hint else {"status": "no_code"}
    device = data.get("device") or f"token:{caller.token_id}"
    throttle.check(gate.event_id, device)
    answer = admissions.judge(gate, admissions.ScanRequest(code=texts[0][:512], **data), device)
    throttle.noted(gate, device, [answer])
    return answer


class PackQuery(Schema):
    gate = String(required=True, validate=CODE)
    since = Integer(load_default=0, validate=Range(0, 2**62))
    format = Integer(load_default=1, validate=OneOf([1, 2]), metadata={
        "description": "1: one object per ticket (the default, as ever); 2: one array per field, "
                       "several times smaller (see checkin/gate/offline.py)"})


class BatchIn(Schema):
    scans = List(Nested(ScanIn), required=True, validate=Length(1, 5000))


def _binding(gate):
    caller = current()
    admissions.check_gate_binding(gate, caller.event_id, caller.gate_id)


@bp.get("/events/<slug>/gate-pack")
@bp.auth_required(**allowed("scan"))
@bp.input(PackQuery, location="query")
@bp.doc(responses={200: {"description": "The pack, compressed as Accept-Encoding asks (br, gzip), with an ETag",
                         "content": {"application/json": {}}},
                   304: {"description": "Unchanged: If-None-Match holds this answer's ETag"}})
def gate_pack(slug, query_data):
    """What a gate needs to judge offline: keys, tickets, cursor (pass it back as `since`).
    Send the last answer's ETag as If-None-Match: an unchanged pack is a 304 without a body."""
    # It only reads, for up to a second or two at 100,000 tickets: on SQLite scans must not wait for it.
    db.session.rollback()  # nothing is written here: whatever the request began ends, so the next begins as a read
    with reading_only():
        gate = admissions.gate_for(slug, query_data["gate"])
        _binding(gate)
        return wire.pack_response(*offline.pack_parts(gate, query_data["since"], query_data["format"]))


@bp.post("/events/<slug>/scans/batch")
@body_limit(8 * 1024 * 1024)  # 5,000 scans
@bp.auth_required(**allowed("scan"))
@bp.input(BatchIn)
def scan_batch(slug, json_data):
    """Upload scans made offline; each is judged once (by nonce); conflicts come back flagged.
    A refused item refuses the whole batch (`scans.N.field`, `item`: N) and nothing is stored."""
    caller = current()
    device = f"token:{caller.token_id}"
    # All or nothing: every item passes its checks (naming the first bad one) before any is judged.
    checked = offline.check_batch(slug, json_data["scans"], device, _binding, caller.actor)
    gate = checked[0][0]
    throttle.check(gate.event_id, device)  # each item's invalid codes count below, against the token
    answers = offline.judge_batch(checked)
    throttle.noted(gate, device, answers)
    return {"scans": answers, "conflicts": sum(a["conflict"] for a in answers)}
