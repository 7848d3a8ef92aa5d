"""The gate's call: judge a scan; and a supervisor's annulment."""
from .. import admissions, annulment
from ..auth import current
from . import bp
from .common import actor, allowed, load_event
from .schemas import ReasonIn, ScanAnswerOut, ScanIn

_ANSWER = {200: {"description": "The judged scan", "content": {"application/json": {"schema": ScanAnswerOut}}}}


@bp.post("/events/<slug>/scans")
@bp.auth_required(**allowed("scan"))
@bp.input(ScanIn)
@bp.doc(responses=_ANSWER)
def scan(slug, json_data):
    """Judge one scan; refusals are answers too (200, status refused)."""
    caller = current()
    gate = admissions.gate_for(slug, json_data.pop("gate"))
    admissions.check_gate_binding(gate, caller.event_id, caller.gate_id)
    device = json_data.get("device") or f"token:{caller.token_id}"
    return admissions.judge(gate, admissions.ScanRequest(**json_data), device)


@bp.post("/events/<slug>/scans/<int(max=2147483647):scan_id>/annul")
@bp.auth_required(**allowed("annul"))
@bp.input(ReasonIn)
def annul_scan(slug, scan_id, json_data):
    """Undo an admitted scan, with a reason; the ticket is outside again."""
    return annulment.annul(load_event(slug), scan_id, json_data["reason"], actor())
