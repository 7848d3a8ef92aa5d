"""Bearer tokens and roles.

Tokens are 256 random bits shown once; the server keeps only their SHA-256.
A fast hash is the right tool here: the secret has full entropy, so there is
nothing to brute-force, and a slow password hash would cost every scan.

Every request reads its token's row (one indexed lookup, run straight on the
driver), so a revoked or expired token stops at once, on every node sharing the
database; no cache has to be told. On SQLite that read runs outside any
transaction, so checking a token never waits for, nor holds, the writer lock.
"""
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from apiflask import HTTPTokenAuth
from flask import g
from flask.sessions import SessionInterface
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import OperationalError

from . import driver
from .db import waiting_for_writer
from .errors import Forbidden, Invalid, NotFound, problem
from .extensions import db
from .models import ApiToken, Event, Gate, utcnow

log = logging.getLogger(__name__)

ROLES = ("admin", "supervisor", "box_office", "badge_desk", "gate", "viewer", "kiosk")

# Who may do what; views name the permission, never the roles.
PERMISSIONS = {
    "setup": {"admin"},
    "import": {"admin"},
    "scan": {"admin", "supervisor", "gate"},
    "annul": {"admin", "supervisor"},
    "tickets.read": {"admin", "supervisor", "box_office", "badge_desk"},  # and see holders' emails in full
    # Check in without a code: find a guest, admit the ticket as a manual scan. A role
    # without tickets.read searches only with a token bound to an event, emails masked.
    "checkin.search": {"admin", "supervisor", "box_office", "badge_desk", "gate"},
    "checkin.admit": {"admin", "supervisor", "box_office", "badge_desk", "gate"},
    "tickets.change": {"admin", "supervisor", "box_office"},
    "tickets.correct": {"admin", "supervisor", "box_office", "badge_desk"},  # holder details, code kept
    "counts.read": set(ROLES),
    "ledger.read": {"admin", "supervisor"},
    "sales": {"admin", "supervisor", "box_office"},
    "changes.approve": {"admin", "supervisor"},  # transfers and quota moves inside a freeze window
    "stock.manage": {"admin", "supervisor"},  # release buffer, emergency pools
    "quota.move": {"admin", "supervisor", "box_office"},
    "review.read": {"admin", "supervisor"},
    "badges.print": {"admin", "supervisor", "box_office", "badge_desk"},
    "badges.layout": {"admin", "supervisor", "badge_desk"},  # choose a layout other than the type's own
    "badges.brand": {"admin", "supervisor"},  # an event's logo, colours and own layouts
    # Send a ticket's badge to a desk's printer ("print badge now" after a walk-in sale).
    "badges.send": {"admin", "supervisor", "box_office", "badge_desk"},
    "alerts.read": set(ROLES),  # alerts carry no personal data
    "alerts.ack": {"admin", "supervisor"},
    "alerts.settings": {"admin", "supervisor"},  # the webhook URL is a secret: not for every role
    "devices.manage": {"admin", "supervisor"},  # pair devices, list and revoke tokens
    "printers.manage": {"admin", "supervisor"},  # add and remove an event's printers
    "printers.agent": {"admin", "supervisor", "badge_desk"},  # a desk's print agent takes and reports jobs
    "kiosk.serve": {"kiosk"},  # a guest's own ticket, shown the code: check, correct, print
    "kiosks.watch": {"admin", "supervisor", "box_office", "badge_desk"},  # each kiosk's state; take one over
    "kiosks.manage": {"admin", "supervisor"},  # whether a kiosk's print also admits, and where
}


class NoCookieSession(SessionInterface):
    """Every call carries its bearer token, so no cookie session is opened, signed or sent."""

    def open_session(self, app, request):
        return None  # Flask then hands views its read-only null session

    def save_session(self, app, session, response) -> None:
        pass


