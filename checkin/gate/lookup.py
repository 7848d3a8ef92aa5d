"""From scanned text to a ticket row: our signed codes first, then foreign barcodes; or a ticket staff picked."""
from datetime import datetime

from sqlalchemy import select

from scanner.rules import INVALID, code_reason

from ..driver import Row
from ..extensions import db
from ..models import SigningKey
from ..tickets import codes
from .queries import TICKET_BY_BARCODE, TICKET_BY_ID, TICKET_BY_SERIAL, run

_keys: dict[int, tuple[int, codes.Signer]] = {}


def _key(kid: int) -> tuple[int, codes.Signer] | None:
    # Keys never change once made, so a found key is kept for the process life;
    # unknown ids are not kept, so a key made later on another node is found.
    if kid not in _keys:
        row = db.session.execute(select(SigningKey.event_id, SigningKey.private_key)
                                 .where(SigningKey.kid == kid)).first()
        if row is None:
            return None
        _keys[kid] = (row.event_id, codes.Signer(kid, row.private_key))
    return _keys[kid]


def resolve(event_id: int, text: str, since: datetime) -> tuple[Row | None, str | None]:
    """The ticket a code names (with `recent_scan_id`, its latest scan since `since`)
    and why it cannot be used as is, if so (scanner.rules.code_reason).

    Reasons: invalid (unknown, malformed or forged), wrong_event, revoked
    (an older generation; the row returned is the ticket as it is now).
    """
    claim = codes.peek(text)
    if claim is None:
        return _foreign(event_id, text, since)
    key = _key(claim.kid)
    if key is None or not key[1].issued(claim):
        return None, code_reason(known=False)
    if key[0] != event_id:
        return None, code_reason(known=True, own_event=False)
    ticket = run(TICKET_BY_SERIAL, event_id=event_id, serial=claim.serial, since=since).first()
    reason = code_reason(known=True, generation=claim.generation, current=ticket.generation if ticket else None)
    return (None if reason == INVALID else ticket), reason


def _foreign(event_id: int, text: str, since: datetime) -> tuple[Row | None, str | None]:
    ticket = run(TICKET_BY_BARCODE, event_id=event_id, code=text, since=since).first()
    if ticket is None:
        return None, code_reason(known=False)
    return ticket, code_reason(known=True, generation=ticket.barcode_generation, current=ticket.generation)


def resolve_ticket(event_id: int, ticket_id: int, since: datetime) -> tuple[Row | None, str | None]:
    """The ticket staff picked for a manual scan, as resolve() reads it; no such ticket here is `invalid`.

    Staff pick the ticket as it is now, so a manual scan is never `revoked`.
    """
    ticket = run(TICKET_BY_ID, event_id=event_id, ticket_id=ticket_id, since=since).first()
    return ticket, (None if ticket is not None else code_reason(known=False))
