"""The gate's call: judge a scan; and a supervisor's annulment."""
from .. import admissions
from ..auth import check_gate, current
from ..setup import gate_by_code
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
    event = load_event(slug)
    gate = gate_by_code(event, json_data.pop("gate"))
    check_gate(gate)
    device = json_data.get("device") or f"token:{current().token_id}"
    return admissions.judge(event, gate, admissions.ScanRequest(**json_data), device)


@bp.post("/events/<slug>/scans/<int(max=2147483647):scan_id>/annul")
@bp.auth_required(**allowed("annul"))
@bp.input(ReasonIn)
def annul_scan(slug, scan_id, json_data):
    """Undo an admitted scan, with a reason; the ticket is outside again."""
    return admissions.annul(load_event(slug), scan_id, json_data["reason"], actor())
