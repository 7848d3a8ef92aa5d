"""Supervisor moves on capacity: releasing buffer seats, moving quota between channels.

Both are guarded UPDATEs (ledger.release_buffer, ledger.move_quota) and a
ledger entry with who and why; neither can strand a seat already sold.
"""
from flask import current_app

from ..errors import Conflict, Invalid, SoldOut
from ..events.setup import channel_by_code, type_by_code
from ..extensions import db
from ..models import Event, TicketType
from ..reports.recount import inventory
from ..sales.changes import in_freeze_window
from .ledger import journal
from .ledger import move_quota as move_quota_stock
from .ledger import release_buffer as release_buffer_stock


def release_buffer(event: Event, type_code: str, quantity: int, reason: str, actor: str) -> dict:
    """Make part of a type's hidden buffer sellable; answers the type's inventory."""
    ttype = type_by_code(event, type_code)
    before = db.session.get(TicketType, ttype.id, populate_existing=True).buffer
    try:
        release_buffer_stock(ttype, quantity)
    except SoldOut:
        db.session.rollback()
        raise
    journal(event.id, actor, "type.buffer_release", type_id=ttype.id, quantity=0, reason=reason,
            before={"buffer": before}, after={"buffer": before - quantity, "released": quantity})
    db.session.commit()
    return _type_inventory(event, ttype.code)


def move_quota(event: Event, data: dict, actor: str, supervisor: bool) -> dict:
    """Move unsold quota of one type from a channel to another; near the event only a supervisor may."""
    ttype = type_by_code(event, data["type"])
    source = channel_by_code(event, data["from_channel"], field="from")
    target = channel_by_code(event, data["to_channel"], field="to")
    if source.id == target.id:
        raise Invalid("from and to are the same channel", {"to": ["same as from"]})
    window = in_freeze_window(event, current_app.config["QUOTA_FREEZE_MINUTES"])
    if window and not supervisor:
        raise Conflict("quota moves this close to the event need a supervisor",
                       {"quantity": ["quota freeze window: supervisor approval needed"]}, reason="frozen")
    try:
        move_quota_stock(ttype, source, target, data["quantity"])
    except SoldOut:
        db.session.rollback()
        raise
    journal(event.id, actor, "quota.move", type_id=ttype.id, channel_id=target.id, quantity=0,
            reason=data["reason"], before={"from": source.code},
            after={"to": target.code, "quantity": data["quantity"],
                   **({"approved_by": actor, "approved": ["freeze window"]} if window else {})})
    db.session.commit()
    return _type_inventory(event, ttype.code)


def _type_inventory(event: Event, code: str) -> dict:
    return next(t for t in inventory(event)["types"] if t["code"] == code)