auth = HTTPTokenAuth(scheme="Bearer", description="A token from `gate token create`.")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, role and bindings."""

    token_id: int
    role: str
    event_id: int | None
    gate_id: int | None

    @property
    def actor(self) -> str:
        return f"token:{self.token_id}:{self.role}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(role: str, event_slug: str | None = None, gate_code: str | None = None,
                 name: str | None = None, expires_at: datetime | None = None, created_by: str | None = None) -> str:
    """Store a new token's hash and return the token itself (shown once)."""
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; one of {', '.join(ROLES)}", {"role": ["unknown role"]})
    event = gate = None
    if event_slug:
        event = db.session.scalar(select(Event).where(Event.slug == event_slug))
        if event is None:
            raise NotFound(f"no event {event_slug!r}")
    if gate_code:
        if event is None:
            raise Invalid("a gate token needs --event", {"event": ["required with gate"]})
        gate = db.session.scalar(select(Gate).where(Gate.event_id == event.id, Gate.code == gate_code))
        if gate is None:
            raise NotFound(f"no gate {gate_code!r} in {event_slug!r}")
    token, _row = new_token(role, event.id if event else None, gate.id if gate else None, name, expires_at,
                            created_by)
    db.session.commit()
    return token


def new_token(role: str, event_id: int | None, gate_id: int | None, name: str | None,
              expires_at: datetime | None, created_by: str | None) -> tuple[str, ApiToken]:
    """Add a token's row to the session (the caller commits); returns the token and the row."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(token_hash=hash_token(token), role=role, event_id=event_id, gate_id=gate_id, name=name,
                   expires_at=expires_at, created_by=created_by)
    db.session.add(row)
    db.session.flush()
    return token, row


_LOOKUP = select(ApiToken.id, ApiToken.role, ApiToken.event_id, ApiToken.gate_id, ApiToken.expires_at,
                 ApiToken.revoked_at, ApiToken.last_used_at).where(ApiToken.token_hash == bindparam("digest"))
LAST_USED_EVERY = timedelta(minutes=1)  # last use is kept to the minute: one write a minute per token at most


@auth.verify_token
def _verify(token: str) -> Principal | None:
    if not isinstance(token, str) or not token:
        return None
    if len(token) > 200:
        g.token_refused = "unknown"
        return None
    row = driver.read(_LOOKUP, digest=hash_token(token)).first()
    now = utcnow()
    refused = ("unknown" if row is None else "revoked" if row.revoked_at is not None
               else "expired" if row.expires_at is not None and row.expires_at <= now else None)
    if refused:
        g.token_refused = refused  # the 401 says why, so a screen can tell its user what to do
        return None
    if row.last_used_at is None or row.last_used_at <= now - LAST_USED_EVERY:
        g.token_used = row.id
    return Principal(row.id, row.role, row.event_id, row.gate_id)


def note_token_use(_error=None) -> None:
    """After a request, record its token's last use if the last record is a minute old."""
    # A transaction of its own once the request is done, so a read-only request
    # (whose transaction is rolled back) still counts as a use. It never waits for
    # SQLite's writer: when another holds it, the token's next request tries again.
    token_id = g.pop("token_used", None)
    if token_id is None:
        return
    now = utcnow()
    try:
        db.session.rollback()  # whatever the request left open ends here anyway
        stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_EVERY)
        with waiting_for_writer(0):
            db.session.execute(update(ApiToken).where(ApiToken.id == token_id, stale).values(last_used_at=now))
            db.session.commit()
    except OperationalError:  # busy: not worth holding up the answer for
        db.session.rollback()
    except Exception:  # nor turning an answered request into an error
        db.session.rollback()
        log.warning("could not record the last use of token %s", token_id, exc_info=True)


@auth.get_user_roles
def _roles(principal: Principal) -> list[str]:
    return [principal.role]


_REFUSED = {  # why a token was refused; `reason` in the 401 problem
    "missing": "A valid bearer token is required (Authorization: Bearer <token>).",
    "unknown": "This token is not known here: sign in again.",
    "revoked": "This token was revoked: sign in again.",
    "expired": "This token has expired: sign in again.",
}


@auth.error_processor
def _auth_error(error):
    if error.status_code == 401:
        reason = g.get("token_refused", "missing")
        resp = problem(401, "Unauthorized", _REFUSED[reason], reason=reason)
        resp.headers["WWW-Authenticate"] = 'Bearer realm="gate"'
        return resp
    return problem(403, "Forbidden", "This token's role may not do this.")


def roles_for(permission: str) -> list[str]:
    """The roles that hold a permission, for auth_required(roles=...)."""
    return sorted(PERMISSIONS[permission])


def current() -> Principal:
    """The caller of the current request."""
    return auth.current_user


def check_event(event: Event) -> None:
    """Refuse a token bound to another event."""
    p = current()
    if p.event_id is not None and p.event_id != event.id:
        raise Forbidden("This token belongs to another event.")
