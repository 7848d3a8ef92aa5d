"""Offline support: the gate pack and batch uploads of scans judged offline."""
from apiflask import Schema
from apiflask.fields import Integer, List, Nested, String
from apiflask.validators import Length, Range

from .. import admissions, offline
from ..auth import current
from . import bp
from .common import allowed
from .schemas import CODE, ScanIn


class PackQuery(Schema):
    gate = String(required=True, validate=CODE)
    since = Integer(load_default=0, validate=Range(0, 2**62))


class BatchIn(Schema):
    scans = List(Nested(ScanIn), required=True, validate=Length(1, 5000))


def _binding(gate):
    caller = current()
    admissions.check_gate_binding(gate, caller.event_id, caller.gate_id)


@bp.get("/events/<slug>/gate-pack")
@bp.auth_required(**allowed("scan"))
@bp.input(PackQuery, location="query")
def gate_pack(slug, query_data):
    """What a gate needs to judge offline: keys, tickets, cursor (pass it back as `since`)."""
    gate = admissions.gate_for(slug, query_data["gate"])
    _binding(gate)
    return offline.gate_pack(gate, query_data["since"])


@bp.post("/events/<slug>/scans/batch")
@bp.auth_required(**allowed("scan"))
@bp.input(BatchIn)
def scan_batch(slug, json_data):
    """Upload scans made offline; each is judged once (by nonce); conflicts come back flagged."""
    answers = offline.take_batch(slug, json_data["scans"], f"token:{current().token_id}", _binding)
    return {"scans": answers, "conflicts": sum(a["conflict"] for a in answers)}
