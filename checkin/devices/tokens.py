"""Tokens as the devices that hold them: list them, name them, give them an end, revoke them.

Revoking sets `revoked_at` with a guarded UPDATE: every request reads its
token's row (see auth.py), so the token stops at once on every node that
shares the database. Live sockets check their token only when they connect,
so the revocation also tells the live hub, which closes that token's open
sockets on every node after the commit (live/signouts.py).
"""
import re
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import aliased

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models import ApiToken, Event, Gate, utcnow
from .pairing import may_pair

DURATION = re.compile(r"^(?=\d)(?:(\d{1,3})d)?(?:(\d{1,4})h)?(?:(\d{1,6})m)?$")
DURATION_HELP = "a duration such as 30m, 12h, 7d or 1d12h"
LONGEST = timedelta(days=366)
STATES = ("active", "all")


def parse_duration(text: str) -> timedelta:
    """'90m', '12h', '7d', '1d12h' -> a timedelta of at most a year; ValueError otherwise."""
    match = DURATION.match(text.strip().lower())
    if not match:
        raise ValueError(DURATION_HELP)
    days, hours, minutes = (int(part or 0) for part in match.groups())
    span = timedelta(days=days, hours=hours, minutes=minutes)
    if not timedelta(minutes=1) <= span <= LONGEST:
        raise ValueError("between 1 minute and 366 days")
    return span


def state_of(token: ApiToken, now: datetime) -> str:
    """'revoked', 'expired' or 'active'."""
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at is not None and token.expires_at <= now else "active"


def describe(token: ApiToken, event_slug: str | None, gate_code: str | None, now: datetime | None = None) -> dict:
    """A token as lists and screens show it (never its secret, which is not kept)."""
    return {"id": token.id, "name": token.name, "role": token.role, "event": event_slug, "gate": gate_code,
            "created_at": when(token.created_at), "created_by": token.created_by,
            "expires_at": when(token.expires_at), "last_used_at": when(token.last_used_at),
            "revoked_at": when(token.revoked_at), "state": state_of(token, now or utcnow())}


def when(moment: datetime | None) -> str | None:
    """A time for JSON, or None."""
    return moment.isoformat() if moment else None


def _with_names():
    gate = aliased(Gate)
    return (select(ApiToken, Event.slug, gate.code).outerjoin(Event, Event.id == ApiToken.event_id)
            .outerjoin(gate, gate.id == ApiToken.gate_id))


def list_tokens(event_id: int | None = None, state: str = "all") -> list[dict]:
    """Tokens, newest first: all of them, or one event's; only working ones with state='active'."""
    now = utcnow()
    query = _with_names().order_by(ApiToken.id.desc())
    if event_id is not None:
        query = query.where(ApiToken.event_id == event_id)
    if state == "active":
        query = query.where(ApiToken.revoked_at.is_(None),
                            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now))
    return [describe(token, slug, gate, now) for token, slug, gate in db.session.execute(query)]


def token_info(token_id: int) -> dict:
    """One token as describe() shows it."""
    found = db.session.execute(_with_names().where(ApiToken.id == token_id)).first()
    if found is None:
        raise NotFound(f"no token {token_id}")
    return describe(*found)


def revoke(token_id: int, event_id: int | None = None, by_role: str | None = None) -> dict:
    """Revoke a token now (again is no error), if it is the event's and of a role by_role may pair."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (event_id is not None and token.event_id != event_id):
        raise NotFound(f"no token {token_id} in this event" if event_id else f"no token {token_id}")
    if by_role is not None and not may_pair(by_role, token.role):
        raise Forbidden(f"A {by_role} token may not revoke a {token.role} token.")
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    db.session().outbox.token_revoked(token_id)  # again too: a socket may have connected just before
    db.session.commit()
    db.session.refresh(token)
    return token_info(token_id)
